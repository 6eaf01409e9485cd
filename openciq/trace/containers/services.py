"""Writes of the container e-seal flow: the registers, sealing a container for a trip, the
authorised opening, the inspection, the release and the cancellation.

Every step is one transaction with one audit event of its own (the capture job has its own), and
is recorded in the EPCIS repository through ``trace.services.capture_events`` (by the acting
user), so that the trace, the query API and the subscriptions see it. What gateways and
checkpoints report arrives through capture from any source; ``watch.py`` reacts to it.
Transitions are the data on ``Trip``.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import iso6346
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from openciq.accounts.models import OrgUnit, org_scope_q
from openciq.accounts.services import is_system_actor
from openciq.core import audit
from openciq.core.errors import NotFoundError, TransitionNotAllowed, ValidationFailed
from openciq.core.models import has_global_scope
from openciq.core.numbering import next_value
from openciq.core.permissions import require_permission
from openciq.masterdata.models import Enterprise, Port
from openciq.trace import identifiers
from openciq.trace import services as trace_services
from openciq.trace.animal_ids import InvalidIdentifier
from openciq.trace.choices import AlertStatus, CaptureSource, CaptureStatus, ErrorBehaviour, LocationKind
from openciq.trace.containers import epcis
from openciq.trace.containers.choices import (
    INSPECT_STATES,
    SEAL_ON_STATES,
    InspectionResult,
    SealStatus,
    TripStatus,
)
from openciq.trace.containers.models import Container, Seal, Trip
from openciq.trace.models import Location, SupervisionAlert

ALERT_KEY = "containers:trip:{trip}:"
SEALING_KINDS = frozenset({LocationKind.YARD, LocationKind.PORT})
ARRIVAL_KINDS = frozenset({LocationKind.GATE, LocationKind.PORT, LocationKind.CHECKPOINT, LocationKind.YARD})
CHECKPOINT_KINDS = frozenset({LocationKind.GATE, LocationKind.CHECKPOINT})
_SIZE_TYPE = re.compile(r"^[0-9A-Z]{4}$")
_DECLARATION = re.compile(r"^[A-Za-z0-9-]{1,40}$")
_PLATE = re.compile(r"^\S{2,20}$")

# The refusal of each step in a state that does not allow it, one whole sentence per step.
REFUSALS = {
    "open": gettext_lazy("Trip %(trip)s is “%(state)s”; it cannot be opened with authority in that state."),
    "clear": gettext_lazy("Trip %(trip)s is “%(state)s”; it cannot be cleared in that state."),
    "cancel": gettext_lazy("Trip %(trip)s is “%(state)s”; it cannot be cancelled in that state."),
    "inspect": gettext_lazy("Trip %(trip)s is “%(state)s”; it cannot be inspected in that state."),
}

# Set while this flow captures its own events, so that the listener does not take the flow's
# own steps for reads from the road.
_emitting: contextvars.ContextVar[bool] = contextvars.ContextVar("containers_emitting", default=False)


def emitting() -> bool:
    return _emitting.get()


# --- Shared helpers --------------------------------------------------------------------------


def require(actor: Any, perm: str) -> None:
    """The permission, or the system actor (the seeder, device ingest), which acts for the bureau."""
    require_permission(actor, perm, exempt=is_system_actor)


def emit(actor: Any, events: Sequence[Mapping[str, Any]]) -> None:
    """Record the flow's own events in the repository (all or nothing). A refused event is a bug
    in this module, so it raises and undoes the step."""
    token = _emitting.set(True)
    try:
        job = trace_services.capture_events(
            actor=actor,
            events=events,
            error_behaviour=ErrorBehaviour.ROLLBACK,
            source=CaptureSource.SUPERVISION,
        )
    finally:
        _emitting.reset(token)
    if job.status != CaptureStatus.SUCCEEDED:
        raise RuntimeError(f"the container flow wrote events the repository refused: {job.errors}")


def alert_key(trip: Trip) -> str:
    """The prefix of every alert key of a trip (``containers:trip:<id>:<kind>…``)."""
    return ALERT_KEY.format(trip=trip.pk)


def open_trip_alerts(trip: Trip, *, blocking_only: bool = True) -> list[SupervisionAlert]:
    """Alerts of the trip still open (and, by default, holding it)."""
    alerts = SupervisionAlert.objects.filter(key__startswith=alert_key(trip)).exclude(
        status=AlertStatus.RESOLVED
    )
    if blocking_only:
        alerts = alerts.filter(blocking=True)
    return list(alerts.order_by("raised_at", "id"))


def lock_trip(actor: Any, pk: int) -> Trip:
    """The trip, locked for this transaction; 404 when it is outside the actor's scope."""
    if not is_system_actor(actor) and not Trip.objects.in_scope(actor).filter(pk=pk).exists():
        raise NotFoundError(_("Not found."))
    trip: Trip | None = (
        Trip.objects.select_for_update(of=("self",))
        .select_related("container", "seal", "sealing_location", "arrival_location", "last_read_location")
        .filter(pk=pk)
        .first()
    )
    if trip is None:
        raise NotFoundError(_("Not found."))
    return trip


