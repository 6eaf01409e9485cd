"""Live pigs to Hong Kong at the bureau's scale (``openciq seed --scale bureau``), streamed.

The world: 93 registered farms in Guangdong's pig counties (the demo's four among them), each
with its enterprise, supervising office, place and loading channel (registered through the
services, with two ear-tag ranges each: the tags in use and the replacement stock), and 68,233
loading batches over the five years up to yesterday, 2,730,000 pigs in all. Batches follow the
season: Hong Kong eats more pork in the weeks before Chinese New Year (+70 %), less in the week
after it (-50 %) and in summer; big farms load more often than small ones.

A batch is a cohort of about 40 pigs of one farm, born 160-185 days before loading. Each pig has
(as the services would have recorded it, event for event: ``pigs/epcis.py``'s shapes):

- tagging: commissioning of its ISO 11784 tag (ILMD: farm, 畜禽标识 number, breed, sex, birth)
  and the tag's association with the pig's lifetime identifier;
- eight vaccinations on the Chinese schedule (CSF twice, FMD twice, PRRS, pseudorabies, PCV2,
  mycoplasma), each recorded for the pig (``Treatment`` + its event: the vet scans the tag);
- 12 % of pigs one medication (florfenicol, 28-day withdrawal, over well before loading);
- 0.8 % a lost, damaged or unreadable tag replaced (removing, commissioning, installing);
- 1.5 % die on the farm (destroying; their tags recovered) and are never loaded;
- the loading channel's read as the pig walks through (a reader's ObjectEvent, one tag).

A batch then has its reconciliation (inspecting, ``conformant``), the release (AggregationEvent
ADD loading, parent = the truck, ``cert`` = the export declaration) and the Hong Kong receipt
(receiving + unloading at the Sheung Shui slaughterhouse). Exceptions, as the services leave
them: 0.3 % of batches have a pig the channel missed on the first pass (mismatch, a
``loading_mismatch`` alert, a second pass, reconciled; the alert resolved), 0.2 % a stray tag
read (mismatch with an extra tag, ``mismatch_instance``, the alert resolved and the batch
released), 0.3 % a pig not read on receipt (a ``receipt_mismatch`` alert, resolved; the pig
stays in transit). About 11.2 events a pig: about 30.6 million events.

Rows: ``LoadingBatch`` (received, with the reconciliation and receipt results and its eventIDs),
``BatchAnimal``, ``ChannelRead``, ``Animal`` (received, dead or in transit; withdrawal ends),
``EarTag``, ``Treatment`` with its pig, ``SupervisionAlert`` (resolved), and the events with
their identifiers and references, all in one capture job (source ``seed``). Batch numbers follow
the services' ``LB<year><serial>`` counters, which are advanced.

Reproducible from the seed number: the plan (days, farms, cohort sizes) comes from the seeder's
generator, each batch from its own generator seeded by the plan, and every eventID is drawn from
those. A second run finds the batches of the first (by their declaration numbers) and makes only
what is missing: nothing when the first finished.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openciq.accounts.models import OrgUnit
from openciq.core.models import Counter
from openciq.masterdata.models import Enterprise
from openciq.trace import bulkseed, capture, identifiers
from openciq.trace.choices import AlertKind, AlertSeverity, AlertStatus
from openciq.trace.models import Epc, Event, Location, SupervisionAlert
from openciq.trace.pigs import epcis, loading, services
from openciq.trace.pigs import seed as demo
from openciq.trace.pigs.choices import (
    REPLACED_TAG_STATUS,
    AnimalStatus,
    BatchStatus,
    ReplaceReason,
    TagStatus,
    Traceability,
)
from openciq.trace.pigs.models import (
    Animal,
    BatchAnimal,
    ChannelRead,
    EarTag,
    Farm,
    LoadingBatch,
    TagRange,
    Treatment,
)

BUREAU = {"farms": 93, "batches": 68_233, "pigs": 2_730_000, "years": 5}
CHUNK_BATCHES = 50  # batches per transaction (about 22,000 events)
DECLARATION_PREFIX = "440000"  # export declarations of the seeded history: 440000<year><serial>
TAG_BASE = 1_000_000_000  # national IDs of the bureau's ranges: 156 001xxxxxxxxx
TAG_BLOCK = 10_000_000  # per farm
SPARE = 5_000_000  # replacement and stray tags: the farm's second range starts here
DEATH, MEDICATED, REPLACED = 0.015, 0.12, 0.008
MISSED_IN_CHANNEL, STRAY_TAG, MISSED_IN_HK = 0.003, 0.002, 0.003
TRUCKS = 300
MIN_COHORT, MAX_COHORT = 20, 60  # pigs a batch declares (dead ones of the cohort included)
LOCAL = epcis.LOCAL
# (office, county code, county, latitude, longitude): Guangdong's pig counties.
COUNTIES = (
    ("GZ", "440183", "增城", 23.29, 113.81),
    ("GZ", "440184", "从化", 23.55, 113.59),
    ("HZ", "441322", "博罗", 23.17, 114.29),
    ("HZ", "441323", "惠东", 22.98, 114.72),
    ("HZ", "441324", "龙门", 23.73, 114.25),
    ("QY", "441821", "佛冈", 23.88, 113.53),
    ("QY", "441823", "阳山", 24.47, 112.64),
    ("QY", "441881", "英德", 24.19, 113.41),
    ("QY", "441882", "连州", 24.78, 112.38),
    ("HY", "441625", "东源", 23.79, 114.75),
    ("HY", "441621", "紫金", 23.64, 115.18),
    ("HY", "441622", "龙川", 24.10, 115.26),
    ("HY", "441623", "连平", 24.37, 114.49),
    ("HY", "441624", "和平", 24.44, 114.94),
    ("SG", "440229", "翁源", 24.35, 114.13),
    ("SG", "440232", "乳源", 24.78, 113.28),
    ("SG", "440233", "新丰", 24.06, 114.21),
    ("SG", "440281", "乐昌", 25.13, 113.35),
    ("ZQ", "441223", "广宁", 23.63, 112.44),
    ("ZQ", "441224", "怀集", 23.91, 112.18),
    ("ZQ", "441225", "封开", 23.42, 111.51),
    ("ZQ", "441226", "德庆", 23.14, 111.79),
    ("MZ", "441422", "大埔", 24.35, 116.70),
    ("MZ", "441424", "五华", 23.93, 115.78),
    ("MZ", "441426", "平远", 24.57, 115.89),
    ("MZ", "441481", "兴宁", 24.14, 115.73),
    ("YF", "445321", "新兴", 22.70, 112.23),
    ("YF", "445322", "郁南", 23.23, 111.54),
    ("YF", "445381", "罗定", 22.77, 111.57),
    ("MM", "440981", "高州", 21.92, 110.85),
    ("MM", "440982", "化州", 21.66, 110.64),
    ("MM", "440983", "信宜", 22.35, 110.95),
    ("ZJ", "440823", "遂溪", 21.38, 110.25),
    ("ZJ", "440881", "廉江", 21.61, 110.29),
    ("JM", "440781", "台山", 22.25, 112.79),
    ("JM", "440783", "开平", 22.38, 112.70),
    ("JM", "440785", "恩平", 22.18, 112.31),
    ("YJ", "441721", "阳西", 21.75, 111.62),
    ("YJ", "441781", "阳春", 22.17, 111.79),
    ("SW", "441523", "陆河", 23.30, 115.66),
    ("SW", "441581", "陆丰", 22.95, 115.64),
    ("JY", "445222", "揭西", 23.43, 115.84),
    ("JY", "445224", "惠来", 23.03, 116.30),
    ("CZ", "445122", "饶平", 23.66, 117.00),
)
# (product, batch code prefix, day of life, dose, route)
VACCINES = (
    ("猪圆环病毒2型灭活疫苗 PCV2 vaccine, inactivated", "PCV", 21, "1 ml", "intramuscular"),
    ("猪支原体肺炎灭活疫苗 Mycoplasma hyopneumoniae vaccine", "MHP", 28, "2 ml", "intramuscular"),
    ("猪瘟活疫苗（传代细胞源） Classical swine fever vaccine, live", "CSF", 32, "1 ml", "intramuscular"),
    ("猪繁殖与呼吸综合征活疫苗 PRRS vaccine, live", "PRRS", 40, "2 ml", "intramuscular"),
    ("口蹄疫O型灭活疫苗 FMD type O vaccine, inactivated", "FMD", 50, "2 ml", "intramuscular"),
    ("猪伪狂犬病活疫苗 Pseudorabies vaccine, live", "PRV", 58, "1 ml", "intranasal"),
    ("猪瘟活疫苗（传代细胞源） Classical swine fever vaccine, live", "CSF", 65, "1 ml", "intramuscular"),
    ("口蹄疫O型灭活疫苗 FMD type O vaccine, inactivated", "FMD", 80, "2 ml", "intramuscular"),
)
MEDICINE = ("氟苯尼考注射液 Florfenicol injection 10%", "FFC", "20 mg/kg", "intramuscular", 28)
DEATHS: tuple[tuple[str, str], ...] = (
    ("disease", "猪丹毒 Erysipelas"),
    ("disease", "腹泻 Diarrhoea"),
    ("injury", "咬伤 Bite wounds"),
)
DEATHS += (("culled", "生长不良 Poor growth"), ("unknown", ""))
SEXES = ("castrated", "castrated", "female")


def _cny_days() -> list[dt.date]:
    from openciq.declarations.seed import CNY as DAYS

    return [dt.date.fromisoformat(d) for d in DAYS]


@dataclass(frozen=True)
class FarmSpec:
    index: int
    number: str
    unit: str
    county: str
    county_name: str
    slot: int  # this farm's place among the county's farms (its block of 畜禽标识 serials)
    latitude: float
    longitude: float
    weight: float


@dataclass(frozen=True)
class BatchPlan:
    index: int
    day: dt.date
    farm: int  # index into the farms
    pigs: int  # the cohort (dead ones included)
    first: int  # the farm's pig number of the cohort's first pig
    seed: int


@dataclass
class FarmRow:
    """What the generator needs of a registered farm."""

    pk: int
    number: str
    county: str
    slot: int
    org_unit_id: int
    place: str
    channel: str
    ranges: tuple[int, int]  # TagRange ids: in use, spare
    bases: tuple[int, int]  # their first national IDs


def farm_specs(rng: random.Random, count: int) -> list[FarmSpec]:
    """The registered farms: the demo's four first, then farms spread over the pig counties."""
    specs: list[FarmSpec] = []
    slots: dict[str, int] = {}
    for plan in demo.FARMS[:count]:
        slots[plan.county] = slots.get(plan.county, 0) + 1
        specs.append(
            FarmSpec(
                len(specs),
                plan.number,
                plan.unit,
                plan.county,
                plan.name_zh[:2],
                0,
                float(plan.latitude),
                float(plan.longitude),
                rng.lognormvariate(0, 0.6),
            )
        )
    n = 0
    while len(specs) < count:
        unit, county, name, latitude, longitude = COUNTIES[n % len(COUNTIES)]
        n += 1
        slot = slots.get(county, 0) + 1
        if slot > 8:
            continue
        slots[county] = slot
        specs.append(
            FarmSpec(
                len(specs),
                f"{county[:4]}HKB{len(specs) + 1:03d}",
                unit,
                county,
                name,
                slot,
                round(latitude + rng.uniform(-0.08, 0.08), 6),
                round(longitude + rng.uniform(-0.08, 0.08), 6),
                rng.lognormvariate(0, 0.6),
            )
        )
    return specs


