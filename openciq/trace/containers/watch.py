"""The capture listener: what gateways and checkpoints report about the containers and seals of
trips on the road, whatever carried it (the EPCIS REST API, a reader over HTTP or MQTT).

An ObjectEvent naming a trip's container or its declared seal is a read of the trip:

* read intact (``ociq:sealStatus`` ``sealed`` or no seal state, no ``container_open``) it moves the
  trip on: out of the sealing yard it is in transit, at (or inside) its destination gate it has
  arrived;
* ``container_open``, ``ociq:sealStatus`` ``opened`` or the seal decommissioned — anywhere, since
  the only authorised opening is the service's own step — raises ``seal_opened``; ``tampered``
  raises ``seal_tampered``; a seal read on the container other than the declared one (or the seal
  on another container, or a gate reporting ``mismatch_instance``) raises ``seal_mismatch``. Each
  is a blocking alert naming the declaration (which holds its release), puts the trip in alarm
  and records a ``holding`` event; one open alert per trip and kind at a time;
* a low battery (``ociq:battery`` below 20 % or ``"low"``) raises a non-blocking ``seal_battery``.

An AssociationEvent DELETE between the container and its seal is an opening too.

The "not mine" test costs no query: only events whose stored text names a BIC container URN or a
seal URI are looked at; those cost three queries per batch. The listener runs inside the capture's
transaction with the system actor, and raises only for bugs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openciq.accounts.services import system_actor
from openciq.core import audit
from openciq.trace import services as trace_services
from openciq.trace.choices import Action, AlertKind, AlertSeverity, AlertStatus, EpcRole, EventType
from openciq.trace.containers import epcis, services
from openciq.trace.containers.choices import WATCHED_STATES, SealStatus, TripStatus
from openciq.trace.containers.models import Trip
from openciq.trace.models import Event, EventEpc, Location, SupervisionAlert

_ROLES = (EpcRole.EPC, EpcRole.PARENT, EpcRole.CHILD)
BLOCKING: dict[str, str] = {
    AlertKind.SEAL_OPENED: AlertSeverity.HIGH,
    AlertKind.SEAL_TAMPERED: AlertSeverity.HIGH,
    AlertKind.SEAL_MISMATCH: AlertSeverity.MEDIUM,
}


@dataclass(frozen=True)
class Place:
    pk: int
    path: str
    name: str
    uri: str

    def inside(self, other: Location) -> bool:
        return self.path.startswith(other.path) if other.path else self.pk == other.pk


@dataclass
class Alarm:
    kind: str
    event: Event
    place: Place | None
    read_seals: list[str] = field(default_factory=list)
    battery: int | None = None


def on_events(events: Sequence[Event]) -> None:
    """Registered with ``trace.capture.register_listener``."""
    if services.emitting():
        return
    candidates = [
        event
        for event in events
        if event.type in (EventType.OBJECT, EventType.ASSOCIATION)
        and not event.is_error_declaration
        and epcis.mentions_seal_or_container(event.document)
    ]
    if candidates:
        with audit.scope():
            _react(candidates)


def _react(candidates: Sequence[Event]) -> None:
    named: dict[int, set[str]] = defaultdict(set)
    for event_id, uri in EventEpc.objects.filter(
        event_id__in=[e.pk for e in candidates], role__in=_ROLES
    ).values_list("event_id", "epc__uri"):
        named[event_id].add(uri)
    uris = set().union(*named.values()) if named else set()
    if not uris:
        return
    trips = list(
        Trip.objects.select_for_update(of=("self",))
        .filter(status__in=WATCHED_STATES)
        .filter(Q(container__uri__in=uris) | Q(seal__uri__in=uris))
        .select_related("container", "seal", "sealing_location", "arrival_location", "last_read_location")
        .order_by("id")
    )
    if not trips:
        return
    place_ids = {pk for e in candidates for pk in (e.read_point_id, e.biz_location_id) if pk}
    places = {
        pk: Place(pk, path, name or uri, uri)
        for pk, path, name, uri in Location.objects.filter(pk__in=place_ids).values_list(
            "pk", "path", "name", "uri"
        )
    }
    ordered = sorted(candidates, key=lambda e: (e.event_time, e.pk))
    actor = system_actor()
    for trip in trips:
        mine = [e for e in ordered if trip.container.uri in named[e.pk] or trip.seal.uri in named[e.pk]]
        _follow(actor, trip, mine, named, places)


def _follow(
    actor: Any, trip: Trip, events: Sequence[Event], named: dict[int, set[str]], places: dict[int, Place]
) -> None:
    before, seal_before = audit.snapshot(trip, extra=False), audit.snapshot(trip.seal)
    alarms: list[Alarm] = []
    for event in events:
        if event.event_time < trip.sealed_at:
            continue  # a late report of an earlier trip of the same container or seal
        place = places.get(event.read_point_id or 0) or places.get(event.biz_location_id or 0)
        alarms += _read(trip, event, named[event.pk], place)
    if alarms:
        _alarm(actor, trip, alarms)
    changes = audit.diff(before, audit.snapshot(trip, extra=False))
    seal_changes = audit.diff(seal_before, audit.snapshot(trip.seal))
    if changes:
        trip.save()
    if seal_changes:
        trip.seal.save()
        changes["seal"] = seal_changes
    if changes:
        audit.record(actor=actor, action="containers.trip_read", obj=trip, changes=changes)


def _read(trip: Trip, event: Event, uris: set[str], place: Place | None) -> list[Alarm]:
    """One event about the trip: where and how its seal was read; the alarms it raises."""
    if event.type == EventType.ASSOCIATION and not (event.action == Action.DELETE and trip.seal.uri in uris):
        return []  # someone else's association (a sensor on the truck): not a seal read
    facts = epcis.seal_facts(event.document)
    seals = sorted(uri for uri in uris if uri.startswith(epcis.seal_prefix()))
    containers = {uri for uri in uris if uri.startswith(epcis.CONTAINER_PREFIX)}
    latest = trip.last_read_at is None or event.event_time >= trip.last_read_at
    if latest:
        trip.last_read_at = event.event_time
        trip.last_read_location_id = place.pk if place else trip.last_read_location_id
        if seals:
            trip.last_read_seal = epcis.seal_id_of(trip.seal.uri if trip.seal.uri in seals else seals[0])
        if facts.seal_status:
            trip.last_seal_status = facts.seal_status
    if place is not None:
        _stamp_place(trip, event, place)
    alarms: list[Alarm] = []
    opened = (
        event.disposition == "container_open"
        or facts.seal_status == "opened"
        or (event.biz_step == "decommissioning" and trip.seal.uri in seals)
        or event.type == EventType.ASSOCIATION
    )
    if opened:
        alarms.append(Alarm(AlertKind.SEAL_OPENED, event, place, seals))
    if facts.seal_status == "tampered":
        alarms.append(Alarm(AlertKind.SEAL_TAMPERED, event, place, seals))
    mismatch = (
        event.disposition == "mismatch_instance"
        or (trip.container.uri in uris and bool(seals) and trip.seal.uri not in seals)
        or (trip.seal.uri in uris and bool(containers) and trip.container.uri not in containers)
    )
    if mismatch:
        alarms.append(Alarm(AlertKind.SEAL_MISMATCH, event, place, seals))
    _seal_report(trip, event, facts, opened)
    if facts.battery_low:
        alarms.append(Alarm(AlertKind.SEAL_BATTERY, event, place, seals, facts.battery_percent))
    if not any(a.kind in BLOCKING for a in alarms) and place is not None:
        _move_on(trip, place)
    return alarms


def _stamp_place(trip: Trip, event: Event, place: Place) -> None:
    """Departure and arrival times follow where the container was read, alarm or not."""
    if place.inside(trip.arrival_location):
        if trip.arrived_at is None or event.event_time < trip.arrived_at:
            trip.arrived_at = event.event_time
    elif not place.inside(trip.sealing_location) and trip.departed_at is None:
        trip.departed_at = event.event_time


def _move_on(trip: Trip, place: Place) -> None:
    if place.inside(trip.arrival_location):
        verb = "arrive"
    elif not place.inside(trip.sealing_location):
        verb = "depart"
    else:
        return
    allowed, to = Trip.transitions[verb]
    if trip.status in allowed:
        trip.status = to


def _seal_report(trip: Trip, event: Event, facts: epcis.SealFacts, opened: bool) -> None:
    """The declared seal's state and battery as the reader reported them (the latest report)."""
    seal = trip.seal
    if facts.battery_low is not None and (seal.battery_at is None or event.event_time >= seal.battery_at):
        seal.battery_percent, seal.battery_low, seal.battery_at = (
            facts.battery_percent,
            facts.battery_low,
            event.event_time,
        )
    if facts.seal_status == "tampered":
        seal.status, seal.status_at = SealStatus.TAMPERED, event.event_time
    elif opened and seal.status == SealStatus.SEALED:
        seal.status, seal.status_at = SealStatus.OPENED, event.event_time


