"""Sealed container crossings at the bureau's scale (``openciq seed --scale bureau``), streamed.

The road of the demo (its yards at Humen and Sanshui, the Chang'an checkpoint, the Meilin and
Huangge checkpoints, the Huanggang and Nansha gates with their lanes, the sealing officer and the
destination inspectors: ``seed.road_places``), a register of 800 reusable e-locks (registered through
the services) and 5,000 containers of ten owners (registered by the first trip that seals them,
as ``trip_seal`` does), and 60,000 trips over the five years up to yesterday, about 33 a day.

Each trip as the services and the watch would have left it (the events are the services' own,
``containers/epcis.py``, and the gateways' reads of the demo's shape, ``seed.gateway_read``): sealed at a
yard (AssociationEvent ADD ``installing`` and ``staging_outbound`` → ``container_closed``), read
at the yard and at the Chang'an checkpoint (``departing``), read at its destination lane
(``arriving``), then for a third of them opened with authority at the gate (``unloading`` →
``container_open``, the seal decommissioned and removed) and for all released (``clearing``, with
the clearance minutes; the seal taken off first when it was still on). About 8.3 events a trip:
about 500,000 events. The trip's row carries its times (sealed, departed, arrived, opened,
cleared, clearance seconds) and its last read; the seal register ends with each e-lock back in
stock with the battery its last read reported. No alarms: the demo seed shows those.

Reproducible from the seed number, idempotent like the pig flow (trips are found by their
declaration numbers, ``530099<year><serial>``, and only the missing ones are made).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from openciq.core.models import Counter
from openciq.trace import bulkseed, identifiers
from openciq.trace.containers import epcis, seed, services
from openciq.trace.containers.choices import ReadSealStatus, SealStatus, TripStatus
from openciq.trace.containers.models import Container, Seal, Trip
from openciq.trace.models import Epc, Event

BUREAU = {"trips": 60_000, "seals": 800, "containers": 5_000, "years": 5}
CHUNK_TRIPS = 2_000
DECLARATION_PREFIX = "530099"
OPENED_SHARE = 1 / 3
LOCAL = ZoneInfo("Asia/Shanghai")
NAMESPACES: dict[str, str] = {}  # the events carry their own @context, as the services send them

TRIPS = bulkseed.table(Trip)
CHECKPOINTS = bulkseed.table(Trip.checkpoints.through, ["trip_id", "location_id"], ids=False)
CONTAINERS = bulkseed.table(Container)
ORDER: tuple[bulkseed.Table, ...] = (
    bulkseed.EPCS,
    CONTAINERS,
    TRIPS,
    CHECKPOINTS,
    bulkseed.EVENTS,
    bulkseed.EVENT_EPCS,
)
ORDER += (bulkseed.REFERENCES,)


@dataclass(frozen=True)
class TripPlan:
    index: int
    start: dt.datetime  # sealed at
    seed: int


def plan_trips(rng: random.Random, *, trips: int, first: dt.date, until: dt.date) -> list[TripPlan]:
    """Sealing times spread over the days (working hours, fewer at weekends and at New Year)."""
    days = (until - first).days + 1
    starts: list[dt.datetime] = []
    while len(starts) < trips:
        day = first + dt.timedelta(days=rng.randrange(days))
        if day.weekday() >= 5 and rng.random() < 0.4:
            continue
        seconds = rng.randrange(7 * 3600, 20 * 3600)
        starts.append(dt.datetime.combine(day, dt.time(), LOCAL) + dt.timedelta(seconds=seconds))
    starts.sort()
    return [TripPlan(n, start, rng.getrandbits(63)) for n, start in enumerate(starts)]


def _place(location: Any) -> Any:
    """A place as the event builders read it (``uri``; ``pk`` for the rows)."""
    return SimpleNamespace(uri=location.uri, pk=location.pk)


class Generator:
    """Makes the trips' rows chunk by chunk (in a forked process: no database access here)."""

    def __init__(
        self,
        *,
        plans: list[TripPlan],
        road: Any,
        seals: list[tuple[int, str, str]],
        containers: list[str],
        known_containers: dict[str, int],
        events: bulkseed.Events,
        ids: dict[str, int],
        serials: dict[int, int],
        vendor: str,
    ) -> None:
        self.plans, self.ev, self.a = plans, events, bulkseed.Adapter(vendor)
        self.seals, self.containers, self.known_containers = seals, containers, dict(known_containers)
        self.trip_id = ids[Trip._meta.db_table]
        self.container_id = ids[Container._meta.db_table]
        self.serials = dict(serials)
        self.yards = [_place(y) for y in road.yards]
        self.start_checkpoint = _place(road.checkpoints["DG"])
        self.checkpoints = {b: _place(c) for b, c in road.checkpoints.items()}
        self.gates = {b: _place(g) for b, g in road.gates.items()}
        self.lanes = {b: _place(g) for b, g in road.lanes.items()}
        self.origins = [(p.pk, p.org_unit_id) for p in road.origins]
        self.destinations = [
            (p.pk, p.org_unit_id, "HG" if p.org_unit.code == "HG" else "GZ") for p in road.destinations
        ]
        self.sealer_id = road.sealer.pk
        self.inspector_ids = {b: u.pk for b, u in road.inspectors.items()}

    def chunks(self, size: int = CHUNK_TRIPS) -> Iterator[bulkseed.Chunk]:
        for start in range(0, len(self.plans), size):
            chunk = bulkseed.Chunk(rows={spec: [] for spec in ORDER})
            self.ev.start_chunk()
            seals: dict[int, tuple[Any, ...]] = {}
            for plan in self.plans[start : start + size]:
                seal_pk, state = self.trip(chunk, plan)
                seals[seal_pk] = state
            chunk.counters = {f"containers.trip.{year}": serial for year, serial in self.serials.items()}
            chunk.statements = [
                (
                    "UPDATE containers_seal SET status = %s, status_at = %s, battery_percent = %s, "
                    "battery_low = %s, battery_at = %s, updated_at = %s WHERE id = %s",
                    [*state, pk],
                )
                for pk, state in sorted(seals.items())
            ]
            yield chunk

    def _container(self, chunk: bulkseed.Chunk, number: str, size_type: str, at: dt.datetime) -> int:
        pk = self.known_containers.get(number)
        if pk is None:
            pk = self.known_containers[number] = self.container_id
            self.container_id += 1
            uri = identifiers.container(number)
            self.ev.remember(uri, chunk)
            chunk.rows[CONTAINERS].append(
                (pk, self.a.time(at), self.a.time(at), number, uri, number[:3], size_type, None)
            )
        return pk

    def trip(self, chunk: bulkseed.Chunk, plan: TripPlan) -> tuple[int, tuple[Any, ...]]:
        rng, a, rows = random.Random(plan.seed), self.a, chunk.rows
        seal_pk, seal_id, seal_uri = self.seals[plan.index % len(self.seals)]
        self.ev.remember(seal_uri, chunk)
        number = self.containers[plan.index * 7 % len(self.containers)]
        container_uri = identifiers.container(number)
        start = plan.start
        container_pk = self._container(
            chunk, number, seed.SIZE_TYPES[rng.randrange(len(seed.SIZE_TYPES))], start
        )
        origin_pk, _origin_unit = self.origins[rng.randrange(len(self.origins))]
        destination_pk, unit_pk, branch = self.destinations[rng.randrange(len(self.destinations))]
        year = start.year
        self.serials[year] = serial = self.serials.get(year, 0) + 1
        trip_pk = self.trip_id
        self.trip_id += 1
        yard = self.yards[rng.randrange(len(self.yards))]
        trip: Any = SimpleNamespace(  # what the event builders read of a Trip
            number=f"CT{year}{serial:06d}",
            declaration_number=f"{DECLARATION_PREFIX}{year}{plan.index + 1:08d}",
            plate=f"粤{rng.choice('BSZE')}·{rng.choice('ACDFG')}{rng.randrange(1000, 9999)}港",
            container=SimpleNamespace(uri=container_uri),
            seal=SimpleNamespace(uri=seal_uri, seal_id=seal_id),
            sealing_location=yard,
            seal_on=True,
            clearance_seconds=None,
        )
        add = self._add
        for event in epcis.sealing(trip, start):
            add(chunk, event)
        battery = rng.randrange(55, 100)
        add(
            chunk,
            seed.gateway_read(
                yard,
                start + dt.timedelta(minutes=8),
                container_uri,
                seal_uri,
                sealStatus="sealed",
                battery=battery,
            ),
        )
        first = start + dt.timedelta(minutes=rng.randrange(35, 70))
        add(
            chunk,
            seed.gateway_read(
                self.start_checkpoint,
                first,
                seal_uri,
                biz_step="departing",
                sealStatus="sealed",
                battery=battery - 1,
            ),
        )
        arrival = first + dt.timedelta(minutes=rng.randrange(50, 140))
        lane, gate = self.lanes[branch], self.gates[branch]
        add(
            chunk,
            seed.gateway_read(
                lane,
                arrival,
                container_uri,
                seal_uri,
                biz_step="arriving",
                sealStatus="sealed",
                battery=battery - 2,
            ),
        )
        minutes = rng.lognormvariate(3.6, 0.5)  # median about 37 minutes
        cleared = arrival + dt.timedelta(minutes=min(minutes, 300))
        inspector = self.inspector_ids[branch]
        opened = None
        if rng.random() < OPENED_SHARE:
            opened = cleared - dt.timedelta(minutes=min(12, minutes / 2))
            for event in epcis.authorised_opening(trip, opened, gate):
                add(chunk, event)
            trip.seal_on = False
        trip.clearance_seconds = max(0, int((cleared - arrival).total_seconds()))
        events = [epcis.clearing(trip, cleared, gate)]
        if trip.seal_on:
            events = [*epcis.seal_removal(trip, cleared, gate), *events]
        for event in events:
            add(chunk, event)
        rows[TRIPS].append(
            (
                trip_pk, a.time(start), a.time(cleared), trip.number, TripStatus.CLEARED.value,
                trip.declaration_number, container_pk, seal_pk, trip.plate, None, origin_pk, destination_pk,
                unit_pk, yard.pk, gate.pk, a.time(start), self.sealer_id, a.time(first), a.time(arrival),
                a.time(opened), inspector if opened else None, None, "", None, None, "", a.time(cleared),
                inspector, trip.clearance_seconds, None, "", a.time(arrival), lane.pk, seal_id,
                ReadSealStatus.SEALED.value,
            )
        )  # fmt: skip
        rows[CHECKPOINTS].append((trip_pk, self.start_checkpoint.pk))
        rows[CHECKPOINTS].append((trip_pk, self.checkpoints[branch].pk))
        # The e-lock back in stock with its last reported battery.
        off = opened or cleared  # the seal came off when the container was opened, else at release
        state = (SealStatus.AVAILABLE.value, a.time(off), battery - 2, False, a.time(arrival), a.time(off))
        chunk.units += 1
        return seal_pk, state

    def _add(self, chunk: bulkseed.Chunk, event: dict[str, Any]) -> None:
        self.ev.add(chunk, event, namespaces=NAMESPACES)