def check(trip: Trip, verb: str) -> None:
    """Refuse ``verb`` unless the trip's state allows it."""
    allowed = INSPECT_STATES if verb == "inspect" else Trip.transitions[verb][0]
    if trip.status not in allowed:
        raise TransitionNotAllowed(
            str(REFUSALS[verb]) % {"trip": trip.number, "state": trip.get_status_display()},
            fields={"status": [trip.status]},
        )


def place_of(trip: Trip) -> Location | None:
    """Where the container is now, for the events of a step taken on it: the destination gate
    once it arrived, else where it was last read, else the yard it was sealed at."""
    if trip.arrived_at is not None:
        return trip.arrival_location
    return trip.last_read_location or trip.sealing_location


def _seal_off(seal: Seal, now: dt.datetime) -> None:
    """The seal taken off the container: a reusable e-lock goes back to stock, a one-time seal
    is retired; a tampered seal stays tampered until it is examined and retired."""
    if seal.status == SealStatus.TAMPERED:
        return
    seal.status = SealStatus.AVAILABLE if seal.reusable else SealStatus.RETIRED
    seal.status_at = now
    seal.save()


# --- Registers ---------------------------------------------------------------------------------


def own_seals(actor: Any) -> QuerySet[Seal]:
    """The seals of the actor's office (and those of no office): the ones it may apply and
    retire. Seeing a seal on a trip (the destination office) is not holding it."""
    if is_system_actor(actor) or has_global_scope(actor):
        return Seal.objects.all()
    return Seal.objects.filter(org_scope_q(actor, "org_unit__path") | Q(org_unit__isnull=True))


def container_number(value: str, field: str = "number") -> str:
    """The compact ISO 6346 number (check digit verified), or ``ValidationFailed`` naming
    ``field``."""
    try:
        return str(iso6346.validate(value or ""))
    except InvalidLength:
        message = _(
            "A container number has 11 characters: owner code, category, 6-digit serial, check digit."
        )
    except InvalidChecksum:
        message = _("The check digit does not match the rest of the number (ISO 6346).")
    except ValidationError:
        message = _("This is not an ISO 6346 container number (e.g. CSQU3054383).")
    raise ValidationFailed(_("The container number is not valid."), fields={field: [message]})


def _enterprise(actor: Any, enterprise_id: int | None, errors: dict[str, list[str]]) -> Enterprise | None:
    if enterprise_id is None:
        return None
    enterprise = (
        Enterprise.objects.in_scope(actor).filter(pk=enterprise_id).first()
        if not is_system_actor(actor)
        else Enterprise.objects.filter(pk=enterprise_id).first()
    )
    if enterprise is None:
        errors["enterprise"] = [_("No such enterprise.")]
    return enterprise


def _new_container(number: str, size_type: str = "", enterprise: Enterprise | None = None) -> Container:
    container = Container(
        number=number,
        uri=identifiers.container(number),
        owner_code=number[:3],
        size_type=size_type,
        enterprise=enterprise,
    )
    container.save()
    return container


