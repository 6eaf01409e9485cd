"""Reads of the container e-seal flow, always scoped to the acting user, ordered, with the joins
their pages and schemas need: registers, trips, a trip's timeline of seal events and its alarms,
the inspector's worklist and the clearance-time figures."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import CharField, Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext_lazy as _

from openciq.trace.choices import AlertStatus
from openciq.trace.containers import epcis
from openciq.trace.containers.choices import OPEN_STATES, TripStatus
from openciq.trace.containers.models import Container, Seal, Trip
from openciq.trace.containers.services import alert_key
from openciq.trace.models import Event, Location, SupervisionAlert
from openciq.trace.tables import vocabulary_label

TIMELINE_MAX = 500  # events shown on a trip's page (a trip has a few dozen)
_TRIP_JOINS = (
    "container",
    "seal",
    "origin_port",
    "destination_port",
    "sealing_location",
    "arrival_location",
    "last_read_location",
)


# --- Registers ---------------------------------------------------------------------------------


def containers(*, actor: Any) -> QuerySet[Container]:
    return Container.objects.restrict(actor, "view").select_related("enterprise").order_by("number")


def container_get(*, actor: Any, pk: int) -> Container | None:
    return containers(actor=actor).filter(pk=pk).first()


def seals(*, actor: Any) -> QuerySet[Seal]:
    return Seal.objects.restrict(actor, "view").select_related("org_unit", "enterprise").order_by("seal_id")


def seal_get(*, actor: Any, pk: int) -> Seal | None:
    return seals(actor=actor).filter(pk=pk).first()


# --- Trips -------------------------------------------------------------------------------------


def _open_alerts(blocking: bool | None = None) -> QuerySet[SupervisionAlert]:
    alerts = SupervisionAlert.objects.filter(key__startswith="containers:").exclude(
        status=AlertStatus.RESOLVED
    )
    return alerts if blocking is None else alerts.filter(blocking=blocking)


def trips(*, actor: Any) -> QuerySet[Trip]:
    """Trips newest first, each with whether an alert of it is open (``open_alarm``)."""
    rows: QuerySet[Trip] = (
        Trip.objects.restrict(actor, "view")
        .select_related(*_TRIP_JOINS)
        .annotate(
            open_alarm=Exists(
                _open_alerts(blocking=True).filter(
                    key__startswith=Concat(
                        Value("containers:trip:"), Cast(OuterRef("pk"), CharField()), Value(":")
                    )
                )
            )
        )
        .order_by("-id")
    )
    return rows


def trip_get(*, actor: Any, pk: int) -> Trip | None:
    return (
        trips(actor=actor)
        .select_related("sealed_by", "opened_by", "inspected_by", "cleared_by")
        .filter(pk=pk)
        .first()
    )


def trips_of(*, actor: Any, container: Container | None = None, seal: Seal | None = None) -> QuerySet[Trip]:
    rows = trips(actor=actor)
    if container is not None:
        rows = rows.filter(container=container)
    if seal is not None:
        rows = rows.filter(seal=seal)
    return rows


def _labelled(alerts: Iterable[SupervisionAlert]) -> list[SupervisionAlert]:
    """Alerts with ``status_label``, their state's name (the model's status has no choices)."""
    found = list(alerts)
    for alert in found:
        alert.status_label = AlertStatus(alert.status).label  # type: ignore[attr-defined]
    return found


def trip_alerts(*, trip: Trip) -> list[SupervisionAlert]:
    """Every alert the trip raised (open first, then the newest)."""
    alerts = SupervisionAlert.objects.filter(key__startswith=alert_key(trip)).select_related(
        "handled_by", "event"
    )
    ordered = sorted(
        alerts, key=lambda a: (a.status == AlertStatus.RESOLVED, -a.raised_at.timestamp(), -a.pk)
    )
    return _labelled(ordered)


@dataclass
class TimelineEntry:
    """One event about the trip's container or seal, as the trip's page shows it."""

    event: Event
    step: str  # the business step's readable name
    disposition: str  # the disposition's readable name ("" without one)
    seal_status: str | None
    battery: int | None
    battery_low: bool | None
    place: Location | None
    off_route: bool
    alert: SupervisionAlert | None
    by: str = ""


def _route(trip: Trip) -> list[Location]:
    return [trip.sealing_location, trip.arrival_location, *trip.checkpoints.all()]


def _on_route(place: Location | None, route: Sequence[Location]) -> bool:
    if place is None:
        return True
    return any(place.path.startswith(stop.path) if stop.path else place.pk == stop.pk for stop in route)


def trip_timeline(*, trip: Trip) -> list[TimelineEntry]:
    """The events naming the trip's container or seal from its sealing to its end (release or
    cancellation), oldest first, with the seal state and battery each reported, the place, and
    whether the place is off the trip's route. Bounded by ``TIMELINE_MAX``."""
    end = trip.cleared_at or trip.cancelled_at
    events = (
        Event.objects.filter(
            epcs__epc__uri__in=[trip.container.uri, trip.seal.uri],
            event_time__gte=trip.sealed_at - dt.timedelta(seconds=1),
            is_error_declaration=False,
        )
        .select_related("read_point", "biz_location", "capture_job__actor")
        .distinct()
        .order_by("event_time", "id")
    )
    if end is not None:
        events = events.filter(event_time__lte=end + dt.timedelta(seconds=1))
    route = _route(trip)
    alerts = {a.event_id: a for a in trip_alerts(trip=trip) if a.event_id}
    entries = []
    for event in events[:TIMELINE_MAX]:
        facts = epcis.seal_facts(event.document)
        place = event.read_point or event.biz_location
        job = event.capture_job
        entries.append(
            TimelineEntry(
                event=event,
                step=step_label(event.biz_step),
                disposition=vocabulary_label("disposition", event.disposition) if event.disposition else "",
                seal_status=facts.seal_status,
                battery=facts.battery_percent,
                battery_low=facts.battery_low,
                place=place,
                off_route=not _on_route(place, route),
                alert=alerts.get(event.pk),
                by=str(job.actor) if job is not None else "",
            )
        )
    return entries


