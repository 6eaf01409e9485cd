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
* a read at a place off the trip's route — neither its sealing yard, one of its route
  checkpoints, nor its destination gate, nor a place inside one of them (the location
  hierarchy) — raises ``route_deviation``, blocking like the seal alarms, unless the same read
  already raised one of them (an opening at a depot off the route is one ``seal_opened``, whose
  title names the place);
* a low battery (``ociq:battery`` below 20 % or ``"low"``) raises a non-blocking ``seal_battery``.

An AssociationEvent DELETE between the container and its seal is an opening too.

The "not mine" test costs no query: only events whose stored text names a BIC container URN or a
seal URI are looked at; those cost four queries per batch. The listener runs inside the capture's
transaction with the system actor, and raises only for bugs.

What no event reports is found by time: :func:`sweep` (``openciq trace watch``, once or in a
loop) looks at the trips in transit — read out of their yard, not read at their destination gate
yet, no alarm — and raises, with the system actor:

* ``dwell`` (non-blocking, medium) when the trip has stood at one place (that place or a place
  inside it or around it) longer than ``CONTAINERS_DWELL_MINUTES`` (120): from its first read
  there, after its last read elsewhere, to now — or to its last read, when it is not heard from
  any more;
* ``signal_lost`` (non-blocking, high) when nothing has read its container or seal for longer
  than ``CONTAINERS_SIGNAL_MINUTES`` (60). It holds nothing: a silent e-lock is most often a
  reader or coverage gap, and the lock keeps its own log of openings, which the next reader
  reports (and that opening holds the declaration).

One open alert per trip and kind; a resolved one is raised again for a new stop or a new silence
(the alert key names the stop's first read or the last read heard), never twice for the same.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
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
    AlertKind.ROUTE_DEVIATION: AlertSeverity.MEDIUM,
}
#: Found by the sweep, by time: severity; neither holds the declaration.
OVERDUE: dict[str, str] = {
    AlertKind.DWELL: AlertSeverity.MEDIUM,
    AlertKind.SIGNAL_LOST: AlertSeverity.HIGH,
}
ALERT_PREFIX = services.ALERT_KEY.split("{", 1)[0]  # "containers:trip:"
STAY_READS_MAX = 1000  # reads looked back through to find where a stop began


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
        .prefetch_related("checkpoints")
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
    if place is not None and not any(a.kind in BLOCKING for a in alarms) and not on_route(trip, place):
        alarms.append(Alarm(AlertKind.ROUTE_DEVIATION, event, place, seals))
    _seal_report(trip, event, facts, opened)
    if facts.battery_low:
        alarms.append(Alarm(AlertKind.SEAL_BATTERY, event, place, seals, facts.battery_percent))
    if not any(a.kind in BLOCKING for a in alarms) and place is not None:
        _move_on(trip, place)
    return alarms


def on_route(trip: Trip, place: Place) -> bool:
    """Whether ``place`` is the trip's sealing yard, one of its route checkpoints or its
    destination gate, or inside one of them."""
    route = (trip.sealing_location, trip.arrival_location, *trip.checkpoints.all())
    return any(place.inside(stop) for stop in route)


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


def _after(moment: dt.datetime) -> dt.datetime:
    """``moment`` rounded up to the millisecond, the precision event times are written with, so
    that an event at it never sorts before the read it follows."""
    spare = moment.microsecond % 1000
    return moment + dt.timedelta(microseconds=1000 - spare) if spare else moment


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
            # The hold follows the read that caused it, even when the reader's clock runs ahead.
            held_at = _after(max(now, alarm.event.event_time))
            holding.append(epcis.holding(trip, held_at, location, alarm.kind, alarm.read_seals))
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
        elif alarm.kind == AlertKind.ROUTE_DEVIATION:
            text = _(
                "Container %(container)s (seal %(seal)s) read at %(place)s, %(time)s, off its "
                "declared route (declaration %(declaration)s)"
            )
        else:
            text = _("Seal %(seal)s on container %(container)s: battery %(battery)s")
        return str(text % values)


# --- Found by time: the sweep ---------------------------------------------------------------------


def dwell_limit() -> dt.timedelta:
    """How long a trip on the road may stand at one place: ``CONTAINERS_DWELL_MINUTES`` (120)."""
    return dt.timedelta(minutes=float(settings.CONTAINERS_DWELL_MINUTES))


def signal_limit() -> dt.timedelta:
    """How long a trip on the road may go unread: ``CONTAINERS_SIGNAL_MINUTES`` (60)."""
    return dt.timedelta(minutes=float(settings.CONTAINERS_SIGNAL_MINUTES))


@dataclass
class SweepResult:
    """What one sweep looked at and raised."""

    checked: int = 0
    dwell: int = 0
    signal_lost: int = 0

    @property
    def raised(self) -> int:
        return self.dwell + self.signal_lost