@audit.audited
def container_register(
    *, actor: Any, number: str, size_type: str = "", enterprise_id: int | None = None
) -> Container:
    """Register a container by its ISO 6346 number (audit ``containers.container_registered``).
    Containers sealed for a trip are registered on the way; this is for the register page."""
    require(actor, "containers.add_container")
    compact = container_number(number)
    errors: dict[str, list[str]] = {}
    size_type = (size_type or "").strip().upper()
    if size_type and not _SIZE_TYPE.match(size_type):
        errors["size_type"] = [_("A size and type code is 4 letters or digits, e.g. 22G1.")]
    enterprise = _enterprise(actor, enterprise_id, errors)
    if Container.objects.filter(number=compact).exists():
        errors["number"] = [_("Container %(number)s is registered already.") % {"number": compact}]
    if errors:
        raise ValidationFailed(_("The container was not registered."), fields=errors)
    container = _new_container(compact, size_type, enterprise)
    audit.record(
        actor=actor, action="containers.container_registered", obj=container, changes={"number": compact}
    )
    return container


def seal_id_of(value: str, field: str = "seal_id") -> str:
    """The seal ID as the register keeps it (``MANUFACTURER-SERIAL``, upper case)."""
    try:
        return epcis.seal_id_of(identifiers.seal(value or ""))
    except InvalidIdentifier:
        raise ValidationFailed(
            _("The seal ID is not valid."),
            fields={field: [_("A seal ID is the manufacturer ID and the serial, e.g. ZJ01-00012345.")]},
        ) from None


@audit.audited
def seal_register(
    *,
    actor: Any,
    seal_id: str,
    model: str = "",
    reusable: bool = True,
    org_unit_id: int | None = None,
    enterprise_id: int | None = None,
) -> Seal:
    """Take an electronic seal into the register, available (audit ``containers.seal_registered``).
    Held by the actor's office unless another office (in the actor's area) is named."""
    require(actor, "containers.add_seal")
    compact = seal_id_of(seal_id)
    errors: dict[str, list[str]] = {}
    if Seal.objects.filter(seal_id=compact).exists():
        errors["seal_id"] = [_("Seal %(seal)s is registered already.") % {"seal": compact}]
    office = None
    if org_unit_id is not None:
        offices = (
            OrgUnit.objects.all()
            if is_system_actor(actor)
            else OrgUnit.objects.filter(org_scope_q(actor, "path"))
        )
        office = offices.filter(pk=org_unit_id).first()
        if office is None:
            errors["org_unit"] = [_("Not an office of your area.")]
    elif getattr(actor, "org_unit_id", None) is not None:
        office = actor.org_unit
    enterprise = _enterprise(actor, enterprise_id, errors)
    if errors:
        raise ValidationFailed(_("The seal was not registered."), fields=errors)
    seal = Seal(
        seal_id=compact,
        uri=identifiers.seal(compact),
        manufacturer=compact.split("-", 1)[0],
        model=(model or "").strip()[:60],
        reusable=reusable,
        status=SealStatus.AVAILABLE,
        status_at=timezone.now(),
        org_unit=office,
        enterprise=enterprise,
    )
    seal.save()
    audit.record(actor=actor, action="containers.seal_registered", obj=seal, changes={"seal_id": compact})
    return seal


@audit.audited
def seal_retire(*, actor: Any, seal_pk: int, reason: str) -> Seal:
    """Take a seal out of use (damaged, tampered, battery spent, lost), with a reason; never one
    that is on a container (audit ``containers.seal_retired``)."""
    require(actor, "containers.retire_seal")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("The seal was not retired."), fields={"reason": [_("Give a reason.")]})
    if not own_seals(actor).filter(pk=seal_pk).exists():
        raise NotFoundError(_("Not found."))
    seal: Seal = Seal.objects.select_for_update(of=("self",)).get(pk=seal_pk)
    if seal.status in (SealStatus.SEALED, SealStatus.RETIRED):
        raise TransitionNotAllowed(
            _("Seal %(seal)s is %(state)s; it cannot be retired.")
            % {"seal": seal.seal_id, "state": seal.get_status_display()},
            fields={"status": [seal.status]},
        )
    before = audit.snapshot(seal)
    seal.status, seal.status_at, seal.retire_reason = SealStatus.RETIRED, timezone.now(), reason[:300]
    seal.save()
    audit.record_change(actor=actor, action="containers.seal_retired", obj=seal, before=before)
    return seal


# --- Sealing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TripInput:
    """What the officer at the yard enters when sealing a container for a crossing."""

    declaration_number: str
    container_number: str
    seal_id: str
    plate: str
    origin_port_id: int
    destination_port_id: int
    sealing_location_id: int
    arrival_location_id: int
    checkpoint_ids: Sequence[int] = ()
    enterprise_id: int | None = None
    size_type: str = ""


