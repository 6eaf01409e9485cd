"""Demo data of the container e-seal flow, made through the real services and the real capture
pipeline, so that the registers, the trips in every state, their seal events, the alarms on the
worklist and the clearance-time figures are what the system itself would have recorded.

Idempotent: the places, e-locks and containers are made once (by their identifiers); the trips
only when there are none yet. Each trip is one scenario run from sealing to its last step on a
clock set back to its own time (``timezone.now``; audit events keep the real time), one scenario
after the other, so the seeder streams. At bureau scale five years of cleared crossings are
added besides, through the repository's bulk path (``bulkseed.py``).

Scenario mix at demo scale: about 48 trips cleared over the last five months (most released on
the green lane, some opened at the gate first, a few after a seal alarm and an inspection), then
trips sealed, in transit, at the gate, opened, a low battery on the road, an unexpected opening at
a depot off the route (taken by an inspector), a tampered seal at a checkpoint and a different seal
read at the gate (both open), and a cancelled one.

People: the seal officer of Dongguan (``sealer_dg``) seals; the Guangzhou inspector of the demo
(``inspector``) and a Huanggang inspector (``inspector_hg``) work the destinations. New people get
the demo password convention of ``ops.demo``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from stdnum import iso6346

from openciq.accounts.choices import Role
from openciq.accounts.models import OrgUnit, User
from openciq.masterdata.models import Port
from openciq.trace import identifiers
from openciq.trace import services as trace_services
from openciq.trace.choices import AlertStatus, CaptureSource, LocationKind
from openciq.trace.containers import epcis, services
from openciq.trace.containers.choices import InspectionResult, SealStatus, TripStatus
from openciq.trace.containers.models import Container, Seal, Trip
from openciq.trace.devices import EVENT_CONTEXT, PREFIX
from openciq.trace.models import Location, SupervisionAlert

CLEARED = 36
OWNERS = ("CSQU", "MSKU", "TGHU", "OOLU", "CBHU", "TCNU", "FCIU", "SEGU", "TEMU", "COSU")
SIZE_TYPES = ("22G1", "42G1", "45G1", "45R1")
SEALS = 18
# (kind, code, name, parent code, latitude, longitude)
PLACES = [
    (LocationKind.YARD, "DG-HUMEN", "东莞虎门港集装箱堆场", None, 22.8160, 113.6210),
    (LocationKind.YARD, "FS-SANSHUI", "佛山三水港集装箱堆场", None, 23.1580, 112.8950),
    (LocationKind.CHECKPOINT, "DG-CP-CHANGAN", "东莞长安卡口", None, 22.8020, 113.8040),
    (LocationKind.CHECKPOINT, "SZ-CP-MEILIN", "深圳梅林关卡口", None, 22.5790, 114.0580),
    (LocationKind.CHECKPOINT, "GZ-CP-HUANGGE", "广州黄阁卡口", None, 22.7760, 113.5330),
    (LocationKind.GATE, "HUANGGANG", "皇岗口岸货检通道", None, 22.5240, 114.0730),
    (LocationKind.GATE, "HUANGGANG-L3", "皇岗 3 号车道", "HUANGGANG", None, None),
    (LocationKind.GATE, "NANSHA", "南沙港货检闸口", None, 22.7480, 113.6040),
    (LocationKind.GATE, "NANSHA-L1", "南沙 1 号车道", "NANSHA", None, None),
    (LocationKind.YARD, "ZS-DEPOT", "中山坦洲某堆场", None, 22.2600, 113.4600),
]
PEOPLE = [
    ("sealer_dg", Role.BRANCH_INSPECTOR, "DG", "东莞局施封关员"),
    ("inspector_hg", Role.BRANCH_INSPECTOR, "HG", "皇岗局查验员"),
]
DECLARANTS = ("5301", "5316", "5171")  # customs-office prefixes of declaration numbers (demo)


@contextmanager
def clock(moment: dt.datetime) -> Iterator[None]:
    """Run the services as if it were ``moment`` (time goes on from there); audit events keep
    the real time. For the seeder only: it runs alone in its process."""
    real = timezone.now
    entered = real()
    timezone.now = lambda: moment + (real() - entered)
    try:
        yield
    finally:
        timezone.now = real


@dataclass
class Road:
    """The places and people of the demo's crossings."""

    yards: list[Location]
    checkpoints: dict[str, Location]
    gates: dict[str, Location]  # destination branch code → arrival gate
    lanes: dict[str, Location]
    depot: Location
    origins: list[Port]
    destinations: list[Port]
    sealer: User
    inspectors: dict[str, User]  # destination branch code → inspector
    system: User