def _seals(road: Any, actor: Any, count: int) -> list[tuple[int, str, str]]:
    """The e-lock register (the demo's locks first), registered through the services."""
    office = road.sealer.org_unit
    wanted = [f"HKGD-{30000000 + n * 41:08d}" for n in range(1, count + 1)]
    have = set(Seal.objects.filter(seal_id__in=wanted).values_list("seal_id", flat=True))
    for n, seal_id in enumerate(wanted):
        if seal_id not in have:
            services.seal_register(
                actor=actor,
                seal_id=seal_id,
                model="SELS e-lock GL-300" if n % 4 else "JT701 GPS e-lock",
                reusable=True,
                org_unit_id=office.pk if office else None,
            )
    return list(
        Seal.objects.filter(seal_id__in=wanted).order_by("seal_id").values_list("pk", "seal_id", "uri")
    )


def seed_bureau(
    *,
    rng: random.Random,
    actor: Any,
    trips: int = BUREAU["trips"],
    seals: int = BUREAU["seals"],
    containers: int = BUREAU["containers"],
    years: int = BUREAU["years"],
    until: dt.date | None = None,
    chunk_trips: int = CHUNK_TRIPS,
    fork: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The container crossings of the plan (bureau figures by default). Returns what was made
    (empty: nothing to do, or no road: the organisation or the ports are missing)."""
    if trips < 1 or seals < 1 or containers < 1:
        raise ValueError("containers: trips, seals and containers must be at least 1")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    until = min(until or yesterday, yesterday)
    first = until.replace(year=until.year - years) + dt.timedelta(days=1)
    plans = plan_trips(rng, trips=trips, first=first, until=until)
    numbers = list(seed.container_numbers(random.Random(rng.random()), containers))
    done = Trip.objects.filter(declaration_number__startswith=DECLARATION_PREFIX).count()
    if done >= len(plans):
        return {}
    road = seed.road_places(rng, actor)
    if road is None:
        return {}
    started = time.monotonic()
    register = _seals(road, actor, seals)
    known = dict(Container.objects.filter(number__in=numbers).values_list("number", "pk"))
    epcs = dict(
        Epc.objects.filter(
            uri__in=[identifiers.container(n) for n in known] + [s[2] for s in register]
        ).values_list("uri", "pk")
    )
    plan = {"trips": len(plans) - done, "period": f"{first}/{until}", "seals": len(register)}
    job = bulkseed.open_run(actor, "containers.bureau_seeded", plan)
    ids = bulkseed.next_ids(Event, Epc, Trip, Container)
    years_seen = {p.start.year for p in plans}
    serials = dict(
        Counter.objects.filter(name__in=[f"containers.trip.{y}" for y in years_seen]).values_list(
            "name", "value"
        )
    )
    locations = {road.yards[0].uri: road.yards[0].pk}
    for place in [*road.yards, *road.checkpoints.values(), *road.gates.values(), *road.lanes.values()]:
        locations[place.uri] = place.pk
    generator = Generator(
        plans=plans[done:],
        road=road,
        seals=register,
        containers=numbers,
        known_containers=known,
        events=bulkseed.Events.for_run(job.pk, ids, locations=locations, known=epcs),
        ids=ids,
        serials={int(name.rsplit(".", 1)[1]): value for name, value in serials.items()},
        vendor=connection.vendor,
    )
    made = bulkseed.load(
        lambda: generator.chunks(chunk_trips),
        job_id=job.pk,
        flow="containers",
        unit="trips",
        total=len(plans),
        done=done,
        started=started,
        fork=fork,
        progress=progress,
    )
    bulkseed.vacuum_analyze([spec.name for spec in ORDER] + ["containers_seal", "trace_capturejob"])
    summary = {**plan, **made, "seconds": round(time.monotonic() - started)}
    if progress:
        progress(f"  containers seeded: {summary}")
    return summary