@dataclass(frozen=True)
class Read:
    """One read of a trip, as the sweep looks back through them."""

    pk: int
    time: dt.datetime
    place: Place | None


@dataclass(frozen=True)
class Overdue:
    kind: str
    key: str
    event_id: int | None
    place: Place | None
    since: dt.datetime
    limit: dt.timedelta


def sweep(
    *, now: dt.datetime | None = None, dwell: dt.timedelta | None = None, signal: dt.timedelta | None = None
) -> SweepResult:
    """Raise ``dwell`` and ``signal_lost`` for the trips in transit (read out of their yard, not
    read at their destination gate yet, no alarm) that stand or are silent for too long. One
    transaction per trip; idempotent: run it as often as you like. A trip in alarm is in an
    inspector's hands already and is not looked at."""
    now = now or timezone.now()
    dwell = dwell if dwell is not None else dwell_limit()
    signal = signal if signal is not None else signal_limit()
    if dwell <= dt.timedelta(0) or signal <= dt.timedelta(0):
        raise ValueError("the dwell and signal limits must be positive")
    candidates = (
        Trip.objects.filter(
            status=TripStatus.IN_TRANSIT,
            departed_at__isnull=False,
            arrived_at__isnull=True,
            last_read_at__isnull=False,
        )
        # A stop starts at the departure or later: a trip on the road for less than the dwell
        # limit cannot have stood too long.
        .filter(Q(last_read_at__lt=now - signal) | Q(departed_at__lt=now - dwell))
        .order_by("id")
        .values_list("pk", "last_read_at", "departed_at")
    )
    result = SweepResult()
    actor = system_actor()
    covered = _open_overdue()
    for pk, last_read_at, departed_at in list(candidates):
        result.checked += 1
        wanted = {AlertKind.SIGNAL_LOST} if now - last_read_at > signal else set()
        if now - departed_at > dwell:
            wanted.add(AlertKind.DWELL)
        if wanted <= covered.get(pk, set()):
            continue  # what it could raise is open already: no transaction for it
        with audit.scope(), transaction.atomic():
            raised = _sweep_trip(actor, pk, now, dwell, signal)
        result.dwell += raised.count(AlertKind.DWELL)
        result.signal_lost += raised.count(AlertKind.SIGNAL_LOST)
    return result


def _open_overdue() -> dict[int, set[str]]:
    """Trip id → the kinds of the sweep's alerts open on it (one query)."""
    covered: dict[int, set[str]] = defaultdict(set)
    rows = (
        SupervisionAlert.objects.filter(kind__in=list(OVERDUE), key__startswith=ALERT_PREFIX)
        .exclude(status=AlertStatus.RESOLVED)
        .values_list("key", "kind")
    )
    for key, kind in rows:
        trip_id = key[len(ALERT_PREFIX) :].split(":", 1)[0]
        if trip_id.isdigit():
            covered[int(trip_id)].add(kind)
    return covered


def _sweep_trip(
    actor: Any, pk: int, now: dt.datetime, dwell: dt.timedelta, signal: dt.timedelta
) -> list[str]:
    trip: Trip | None = (
        Trip.objects.select_for_update(of=("self",))
        .select_related("container", "seal", "last_read_location", "arrival_location")
        .filter(pk=pk, status=TripStatus.IN_TRANSIT, arrived_at__isnull=True, last_read_at__isnull=False)
        .first()
    )
    if trip is None or trip.last_read_at is None:
        return []  # moved on since the candidates were listed
    prefix = services.alert_key(trip)
    open_kinds = set(
        SupervisionAlert.objects.filter(key__startswith=prefix)
        .exclude(status=AlertStatus.RESOLVED)
        .values_list("kind", flat=True)
    )
    lost = now - trip.last_read_at > signal
    may_dwell = trip.departed_at is not None and now - trip.departed_at > dwell
    wanted = (lost and AlertKind.SIGNAL_LOST not in open_kinds) or (
        may_dwell and AlertKind.DWELL not in open_kinds
    )
    if not wanted:
        return []
    reads = _reads(trip)
    if not reads:
        return []
    found: list[Overdue] = []
    last = reads[0]
    if lost and AlertKind.SIGNAL_LOST not in open_kinds:
        key = f"{prefix}{AlertKind.SIGNAL_LOST}:{last.pk}"
        found.append(Overdue(AlertKind.SIGNAL_LOST, key, last.pk, last.place, last.time, signal))
    stay = _stay(reads)
    if may_dwell and AlertKind.DWELL not in open_kinds and stay is not None:
        # Still heard from: it stands there until now; silent: as long as it was read there.
        standing = (last.time if lost else now) - stay.time
        if standing > dwell:
            key = f"{prefix}{AlertKind.DWELL}:{stay.pk}"
            found.append(Overdue(AlertKind.DWELL, key, stay.pk, stay.place, stay.time, dwell))
    raised = []
    for overdue in found:
        if SupervisionAlert.objects.filter(key=overdue.key).exists():
            continue  # raised for this stop or this silence before, and resolved since
        trace_services.alert_raise(
            actor=actor,
            key=overdue.key,
            kind=overdue.kind,
            title=_overdue_title(trip, overdue),
            subject=trip.container.uri,
            severity=OVERDUE[overdue.kind],
            blocking=False,
            details=_overdue_details(trip, overdue, now),
            event=Event.objects.filter(pk=overdue.event_id).first() if overdue.event_id else None,
            org_unit_id=trip.org_unit_id,
        )
        raised.append(overdue.kind)
    return raised