def seed(*, scale: str, rng: random.Random, actor: Any, stdout: Any = None) -> None:
    """The seeder registered for ``openciq seed`` (after master data and declarations)."""
    road = road_places(rng, actor)
    if road is None:
        return  # the organisation or the ports are not there (``--only containers``)
    _registers(rng, actor, road)
    if not Trip.objects.exists():
        made = 0
        for scenario in _scenarios(rng):
            _run(rng, road, scenario)
            made += 1
        if stdout is not None:
            stdout.write(f"containers: {made} trips\n")
    if scale == "bureau":  # five years of cleared crossings besides, streamed: ``bulkseed.py``
        from openciq.trace.containers import bulkseed

        bulkseed.seed_bureau(rng=rng, actor=actor, progress=lambda text: print(text, flush=True))


# --- Places, people, registers ----------------------------------------------------------------------


def _place(
    actor: Any, kind: str, code: str, name: str, parent: str | None, lat: float | None, lon: float | None
) -> Location:
    uri = identifiers.place(kind, code)
    found: Location | None = Location.objects.filter(uri=uri).first()
    if found is not None and found.name:
        return found
    parent_uri = identifiers.place(LocationKind.GATE, parent) if parent else None
    return trace_services.location_save(
        actor=actor, uri=uri, name=name, kind=kind, parent_uri=parent_uri, latitude=lat, longitude=lon
    )


def _person(username: str, role: str, unit_code: str, display: str) -> User | None:
    from openciq.accounts.services import system_actor, user_create
    from openciq.ops.demo import demo_password

    user: User | None = User.objects.filter(username=username).first()
    unit = OrgUnit.objects.filter(code=unit_code).first()
    if user is None and unit is not None:
        user = user_create(
            actor=system_actor(),
            username=username,
            password=demo_password(username),
            display_name=display,
            org_unit=unit,
            roles=[role],
        )
    return user


def _ports(codes: tuple[str, ...]) -> list[Port]:
    return list(Port.objects.filter(org_unit__code__in=codes, is_active=True).order_by("code"))


def road_places(rng: random.Random, actor: Any) -> Road | None:
    origins, destinations = _ports(("DG",)), _ports(("GZ", "HG"))
    if not origins or not destinations:
        return None
    people = {username: _person(username, role, unit, display) for username, role, unit, display in PEOPLE}
    inspector = User.objects.filter(username="inspector").first() or _person(
        "inspector", Role.BRANCH_INSPECTOR, "GZ", "广州局检验员"
    )
    sealer, inspector_hg = people["sealer_dg"], people["inspector_hg"]
    if sealer is None or inspector is None or inspector_hg is None:
        return None
    places = {
        code: _place(actor, kind, code, name, parent, lat, lon)
        for kind, code, name, parent, lat, lon in PLACES
    }
    return Road(
        yards=[places["DG-HUMEN"], places["FS-SANSHUI"]],
        checkpoints={
            "GZ": places["GZ-CP-HUANGGE"],
            "HG": places["SZ-CP-MEILIN"],
            "DG": places["DG-CP-CHANGAN"],
        },
        gates={"GZ": places["NANSHA"], "HG": places["HUANGGANG"]},
        lanes={"GZ": places["NANSHA-L1"], "HG": places["HUANGGANG-L3"]},
        depot=places["ZS-DEPOT"],
        origins=origins,
        destinations=destinations,
        sealer=sealer,
        inspectors={"GZ": inspector, "HG": inspector_hg},
        system=actor,
    )


def container_numbers(rng: random.Random, count: int) -> Iterator[str]:
    """Valid ISO 6346 numbers (check digit computed), reproducible from ``rng``."""
    seen: set[str] = set()
    while len(seen) < count:
        stem = f"{rng.choice(OWNERS)}{rng.randrange(10**6):06d}"
        number = stem + str(iso6346.calc_check_digit(stem))
        if number not in seen:
            seen.add(number)
            yield number


def _registers(rng: random.Random, actor: Any, road: Road) -> None:
    office = road.sealer.org_unit
    for n in range(1, SEALS + 1):
        seal_id = f"HKGD-{20260000 + n * 37:08d}"
        if not Seal.objects.filter(seal_id=seal_id).exists():
            services.seal_register(
                actor=actor,
                seal_id=seal_id,
                model="SELS e-lock GL-300" if n % 4 else "JT701 GPS e-lock",
                reusable=n != SEALS,
                org_unit_id=office.pk if office else None,
            )
    for number in container_numbers(random.Random(rng.random()), 30):
        if not Container.objects.filter(number=number).exists():
            services.container_register(actor=actor, number=number, size_type=rng.choice(SIZE_TYPES))