def _day_weights(first: dt.date, days: int) -> list[float]:
    cny = _cny_days()
    weights = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        nearest = min(cny, key=lambda d: abs((d - day).days))
        until = (nearest - day).days
        factor = 1.7 if 0 < until <= 21 else 0.5 if -7 <= until <= 0 else 1.0
        factor *= (1.0, 0.95, 1.0, 1.0, 0.95, 0.85, 0.8, 0.85, 0.95, 1.05, 1.1, 1.15)[day.month - 1]
        weights.append(factor)
    return weights


def plan_batches(
    rng: random.Random, farms: list[FarmSpec], *, batches: int, pigs: int, first: dt.date, until: dt.date
) -> list[BatchPlan]:
    """Days, farms and cohort sizes of ``batches`` batches holding ``pigs`` pigs in all."""
    if batches < 1 or not MIN_COHORT * batches <= pigs <= MAX_COHORT * batches:
        raise ValueError(
            f"pigs: {pigs:,} pigs do not fill {batches:,} batches of {MIN_COHORT}-{MAX_COHORT} pigs each"
        )
    days = (until - first).days + 1
    cumulative, total = [], 0.0
    for weight in _day_weights(first, days):
        total += weight
        cumulative.append(total)
    farm_cumulative, farm_total = [], 0.0
    for spec in farms:
        farm_total += spec.weight
        farm_cumulative.append(farm_total)
    drawn = sorted(
        (
            bisect.bisect(cumulative, rng.random() * total),
            bisect.bisect(farm_cumulative, rng.random() * farm_total),
        )
        for _n in range(batches)
    )
    sizes = [max(MIN_COHORT, min(MAX_COHORT, round(rng.gauss(pigs / batches, 6)))) for _n in range(batches)]
    difference = pigs - sum(sizes)
    step = 1 if difference > 0 else -1
    n = 0
    while difference:  # spread the rounding over the batches, inside the truck's bounds
        i = n % batches
        if MIN_COHORT <= sizes[i] + step <= MAX_COHORT:
            sizes[i] += step
            difference -= step
        n += 1
    counts = [0] * len(farms)
    plans = []
    for index, ((day, farm), size) in enumerate(zip(drawn, sizes, strict=True)):
        plans.append(
            BatchPlan(index, first + dt.timedelta(days=day), farm, size, counts[farm], rng.getrandbits(63))
        )
        counts[farm] += size
    return plans


