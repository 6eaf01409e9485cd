"""API schemas of the live-pig supervision (no ``from __future__ import annotations``: ninja
reads the annotations at run time). Names carry ``Pig`` so they stay unique across the API
document (the vegetable flow has farms too)."""

import datetime as dt
import decimal
from typing import Any

from ninja import Schema
from pydantic import Field

from openciq.accounts.schemas import OrgUnitBrief
from openciq.core.api import InSchema
from openciq.masterdata.schemas import EnterpriseBrief
from openciq.trace.pigs.choices import (
    AnimalStatus,
    BatchStatus,
    DeathCause,
    ReplaceReason,
    Route,
    Sex,
    Species,
    TagStatus,
    Traceability,
    TreatmentKind,
)

NUMBERS = Field(description="China ear-tag (畜禽标识) or ISO 11784 numbers, 15 digits each", max_length=400)


class PigFarmIn(InSchema):
    registration_number: str = Field(max_length=30)
    name_zh: str = Field(max_length=200)
    name_en: str = Field("", max_length=200)
    enterprise: int
    org_unit: int = Field(description="The supervising office")
    county_code: str = Field(max_length=6, description="Six-digit county division code")
    address: str = Field("", max_length=300)
    capacity: int = Field(0, ge=0)
    latitude: decimal.Decimal | None = None
    longitude: decimal.Decimal | None = None


class PigFarmBrief(Schema):
    id: int
    registration_number: str
    name: str


class PigFarmOut(Schema):
    id: int
    registration_number: str
    name: str
    name_zh: str
    name_en: str
    enterprise: EnterpriseBrief
    org_unit: OrgUnitBrief
    county_code: str
    address: str
    capacity: int
    is_active: bool
    location: str = Field(description="The farm's EPCIS location identifier")
    loading_channel: str = Field(description="The loading channel's EPCIS read point")

    @staticmethod
    def resolve_location(obj: Any) -> str:
        return str(obj.location.uri)

    @staticmethod
    def resolve_loading_channel(obj: Any) -> str:
        return str(obj.loading_channel.uri)


class PigFarmPage(Schema):
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[PigFarmOut]


class PigTagRangeIn(InSchema):
    country: int = Field(156, description="156 (China) or a tag maker's code 900-998")
    first_national_id: int = Field(ge=0)
    last_national_id: int = Field(ge=0)
    note: str = Field("", max_length=200)


class PigTagRangeOut(Schema):
    id: int
    farm: int = Field(alias="farm_id")
    country: int
    first_national_id: int
    last_national_id: int
    first_printed: str
    last_printed: str
    size: int
    issued_at: dt.datetime
    note: str


class PigTagOut(Schema):
    id: int
    iso_number: str
    uri: str = Field(description="The tag's EPCIS identifier")
    raw_hex: str = Field(description="The 64-bit ISO 11784 code, 16 hexadecimal digits")
    retag: int
    applied_at: dt.datetime
    removed_at: dt.datetime | None
    status: TagStatus
    replace_reason: ReplaceReason | str
    replaces: str | None = Field(None, description="ISO number of the tag this one replaced")

    @staticmethod
    def resolve_replaces(obj: Any) -> str | None:
        return obj.replaces.iso_number if obj.replaces_id else None


class PigIn(InSchema):
    farm: int
    cn_number: str = Field(max_length=20, description="China ear-tag number (畜禽标识)")
    iso_number: str = Field(max_length=20, description="The first ISO 11784 tag, as printed")
    sex: Sex
    breed: str = Field(max_length=60)
    birth_date: dt.date
    applied_at: dt.datetime | None = None


class PigWarning(Schema):
    rule: str
    message: str
    at: str


class PigRow(Schema):
    id: int
    cn_number: str
    farm: int = Field(alias="farm_id")
    status: AnimalStatus
    traceability: Traceability
    withdrawal_until: dt.datetime | None


class PigPage(Schema):
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[PigRow]


