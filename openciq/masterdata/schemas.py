import datetime as dt
import decimal

from ninja import Schema
from pydantic import Field

from openciq.accounts.schemas import OrgUnitBrief, UserBrief
from openciq.core.api import Brief, InSchema
from openciq.masterdata.choices import (
    EnterpriseClass,
    EnterpriseKind,
    MonitoringPointKind,
    PortKind,
    PremisesKind,
    RiskCategory,
)

# --- Country ---


class CountryIn(InSchema):
    code: str = Field(min_length=2, max_length=2)
    alpha3: str = Field(min_length=3, max_length=3)
    numeric: str = Field(min_length=3, max_length=3)
    name_zh: str = Field(max_length=200)
    name_en: str = Field("", max_length=200)
    is_active: bool = True


class CountryPatch(InSchema):
    code: str | None = Field(None, min_length=2, max_length=2)
    alpha3: str | None = Field(None, min_length=3, max_length=3)
    numeric: str | None = Field(None, min_length=3, max_length=3)
    name_zh: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    is_active: bool | None = None


class CountryOut(Schema):
    id: int
    code: str
    alpha3: str
    numeric: str
    name: str
    name_zh: str
    name_en: str
    is_active: bool


# --- Port ---


class PortIn(InSchema):
    code: str = Field(max_length=32)
    name_zh: str = Field(max_length=200)
    name_en: str = Field("", max_length=200)
    kind: PortKind
    org_unit: int
    description: str = ""
    is_active: bool = True


class PortPatch(InSchema):
    code: str | None = Field(None, max_length=32)
    name_zh: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    kind: PortKind | None = None
    org_unit: int | None = None
    description: str | None = None
    is_active: bool | None = None


class PortBrief(Brief):
    pass


class PortOut(Schema):
    id: int
    code: str
    name: str
    name_zh: str
    name_en: str
    kind: PortKind
    org_unit: OrgUnitBrief
    description: str
    is_active: bool


# --- Monitoring point ---


class MonitoringPointIn(InSchema):
    code: str = Field(max_length=32)
    name_zh: str = Field(max_length=200)
    name_en: str = Field("", max_length=200)
    port: int
    kind: MonitoringPointKind
    description: str = ""
    is_active: bool = True


class MonitoringPointPatch(InSchema):
    code: str | None = Field(None, max_length=32)
    name_zh: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    port: int | None = None
    kind: MonitoringPointKind | None = None
    description: str | None = None
    is_active: bool | None = None


class MonitoringPointOut(Schema):
    id: int
    code: str
    name: str
    name_zh: str
    name_en: str
    port: PortBrief
    kind: MonitoringPointKind
    description: str
    is_active: bool


# --- Enterprise ---


class EnterpriseIn(InSchema):
    uscc: str = Field(max_length=18, description="Unified social credit code (18 characters)")
    name_zh: str = Field(max_length=200)
    name_en: str = Field("", max_length=200)
    kind: EnterpriseKind
    org_unit: int
    address: str = Field("", max_length=300)
    contact_name: str = Field("", max_length=100)
    contact_phone: str = Field("", max_length=40)
    registered_on: dt.date | None = None
    is_active: bool = True


class EnterprisePatch(InSchema):
    uscc: str | None = Field(None, max_length=18)
    name_zh: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    kind: EnterpriseKind | None = None
    org_unit: int | None = None
    address: str | None = Field(None, max_length=300)
    contact_name: str | None = Field(None, max_length=100)
    contact_phone: str | None = Field(None, max_length=40)
    registered_on: dt.date | None = None
    is_active: bool | None = None


class EnterpriseBrief(Schema):
    id: int
    uscc: str
    name: str


class EnterpriseOut(Schema):
    id: int
    uscc: str
    name: str
    name_zh: str
    name_en: str
    kind: EnterpriseKind
    classification: EnterpriseClass
    org_unit: OrgUnitBrief
    address: str
    contact_name: str
    contact_phone: str
    registered_on: dt.date | None
    is_active: bool
    updated_at: dt.datetime


class ReclassifyIn(InSchema):
    to_class: EnterpriseClass
    reason: str = Field(min_length=1, max_length=2000)


class ClassChangeOut(Schema):
    id: int
    from_class: EnterpriseClass
    to_class: EnterpriseClass
    reason: str
    changed_by: UserBrief
    created_at: dt.datetime
    status: str
    decided_by: UserBrief | None = None
    decided_at: dt.datetime | None = None
    decision_note: str = ""


class ClassChangeDecisionIn(InSchema):
    note: str = Field("", max_length=2000)


# --- Enterprise membership ---


class EnterpriseMembershipIn(InSchema):
    user: int
    enterprise: int


class EnterpriseMembershipPatch(InSchema):
    user: int | None = None
    enterprise: int | None = None


class EnterpriseMembershipOut(Schema):
    id: int
    user: UserBrief
    enterprise: EnterpriseBrief


# --- Premises ---


class PremisesIn(InSchema):
    registration_number: str = Field(max_length=40)
    name_zh: str = Field(max_length=200)
    name_en: str = Field("", max_length=200)
    kind: PremisesKind
    enterprise: int
    org_unit: int
    gln: str | None = Field(None, description="GS1 GLN, 13 digits with check digit")
    latitude: decimal.Decimal | None = None
    longitude: decimal.Decimal | None = None
    address: str = Field("", max_length=300)
    is_active: bool = True


class PremisesPatch(InSchema):
    registration_number: str | None = Field(None, max_length=40)
    name_zh: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    kind: PremisesKind | None = None
    enterprise: int | None = None
    org_unit: int | None = None
    gln: str | None = None
    latitude: decimal.Decimal | None = None
    longitude: decimal.Decimal | None = None
    address: str | None = Field(None, max_length=300)
    is_active: bool | None = None


class PremisesOut(Schema):
    id: int
    registration_number: str
    name: str
    name_zh: str
    name_en: str
    kind: PremisesKind
    enterprise: EnterpriseBrief
    org_unit: OrgUnitBrief
    gln: str | None
    latitude: decimal.Decimal | None
    longitude: decimal.Decimal | None
    address: str
    is_active: bool


# --- Product ---


class ProductIn(InSchema):
    hs_code: str = Field(description="HS code, 6, 8 or 10 digits")
    name_zh: str = Field(max_length=200)
    name_en: str = Field("", max_length=200)
    risk_category: RiskCategory
    unit: str = Field("kg", max_length=8)
    is_active: bool = True


class ProductPatch(InSchema):
    hs_code: str | None = None
    name_zh: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    risk_category: RiskCategory | None = None
    unit: str | None = Field(None, max_length=8)
    is_active: bool | None = None


class ProductOut(Schema):
    id: int
    hs_code: str
    name: str
    name_zh: str
    name_en: str
    risk_category: RiskCategory
    unit: str
    is_active: bool


# --- Calendar day ---


class CalendarDayIn(InSchema):
    date: dt.date
    name: str = Field(
        max_length=100, description="The holiday, or the holiday a make-up working day belongs to"
    )
    is_working_day: bool = Field(False, description="True: a weekend day worked in exchange (调休)")


class CalendarDayPatch(InSchema):
    date: dt.date | None = None
    name: str | None = Field(None, max_length=100)
    is_working_day: bool | None = None


class CalendarDayOut(Schema):
    id: int
    date: dt.date
    name: str
    is_working_day: bool
