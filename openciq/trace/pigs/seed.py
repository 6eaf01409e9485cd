"""Live pigs to Hong Kong at demo scale, through the real services (every step with its EPCIS
events), reproducible from the seed number and idempotent (farms already registered are left as
they are; a second run adds nothing).

Four registered farms (Zengcheng in Guangzhou, Boluo in Huizhou, Fogang in Qingyuan, Dongyuan in
Heyuan), each with its ear-tag range, 320 pigs tagged from them with their vaccination rounds, a
group under medication (inside its withdrawal period), a replaced tag, a death, a few breeding
sows with no event for months (lifetime warnings). Zengcheng's loading channel then sees a batch
in every state: received in Hong Kong (one of them with a pig not read on arrival), released and
in transit, held in mismatch (a pig missing, a stray tag read), reconciled and waiting for
release, loading (half read), declared, cancelled; Boluo's has a batch held for a pig inside its
withdrawal period. The history is spread over the last days by running the services on a clock
set back (audit events keep the real time). The Guangzhou farm belongs to the enterprise the demo
enterprise user acts for, so that user sees a farm of their own.

``--scale bureau`` (93 farms, 2.73 million pigs, 68,233 loading batches over five years, about
30 million events) streams through the repository's bulk path: ``bulkseed.py``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from openciq.accounts.models import OrgUnit
from openciq.masterdata.models import Enterprise
from openciq.trace import identifiers
from openciq.trace import services as trace_services
from openciq.trace.choices import CaptureSource, ErrorBehaviour
from openciq.trace.pigs import epcis, lifetime, services
from openciq.trace.pigs.models import Animal, Farm, LoadingBatch


@dataclass(frozen=True)
class FarmPlan:
    number: str
    unit: str
    county: str
    name_zh: str
    name_en: str
    latitude: str
    longitude: str
    range_start: int
    pigs: int


FARMS = (
    FarmPlan(
        "4401HKP001",
        "GZ",
        "440183",
        "增城供港生猪养殖场",
        "Zengcheng HK Pig Farm",
        "23.290000",
        "113.810000",
        10_000_000,
        140,
    ),
    FarmPlan(
        "4413HKP002",
        "HZ",
        "441322",
        "博罗供港生猪养殖场",
        "Boluo HK Pig Farm",
        "23.172000",
        "114.289000",
        20_000_000,
        70,
    ),
    FarmPlan(
        "4418HKP003",
        "QY",
        "441821",
        "佛冈供港生猪养殖场",
        "Fogang HK Pig Farm",
        "23.879000",
        "113.532000",
        30_000_000,
        55,
    ),
    FarmPlan(
        "4416HKP004",
        "HY",
        "441625",
        "东源供港生猪养殖场",
        "Dongyuan HK Pig Farm",
        "23.789000",
        "114.746000",
        40_000_000,
        55,
    ),
)
BREEDS = (
    "杜长大 Duroc × Landrace × Yorkshire",
    "杜长大 Duroc × Landrace × Yorkshire",
    "长白 Landrace",
    "大白 Large White",
)
TRUCKS = (
    "粤Z1234港",
    "粤Z2086港",
    "粤Z3571港",
    "粤Z4410港",
    "粤Z5923港",
    "粤Z6178港",
    "粤Z7302港",
    "粤Z8855港",
)
VET = ("陈兽医", "李兽医", "黄兽医", "梁兽医")
SOWS = 3  # breeding sows per farm with no event since tagging (lifetime warnings)


@contextmanager
def clock(days_ago: float) -> Iterator[None]:
    """Run the services as if it were ``days_ago`` days earlier (event and state times). Audit
    events keep the real time. For the demo's history only: the seeder runs alone in its process."""
    real = timezone.now
    offset = dt.timedelta(days=days_ago)
    timezone.now = lambda: real() - offset
    try:
        yield
    finally:
        timezone.now = real


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def seed(*, scale: str, rng: random.Random, actor: Any, stdout: Any = None) -> None:
    """The seeder registered for ``openciq seed`` (after accounts and master data)."""
    if not OrgUnit.objects.filter(code="GZ").exists():
        return  # ``--only pigs`` on an empty database does nothing
    if scale == "bureau":
        from openciq.trace.pigs import bulkseed  # it builds on this module's farms

        bulkseed.seed_bureau(rng=rng, actor=actor, progress=lambda text: print(text, flush=True))
        return
    if Farm.objects.filter(registration_number__in=[f.number for f in FARMS]).exists():
        return
    world = _Demo(rng=rng, actor=actor)
    for plan in FARMS:
        farm = world.farm(plan)
        if farm is not None:
            world.herd(farm, plan)
    world.zengcheng_batches()
    world.boluo_batches()
    lifetime.lifetime_check(actor=actor)
    _say(
        stdout,
        f"pigs: {len(world.farms)} farms, {Animal.objects.count()} pigs, {LoadingBatch.objects.count()} batches",
    )