def step_label(biz_step: str) -> str:
    """A business step as the timeline names it: the CBV word's name, OpenCIQ's release step,
    or the last part of another extension URI."""
    if not biz_step:
        return str(_("Read"))
    if biz_step == epcis.CLEARING:
        return str(_("Cleared (released)"))
    if "/" in biz_step:
        return biz_step.rstrip("/").rsplit("/", 1)[-1]
    return vocabulary_label("bizStep", biz_step)


# --- The inspector's worklist ---------------------------------------------------------------------


@dataclass
class Worklist:
    alarms: list[dict[str, Any]] = field(default_factory=list)  # open alerts with their trip
    arrived: list[Trip] = field(default_factory=list)  # at the gate, waiting for clearance
    opened: list[Trip] = field(default_factory=list)  # opened, waiting for release
    on_road: int = 0


def worklist(*, actor: Any, limit: int = 50) -> Worklist:
    """What waits for the inspector: open alerts of trips in their area first (blocking before
    warnings, oldest first), then trips at the gate and opened ones, oldest arrival first."""
    visible = trips(actor=actor)
    alerts = _labelled(
        SupervisionAlert.objects.in_scope(actor)
        .filter(key__startswith="containers:")
        .exclude(status=AlertStatus.RESOLVED)
        .select_related("handled_by")
        .order_by("-blocking", "raised_at", "id")[: limit * 2]
    )
    by_id = {t.pk: t for t in visible.filter(pk__in=[a.details.get("trip_id") for a in alerts])}
    result = Worklist()
    result.alarms = [
        {"alert": alert, "trip": by_id[alert.details["trip_id"]]}
        for alert in alerts
        if alert.details.get("trip_id") in by_id
    ][:limit]
    result.arrived = list(visible.filter(status=TripStatus.ARRIVED).order_by("arrived_at", "id")[:limit])
    result.opened = list(visible.filter(status=TripStatus.OPENED).order_by("opened_at", "id")[:limit])
    result.on_road = visible.filter(status__in=[TripStatus.SEALED, TripStatus.IN_TRANSIT]).count()
    return result


def open_trip_count(*, actor: Any) -> int:
    return trips(actor=actor).filter(status__in=OPEN_STATES).count()


# --- Clearance-time figures -----------------------------------------------------------------------


@dataclass(frozen=True)
class ClearanceRow:
    """Clearance times of the trips one port released in one month."""

    port_id: int
    port_code: str
    port_name: str
    month: dt.date
    count: int
    median_minutes: float
    p90_minutes: float
    after_alarm: int  # trips that had an alarm (secondary inspection)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of sorted ``values`` (``share`` in (0, 1])."""
    rank = max(1, math.ceil(share * len(values)))
    return values[rank - 1]


def clearance_stats(*, actor: Any, since: dt.date, until: dt.date) -> list[ClearanceRow]:
    """Median and 90th-percentile clearance time (arrival at the destination gate to release) per
    destination port and calendar month (bureau time), for trips cleared from ``since`` to
    ``until`` inclusive."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(since, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    rows = (
        Trip.objects.restrict(actor, "view")
        .filter(
            status=TripStatus.CLEARED,
            clearance_seconds__isnull=False,
            cleared_at__gte=start,
            cleared_at__lt=end,
        )
        .values_list("destination_port_id", "cleared_at", "clearance_seconds", "alarm_at")
        .order_by("destination_port_id", "cleared_at")
    )
    groups: dict[tuple[int, dt.date], list[tuple[float, bool]]] = defaultdict(list)
    for port_id, cleared_at, seconds, alarm_at in rows.iterator(chunk_size=2000):
        local = cleared_at.astimezone(zone)
        groups[(port_id, local.date().replace(day=1))].append((seconds / 60, alarm_at is not None))
    return _rows(groups)


def _rows(groups: dict[tuple[int, dt.date], list[tuple[float, bool]]]) -> list[ClearanceRow]:
    from openciq.masterdata.models import Port

    ports = {p.pk: p for p in Port.objects.filter(pk__in={port for port, _month in groups})}
    result = []
    for (port_id, month), values in groups.items():
        minutes = sorted(v for v, _alarm in values)
        port = ports[port_id]
        result.append(
            ClearanceRow(
                port_id=port_id,
                port_code=port.code,
                port_name=port.name,
                month=month,
                count=len(minutes),
                median_minutes=float(statistics.median(minutes)),
                p90_minutes=float(percentile(minutes, 0.9)),
                after_alarm=sum(1 for _v, alarm in values if alarm),
            )
        )
    return sorted(result, key=lambda r: (r.port_code, r.month))


def place_choices(kinds: Iterable[str]) -> QuerySet[Location]:
    """Places of these kinds (yards, gates, checkpoints) to pick on the sealing form. Locations
    are bureau-wide, like the events."""
    return Location.objects.filter(kind__in=list(kinds)).order_by("name", "id")


__all__ = [
    "ClearanceRow",
    "TimelineEntry",
    "Worklist",
    "clearance_stats",
    "container_get",
    "containers",
    "open_trip_count",
    "percentile",
    "place_choices",
    "seal_get",
    "seals",
    "trip_alerts",
    "trip_get",
    "trip_timeline",
    "trips",
    "trips_of",
    "worklist",
]
