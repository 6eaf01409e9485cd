"""API schemas of the container e-seal flow (no ``from __future__ import annotations``: ninja reads
the annotations at run time). Names are unique across the whole API document."""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from openciq.accounts.schemas import OrgUnitBrief
from openciq.core.api import InSchema
from openciq.masterdata.schemas import EnterpriseBrief, PortBrief
from openciq.trace.containers.choices import SealStatus, TripStatus

NUMBER = Field(max_length=20, description="ISO 6346 container number with its check digit, e.g. CSQU3054383")
SEAL_ID = Field(max_length=30, description="Seal ID: manufacturer ID and serial, e.g. ZJ01-00012345")


class ContainerIn(InSchema):
    number: str = NUMBER
    size_type: str = Field("", max_length=4, description="ISO 6346 size and type code, e.g. 22G1")
    enterprise: int | None = Field(None, description="The operator (an enterprise id)")


class ContainerBrief(Schema):
    id: int
    number: str
    uri: str = Field(description="The container in EPCIS events (urn:epc:id:bic:…)")


class ContainerOut(Schema):
    id: int
    number: str
    uri: str
    owner_code: str
    category: str
    size_type: str
    enterprise: EnterpriseBrief | None


class ContainerPage(Schema):
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[ContainerOut]


class SealIn(InSchema):
    seal_id: str = SEAL_ID
    model: str = Field("", max_length=60)
    reusable: bool = Field(
        True, description="An e-lock returns to stock after a trip; a one-time seal is retired"
    )
    org_unit: int | None = Field(None, description="The office holding the seal (default: yours)")


class SealRetireIn(InSchema):
    reason: str = Field(max_length=300)


class SealBrief(Schema):
    id: int
    seal_id: str
    uri: str
    status: SealStatus
    battery_percent: int | None
    battery_low: bool


class SealOut(Schema):
    id: int
    seal_id: str
    uri: str = Field(description="The seal in EPCIS events")
    manufacturer: str
    model: str
    reusable: bool
    status: SealStatus
    status_at: dt.datetime | None
    battery_percent: int | None
    battery_low: bool
    battery_at: dt.datetime | None
    org_unit: OrgUnitBrief | None
    retire_reason: str


class SealPage(Schema):
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[SealOut]


class TripIn(InSchema):
    declaration_number: str = Field(max_length=40)
    container_number: str = NUMBER
    seal_id: str = SEAL_ID
    plate: str = Field(max_length=20, description="The truck's plate")
    origin_port: int = Field(description="Office of departure (a port id of your office)")
    destination_port: int = Field(description="Office of destination (a port id)")
    sealing_location: int = Field(description="The yard where the seal is applied (a trace location id)")
    arrival_location: int = Field(description="The destination gate (a trace location id)")
    checkpoints: list[int] = Field([], description="Route checkpoints (trace location ids)")
    enterprise: int | None = Field(None, description="Declarant or carrier (an enterprise id)")
    size_type: str = Field(
        "", max_length=4, description="Size and type code of a container not yet registered"
    )


class TripPlace(Schema):
    id: int
    uri: str
    name: str
    kind: str


class TripAlert(Schema):
    """An alert the trip raised; act on it at ``/api/v1/trace/alerts/{id}/acknowledge|resolve``."""

    id: int
    kind: str
    severity: str
    status: str
    title: str
    blocking: bool
    raised_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution: str


class TripRow(Schema):
    id: int
    number: str
    status: TripStatus
    declaration_number: str
    container: ContainerBrief
    seal: SealBrief = Field(description="The seal declared (applied at sealing)")
    plate: str
    origin_port: PortBrief
    destination_port: PortBrief
    sealed_at: dt.datetime
    arrived_at: dt.datetime | None
    cleared_at: dt.datetime | None
    last_read_at: dt.datetime | None
    last_read_seal: str = Field(description="The seal ID last read at a checkpoint")
    seal_reconciliation: Literal["not_read", "match", "mismatch"]
    open_alarm: bool = Field(False, description="A blocking alert of the trip is open")


class TripPage(Schema):
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[TripRow]


class TripOut(TripRow):
    enterprise: EnterpriseBrief | None
    sealing_location: TripPlace
    arrival_location: TripPlace
    checkpoints: list[TripPlace]
    last_read_location: TripPlace | None
    last_seal_status: str
    departed_at: dt.datetime | None
    opened_at: dt.datetime | None
    alarm_at: dt.datetime | None
    inspection_result: str
    inspected_at: dt.datetime | None
    inspection_note: str
    clearance_seconds: int | None = Field(description="Arrival at the destination gate to release")
    cancelled_at: dt.datetime | None
    cancel_reason: str
    alerts: list[TripAlert]

    @staticmethod
    def resolve_checkpoints(obj: Any) -> list[Any]:
        return list(obj.checkpoints.all())

    @staticmethod
    def resolve_alerts(obj: Any) -> list[Any]:
        from openciq.trace.containers.selectors import trip_alerts

        return trip_alerts(trip=obj)


class TripOpenIn(InSchema):
    note: str = ""


class TripInspectIn(InSchema):
    result: Literal["conformant", "non_conformant"]
    note: str = ""


class TripCancelIn(InSchema):
    reason: str = Field(max_length=300)


class ClearanceOut(Schema):
    port: PortBrief
    month: dt.date
    count: int
    median_minutes: float
    p90_minutes: float
    after_alarm: int

    @staticmethod
    def resolve_port(obj: Any) -> dict[str, Any]:
        return {"id": obj.port_id, "code": obj.port_code, "name": obj.port_name}
