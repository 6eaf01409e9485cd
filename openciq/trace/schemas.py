"""API schemas of the traceability subsystem's own resources (the EPCIS binding answers in the
standard's JSON, not through these)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from openciq.core.api import InSchema


class AlertOut(Schema):
    id: int
    kind: str
    severity: str
    status: str
    title: str
    subject: str
    declaration_number: str
    blocking: bool
    details: dict[str, Any]
    raised_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution: str
    handled_by: str | None = Field(None, alias="handled_by.username")
    event_id: int | None = None


class AlertPage(Schema):
    count: int | None
    next: str | None
    previous: str | None
    results: list[AlertOut]


class AlertResolveIn(InSchema):
    resolution: str = Field(..., description="What was found and done (required).")


class LocationIn(InSchema):
    uri: str = Field(..., description="EPC URN (e.g. an SGLN), GS1 Digital Link or any URI of the place.")
    name: str = ""
    kind: str = "other"
    parent_uri: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None


class LocationOut(Schema):
    id: int
    uri: str
    name: str
    kind: str
    parent_id: int | None
    latitude: Decimal | None
    longitude: Decimal | None