class _Demo:
    def __init__(self, *, rng: random.Random, actor: Any) -> None:
        self.rng, self.actor = rng, actor
        self.farms: dict[str, Farm] = {}
        self.pigs: dict[str, list[Animal]] = {}
        self.serial = 0

    # --- Farms and pigs ------------------------------------------------------------------------

    def _enterprise(self, unit: str) -> Enterprise | None:
        if unit == "GZ":  # the one the demo enterprise user acts for (``ops.demo``)
            return Enterprise.objects.filter(org_unit__code="GZ").order_by("uscc").first()
        rows = Enterprise.objects.filter(org_unit__code=unit, is_active=True)
        return rows.filter(kind="farm").order_by("uscc").first() or rows.order_by("uscc").first()

    def farm(self, plan: FarmPlan) -> Farm | None:
        enterprise = self._enterprise(plan.unit)
        if enterprise is None:
            return None
        with clock(400):
            farm = services.farm_register(
                actor=self.actor,
                data=services.FarmInput(
                    registration_number=plan.number,
                    name_zh=plan.name_zh,
                    name_en=plan.name_en,
                    enterprise_id=enterprise.pk,
                    org_unit_id=OrgUnit.objects.get(code=plan.unit).pk,
                    county_code=plan.county,
                    address=f"{plan.name_zh[:2]}",
                    capacity=self.rng.choice((3000, 5000, 8000, 12000)),
                    latitude=Decimal(plan.latitude),
                    longitude=Decimal(plan.longitude),
                ),
            )
            services.tag_range_issue(
                actor=self.actor,
                farm_id=farm.pk,
                country=156,
                first_national_id=plan.range_start,
                last_national_id=plan.range_start + 49_999,
                note="2025年度供港生猪电子耳标",
            )
        self.farms[plan.number] = farm
        return farm

    def _numbers(self, farm: Farm, plan: FarmPlan, n: int) -> tuple[str, str]:
        return f"1{farm.county_code}{n:08d}", f"156{plan.range_start + n:012d}"

    def herd(self, farm: Farm, plan: FarmPlan) -> None:
        """Pigs born 150-190 days ago, tagged within two weeks, vaccinated in two rounds."""
        pigs: list[Animal] = []
        for n in range(1, plan.pigs + 1):
            age = self.rng.randint(150, 190)
            cn, iso = self._numbers(farm, plan, n)
            with clock(age - self.rng.randint(3, 14)):
                pigs.append(
                    services.animal_tag(
                        actor=self.actor,
                        data=services.TagInput(
                            farm_id=farm.pk,
                            cn_number=cn,
                            iso_number=iso,
                            sex=self.rng.choice(("castrated", "castrated", "female")),
                            breed=self.rng.choice(BREEDS),
                            birth_date=timezone.localdate() - dt.timedelta(days=age),
                        ),
                    )
                )
        for n in range(plan.pigs + 1, plan.pigs + SOWS + 1):
            cn, iso = self._numbers(farm, plan, n)
            with clock(240):
                services.animal_tag(
                    actor=self.actor,
                    data=services.TagInput(
                        farm_id=farm.pk,
                        cn_number="7" + cn[1:],
                        iso_number=iso,
                        sex="female",
                        breed="长白 Landrace",
                        birth_date=timezone.localdate() - dt.timedelta(days=400),
                    ),
                )
        self._vaccinate(
            farm, pigs, 120, "猪瘟活疫苗（传代细胞源） Classical swine fever vaccine, live", "CSF2025-118"
        )
        self._vaccinate(farm, pigs, 50, "口蹄疫O型灭活疫苗 FMD type O vaccine, inactivated", "FMD2025-067")
        self.pigs[farm.registration_number] = pigs

    def _vaccinate(self, farm: Farm, pigs: Sequence[Animal], days_ago: int, product: str, batch: str) -> None:
        with clock(days_ago):
            services.treatment_record(
                actor=self.actor,
                data=services.TreatmentInput(
                    farm_id=farm.pk,
                    kind="vaccination",
                    product=product,
                    product_batch=batch,
                    dose="2 ml",
                    route="intramuscular",
                    veterinarian=self.rng.choice(VET),
                    animals=[p.cn_number for p in pigs],
                ),
            )

    def _medicate(self, farm: Farm, pigs: Sequence[Animal], days_ago: float) -> None:
        with clock(days_ago):
            services.treatment_record(
                actor=self.actor,
                data=services.TreatmentInput(
                    farm_id=farm.pk,
                    kind="medication",
                    product="氟苯尼考注射液 Florfenicol injection 10%",
                    product_batch="FFC2025-031",
                    dose="20 mg/kg",
                    route="intramuscular",
                    veterinarian=self.rng.choice(VET),
                    animals=[p.cn_number for p in pigs],
                    withdrawal_days=28,
                ),
            )

    # --- Loading batches -----------------------------------------------------------------------

    def _take(self, farm: Farm, count: int) -> list[Animal]:
        pigs = self.pigs[farm.registration_number]
        taken, self.pigs[farm.registration_number] = pigs[:count], pigs[count:]
        return taken

    def _declaration(self) -> str:
        self.serial += 1
        return f"4401002260{self.rng.randint(10_000_000, 99_999_999)}{self.serial:02d}"

    def _declare(self, farm: Farm, pigs: Sequence[Animal], days_ago: float) -> LoadingBatch:
        with clock(days_ago + 0.5):
            return services.batch_declare(
                actor=self.actor,
                data=services.BatchInput(
                    farm_id=farm.pk,
                    declaration_number=self._declaration(),
                    truck_plate=self.rng.choice(TRUCKS),
                    animals=[p.cn_number for p in pigs],
                    planned_at=timezone.now() + dt.timedelta(days=0.5),
                ),
            )

    def _reads(self, farm: Farm, uris: Sequence[str], days_ago: float) -> None:
        """The channel reader's reports: a few tags per event, seconds apart."""
        with clock(days_ago):
            start = timezone.now()
            events = [
                epcis.channel_read(
                    channel=farm.loading_channel.uri,
                    tag_uris=list(uris[i : i + 4]),
                    when=start + dt.timedelta(seconds=3 * i),
                )
                for i in range(0, len(uris), 4)
            ]
            trace_services.capture_events(
                actor=self.actor,
                events=events,
                error_behaviour=ErrorBehaviour.ROLLBACK,
                source=CaptureSource.SEED,
            )

    def _load(
        self,
        farm: Farm,
        pigs: Sequence[Animal],
        days_ago: float,
        *,
        read: Sequence[Animal] | None = None,
        extra: Sequence[str] = (),
    ) -> LoadingBatch:
        batch = self._declare(farm, pigs, days_ago)
        with clock(days_ago + 0.01):
            services.batch_start_loading(actor=self.actor, batch_id=batch.pk)
        uris = [t.uri for p in (pigs if read is None else read) for t in p.tags.filter(status="active")]
        self._reads(farm, [*uris, *extra], days_ago)
        return batch

    def _through(self, farm: Farm, pigs: Sequence[Animal], days_ago: float) -> LoadingBatch:
        batch = self._load(farm, pigs, days_ago)
        with clock(days_ago - 0.01):
            services.batch_reconcile(actor=self.actor, batch_id=batch.pk)
        with clock(days_ago - 0.02):
            return services.batch_release(actor=self.actor, batch_id=batch.pk)

    def _receive(self, batch: LoadingBatch, pigs: Sequence[Animal], days_ago: float) -> None:
        numbers = [t.iso_number for p in pigs for t in p.tags.filter(status="active")]
        with clock(days_ago):
            services.batch_receive_hk(actor=self.actor, batch_id=batch.pk, read_numbers=numbers)

    def zengcheng_batches(self) -> None:
        farm = self.farms.get("4401HKP001")
        if farm is None:
            return
        # Care on the farm: a tag lost and replaced, a death, a group under medication.
        lost = self._take(farm, 1)[0]
        with clock(20):
            services.tag_replace(
                actor=self.actor,
                tag_id=lost.tags.get(status="active").pk,
                new_iso_number=f"156{10_000_000 + 40_000:012d}",
                reason="lost",
            )
        self.pigs[farm.registration_number].append(lost)
        dead = self._take(farm, 1)[0]
        with clock(12):
            services.animal_death(
                actor=self.actor, animal_id=dead.pk, cause="disease", note="猪丹毒 Erysipelas"
            )
        medicated = self._take(farm, 6)
        self._medicate(farm, medicated, 5)
        # Batches, oldest first; one channel, one truckload at a time.
        received = self._take(farm, 30)
        self._receive(self._through(farm, received, 9), received, 8.8)
        short = self._take(farm, 20)
        self._receive(self._through(farm, short, 6), short[:-1], 5.8)  # one pig not read in HK
        in_transit = self._take(farm, 25)
        self._through(farm, in_transit, 0.4)
        cancelled = self._take(farm, 5)
        batch = self._declare(farm, cancelled, 3)
        with clock(3):
            services.batch_cancel(actor=self.actor, batch_id=batch.pk, reason="车辆故障 The truck broke down")
        held = self._take(farm, 15)
        stray = identifiers.animal(f"156{10_000_000 + 45_000:012d}")  # a tag of the range on no pig
        batch = self._load(farm, held, 0.2, read=held[:-1], extra=[stray])
        with clock(0.19):
            services.batch_reconcile(actor=self.actor, batch_id=batch.pk)
        ready = self._take(farm, 10)
        batch = self._load(farm, ready, 0.1)
        with clock(0.09):
            services.batch_reconcile(actor=self.actor, batch_id=batch.pk)
        loading = self._take(farm, 12)
        self._load(farm, loading, 0.02, read=loading[:7])
        self._declare(farm, self._take(farm, 10), 0)

    def boluo_batches(self) -> None:
        farm = self.farms.get("4413HKP002")
        if farm is None:
            return
        done = self._take(farm, 24)
        self._receive(self._through(farm, done, 4), done, 3.8)
        pigs = self._take(farm, 18)
        batch = self._declare(farm, pigs, 1)
        self._medicate(farm, pigs[:1], 0.9)  # treated after the declaration, before loading
        with clock(0.3):
            services.batch_start_loading(actor=self.actor, batch_id=batch.pk)
        self._reads(farm, [t.uri for p in pigs for t in p.tags.filter(status="active")], 0.3)
        with clock(0.29):  # held: the withdrawal alert stays open for the worklist
            services.batch_reconcile(actor=self.actor, batch_id=batch.pk)
