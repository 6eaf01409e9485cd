"""The bureau's history: 60,000 sample batches drawn around the specifications, streamed in chunks."""

import bisect
import datetime as dt
import functools
import math
from collections import Counter as Tally
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from openciq.accounts.models import OrgUnit
from openciq.core.workdays import add_working_days, working_days_between
from openciq.lims import decision, westgard
from openciq.lims.models import (
    AnalysisService,
    ControlChart,
    Instrument,
    Method,
    ReferenceMaterial,
    Specification,
)
from openciq.lims.seed.people import Staff
from openciq.lims.seed.reference import METHODS, MethodDef, service_rows
from openciq.masterdata.models import Country, Enterprise, Port, Product

LOCAL = 8 * 3600  # Asia/Shanghai is UTC+8 all year
HOUR, DAY = 3600, 86400


SCALES = {"demo": {"samples": 0, "months": 0}, "bureau": {"samples": 60_000, "months": 14}}
CHUNK = 4_000  # samples a chunk (whole weeks: a worksheet never spans two chunks)
REPORTS = 300  # latest published samples that get their PDF report
LAB_SHARE = {
    "LAB-FOOD": 34, "LAB-TEX": 11, "LAB-LIGHT": 10, "LAB-ELEC": 9, "LAB-CHEM": 9, "LAB-HEALTH": 6,
    "LAB-ANIMAL": 11, "LAB-PLANT": 10,
}  # fmt: skip
# Share of samples with a non-conforming result, by laboratory; inconclusive ones come on top
# where a guarded-acceptance limit applies (HK and EU destinations).
NC_RATE = {
    "LAB-FOOD": 0.035, "LAB-TEX": 0.05, "LAB-LIGHT": 0.04, "LAB-ELEC": 0.06, "LAB-CHEM": 0.03,
    "LAB-HEALTH": 0.03, "LAB-ANIMAL": 0.01, "LAB-PLANT": 0.04,
}  # fmt: skip
INCONCLUSIVE_RATE = 0.03
REJECTED, CANCELLED, INVALIDATED, URGENT, LATE_RUN = 0.005, 0.003, 0.003, 0.07, 0.05
# Share of residue results below the limit of quantification, by method (default 0.9).
BELOW_LOQ = {
    "FD-PEST": 0.9,
    "FD-BAGON": 0.99,
    "TX-AZO": 0.97,
    "LT-PAE": 0.85,
    "CH-ROHS6": 0.92,
    "CH-ROHS8": 0.85,
}
# Sample kinds per laboratory: (weight, HS prefixes of the products, or (HS code, Chinese, English)
# for samples without a product, the tests: a method (all its services), a service, or
# (method, fewest, most) for a random part of a method's services).
KINDS: dict[str, list[tuple[int, Any, tuple[Any, ...]]]] = {
    "LAB-FOOD": [
        (30, ("0702", "0703", "0704", "0705", "0709", "0710"), (("FD-PEST", 10, 18), "FD-PB")),
        (12, ("0803", "0810"), (("FD-PEST", 8, 14), "FD-PB")),
        (4, ("0902",), (("FD-PEST", 12, 18), "FD-PB")),
        (6, ("1006",), ("FD-PB", "FD-CD", "FD-AS", "FD-HG", "FD-CR", ("FD-PEST", 3, 6))),
        (14, ("0203", "0207"), ("FD-BAGON", "FD-PB", "FD-CR", "FD-APC", "FD-SALM")),
        (12, ("0302", "0306"), ("FD-PB", "FD-CD", "FD-HG", "FD-AS", "FD-APC")),
        (22, ("16", "19", "20", "21", "22"), ("FD-APC", "FD-SALM", "FD-PB")),
    ],
    "LAB-TEX": [
        (35, ("61", "62"), ("TX-HCHO", "TX-PH", "TX-AZO")),
        (30, ("61", "62"), ("TX-HCHO", "TX-PH")),
        (20, ("54",), ("TX-HCHO", "TX-PH", "TX-AZO", ("TX-METALS", 2, 6))),
        (15, ("64",), ("TX-HCHO", "TX-AZO")),
    ],
    "LAB-LIGHT": [
        (35, ("6911", "7013", "7323"), ("LT-PBMIG", "LT-CDMIG")),
        (30, ("3924", "3917", "4819"), ("LT-OM", "LT-HCHOMIG")),
        (35, ("9503",), ("LT-TOYEL", "LT-PAE")),
    ],
    "LAB-ELEC": [
        (45, ("8471", "8517", "8528", "8504"), ("EL-4943", "EL-HARM")),
        (40, ("8516", "8513", "8537"), ("EL-4706", "EL-HARM", "EL-NOISE")),
        (15, ("853669", "转换插头", "Plug adaptors"), ("EL-2099",)),
    ],
    "LAB-CHEM": [
        (35, ("3304",), ("CH-COSM",)),
        (45, ("8471", "8517", "8504", "3917", "3924"), ("CH-ROHS5", "CH-ROHS4", ("CH-ROHS6", 2, 7), "CH-ROHS8")),
        (20, ("260111", "进口铁矿石", "Imported iron ore"), ("CH-FE",)),
    ],
    "LAB-HEALTH": [
        (45, ("", "口岸生活饮用水（末梢水）", "Port drinking water (tap)"), ("HT-MICRO", "HT-METAL", "HT-PHYS")),
        (30, ("", "船舶生活饮用水", "Ship's drinking water"), ("HT-MICRO", "HT-PH")),
        (15, ("", "集中空调冷却水", "Air-conditioning cooling water"), ("HT-LEG",)),
        (5, ("", "入境人员粪便标本", "Arriving traveller's stool specimen"), ("HT-VC",)),
        (5, ("", "入境人员血液标本", "Arriving traveller's blood specimen"), ("HT-DENV",)),
    ],
    "LAB-ANIMAL": [
        (45, ("010391", "出口活猪血清及鼻拭子", "Export pigs: sera and nasal swabs"),
         ("AN-ASF-P72", "AN-ASF-CD2V", "AN-CSF-PCR", ("AN-PRRS", 1, 4), ("AN-PRV", 1, 3))),
        (20, ("0203",), ("AN-ASF-P72",)),
        (20, ("0105", "0207"), ("AN-HPAI",)),
        (15, ("010229", "进境种牛血清", "Imported breeding cattle: sera"), ("AN-FMD",)),
    ],
    "LAB-PLANT": [
        (35, ("0803", "0810"), (("PL-TEPH", 2, 4),)),
        (20, ("07",), (("PL-LIRI", 1, 4), ("PL-TEPH", 1, 2))),
        (15, ("1006",), (("PL-TROG", 2, 4),)),
        (20, ("441510", "木质包装（松木托盘）", "Wood packaging (pine pallets)"), ("PL-BXYL",)),
        (10, ("0810",), ("PL-XCC", "PL-EAMY")),
    ],
}  # fmt: skip
FOOD_DESTINATIONS = {
    "HK": 45,
    "MO": 8,
    "JP": 7,
    "SG": 5,
    "MY": 4,
    "KR": 3,
    "DE": 4,
    "NL": 3,
    "FR": 2,
    "US": 6,
    "CA": 2,
    "AU": 2,
}
GOODS_DESTINATIONS = {"HK": 22, "US": 20, "DE": 8, "JP": 7, "GB": 5, "NL": 5, "FR": 4, "IT": 3, "ES": 2, "BE": 2,
                      "KR": 4, "AU": 4, "SG": 3, "AE": 3, "CA": 3}  # fmt: skip