# --- Registration (through the services) ------------------------------------------------------


@contextmanager
def _clock(moment: dt.datetime) -> Iterator[None]:
    real = timezone.now
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.now = real


def _enterprise(unit: OrgUnit, used: set[int]) -> Enterprise | None:
    rows = Enterprise.objects.filter(org_unit=unit, is_active=True).exclude(pk__in=used).order_by("uscc")
    return rows.filter(kind="farm").first() or rows.first()


def register_farms(
    specs: list[FarmSpec], *, actor: Any, sizes: dict[int, int], since: dt.date
) -> list[FarmRow]:
    """The farms of ``specs`` (registered when missing) with their two ranges, sized for the
    pigs the plan gives them (``sizes``: farm index → pigs)."""
    units = {u.code: u for u in OrgUnit.objects.filter(code__in={s.unit for s in specs} | {"GZ"})}
    fallback = units.get("GZ") or OrgUnit.objects.filter(is_active=True).order_by("code").first()
    existing = {f.registration_number: f for f in Farm.objects.select_related("location", "loading_channel")}
    used = {f.enterprise_id for f in existing.values()}
    issued_at = dt.datetime.combine(since, dt.time(9), LOCAL) - dt.timedelta(days=240)
    rows = []
    for spec in specs:
        farm = existing.get(spec.number)
        unit = units.get(spec.unit, fallback)
        if farm is None:
            enterprise = None
            if unit is not None:
                enterprise = (
                    _enterprise(unit, used)
                    or Enterprise.objects.filter(is_active=True).order_by("uscc").first()
                )
            if enterprise is None or unit is None:
                raise RuntimeError("pigs at bureau scale need the org tree and enterprises (seed them first)")
            used.add(enterprise.pk)
            with _clock(issued_at - dt.timedelta(days=30)):
                farm = services.farm_register(
                    actor=actor,
                    data=services.FarmInput(
                        registration_number=spec.number,
                        name_zh=f"{spec.county_name}供港生猪养殖场{spec.slot or ''}".rstrip(),
                        name_en=f"HK Pig Farm {spec.number}",
                        enterprise_id=enterprise.pk,
                        org_unit_id=unit.pk,
                        county_code=spec.county,
                        address=f"广东省{spec.county_name}",
                        capacity=max(3000, int(round(sizes.get(spec.index, 0) / 10, -3))),
                        latitude=Decimal(f"{spec.latitude:.6f}"),
                        longitude=Decimal(f"{spec.longitude:.6f}"),
                    ),
                )
        base = TAG_BASE + spec.index * TAG_BLOCK
        need = max(1, sizes.get(spec.index, 0))
        ranges = []
        for first, note in ((base, "供港生猪电子耳标（五年）"), (base + SPARE, "供港生猪补标耳标")):
            found = TagRange.objects.filter(farm=farm, country=156, first_national_id=first).first()
            if found is None:
                with _clock(issued_at):
                    found = services.tag_range_issue(
                        actor=actor,
                        farm_id=farm.pk,
                        country=156,
                        first_national_id=first,
                        last_national_id=first + min(need, services.MAX_RANGE) - 1,
                        note=note,
                    )
            ranges.append(found.pk)
        rows.append(
            FarmRow(
                farm.pk,
                farm.registration_number,
                farm.county_code,
                spec.slot,
                farm.org_unit_id,
                farm.location.uri,
                farm.loading_channel.uri,
                (ranges[0], ranges[1]),
                (base, base + SPARE),
            )
        )
    return rows