# --- Scenarios ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One trip: what happens to it and when it starts (hours before now)."""

    outcome: str
    hours_ago: float


def _scenarios(rng: random.Random) -> Iterator[Scenario]:
    """Oldest first, so a seal released by one trip is free for the next."""
    done = sorted((rng.uniform(36, 150 * 24) for _ in range(CLEARED)), reverse=True)
    for n, hours in enumerate(done):
        outcome = "cleared_after_alarm" if n % 16 == 7 else "opened_cleared" if n % 3 == 0 else "green_lane"
        yield Scenario(outcome, hours)
    yield Scenario("cancelled", 30)
    for outcome, hours in [
        ("opened", 6.5),
        ("alarm_open", 5.5),
        ("alarm_mismatch", 5),
        ("arrived", 4),
        ("arrived", 3.2),
        ("alarm_tamper", 3),
        ("battery", 2.5),
        ("in_transit", 2),
        ("in_transit", 1.5),
        ("sealed", 0.6),
        ("sealed", 0.3),
    ]:
        yield Scenario(outcome, hours)


def gateway_read(
    place: Location, when: dt.datetime, *uris: str, biz_step: str = "", **extension: Any
) -> dict[str, Any]:
    """A gateway's ObjectEvent: the container and/or seal read at ``place``."""
    time, offset = epcis.event_time(when)
    event: dict[str, Any] = {
        "@context": list(EVENT_CONTEXT),
        "type": "ObjectEvent",
        "eventTime": time,
        "eventTimeZoneOffset": offset,
        "action": "OBSERVE",
        "epcList": list(uris),
        "readPoint": {"id": place.uri},
    }
    if biz_step:
        event["bizStep"] = biz_step
    disposition = extension.pop("disposition", "in_transit")
    if disposition:
        event["disposition"] = disposition
    event.update({f"{PREFIX}:{key}": value for key, value in extension.items()})
    return event


def _capture(road: Road, when: dt.datetime, *events: dict[str, Any]) -> None:
    with clock(when):
        job = trace_services.capture_events(actor=road.system, events=list(events), source=CaptureSource.SEED)
    assert job.status == "succeeded", job.errors


def _free_seal(rng: random.Random) -> Seal | None:
    free = list(Seal.objects.filter(status=SealStatus.AVAILABLE).order_by("seal_id")[:8])
    return rng.choice(free) if free else None


def _free_container(rng: random.Random) -> Container | None:
    busy = Trip.objects.exclude(status__in=[TripStatus.CLEARED, TripStatus.CANCELLED]).values("container_id")
    free = list(Container.objects.exclude(pk__in=busy).order_by("number")[:40])
    return rng.choice(free) if free else None


def _seal(rng: random.Random, road: Road, start: dt.datetime) -> tuple[Trip, str] | None:
    seal, container = _free_seal(rng), _free_container(rng)
    if seal is None or container is None:
        return None
    origin, destination = rng.choice(road.origins), rng.choice(road.destinations)
    branch = "HG" if destination.org_unit.code == "HG" else "GZ"
    data = services.TripInput(
        declaration_number=f"{rng.choice(DECLARANTS)}{start:%Y}{rng.randrange(10**10):010d}",
        container_number=container.number,
        seal_id=seal.seal_id,
        plate=f"粤{rng.choice('BSZE')}·{rng.choice('ACDFG')}{rng.randrange(1000, 9999)}港",
        origin_port_id=origin.pk,
        destination_port_id=destination.pk,
        sealing_location_id=rng.choice(road.yards).pk,
        arrival_location_id=road.gates[branch].pk,
        checkpoint_ids=[road.checkpoints["DG"].pk, road.checkpoints[branch].pk],
    )
    with clock(start):
        trip = services.trip_seal(actor=road.sealer, data=data)
    return trip, branch


def _run(rng: random.Random, road: Road, scenario: Scenario) -> None:
    start = timezone.now() - dt.timedelta(hours=scenario.hours_ago)
    sealed = _seal(rng, road, start)
    if sealed is None:
        return
    trip, branch = sealed
    if scenario.outcome == "sealed":
        return
    if scenario.outcome == "cancelled":
        with clock(start + dt.timedelta(minutes=25)):
            services.trip_cancel(
                actor=road.sealer, trip_id=trip.pk, reason="报关单信息有误，撤销施封后重新申报。"
            )
        return
    _on_the_road(rng, road, trip, branch, start, scenario.outcome)