def _location(
    pk: int | None, kinds: frozenset[str], field: str, errors: dict[str, list[str]]
) -> Location | None:
    place = Location.objects.filter(pk=pk).first() if pk else None
    if place is None:
        errors[field] = [_("No such place.")]
    elif place.kind not in kinds:
        labels = ", ".join(sorted(str(LocationKind(kind).label) for kind in kinds))
        errors[field] = [_("This place is not of a kind allowed here (%(kinds)s).") % {"kinds": labels}]
    return place


def _ports(actor: Any, data: TripInput, errors: dict[str, list[str]]) -> tuple[Port | None, Port | None]:
    origin = Port.objects.select_related("org_unit").filter(pk=data.origin_port_id).first()
    destination = Port.objects.select_related("org_unit").filter(pk=data.destination_port_id).first()
    if origin is None:
        errors["origin_port"] = [_("No such port.")]
    elif (
        not is_system_actor(actor)
        and not Port.objects.filter(org_scope_q(actor, "org_unit__path"), pk=origin.pk).exists()
    ):
        errors["origin_port"] = [_("Containers are sealed at a port of your own office.")]
    if destination is None:
        errors["destination_port"] = [_("No such port.")]
    elif origin is not None and destination.pk == origin.pk:
        errors["destination_port"] = [_("The destination differs from the office of departure.")]
    return origin, destination


def _seal_for(actor: Any, seal_id: str, errors: dict[str, list[str]]) -> Seal | None:
    try:
        compact = seal_id_of(seal_id)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        return None
    if not own_seals(actor).filter(seal_id=compact).exists():
        errors["seal_id"] = [_("Seal %(seal)s is not in your office's register.") % {"seal": compact}]
        return None
    seal: Seal = Seal.objects.select_for_update(of=("self",)).get(seal_id=compact)
    if seal.status != SealStatus.AVAILABLE:
        on = seal.trips.filter(status__in=SEAL_ON_STATES).first()
        message = (
            _("Seal %(seal)s is on container %(container)s for trip %(trip)s.")
            % {"seal": compact, "container": on.container, "trip": on.number}
            if on is not None
            else _("Seal %(seal)s is %(state)s, not available.")
            % {"seal": compact, "state": seal.get_status_display()}
        )
        errors["seal_id"] = [message]
    return seal


def _container_for(number: str, errors: dict[str, list[str]]) -> Container | None:
    try:
        compact = container_number(number, "container_number")
    except ValidationFailed as exc:
        errors.update(exc.fields)
        return None
    container: Container | None = (
        Container.objects.select_for_update(of=("self",)).filter(number=compact).first()
    )
    if container is None:
        return None  # registered below, once everything else is right
    busy = container.trips.exclude(status__in=[TripStatus.CLEARED, TripStatus.CANCELLED]).first()
    if busy is not None:
        errors["container_number"] = [
            _("Container %(container)s is on trip %(trip)s (%(state)s) and not released yet.")
            % {"container": container, "trip": busy.number, "state": busy.get_status_display()}
        ]
    return container


def _trip_fields(data: TripInput, errors: dict[str, list[str]]) -> tuple[str, str]:
    declaration = (data.declaration_number or "").strip()
    if not _DECLARATION.match(declaration):
        errors["declaration_number"] = [_("Give the declaration number (letters, digits and '-').")]
    plate = re.sub(r"\s+", "", (data.plate or "").strip().upper())
    if not _PLATE.match(plate):
        errors["plate"] = [_("Give the truck's plate number.")]
    size_type = (data.size_type or "").strip().upper()
    if size_type and not _SIZE_TYPE.match(size_type):
        errors["size_type"] = [_("A size and type code is 4 letters or digits, e.g. 22G1.")]
    return declaration, plate