# --- The generator -------------------------------------------------------------------------------

A_ROWS = bulkseed.table(Animal)
TAG_ROWS = bulkseed.table(EarTag)
TREATMENT_ROWS = bulkseed.table(Treatment)
TREATED = bulkseed.table(Treatment.animals.through, ["treatment_id", "animal_id"], ids=False)
BATCH_ROWS = bulkseed.table(LoadingBatch)
ENTRY_ROWS = bulkseed.table(
    BatchAnimal, ["batch_id", "animal_id", "read_at", "loaded", "received_at"], ids=False
)
READ_ROWS = bulkseed.table(ChannelRead, ["batch_id", "uri", "read_at", "event_id"], ids=False)
ALERT_ROWS = bulkseed.table(SupervisionAlert)
BATCH_ALERTS = bulkseed.table(
    LoadingBatch.alerts.through, ["loadingbatch_id", "supervisionalert_id"], ids=False
)
# The order rows are written in (parents first).
ORDER: tuple[bulkseed.Table, ...] = (
    bulkseed.EPCS,
    A_ROWS,
    TAG_ROWS,
    TREATMENT_ROWS,
    TREATED,
    BATCH_ROWS,
    ENTRY_ROWS,
    bulkseed.EVENTS,
)
ORDER += (bulkseed.EVENT_EPCS, bulkseed.REFERENCES, READ_ROWS, ALERT_ROWS, BATCH_ALERTS)


def _ns(**values: Any) -> Any:
    """What the event builders read of a model instance (they read attributes only)."""
    return SimpleNamespace(**values)


