"""Declarations at demo or bureau scale, reproducible from the seed number.

History: ``count`` decided declarations over the ``years`` before today (bureau: 2,700,000 over
five years, about US$79 billion; demo: 600 over one year), as the life cycle would have left
them: released (conform, with a release record) or rejected (not conform, with a disposal and a
reason). Only exporting enterprises declare: exporters, farms and packing houses, each trading
in one product group (from its trade, its kind or the group mix) with a few products of it; a
few big exporters and a long tail. Destinations (Hong Kong first, then Macau and overseas),
ports, Chinese New Year and autumn peaks, 1-3 lines with quantities, weights and values that
suit the product, origin premises for HS chapters 01-14. The risk engine itself
(``risk.evaluate``) scores each batch from its class, products, 12-month history and control
level, so modes and scores follow the rules; non-conformity is 1-5% by class and product risk,
found only by an inspecting mode. The control levels the batches lead to become the
``ComplianceState`` rows. Numbers follow ``services.declaration_number`` and the counters are
advanced, so new declarations continue the sequence.

Bulk path (STYLE C.11): chunks of raw SQL (SQLite ``executemany``, PostgreSQL ``COPY``), one
transaction per chunk, primary keys assigned here, one ``declarations.history_seeded`` audit
event per run. History already there (declarations made by the seeding actor) is counted, so a
second run adds nothing. At demo scale a dozen live declarations also go through the services,
so the demo inspector has a worklist.
"""

from __future__ import annotations

import bisect
import datetime as dt
import multiprocessing
import queue
import time
import traceback
from collections import Counter as Tally
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from stdnum import iso6346

from openciq.core import audit
from openciq.core.bulk import bulk_session
from openciq.core.models import Counter
from openciq.core.numbering import advance_to
from openciq.declarations import services
from openciq.declarations.models import ComplianceState, Declaration
from openciq.declarations.risk import RiskInputs, RuleParams, evaluate, next_control_level
from openciq.masterdata.models import Country, Enterprise, Port, Premises, Product

SCALES = {"demo": {"count": 600, "years": 1}, "bureau": {"count": 2_700_000, "years": 5}}
CHUNK = 20_000
EXPORTING_KINDS = ("exporter", "farm", "packing_house")
LOCAL = 8 * 3600  # Asia/Shanghai is UTC+8 all year