def _on_the_road(
    rng: random.Random, road: Road, trip: Trip, branch: str, start: dt.datetime, outcome: str
) -> None:
    container, seal = trip.container.uri, trip.seal.uri
    battery = rng.randrange(55, 100)
    yard_read = gateway_read(
        trip.sealing_location,
        start + dt.timedelta(minutes=8),
        container,
        seal,
        sealStatus="sealed",
        battery=battery,
    )
    first = start + dt.timedelta(minutes=rng.randrange(35, 70))
    checkpoint_read = gateway_read(
        road.checkpoints["DG"], first, seal, biz_step="departing", sealStatus="sealed", battery=battery - 1
    )
    if outcome == "battery":
        checkpoint_read = gateway_read(
            road.checkpoints["DG"], first, seal, biz_step="departing", sealStatus="sealed", battery=12
        )
    if outcome == "alarm_tamper":
        checkpoint_read = gateway_read(
            road.checkpoints["DG"], first, seal, sealStatus="tampered", battery=battery - 1
        )
    _capture(road, first + dt.timedelta(minutes=1), yard_read, checkpoint_read)
    if outcome in ("in_transit", "battery", "alarm_tamper"):
        return
    if outcome == "alarm_open":
        when = first + dt.timedelta(minutes=50)
        _capture(
            road,
            when,
            gateway_read(
                road.depot, when, container, seal, disposition="container_open", sealStatus="opened"
            ),
        )
        alert = SupervisionAlert.objects.filter(key__startswith=services.alert_key(trip)).first()
        if alert is not None:
            with clock(when + dt.timedelta(minutes=20)):
                trace_services.alert_acknowledge(actor=road.inspectors[branch], alert_id=alert.pk)
        return
    arrival = first + dt.timedelta(minutes=rng.randrange(50, 140))
    gate_uris = [container, seal]
    if outcome in ("alarm_mismatch", "cleared_after_alarm"):
        # A lock that is in no register: the declared one was swapped (or mistyped at sealing).
        gate_uris = [container, identifiers.seal(f"HKGD-{rng.randrange(90000000, 99999999)}")]
    gate = gateway_read(
        road.lanes[branch], arrival, *gate_uris, biz_step="arriving", sealStatus="sealed", battery=battery - 2
    )
    _capture(road, arrival + dt.timedelta(seconds=30), gate)
    if outcome in ("arrived", "alarm_mismatch"):
        return
    _at_the_gate(rng, road, trip, branch, arrival, outcome)


def _at_the_gate(
    rng: random.Random, road: Road, trip: Trip, branch: str, arrival: dt.datetime, outcome: str
) -> None:
    inspector = road.inspectors[branch]
    minutes = rng.lognormvariate(3.6, 0.5)  # median about 37 minutes
    when = arrival + dt.timedelta(minutes=min(minutes, 300))
    if outcome == "cleared_after_alarm":
        _inspect_and_resolve(road, trip, inspector, arrival)
        when += dt.timedelta(minutes=rng.randrange(60, 150))
    if outcome in ("opened", "opened_cleared", "cleared_after_alarm"):
        with clock(when - dt.timedelta(minutes=min(12, minutes / 2))):
            services.trip_open_authorised(actor=inspector, trip_id=trip.pk, note="")
        if outcome == "opened":
            return
    with clock(when):
        services.trip_clear(actor=inspector, trip_id=trip.pk)


def _inspect_and_resolve(road: Road, trip: Trip, inspector: User, arrival: dt.datetime) -> None:
    """The different seal read at the gate: checked against the e-lock issue record, the
    container inspected and found conformant, the alert resolved."""
    for alert in SupervisionAlert.objects.filter(key__startswith=services.alert_key(trip)).exclude(
        status=AlertStatus.RESOLVED
    ):
        with clock(arrival + dt.timedelta(minutes=10)):
            trace_services.alert_acknowledge(actor=inspector, alert_id=alert.pk)
        with clock(arrival + dt.timedelta(minutes=40)):
            services.trip_inspect(
                actor=inspector,
                trip_id=trip.pk,
                result=InspectionResult.CONFORMANT,
                note="开箱查验：货物与申报相符，关锁号为施封时误录。",
            )
            trace_services.alert_resolve(
                actor=inspector, alert_id=alert.pk, resolution="查验相符；施封记录的关锁号已更正，放行。"
            )
