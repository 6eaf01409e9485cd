"""Vegetables to Hong Kong at the bureau's scale (``openciq seed --scale bureau``), streamed.

The world (figures of the bureau's RFID programme for Hong Kong vegetables: 8,000+ reusable RFID
crates, 800+ tagged vehicles, the electronic gate at Wenjindu comparing the e-seal and the crates
with the declaration): 60 packing enterprises (exporters with their own packing house) holding
300 registered planting bases in the province's vegetable counties (from the Pearl River Delta
and Huizhou to the highland summer bases of Shaoguan and the winter bases of Zhanjiang), each with
two to six plots of choy sum, kai-lan, lettuce, broccoli, water spinach or tomatoes; 8,000 RFID
crates shared out to the enterprises by their trade; 800 cross-border trucks, each with its
reusable e-seal; and 36,500 truck trips over the five years up to yesterday (20 a day on average:
more in the cool season from November to April and in the fortnight before Chinese New Year,
fewer in the summer heat and in the holiday week). The RFID crates are the tagged part of the
traffic: about twenty on a truck.

Registration goes through the services (bases, plots, crates with their commissioning events,
the packing houses' places); each trip is then made as the services and the gate would have left
it, event for event (``vegetables/epcis.py``'s shapes, ``gate.compare`` for the verdict):

- one to three harvest lots of the enterprise's plots, harvested that morning (ObjectEvent ADD
  ``commissioning`` with the harvest facts as ILMD, the last pesticide outside its pre-harvest
  interval), each lot packed whole into the trip's crates;
- the crates packed (AggregationEvent ADD crate ← lot, kg), loaded on the truck (``loading``,
  the declaration as ``cert``), the truck sealed (AssociationEvent ADD truck ↔ seal,
  ObjectEvent ``staging_outbound`` → ``container_closed``);
- the border gate's read at Wenjindu (the device's ObjectEvent ``arriving``, no eventID, with the
  seal's state as ``ociq:sealStatus``) and the gate's decision: released electronically
  (``departing``) for the vast majority; held (``holding``, with blocking ``gate_mismatch`` /
  ``seal_mismatch`` alerts on the port inspector's worklist) for about 1.6 %: a declared crate
  not read (1 %), an undeclared crate read (0.3 %), the seal not read (0.2 %), the seal reported
  opened or tampered (0.1 %). The inspector took the alerts, inspected (``inspecting``) and
  released the truck (``conformant``, then ``departing``) or, for a crate really missing (15 % of
  those) or a tampered seal, turned it back (``non_conformant``; the trip closed at the packing
  house, ``returned``). Every alert is resolved;
- the Hong Kong receipt at the Cheung Sha Wan market (``receiving`` → ``container_open``, the
  seal taken off, the crates unloaded and emptied, the crates read on arrival: 0.2 % of trucks
  with a crate not read, a ``receipt_mismatch`` alert, resolved).

A trip's day: harvest from five in the morning, packing from ten, the gate in the afternoon, the
market in Hong Kong by the evening (every trip ends on the day it started, so yesterday's are
closed). Crates are reused: a crate emptied in Hong Kong is back at its packing house two days
later and is packed again (the least recently used first; on a busy day a truck takes fewer
RFID crates, and an enterprise with too few back leaves the trip to another), so a crate makes
about ninety trips in five years; a truck makes at most one trip a day. About 50 events a trip
(1,181 plots, 56,800 lots, 730,000 crate trips): about 1.8 million events.

Rows: ``HarvestLot``, ``Shipment`` (received or rejected, with the gate's read and comparison,
the decisions, the receipt), ``ShipmentCrate`` (loaded, read at the gate, received),
``SupervisionAlert`` (resolved), and the events with their identifiers and references, in one
capture job (source ``seed``). Shipment and lot numbers follow the services' counters
(``VS<year><serial>``, ``VL<year><serial>``), which are advanced.

Reproducible from the seed number and idempotent: the plan (days, enterprises, trucks, crates,
lots, outcomes) is drawn up front from the seeder's generator, each trip's details from its own
generator seeded by the plan; trips are found by their declaration numbers
(``530599<year><serial>``) and only the missing ones are made.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openciq.accounts.models import OrgUnit
from openciq.core.models import Counter
from openciq.masterdata.models import Enterprise, Product
from openciq.trace import bulkseed, capture
from openciq.trace import services as trace_services
from openciq.trace.choices import (
    AlertKind,
    AlertSeverity,
    AlertStatus,
    LocationKind,
)
from openciq.trace.models import Epc, Event, Location, SupervisionAlert
from openciq.trace.vegetables import epcis, gate, services
from openciq.trace.vegetables import seed as demo
from openciq.trace.vegetables.choices import SealFinding, ShipmentStatus
from openciq.trace.vegetables.models import Crate, HarvestLot, PlantingBase, Plot, Shipment, ShipmentCrate
from openciq.trace.vegetables.services.registers import MAX_CRATES_PER_REGISTRATION

BUREAU = {
    "enterprises": 60,
    "bases": 300,
    "crates": 8_000,
    "trucks": 800,
    "shipments": 36_500,
    "years": 5,
}
CHUNK_SHIPMENTS = 400  # trips per transaction (about 20,000 events)
DECLARATION_PREFIX = "530599"  # export declarations of the seeded history: 530599<year><serial>
MIN_CRATES, MEAN_CRATES, MAX_CRATES = 8, 20, 36  # RFID crates on one truck
CRATE_RETURN_DAYS = 2  # an emptied crate is back at its packing house (and packable) two days on
# Shares of trips: exceptions at the gate and on receipt (``rates`` overrides them, for tests).
RATES = {
    "missing": 0.010,  # a declared crate not read at the gate
    "extra": 0.003,  # an undeclared crate read
    "seal_not_read": 0.002,
    "seal_reported": 0.001,  # the seal reader reports the seal opened or tampered
    "receipt_missing": 0.002,  # a crate not read on arrival in Hong Kong
}
REJECTED_MISSING = 0.15  # of the trips held for a missing crate: crates really not on the truck
LOCAL = epcis.LOCAL
GRAI_ASSET = "0002"
# (branch, county code, county, latitude, longitude, weight): the vegetable counties of HK supply.
COUNTIES = (
    ("HZ", "441322", "博罗", 23.17, 114.29, 3.0),
    ("HZ", "441323", "惠东", 22.98, 114.72, 2.0),
    ("HZ", "441303", "惠阳", 22.79, 114.46, 1.5),
    ("HZ", "441324", "龙门", 23.73, 114.25, 1.0),
    ("GZ", "440118", "增城", 23.29, 113.81, 2.0),
    ("GZ", "440117", "从化", 23.55, 113.59, 1.5),
    ("SZ", "440311", "光明", 22.77, 113.93, 0.5),
    ("DG", "441900", "东莞", 23.02, 113.75, 1.0),
    ("ZQ", "441204", "高要", 23.03, 112.46, 1.5),
    ("ZQ", "441284", "四会", 23.33, 112.73, 1.0),
    ("JM", "440781", "台山", 22.25, 112.79, 1.5),
    ("JM", "440784", "鹤山", 22.77, 112.96, 1.0),
    ("SG", "440229", "翁源", 24.35, 114.13, 1.5),
    ("SG", "440282", "南雄", 25.12, 114.31, 1.0),
    ("SG", "440222", "始兴", 24.95, 114.06, 0.8),
    ("QY", "441803", "清新", 23.73, 112.98, 1.0),
    ("QY", "441881", "英德", 24.19, 113.41, 1.0),
    ("QY", "441821", "佛冈", 23.88, 113.53, 0.8),
    ("HY", "441625", "东源", 23.79, 114.75, 1.0),
    ("HY", "441624", "和平", 24.44, 114.94, 0.6),
    ("MZ", "441481", "兴宁", 24.14, 115.73, 0.6),
    ("ZJ", "440823", "遂溪", 21.38, 110.25, 1.0),
    ("ZJ", "440825", "徐闻", 20.33, 110.18, 0.8),
    ("MM", "440981", "高州", 21.92, 110.85, 0.8),
    ("SW", "441581", "陆丰", 22.95, 115.64, 0.6),
    ("JY", "445222", "揭西", 23.43, 115.84, 0.5),
    ("YJ", "441781", "阳春", 22.17, 111.79, 0.5),
    ("YF", "445321", "新兴", 22.70, 112.23, 0.5),
)
# (crop, HS code, kg in a crate, weight)
CROPS = (
    ("菜心", "070490", (15, 18, 20), 4.0),
    ("芥蓝", "070490", (15, 18, 20), 2.0),
    ("生菜", "070511", (10, 12), 2.0),
    ("西兰花", "070410", (12, 15), 1.5),
    ("通菜", "070999", (10, 12, 15), 1.0),
    ("番茄", "070200", (15, 18), 0.7),
)
# Cool season (November-April) busier, summer heat and typhoons quieter.
MONTHS = (1.2, 1.1, 1.15, 1.05, 0.9, 0.75, 0.7, 0.7, 0.8, 0.95, 1.1, 1.2)
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXY"

# Inspectors' words (stored text, as typed at the time: the demo's convention, both languages).
RELEASED_MISSING = (
    "开箱查验：标签未读取（受潮/遮挡），实货与申报相符 Tag not read (wet or shielded), goods as declared"
)
REJECTED_MISSING_NOTE = "申报周转筐未随车，货证不符，退回包装厂 Declared crates not on the truck: turned back"
RELEASED_EXTRA = (
    "开箱查验：多读空筐一个，已卸下，货物与申报相符 An empty undeclared crate, taken off; goods as declared"
)
RELEASED_SEAL_NOT_READ = "人工核对电子铅封完好，读写器故障 Seal checked by hand and intact: reader fault"
RELEASED_SEAL_REPORTED = "查验铅封及货物，未见异常，读写器误报 Seal and goods checked: a false report"
REJECTED_SEAL = "铅封被破坏，货物无法确认，退回包装厂 Seal tampered, goods not verifiable: turned back"
RECEIPT_RESOLVED = (
    "香港方复核：该筐已到货，标签未读取 Hong Kong checked: the crate arrived, its tag did not read"
)
RECEIPT_NOTE = "香港食环署回传：已抵长沙湾市场 Arrival reported by Hong Kong"


def _cny_days() -> list[dt.date]:
    from openciq.declarations.seed import CNY as DAYS

    return [dt.date.fromisoformat(d) for d in DAYS]


# --- The plan ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnterpriseSpec:
    index: int
    unit: str  # the branch of its home county
    county: int  # index into COUNTIES
    weight: float
    crates: int
    prefix: str  # the GS1 company prefix of its crates' GRAIs


@dataclass(frozen=True)
class BaseSpec:
    index: int
    number: str
    enterprise: int
    county: int
    latitude: float
    longitude: float
    plots: tuple[tuple[str, int, int], ...]  # (code, crop index, hectares)


@dataclass(frozen=True)
class TripPlan:
    index: int
    day: dt.date
    enterprise: int
    truck: int
    crates: tuple[int, ...]  # indices into the enterprise's crates, in packing order
    lots: tuple[tuple[int, int, int], ...]  # (base index, plot index, crates of the lot)
    outcome: str  # "match", "missing", "extra", "seal_not_read", "seal_reported"
    rejected: bool
    extra: int | None  # the undeclared crate read (enterprise crate index)
    receipt_missing: bool
    seed: int


def _weighted(rng: random.Random, cumulative: list[float]) -> int:
    return bisect.bisect(cumulative, rng.random() * cumulative[-1])


def _cumulative(weights: list[float]) -> list[float]:
    total, found = 0.0, []
    for weight in weights:
        total += weight
        found.append(total)
    return found


def world_specs(
    rng: random.Random, *, enterprises: int, bases: int, crates: int
) -> tuple[list[EnterpriseSpec], list[BaseSpec]]:
    """The packing enterprises (their home counties and crates) and the planting bases."""
    if enterprises < 1 or bases < enterprises:
        raise ValueError("vegetables: every enterprise needs at least one planting base")
    if crates < enterprises * 2 * MAX_CRATES:
        raise ValueError(
            f"vegetables: {crates:,} crates are too few for {enterprises} enterprises "
            f"(at least {2 * MAX_CRATES} each)"
        )
    counties = _cumulative([c[5] for c in COUNTIES])
    homes = [_weighted(rng, counties) for _n in range(enterprises)]
    weights = [rng.lognormvariate(0, 0.7) for _n in range(enterprises)]
    shares = _shares(crates, weights, floor=2 * MAX_CRATES)
    specs = [
        EnterpriseSpec(n, COUNTIES[homes[n]][0], homes[n], weights[n], shares[n], f"697{n + 1:05d}")
        for n in range(enterprises)
    ]
    owners = list(range(enterprises)) + [
        _weighted(rng, _cumulative(weights)) for _n in range(bases - enterprises)
    ]
    crop_weights = _cumulative([c[3] for c in CROPS])
    found: list[BaseSpec] = []
    serials: dict[str, int] = {}
    for n, owner in enumerate(sorted(owners)):
        county = specs[owner].county if rng.random() < 0.7 else _weighted(rng, counties)
        code = COUNTIES[county][1][:4]
        serials[code] = serial = serials.get(code, 1000) + 1
        plots = tuple(
            (f"{'ABCDEF'[p // 2]}{p % 2 + 1}", _weighted(rng, crop_weights), rng.randint(3, 15))
            for p in range(rng.randint(2, 6))
        )
        found.append(
            BaseSpec(
                n,
                f"{code}GC{serial:04d}",
                owner,
                county,
                round(COUNTIES[county][3] + rng.uniform(-0.1, 0.1), 6),
                round(COUNTIES[county][4] + rng.uniform(-0.1, 0.1), 6),
                plots,
            )
        )
    return specs, found


def _shares(total: int, weights: list[float], *, floor: int) -> list[int]:
    """``total`` shared out in proportion to ``weights``, none below ``floor``."""
    small: set[int] = set()
    while True:
        rest = total - floor * len(small)
        weight = sum(w for n, w in enumerate(weights) if n not in small)
        shares = [floor if n in small else int(rest * w / weight) for n, w in enumerate(weights)]
        below = {n for n, share in enumerate(shares) if share < floor} - small
        if not below:
            break
        small |= below
    largest = max(range(len(shares)), key=shares.__getitem__)
    shares[largest] += total - sum(shares)
    return shares


def _day_weights(first: dt.date, days: int) -> list[float]:
    cny = _cny_days()
    weights = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        nearest = min(cny, key=lambda d: abs((d - day).days))
        until = (nearest - day).days
        factor = 1.3 if 0 < until <= 14 else 0.4 if -6 <= until <= 0 else 1.0
        weights.append(factor * MONTHS[day.month - 1])
    return weights


def plan_trips(
    rng: random.Random,
    enterprises: list[EnterpriseSpec],
    bases: list[BaseSpec],
    *,
    trips: int,
    trucks: int,
    first: dt.date,
    until: dt.date,
    rates: Mapping[str, float],
) -> list[TripPlan]:
    """Days, enterprises, trucks, crates, lots and outcomes of ``trips`` trips, in time order.
    Crates and trucks are handed out as they come free (a crate two days after its trip, a truck
    the next day); a plan the crates or trucks cannot carry is refused."""
    if trips < 1 or trucks < 1:
        raise ValueError("vegetables: trips and trucks must be at least 1")
    days = (until - first).days + 1
    day_cumulative = _cumulative(_day_weights(first, days))
    firm_cumulative = _cumulative([e.weight for e in enterprises])
    drawn = sorted(
        (bisect.bisect(day_cumulative, rng.random() * day_cumulative[-1]), _weighted(rng, firm_cumulative))
        for _n in range(trips)
    )
    by_firm: dict[int, list[BaseSpec]] = {}
    for base in bases:
        by_firm.setdefault(base.enterprise, []).append(base)
    fleets: dict[int, list[int]] = {e.index: [] for e in enterprises}
    for truck in range(trucks):
        fleets[_weighted(rng, firm_cumulative) if truck >= len(enterprises) else truck].append(truck)
    truck_free = [0] * trucks  # first day index each truck may leave again
    queues = {e.index: deque((0, n) for n in range(e.crates)) for e in enterprises}
    plans: list[TripPlan] = []
    for index, (day, drawn_firm) in enumerate(drawn):
        count = max(MIN_CRATES, min(MAX_CRATES, round(rng.gauss(MEAN_CRATES, 5))))
        roll = rng.random()
        outcome, edge = "match", 0.0
        for name in ("missing", "extra", "seal_not_read", "seal_reported"):
            edge += rates[name]
            if roll < edge:
                outcome = name
                break
        # The least recently used crates that are back at the packing house (the queue is in the
        # order they come free). On a busy day a truck takes fewer RFID crates, never fewer than
        # the minimum; an enterprise with too few back leaves the trip to another one.
        spare = int(outcome == "extra")
        firm, free_crates = drawn_firm, 0
        for _attempt in range(200):
            queue = queues[firm]
            free_crates = 0
            while free_crates < min(len(queue), count + spare) and queue[free_crates][0] <= day:
                free_crates += 1
            if free_crates - spare >= MIN_CRATES:
                break
            firm = _weighted(rng, firm_cumulative)
        else:
            raise ValueError(
                f"vegetables: {sum(e.crates for e in enterprises):,} crates cannot carry {trips:,} trips"
            )
        count = min(count, free_crates - spare)
        free = [t for t in fleets[firm] if truck_free[t] <= day]
        if not free:
            free = [t for t in range(trucks) if truck_free[t] <= day]
        if not free:
            raise ValueError(f"vegetables: {trucks} trucks cannot carry {trips:,} trips")
        truck = free[rng.randrange(len(free))]
        truck_free[truck] = day + 1
        need = count + spare
        taken = sorted(queue.popleft()[1] for _n in range(need))
        extra = None
        if outcome == "extra":
            extra = taken.pop(rng.randrange(len(taken)))
        for crate in [*taken, *([extra] if extra is not None else [])]:
            queue.append((day + CRATE_RETURN_DAYS, crate))
        lot_count = min(count, 1 if (r := rng.random()) < 0.55 else 2 if r < 0.9 else 3)
        cuts = sorted(rng.sample(range(1, count), lot_count - 1)) if lot_count > 1 else []
        sizes = [b - a for a, b in zip([0, *cuts], [*cuts, count], strict=True)]
        own = by_firm[firm]
        lots = []
        for size in sizes:
            base = own[rng.randrange(len(own))]
            lots.append((base.index, rng.randrange(len(base.plots)), size))
        rejected = (outcome == "missing" and rng.random() < REJECTED_MISSING) or (
            outcome == "seal_reported" and rng.random() < 0.5
        )
        plans.append(
            TripPlan(
                index,
                first + dt.timedelta(days=day),
                firm,
                truck,
                tuple(taken),
                tuple(lots),
                outcome,
                rejected,
                extra,
                not rejected and rng.random() < rates["receipt_missing"],
                rng.getrandbits(63),
            )
        )
    return plans


# --- Registration (through the services) ------------------------------------------------------


@contextmanager
def _clock(moment: dt.datetime) -> Iterator[None]:
    real = timezone.now
    entered = real()
    timezone.now = lambda: moment + (real() - entered)
    try:
        yield
    finally:
        timezone.now = real


def _grai_prefix(spec: EnterpriseSpec) -> str:
    return f"urn:epc:id:grai:{spec.prefix}.{GRAI_ASSET}."


@dataclass
class Firm:
    """What the generator needs of a registered packing enterprise."""

    pk: int
    uscc: str
    org_unit_id: int
    packhouse: tuple[int, str]
    crates: list[tuple[int, str, str]]  # (pk, canonical identifier, GRAI as registered), by GRAI


def _enterprise(unit: OrgUnit | None, used: set[int]) -> Enterprise | None:
    rows = Enterprise.objects.filter(is_active=True).exclude(pk__in=used).order_by("uscc")
    local = rows.filter(org_unit=unit) if unit is not None else rows.none()
    for candidates in (local, rows):
        for kinds in (("packing_house",), ("exporter", "farm")):
            found: Enterprise | None = candidates.filter(kind__in=kinds).first()
            if found is not None:
                return found
        anyone: Enterprise | None = candidates.first()
        if anyone is not None:
            return anyone
    return None


def register(
    enterprises: list[EnterpriseSpec], bases: list[BaseSpec], *, actor: Any, since: dt.date
) -> tuple[list[Firm], list[tuple[int, str, list[tuple[int, str]]]]]:
    """The bases with their plots and the enterprises' crates and packing houses (registered when
    missing). Returns the firms and, per base, (pk, registration number, [(plot pk, place)])."""
    units = {u.code: u for u in OrgUnit.objects.filter(code__in={c[0] for c in COUNTIES})}
    existing = {
        b.registration_number: b
        for b in PlantingBase.objects.filter(registration_number__in=[b.number for b in bases])
    }
    firms: dict[int, Enterprise] = {}
    for place in bases:  # an enterprise is the one of its first base, once registered
        found = existing.get(place.number)
        if found is not None:
            firms.setdefault(place.enterprise, found.enterprise)
    for spec in enterprises:
        if spec.index not in firms:
            owner = Crate.objects.filter(grai__startswith=_grai_prefix(spec)).first()
            if owner is not None:
                firms[spec.index] = owner.enterprise
    used = {e.pk for e in firms.values()}
    registered_at = dt.datetime.combine(since, dt.time(9), LOCAL)
    for spec in enterprises:
        if spec.index not in firms:
            enterprise = _enterprise(units.get(spec.unit), used)
            if enterprise is None:
                raise RuntimeError("vegetables at bureau scale need enterprises (seed master data first)")
            used.add(enterprise.pk)
            firms[spec.index] = enterprise
    rows = []
    for place in bases:
        base = existing.get(place.number)
        county = COUNTIES[place.county]
        if base is None:
            with _clock(registered_at - dt.timedelta(days=30 + 3 * place.index)):
                base = services.base_register(
                    actor=actor,
                    registration_number=place.number,
                    name_zh=f"{county[2]}供港蔬菜种植基地{place.number[-3:]}",
                    name_en=f"HK vegetable base {place.number}",
                    enterprise_id=firms[place.enterprise].pk,
                    org_unit_id=units[county[0]].pk if county[0] in units else None,
                    area_ha=Decimal(sum(p[2] for p in place.plots) + 5),
                    registered_on=timezone.localdate(),
                    address=f"广东省{county[2]}",
                    latitude=Decimal(f"{place.latitude:.6f}"),
                    longitude=Decimal(f"{place.longitude:.6f}"),
                )
        have = {p.code: p for p in Plot.objects.filter(base=base).select_related("location")}
        plots = []
        for n, (code, crop, area) in enumerate(place.plots):
            plot = have.get(code)
            if plot is None:
                with _clock(registered_at - dt.timedelta(days=20)):
                    plot = services.plot_add(
                        actor=actor,
                        base_id=base.pk,
                        code=code,
                        crop=CROPS[crop][0],
                        area_ha=Decimal(area),
                        latitude=Decimal(f"{place.latitude + 0.003 * (n + 1):.6f}"),
                        longitude=Decimal(f"{place.longitude - 0.002 * (n + 1):.6f}"),
                    )
            plots.append((plot.pk, plot.location.uri))
        rows.append((base.pk, base.registration_number, plots))
    found_firms = []
    for spec in enterprises:
        enterprise = firms[spec.index]
        grais = services.grai_range(
            company_prefix=spec.prefix, asset_type=GRAI_ASSET, first_serial=100001, count=spec.crates
        )
        mine = Crate.objects.filter(grai__startswith=_grai_prefix(spec))
        have_grais = set(mine.values_list("grai", flat=True))
        wanted = [g for g in grais if g not in have_grais]
        with _clock(registered_at - dt.timedelta(days=10)):
            for start in range(0, len(wanted), MAX_CRATES_PER_REGISTRATION):
                services.crate_register(
                    actor=actor,
                    enterprise_id=enterprise.pk,
                    grais=wanted[start : start + MAX_CRATES_PER_REGISTRATION],
                )
            home = services.packhouse(enterprise)
        if home.latitude is None:
            first = next(b for b in bases if b.enterprise == spec.index)
            home = trace_services.location_save(
                actor=actor,
                uri=home.uri,
                name=home.name,
                kind=LocationKind.PACKHOUSE,
                latitude=Decimal(f"{first.latitude - 0.02:.6f}"),
                longitude=Decimal(f"{first.longitude + 0.02:.6f}"),
            )
        crates = list(mine.order_by("grai").values_list("pk", "epc", "grai"))
        found_firms.append(
            Firm(enterprise.pk, enterprise.uscc, enterprise.org_unit_id, (home.pk, home.uri), crates)
        )
    return found_firms, rows


# --- The generator ----------------------------------------------------------------------------------

# A crate on a trip: (crate pk, identifier, GRAI), lot pk, lot class, kg, lot number.
Line = tuple[tuple[int, str, str], int, str, Decimal, str]
LOT_ROWS = bulkseed.table(HarvestLot)
SHIPMENT_ROWS = bulkseed.table(Shipment)
LINE_ROWS = bulkseed.table(
    ShipmentCrate,
    [f.attname for f in ShipmentCrate._meta.concrete_fields if f.attname != "id"],
    ids=False,
)
ALERT_ROWS = bulkseed.table(SupervisionAlert)
# The order rows are written in (parents first).
ORDER: tuple[bulkseed.Table, ...] = (bulkseed.EPCS, LOT_ROWS, SHIPMENT_ROWS, LINE_ROWS, bulkseed.EVENTS)
ORDER += (bulkseed.EVENT_EPCS, bulkseed.REFERENCES, ALERT_ROWS)


def _row(spec: bulkseed.Table, values: Mapping[str, Any]) -> tuple[Any, ...]:
    """A row of ``spec`` from its values by column (every column named, none left over)."""
    if len(values) != len(spec.columns):
        raise ValueError(f"{spec.name}: {sorted(set(values) ^ set(spec.columns))}")
    return tuple(values[column] for column in spec.columns)


@dataclass
class Places:
    gate: tuple[int, str, str]  # pk, uri, name
    market: tuple[int, str]
    port: tuple[int, int]  # pk, its office
    system_id: int
    inspector_id: int


class Generator:
    """Makes the trips' rows chunk by chunk (in a forked process: no database access here)."""

    def __init__(
        self,
        *,
        plans: list[TripPlan],
        firms: list[Firm],
        bases: list[tuple[int, str, list[tuple[int, str]]]],
        specs: list[BaseSpec],
        products: dict[str, int],
        trucks: list[tuple[str, str, str, str]],
        places: Places,
        events: bulkseed.Events,
        ids: dict[str, int],
        serials: dict[str, int],
        vendor: str,
    ) -> None:
        self.plans, self.firms, self.bases, self.specs = plans, firms, bases, specs
        self.products, self.trucks, self.places, self.ev = products, trucks, places, events
        self.a = bulkseed.Adapter(vendor)
        self.shipment_id = ids[Shipment._meta.db_table]
        self.lot_id = ids[HarvestLot._meta.db_table]
        self.alert_id = ids[SupervisionAlert._meta.db_table]
        self.serials = dict(serials)  # counter name → last serial used

    def chunks(self, size: int = CHUNK_SHIPMENTS) -> Iterator[bulkseed.Chunk]:
        for start in range(0, len(self.plans), size):
            chunk = bulkseed.Chunk(rows={spec: [] for spec in ORDER})
            self.ev.start_chunk()
            for plan in self.plans[start : start + size]:
                self.trip(chunk, plan)
            chunk.counters = dict(self.serials)
            yield chunk

    # helpers
    def _next(self, name: str) -> int:
        self.serials[name] = value = self.serials.get(name, 0) + 1
        return value

    def _add(
        self, chunk: bulkseed.Chunk, rng: random.Random, event: dict[str, Any], delay: float = 2.0
    ) -> tuple[int, str]:
        """Store an event; returns its row id and its public ID (the eventID, drawn from the trip's
        generator where the services draw uuid4, or the hash URI for a device's read)."""
        if "eventID" in event:
            event["eventID"] = f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
        pk = self.ev.add(chunk, event, namespaces=epcis.NAMESPACES, delay=delay)
        public = (
            event.get("eventID")
            or f"ni:///sha-256;{bytes(chunk.rows[bulkseed.EVENTS][-1][1]).hex()}?ver=CBV2.0"
        )
        return pk, public

    @staticmethod
    def _at(day: dt.date, rng: random.Random, start: float, end: float) -> dt.datetime:
        seconds = rng.randrange(int(start * 3600), int(end * 3600))
        micro = rng.randrange(1_000_000)
        return dt.datetime.combine(day, dt.time(), LOCAL) + dt.timedelta(seconds=seconds, microseconds=micro)

    def _alert(
        self,
        chunk: bulkseed.Chunk,
        *,
        key: str,
        kind: str,
        severity: str,
        title: str,
        subject: str,
        declaration: str,
        blocking: bool,
        details: dict[str, Any],
        event_pk: int | None,
        raised: dt.datetime,
        resolved: dt.datetime,
        resolution: str,
    ) -> None:
        a = self.a
        chunk.rows[ALERT_ROWS].append(
            _row(
                ALERT_ROWS,
                {
                    "id": self.alert_id,
                    "created_at": a.time(raised),
                    "updated_at": a.time(resolved),
                    "status": AlertStatus.RESOLVED.value,
                    "key": key,
                    "kind": kind,
                    "severity": severity,
                    "title": title[:300],
                    "subject": subject,
                    "declaration_number": declaration,
                    "blocking": blocking,
                    "details": a.json(details),
                    "event_id": event_pk,
                    "org_unit_id": self.places.port[1],
                    "raised_at": a.time(raised),
                    "handled_by_id": self.places.inspector_id,
                    "resolved_at": a.time(resolved),
                    "resolution": resolution,
                },
            )
        )
        self.alert_id += 1

    def trip(self, chunk: bulkseed.Chunk, plan: TripPlan) -> None:
        rng, a, rows, places = random.Random(plan.seed), self.a, chunk.rows, self.places
        firm = self.firms[plan.enterprise]
        plate, truck, seal_id, seal = self.trucks[plan.truck]
        packhouse_pk, packhouse = firm.packhouse
        gate_pk, gate_uri, gate_name = places.gate
        add = self._add
        year = plan.day.year
        shipment_pk = self.shipment_id
        self.shipment_id += 1
        number = f"VS{year}{self._next(f'vegetables.shipment.{year}'):06d}"
        declaration = f"{DECLARATION_PREFIX}{year}{plan.index + 1:08d}"
        # The lots: harvested this morning, each packed whole into the trip's crates.
        created = self._at(plan.day, rng, 10, 12)
        crates = [firm.crates[n] for n in plan.crates]
        lines: list[Line] = []
        n = 0
        for base_index, plot_index, size in plan.lots:
            base_pk, registration, plots = self.bases[base_index]
            plot_pk, plot_uri = plots[plot_index]
            spec_plot = self.specs[base_index].plots[plot_index]
            _crop, hs, kgs, _weight = CROPS[spec_plot[1]]
            lot_pk = self.lot_id
            self.lot_id += 1
            lot_number = f"VL{year}{self._next(f'vegetables.lot.{year}'):06d}"
            lot_class = epcis.lot_class(lot_number)
            kg_each = [Decimal(rng.choice(kgs)) for _n in range(size)]
            total = sum(kg_each, Decimal(0))
            pesticide, interval = demo.PESTICIDES[rng.randrange(len(demo.PESTICIDES))]
            applied = plan.day - dt.timedelta(days=interval + rng.randint(1, 10))
            harvested = self._at(plan.day, rng, 5, 9.5)
            ilmd = {
                "plantingBase": registration,
                "plot": spec_plot[0],
                "product": hs,
                "harvestDate": plan.day.isoformat(),
                "pesticide": pesticide,
                "lastPesticideDate": applied.isoformat(),
                "preHarvestIntervalDays": interval,
            }
            base_uri = epcis.base_uri(registration)
            _pk, lot_event = add(
                chunk,
                rng,
                epcis.commissioning(
                    lot=lot_class,
                    number=lot_number,
                    kg=total,
                    when=harvested,
                    plot=plot_uri,
                    base=base_uri,
                    ilmd=ilmd,
                ),
            )
            rows[LOT_ROWS].append(
                _row(
                    LOT_ROWS,
                    {
                        "id": lot_pk, "created_at": a.time(harvested), "updated_at": a.time(harvested),
                        "number": lot_number, "base_id": base_pk, "plot_id": plot_pk, "product_id": self.products[hs],
                        "harvest_date": a.date(plan.day), "quantity_kg": total, "pesticide": pesticide,
                        "last_pesticide_date": a.date(applied), "pre_harvest_interval_days": interval, "gtin": "",
                        "epc_class": lot_class, "commissioning_event_id": lot_event,
                    },
                )
            )  # fmt: skip
            for kg in kg_each:
                lines.append((crates[n], lot_pk, lot_class, kg, lot_number))
                n += 1
        # Packing, loading, sealing at the packing house.
        moment = created + dt.timedelta(seconds=rng.randint(300, 900))
        line_rows: list[dict[str, Any]] = []
        for crate, lot_pk, lot_class, kg, _lot in lines:
            moment += dt.timedelta(seconds=rng.uniform(20, 60))
            _pk, packing_id = add(
                chunk,
                rng,
                epcis.packing(
                    crate=crate[1], lot=lot_class, kg=kg, when=moment, packhouse=packhouse, shipment=number
                ),
            )
            line_rows.append(
                {
                    "shipment_id": shipment_pk, "crate_id": crate[0], "lot_id": lot_pk, "quantity_kg": kg,
                    "packed_at": a.time(moment), "packing_event_id": packing_id, "loaded_at": None,
                    "read_at_gate": None, "received": None,
                }
            )  # fmt: skip
        identifiers = [crate[1] for crate, *_rest in lines]
        loaded = moment + dt.timedelta(seconds=rng.randint(300, 1200))
        add(
            chunk,
            rng,
            epcis.loading(
                truck=truck,
                crates=identifiers,
                when=loaded,
                packhouse=packhouse,
                shipment=number,
                declaration=declaration,
            ),
        )
        sealed = loaded + dt.timedelta(seconds=rng.randint(600, 1800))
        for event in epcis.seal_applied(
            truck=truck, seal=seal, when=sealed, packhouse=packhouse, shipment=number, declaration=declaration
        ):
            add(chunk, rng, event)
        # The border gate: the device's read, then the gate's comparison.
        arrived = sealed + dt.timedelta(seconds=rng.randint(90 * 60, 210 * 60))
        read = list(identifiers)
        missing_count = 0
        if plan.outcome == "missing":
            missing_count = 1 if rng.random() < 0.8 else 2
            for index in sorted(rng.sample(range(len(read)), missing_count), reverse=True):
                read.pop(index)
        extra_crate = firm.crates[plan.extra] if plan.extra is not None else None
        if extra_crate is not None:
            read.append(extra_crate[1])
        seal_status = "intact"
        if plan.outcome == "seal_reported":
            seal_status = "tampered" if plan.rejected else "opened"
        device: dict[str, Any] = {
            "@context": [dict(epcis.NAMESPACES)],
            "type": "ObjectEvent",
            "eventTime": epcis.local_time(arrived),
            "eventTimeZoneOffset": epcis.OFFSET,
            "action": "OBSERVE",
            "epcList": [truck, *([] if plan.outcome == "seal_not_read" else [seal]), *read],
            "bizStep": "arriving",
            "readPoint": {"id": gate_uri},
        }
        if plan.outcome != "seal_not_read":
            device["ociq:sealStatus"] = seal_status
        read_pk, read_id = add(chunk, rng, device, delay=0.5)
        gate_read = sorted(set(device["epcList"]))
        declared = {crate[1]: lot for crate, _pk, _class, _kg, lot in lines}
        result = gate.compare(
            declared=declared,
            read=gate_read,
            seal=seal,
            seal_reported=device.get("ociq:sealStatus", ""),
            known_crates=set(declared) | ({extra_crate[1]} if extra_crate else set()),
        )
        labels = {crate[1]: crate[2] for crate, *_rest in lines}
        if extra_crate is not None:
            labels[extra_crate[1]] = extra_crate[2]
        gate_result = {
            **result.as_dict(),
            "labels": {u: labels[u] for u in [*result.missing, *result.extra] if u in labels},
        }
        for values in line_rows:
            values["loaded_at"] = a.time(loaded)
        for values, (crate, *_rest) in zip(line_rows, lines, strict=True):
            values["read_at_gate"] = crate[1] in gate_read
        decided = arrived + dt.timedelta(seconds=rng.uniform(0.2, 1.2))
        step_ids = [truck, seal, *identifiers]
        shipment: dict[str, Any] = {
            "id": shipment_pk, "created_at": a.time(created), "status": "", "number": number,
            "enterprise_id": firm.pk, "org_unit_id": firm.org_unit_id, "port_id": places.port[0],
            "packhouse_id": packhouse_pk, "declaration_number": declaration, "truck_plate": plate, "truck_epc": truck,
            "seal_id": seal_id, "seal_epc": seal, "loaded_at": a.time(loaded), "sealed_at": a.time(sealed),
            "gate_id": gate_pk, "gate_arrived_at": a.time(arrived), "gate_read": a.json(gate_read),
            "gate_result": a.json(gate_result), "gate_event_id": read_id, "held_at": None, "held_reason": "",
            "released_at": None, "decided_by_id": places.system_id, "decision_note": "", "received_at": None,
            "receipt_location_id": None, "receipt_note": "",
        }  # fmt: skip
        released: dt.datetime | None = None
        if result.match:
            released = decided
            shipment["decision_note"] = _(
                "Released electronically at the gate: %(count)d crate(s) and the seal as declared."
            ) % {"count": len(lines)}
            add(
                chunk,
                rng,
                epcis.at_gate(
                    identifiers_=step_ids, when=decided, gate=gate_uri, biz_step="departing",
                    disposition="in_transit", shipment=number, declaration=declaration,
                ),
            )  # fmt: skip
        else:
            reason = gate.describe({**result.as_dict(), "labels": labels})
            shipment.update(held_at=a.time(decided), held_reason=reason)
            disposition = (
                "mismatch_instance"
                if not result.crates_match or result.seal in (SealFinding.NOT_READ, SealFinding.OTHER_SEAL)
                else "container_open"
            )
            add(
                chunk,
                rng,
                epcis.at_gate(
                    identifiers_=step_ids, when=decided, gate=gate_uri, biz_step="holding",
                    disposition=disposition, shipment=number, declaration=declaration,
                    fields={"holdReason": reason},
                ),
            )  # fmt: skip
            taken = decided + dt.timedelta(minutes=rng.randint(5, 30))
            inspected = taken + dt.timedelta(minutes=rng.randint(25, 150))
            note = {
                "missing": REJECTED_MISSING_NOTE if plan.rejected else RELEASED_MISSING,
                "extra": RELEASED_EXTRA,
                "seal_not_read": RELEASED_SEAL_NOT_READ,
                "seal_reported": REJECTED_SEAL if plan.rejected else RELEASED_SEAL_REPORTED,
            }[plan.outcome]
            details = {
                "flow": "vegetables", "shipment": number, "shipment_id": shipment_pk, "truck": plate,
                "gate": gate_name, **gate_result,
            }  # fmt: skip
            common: dict[str, Any] = {
                "subject": truck, "declaration": declaration, "blocking": True, "details": details,
                "event_pk": read_pk, "raised": decided, "resolved": inspected,
                "resolution": note, "severity": AlertSeverity.HIGH.value,
            }  # fmt: skip
            if not result.crates_match:
                title = _(
                    "Truck %(plate)s held at the gate (declaration %(declaration)s): %(missing)d crate(s) missing, %(extra)d undeclared"
                ) % {
                    "plate": plate,
                    "declaration": declaration,
                    "missing": len(result.missing),
                    "extra": len(result.extra),
                }
                self._alert(
                    chunk,
                    key=f"vegetables:{number}:crates",
                    kind=AlertKind.GATE_MISMATCH.value,
                    title=title,
                    **common,
                )
            if result.seal != SealFinding.INTACT:
                title = (
                    _("Truck %(plate)s is held at the gate (declaration %(declaration)s).")
                    % {"plate": plate, "declaration": declaration}
                    + " "
                    + gate.seal_sentence(result.seal)
                )
                self._alert(
                    chunk,
                    key=f"vegetables:{number}:seal",
                    kind=AlertKind.SEAL_MISMATCH.value,
                    title=title,
                    **common,
                )
            shipment.update(decided_by_id=places.inspector_id, decision_note=note)
            add(
                chunk,
                rng,
                epcis.at_gate(
                    identifiers_=step_ids, when=inspected, gate=gate_uri, biz_step="inspecting",
                    disposition="non_conformant" if plan.rejected else "conformant", shipment=number,
                    declaration=declaration,
                ),
            )  # fmt: skip
            if plan.rejected:
                self._closing(
                    chunk, rng, truck=truck, seal=seal, lines=lines, place=packhouse, number=number,
                    declaration=declaration, when=inspected + dt.timedelta(microseconds=1), disposition="returned",
                )  # fmt: skip
                shipment.update(status=ShipmentStatus.REJECTED.value, status_changed_at=a.time(inspected))
                shipment["updated_at"] = a.time(inspected)
            else:
                released = inspected
                add(
                    chunk,
                    rng,
                    epcis.at_gate(
                        identifiers_=step_ids, when=inspected + dt.timedelta(microseconds=1), gate=gate_uri,
                        biz_step="departing", disposition="in_transit", shipment=number, declaration=declaration,
                    ),
                )  # fmt: skip
        if released is not None:
            # The Hong Kong receipt at the market, the crates read on arrival.
            received = released + dt.timedelta(seconds=rng.randint(40 * 60, 120 * 60))
            market_pk, market = places.market
            add(
                chunk,
                rng,
                epcis.receiving(
                    truck=truck,
                    seal=seal,
                    when=received,
                    place=market,
                    shipment=number,
                    declaration=declaration,
                ),
            )
            self._closing(
                chunk, rng, truck=truck, seal=seal, lines=lines, place=market, number=number,
                declaration=declaration, when=received + dt.timedelta(microseconds=1), disposition="",
            )  # fmt: skip
            lost = lines[rng.randrange(len(lines))][0] if plan.receipt_missing else None
            for values, (crate, *_rest) in zip(line_rows, lines, strict=True):
                values["received"] = crate is not lost
            if lost is not None:
                title = _("Shipment %(number)s: %(count)d crate(s) not read on receipt in Hong Kong") % {
                    "number": number,
                    "count": 1,
                }
                self._alert(
                    chunk,
                    key=f"vegetables:{number}:receipt",
                    kind=AlertKind.RECEIPT_MISMATCH.value,
                    severity=AlertSeverity.MEDIUM.value,
                    title=title,
                    subject=truck,
                    declaration=declaration,
                    blocking=False,
                    details={
                        "flow": "vegetables",
                        "shipment": number,
                        "shipment_id": shipment_pk,
                        "missing": [lost[2]],
                    },
                    event_pk=None,
                    raised=received,
                    resolved=received + dt.timedelta(minutes=rng.uniform(30, 100)),
                    resolution=RECEIPT_RESOLVED,
                )
            shipment.update(
                status=ShipmentStatus.RECEIVED.value,
                status_changed_at=a.time(received),
                updated_at=a.time(received),
                released_at=a.time(released),
                received_at=a.time(received),
                receipt_location_id=market_pk,
                receipt_note=RECEIPT_NOTE,
            )
        rows[SHIPMENT_ROWS].append(_row(SHIPMENT_ROWS, shipment))
        rows[LINE_ROWS].extend(_row(LINE_ROWS, values) for values in line_rows)
        chunk.units += 1

    def _closing(
        self,
        chunk: bulkseed.Chunk,
        rng: random.Random,
        *,
        truck: str,
        seal: str,
        lines: list[Line],
        place: str,
        number: str,
        declaration: str,
        when: dt.datetime,
        disposition: str,
    ) -> None:
        """The end of a trip (the services' ``_closing_events``): the seal off, the crates
        unloaded and emptied."""
        self._add(
            chunk, rng, epcis.seal_removed(truck=truck, seal=seal, when=when, place=place, shipment=number)
        )
        self._add(
            chunk,
            rng,
            epcis.unloading(
                truck=truck, crates=[line[0][1] for line in lines], when=when, place=place, shipment=number,
                declaration=declaration, disposition=disposition,
            ),
        )  # fmt: skip
        for crate, _lot_pk, lot_class, kg, _lot in lines:
            self._add(
                chunk,
                rng,
                epcis.unpacking(
                    crate=crate[1], lot=lot_class, kg=kg, when=when, place=place, shipment=number,
                    disposition=disposition,
                ),
            )  # fmt: skip


