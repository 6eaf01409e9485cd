"""What the flow's services share: permission and scope checks, refusals naming the field, the
capture of a step's EPCIS events, and the shipment's transitions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from openciq.accounts.services import is_system_actor, system_actor
from openciq.core import audit
from openciq.core.errors import (
    NotFoundError,
    ServiceError,
    TransitionNotAllowed,
    ValidationFailed,
)
from openciq.core.permissions import require_permission
from openciq.masterdata.models import Enterprise
from openciq.trace import services as trace
from openciq.trace.choices import CaptureSource, CaptureStatus, ErrorBehaviour, LocationKind
from openciq.trace.models import Location
from openciq.trace.vegetables import epcis
from openciq.trace.vegetables.models import Shipment

M = TypeVar("M", bound=Model)
_ACTIONS = {
    "seal": "vegetables.shipment_sealed",
    "arrive": "vegetables.shipment_at_gate",
    "release": "vegetables.shipment_released",
    "hold": "vegetables.shipment_held",
    "release_after_inspection": "vegetables.shipment_released_after_inspection",
    "reject": "vegetables.shipment_rejected",
    "receive": "vegetables.shipment_received",
    "cancel": "vegetables.shipment_cancelled",
}


class EventsRefused(ServiceError):
    """The repository refused a step's EPCIS events (a bug or an identifier it cannot take):
    nothing of the step is stored."""

    code = "events_refused"
    status = 400


# --- Shared steps -----------------------------------------------------------------------------


def require(actor: Any, perm: str) -> None:
    """The permission, or the system actor (the seeder, device ingest), which acts for the bureau."""
    require_permission(actor, perm, exempt=is_system_actor)


def refuse(fields: Mapping[str, Sequence[object]], message: str | None = None) -> None:
    if fields:
        raise ValidationFailed(message or _("Please correct the marked fields."), fields=fields)


def scoped(rows: QuerySet[M], actor: Any) -> QuerySet[M]:
    """Rows in the actor's area; everything for the system actor."""
    return rows if is_system_actor(actor) else rows.in_scope(actor)  # type: ignore[attr-defined]


def lock(model: type[M], actor: Any, pk: Any) -> M:
    """The row in the actor's scope, locked for this transaction; 404 when out of scope."""
    found: M | None = (
        scoped(model.objects.all(), actor)  # type: ignore[attr-defined]
        .select_for_update(of=("self",))
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFoundError(_("Not found."))
    return found


def emit(actor: Any, events: Sequence[Mapping[str, Any]]) -> list[str]:
    """Capture a step's events (all or none) and return their eventIDs."""
    if not events:
        return []
    job = trace.capture_events(
        actor=actor,
        events=events,
        namespaces=epcis.NAMESPACES,
        error_behaviour=ErrorBehaviour.ROLLBACK,
        source=CaptureSource.SUPERVISION,
    )
    if job.status != CaptureStatus.SUCCEEDED:
        messages = [f"{issue.get('path', '')}: {issue.get('message', '')}" for issue in job.errors[:5]]
        raise EventsRefused(
            _("The repository refused this step's EPCIS events."), fields={"events": messages}
        )
    return [str(event["eventID"]) for event in events]


def move(actor: Any, shipment: Shipment, verb: str, **changes: Any) -> Shipment:
    """Apply a transition of ``Shipment.transitions`` with its field changes; one audit record."""
    allowed, to = Shipment.transitions[verb]
    if shipment.status not in allowed:
        raise TransitionNotAllowed(
            _("Shipment %(number)s is %(status)s: this step is not possible now.")
            % {"number": shipment.number, "status": shipment.get_status_display()},
            fields={"status": [str(shipment.get_status_display())]},
        )
    before = audit.snapshot(shipment)
    shipment.status = to
    shipment.status_changed_at = timezone.now()
    for name, value in changes.items():
        setattr(shipment, name, value)
    shipment.save()
    audit.record_change(actor=actor, action=_ACTIONS[verb], obj=shipment, before=before)
    return shipment


def decimal_value(value: Any, name: str, fields: dict[str, list[str]], *, positive: bool = True) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        fields.setdefault(name, []).append(_("Enter a number."))
        return Decimal(0)
    if not number.is_finite() or (positive and number <= 0):
        fields.setdefault(name, []).append(_("Enter a number greater than zero."))
    return number


def place(
    uri: str,
    name: str,
    kind: str,
    *,
    parent: str | None = None,
    position: Mapping[str, Decimal | None] | None = None,
) -> Location:
    """Save a place of the flow in the trace (as the system actor: see the package docstring)."""
    position = position or {}
    return trace.location_save(
        actor=system_actor(),
        uri=uri,
        name=name,
        kind=kind,
        parent_uri=parent,
        latitude=position.get("latitude"),
        longitude=position.get("longitude"),
    )


def coordinates(latitude: Any, longitude: Any, fields: dict[str, list[str]]) -> dict[str, Decimal | None]:
    values: dict[str, Decimal | None] = {"latitude": None, "longitude": None}
    for name, raw, limit in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        if raw in (None, ""):
            continue
        number = decimal_value(raw, name, fields, positive=False)
        if abs(number) > limit:
            fields.setdefault(name, []).append(_("Out of range."))
        values[name] = number
    if (values["latitude"] is None) != (values["longitude"] is None):
        fields.setdefault("longitude", []).append(_("Give both latitude and longitude, or neither."))
    return values


def packhouse(enterprise: Enterprise) -> Location:
    """The enterprise's packing house as a trace place (made on first use)."""
    uri = epcis.packhouse_uri(enterprise.uscc)
    found: Location | None = Location.objects.filter(uri=uri).first()
    if found is not None:
        return found
    return place(uri, _("%(name)s packing house") % {"name": enterprise.name_zh}, LocationKind.PACKHOUSE)
