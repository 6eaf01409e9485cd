import datetime as dt
import decimal

from ninja import Schema
from pydantic import Field

from openciq.accounts.schemas import OrgUnitBrief, UserBrief
from openciq.alerts.choices import FilingStatus, FilingVerb, PackagingCategory
from openciq.core.api import InSchema
from openciq.masterdata.schemas import EnterpriseBrief

CAPACITY = {"gt": 0, "max_digits": 12, "decimal_places": 2, "description": "Annual capacity in tonnes"}


class PackagingFilingIn(InSchema):
    """An application (a draft). The supervising branch is the enterprise's."""

    enterprise: int
    categories: list[PackagingCategory] = Field(min_length=1)
    materials: str = Field(min_length=1)
    production_address: str = Field(min_length=1, max_length=300)
    annual_capacity: decimal.Decimal = Field(**CAPACITY)
    quality_certificate_number: str = Field("", max_length=64)
    contact_name: str = Field(min_length=1, max_length=100)
    contact_phone: str = Field(min_length=1, max_length=40)


class PackagingFilingPatch(InSchema):
    """Changes to a draft; fields left out stay as they are. The enterprise does not change."""

    categories: list[PackagingCategory] | None = Field(None, min_length=1)
    materials: str | None = Field(None, min_length=1)
    production_address: str | None = Field(None, min_length=1, max_length=300)
    annual_capacity: decimal.Decimal | None = Field(None, **CAPACITY)
    quality_certificate_number: str | None = Field(None, max_length=64)
    contact_name: str | None = Field(None, min_length=1, max_length=100)
    contact_phone: str | None = Field(None, min_length=1, max_length=40)


class PackagingFilingBrief(Schema):
    id: int
    number: str | None
    status: FilingStatus


class PackagingFilingOut(Schema):
    id: int
    number: str | None
    status: FilingStatus
    enterprise: EnterpriseBrief
    org_unit: OrgUnitBrief
    categories: list[PackagingCategory]
    materials: str
    production_address: str
    annual_capacity: decimal.Decimal
    quality_certificate_number: str
    contact_name: str
    contact_phone: str
    renewal_of: PackagingFilingBrief | None
    applied_at: dt.datetime | None
    decided_at: dt.datetime | None
    decided_by: UserBrief | None
    refusal_reasons: str
    valid_until: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime


class FilingTransitionIn(InSchema):
    reason: str = Field(
        "", max_length=4000, description="Why; required to refuse, suspend and revoke, a remark otherwise"
    )


class FilingTransitionOut(Schema):
    id: int
    verb: FilingVerb | None = Field(description="Empty for the step that started the draft")
    from_status: FilingStatus | None
    to_status: FilingStatus
    actor: UserBrief
    at: dt.datetime
    reason: str

    @staticmethod
    def resolve_verb(obj) -> str | None:
        return obj.verb or None

    @staticmethod
    def resolve_from_status(obj) -> str | None:
        return obj.from_status or None


class PackagingFilingFilters(Schema):
    """Query parameters of the list: the fields of ``PackagingFilingFilterSet``."""

    q: str | None = Field(None, description="Search in number, credit code and enterprise name")
    status: FilingStatus | None = None
    org_unit: int | None = Field(None, description="Supervising branch (org unit id)")
    category: PackagingCategory | None = None
    enterprise: int | None = Field(None, description="Enterprise id")


class PackagingFilingList(Schema):
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[PackagingFilingOut]