# --- The seeder ------------------------------------------------------------------------------------


def _trucks(rng: random.Random, count: int) -> list[tuple[str, str, str, str]]:
    """(plate, identifier, seal ID, seal identifier): cross-border plates, each truck with its
    reusable e-seal."""
    numbers = sorted(rng.sample(range(len(PLATE_LETTERS) * 1000), count))
    found = []
    for n in numbers:
        plate = f"粤Z{PLATE_LETTERS[n // 1000]}{n % 1000:03d}港"
        seal_id = f"ZJ02-{10_000_000 + n * 37:08d}"
        found.append((plate, epcis.truck_uri(plate), seal_id, epcis.seal_uri(seal_id)))
    return found


def _places(rng: random.Random, actor: Any) -> Places | None:
    """The Wenjindu port and its vegetable gate, the Hong Kong market, the port inspector (the
    demo's, made when missing)."""
    port = demo._wenjindu(actor)
    if port is None:
        return None
    helper = demo._Demo(rng=rng, actor=actor)
    gate_place = Location.objects.filter(uri=demo.GATE[0]).first()
    if gate_place is None:
        parent = helper._place(*demo.PORT_PLACE, LocationKind.PORT)
        gate_place = helper._place(*demo.GATE, LocationKind.GATE, parent=parent.uri)
    market = Location.objects.filter(uri=demo.MARKET[0]).first() or helper._place(
        *demo.MARKET, LocationKind.MARKET
    )
    inspector = helper._person("inspector_wjd")
    return Places(
        gate=(gate_place.pk, gate_place.uri, gate_place.name),
        market=(market.pk, market.uri),
        port=(port.pk, port.org_unit_id),
        system_id=actor.pk,
        inspector_id=inspector.pk,
    )