class Generator:
    """Makes the batches' rows chunk by chunk (in a forked process: no database access here)."""

    def __init__(
        self,
        *,
        plans: list[BatchPlan],
        farms: list[FarmRow],
        events: bulkseed.Events,
        ids: dict[str, int],
        serials: dict[int, int],
        actor_id: int,
        receipt: tuple[int, str],
        trucks: list[str],
        vendor: str,
    ) -> None:
        self.plans, self.farms, self.ev = plans, farms, events
        self.animal_id = ids[Animal._meta.db_table]
        self.tag_id = ids[EarTag._meta.db_table]
        self.treatment_id = ids[Treatment._meta.db_table]
        self.batch_id = ids[LoadingBatch._meta.db_table]
        self.alert_id = ids[SupervisionAlert._meta.db_table]
        self.serials = dict(serials)  # year → last batch serial used
        self.actor_id, self.receipt, self.trucks = actor_id, receipt, trucks
        self.a = bulkseed.Adapter(vendor)
        self.prefix = f"{settings.TRACE_ID_AUTHORITY}/iso11784/"
        self._pending: list[int] = []  # the cohort's pigs whose rows the batch finishes

    def chunks(self, size: int = CHUNK_BATCHES) -> Iterator[bulkseed.Chunk]:
        for start in range(0, len(self.plans), size):
            chunk = bulkseed.Chunk(rows={spec: [] for spec in ORDER})
            self.ev.start_chunk()
            for plan in self.plans[start : start + size]:
                self.batch(chunk, plan)
            chunk.counters = {f"pigs.batch.{year}": serial for year, serial in self.serials.items()}
            yield chunk

    # helpers
    def _uuid(self, rng: random.Random) -> str:
        return f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"

    def _add(
        self, chunk: bulkseed.Chunk, rng: random.Random, event: dict[str, Any], delay: float = 2.0
    ) -> tuple[int, str]:
        if "eventID" in event:
            event["eventID"] = self._uuid(rng)  # reproducible, where the services draw uuid4
        pk = self.ev.add(chunk, event, namespaces=epcis.NAMESPACES, delay=delay)
        return pk, event.get("eventID", "")

    @staticmethod
    def _at(day: dt.date, rng: random.Random, start: int = 8, end: int = 17) -> dt.datetime:
        seconds = rng.randrange(start * 3600, end * 3600)
        return dt.datetime.combine(day, dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60), LOCAL)

    def batch(self, chunk: bulkseed.Chunk, plan: BatchPlan) -> None:
        rng = random.Random(plan.seed)
        farm = self.farms[plan.farm]
        fplace = _ns(uri=farm.place)
        fns = _ns(registration_number=farm.number, location=fplace)
        rows, a = chunk.rows, self.a
        # The batch: declared the day before, loaded in the morning.
        year = plan.day.year
        self.serials[year] = serial = self.serials.get(year, 0) + 1
        batch_pk = self.batch_id
        self.batch_id += 1
        number = f"LB{year}{serial:06d}"
        declaration = f"{DECLARATION_PREFIX}{year}{plan.index + 1:08d}"
        plate = self.trucks[rng.randrange(len(self.trucks))]
        started = self._at(plan.day, rng, 6, 10)
        batch = _ns(
            number=number,
            declaration_number=declaration,
            loading_channel=_ns(uri=farm.channel),
            farm=_ns(location=fplace),
            vehicle_uri=identifiers.vehicle(plate),
        )
        # The cohort's lives.
        living: list[tuple[int, str, str, int]] = []  # (animal id, tag uri, iso number, animal epc)
        for k in range(plan.first, plan.first + plan.pigs):
            pig = self.pig(chunk, rng, farm, fns, k, plan, started)
            if pig is not None:
                living.append(pig)
        # The channel: one read a pig as it walks through (a missed pig comes round again).
        missed = living[rng.randrange(len(living))] if rng.random() < MISSED_IN_CHANNEL else None
        stray = rng.random() < STRAY_TAG
        reads: dict[int, tuple[dt.datetime, int]] = {}
        moment = started + dt.timedelta(seconds=rng.randint(60, 300))
        for pig in living:
            moment += dt.timedelta(seconds=rng.uniform(2, 6))
            if pig is missed:
                continue
            pk, _id = self._add(
                chunk, rng, epcis.channel_read(channel=farm.channel, tag_uris=[pig[1]], when=moment)
            )
            reads[pig[0]] = (moment, pk)
            rows[READ_ROWS].append((batch_pk, pig[1], a.time(moment), pk))
        extra: list[str] = []
        if stray:
            moment += dt.timedelta(seconds=rng.uniform(2, 6))
            national = farm.bases[1] + SPARE // 2 + plan.first + plan.pigs
            uri = f"{self.prefix}156{national:012d}"
            pk, _id = self._add(
                chunk, rng, epcis.channel_read(channel=farm.channel, tag_uris=[uri], when=moment)
            )
            rows[READ_ROWS].append((batch_pk, uri, a.time(moment), pk))
            extra = [uri]
        event_ids: list[str] = []
        alerts: list[tuple[str, dict[str, Any], int, str]] = []  # (kind, details, event pk, title)
        reconcile_count = 0
        reconciled = moment + dt.timedelta(seconds=rng.randint(60, 240))
        if missed is not None:  # first pass: one pig not read
            reconcile_count += 1
            read_tags = [p[1] for p in living if p is not missed]
            ev = epcis.inspecting(
                batch=batch, tag_uris=read_tags, when=reconciled, matched=False, missing=[missed[2]], extra=[]
            )
            pk, eid = self._add(chunk, rng, ev)
            event_ids.append(eid)
            title = _(
                "Loading batch %(number)s: %(missing)d missing, %(extra)d extra, %(inactive)d not on the farm"
            ) % {"number": number, "missing": 1, "extra": 0, "inactive": 0}
            details = {"batch": number, "missing": [missed[2]], "extra": [], "inactive": []}
            alerts.append((f"pigs:loading:{batch_pk}:{reconcile_count}", details, pk, title))
            moment = reconciled + dt.timedelta(minutes=rng.randint(10, 30))  # through the channel again
            pk, _id = self._add(
                chunk, rng, epcis.channel_read(channel=farm.channel, tag_uris=[missed[1]], when=moment)
            )
            reads[missed[0]] = (moment, pk)
            rows[READ_ROWS].append((batch_pk, missed[1], a.time(moment), pk))
            reconciled = moment + dt.timedelta(seconds=rng.randint(60, 240))
        reconcile_count += 1
        matched = not extra
        extra_numbers = [u[len(self.prefix) :] for u in extra]
        ev = epcis.inspecting(
            batch=batch,
            tag_uris=[p[1] for p in living],
            when=reconciled,
            matched=matched,
            missing=[],
            extra=extra_numbers,
        )
        pk, eid = self._add(chunk, rng, ev)
        event_ids.append(eid)
        if extra:
            _pk, eid2 = self._add(chunk, rng, epcis.extra_tags(batch=batch, uris=extra, when=reconciled))
            event_ids.append(eid2)
            title = _(
                "Loading batch %(number)s: %(missing)d missing, %(extra)d extra, %(inactive)d not on the farm"
            ) % {"number": number, "missing": 0, "extra": len(extra), "inactive": 0}
            details = {"batch": number, "missing": [], "extra": extra_numbers, "inactive": []}
            alerts.append((f"pigs:loading:{batch_pk}:{reconcile_count}", details, pk, title))
        result = {
            "declared": len(living), "read": len(living), "missing": [], "extra": extra_numbers,
            "withdrawal": [], "inactive": [],
        }  # fmt: skip
        # Release: into the truck; receipt in Hong Kong.
        released = reconciled + dt.timedelta(minutes=rng.randint(5, 40 if not extra else 120))
        tags = [p[1] for p in living]
        _pk, eid = self._add(chunk, rng, epcis.loading(batch=batch, tag_uris=tags, when=released))
        event_ids.append(eid)
        received = released + dt.timedelta(hours=rng.uniform(3, 6))
        lost = living[rng.randrange(len(living))] if rng.random() < MISSED_IN_HK else None
        read_hk = [p[1] for p in living if p is not lost]
        place_pk, place_uri = self.receipt
        _pk, eid = self._add(
            chunk, rng, epcis.receiving(batch=batch, tag_uris=read_hk, place=place_uri, when=received)
        )
        event_ids.append(eid)
        _pk, eid = self._add(
            chunk, rng, epcis.unloading(batch=batch, tag_uris=tags, place=place_uri, when=received)
        )
        event_ids.append(eid)
        receipt_result: dict[str, list[str]] = {"missing": [lost[2]] if lost else [], "extra": []}
        if lost is not None:
            title = _("Loading batch %(number)s: %(left)d pigs left, %(received)d read in Hong Kong") % {
                "number": number, "left": len(living), "received": len(living) - 1,
            }  # fmt: skip
            alerts.append((f"pigs:receipt:{batch_pk}", {"batch": number, **receipt_result}, 0, title))
        planned = dt.datetime.combine(plan.day, dt.time(8), LOCAL)
        declared_at = planned - dt.timedelta(hours=rng.uniform(14, 30))
        rows[BATCH_ROWS].append(
            (
                batch_pk,
                a.time(declared_at),
                a.time(received),
                number,
                farm.pk,
                declaration,
                plate,
                self.ev.locations[farm.channel],
                a.time(planned),
                BatchStatus.RECEIVED.value,
                self.actor_id,
                a.time(started),
                a.time(reconciled),
                reconcile_count,
                a.json(result),
                self.actor_id,
                a.time(released),
                len(living),
                a.time(received),
                len(read_hk),
                place_pk,
                a.json(receipt_result),
                "",
                a.json(event_ids),
            )
        )
        for animal_id, _uri, _iso, _epc in living:
            read_at = reads[animal_id][0]
            hk = None if lost is not None and lost[0] == animal_id else received
            rows[ENTRY_ROWS].append((batch_pk, animal_id, a.time(read_at), True, a.time(hk)))
        for animal_row_index in self._pending:
            self._finish_animal(chunk, animal_row_index, received, lost)
        self._pending = []
        # Alerts, resolved by the inspector.
        for key, details, event_pk, title in alerts:
            receipt_alert = key.startswith("pigs:receipt")
            raised = received if receipt_alert else reconciled
            resolved = raised + dt.timedelta(minutes=rng.randint(10, 90))
            resolution = (
                "香港方确认：该猪只已到达，耳标读取失败 Hong Kong confirms the pig arrived; its tag did not read."
                if receipt_alert
                else "复核通过：通道漏读/非本批次耳标已核实 Checked: a missed read or a tag not of this batch."
            )
            rows[ALERT_ROWS].append(
                (
                    self.alert_id,
                    a.time(raised),
                    a.time(resolved),
                    AlertStatus.RESOLVED.value,
                    key,
                    (AlertKind.RECEIPT_MISMATCH if receipt_alert else AlertKind.LOADING_MISMATCH).value,
                    AlertSeverity.HIGH.value,
                    title[:300],
                    loading.batch_uri(_ns(number=number)),
                    declaration,
                    not receipt_alert,
                    a.json(details),
                    event_pk or None,
                    farm.org_unit_id,
                    a.time(raised),
                    self.actor_id,
                    a.time(resolved),
                    resolution,
                )
            )
            rows[BATCH_ALERTS].append((batch_pk, self.alert_id))
            self.alert_id += 1
        chunk.units += 1

    def pig(
        self,
        chunk: bulkseed.Chunk,
        rng: random.Random,
        farm: FarmRow,
        fns: Any,
        k: int,
        plan: BatchPlan,
        started: dt.datetime,
    ) -> tuple[int, str, str, int] | None:
        """One pig's life on the farm; ``None`` when it died there."""
        rows, a = chunk.rows, self.a
        animal_pk = self.animal_id
        self.animal_id += 1
        cn = f"1{farm.county}{TAG_BLOCK * (farm.slot + 1) + k:08d}"  # slots 0-8: serials 10M-99M
        iso = f"156{farm.bases[0] + k:012d}"
        birth = plan.day - dt.timedelta(days=rng.randint(160, 185))
        tagged = self._at(birth + dt.timedelta(days=rng.randint(3, 10)), rng)
        sex, breed = SEXES[rng.randrange(3)], demo.BREEDS[rng.randrange(len(demo.BREEDS))]
        animal = _ns(
            uri=identifiers.place("livestock", cn),
            cn_number=cn,
            species="pig",
            sex=sex,
            breed=breed,
            birth_date=birth,
        )
        dies = rng.random() < DEATH
        death_day = birth + dt.timedelta(days=rng.randint(30, 150)) if dies else None
        tag_uri = f"{self.prefix}{iso}"
        tag_pk = self.tag_id
        self.tag_id += 1
        tags: list[list[Any]] = [
            [tag_pk, iso, 0, tagged, None, TagStatus.ACTIVE.value, None, "", farm.ranges[0]]
        ]
        self._add(
            chunk, rng, epcis.commissioning(animal=animal, farm=fns, tag_uri=tag_uri, retag=0, when=tagged)
        )
        self._add(chunk, rng, epcis.installing(animal=animal, farm=fns, tag_uri=tag_uri, when=tagged))
        last = tagged
        # A tag lost and replaced (from the farm's spare range).
        replace_day = birth + dt.timedelta(days=rng.randint(35, 150)) if rng.random() < REPLACED else None
        # (day, what, (product, batch code, dose, route, withdrawal days))
        events: list[tuple[dt.date, str, tuple[str, str, str, str, int]]] = [
            (birth + dt.timedelta(days=day), "vaccine", (product, code, dose, route, 0))
            for product, code, day, dose, route in VACCINES
        ]
        if rng.random() < MEDICATED:
            events.append((birth + dt.timedelta(days=rng.randint(80, 125)), "medicine", MEDICINE))
        if replace_day is not None:
            events.append((replace_day, "replace", MEDICINE))
        events.sort(key=lambda item: item[0])
        withdrawal = None
        vet = demo.VET[rng.randrange(len(demo.VET))]
        for day, what, item in events:
            if death_day is not None and day >= death_day:
                break
            when = self._at(day, rng)
            if when <= last:
                when = last + dt.timedelta(minutes=5)
            last = when
            if what == "replace":
                reason = (ReplaceReason.LOST, ReplaceReason.DAMAGED, ReplaceReason.FAULTY)[rng.randrange(3)]
                old = tags[-1]
                old[4], old[5], old[7] = when, REPLACED_TAG_STATUS[reason].value, reason.value
                new_iso = f"156{farm.bases[1] + k:012d}"
                new_uri = f"{self.prefix}{new_iso}"
                old_uri = f"{self.prefix}{old[1]}"
                self._add(
                    chunk,
                    rng,
                    epcis.removing(
                        animal=animal,
                        farm=fns,
                        tag_uri=old_uri,
                        when=when,
                        reason=reason.value,
                        replaced_by=new_uri,
                    ),
                )
                self._add(
                    chunk,
                    rng,
                    epcis.commissioning(
                        animal=animal,
                        farm=fns,
                        tag_uri=new_uri,
                        retag=old[2] + 1,
                        when=when,
                        replaces=old_uri,
                    ),
                )
                self._add(chunk, rng, epcis.installing(animal=animal, farm=fns, tag_uri=new_uri, when=when))
                tags.append(
                    [
                        self.tag_id,
                        new_iso,
                        old[2] + 1,
                        when,
                        None,
                        TagStatus.ACTIVE.value,
                        old[0],
                        "",
                        farm.ranges[1],
                    ]
                )
                self.tag_id += 1
                tag_uri = new_uri
                continue
            product, code, dose, route, days = item
            until = when + dt.timedelta(days=days) if days else None
            withdrawal = until or withdrawal
            treatment_pk = self.treatment_id
            self.treatment_id += 1
            treatment = _ns(
                pk=treatment_pk,
                kind="medication" if what == "medicine" else "vaccination",
                given_at=when,
                withdrawal_until=until,
                product=product,
                product_batch=f"{code}{when:%Y}-{when.month * 10 + 1:03d}",
                dose=dose,
                route=route,
                withdrawal_days=days,
                veterinarian=vet,
            )
            _pk, eid = self._add(
                chunk, rng, epcis.treatment(treatment=treatment, farm=fns, tag_uris=[tag_uri])
            )
            rows[TREATMENT_ROWS].append(
                (
                    treatment_pk,
                    a.time(when),
                    a.time(when),
                    farm.pk,
                    treatment.kind,
                    product,
                    treatment.product_batch,
                    dose,
                    route,
                    a.time(when),
                    days,
                    a.time(until),
                    vet,
                    self.actor_id,
                    eid,
                )
            )
            rows[TREATED].append((treatment_pk, animal_pk))
        status, died_at, cause, note = AnimalStatus.RECEIVED.value, None, "", ""
        if death_day is not None:
            died_at = max(self._at(death_day, rng), last + dt.timedelta(minutes=5))
            cause, note = DEATHS[rng.randrange(len(DEATHS))]
            uris = [f"{self.prefix}{t[1]}" for t in tags if t[5] == TagStatus.ACTIVE.value]
            for t in tags:
                if t[5] == TagStatus.ACTIVE.value:
                    t[4], t[5] = died_at, TagStatus.RECOVERED.value
            death = epcis.death(animal=animal, farm=fns, tag_uris=uris, when=died_at, cause=cause, note=note)
            self._add(chunk, rng, death)
            status = AnimalStatus.DEAD.value
        for t in tags:
            rows[TAG_ROWS].append(
                (
                    t[0],
                    a.time(t[3]),
                    a.time(t[4] or t[3]),
                    animal_pk,
                    t[8],
                    t[1],
                    f"{(1 << 63) | (t[2] << 60) | (156 << 38) | int(t[1][3:]):016X}",
                    t[2],
                    a.time(t[3]),
                    a.time(t[4]),
                    t[5],
                    t[6],
                    t[7],
                )
            )
        # The animal row is finished with the batch (status, check time); dead pigs now.
        row = [
            animal_pk, a.time(tagged), a.time(died_at or last), farm.pk, cn, "pig", sex, breed, a.date(birth),
            a.time(tagged), status, Traceability.TRACEABLE.value, a.json([]), a.time(last), a.time(withdrawal),
            a.time(died_at), cause, note,
        ]  # fmt: skip
        rows[A_ROWS].append(tuple(row))
        if death_day is not None:
            return None
        self._pending.append(len(rows[A_ROWS]) - 1)
        return animal_pk, tag_uri, tags[-1][1], 0

    def _finish_animal(
        self, chunk: bulkseed.Chunk, index: int, received: dt.datetime, lost: tuple[int, str, str, int] | None
    ) -> None:
        row = list(chunk.rows[A_ROWS][index])
        in_transit = lost is not None and lost[0] == row[0]
        row[2] = self.a.time(received)
        row[10] = (AnimalStatus.IN_TRANSIT if in_transit else AnimalStatus.RECEIVED).value
        row[13] = self.a.time(received)
        chunk.rows[A_ROWS][index] = tuple(row)