@audit.audited
def trip_seal(*, actor: Any, data: TripInput) -> Trip:
    """Seal a container for a crossing (new trip, ``sealed``; permission ``containers.seal_trip``;
    audit ``containers.trip_sealed``). The seal must be available in the actor's register and the
    container on no other open trip; a container not yet registered is registered. Records the
    AssociationEvent ADD (container ← seal) and the ``staging_outbound`` / ``container_closed``
    ObjectEvent at the yard."""
    require(actor, "containers.seal_trip")
    errors: dict[str, list[str]] = {}
    declaration, plate = _trip_fields(data, errors)
    origin, destination = _ports(actor, data, errors)
    sealing = _location(data.sealing_location_id, SEALING_KINDS, "sealing_location", errors)
    arrival = _location(data.arrival_location_id, ARRIVAL_KINDS, "arrival_location", errors)
    if sealing is not None and arrival is not None and sealing.pk == arrival.pk:
        errors["arrival_location"] = [_("The destination gate is not the place of sealing.")]
    checkpoints = list(Location.objects.filter(pk__in=list(data.checkpoint_ids)))
    if len(checkpoints) != len(set(data.checkpoint_ids)) or any(
        c.kind not in CHECKPOINT_KINDS for c in checkpoints
    ):
        errors["checkpoints"] = [_("Route checkpoints are border gates or checkpoints.")]
    enterprise = _enterprise(actor, data.enterprise_id, errors)
    container = _container_for(data.container_number, errors)
    seal = _seal_for(actor, data.seal_id, errors)
    if errors:
        raise ValidationFailed(_("The container was not sealed."), fields=errors)
    assert origin and destination and sealing and arrival and seal
    if container is None:
        compact = container_number(data.container_number, "container_number")
        container = _new_container(compact, (data.size_type or "").strip().upper(), enterprise)
    now = timezone.now()
    trip = Trip(
        number=f"CT{now.year}{next_value(f'containers.trip.{now.year}'):06d}",
        declaration_number=declaration,
        container=container,
        seal=seal,
        plate=plate,
        enterprise=enterprise,
        origin_port=origin,
        destination_port=destination,
        org_unit=destination.org_unit,
        sealing_location=sealing,
        arrival_location=arrival,
        sealed_at=now,
        sealed_by=actor,
        status=TripStatus.SEALED,
    )
    trip.save()
    trip.checkpoints.set(checkpoints)
    seal.status, seal.status_at = SealStatus.SEALED, now
    seal.save()
    emit(actor, epcis.sealing(trip, now))
    audit.record(
        actor=actor,
        action="containers.trip_sealed",
        obj=trip,
        changes={
            "declaration_number": declaration,
            "container": container.number,
            "seal": seal.seal_id,
            "plate": plate,
            "origin_port": origin.code,
            "destination_port": destination.code,
        },
    )
    return trip


# --- At the destination -------------------------------------------------------------------------


@audit.audited
def trip_open_authorised(*, actor: Any, trip_id: int, note: str = "") -> Trip:
    """Open the container with authority (``arrived``/``alarm`` → ``opened``; permission
    ``containers.open_trip``; audit ``containers.trip_opened``): the inspector or the destination
    officer opens it at the gate. Records ``unloading`` / ``container_open``, the seal's
    ``decommissioning`` and the AssociationEvent DELETE. Raises no alarm: this is the opening
    the trip expects."""
    require(actor, "containers.open_trip")
    trip = lock_trip(actor, trip_id)
    check(trip, "open")
    before = audit.snapshot(trip)
    now = timezone.now()
    place = place_of(trip)
    trip.status, trip.opened_at, trip.opened_by = TripStatus.OPENED, now, actor
    if note.strip():
        trip.inspection_note = "\n".join(filter(None, [trip.inspection_note, note.strip()]))
    trip.save()
    _seal_off(trip.seal, now)
    emit(actor, epcis.authorised_opening(trip, now, place))
    audit.record_change(actor=actor, action="containers.trip_opened", obj=trip, before=before)
    return trip


@audit.audited
def trip_inspect(*, actor: Any, trip_id: int, result: str, note: str = "") -> Trip:
    """Record the inspection of the container (state unchanged; permission
    ``containers.inspect_trip``; audit ``containers.trip_inspected``): ``inspecting`` →
    ``conformant`` or ``non_conformant``. The alarm itself is closed on the worklist
    (``trace.services.alert_resolve``); a trip with an alarm is cleared only after a conformant
    inspection."""
    require(actor, "containers.inspect_trip")
    if result not in InspectionResult.values:
        raise ValidationFailed(
            _("The inspection was not recorded."),
            fields={"result": [_("Choose conformant or non-conformant.")]},
        )
    trip = lock_trip(actor, trip_id)
    check(trip, "inspect")
    before = audit.snapshot(trip)
    now = timezone.now()
    trip.inspection_result, trip.inspected_at, trip.inspected_by = result, now, actor
    if note.strip():
        trip.inspection_note = "\n".join(filter(None, [trip.inspection_note, note.strip()]))
    trip.save()
    emit(actor, [epcis.inspection(trip, now, place_of(trip), result)])
    audit.record_change(actor=actor, action="containers.trip_inspected", obj=trip, before=before)
    return trip