MONTH_FACTOR = (0.9, 0.75, 1.0, 1.0, 1.0, 1.0, 1.02, 1.05, 1.12, 1.15, 1.15, 1.05)
STORES = {
    "LAB-FOOD": "冷藏室 C{}-{:02d}",
    "LAB-ANIMAL": "生物样本库 -80℃ F{}-{:02d}",
    "LAB-HEALTH": "冷藏室 H{}-{:02d}",
}
REJECT_REASONS = (
    "样品袋破损，冷链中断 / Bag torn, cold chain broken",
    "样品量不足，无法满足检测要求 / Too little sample for the tests",
    "样品标识与送检单不符 / Label does not match the request form",
)
QUANTITIES = {"LAB-FOOD": "2 kg", "LAB-TEX": "2 件", "LAB-LIGHT": "6 件", "LAB-ELEC": "3 台", "LAB-CHEM": "500 g",
              "LAB-HEALTH": "2 × 500 mL", "LAB-ANIMAL": "30 份", "LAB-PLANT": "1 批"}  # fmt: skip
INVALID_REASON = (
    "复核发现称量记录错误，结果作废重检 / Review found a weighing error: results withdrawn, retested"
)
DEAD = frozenset({"retracted", "rejected", "cancelled"})
RANK = {"unassigned": 0, "assigned": 1, "to_be_verified": 2, "verified": 3, "published": 4}
WORST = {"conform": 0, "inconclusive": 1, "not_conform": 2}