# --- The seeder ------------------------------------------------------------------------------------


def _trucks(rng: random.Random) -> list[str]:
    return [f"粤Z{n:04d}港" for n in sorted(rng.sample(range(1000, 9999), TRUCKS))]


def seed_bureau(
    *,
    rng: random.Random,
    actor: Any,
    farms: int = BUREAU["farms"],
    batches: int = BUREAU["batches"],
    pigs: int = BUREAU["pigs"],
    years: int = BUREAU["years"],
    until: dt.date | None = None,
    chunk_batches: int = CHUNK_BATCHES,
    fork: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The pig world of the plan (bureau figures by default; tests make a small one). Returns
    what was made (empty: nothing to do)."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    until = min(until or yesterday, yesterday)
    first = until.replace(year=until.year - years) + dt.timedelta(days=1)
    specs = farm_specs(rng, farms)
    plans = plan_batches(rng, specs, batches=batches, pigs=pigs, first=first, until=until)
    trucks = _trucks(rng)
    done = LoadingBatch.objects.filter(declaration_number__startswith=DECLARATION_PREFIX).count()
    if done >= len(plans):
        return {}
    sizes: dict[int, int] = {}
    for plan in plans:
        sizes[plan.farm] = sizes.get(plan.farm, 0) + plan.pigs
    started = time.monotonic()
    with translation.override(settings.LANGUAGE_CODE):
        rows = register_farms(specs, actor=actor, sizes=sizes, since=first)
        receipt = loading.receipt_place(None, {})
        assert receipt is not None
        known = capture.intern_epcs(identifiers.vehicle(plate) for plate in trucks)
        places = [f.place for f in rows] + [f.channel for f in rows] + [receipt.uri]
        locations = dict(Location.objects.filter(uri__in=places).values_list("uri", "pk"))
        planned = {
            "farms": len(rows),
            "batches": len(plans) - done,
            "pigs": sum(p.pigs for p in plans[done:]),
            "period": f"{first}/{until}",
        }
        job = bulkseed.open_run(actor, "pigs.bureau_seeded", planned)
        ids = bulkseed.next_ids(Event, Epc, Animal, EarTag, Treatment, LoadingBatch, SupervisionAlert)
        years_seen = {p.day.year for p in plans}
        serials = dict(
            Counter.objects.filter(name__in=[f"pigs.batch.{y}" for y in years_seen]).values_list(
                "name", "value"
            )
        )
        generator = Generator(
            plans=plans[done:],
            farms=rows,
            events=bulkseed.Events.for_run(job.pk, ids, locations=locations, known=known),
            ids=ids,
            serials={int(name.rsplit(".", 1)[1]): value for name, value in serials.items()},
            actor_id=actor.pk,
            receipt=(receipt.pk, receipt.uri),
            trucks=trucks,
            vendor=connection.vendor,
        )
        made = bulkseed.load(
            lambda: generator.chunks(chunk_batches),
            job_id=job.pk,
            flow="pigs",
            unit="batches",
            total=len(plans),
            done=done,
            started=started,
            fork=fork,
            progress=progress,
        )
        summary = {**planned, **made, "seconds": round(time.monotonic() - started)}
    bulkseed.vacuum_analyze([spec.name for spec in ORDER] + ["trace_capturejob"])
    if progress:
        progress(f"  pigs seeded: {summary} · peak RSS {bulkseed.peak_rss_mb():,.0f} MB")
    return summary