def _alarm(actor: Any, trip: Trip, alarms: Sequence[Alarm]) -> None:
    """Raise what is not raised already (one open alert per trip and kind), hold the container."""
    prefix = services.alert_key(trip)
    open_kinds = set(
        SupervisionAlert.objects.filter(key__startswith=prefix)
        .exclude(status=AlertStatus.RESOLVED)
        .values_list("kind", flat=True)
    )
    holding = []
    now = timezone.now()
    for alarm in alarms:
        if alarm.kind in open_kinds:
            continue
        open_kinds.add(alarm.kind)
        blocking = alarm.kind in BLOCKING
        key = f"{prefix}{alarm.kind}" + (f":{alarm.event.pk}" if blocking else "")
        if not blocking and SupervisionAlert.objects.filter(key=key).exists():
            continue  # one low-battery warning per trip
        trace_services.alert_raise(
            actor=actor,
            key=key,
            kind=alarm.kind,
            title=_title(trip, alarm),
            subject=trip.container.uri,
            severity=BLOCKING.get(alarm.kind, AlertSeverity.LOW),
            declaration_number=trip.declaration_number if blocking else "",
            blocking=blocking,
            details=_details(trip, alarm),
            event=alarm.event,
            org_unit_id=trip.org_unit_id,
        )
        if blocking:
            trip.status = TripStatus.ALARM
            trip.alarm_at = trip.alarm_at or now
            location = Location(uri=alarm.place.uri) if alarm.place else None
            holding.append(epcis.holding(trip, now, location, alarm.kind, alarm.read_seals))
    if holding:
        services.emit(actor, holding)