# Product groups: share of batches and HS chapters (Guangdong's legal-inspection exports).
GROUPS = {
    "livestock": (9, "01 02 04"),
    "aquatic": (6, "03"),
    "vegetables": (16, "07"),
    "fruit_grain": (5, "08 09 10"),
    "processed_food": (13, "16 19 20 21 22"),
    "cosmetics": (3, "33"),
    "plastics_paper": (7, "39 48"),
    "textiles": (10, "54 61 62 64"),
    "ceramics_metal": (7, "69 70 73"),
    "electrical": (14, "84 85"),
    "vehicle_parts": (1, "87"),
    "furniture_toys": (9, "94 95 96"),
}
# An enterprise's trade (the end of its English name) or kind says what it ships.
TRADES = {
    "Food": {"processed_food": 7, "aquatic": 1, "fruit_grain": 2},
    "Agricultural Products": {"vegetables": 6, "fruit_grain": 4},
    "Vegetables": {"vegetables": 1},
    "Livestock Farming": {"livestock": 1},
    "Aquatic Products": {"aquatic": 1},
    "Electronics": {"electrical": 1},
    "Garments": {"textiles": 1},
    "Packaging": {"plastics_paper": 1},
    "Toys": {"furniture_toys": 1},
    "Furniture": {"furniture_toys": 1},
    "Chemicals": {"cosmetics": 3, "plastics_paper": 2},
    "Import & Export": {
        "ceramics_metal": 5,
        "electrical": 2,
        "textiles": 2,
        "vehicle_parts": 1,
        "furniture_toys": 1,
    },
    "farm": {"livestock": 1},
    "packing_house": {"vegetables": 7, "fruit_grain": 3},
}
# 6-digit HS code: unit, kg per unit, USD per unit, median units on a line, spread (log sd).
TRAITS = {
    "010391": ("HEA", 30, 80, 110, 0.4),
    "010392": ("HEA", 105, 190, 140, 0.35),
    "010594": ("HEA", 2, 5, 2500, 0.4),
    "020329": ("KGM", 1, 2.8, 9000, 0.5),
    "020714": ("KGM", 1, 2.2, 9000, 0.5),
    "030289": ("KGM", 1, 4, 2500, 0.6),
    "030617": ("KGM", 1, 8, 4000, 0.6),
    "040700": ("KGM", 1, 1.6, 5000, 0.5),
    "070200": ("KGM", 1, 0.6, 5000, 0.5),
    "070310": ("KGM", 1, 0.4, 9000, 0.5),
    "070320": ("KGM", 1, 0.9, 9000, 0.5),
    "070511": ("KGM", 1, 0.7, 3000, 0.5),
    "070410": ("KGM", 1, 0.7, 4000, 0.5),
    "070490": ("KGM", 1, 0.8, 4000, 0.5),
    "070999": ("KGM", 1, 0.7, 4000, 0.5),
    "071080": ("KGM", 1, 1.1, 10000, 0.5),
    "080390": ("KGM", 1, 0.5, 9000, 0.5),
    "081090": ("KGM", 1, 1.8, 5000, 0.5),
    "090210": ("KGM", 1, 6, 1500, 0.6),
    "100630": ("TNE", 1000, 560, 18, 0.6),
    "160232": ("CT", 12, 32, 900, 0.6),
    "190531": ("CT", 8, 20, 1200, 0.6),
    "200599": ("CT", 12, 18, 1200, 0.6),
    "210390": ("CT", 12, 15, 1200, 0.6),
    "220300": ("LTR", 1.05, 1.0, 15000, 0.6),
    "330499": ("H87", 0.15, 3.5, 6000, 0.7),
    "391732": ("KGM", 1, 3, 4000, 0.7),
    "392410": ("H87", 0.3, 1.2, 15000, 0.7),
    "481920": ("H87", 0.2, 0.25, 40000, 0.7),
    "540752": ("KGM", 1, 6, 4000, 0.7),
    "610910": ("H87", 0.2, 2.5, 8000, 0.7),
    "620342": ("H87", 0.5, 6, 5000, 0.7),
    "640399": ("H87", 1.0, 12, 3000, 0.7),
    "691110": ("H87", 0.5, 1.5, 15000, 0.7),
    "701337": ("H87", 0.3, 0.8, 25000, 0.7),
    "732393": ("H87", 0.8, 4, 8000, 0.7),
    "847130": ("H87", 2.5, 420, 300, 0.8),
    "850440": ("H87", 0.5, 15, 2500, 0.8),
    "851310": ("H87", 0.2, 1.5, 15000, 0.7),
    "851660": ("H87", 8, 45, 600, 0.7),
    "851712": ("H87", 0.2, 140, 600, 0.9),
    "852872": ("H87", 12, 260, 250, 0.7),
    "853710": ("H87", 3, 120, 250, 0.8),
    "870899": ("KGM", 1, 6, 4000, 0.8),
    "940360": ("H87", 25, 80, 250, 0.6),
    "950300": ("H87", 0.5, 4, 8000, 0.7),
    "960321": ("H87", 0.02, 0.2, 80000, 0.7),
}
DEFAULT_TRAIT = ("KGM", 1, 3.0, 3000, 0.7)
BATCH_SCALE = 0.69  # brings the bureau's 2.7 million batches to about US$79 billion
FRESH_DESTINATIONS = {"HK": 80, "MO": 13, "SG": 2, "MY": 1.5, "JP": 1.5, "TW": 1, "KR": 1}
DESTINATIONS = {
    "HK": 30, "US": 14, "JP": 8, "KR": 4, "DE": 4, "GB": 3.5, "NL": 3, "SG": 3, "MO": 3,
    "AU": 2.5, "FR": 2, "TW": 2, "CA": 2, "IT": 1.5, "MY": 1.5, "AE": 1.5, "TH": 1.2, "RU": 1.2,
    "IN": 1.1, "ES": 1, "BE": 1, "VN": 1, "BR": 1, "ID": 0.8, "SA": 0.8, "PH": 0.7, "MX": 0.7,
}  # fmt: skip
# Branches whose ports carry most of the traffic (Shenzhen's land crossings, the big sea ports).
BRANCH_WEIGHT = {"SZ": 10, "HG": 8, "WJ": 6, "SK": 6, "GZ": 6, "HP": 6, "NS": 5, "GB": 5, "LH": 4}
BRANCH_WEIGHT |= {"DG": 4, "FS": 3, "ZH": 3, "STJ": 2, "DY": 2, "ST": 2, "JM": 2, "ZS": 2}
MACAU_BRANCHES = ("GB", "HQ", "ZH")
# Non-conformity: by class, times a factor by product risk (A-low 1.0% ... D-high 5.0%).
CLASS_NC = {"A": 0.0125, "B": 0.02, "C": 0.03, "D": 0.037}
RISK_NC = {"low": 0.8, "medium": 1.0, "high": 1.35}
CLASS_WEIGHT = {"A": 2.0, "B": 1.0, "C": 0.6, "D": 0.3}  # big exporters tend to be trusted ones
CNY = [  # Chinese New Year's Day
    "2005-02-09", "2006-01-29", "2007-02-18", "2008-02-07", "2009-01-26", "2010-02-14", "2011-02-03", "2012-01-23",
    "2013-02-10", "2014-01-31", "2015-02-19", "2016-02-08", "2017-01-28", "2018-02-16", "2019-02-05", "2020-01-25",
    "2021-02-12", "2022-02-01", "2023-01-22", "2024-02-10", "2025-01-29", "2026-02-17", "2027-02-06", "2028-01-26",
    "2029-02-13", "2030-02-03", "2031-01-23", "2032-02-11", "2033-01-31", "2034-02-19", "2035-02-08",
]  # fmt: skip
MONTH_FACTOR = (1.0, 0.9, 0.95, 0.97, 1.0, 1.0, 1.02, 1.06, 1.15, 1.18, 1.2, 1.08)
WEEKDAY_FACTOR = (1.0, 1.0, 1.0, 1.0, 1.0, 0.75, 0.35)
REASONS = {
    "livestock": ["检出克伦特罗（瘦肉精） / Clenbuterol detected", "兽药残留超标 / Veterinary drug residues above the limit"],
    "aquatic": ["检出孔雀石绿 / Malachite green detected", "菌落总数超标 / Total plate count above the limit"],
    "vegetables": ["农药残留超标（毒死蜱） / Pesticide residue above the limit (chlorpyrifos)",
                   "来自未备案种植基地 / From an unregistered planting base"],
    "fruit_grain": ["检出实蝇 / Fruit flies found", "黄曲霉毒素超标 / Aflatoxins above the limit"],
    "processed_food": ["标签不符合进口国要求 / Labelling does not meet the importing country's rules",
                       "大肠菌群超标 / Coliforms above the limit", "超范围使用食品添加剂 / Food additive not permitted"],
    "cosmetics": ["检出禁用物质 / Prohibited substance found"],
    "plastics_paper": ["总迁移量超标 / Overall migration above the limit"],
    "textiles": ["甲醛含量超标 / Formaldehyde above the limit", "检出禁用偶氮染料 / Banned azo dyes found"],
    "ceramics_metal": ["铅、镉溶出量超标 / Lead and cadmium release above the limit"],
    "electrical": ["电气安全不合格（接地连续性） / Electrical safety failed (earth continuity)",
                   "电磁兼容不合格 / Electromagnetic compatibility failed"],
    "vehicle_parts": ["尺寸与合同不符 / Dimensions do not match the contract"],
    "furniture_toys": ["小零件不符合 EN 71-1 / Small parts (EN 71-1)", "木质包装未经除害处理 / Wood packaging not treated"],
    "": ["货证不符 / The goods do not match the documents"],
}  # fmt: skip
CONSIGNEES = ("Pacific", "Golden Harvest", "Harbour", "Evergreen", "Orient", "Sunrise", "Jade", "Grand")
VESSELS = ("COSCO HARMONY", "OOCL SHENZHEN", "MSC ANNA", "CSCL ASIA", "EVER GIVEN", "XIN NAN SHA 2")
MODES = ("sampling", "onsite", "onsite", "document")  # how a non-conformity was found
HOURS = {"release": (0.02, 0.2), "document": (1, 7), "onsite": (3, 27), "sampling": (48, 96)}  # to decide
RANK = {"low": 0, "medium": 1, "high": 2, "normal": 0, "intensified": 1, "imposed": 2}
COUNTED = ("HEA", "H87", "CT")
CERTIFICATES = {f"{c:02d}": "health" for c in (1, 2, 3, 4, 16, 19, 20, 21, 22)}
CERTIFICATES |= {f"{c:02d}": "phytosanitary" for c in (7, 8, 9, 10)}
DECLARATION_COLUMNS = [
    "id", "number", "created_at", "updated_at", "status", "transport_mode", "containers",
    "means_of_transport", "contract_ref", "invoice_ref", "planned_shipment_date", "consignee_name",
    "consignee_address", "certificate_kind", "total_value_usd", "total_net_weight_kg", "status_changed_at",
    "submitted_at", "decided_at", "inspection_mode", "risk_score", "conformity", "disposal",
    "decision_reasons", "created_by_id", "destination_id", "enterprise_id", "org_unit_id", "port_id",
]  # fmt: skip
LINE_COLUMNS = [
    "id", "declaration_id", "line_no", "product_id", "hs_code", "description", "quantity", "unit",
    "net_weight_kg", "value_usd", "origin_premises_id", "lot",
]  # fmt: skip
RELEASE_COLUMNS = ["id", "declaration_id", "number", "released_at", "released_by_id", "electronic"]
TABLES = {
    "declarations_declaration": DECLARATION_COLUMNS,
    "declarations_declarationline": LINE_COLUMNS,
    "declarations_releaserecord": RELEASE_COLUMNS,
}