def seed_bureau(
    *,
    rng: random.Random,
    actor: Any,
    enterprises: int = BUREAU["enterprises"],
    bases: int = BUREAU["bases"],
    crates: int = BUREAU["crates"],
    trucks: int = BUREAU["trucks"],
    shipments: int = BUREAU["shipments"],
    years: int = BUREAU["years"],
    until: dt.date | None = None,
    rates: Mapping[str, float] | None = None,
    chunk_shipments: int = CHUNK_SHIPMENTS,
    fork: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The vegetable traffic of the plan (bureau figures by default; tests make a small one).
    Returns what was made (empty: nothing to do, or the port or the products are missing). A plan
    that cannot be made is refused (``ValueError``) before anything is written."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    until = min(until or yesterday, yesterday)
    first = until.replace(year=until.year - years) + dt.timedelta(days=1)
    shares = {**RATES, **(rates or {})}
    firm_specs, base_specs = world_specs(rng, enterprises=enterprises, bases=bases, crates=crates)
    plans = plan_trips(
        rng, firm_specs, base_specs, trips=shipments, trucks=trucks, first=first, until=until, rates=shares
    )
    fleet = _trucks(rng, trucks)
    done = Shipment.objects.filter(declaration_number__startswith=DECLARATION_PREFIX).count()
    if done >= len(plans):
        return {}
    products = dict(
        Product.objects.filter(hs_code__in={c[1] for c in CROPS}, is_active=True)
        .order_by("hs_code", "id")
        .values_list("hs_code", "pk")
    )
    if set(products) != {c[1] for c in CROPS}:
        return {}
    started = time.monotonic()
    with translation.override(settings.LANGUAGE_CODE):
        places = _places(random.Random(rng.random()), actor)
        if places is None:
            return {}
        firms, base_rows = register(firm_specs, base_specs, actor=actor, since=first)
        known = dict(
            Epc.objects.filter(uri__in=[c[1] for f in firms for c in f.crates]).values_list("uri", "pk")
        )
        known.update(capture.intern_epcs([t[1] for t in fleet] + [t[3] for t in fleet]))
        uris = [places.gate[1], places.market[1]] + [f.packhouse[1] for f in firms]
        uris += [epcis.base_uri(b[1]) for b in base_rows] + [p[1] for b in base_rows for p in b[2]]
        locations = dict(Location.objects.filter(uri__in=uris).values_list("uri", "pk"))
        planned = {
            "enterprises": len(firms),
            "bases": len(base_rows),
            "plots": sum(len(b[2]) for b in base_rows),
            "crates": sum(len(f.crates) for f in firms),
            "trucks": len(fleet),
            "shipments": len(plans) - done,
            "period": f"{first}/{until}",
        }
        job = bulkseed.open_run(actor, "vegetables.bureau_seeded", planned)
        ids = bulkseed.next_ids(Event, Epc, Shipment, HarvestLot, SupervisionAlert)
        names = [
            f"vegetables.{kind}.{y}" for kind in ("shipment", "lot") for y in {p.day.year for p in plans}
        ]
        serials = dict(Counter.objects.filter(name__in=names).values_list("name", "value"))
        generator = Generator(
            plans=plans[done:],
            firms=firms,
            bases=base_rows,
            specs=base_specs,
            products=products,
            trucks=fleet,
            places=places,
            events=bulkseed.Events.for_run(job.pk, ids, locations=locations, known=known),
            ids=ids,
            serials=serials,
            vendor=connection.vendor,
        )
        made = bulkseed.load(
            lambda: generator.chunks(chunk_shipments),
            job_id=job.pk,
            flow="vegetables",
            unit="shipments",
            total=len(plans),
            done=done,
            started=started,
            fork=fork,
            progress=progress,
        )
    bulkseed.vacuum_analyze([spec.name for spec in ORDER] + ["trace_capturejob"])
    summary = {**planned, **made, "seconds": round(time.monotonic() - started)}
    if progress:
        progress(f"  vegetables seeded: {summary} · peak RSS {bulkseed.peak_rss_mb():,.0f} MB")
    return summary