def _details(trip: Trip, alarm: Alarm) -> dict[str, Any]:
    return {
        "trip": trip.number,
        "trip_id": trip.pk,
        "container": trip.container.number,
        "declared_seal": trip.seal.seal_id,
        "read_seals": [epcis.seal_id_of(uri) for uri in alarm.read_seals],
        "place": alarm.place.name if alarm.place else "",
        "event": alarm.event.public_id,
        "event_time": alarm.event.event_time.isoformat(),
        "battery": alarm.battery,
    }


def _title(trip: Trip, alarm: Alarm) -> str:
    """The alert's title, in the bureau's language (it is stored)."""
    values = {
        "seal": trip.seal.seal_id,
        "container": str(trip.container),
        "place": alarm.place.name if alarm.place else _("an unknown place"),
        "declaration": trip.declaration_number,
        "read": ", ".join(epcis.seal_id_of(uri) for uri in alarm.read_seals) or "—",
        "battery": f"{alarm.battery} %" if alarm.battery is not None else _("low"),
        "time": timezone.localtime(alarm.event.event_time).strftime("%Y-%m-%d %H:%M"),
    }
    with translation.override(settings.LANGUAGE_CODE):
        if alarm.kind == AlertKind.SEAL_OPENED:
            text = _(
                "Seal %(seal)s on container %(container)s opened at %(place)s, %(time)s, "
                "outside an authorised step (declaration %(declaration)s)"
            )
        elif alarm.kind == AlertKind.SEAL_TAMPERED:
            text = _(
                "Seal %(seal)s on container %(container)s reported tampered at %(place)s, %(time)s "
                "(declaration %(declaration)s)"
            )
        elif alarm.kind == AlertKind.SEAL_MISMATCH:
            text = _(
                "Container %(container)s read at %(place)s with seal %(read)s; seal %(seal)s was "
                "declared (declaration %(declaration)s)"
            )
        else:
            text = _("Seal %(seal)s on container %(container)s: battery %(battery)s")
        return str(text % values)


__all__ = ["on_events"]