class PigOut(Schema):
    id: int
    cn_number: str
    uri: str = Field(description="The pig's lifetime identifier (parent of its tags' associations)")
    farm: PigFarmBrief
    species: Species
    sex: Sex
    breed: str
    birth_date: dt.date
    tagged_at: dt.datetime
    status: AnimalStatus
    traceability: Traceability
    traceability_reasons: list[PigWarning]
    withdrawal_until: dt.datetime | None
    died_at: dt.datetime | None
    death_cause: DeathCause | str
    tags: list[PigTagOut]

    @staticmethod
    def resolve_tags(obj: Any) -> list[Any]:
        return list(obj.tags.select_related("replaces").order_by("applied_at", "id"))


class PigTagReplaceIn(InSchema):
    tag: str = Field(max_length=20, description="ISO number of the tag to replace")
    new_iso_number: str = Field(max_length=20)
    reason: ReplaceReason
    replaced_at: dt.datetime | None = None


class PigDeathIn(InSchema):
    cause: DeathCause
    note: str = Field("", max_length=300)
    died_at: dt.datetime | None = None


class PigTreatmentIn(InSchema):
    farm: int
    kind: TreatmentKind
    product: str = Field(max_length=120)
    product_batch: str = Field(max_length=60)
    dose: str = Field(max_length=40)
    route: Route
    veterinarian: str = Field(max_length=100)
    animals: list[str] = NUMBERS
    withdrawal_days: int = Field(0, ge=0, le=365)
    given_at: dt.datetime | None = None


class PigTreatmentOut(Schema):
    id: int
    farm: int = Field(alias="farm_id")
    kind: TreatmentKind
    product: str
    product_batch: str
    dose: str
    route: Route
    given_at: dt.datetime
    withdrawal_days: int
    withdrawal_until: dt.datetime | None
    veterinarian: str
    animals: list[str] = Field(description="China ear-tag numbers of the pigs treated")
    event_id: str = Field(description="The EPCIS event's eventID")

    @staticmethod
    def resolve_animals(obj: Any) -> list[str]:
        return sorted(a.cn_number for a in obj.animals.all())


class PigTreatmentPage(Schema):
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[PigTreatmentOut]


class PigBatchIn(InSchema):
    farm: int
    declaration_number: str = Field(max_length=40)
    truck_plate: str = Field(max_length=20)
    planned_at: dt.datetime
    animals: list[str] = NUMBERS


class PigBatchRow(Schema):
    id: int
    number: str
    farm: PigFarmBrief
    declaration_number: str
    truck_plate: str
    planned_at: dt.datetime
    status: BatchStatus


class PigBatchPage(Schema):
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[PigBatchRow]


class PigBatchEntryOut(Schema):
    cn_number: str
    read_at: dt.datetime | None
    loaded: bool
    received_at: dt.datetime | None

    @staticmethod
    def resolve_cn_number(obj: Any) -> str:
        return str(obj.animal.cn_number)


class PigAlertOut(Schema):
    id: int
    kind: str
    status: str
    title: str
    blocking: bool


class PigBatchOut(PigBatchRow):
    loading_channel: str
    declared: list[PigBatchEntryOut]
    reconcile_count: int
    reconciled_at: dt.datetime | None
    result: dict[str, Any] = Field(description="declared, read, missing, extra, withdrawal, inactive")
    released_at: dt.datetime | None
    loaded_count: int
    received_at: dt.datetime | None
    received_count: int | None
    receipt_result: dict[str, Any] = Field(description="missing, extra")
    cancel_reason: str
    alerts: list[PigAlertOut]
    event_ids: list[str]

    @staticmethod
    def resolve_loading_channel(obj: Any) -> str:
        return str(obj.loading_channel.uri)

    @staticmethod
    def resolve_declared(obj: Any) -> list[Any]:
        return list(obj.entries.select_related("animal").order_by("animal__cn_number"))

    @staticmethod
    def resolve_alerts(obj: Any) -> list[Any]:
        return list(obj.alerts.order_by("id"))


class PigReceiveIn(InSchema):
    read_numbers: list[str] = Field(description="ISO 11784 numbers read on arrival", max_length=1000)
    received_at: dt.datetime | None = None
    read_point: str | None = Field(
        None, max_length=255, description="Default: the Sheung Shui slaughterhouse"
    )


class PigReasonIn(InSchema):
    reason: str = Field(max_length=300)