def _clear_refusal(trip: Trip) -> ValidationFailed | None:
    """Why the trip may not be released yet, if it may not."""
    held = {a.pk: a for a in open_trip_alerts(trip)}
    held.update(
        {a.pk: a for a in trace_services.open_blocking_alerts(declaration_number=trip.declaration_number)}
    )
    if held:
        titles = [a.title for a in sorted(held.values(), key=lambda a: (a.raised_at, a.pk))]
        return ValidationFailed(
            _("Trip %(trip)s cannot be cleared while these alerts are open: %(alerts)s")
            % {"trip": trip.number, "alerts": "; ".join(titles)},
            fields={"alerts": titles},
        )
    if trip.inspection_result == InspectionResult.NON_CONFORMANT:
        return ValidationFailed(
            _("The container was found non-conformant; it is not released."),
            fields={"inspection_result": [_("The last inspection found the container non-conformant.")]},
        )
    if trip.alarm_at is not None and trip.inspection_result != InspectionResult.CONFORMANT:
        return ValidationFailed(
            _("An alarm was raised on this trip; record a conformant inspection before clearing it."),
            fields={"inspection_result": [_("A conformant inspection is required after an alarm.")]},
        )
    return None


@audit.audited
def trip_clear(*, actor: Any, trip_id: int) -> Trip:
    """Release the container (``arrived``/``opened``/``alarm`` → ``cleared``; permission
    ``containers.clear_trip``; audit ``containers.trip_cleared``). Refused while an alert of the
    trip or of its declaration is open and blocking (naming them), and after an alarm until a
    conformant inspection is recorded. Records the clearance time (arrival at the destination
    gate to now) and the ``clearing`` event; a seal still on is removed (decommissioning and
    AssociationEvent DELETE): the e-lock is taken off when the shipment is released."""
    require(actor, "containers.clear_trip")
    trip = lock_trip(actor, trip_id)
    check(trip, "clear")
    refusal = _clear_refusal(trip)
    if refusal is not None:
        raise refusal
    before = audit.snapshot(trip)
    now = timezone.now()
    place = place_of(trip)
    removing = trip.seal_on
    trip.status, trip.cleared_at, trip.cleared_by = TripStatus.CLEARED, now, actor
    if trip.arrived_at is not None:
        trip.clearance_seconds = max(0, int((now - trip.arrived_at).total_seconds()))
    trip.save()
    events = [epcis.clearing(trip, now, place)]
    if removing:
        _seal_off(trip.seal, now)
        events = [*epcis.seal_removal(trip, now, place), *events]
    emit(actor, events)
    audit.record_change(actor=actor, action="containers.trip_cleared", obj=trip, before=before)
    return trip


@audit.audited
def trip_cancel(*, actor: Any, trip_id: int, reason: str) -> Trip:
    """Call the crossing off before release (sealed by mistake, trip aborted, goods seized), with
    a reason (→ ``cancelled``; permission ``containers.cancel_trip``; audit
    ``containers.trip_cancelled``). A seal still on is removed and recorded as removed."""
    require(actor, "containers.cancel_trip")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("The trip was not cancelled."), fields={"reason": [_("Give a reason.")]})
    trip = lock_trip(actor, trip_id)
    check(trip, "cancel")
    before = audit.snapshot(trip)
    now = timezone.now()
    removing = trip.seal_on
    trip.status, trip.cancelled_at, trip.cancel_reason = TripStatus.CANCELLED, now, reason[:300]
    trip.save()
    if removing:
        _seal_off(trip.seal, now)
        emit(actor, epcis.seal_removal(trip, now, place_of(trip)))
    audit.record_change(actor=actor, action="containers.trip_cancelled", obj=trip, before=before)
    return trip