@dataclass
class Item:
    id: int
    hs: str
    name: str
    risk: str
    trait: tuple[str, float, float, float, float]
    origin_kind: str  # "farm", "planting_base" or "" (no origin needed)


@dataclass
class Firm:
    id: int
    cls: str
    code: str  # branch code, for the declaration number
    org_unit_id: int
    group: str = ""
    items: list[Item] = field(default_factory=list)
    origins: dict[str, list[int]] = field(default_factory=dict)
    months: dict[int, list[int]] = field(default_factory=dict)  # month -> [batches, not conform]
    window: tuple[int, int, int] = (-1, 0, 0)  # (month, batches, not conform) over 12 months


@dataclass
class Chunk:
    declarations: list[list[Any]] = field(default_factory=list)
    keys: list[tuple[str, int]] = field(default_factory=list)  # (branch code, year) per declaration
    lines: list[list[Any]] = field(default_factory=list)
    releases: list[list[Any]] = field(default_factory=list)


def _weighted(rng: Any, cumulative: list[float], items: list[Any]) -> Any:
    return items[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


class World:
    """What the generator draws from: firms, products, premises, ports, countries."""

    def __init__(self, rng: Any) -> None:
        self.rng = rng
        chapters = {c: g for g, (_share, cs) in GROUPS.items() for c in cs.split()}
        self.group_items: dict[str, list[Item]] = {g: [] for g in GROUPS}
        for p in Product.objects.filter(is_active=True).order_by("hs_code"):
            if p.hs_code[:2] in chapters:
                origin = (
                    "" if p.hs_code[:2] > "14" else ("farm" if p.hs_code[:2] <= "05" else "planting_base")
                )
                unit, kg, usd, median, spread = TRAITS.get(p.hs_code[:6], DEFAULT_TRAIT)
                trait = (unit, kg, usd, median * BATCH_SCALE, spread)
                item = Item(p.pk, p.hs_code, p.name_zh, p.risk_category, trait, origin)
                self.group_items[chapters[p.hs_code[:2]]].append(item)
        self._load_premises()
        self._load_firms()
        self._load_places()

    def _load_premises(self) -> None:
        self.own: dict[int, dict[str, list[int]]] = {}
        self.branch_origins: dict[tuple[int, str], list[int]] = {}
        self.any_origins: dict[str, list[int]] = {"farm": [], "planting_base": []}
        rows = Premises.objects.filter(is_active=True).order_by("id")
        for pk, kind, enterprise_id, unit_id in rows.values_list(
            "id", "kind", "enterprise_id", "org_unit_id"
        ):
            self.own.setdefault(enterprise_id, {}).setdefault(kind, []).append(pk)
            if kind in self.any_origins:
                self.branch_origins.setdefault((unit_id, kind), []).append(pk)
                self.any_origins[kind].append(pk)
        self.fallback_origins = [pk for pks in self.any_origins.values() for pk in pks] or [
            pk for kinds in self.own.values() for pks in kinds.values() for pk in pks
        ]

    def _load_firms(self) -> None:
        rng = self.rng
        live_groups = [g for g in GROUPS if self.group_items[g]]
        shares = [GROUPS[g][0] for g in live_groups]
        rows = (
            Enterprise.objects.filter(kind__in=EXPORTING_KINDS, is_active=True)
            .order_by("uscc")
            .values_list("id", "classification", "org_unit__code", "org_unit_id", "kind", "name_en")
        )
        self.firms: list[Firm] = []
        for pk, cls, code, unit_id, kind, name in rows:
            firm = Firm(pk, cls, code, unit_id)
            trade = next((t for t in TRADES if name.endswith(f" {t} Co., Ltd.")), kind)
            choices = {g: w for g, w in TRADES.get(trade, {}).items() if g in live_groups}
            if choices:
                firm.group = _weighted(rng, _cumulative(list(choices.values())), list(choices))
            elif live_groups:
                firm.group = _weighted(rng, _cumulative(shares), live_groups)
            else:
                continue
            items = self.group_items[firm.group]
            firm.items = rng.sample(items, min(len(items), rng.randint(2, 6)))
            firm.origins = self.own.get(pk, {})
            self.firms.append(firm)
        by_group: dict[str, list[Firm]] = {}
        for firm in self.firms:
            by_group.setdefault(firm.group, []).append(firm)
        self.groups = sorted(by_group)
        self.group_cum = _cumulative([GROUPS[g][0] for g in self.groups])
        self.group_firms: dict[str, tuple[list[float], list[Firm]]] = {}
        for group, firms in by_group.items():
            rng.shuffle(firms)  # a few big exporters, a long tail (Zipf-like by rank)
            weights = [CLASS_WEIGHT.get(f.cls, 1.0) / (rank + 3) ** 1.05 for rank, f in enumerate(firms)]
            self.group_firms[group] = (_cumulative(weights), firms)

    def _load_places(self) -> None:
        rng = self.rng
        countries = {
            code: (pk, name) for code, pk, name in Country.objects.values_list("code", "id", "name_en")
        }
        codes = {code: pk for code, (pk, _name) in countries.items()}
        self.fresh_dest = self._table({c: w for c, w in FRESH_DESTINATIONS.items() if c in codes})
        self.dest = self._table({c: w for c, w in DESTINATIONS.items() if c in codes})
        self.country_id = codes
        ports = list(
            Port.objects.filter(is_active=True).order_by("code").values_list("id", "kind", "org_unit__code")
        )
        self.ports: dict[tuple[str, str], tuple[list[float], list[int]]] = {}
        for scope in ("all", "macau"):
            for kind in ("sea", "land", "air"):
                chosen = [p for p in ports if p[1] == kind and (scope == "all" or p[2] in MACAU_BRANCHES)]
                if chosen:
                    weights = [BRANCH_WEIGHT.get(p[2], 1.0) for p in chosen]
                    self.ports[(scope, kind)] = (_cumulative(weights), [p[0] for p in chosen])
        self.port_kind = {p[0]: p[1] for p in ports}
        self.home_ports: dict[tuple[str, str], list[int]] = {}
        for pk, kind, code in ports:
            self.home_ports.setdefault((code, kind), []).append(pk)
        self.any_port = [p[0] for p in ports]
        owners = ("COSU", "MSCU", "OOLU", "CSNU", "TGHU", "MAEU", "EVRU", "HLXU", "CMAU", "YMLU")
        self.containers = []
        for _ in range(5000):
            body = f"{rng.choice(owners)}{rng.randint(0, 999999):06d}"
            self.containers.append(body + iso6346.calc_check_digit(body))
        self.plates = [f"粤Z{rng.choice('ABCDEFGH')}{rng.randint(1000, 9999)}港" for _ in range(400)]
        self.consignees = {
            code: [(f"{n} {'Trading' if code in ('HK', 'MO') else 'Foods & Goods'} Ltd.",
                    f"{rng.randint(1, 300)} Harbour Road, {name}") for n in CONSIGNEES]
            for code, (_pk, name) in countries.items()
        }  # fmt: skip

    @staticmethod
    def _table(weights: dict[str, float]) -> tuple[list[float], list[str]]:
        return _cumulative(list(weights.values())), list(weights)

    def port(self, firm: Firm, kind: str, dest: str) -> int:
        rng = self.rng
        home = self.home_ports.get((firm.code, kind))
        if home and rng.random() < 0.4:
            return home[int(rng.random() * len(home))]
        table = self.ports.get(("macau", kind)) if dest == "MO" else None
        table = table or self.ports.get(("all", kind))
        if table is None:
            return self.any_port[int(rng.random() * len(self.any_port))]
        return _weighted(rng, table[0], table[1])  # type: ignore[no-any-return]

    def origin(self, firm: Firm, kind: str) -> int | None:
        rng = self.rng
        own = firm.origins.get(kind) or [pk for pks in firm.origins.values() for pk in pks]
        pool = own or self.branch_origins.get((firm.org_unit_id, kind)) or self.any_origins[kind]
        pool = pool or self.fallback_origins
        return pool[int(rng.random() * len(pool))] if pool else None


def day_plan(count: int, first: dt.date, days: int) -> list[int]:
    """Declarations per day: weekdays, months, growth, the Chinese New Year dip, exactly ``count``."""
    cny = [dt.date.fromisoformat(d) for d in CNY]
    weights = []
    for n in range(days):
        day = first + dt.timedelta(days=n)
        w = MONTH_FACTOR[day.month - 1] * WEEKDAY_FACTOR[day.weekday()] * 1.05 ** (n / 365)
        offset = min((day - c).days for c in cny if (day - c).days >= -10) if day >= cny[0] else 99
        w *= 1.15 if offset < -3 else 0.15 if offset <= 6 else 0.6 if offset <= 14 else 1.0
        weights.append(w)
    cum, total, plan, done = 0.0, sum(weights), [], 0
    for w in weights:
        cum += w
        target = round(count * cum / total)
        plan.append(target - done)
        done = target
    return plan


class Generator:
    """Makes history chunk by chunk, in time order, running the risk engine as it goes."""

    def __init__(
        self, world: World, actor_id: int, params: RuleParams, now: dt.datetime, vendor: str
    ) -> None:
        self.w, self.rng, self.actor_id, self.params = world, world.rng, actor_id, params
        self.now = int(now.timestamp())
        self.suffix = "+00" if vendor == "postgresql" else ""
        self.clock = [
            f"{h:02d}:{m:02d}:{s:02d}{self.suffix}" for h in range(24) for m in range(60) for s in range(60)
        ]
        self.memo: dict[tuple[Any, ...], tuple[int, float, float, str]] = {}
        self.compliance: dict[tuple[int, str], list[Any]] = {}
        self.stats: Tally[str] = Tally()
        self.value = 0.0
        self.serial = 0

    def ts(self, seconds: int) -> str:
        day, rest = divmod(seconds, 86400)
        return f"{self.days[day - self.day0]} {self.clock[rest]}"

    def chunks(self, plan: list[int], first: dt.date, size: int) -> Iterator[Chunk]:
        self.day0 = (first - dt.date(1970, 1, 1)).days - 2
        self.days = [str(first + dt.timedelta(days=n - 2)) for n in range(len(plan) + 40)]
        chunk = Chunk()
        for n, count in enumerate(plan):
            day = first + dt.timedelta(days=n)
            start = (self.day0 + 2 + n) * 86400 + int(7.5 * 3600) - LOCAL
            today = (day.year * 12 + day.month, f"L{day:%y%m%d}-", self.days[n + 2 : n + 7])
            for moment in sorted(self.rng.random() for _ in range(count)):
                self.declaration(chunk, today, start + int(moment * 11 * 3600))
                if len(chunk.declarations) >= size:
                    yield chunk
                    chunk = Chunk()
        if chunk.declarations:
            yield chunk

    def declaration(self, chunk: Chunk, today: tuple[Any, ...], submitted: int) -> None:
        rng, w, random = self.rng, self.w, self.rng.random
        month, lot, shipping = today
        group = _weighted(rng, w.group_cum, w.groups)
        cum, firms = w.group_firms[group]
        firm: Firm = _weighted(rng, cum, firms)
        r, n_items = random(), len(firm.items)
        items = [firm.items[int(random() * n_items)]] if r < 0.62 or n_items == 1 else rng.sample(
            firm.items, min(n_items, 2 if r < 0.89 else 3))  # fmt: skip
        fresh = items[0].hs < "09"
        dest = _weighted(rng, *(w.fresh_dest if fresh else w.dest))
        if dest in ("HK", "MO"):
            kind = "land" if random() < (0.9 if fresh else 0.7) else "sea"
        else:
            kind = "air" if random() < (0.25 if group == "electrical" else 0.06) else "sea"
        port = w.port(firm, kind, dest)
        kind = w.port_kind.get(port, kind)
        local = len(chunk.declarations)
        total_value = total_weight = 0.0
        for line_no, item in enumerate(items, start=1):
            unit, kg, usd, median, spread = item.trait
            qty = median * rng.lognormvariate(0, spread)
            qty = max(1, round(qty)) if unit in COUNTED else round(max(qty, 0.01), 3 if unit == "TNE" else 1)
            weight = round(qty * kg * (0.97 + 0.06 * random()), 3)
            value = round(qty * usd * (0.85 + 0.3 * random()), 2)
            total_value += value
            total_weight += weight
            origin = w.origin(firm, item.origin_kind) if item.origin_kind else None
            chunk.lines.append([
                len(chunk.lines), local, line_no, item.id, item.hs, item.name, qty, unit, weight, value, origin,
                f"{lot}{line_no}" if origin else "",
            ])  # fmt: skip
        self.value += total_value
        mode, score, conform = self.assess(firm, items, dest, month)
        stats = self.stats
        stats[mode] += 1
        stats[firm.cls] += 1
        stats[group] += 1
        stats[dest] += 1
        hours = HOURS[mode]
        decided = min(self.now - 60, submitted + int(3600 * (hours[0] + hours[1] * random())))
        changed = (
            decided
            if mode == "release" or not conform
            else min(self.now - 30, decided + 600 + int(random() * 10000))
        )
        self.remember(firm, items, month, conform, decided)
        created = submitted - 300 - int(random() * 14100)
        year = int(self.days[(created + LOCAL) // 86400 - self.day0][:4])
        if kind == "land":
            transport, n_containers, mot = "3", int(random() * 2), w.plates[int(random() * len(w.plates))]
            transport = "2" if group == "livestock" and random() < 0.1 else transport
        elif kind == "sea":
            transport, n_containers = "1", (1, 1, 1, 2, 3)[int(random() * 5)]
            mot = f"{VESSELS[int(random() * len(VESSELS))]} V.{100 + int(random() * 900)}E"
        else:
            transport, n_containers, mot = "4", 0, f"CX{100 + int(random() * 900)}"
        containers = ",".join(
            f'"{w.containers[int(random() * len(w.containers))]}"' for _ in range(n_containers)
        )
        self.serial += 1
        consignee = w.consignees[dest][int(random() * len(CONSIGNEES))]
        reasons = disposal = ""
        if not conform:
            stats["not_conform"] += 1
            stats["nc:" + firm.cls] += 1
            reasons = rng.choice(REASONS[group] + REASONS[""])
            disposal = rng.choice(
                ("destroy", "return", "rework") if fresh else ("rework", "rework", "return")
            )
        cert = CERTIFICATES.get(items[0].hs[:2], "")
        cert = cert if cert or random() > 0.1 else "conformity"
        changed_at, yy = self.ts(changed), year % 100
        chunk.keys.append((firm.code, year))
        chunk.declarations.append([
            local, None, self.ts(created), changed_at, "released" if conform else "rejected", transport,
            f"[{containers}]", mot, f"C{yy:02d}-{self.serial:07d}", f"INV{yy:02d}{self.serial:07d}",
            shipping[int(random() * 5)], consignee[0], consignee[1], cert, round(total_value, 2),
            round(total_weight, 3), changed_at, self.ts(submitted), self.ts(decided),
            mode, score, "conform" if conform else "not_conform", disposal, reasons, self.actor_id,
            w.country_id[dest], firm.id, firm.org_unit_id, port,
        ])  # fmt: skip
        if conform:
            chunk.releases.append(
                [len(chunk.releases), local, None, changed_at, self.actor_id, mode == "release"]
            )

    def assess(self, firm: Firm, items: list[Item], dest: str, month: int) -> tuple[str, int, bool]:
        """Mode and score from the engine (as ``services.risk_inputs`` would feed it), conformity
        by class and product risk; a non-conformity is found by an inspecting mode."""
        random = self.rng.random
        worst = items[0].risk if len(items) == 1 else max((i.risk for i in items), key=RANK.__getitem__)
        if firm.window[0] != month:
            recent = [firm.months.get(m, (0, 0)) for m in range(month - 11, month + 1)]
            firm.window = (month, sum(b for b, _f in recent), sum(f for _b, f in recent))
        _m, batches, failed = firm.window
        level = "normal"
        for item in items:
            state = self.compliance.get((firm.id, item.hs[:4]))
            if state and RANK[state[0]] > RANK[level]:
                level = state[0]
        if batches >= self.params.history_min_batches:  # per mille: enough to give the same points
            batches, failed = 1000, round(1000 * failed / batches)
        key = (firm.cls, worst, batches, failed, level, dest)
        outcome = self.memo.get(key)
        if outcome is None:
            inputs = RiskInputs(firm.cls, [worst], batches, failed, level, 0, [], dest)
            result, last = evaluate(inputs, self.params, 0.0), evaluate(inputs, self.params, 0.999999)
            outcome = self.memo[key] = (result.score, result.sampling_rate, result.physical_rate, last.mode)
        score, sampling, physical, otherwise = outcome
        conform = random() >= CLASS_NC.get(firm.cls, 0.02) * RISK_NC.get(worst, 1.0)
        draw = random()
        mode = "sampling" if draw < sampling else "onsite" if draw < physical else otherwise
        if not conform and mode == "release":
            mode = MODES[int(random() * len(MODES))]
        return mode, score, conform

    def remember(self, firm: Firm, items: list[Item], month: int, conform: bool, decided: int) -> None:
        """The enterprise's history and control levels move on as ``_update_compliance`` moves them."""
        month_tally = firm.months.setdefault(month, [0, 0])
        month_tally[0] += 1
        month_tally[1] += not conform
        for heading in {i.hs[:4] for i in items}:
            state = self.compliance.setdefault((firm.id, heading), ["normal", 0, 0, decided])
            new = next_control_level(state[0], state[1], state[2], conform, self.params)
            state[3] = decided if new[0] != state[0] else state[3]
            state[0:3] = new


# --- Writing ----------------------------------------------------------------------------------


def write_chunk(chunk: Chunk) -> int:
    """Insert one chunk in one transaction: ids from the current maxima, numbers from the
    counters, which move on with it. Returns the rows written."""
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(f"LOCK TABLE {', '.join(TABLES)} IN SHARE ROW EXCLUSIVE MODE")
        base = {}
        for table in TABLES:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
            base[table] = cursor.fetchone()[0]
        names = {key: f"declaration:{key[0]}:{key[1]}" for key in set(chunk.keys)}
        counters = Counter.objects.filter(name__in=names.values())
        values = dict((counters.select_for_update() if postgres else counters).values_list("name", "value"))
        last = {key: values.get(name, 0) for key, name in names.items()}
        _number(chunk, base, last)
        rows = {"declarations_declaration": chunk.declarations, "declarations_declarationline": chunk.lines}
        rows["declarations_releaserecord"] = chunk.releases
        for table, columns in TABLES.items():
            if postgres:
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows[table]:
                        copy.write_row(row)
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                    [table, base[table] + len(rows[table])],
                )
            else:
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
                connection.connection.executemany(sql, rows[table])
        for key, name in names.items():
            advance_to(name, last[key])
    return sum(len(r) for r in rows.values())


def _number(chunk: Chunk, base: dict[str, int], last: dict[tuple[str, int], int]) -> None:
    first = base["declarations_declaration"]
    for row, key in zip(chunk.declarations, chunk.keys, strict=True):
        last[key] += 1
        row[0] += first
        row[1] = f"{key[0]}{key[1]}E{last[key]:07d}"
    for line in chunk.lines:
        line[0] += base["declarations_declarationline"]
        line[1] += first
    for release in chunk.releases:
        release[2] = "R" + chunk.declarations[release[1]][1]
        release[0] += base["declarations_releaserecord"]
        release[1] += first


def produce(generator: Generator, plan: list[int], first: dt.date, size: int) -> Iterator[Chunk]:
    """The generator's chunks. With more than one, they are made in a forked process, so that
    making the next chunk overlaps with writing this one; the generator's end state comes back."""
    if sum(plan) <= size or "fork" not in multiprocessing.get_all_start_methods():
        yield from generator.chunks(plan, first, size)
        return
    context = multiprocessing.get_context("fork")
    pipe: Any = context.Queue(maxsize=2)
    process = context.Process(target=_produce, args=(generator, plan, first, size, pipe), daemon=True)
    process.start()
    try:
        while True:
            try:
                item = pipe.get(timeout=5)
            except queue.Empty:
                if process.is_alive():
                    continue
                raise RuntimeError("the history generator stopped without a word") from None
            if isinstance(item, Chunk):
                yield item
            elif isinstance(item, str):
                raise RuntimeError(f"the history generator failed:\n{item}")
            else:
                generator.compliance, generator.stats, generator.value = item
                return
    finally:
        if process.is_alive():
            process.kill()
        process.join()


def _produce(generator: Generator, plan: list[int], first: dt.date, size: int, pipe: Any) -> None:
    try:
        for chunk in generator.chunks(plan, first, size):
            pipe.put(chunk)
        pipe.put((generator.compliance, generator.stats, generator.value))
    except BaseException:
        pipe.put(traceback.format_exc())


def seed_history(
    *,
    count: int,
    years: int,
    rng: Any,
    actor: Any,
    until: dt.date | None = None,
    chunk_size: int = CHUNK,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Make ``count`` decided declarations over the ``years`` up to ``until`` (yesterday), less
    those the seeding ``actor`` already made. Returns what was made (empty: nothing to do)."""
    wanted = count - Declaration.objects.filter(created_by=actor).count()
    if wanted <= 0:
        return {}
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    until = min(until or yesterday, yesterday)  # history is decided and released by now
    first = until.replace(year=until.year - years, day=min(until.day, 28)) + dt.timedelta(days=1)
    world = World(rng)
    if not world.firms:
        return {}
    params = _rules()
    generator = Generator(world, actor.pk, params, timezone.now(), connection.vendor)
    plan = day_plan(wanted, first, (until - first).days + 1)
    started, rows, made = time.monotonic(), 0, Tally[str]()
    after_id = Declaration.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with bulk_session():
        for chunk in produce(generator, plan, first, chunk_size):
            made.update(
                declarations=len(chunk.declarations), lines=len(chunk.lines), releases=len(chunk.releases)
            )
            rows += write_chunk(chunk)
            if progress:
                seconds = time.monotonic() - started
                progress(
                    f"  declarations {made['declarations']:,}/{wanted:,} · {rows:,} rows · "
                    f"{rows / seconds:,.0f} rows/s · {seconds:,.0f} s"
                )
    summary = _finish(generator, actor, made, first, until)
    summary["compliance_tallies"] = tally_history(after_id)
    if progress:
        shown = {k: v for k, v in summary.items() if k != "stats"}
        progress(f"  history seeded in {time.monotonic() - started:,.0f} s: {shown}")
    return summary


def _finish(
    generator: Generator, actor: Any, made: Tally[str], first: dt.date, until: dt.date
) -> dict[str, Any]:
    """Control levels, the audit event and (PostgreSQL) fresh planner statistics."""
    states = [
        ComplianceState(
            enterprise_id=enterprise_id,
            hs_heading=heading,
            level=level,
            consecutive_conform=consecutive,
            failures=failures,
            changed_at=dt.datetime.fromtimestamp(changed, dt.UTC),
        )
        for (enterprise_id, heading), (level, consecutive, failures, changed) in sorted(
            generator.compliance.items()
        )
    ]
    stats = generator.stats
    summary = {
        "declarations": made["declarations"],
        "lines": made["lines"],
        "release_records": made["releases"],
        "rejected": stats["not_conform"],
        "value_usd": round(generator.value),
        "period": f"{first}/{until}",
        "by_mode": {mode: stats[mode] for mode in HOURS},
    }
    with audit.scope(), transaction.atomic():
        before = ComplianceState.objects.count()
        ComplianceState.objects.bulk_create(states, batch_size=2000, ignore_conflicts=True)
        summary["compliance_states"] = ComplianceState.objects.count() - before
        audit.record(actor=actor, action="declarations.history_seeded", changes=summary)
    if connection.vendor == "postgresql":
        # VACUUM also sets the visibility map, so counts can be answered from an index alone;
        # it cannot run inside a transaction, where ANALYZE has to do.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for table in [*TABLES, "declarations_compliancestate", "declarations_compliancetally"]:
                cursor.execute(f"{command} {table}")
    return {**summary, "stats": dict(stats)}


def _month_sql() -> str:
    """The local calendar month of ``d.decided_at`` (the services tally by local date)."""
    zone = settings.TIME_ZONE
    if connection.vendor == "postgresql":
        return f"date_trunc('month', d.decided_at AT TIME ZONE '{zone}')::date"
    offset = dt.datetime.now(ZoneInfo(zone)).utcoffset() or dt.timedelta(0)  # zones without DST
    return f"date(d.decided_at, '{offset.total_seconds() / 3600:+.0f} hours', 'start of month')"


def tally_history(after_id: int) -> int:
    """Monthly compliance tallies (``ComplianceTally``) of the declarations seeded after
    ``after_id``, added to those that exist: one aggregate query instead of millions of updates."""
    sql = f"""
        INSERT INTO declarations_compliancetally (enterprise_id, product_id, month, batches, nonconform)
        SELECT d.enterprise_id, l.product_id, {_month_sql()},
               COUNT(DISTINCT d.id),
               COUNT(DISTINCT CASE WHEN d.conformity = 'not_conform' THEN d.id END)
        FROM declarations_declaration d
        JOIN declarations_declarationline l ON l.declaration_id = d.id
        WHERE d.id > %s AND d.decided_at IS NOT NULL
        GROUP BY 1, 2, 3
        ON CONFLICT (enterprise_id, product_id, month) DO UPDATE
        SET batches = declarations_compliancetally.batches + excluded.batches,
            nonconform = declarations_compliancetally.nonconform + excluded.nonconform
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [after_id])
        return max(cursor.rowcount, 0)


# --- Live demo declarations, through the services ---------------------------------------------

# (where: the branch whose port it leaves through, or the demo enterprise user's enterprise; state)
LIVE_PLAN = [
    ("GZ", "inspection"), ("GZ", "inspection"), ("GZ", "sampling"), ("GZ", "sampling"),
    ("GZ", "document_review"), ("GZ", "submitted"), ("GZ", "released"),
    ("SZ", "inspection"), ("SZ", "sampling"), ("SZ", "document_review"), ("SZ", "submitted"),
    ("member", "returned"), ("member", "draft"),
]  # fmt: skip
MANUAL_STATES = ("submitted", "returned", "document_review")  # need a class that is not auto-accepted


@contextmanager
def fixed_draw(value: float) -> Iterator[None]:
    """The risk draw the services take (``services.draw_random``, the hook tests use too)."""
    original = services.draw_random
    services.draw_random = lambda: value  # type: ignore[assignment]
    try:
        yield
    finally:
        services.draw_random = original  # type: ignore[assignment]


def draw_for(declaration: Declaration, state: str, params: RuleParams) -> float:
    """A draw that routes ``declaration`` to ``state`` under ``params`` (sampling if none can)."""
    inputs = services.risk_inputs(declaration, params)
    outcome = evaluate(inputs, params, 0.0)
    sampling, physical = outcome.sampling_rate, outcome.physical_rate
    if state == "inspection" and physical > sampling:
        return (sampling + physical) / 2
    if state in ("document_review", "released") and physical < 0.999:
        return (physical + 1) / 2
    return sampling / 2


def seed_live_demo(rng: Any) -> int:
    """A dozen declarations in the GZ and SZ branches at every step of the life cycle, made by
    the demo users through the services. Returns how many were made (0 when they exist)."""
    from openciq.accounts.models import User
    from openciq.ops.demo import ensure_demo_users  # the demo users act in these examples

    if Declaration.objects.filter(contract_ref__startswith="DEMO-").exists():
        return 0
    ensure_demo_users()
    users = {u.username: u for u in User.objects.filter(username__in=("admin", "inspector", "enterprise"))}
    member = Enterprise.objects.filter(memberships__user=users["enterprise"]).order_by("uscc").first()
    params = _rules()
    auto = set(params.auto_accept_classes)
    made = 0
    for n, (where, state) in enumerate(LIVE_PLAN, start=1):
        manual = state in MANUAL_STATES
        if where == "member" and member and not (manual and member.classification in auto):
            enterprise = member
        else:
            enterprise = _live_enterprise(rng, "GZ" if where == "member" else where, state, auto)
        if enterprise is None:
            continue
        creator = users["enterprise"] if enterprise == member else users["admin"]
        branch = enterprise.org_unit.code if where == "member" else where
        header, lines = _live_form(rng, n, enterprise, branch, creator, state)
        declaration = services.declaration_create(actor=creator, header=header, lines=lines)
        made += 1
        if state == "draft":
            continue
        in_gz = "GZ" in (branch, enterprise.org_unit.code)
        inspector = users["inspector"] if in_gz else users["admin"]
        with fixed_draw(draw_for(declaration, state, params)):
            services.declaration_submit(actor=creator, declaration_id=declaration.pk)
            if state == "returned":
                reason = "请补充装箱单和产地证明 / Add the packing list and the proof of origin"
                services.declaration_return(actor=inspector, declaration_id=declaration.pk, reason=reason)
            elif state != "submitted" and enterprise.classification not in auto:
                services.declaration_accept(actor=inspector, declaration_id=declaration.pk)
    return made


def _live_enterprise(rng: Any, branch: str, state: str, auto: set[str]) -> Enterprise | None:
    candidates = Enterprise.objects.filter(is_active=True, kind__in=EXPORTING_KINDS).select_related(
        "org_unit"
    )
    if state in MANUAL_STATES:
        candidates = candidates.exclude(classification__in=auto)
    elif state == "released":
        candidates = candidates.filter(classification__in=auto)
    pool = list(candidates.filter(org_unit__code=branch).order_by("uscc")) or list(
        candidates.order_by("uscc")
    )
    return rng.choice(pool) if pool else None


def _certificate_kind(hs_code: str) -> str:
    chapter = int(hs_code[:2])
    return "phytosanitary" if 6 <= chapter <= 14 else "health" if chapter <= 24 else "conformity"


def _live_form(
    rng: Any, n: int, enterprise: Enterprise, branch: str, creator: Any, state: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    own = list(Premises.objects.filter(enterprise=enterprise, is_active=True).order_by("id"))
    products = list(Product.objects.filter(is_active=True).order_by("hs_code"))
    if creator.username == "enterprise" and not own:
        products = [p for p in products if p.hs_code[:2] > "14"]  # it could not name an origin
    risky = [p for p in products if p.risk_category == "high"]
    product = rng.choice(risky if state == "document_review" and risky else products)
    origin = None
    if product.hs_code[:2] <= "14":
        kind = "farm" if product.hs_code[:2] <= "05" else "planting_base"
        pool = own or list(Premises.objects.filter(kind=kind, is_active=True).order_by("id")[:50])
        origin = rng.choice(pool).pk if pool else None
    ports = Port.objects.filter(is_active=True).order_by("code")
    port = (
        ports.filter(org_unit__code=branch).first()
        or ports.filter(org_unit_id=enterprise.org_unit_id).first()
        or ports.first()
    )
    unit, kg, usd, median, _spread = TRAITS.get(product.hs_code[:6], DEFAULT_TRAIT)
    quantity = max(1, round(median * rng.uniform(0.5, 1.5)))
    container = f"COSU{rng.randint(0, 999999):06d}"
    header = {
        "enterprise": enterprise.pk,
        "port": port.pk if port else None,
        "destination": Country.objects.filter(code="HK").values_list("pk", flat=True).first(),
        "transport_mode": {"sea": "1", "land": "3", "air": "4"}.get(port.kind if port else "", "3"),
        "containers": []
        if port and port.kind == "air"
        else [container + iso6346.calc_check_digit(container)],
        "means_of_transport": rng.choice(VESSELS) if port and port.kind == "sea" else f"粤Z{n:04d}港",
        "contract_ref": f"DEMO-{n:02d}",
        "invoice_ref": f"INV-DEMO-{n:02d}",
        "planned_shipment_date": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
        "consignee_name": "Harbour Fresh Trading Ltd.",
        "consignee_address": "88 Harbour Road, Hong Kong",
        # the released example carries a signed certificate, so the demo shows its QR page
        "certificate_kind": _certificate_kind(product.hs_code) if state == "released" else "",
    }
    line = {
        "product": product.pk,
        "hs_code": product.hs_code,
        "description": product.name_zh,
        "quantity": str(quantity),
        "unit": unit,
        "net_weight_kg": f"{quantity * kg:.3f}",
        "value_usd": f"{quantity * usd:.2f}",
        "origin_premises": origin or "",
        "lot": f"DEMO-{n:02d}",
    }
    return header, [line]


def _rules() -> RuleParams:
    with transaction.atomic():  # the first call makes version 1 of the rules, audited
        return RuleParams.model_validate(services.active_rule_set().params)


def seed(*, scale: str, rng: Any, actor: Any) -> None:
    size = SCALES[scale]
    seed_history(
        count=size["count"],
        years=size["years"],
        rng=rng,
        actor=actor,
        progress=(lambda text: print(text, flush=True)) if scale == "bureau" else None,
    )
    if scale == "demo":
        seed_live_demo(rng)