def _cumulative(weights: Sequence[float]) -> list[float]:
    out, total = [], 0.0
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _pick(rng: Any, table: tuple[list[float], list[Any]]) -> Any:
    cumulative, items = table
    return items[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def _table(weights: dict[Any, float]) -> tuple[list[float], list[Any]]:
    return _cumulative(list(weights.values())), list(weights)


@dataclass
class Spec:
    id: int
    prefix: str
    destination_id: int | None
    low: Decimal | None
    high: Decimal | None
    rule: str


@dataclass
class Svc:
    """What the generator needs of one analysis service."""

    id: int
    code: str
    name_zh: str
    method_id: int
    unit: str
    precision: int
    loq: Decimal | None
    u: Decimal | None
    floor: Decimal | None
    duplicate_variation: Decimal
    qualitative: bool
    days: int
    verifications: int
    profile: str
    typical: float
    sd: float
    below_loq: float
    specs: list[Spec] = field(default_factory=list)

    @functools.cached_property
    def censored_text(self) -> str:
        return f"<{self.loq.normalize():f}" if self.loq is not None else "ND"


@dataclass
class Meth:
    id: int
    code: str
    lab_code: str
    services: list[Svc]
    instruments: list[int]
    run_hours: tuple[int, int]
    blank: tuple[int, Svc] | None  # reference material id, its service
    control: (
        tuple[int, Svc, Decimal, Decimal] | None
    )  # material id, service, chart mean, sd (qualitative: 0, 0)


class Obj:
    """A row being made; ``n`` is its index in the chunk's list of its kind."""

    __slots__ = ("__dict__", "n")


class Chunk:
    def __init__(self) -> None:
        self.samples: list[Any] = []
        self.worksheets: list[Any] = []
        self.analyses: list[Any] = []
        self.verifications: list[tuple[Any, int, int]] = []
        self.custody: list[tuple[Any, str, int, str, str, int]] = []
        self.first_day: dt.date | None = None
        self.last_day: dt.date | None = None

    def add(self, kind: list[Any], obj: Any) -> Any:
        obj.n = len(kind)
        kind.append(obj)
        return obj


class World:
    """What the generator draws from, read once: laboratories, methods, services and their
    specifications, instruments, reference materials, staff, products, clients, destinations."""

    def __init__(self, staff: dict[int, Staff]) -> None:
        self.labs = dict(OrgUnit.objects.filter(kind="laboratory").values_list("code", "id"))
        self.staff = {
            lab: (s.head.pk, s.reception.pk, [a.pk for a in s.analysts])
            for lab, s in staff.items()
            if s.analysts
        }
        defs = {d.code: d for ds in METHODS.values() for d in ds}
        rows = {r["code"]: r for d in defs.values() for r in service_rows(d)}
        self.svc: dict[str, Svc] = {}
        for s in AnalysisService.objects.select_related("method").filter(is_active=True):
            row = rows.get(s.code, {})
            loq = s.loq if s.loq is not None else None
            typical = float(row.get("typical") or (float(loq) * 3 if loq else 1.0))
            self.svc[s.code] = Svc(
                s.pk, s.code, s.name_zh, s.method_id, s.unit, s.precision, loq, s.uncertainty_percent, s.uncertainty_floor,
                s.duplicate_variation, s.result_type == "qualitative", s.turnaround_days, s.verifications_required,
                row.get("profile", "qual" if s.result_type == "qualitative" else "trace"), typical,
                float(row.get("sd") or typical * 0.2), BELOW_LOQ.get(s.method.code, 0.9),
            )  # fmt: skip
        by_id = {s.id: s for s in self.svc.values()}
        for spec in Specification.objects.filter(is_active=True).order_by("id"):
            if spec.service_id in by_id:
                by_id[spec.service_id].specs.append(
                    Spec(
                        spec.pk, spec.hs_prefix, spec.destination_id, spec.low, spec.high, spec.decision_rule
                    )
                )
        self.methods = self._methods(defs)
        self.method_by_id = {m.id: m for m in self.methods.values()}
        self._places()

    def _methods(self, defs: dict[str, MethodDef]) -> dict[str, Meth]:
        today = timezone.localdate()
        usable = {
            i.pk
            for i in Instrument.objects.filter(
                is_active=True, out_of_service=False, qc_blocked_at__isnull=True
            )
            if i.calibrations.filter(calibrated_on__lte=today, valid_until__gte=today).exists()
        }
        charts = {(c.service_id, c.reference_material_id): c for c in ControlChart.objects.all()}
        materials: dict[tuple[int, bool], list[ReferenceMaterial]] = {}
        for m in ReferenceMaterial.objects.filter(is_active=True).select_related("service").order_by("code"):
            materials.setdefault((m.service.method_id, m.is_blank), []).append(m)
        by_id = {s.id: s for s in self.svc.values()}
        out: dict[str, Meth] = {}
        for m in (
            Method.objects.filter(is_active=True).select_related("laboratory").prefetch_related("instruments")
        ):
            services = [s for s in self.svc.values() if s.method_id == m.pk]
            instruments = [i.pk for i in m.instruments.all() if i.pk in usable]
            if not services or not instruments:
                continue
            blank = next(iter(materials.get((m.pk, True), [])), None)
            control = next(iter(materials.get((m.pk, False), [])), None)
            chart = charts.get((control.service_id, control.pk)) if control else None
            d = defs.get(m.code)
            out[m.code] = Meth(
                m.pk, m.code, m.laboratory.code, services, instruments, d.run_hours if d else (20, 60),
                (blank.pk, by_id[blank.service_id]) if blank else None,
                (control.pk, by_id[control.service_id], chart.mean if chart else Decimal(0), chart.sd if chart else Decimal(0))
                if control else None,
            )  # fmt: skip
        return out

    def _places(self) -> None:
        self.products: dict[str, list[tuple[int, str, str]]] = {}
        rows = (
            Product.objects.filter(is_active=True).order_by("hs_code").values_list("id", "hs_code", "name_zh")
        )
        self.all_products = list(rows)
        clients = list(
            Enterprise.objects.filter(is_active=True, kind__in=("exporter", "farm", "packing_house"))
            .order_by("uscc")
            .values_list("id", flat=True)
        )
        self.clients = (_cumulative([1 / (rank + 3) for rank in range(len(clients))]), clients)
        countries = dict(Country.objects.values_list("code", "id"))
        self.food_dest = _table({countries[c]: w for c, w in FOOD_DESTINATIONS.items() if c in countries})
        self.goods_dest = _table({countries[c]: w for c, w in GOODS_DESTINATIONS.items() if c in countries})
        self.ports = list(
            Port.objects.filter(is_active=True).order_by("code").values_list("name_zh", flat=True)
        )

    def products_for(self, prefixes: tuple[str, ...]) -> list[tuple[int, str, str]]:
        key = ",".join(prefixes)
        if key not in self.products:
            self.products[key] = [p for p in self.all_products if p[1].startswith(prefixes)]
        return self.products[key]


def _quantize(value: float, precision: int) -> Decimal:
    return Decimal(f"{value:.{precision}f}")


class Generator:
    """Makes the history week by week in time order (a week's samples, then its worksheets,
    then the samples' states as of ``now``); ``chunks`` yields them in chunks of whole weeks."""

    def __init__(self, world: World, rng: Any, now: dt.datetime, exceptions: dict[dt.date, bool]) -> None:
        self.w, self.rng, self.now = world, rng, int(now.timestamp())
        self.exceptions = exceptions
        self.labs = _table(
            {c: LAB_SHARE[c] for c in LAB_SHARE if c in world.labs and world.labs[c] in world.staff}
        )
        self.kinds = {lab: _table({n: k[0] for n, k in enumerate(KINDS[lab])}) for lab in KINDS}
        self.spec_cache: dict[tuple[int, str, int | None], Spec | None] = {}
        self.history: dict[int, deque[Decimal]] = {}  # control material → its last results
        self.stats: Tally[str] = Tally()
        self.chunk = Chunk()

    # -- calendar ------------------------------------------------------------------------------

    @functools.cache  # noqa: B019 - one generator per run
    def due(self, start: dt.date, days: int) -> dt.date:
        return add_working_days(start, days, self.exceptions)

    @functools.cache  # noqa: B019
    def taken(self, start: dt.date, end: dt.date) -> int:
        return working_days_between(start, end, self.exceptions)

    @staticmethod
    def local_date(seconds: int) -> dt.date:
        return dt.date(1970, 1, 1) + dt.timedelta(days=(seconds + LOCAL) // DAY)

    def working(self, day: dt.date) -> bool:
        return self.exceptions.get(day, day.weekday() < 5)

    # -- the plan ------------------------------------------------------------------------------

    def plan(self, count: int, first: dt.date, last: dt.date) -> list[tuple[dt.date, int]]:
        """Samples a day: working days, the season, slow growth; exactly ``count``."""
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        weights = [
            (1.0 if self.working(d) else 0.12) * MONTH_FACTOR[d.month - 1] * 1.04 ** (n / 365)
            for n, d in enumerate(days)
        ]
        total, cum, done, out = sum(weights), 0.0, 0, []
        for day, weight in zip(days, weights, strict=True):
            cum += weight
            target = round(count * cum / total)
            out.append((day, target - done))
            done = target
        return out

    def chunks(self, plan: list[tuple[dt.date, int]], size: int) -> Iterator[Chunk]:
        week: list[tuple[dt.date, int]] = []
        for day, n in plan:
            if week and day.weekday() == 0:
                self.week(week)
                if len(self.chunk.samples) >= size:
                    yield self.chunk
                    self.chunk = Chunk()
                week = []
            week.append((day, n))
        if week:
            self.week(week)
        if self.chunk.samples:
            yield self.chunk

    # -- a week ----------------------------------------------------------------------------------

    def week(self, days: list[tuple[dt.date, int]]) -> None:
        chunk, rng = self.chunk, self.rng
        chunk.first_day = chunk.first_day or days[0][0]
        chunk.last_day = days[-1][0]
        samples = []
        for day, count in days:
            start = (day - dt.date(1970, 1, 1)).days * DAY - LOCAL
            latest = min(17.5 * HOUR, self.now - start - 600)
            if latest <= 8.5 * HOUR:
                continue
            for moment in sorted(rng.uniform(8.5 * HOUR, latest) for _ in range(count)):
                samples.append(self.sample(start + int(moment)))
        arriving = sorted(
            (s for s in samples if s.received is not None and s.received <= self.now),
            key=lambda s: s.received,
        )
        buffers: dict[str, list[Any]] = {}
        for sample in arriving:
            for method, analyses in sample.by_method.items():
                buffer = buffers.get(method)
                if buffer and (
                    sample.received - buffer[0] > 2 * DAY or len(buffer[2]) + len(analyses) > buffer[1]
                ):
                    self.worksheet(method, buffer[2], buffer[3])
                    buffer = None
                if buffer is None:
                    buffer = buffers[method] = [sample.received, rng.randint(20, 40), [], 0]
                buffer[2].extend(analyses)
                buffer[3] = sample.received
        for method, buffer in buffers.items():
            self.worksheet(method, buffer[2], buffer[3])
        for sample in samples:
            self.settle(sample)

    def sample(self, registered: int) -> Any:
        rng, w = self.rng, self.w
        lab = _pick(rng, self.labs)
        _weight, where, tests = KINDS[lab][_pick(rng, self.kinds[lab])]
        s = self.chunk.add(self.chunk.samples, Obj())
        s.lab_code, s.lab_id, s.registered, s.retest_of = lab, w.labs[lab], registered, None
        s.registered_by = w.staff[s.lab_id][1]
        s.product_id, s.client_name, s.client_id, s.dest_id = None, "", None, None
        pool = [] if len(where) == 3 and not where[1].isascii() else w.products_for(where)
        if pool:
            s.product_id, s.hs, name = pool[int(rng.random() * len(pool))]
            s.description = f"{name}（{'植物检疫' if lab == 'LAB-PLANT' else '出口检验'}样品）"
        else:
            s.hs, s.description = (where[0], where[1]) if len(where) == 3 else (where[0], "送检样品")
        if lab == "LAB-HEALTH":
            s.client_name = f"{rng.choice(w.ports)}口岸" if w.ports else "口岸卫生检疫"
        else:
            s.client_id = _pick(rng, w.clients) if w.clients[1] else None
            if not (lab == "LAB-CHEM" and s.hs == "260111") and s.hs not in ("010229",):
                s.dest_id = _pick(
                    rng, w.food_dest if lab in ("LAB-FOOD", "LAB-ANIMAL", "LAB-PLANT") else w.goods_dest
                )
        s.priority = "urgent" if rng.random() < URGENT else "normal"
        s.analyses, s.by_method = [], {}
        for test in tests:
            for svc in self.tests(test):
                if svc.code in {a.svc.code for a in s.analyses}:
                    continue
                a = self.analysis(s, svc)
                s.analyses.append(a)
                s.by_method.setdefault(svc.method_id, []).append(a)
        fast = lab in ("LAB-HEALTH", "LAB-ANIMAL", "LAB-PLANT")
        s.received = registered + int(rng.uniform(0.2, 6 if fast else 26) * HOUR)
        r = rng.random()
        s.fate = "rejected" if r < REJECTED else "cancelled" if r < REJECTED + CANCELLED else ""
        if s.fate == "cancelled":
            s.received = None
        if s.fate == "rejected" and s.received > self.now:
            s.fate = ""
        if s.fate:
            s.by_method = {}
        s.tests = "、".join(a.svc.name_zh for a in s.analyses)[:500]
        self.targets(s)
        return s

    def tests(self, test: Any) -> list[Svc]:
        if isinstance(test, tuple):
            method = self.w.methods.get(test[0])
            if method is None:
                return []
            k = min(len(method.services), self.rng.randint(test[1], test[2]))
            return sorted(self.rng.sample(method.services, k), key=lambda s: s.code)
        if test in self.w.methods:
            return self.w.methods[test].services
        svc = self.w.svc.get(test)
        return [svc] if svc and svc.method_id in self.w.method_by_id else []

    def analysis(self, sample: Any, svc: Svc, retest_of: Any = None) -> Any:
        a = self.chunk.add(self.chunk.analyses, Obj())
        a.kind, a.sample, a.svc, a.ws, a.rm_id, a.dup_of, a.retest_of = (
            "routine",
            sample,
            svc,
            None,
            None,
            None,
            retest_of,
        )
        a.status, a.analyst, a.instrument, a.due, a.result, a.spec, a.outcome = (
            "unassigned",
            None,
            None,
            None,
            None,
            None,
            "",
        )
        a.flags, a.submitted_by, a.submitted_at, a.verified_at, a.turnaround, a.reason = (
            "[]",
            None,
            None,
            None,
            None,
            "",
        )
        a.created = sample.registered if retest_of is None else retest_of.created
        a.updated, a.target = a.created, "ok"
        a.spec = self.specification(svc, sample.hs, sample.dest_id)
        return a

    def specification(self, svc: Svc, hs: str, dest: int | None) -> Spec | None:
        """As ``services.specification_for``: the destination's limit over any destination's,
        then the longest matching HS prefix."""
        key = (svc.id, hs, dest)
        if key not in self.spec_cache:
            found = [s for s in svc.specs if (s.destination_id in (dest, None)) and hs.startswith(s.prefix)]
            found.sort(key=lambda s: (s.destination_id is not None, len(s.prefix)), reverse=True)
            self.spec_cache[key] = found[0] if found else None
        return self.spec_cache[key]

    def targets(self, s: Any) -> None:
        """Which analysis, if any, will not conform (or be inconclusive): the sample's fate."""
        rng = self.rng
        r = rng.random()
        if r < NC_RATE[s.lab_code]:
            pool = [a for a in s.analyses if a.svc.qualitative or (a.spec and (a.spec.low or a.spec.high))]
            target = "nc"
        elif r < NC_RATE[s.lab_code] + INCONCLUSIVE_RATE:
            pool = [
                a
                for a in s.analyses
                if not a.svc.qualitative and a.spec and a.spec.rule == "guarded" and a.spec.high
            ]
            target = "inc"
        else:
            return
        if pool:
            rng.choice(pool).target = target

    # -- results ---------------------------------------------------------------------------------

    def draw(self, a: Any) -> None:
        """The analysis's result for its target: (text, value, censored, uncertainty), outcome."""
        svc, spec = a.svc, a.spec
        if svc.qualitative:
            detected = a.target == "nc"
            a.result = ("detected" if detected else "not_detected", None, False, None)
            a.outcome = "not_conform" if detected else "conform"
            return
        raw = self.value(svc, spec, a.target)
        censored = raw is None
        if not censored:
            value = (
                _quantize(raw, svc.precision) if svc.profile != "count" else Decimal(f"{raw:.2g}").quantize(1)
            )
            censored = value <= 0 or (svc.loq is not None and value < svc.loq)
        if censored:
            value = svc.loq if svc.loq is not None else Decimal(0)
            a.result = (svc.censored_text, value, True, None)
        else:
            unc = decision.expanded_uncertainty(value, relative_percent=svc.u, floor=svc.floor)
            a.result = (f"{value:f}", value, False, unc)
        if spec is None:
            a.outcome = ""
            return
        a.outcome = str(
            decision.evaluate(
                value, low=spec.low, high=spec.high, uncertainty=a.result[3] or Decimal(0), rule=spec.rule,
                censored=censored,
            )
        )  # fmt: skip

    def value(self, svc: Svc, spec: Spec | None, target: str) -> float | None:
        """A number drawn for ``target`` (``None``: below the LOQ)."""
        rng = self.rng
        u = float(svc.u or 0) / 100
        floor = float(svc.floor or 0)
        high = float(spec.high) if spec and spec.high is not None else None
        low = float(spec.low) if spec and spec.low is not None else None
        if target == "nc" and (high is not None or low is not None):
            if high is not None and (low is None or rng.random() < 0.7):
                return max(high * (1 + u) * rng.uniform(1.25, 3.0), high + 3 * floor + 10**-svc.precision)
            assert low is not None
            return min(low * (1 - u) * rng.uniform(0.5, 0.85), low - 3 * floor - 10**-svc.precision)
        if target == "inc" and high is not None:
            return high * rng.uniform(0.95, 1.04)
        if svc.profile == "residue":
            if rng.random() < svc.below_loq:
                return None
            value = float(svc.loq or 0.01) * rng.lognormvariate(0.9, 0.8)
        elif svc.profile == "count":
            value = svc.typical * rng.lognormvariate(0, 1.2)
        elif svc.profile == "level":
            value = rng.gauss(svc.typical, svc.sd)
        else:
            value = svc.typical * rng.lognormvariate(0, 0.7)
        if high is not None:
            cap = min(high / (1 + u) * 0.85, high - 2 * floor)
            if value > cap:
                value = cap * rng.uniform(0.3, 0.95)
        if low is not None:
            bottom = max(low * (1 + u) / 0.85, low + 2 * floor)
            if value < bottom:
                value = bottom + abs(rng.gauss(0, svc.sd))
        return value

    # -- worksheets --------------------------------------------------------------------------------

    def worksheet(
        self, method_id: int, analyses: list[Any], last_received: int, *, rerun: bool = False
    ) -> None:
        """Plan, run and judge one worksheet of ``analyses``, as far as ``now`` allows."""
        rng, chunk = self.rng, self.chunk
        method = self.w.method_by_id[method_id]
        created = last_received + int(rng.uniform(1, 5) * HOUR)
        if created > self.now or not analyses:
            return
        head, _reception, analysts = self.w.staff[self.w.labs[method.lab_code]]
        ws = chunk.add(chunk.worksheets, Obj())
        ws.lab_id, ws.method_id, ws.created, ws.created_by = (
            self.w.labs[method.lab_code],
            method.id,
            created,
            head,
        )
        ws.instrument, ws.analyst = rng.choice(method.instruments), rng.choice(analysts)
        ws.status, ws.qc_status, ws.qc_summary = "open", "pending", ""
        run = rng.uniform(*method.run_hours) * HOUR + (
            rng.uniform(2, 8) * DAY if rng.random() < LATE_RUN else 0
        )
        submitted = created + int(run)
        verified = submitted + int(rng.uniform(2, 30) * HOUR)
        ws.updated = created
        for a in analyses:
            a.ws, a.analyst, a.instrument, a.status, a.updated = (
                ws,
                ws.analyst,
                ws.instrument,
                "assigned",
                created,
            )
        qc = self.qc(ws, method, analyses, created)
        if submitted > self.now:
            return
        for a in analyses:
            if a.result is None:
                self.draw(a)
        for a in analyses + qc:
            a.status, a.submitted_by, a.submitted_at, a.updated = (
                "to_be_verified",
                ws.analyst,
                submitted,
                submitted,
            )
        failed = self.judge(method, qc, allow_failure=not rerun and submitted + 6 * HOUR < self.now)
        ws.status, ws.updated = "to_be_verified", submitted
        if failed:
            self.fail(ws, method, analyses, qc, failed, submitted)
            return
        ws.qc_status = "passed"
        for a in qc:
            a.status, a.verified_at = "verified", submitted
        if verified > self.now:
            return
        ws.status, ws.updated = "verified", verified
        verifiers = [head, *analysts]
        for a in analyses:
            a.status, a.verified_at, a.updated = "verified", verified, verified
            people = [p for p in verifiers if p != a.submitted_by]
            for k, person in enumerate(rng.sample(people, min(len(people), a.svc.verifications))):
                chunk.verifications.append((a, person, verified - (a.svc.verifications - 1 - k) * HOUR))
            start = self.local_date(a.sample.received)
            a.turnaround = self.taken(start, self.local_date(verified))

    def qc(self, ws: Any, method: Meth, analyses: list[Any], created: int) -> list[Any]:
        """The worksheet's blank, control and (numeric methods) a duplicate, planned with it."""
        qc = []
        for kind, material in (("blank", method.blank), ("control", method.control)):
            if material is not None:
                qc.append(self.qc_analysis(ws, kind, material[1], created, rm_id=material[0]))
        numeric = [a for a in analyses if not a.svc.qualitative]
        if numeric:
            original = self.rng.choice(numeric)
            qc.append(self.qc_analysis(ws, "duplicate", original.svc, created, dup_of=original))
        return qc

    def qc_analysis(
        self, ws: Any, kind: str, svc: Svc, created: int, *, rm_id: int | None = None, dup_of: Any = None
    ) -> Any:
        a = self.chunk.add(self.chunk.analyses, Obj())
        a.kind, a.sample, a.svc, a.ws, a.rm_id, a.dup_of, a.retest_of = (
            kind,
            None,
            svc,
            ws,
            rm_id,
            dup_of,
            None,
        )
        a.status, a.analyst, a.instrument, a.due, a.result, a.spec, a.outcome = (
            "assigned",
            ws.analyst,
            ws.instrument,
            None,
            None,
            None,
            "",
        )
        a.flags, a.submitted_by, a.submitted_at, a.verified_at, a.turnaround, a.reason = (
            "[]",
            None,
            None,
            None,
            None,
            "",
        )
        a.created = a.updated = created
        a.target = "ok"
        return a

    def judge(self, method: Meth, qc: list[Any], *, allow_failure: bool) -> list[str]:
        """QC results and their flags (as ``worksheets._qc_flags``); the findings that fail the run."""
        findings = []
        for a in qc:
            svc = a.svc
            if a.kind == "blank":
                a.result = (
                    ("not_detected", None, False, None)
                    if svc.qualitative
                    else (svc.censored_text, svc.loq, True, None)
                )
            elif a.kind == "duplicate":
                a.result = self.duplicate(a)
            elif svc.qualitative:
                a.result = ("detected", None, False, None)
            else:
                a.result = self.control(a, method, allow_failure)
            if a.flags != "[]" and (
                set(json_list(a.flags)) & {"duplicate_variation", "1_3s", "2_2s", "R_4s", "4_1s", "10_x"}
            ):
                findings.append(f"{a.kind}: {', '.join(json_list(a.flags))}")
        if findings and not allow_failure:  # a run judged too recently to be retracted yet passes
            for a in qc:
                a.flags = "[]"
            return []
        if findings:
            self.stats["qc_failures"] += 1
        return findings

    def duplicate(self, a: Any) -> tuple[str, Decimal | None, bool, Decimal | None]:
        original, svc = a.dup_of, a.svc
        _text, value, censored, _unc = original.result
        if censored or value is None:
            return original.result
        copy = _quantize(float(value) * (1 + self.rng.gauss(0, 0.02)), svc.precision)
        mean = (copy + value) / 2
        if mean and abs(copy - value) / mean * 100 > svc.duplicate_variation:
            a.flags = '["duplicate_variation"]'
        return (
            f"{copy:f}",
            copy,
            False,
            decision.expanded_uncertainty(copy, relative_percent=svc.u, floor=svc.floor),
        )

    def control(
        self, a: Any, method: Meth, allow_failure: bool
    ) -> tuple[str, Decimal | None, bool, Decimal | None]:
        """A control result on the chart, judged by the Westgard rules against the material's
        earlier results; one run in a hundred is knocked beyond 3 SD."""
        assert method.control is not None
        rm_id, svc, mean, sd = method.control
        quantum = Decimal(1).scaleb(math.floor(math.log10(sd)) - 1) if sd > 0 else Decimal(1)
        shift = self.rng.gauss(0, 1)
        if allow_failure and self.rng.random() < 0.01:
            shift = self.rng.choice((-1, 1)) * self.rng.uniform(3.3, 4.5)
        value = (mean + sd * Decimal(f"{shift:.4f}")).quantize(quantum)
        history = self.history.setdefault(rm_id, deque(maxlen=westgard_window()))
        rules = [v.rule for v in westgard.evaluate([*history, value], mean=mean, sd=sd)] if sd > 0 else []
        a.flags = json_text(rules)
        if not (set(rules) - {"1_2s"}) or not allow_failure:
            history.append(value)
        return (
            f"{value:f}",
            value,
            False,
            decision.expanded_uncertainty(value, relative_percent=svc.u, floor=svc.floor),
        )

    def fail(
        self, ws: Any, method: Meth, analyses: list[Any], qc: list[Any], findings: list[str], submitted: int
    ) -> None:
        """A failed run is retracted: its results stay (retracted), retests go on a new run."""
        retracted = submitted + int(self.rng.uniform(1, 5) * HOUR)
        ws.status, ws.qc_status, ws.updated = "retracted", "failed", retracted
        ws.qc_summary = "; ".join(findings)
        reason = f"质控失败，整批重做 / QC failed, run repeated: {ws.qc_summary}"[:500]
        retests = []
        for a in qc:
            a.status, a.reason, a.updated = "retracted", reason, retracted
        for a in analyses:
            a.status, a.reason, a.updated = "retracted", reason, retracted
            retest = self.analysis(a.sample, a.svc, retest_of=a)
            retest.created = retest.updated = retracted
            retest.target = a.target
            a.sample.analyses.append(retest)
            retests.append(retest)
        self.worksheet(method.id, retests, retracted, rerun=True)

    # -- the sample's state as of now ---------------------------------------------------------------

    def settle(self, s: Any) -> None:
        rng, now, chunk = self.rng, self.now, self.chunk
        _head, reception, _analysts = self.w.staff[s.lab_id]
        s.status, s.quantity = "registered", QUANTITIES.get(s.lab_code, "1 件")
        s.status_changed, s.due, s.verified_at, s.published_at, s.outcome, s.reason = (
            s.registered,
            None,
            None,
            None,
            "",
            "",
        )
        s.disposed_at, s.condition, s.storage = None, "", ""
        local = self.local_date(s.registered)
        s.date_sampled = local - dt.timedelta(days=int(rng.random() * 3))
        chunk.custody.append((s, "registered", reception, "", "", s.registered))
        if s.fate == "cancelled":
            when = s.registered + int(rng.uniform(1, 3) * DAY)
            if when <= now:
                self.end(
                    s,
                    "cancelled",
                    "cancelled",
                    "样品未送达，委托方撤回 / Never delivered: withdrawn by the client",
                    when,
                )
            return
        if s.received is None or s.received > now:
            return
        cold = STORES.get(s.lab_code, "样品室 A{}-{:02d}")
        s.storage = cold.format(rng.randint(1, 4), rng.randint(1, 30))
        s.condition = (
            "完好 / Intact" if s.lab_code not in STORES else "冷藏，包装完好 / Chilled, packaging intact"
        )
        chunk.custody.append((s, "received", reception, s.storage, s.condition, s.received))
        s.status, s.status_changed = "received", s.received
        if s.fate == "rejected":
            self.end(s, "rejected", "rejected", rng.choice(REJECT_REASONS), s.received + 1800)
            return
        start = self.local_date(s.received)
        for a in s.analyses:
            days = max(1, (a.svc.days + 1) // 2) if s.priority == "urgent" else a.svc.days
            a.due = self.due(start, days)
        s.due = max((a.due for a in s.analyses if a.due), default=None)
        self.roll_up(s, reception)

    def end(self, s: Any, status: str, dead: str, reason: str, when: int) -> None:
        s.status, s.status_changed, s.reason = status, when, reason
        for a in s.analyses:
            a.status, a.reason, a.updated = dead, reason, when

    def roll_up(self, s: Any, reception: int) -> None:
        live = [a for a in s.analyses if a.status not in DEAD]
        ranks = [RANK[a.status] for a in live]
        low = min(ranks, default=0)
        if low >= 3:
            s.status = "verified"
            s.verified_at = s.status_changed = max(a.verified_at for a in live)
            outcomes = [a.outcome for a in live if a.outcome]
            s.outcome = max(outcomes, key=WORST.__getitem__) if outcomes else ""
            self.publish(s, live, reception)
        elif low >= 2:
            s.status, s.status_changed = "to_be_verified", max(a.submitted_at for a in live)
        elif ranks and max(ranks) >= 1:
            s.status = "in_analysis"
            s.status_changed = min(a.ws.created for a in live if a.ws is not None)

    def publish(self, s: Any, live: list[Any], reception: int) -> None:
        rng, now = self.rng, self.now
        published = s.verified_at + int(rng.uniform(2, 40) * HOUR)
        if published > now:
            return
        s.status, s.status_changed, s.published_at = "published", published, published
        for a in live:
            a.status, a.updated = "published", published
        store = f"留样室 R{rng.randint(1, 6)}-{rng.randint(1, 40):02d}"
        self.chunk.custody.append((s, "stored", reception, store, "留样 / Retained", published + HOUR))
        s.storage = store
        keep = 30 if s.lab_code == "LAB-FOOD" else 90
        if published + keep * DAY <= now:
            s.disposed_at = published + keep * DAY
            self.chunk.custody.append(
                (s, "disposed", reception, store, "留样期满销毁 / Retention over", s.disposed_at)
            )
        if rng.random() < INVALIDATED and published + 10 * DAY < now:
            self.invalidate(s, published + int(rng.uniform(3, 10) * DAY), reception)

    def invalidate(self, s: Any, when: int, reception: int) -> None:
        """The published result is withdrawn; a retest sample is received in its place."""
        s.status, s.status_changed, s.reason = "invalid", when, INVALID_REASON
        r = self.chunk.add(self.chunk.samples, Obj())
        for name in ("lab_code", "lab_id", "registered_by", "product_id", "hs", "description", "client_name",
                     "client_id", "dest_id", "priority", "tests"):  # fmt: skip
            setattr(r, name, getattr(s, name))
        r.retest_of, r.registered, r.received, r.fate, r.analyses, r.by_method = s, when, when, "", [], {}
        for original in [a for a in s.analyses if a.status not in DEAD]:
            retest = self.analysis(r, original.svc, retest_of=original)
            retest.created = retest.updated = when
            r.analyses.append(retest)
            r.by_method.setdefault(original.svc.method_id, []).append(retest)
        for method_id, analyses in r.by_method.items():
            self.worksheet(method_id, analyses, when)
        self.settle(r)


def westgard_window() -> int:
    from openciq.lims.worksheets import CONTROL_HISTORY

    return CONTROL_HISTORY


def json_list(text: str) -> list[str]:
    return [] if text == "[]" else [p.strip().strip('"') for p in text.strip("[]").split(",")]


def json_text(items: Sequence[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"