def _reads(trip: Trip) -> list[Read]:
    """The trip's reads from its sealing to the last the listener took in, newest first (at
    most ``STAY_READS_MAX``)."""
    # The latest events of each identifier first, then those events: index look-ups whatever the
    # size of the repository and the container's past (one joined query lets PostgreSQL walk the
    # event-time index of the whole repository instead).
    named: set[int] = set()
    for uri in (trip.container.uri, trip.seal.uri):
        named.update(
            EventEpc.objects.filter(epc__uri=uri, role__in=_ROLES)
            .order_by("-event_id")
            .values_list("event_id", flat=True)[: 2 * STAY_READS_MAX]
        )
    rows = (
        Event.objects.filter(
            pk__in=sorted(named),
            type__in=(EventType.OBJECT, EventType.ASSOCIATION),
            is_error_declaration=False,
            event_time__gte=trip.sealed_at,
            event_time__lte=trip.last_read_at,
        )
        .order_by("-event_time", "-id")
        .values_list(
            "pk",
            "event_time",
            "read_point_id",
            "read_point__path",
            "read_point__name",
            "read_point__uri",
            "biz_location_id",
            "biz_location__path",
            "biz_location__name",
            "biz_location__uri",
        )[:STAY_READS_MAX]
    )
    reads = []
    for pk, when, rp, rp_path, rp_name, rp_uri, bl, bl_path, bl_name, bl_uri in rows:
        if rp is not None:
            place: Place | None = Place(rp, rp_path, rp_name or rp_uri, rp_uri)
        elif bl is not None:
            place = Place(bl, bl_path, bl_name or bl_uri, bl_uri)
        else:
            place = None
        reads.append(Read(pk, when, place))
    return reads


def _same_stop(one: Place, other: Place) -> bool:
    """The same place, or one inside the other (a gate and its lane)."""
    if one.pk == other.pk:
        return True
    return bool(one.path and other.path) and (
        one.path.startswith(other.path) or other.path.startswith(one.path)
    )


def _stay(reads: Sequence[Read]) -> Read | None:
    """The first read of the trip's current stop: where it was last read, since it was last read
    anywhere else (reads without a place say nothing about where it is)."""
    placed = [read for read in reads if read.place is not None]
    if not placed:
        return None
    here = placed[0].place
    assert here is not None
    first = placed[0]
    for read in placed[1:]:
        assert read.place is not None
        if not _same_stop(read.place, here):
            break
        first = read
    return first


def _overdue_details(trip: Trip, overdue: Overdue, now: dt.datetime) -> dict[str, Any]:
    return {
        "trip": trip.number,
        "trip_id": trip.pk,
        "container": trip.container.number,
        "declared_seal": trip.seal.seal_id,
        "place": overdue.place.name if overdue.place else "",
        "since": overdue.since.isoformat(),
        "minutes": round((now - overdue.since).total_seconds() / 60),
        "limit_minutes": int(overdue.limit.total_seconds() // 60),
        "last_read_at": trip.last_read_at.isoformat() if trip.last_read_at else "",
    }


def _overdue_title(trip: Trip, overdue: Overdue) -> str:
    """The alert's title, in the bureau's language (it is stored)."""
    values = {
        "container": str(trip.container),
        "seal": trip.seal.seal_id,
        "place": overdue.place.name if overdue.place else _("an unknown place"),
        "since": timezone.localtime(overdue.since).strftime("%Y-%m-%d %H:%M"),
        "limit": int(overdue.limit.total_seconds() // 60),
        "declaration": trip.declaration_number,
    }
    with translation.override(settings.LANGUAGE_CODE):
        if overdue.kind == AlertKind.DWELL:
            text = _(
                "Container %(container)s has stood at %(place)s since %(since)s, longer than "
                "%(limit)s minutes (declaration %(declaration)s)"
            )
        else:
            text = _(
                "Nothing has read container %(container)s or seal %(seal)s since %(since)s at "
                "%(place)s, longer than %(limit)s minutes (declaration %(declaration)s)"
            )
        return str(text % values)


__all__ = ["SweepResult", "dwell_limit", "on_events", "on_route", "signal_limit", "sweep"]
