"""The laboratories at demo or bureau scale, reproducible from the seed number; and the working-day
calendar their due dates come from.

Every scale first makes what does not depend on it, idempotently (existing codes and dates are
left as they are, one audit event per step that made something):

* the calendar (``masterdata.CalendarDay``): China's public holidays and make-up working days
  (调休) of 2024-2027 from the State Council's yearly notices; 2027's are estimated;
* per laboratory 4-6 methods with real standard numbers and 18-28 analysis services (units from
  ``units.UNITS``, LOD/LOQ, expanded uncertainty, turnaround, price), specifications with their
  decision rules (China's national limits for any destination; Hong Kong and EU limits where they
  differ), instruments with calibration certificates (one expired, one out of service), blanks
  and control materials with Levey-Jennings charts, and the "generic CSV" import mapping;
* the demo's laboratory people in LAB-FOOD (``lab_reception``, ``analyst``, ``analyst2``,
  ``labhead``, the demo password convention of ``ops.demo``) and, at bureau scale, a head, a
  receptionist and analysts in every laboratory (no usable password).

``--scale demo`` then runs about forty samples through the real services (registration by hand
and through a declaration's sample request, receipt, worksheets, result entry and instrument-file
import, verification, publication with the PDF report, a worksheet whose control failed, an
invalidated sample and its retest), so that every worklist holds something. The demo's history
is backdated by running the services on a clock set back some days (``timezone.now``); the audit
events keep the real time.

``--scale bureau`` streams 60,000 sample batches over the last 14 months (about 500,000 routine
analyses, 8 a sample on average, from 2 in plant quarantine to 11 in food; their worksheets of
20-40 analyses with blanks, controls judged by the Westgard rules and duplicates; verifications;
the chain of custody) with raw bulk inserts: one transaction and one ``lims.history_seeded`` audit
event per chunk of about 4,000 samples, primary keys assigned here, numbers from the counters,
which are advanced. Results are drawn around the specifications: most residues below the limit of
quantification, a few percent of samples not conforming, some inconclusive under guarded
acceptance; samples of the last days are still in progress. Reports are not rendered for 60,000
samples: only the latest ``REPORTS`` published samples get a ``Report`` row and its PDF.
The samples are registered by hand (no sample request), since declarations are seeded apart.

The specifications are representative limits of the regulations they name, for the commodity
group of the HS prefix; they are demo data, not a transcription of the current texts.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import math
import time
from collections import Counter as Tally
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from openciq.accounts.choices import Role
from openciq.accounts.models import OrgUnit, User
from openciq.accounts.services import user_create
from openciq.core import audit
from openciq.core.models import AuditEvent, Counter
from openciq.core.numbering import advance_to, next_value
from openciq.core.workdays import add_working_days, working_days_between
from openciq.lims import decision, westgard
from openciq.lims.models import (
    Analysis,
    AnalysisService,
    ControlChart,
    CustodyEvent,
    ImportMapping,
    Instrument,
    InstrumentCalibration,
    Method,
    ReferenceMaterial,
    Report,
    Sample,
    Specification,
    Verification,
    Worksheet,
)
from openciq.masterdata.models import CalendarDay, Country, Enterprise, Port, Product
from openciq.masterdata.selectors import calendar_exceptions

LOCAL = 8 * 3600  # Asia/Shanghai is UTC+8 all year
HOUR, DAY = 3600, 86400

# --- The calendar ----------------------------------------------------------------------------

# Holiday blocks (first day, last day, Chinese name, English name, make-up working days) from the
# State Council's notices on the holidays of each year (国务院办公厅关于XXXX年部分节假日安排的通知).
HOLIDAYS: dict[int, list[tuple[str, str, str, str, tuple[str, ...]]]] = {
    2024: [  # notice of 25 October 2023
        ("2024-01-01", "2024-01-01", "元旦", "New Year's Day", ()),
        ("2024-02-10", "2024-02-17", "春节", "Spring Festival", ("2024-02-04", "2024-02-18")),
        ("2024-04-04", "2024-04-06", "清明节", "Qingming Festival", ("2024-04-07",)),
        ("2024-05-01", "2024-05-05", "劳动节", "Labour Day", ("2024-04-28", "2024-05-11")),
        ("2024-06-10", "2024-06-10", "端午节", "Dragon Boat Festival", ()),
        ("2024-09-15", "2024-09-17", "中秋节", "Mid-Autumn Festival", ("2024-09-14",)),
        ("2024-10-01", "2024-10-07", "国庆节", "National Day", ("2024-09-29", "2024-10-12")),
    ],
    2025: [  # notice of 12 November 2024 (first year of the revised holiday measures)
        ("2025-01-01", "2025-01-01", "元旦", "New Year's Day", ()),
        ("2025-01-28", "2025-02-04", "春节", "Spring Festival", ("2025-01-26", "2025-02-08")),
        ("2025-04-04", "2025-04-06", "清明节", "Qingming Festival", ()),
        ("2025-05-01", "2025-05-05", "劳动节", "Labour Day", ("2025-04-27",)),
        ("2025-05-31", "2025-06-02", "端午节", "Dragon Boat Festival", ()),
        (
            "2025-10-01",
            "2025-10-08",
            "国庆节、中秋节",
            "National Day and Mid-Autumn",
            ("2025-09-28", "2025-10-11"),
        ),
    ],
    2026: [  # notice of 4 November 2025
        ("2026-01-01", "2026-01-03", "元旦", "New Year's Day", ("2026-01-04",)),
        ("2026-02-15", "2026-02-23", "春节", "Spring Festival", ("2026-02-14", "2026-02-28")),
        ("2026-04-04", "2026-04-06", "清明节", "Qingming Festival", ()),
        ("2026-05-01", "2026-05-05", "劳动节", "Labour Day", ("2026-05-09",)),
        ("2026-06-19", "2026-06-21", "端午节", "Dragon Boat Festival", ()),
        ("2026-09-25", "2026-09-27", "中秋节", "Mid-Autumn Festival", ()),
        ("2026-10-01", "2026-10-07", "国庆节", "National Day", ("2026-09-20", "2026-10-10")),
    ],
    # ESTIMATED until the State Council publishes the 2027 notice: the 2025 rules (Spring Festival
    # 8 days from New Year's Eve, Labour Day 5, National Day 7, the others 3 or a lone Wednesday)
    # applied to 2027's dates. Replace these rows with the published ones.
    2027: [
        ("2027-01-01", "2027-01-03", "元旦", "New Year's Day", ()),
        ("2027-02-05", "2027-02-12", "春节", "Spring Festival", ("2027-01-31", "2027-02-20")),
        ("2027-04-03", "2027-04-05", "清明节", "Qingming Festival", ()),
        ("2027-05-01", "2027-05-05", "劳动节", "Labour Day", ("2027-05-08",)),
        ("2027-06-09", "2027-06-09", "端午节", "Dragon Boat Festival", ()),
        ("2027-09-15", "2027-09-15", "中秋节", "Mid-Autumn Festival", ()),
        ("2027-10-01", "2027-10-07", "国庆节", "National Day", ("2027-09-26", "2027-10-09")),
    ],
}


def calendar_days() -> dict[dt.date, tuple[bool, str]]:
    """date → (working day, name) of every day the holiday table departs from Monday-Friday on,
    and of the weekend days inside a holiday block (named, so the calendar shows the block)."""
    days: dict[dt.date, tuple[bool, str]] = {}
    for year, blocks in HOLIDAYS.items():
        for first, last, zh, en, makeup in blocks:
            name = f"{zh} / {en}" + (" (estimated)" if year == 2027 else "")
            day, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
            while day <= end:
                days[day] = (False, name)
                day += dt.timedelta(days=1)
            for worked in makeup:
                days[dt.date.fromisoformat(worked)] = (True, f"{zh}调休上班 / {en} make-up working day")
    return days


@audit.audited
def seed_calendar(*, actor: Any) -> int:
    """The holidays and make-up working days of 2024-2027; existing dates are kept (an edited
    day stays edited). Audit ``masterdata.calendar_seeded`` when something was added."""
    existing = set(CalendarDay.objects.values_list("date", flat=True))
    rows = [
        CalendarDay(date=day, is_working_day=working, name=name)
        for day, (working, name) in sorted(calendar_days().items())
        if day not in existing
    ]
    CalendarDay.objects.bulk_create(rows)
    if rows:
        audit.record(
            actor=actor,
            action="masterdata.calendar_seeded",
            changes={"days": len(rows), "from": rows[0].date.isoformat(), "to": rows[-1].date.isoformat()},
        )
    return len(rows)


# --- Reference data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MethodDef:
    """A method and its analysis services. ``services`` are (code, Chinese, English[, overrides])
    where overrides change the method's defaults for one service. ``profile`` says how the bureau
    history draws results: ``residue`` (mostly below the LOQ), ``trace`` (lognormal around
    ``typical``), ``count`` (colony counts), ``level`` (normal around ``typical``, sd ``sd``),
    ``qual`` (detected / not detected)."""

    code: str
    name_zh: str
    name_en: str
    standard: str
    category: str
    services: tuple[tuple[Any, ...], ...]
    unit: str = ""
    lod: str | None = None
    loq: str | None = None
    u: str | None = None
    floor: str | None = None
    precision: int = 3
    days: int = 5
    price: str = "100"
    profile: str = "residue"
    typical: str | None = None
    sd: str | None = None
    verifications: int = 1
    run_hours: tuple[int, int] = (20, 60)
    blank: bool = True
    control: str | None = None  # certified value of the control material (qualitative: positive control)
    control_service: str = ""  # default: the first service


def _pesticides(*rows: tuple[Any, ...]) -> tuple[tuple[Any, ...], ...]:
    return tuple((f"FD-{row[0]}", *row[1:]) for row in rows)


def _svc(code: str, zh: str, en: str, **overrides: Any) -> tuple[Any, ...]:
    return (code, zh, en, overrides)


QUAL: dict[str, Any] = {"profile": "qual"}

METHODS: dict[str, list[MethodDef]] = {
    "LAB-FOOD": [
        MethodDef(
            "FD-PEST", "植物源性食品中208种农药及其代谢物残留量的测定 气相色谱-质谱联用法",
            "208 pesticides and metabolites in foods of plant origin, GC-MS/MS", "GB 23200.113-2018",
            "农药残留 / Pesticide residues", unit="mg/kg", lod="0.003", loq="0.01", u="25", price="120",
            control="0.100",
            services=_pesticides(
                ("CHLORPYRIFOS", "毒死蜱", "Chlorpyrifos"), ("CYPERMETHRIN", "氯氰菊酯", "Cypermethrin"),
                ("LCYHALOTHRIN", "高效氯氟氰菊酯", "lambda-Cyhalothrin"), ("DELTAMETHRIN", "溴氰菊酯", "Deltamethrin"),
                ("FENVALERATE", "氰戊菊酯", "Fenvalerate"), ("BIFENTHRIN", "联苯菊酯", "Bifenthrin"),
                ("TRIAZOPHOS", "三唑磷", "Triazophos"), ("PROFENOFOS", "丙溴磷", "Profenofos"),
                ("PHORATE", "甲拌磷", "Phorate"), ("ISOCARBOPHOS", "水胺硫磷", "Isocarbophos"),
                ("DIMETHOATE", "乐果", "Dimethoate"), ("PROCYMIDONE", "腐霉利", "Procymidone"),
                ("CHLOROTHALONIL", "百菌清", "Chlorothalonil"), ("DIFENOCONAZOLE", "苯醚甲环唑", "Difenoconazole"),
                ("PENDIMETHALIN", "二甲戊灵", "Pendimethalin"), ("ENDOSULFAN", "硫丹", "Endosulfan"),
                ("PYRIDABEN", "哒螨灵", "Pyridaben"), ("FIPRONIL", "氟虫腈", "Fipronil", {"lod": "0.001", "loq": "0.002"}),
            ),
        ),
        MethodDef(
            "FD-BAGON", "动物源性食品中多种β-受体激动剂残留量的测定 液相色谱串联质谱法",
            "beta-agonists in foods of animal origin, LC-MS/MS", "GB/T 22286-2008",
            "兽药残留 / Veterinary drug residues", unit="ug/kg", lod="0.2", loq="0.5", u="20", precision=2,
            days=3, price="200", run_hours=(8, 30), control="2.00",
            services=(("FD-CLENBUTEROL", "克伦特罗", "Clenbuterol"), ("FD-RACTOPAMINE", "莱克多巴胺", "Ractopamine"),
                      ("FD-SALBUTAMOL", "沙丁胺醇", "Salbutamol")),
        ),
        MethodDef(
            "FD-PB", "食品中铅的测定 石墨炉原子吸收光谱法", "Lead in foods, graphite furnace AAS",
            "GB 5009.12-2017", "重金属 / Heavy metals", unit="mg/kg", lod="0.02", loq="0.04", u="15",
            profile="trace", typical="0.03", control="0.200", services=(("FD-PB", "铅", "Lead"),),
        ),
        MethodDef(
            "FD-ICPMS", "食品中多元素的测定 电感耦合等离子体质谱法", "Elements in foods, ICP-MS", "GB 5009.268-2016",
            "重金属 / Heavy metals", unit="mg/kg", lod="0.002", loq="0.005", u="15", profile="trace",
            control="0.100",
            services=(_svc("FD-CD", "镉", "Cadmium", typical="0.02"),
                      _svc("FD-AS", "总砷", "Total arsenic", typical="0.05"),
                      _svc("FD-HG", "总汞", "Total mercury", typical="0.01", lod="0.001", loq="0.003"),
                      _svc("FD-CR", "铬", "Chromium", typical="0.15", lod="0.02", loq="0.05")),
        ),
        MethodDef(
            "FD-APC", "食品微生物学检验 菌落总数测定", "Aerobic plate count", "GB 4789.2-2022",
            "微生物 / Microbiology", unit="CFU/g", lod="10", loq="10", u="30", precision=0, price="60",
            profile="count", typical="800", run_hours=(48, 80), control="1500",
            services=(("FD-APC", "菌落总数", "Aerobic plate count"),),
        ),
        MethodDef(
            "FD-SALM", "食品微生物学检验 沙门氏菌检验", "Salmonella", "GB 4789.4-2024", "微生物 / Microbiology",
            price="150", profile="qual", verifications=2, run_hours=(72, 110), control="positive",
            services=(("FD-SALMONELLA", "沙门氏菌", "Salmonella"),),
        ),
    ],
    "LAB-TEX": [
        MethodDef(
            "TX-HCHO", "纺织品 甲醛的测定 第1部分：游离和水解的甲醛（水萃取法）",
            "Textiles: free and hydrolysed formaldehyde (water extraction)", "GB/T 2912.1-2009",
            "纺织品安全 / Textile safety", unit="mg/kg", lod="16", loq="20", u="10", precision=0, price="80",
            profile="trace", typical="12", run_hours=(18, 30), control="75",
            services=(("TX-FORMALDEHYDE", "甲醛", "Formaldehyde"),),
        ),
        MethodDef(
            "TX-AZO", "纺织品 禁用偶氮染料的测定", "Textiles: banned azo colourants", "GB/T 17592-2011",
            "纺织品安全 / Textile safety", unit="mg/kg", lod="3", loq="5", u="20", precision=1, days=7,
            price="40", run_hours=(24, 72), control="20.0",
            services=(("TX-AZO-4ABP", "4-氨基联苯", "4-Aminobiphenyl"), ("TX-AZO-BZD", "联苯胺", "Benzidine"),
                      ("TX-AZO-4COT", "4-氯邻甲苯胺", "4-Chloro-o-toluidine"), ("TX-AZO-2NA", "2-萘胺", "2-Naphthylamine"),
                      ("TX-AZO-OAAT", "邻氨基偶氮甲苯", "o-Aminoazotoluene"),
                      ("TX-AZO-5N2T", "5-硝基邻甲苯胺", "5-Nitro-o-toluidine"), ("TX-AZO-4CA", "对氯苯胺", "4-Chloroaniline"),
                      ("TX-AZO-24DAA", "2,4-二氨基苯甲醚", "2,4-Diaminoanisole"),
                      ("TX-AZO-MDA", "4,4'-二氨基二苯甲烷", "4,4'-Diaminodiphenylmethane"),
                      ("TX-AZO-DCB", "3,3'-二氯联苯胺", "3,3'-Dichlorobenzidine"),
                      ("TX-AZO-DMOB", "3,3'-二甲氧基联苯胺", "3,3'-Dimethoxybenzidine"),
                      ("TX-AZO-DMB", "3,3'-二甲基联苯胺", "3,3'-Dimethylbenzidine"), ("TX-AZO-OT", "邻甲苯胺", "o-Toluidine"),
                      ("TX-AZO-4AAB", "4-氨基偶氮苯", "4-Aminoazobenzene")),
        ),
        MethodDef(
            "TX-PH", "纺织品 水萃取液pH值的测定", "Textiles: pH of the aqueous extract", "GB/T 7573-2009",
            "纺织品安全 / Textile safety", unit="pH", floor="0.1", precision=1, days=3, price="30",
            profile="level", typical="6.6", sd="0.6", run_hours=(4, 24), blank=False, control="6.86",
            services=(("TX-PH", "pH值", "pH value"),),
        ),
        MethodDef(
            "TX-METALS", "纺织品 重金属的测定 第2部分：电感耦合等离子体原子发射光谱法",
            "Textiles: heavy metals, ICP-OES", "GB/T 17593.2-2007", "重金属 / Heavy metals", unit="mg/kg",
            lod="0.1", loq="0.2", u="15", precision=2, days=7, price="60", profile="trace", typical="0.4",
            control="5.00",
            services=(("TX-PB", "铅", "Lead"), ("TX-CD", "镉", "Cadmium"), ("TX-CR", "铬", "Chromium"),
                      ("TX-NI", "镍", "Nickel"), ("TX-CU", "铜", "Copper"), ("TX-CO", "钴", "Cobalt")),
        ),
    ],
    "LAB-LIGHT": [
        MethodDef(
            "LT-PBMIG", "食品接触材料及制品 铅的测定和迁移量的测定", "Food contact materials: lead release",
            "GB 31604.34-2016", "食品接触材料 / Food contact materials", unit="mg/L", lod="0.002", loq="0.01",
            u="15", days=7, price="120", profile="trace", typical="0.03", run_hours=(24, 48), control="0.500",
            services=(("LT-PB-MIG", "铅迁移量", "Lead release"),),
        ),
        MethodDef(
            "LT-CDMIG", "食品接触材料及制品 镉的测定和迁移量的测定", "Food contact materials: cadmium release",
            "GB 31604.24-2016", "食品接触材料 / Food contact materials", unit="mg/L", lod="0.001", loq="0.005",
            u="15", days=7, price="120", profile="trace", typical="0.004", run_hours=(24, 48), control="0.100",
            services=(("LT-CD-MIG", "镉迁移量", "Cadmium release"),),
        ),
        MethodDef(
            "LT-OM", "食品接触材料及制品 总迁移量的测定", "Food contact materials: overall migration",
            "GB 31604.8-2021", "食品接触材料 / Food contact materials", unit="mg/kg", lod="2", loq="5", u="10",
            precision=1, days=10, price="150", profile="trace", typical="8", run_hours=(48, 96),
            services=(("LT-OM-ACID", "总迁移量（4%乙酸）", "Overall migration (4% acetic acid)"),
                      ("LT-OM-ETH10", "总迁移量（10%乙醇）", "Overall migration (10% ethanol)"),
                      ("LT-OM-ETH95", "总迁移量（95%乙醇）", "Overall migration (95% ethanol)")),
        ),
        MethodDef(
            "LT-HCHOMIG", "食品接触材料及制品 甲醛迁移量的测定", "Food contact materials: formaldehyde migration",
            "GB 31604.48-2016", "食品接触材料 / Food contact materials", unit="mg/kg", lod="0.2", loq="0.5",
            u="15", precision=2, days=7, price="100", profile="trace", typical="1.5", control="5.00",
            services=(("LT-HCHO-MIG", "甲醛迁移量", "Formaldehyde migration"),),
        ),
        MethodDef(
            "LT-TOYEL", "玩具安全 第4部分：特定元素的迁移", "Toy safety: migration of certain elements",
            "GB 6675.4-2014", "玩具安全 / Toy safety", unit="mg/kg", lod="0.5", loq="1", u="20", precision=1,
            days=7, price="80", profile="trace", control="10.0", control_service="LT-TOY-PB",
            services=(_svc("LT-TOY-SB", "可迁移锑", "Soluble antimony", typical="2"),
                      _svc("LT-TOY-AS", "可迁移砷", "Soluble arsenic", typical="1"),
                      _svc("LT-TOY-BA", "可迁移钡", "Soluble barium", typical="30"),
                      _svc("LT-TOY-CD", "可迁移镉", "Soluble cadmium", typical="1"),
                      _svc("LT-TOY-CR", "可迁移铬", "Soluble chromium", typical="2"),
                      _svc("LT-TOY-PB", "可迁移铅", "Soluble lead", typical="4"),
                      _svc("LT-TOY-HG", "可迁移汞", "Soluble mercury", typical="1"),
                      _svc("LT-TOY-SE", "可迁移硒", "Soluble selenium", typical="2")),
        ),
        MethodDef(
            "LT-PAE", "玩具及儿童用品中特定邻苯二甲酸酯增塑剂的测定", "Phthalate plasticisers in toys and childcare articles",
            "GB/T 22048-2022", "玩具安全 / Toy safety", unit="%", lod="0.003", loq="0.005", u="15", days=7,
            price="80", control="0.100",
            services=(("LT-PAE-DEHP", "邻苯二甲酸二(2-乙基己基)酯", "DEHP"), ("LT-PAE-DBP", "邻苯二甲酸二丁酯", "DBP"),
                      ("LT-PAE-BBP", "邻苯二甲酸丁苄酯", "BBP"), ("LT-PAE-DINP", "邻苯二甲酸二异壬酯", "DINP"),
                      ("LT-PAE-DIDP", "邻苯二甲酸二异癸酯", "DIDP"), ("LT-PAE-DNOP", "邻苯二甲酸二正辛酯", "DNOP")),
        ),
    ],
    "LAB-ELEC": [
        MethodDef(
            "EL-4943", "音视频、信息技术和通信技术设备 第1部分：安全要求",
            "Audio/video, information and communication technology equipment, part 1: safety", "GB 4943.1-2022",
            "电气安全 / Electrical safety", days=10, price="300", profile="level", run_hours=(24, 120),
            blank=False, control="0.500",
            services=(_svc("EL-4943-TOUCH", "接触电流", "Touch current", unit="mA", loq="0.005", u="5", typical="0.06", sd="0.04"),
                      _svc("EL-4943-BOND", "保护连接电阻", "Protective bonding resistance", unit="mOhm", loq="1", u="5",
                           precision=1, typical="28", sd="12"),
                      _svc("EL-4943-HIPOT", "抗电强度试验击穿", "Electric strength test: breakdown", **QUAL),
                      _svc("EL-4943-INPUT", "输入电流", "Input current", unit="A", loq="0.001", u="2", typical="1.2", sd="0.5"),
                      _svc("EL-4943-TEMP", "可触及外表面温度", "Accessible surface temperature", unit="degC",
                           floor="1.0", precision=1, typical="46", sd="6")),
        ),
        MethodDef(
            "EL-4706", "家用和类似用途电器的安全 第1部分：通用要求",
            "Household and similar electrical appliances, part 1: general requirements", "GB 4706.1-2005",
            "电气安全 / Electrical safety", days=10, price="300", profile="level", run_hours=(24, 120),
            blank=False, control="0.500",
            services=(_svc("EL-4706-LEAK", "泄漏电流", "Leakage current", unit="mA", loq="0.005", u="5", typical="0.12", sd="0.08"),
                      _svc("EL-4706-EARTH", "接地电阻", "Earthing resistance", unit="mOhm", loq="1", u="5", precision=1,
                           typical="35", sd="15"),
                      _svc("EL-4706-WIND", "绕组温升", "Winding temperature rise", unit="degC", floor="1.0", precision=1,
                           typical="62", sd="9"),
                      _svc("EL-4706-HIPOT", "电气强度试验击穿", "Electric strength test: breakdown", **QUAL)),
        ),
        MethodDef(
            "EL-HARM", "电磁兼容 限值 第1部分：谐波电流发射限值（设备每相输入电流≤16A）",
            "EMC limits, part 1: harmonic current emissions (input current up to 16 A per phase)",
            "GB 17625.1-2022", "电磁兼容 / Electromagnetic compatibility", unit="A", loq="0.001", u="5",
            days=7, price="80", profile="trace", run_hours=(8, 48), blank=False, control="1.000",
            services=tuple(
                _svc(f"EL-HARM-{n}", f"{n}次谐波电流", f"Harmonic current, order {n}", typical=str(limit / 4))
                for n, limit in ((3, 2.30), (5, 1.14), (7, 0.77), (9, 0.40), (11, 0.33), (13, 0.21), (15, 0.15))
            ),
        ),
        MethodDef(
            "EL-NOISE", "家用和类似用途电器噪声测试方法 通用要求", "Noise of household appliances: general requirements",
            "GB/T 4214.1-2017", "噪声 / Noise", unit="dB(A)", floor="1.5", precision=1, days=7, price="200",
            profile="level", typical="62", sd="5", run_hours=(8, 48), blank=False, control="94.0",
            services=(("EL-NOISE", "A计权声功率级", "A-weighted sound power level"),),
        ),
        MethodDef(
            "EL-2099", "家用和类似用途插头插座 第1部分：通用要求",
            "Plugs and socket-outlets for household and similar purposes, part 1", "GB/T 2099.1-2021",
            "电气安全 / Electrical safety", days=10, price="150", profile="level", run_hours=(24, 96),
            blank=False, control="20.00", control_service="EL-2099-PIN",
            services=(_svc("EL-2099-WITHDRAW", "拔出力", "Withdrawal force", unit="N", floor="0.5", precision=1,
                           typical="22", sd="5"),
                      _svc("EL-2099-PIN", "插销长度", "Pin length", unit="mm", floor="0.02", precision=2,
                           typical="17.6", sd="0.15"),
                      _svc("EL-2099-TEMP", "端子温升", "Terminal temperature rise", unit="degC", floor="1.0",
                           precision=1, typical="28", sd="6")),
        ),
    ],
    "LAB-CHEM": [
        MethodDef(
            "CH-COSM", "化妆品中铅、砷、汞、镉的测定（电感耦合等离子体质谱法）",
            "Lead, arsenic, mercury and cadmium in cosmetics, ICP-MS", "化妆品安全技术规范（2015年版）",
            "化妆品 / Cosmetics", unit="mg/kg", lod="0.01", loq="0.03", u="15", days=5, price="120",
            profile="trace", control="1.000",
            services=(_svc("CH-COSM-PB", "铅", "Lead", typical="0.3"), _svc("CH-COSM-AS", "砷", "Arsenic", typical="0.1"),
                      _svc("CH-COSM-HG", "汞", "Mercury", typical="0.02"), _svc("CH-COSM-CD", "镉", "Cadmium", typical="0.02")),
        ),
        MethodDef(
            "CH-ROHS5", "电子电气产品中某些物质的测定 第5部分：镉、铅、铬的测定",
            "Certain substances in electrotechnical products, part 5: cadmium, lead and chromium",
            "GB/T 39560.5-2021", "有害物质 / Restricted substances", unit="mg/kg", lod="1", loq="2", u="15",
            precision=1, days=7, price="100", profile="trace", control="100.0",
            services=(_svc("CH-ROHS-PB", "铅", "Lead", typical="15"), _svc("CH-ROHS-CD", "镉", "Cadmium", typical="1"),
                      _svc("CH-ROHS-CR", "铬", "Chromium", typical="8")),
        ),
        MethodDef(
            "CH-ROHS4", "电子电气产品中某些物质的测定 第4部分：汞的测定",
            "Certain substances in electrotechnical products, part 4: mercury", "GB/T 39560.4-2021",
            "有害物质 / Restricted substances", unit="mg/kg", lod="0.5", loq="1", u="15", precision=1, days=7,
            price="100", profile="trace", typical="0.5", control="10.0",
            services=(("CH-ROHS-HG", "汞", "Mercury"),),
        ),
        MethodDef(
            "CH-ROHS6", "电子电气产品中某些物质的测定 第6部分：多溴联苯和多溴二苯醚的测定 气相色谱-质谱法",
            "Certain substances in electrotechnical products, part 6: PBB and PBDE by GC-MS",
            "GB/T 39560.6-2020", "有害物质 / Restricted substances", unit="mg/kg", lod="2", loq="5", u="20",
            precision=1, days=7, price="150", control="100.0", control_service="CH-BDE-209",
            services=(("CH-PBB", "多溴联苯总量", "Sum of PBB"), ("CH-PBDE", "多溴二苯醚总量", "Sum of PBDE"),
                      ("CH-BDE-47", "BDE-47", "BDE-47"), ("CH-BDE-99", "BDE-99", "BDE-99"),
                      ("CH-BDE-153", "BDE-153", "BDE-153"), ("CH-BDE-183", "BDE-183", "BDE-183"),
                      ("CH-BDE-209", "BDE-209", "BDE-209")),
        ),
        MethodDef(
            "CH-ROHS8", "电子电气产品中某些物质的测定 第8部分：邻苯二甲酸酯的测定",
            "Certain substances in electrotechnical products, part 8: phthalates", "GB/T 39560.8-2021",
            "有害物质 / Restricted substances", unit="mg/kg", lod="20", loq="50", u="20", precision=0, days=7,
            price="150", control="1000",
            services=(("CH-PAE-DEHP", "DEHP", "DEHP"), ("CH-PAE-DBP", "DBP", "DBP"), ("CH-PAE-BBP", "BBP", "BBP"),
                      ("CH-PAE-DIBP", "DIBP", "DIBP")),
        ),
        MethodDef(
            "CH-FE", "铁矿石 全铁含量的测定 三氯化钛还原重铬酸钾滴定法（常规方法）",
            "Iron ores: total iron, titanium(III) chloride reduction and dichromate titration",
            "GB/T 6730.65-2009", "矿产品 / Ores", unit="%", floor="0.20", precision=2, days=5, price="200",
            profile="level", typical="61.5", sd="2.0", run_hours=(8, 30), blank=False, control="62.55",
            services=(("CH-FE-TOTAL", "全铁", "Total iron"),),
        ),
    ],
    "LAB-HEALTH": [
        MethodDef(
            "HT-MICRO", "生活饮用水标准检验方法 第12部分：微生物指标",
            "Drinking water test methods, part 12: microbiological indicators", "GB/T 5750.12-2023",
            "饮用水 / Drinking water", days=5, price="80", profile="qual", run_hours=(24, 72),
            control="positive",
            services=(("HT-TC", "总大肠菌群", "Total coliforms"), ("HT-ECOLI", "大肠埃希氏菌", "Escherichia coli"),
                      ("HT-TTC", "耐热大肠菌群", "Thermotolerant coliforms"),
                      _svc("HT-APC", "菌落总数", "Heterotrophic plate count", unit="CFU/mL", lod="1", loq="1",
                           u="30", precision=0, profile="count", typical="8")),
        ),
        MethodDef(
            "HT-METAL", "生活饮用水标准检验方法 第6部分：金属和类金属指标",
            "Drinking water test methods, part 6: metals and metalloids", "GB/T 5750.6-2023",
            "饮用水 / Drinking water", unit="mg/L", lod="0.0001", loq="0.0002", u="15", precision=4, price="60",
            profile="trace", control="0.0100",
            services=(_svc("HT-AS", "砷", "Arsenic", typical="0.001"), _svc("HT-CD", "镉", "Cadmium", typical="0.0002"),
                      _svc("HT-PB", "铅", "Lead", typical="0.001"), _svc("HT-HG", "汞", "Mercury", typical="0.0001"),
                      _svc("HT-SE", "硒", "Selenium", typical="0.0005"), _svc("HT-AL", "铝", "Aluminium", typical="0.03"),
                      _svc("HT-FE", "铁", "Iron", typical="0.05"), _svc("HT-MN", "锰", "Manganese", typical="0.01"),
                      _svc("HT-CU", "铜", "Copper", typical="0.01"), _svc("HT-ZN", "锌", "Zinc", typical="0.02"),
                      _svc("HT-NI", "镍", "Nickel", typical="0.002"), _svc("HT-BA", "钡", "Barium", typical="0.05"),
                      _svc("HT-MO", "钼", "Molybdenum", typical="0.002")),
        ),
        MethodDef(
            "HT-PHYS", "生活饮用水标准检验方法 第4部分：感官性状和物理指标",
            "Drinking water test methods, part 4: organoleptic and physical indicators", "GB/T 5750.4-2023",
            "饮用水 / Drinking water", days=3, price="40", profile="level", run_hours=(4, 24), blank=False,
            control="6.86",
            services=(_svc("HT-PH", "pH值", "pH value", unit="pH", floor="0.1", precision=1, profile="level",
                           typical="7.3", sd="0.3"),
                      _svc("HT-HARD", "总硬度（以CaCO3计）", "Total hardness (as CaCO3)", unit="mg/L", loq="1", u="5",
                           precision=0, profile="trace", typical="150"),
                      _svc("HT-TDS", "溶解性总固体", "Total dissolved solids", unit="mg/L", loq="4", u="5",
                           precision=0, profile="trace", typical="250")),
        ),
        MethodDef(
            "HT-LEG", "公共场所卫生检验方法 第5部分：集中空调通风系统",
            "Public places hygiene test methods, part 5: central air-conditioning systems", "GB/T 18204.5-2013",
            "公共场所卫生 / Public places hygiene", days=10, price="200", profile="qual", run_hours=(168, 240),
            control="positive", services=(("HT-LEGIONELLA", "嗜肺军团菌", "Legionella pneumophila"),),
        ),
        MethodDef(
            "HT-VC", "霍乱诊断", "Diagnosis of cholera", "WS 289-2008", "传染病 / Communicable diseases", days=2,
            price="300", profile="qual", verifications=2, run_hours=(4, 12), control="positive",
            services=(("HT-VC-O1", "霍乱弧菌O1群核酸", "Vibrio cholerae O1 nucleic acid"),
                      ("HT-VC-O139", "霍乱弧菌O139群核酸", "Vibrio cholerae O139 nucleic acid")),
        ),
        MethodDef(
            "HT-DENV", "登革热诊断", "Diagnosis of dengue fever", "WS 216-2018", "传染病 / Communicable diseases",
            days=2, price="300", profile="qual", verifications=2, run_hours=(4, 12), control="positive",
            services=(("HT-DENV", "登革病毒核酸", "Dengue virus nucleic acid"),),
        ),
    ],
    "LAB-ANIMAL": [
        MethodDef(
            "AN-ASF", "非洲猪瘟诊断技术", "Diagnostic techniques for African swine fever", "GB/T 18648-2020",
            "动物疫病 / Animal diseases", days=3, price="150", profile="qual", verifications=2, run_hours=(4, 20),
            control="positive",
            services=(("AN-ASF-P72", "非洲猪瘟病毒核酸（p72）", "ASFV nucleic acid (p72, real-time PCR)"),
                      ("AN-ASF-CD2V", "非洲猪瘟病毒CD2v基因缺失株", "ASFV CD2v-deleted strain (real-time PCR)"),
                      ("AN-ASF-AB", "非洲猪瘟病毒抗体", "ASFV antibodies (ELISA)")),
        ),
        MethodDef(
            "AN-CSF", "猪瘟诊断技术", "Diagnostic techniques for classical swine fever", "GB/T 16551-2020",
            "动物疫病 / Animal diseases", days=3, price="120", profile="qual", run_hours=(4, 20), control="positive",
            services=(("AN-CSF-PCR", "猪瘟病毒核酸", "CSFV nucleic acid (RT-PCR)"),
                      ("AN-CSF-WILD", "猪瘟野毒与疫苗毒鉴别", "CSFV field strain vs vaccine strain (RT-PCR)")),
        ),
        MethodDef(
            "AN-FMD", "口蹄疫诊断技术", "Diagnostic techniques for foot-and-mouth disease", "GB/T 18935-2018",
            "动物疫病 / Animal diseases", days=3, price="150", profile="qual", verifications=2, run_hours=(4, 20),
            control="positive",
            services=(("AN-FMD-PCR", "口蹄疫病毒核酸", "FMDV nucleic acid (RT-PCR)"),
                      ("AN-FMD-O", "O型口蹄疫病毒核酸", "FMDV serotype O nucleic acid"),
                      ("AN-FMD-A", "A型口蹄疫病毒核酸", "FMDV serotype A nucleic acid"),
                      ("AN-FMD-NSP", "口蹄疫非结构蛋白抗体", "FMDV non-structural protein antibodies (3ABC ELISA)")),
        ),
        MethodDef(
            "AN-HPAI", "高致病性禽流感诊断技术", "Diagnostic techniques for highly pathogenic avian influenza",
            "GB/T 18936-2020", "动物疫病 / Animal diseases", days=3, price="150", profile="qual", verifications=2,
            run_hours=(4, 20), control="positive",
            services=(("AN-AI-M", "禽流感病毒M基因", "Avian influenza virus M gene"),
                      ("AN-AI-H5", "H5亚型禽流感病毒核酸", "Avian influenza virus H5"),
                      ("AN-AI-H7", "H7亚型禽流感病毒核酸", "Avian influenza virus H7"),
                      ("AN-AI-H9", "H9亚型禽流感病毒核酸", "Avian influenza virus H9")),
        ),
        MethodDef(
            "AN-PRRS", "猪繁殖与呼吸综合征诊断方法", "Diagnosis of porcine reproductive and respiratory syndrome",
            "GB/T 18090-2023", "动物疫病 / Animal diseases", days=3, price="120", profile="qual", run_hours=(4, 20),
            control="positive",
            services=(("AN-PRRS-PCR", "猪繁殖与呼吸综合征病毒核酸", "PRRSV nucleic acid (RT-PCR)"),
                      ("AN-PRRS-HP", "高致病性猪繁殖与呼吸综合征病毒", "Highly pathogenic PRRSV"),
                      ("AN-PRRS-N30", "类NADC30毒株", "NADC30-like PRRSV"),
                      ("AN-PRRS-N34", "类NADC34毒株", "NADC34-like PRRSV")),
        ),
        MethodDef(
            "AN-PRV", "伪狂犬病诊断方法", "Diagnosis of pseudorabies (Aujeszky's disease)", "GB/T 18641-2018",
            "动物疫病 / Animal diseases", days=3, price="100", profile="qual", run_hours=(4, 20), control="positive",
            services=(("AN-PRV-PCR", "伪狂犬病病毒核酸（gB）", "PRV nucleic acid (gB, PCR)"),
                      ("AN-PRV-GE", "伪狂犬病病毒野毒（gE）", "PRV field strain (gE, PCR)"),
                      ("AN-PRV-AB", "伪狂犬病病毒gE抗体", "PRV gE antibodies (ELISA)")),
        ),
    ],
    "LAB-PLANT": [
        MethodDef(
            "PL-TEPH", "实蝇的鉴定（形态学与分子生物学）", "Fruit flies: morphological and molecular identification",
            "ISPM 27 DP 9 (Anastrepha); DP 29 (Bactrocera dorsalis)", "检疫性有害生物 / Quarantine pests",
            days=5, price="200", profile="qual", run_hours=(24, 96), blank=False, control="positive",
            services=(("PL-BDOR", "橘小实蝇", "Bactrocera dorsalis"), ("PL-ZCUC", "瓜实蝇", "Zeugodacus cucurbitae"),
                      ("PL-CCAP", "地中海实蝇", "Ceratitis capitata"), ("PL-ALUD", "墨西哥按实蝇", "Anastrepha ludens"),
                      ("PL-AOBL", "西印度按实蝇", "Anastrepha obliqua"), ("PL-AFRA", "南美按实蝇", "Anastrepha fraterculus"),
                      ("PL-ASUS", "加勒比按实蝇", "Anastrepha suspensa")),
        ),
        MethodDef(
            "PL-TROG", "斑皮蠹属的鉴定", "Trogoderma: identification", "ISPM 27 DP 3 (Trogoderma granarium)",
            "检疫性有害生物 / Quarantine pests", days=5, price="150", profile="qual", run_hours=(24, 72),
            blank=False, control="positive",
            services=(("PL-TGRA", "谷斑皮蠹", "Trogoderma granarium"), ("PL-TVAR", "花斑皮蠹", "Trogoderma variabile"),
                      ("PL-TINC", "肾斑皮蠹", "Trogoderma inclusum"), ("PL-TGLA", "黑斑皮蠹", "Trogoderma glabrum")),
        ),
        MethodDef(
            "PL-BXYL", "松材线虫的鉴定", "Pine wood nematode: identification", "ISPM 27 DP 10 (Bursaphelenchus xylophilus)",
            "检疫性有害生物 / Quarantine pests", days=5, price="200", profile="qual", run_hours=(24, 96),
            control="positive",
            services=(("PL-BXYL-M", "松材线虫（形态学）", "Bursaphelenchus xylophilus (morphology)"),
                      ("PL-BXYL-P", "松材线虫（PCR）", "Bursaphelenchus xylophilus (PCR)"),
                      ("PL-MALT", "松墨天牛", "Monochamus alternatus")),
        ),
        MethodDef(
            "PL-LIRI", "斑潜蝇属的鉴定", "Liriomyza: identification", "ISPM 27 DP 16 (Genus Liriomyza)",
            "检疫性有害生物 / Quarantine pests", days=5, price="150", profile="qual", run_hours=(24, 72),
            blank=False, control="positive",
            services=(("PL-LHUI", "南美斑潜蝇", "Liriomyza huidobrensis"), ("PL-LSAT", "美洲斑潜蝇", "Liriomyza sativae"),
                      ("PL-LTRI", "三叶草斑潜蝇", "Liriomyza trifolii"), ("PL-LBRY", "番茄斑潜蝇", "Liriomyza bryoniae")),
        ),
        MethodDef(
            "PL-XCC", "柑橘溃疡病菌的检测", "Citrus canker: detection", "ISPM 27 DP 6 (Xanthomonas citri subsp. citri)",
            "检疫性有害生物 / Quarantine pests", days=5, price="200", profile="qual", run_hours=(24, 72),
            control="positive",
            services=(("PL-XCC", "柑橘溃疡病菌", "Xanthomonas citri subsp. citri"),
                      ("PL-XCA", "柑橘溃疡病菌（B/C型）", "Xanthomonas citri pv. aurantifolii")),
        ),
        MethodDef(
            "PL-EAMY", "梨火疫病菌的检测", "Fire blight: detection", "ISPM 27 DP 13 (Erwinia amylovora)",
            "检疫性有害生物 / Quarantine pests", days=5, price="200", profile="qual", run_hours=(24, 72),
            control="positive", services=(("PL-EAMY", "梨火疫病菌", "Erwinia amylovora"),),
        ),
    ],
}  # fmt: skip

EU = ("DE", "NL", "FR", "IT", "ES", "BE")  # the EU destinations given their own limits
GB, HK = "GB", "HK"  # China's national limits apply to any destination (GB), Hong Kong's to HK
# Pesticide maximum residue limits (mg/kg) for vegetables: China GB 2763-2021 (any food), Hong Kong
# Cap. 132CM, EU Regulation (EC) No 396/2005 (0.01 is its default limit of quantification).
PESTICIDE_MRL = {
    "CHLORPYRIFOS": ("0.02", "0.05", "0.01"), "CYPERMETHRIN": ("1", "0.7", "0.5"),
    "LCYHALOTHRIN": ("0.5", "0.3", "0.2"), "DELTAMETHRIN": ("0.5", "0.2", "0.2"),
    "FENVALERATE": ("0.5", "0.5", "0.02"), "BIFENTHRIN": ("0.5", "0.5", "0.05"),
    "TRIAZOPHOS": ("0.05", "0.05", "0.01"), "PROFENOFOS": ("0.5", "0.5", "0.01"),
    "PHORATE": ("0.01", "0.05", "0.01"), "ISOCARBOPHOS": ("0.05", "0.05", "0.01"),
    "DIMETHOATE": ("0.5", "0.5", "0.01"), "PROCYMIDONE": ("5", "5", "0.01"),
    "CHLOROTHALONIL": ("5", "5", "0.01"), "DIFENOCONAZOLE": ("2", "2", "1"),
    "PENDIMETHALIN": ("0.1", "0.05", "0.05"), "ENDOSULFAN": ("0.05", "0.05", "0.05"),
    "PYRIDABEN": ("1", "1", "0.5"), "FIPRONIL": ("0.02", "0.02", "0.005"),
}  # fmt: skip
S, G = "simple", "guarded"
# (service code, HS prefix, destination (GB: any, HK, EU), low, high, decision rule, regulation)
SPECIFICATIONS: list[tuple[str, str, str, str | None, str | None, str, str]] = [
    *((f"FD-{p}", "", GB, None, gb, S, "GB 2763-2021") for p, (gb, _hk, _eu) in PESTICIDE_MRL.items()),
    *((f"FD-{p}", "07", HK, None, hk, G, "HK Cap. 132CM") for p, (_gb, hk, _eu) in PESTICIDE_MRL.items()),
    *((f"FD-{p}", "07", "EU", None, eu, G, "Regulation (EC) No 396/2005") for p, (_gb, _hk, eu) in PESTICIDE_MRL.items()),
    *((f"FD-{c}", p, GB, None, "0.5", S, "农业农村部公告第250号（禁用）") for c in ("CLENBUTEROL", "RACTOPAMINE", "SALBUTAMOL") for p in ("02", "16")),
    ("FD-PB", "", GB, None, "0.2", S, "GB 2762-2022"), ("FD-PB", "07", GB, None, "0.1", S, "GB 2762-2022"),
    ("FD-PB", "0704", GB, None, "0.3", S, "GB 2762-2022"), ("FD-PB", "0705", GB, None, "0.3", S, "GB 2762-2022"),
    ("FD-PB", "03", GB, None, "0.5", S, "GB 2762-2022"), ("FD-PB", "0902", GB, None, "5.0", S, "GB 2762-2022"),
    ("FD-PB", "21", GB, None, "1.0", S, "GB 2762-2022"),
    ("FD-PB", "07", HK, None, "0.1", G, "HK Cap. 132V"), ("FD-PB", "07", "EU", None, "0.10", G, "Regulation (EU) 2023/915"),
    ("FD-CD", "1006", GB, None, "0.2", S, "GB 2762-2022"), ("FD-CD", "03", GB, None, "0.1", S, "GB 2762-2022"),
    ("FD-CD", "07", GB, None, "0.05", S, "GB 2762-2022"), ("FD-CD", "1006", "EU", None, "0.15", G, "Regulation (EU) 2023/915"),
    ("FD-AS", "1006", GB, None, "0.2", S, "GB 2762-2022 (inorganic arsenic, screened as total)"),
    ("FD-HG", "03", GB, None, "0.5", S, "GB 2762-2022"), ("FD-HG", "1006", GB, None, "0.02", S, "GB 2762-2022"),
    ("FD-CR", "1006", GB, None, "1.0", S, "GB 2762-2022"), ("FD-CR", "02", GB, None, "1.0", S, "GB 2762-2022"),
    ("FD-APC", "16", GB, None, "100000", S, "GB 2726-2016"), ("FD-APC", "19", GB, None, "100000", S, "GB 7100-2015"),
    ("FD-SALMONELLA", "", GB, None, None, S, "GB 29921-2021 (not detected in 25 g)"),
    ("TX-FORMALDEHYDE", "61", GB, None, "75", S, "GB 18401-2010 (class B)"),
    ("TX-FORMALDEHYDE", "62", GB, None, "75", S, "GB 18401-2010 (class B)"),
    ("TX-FORMALDEHYDE", "6111", GB, None, "20", S, "GB 18401-2010 (class A)"),
    ("TX-FORMALDEHYDE", "54", GB, None, "300", S, "GB 18401-2010 (class C)"),
    ("TX-PH", "61", GB, "4.0", "8.5", S, "GB 18401-2010 (class B)"), ("TX-PH", "62", GB, "4.0", "8.5", S, "GB 18401-2010 (class B)"),
    ("TX-PH", "6111", GB, "4.0", "7.5", S, "GB 18401-2010 (class A)"), ("TX-PH", "54", GB, "4.0", "9.0", S, "GB 18401-2010 (class C)"),
    ("LT-PB-MIG", "6911", GB, None, "2.0", S, "GB 4806.4-2016"), ("LT-CD-MIG", "6911", GB, None, "0.30", S, "GB 4806.4-2016"),
    *((c, "3924", GB, None, "60", S, "GB 4806.7-2016") for c in ("LT-OM-ACID", "LT-OM-ETH10", "LT-OM-ETH95")),
    ("LT-HCHO-MIG", "3924", GB, None, "15", S, "GB 9685-2016"),
    *((f"LT-TOY-{e}", "9503", GB, None, limit, S, "GB 6675.4-2014") for e, limit in
      (("SB", "60"), ("AS", "25"), ("BA", "1000"), ("CD", "75"), ("CR", "60"), ("PB", "90"), ("HG", "60"), ("SE", "500"))),
    *((f"LT-PAE-{p}", "9503", GB, None, "0.1", S, "GB 6675.1-2014") for p in ("DEHP", "DBP", "BBP", "DINP", "DIDP", "DNOP")),
    *((f"LT-PAE-{p}", "9503", "EU", None, "0.1", G, "REACH Annex XVII entries 51 and 52") for p in ("DEHP", "DBP", "BBP", "DINP", "DIDP", "DNOP")),
    *((c, p, GB, None, high, S, "GB 4943.1-2022") for c, high in (("EL-4943-TOUCH", "0.25"), ("EL-4943-BOND", "100"), ("EL-4943-TEMP", "77")) for p in ("84", "85")),
    *((c, "85", GB, None, high, S, "GB 4706.1-2005") for c, high in (("EL-4706-LEAK", "0.75"), ("EL-4706-EARTH", "100"), ("EL-4706-WIND", "90"))),
    *((f"EL-HARM-{n}", p, GB, None, limit, S, "GB 17625.1-2022 (class A)") for n, limit in
      ((3, "2.30"), (5, "1.14"), (7, "0.77"), (9, "0.40"), (11, "0.33"), (13, "0.21"), (15, "0.15")) for p in ("84", "85")),
    ("EL-2099-TEMP", "", GB, None, "45", S, "GB/T 2099.1-2021"),
    *((f"CH-COSM-{e}", "33", GB, None, limit, S, "化妆品安全技术规范（2015年版）") for e, limit in
      (("PB", "10"), ("AS", "2"), ("HG", "1"), ("CD", "5"))),
    *((c, p, dest, None, limit, rule, source) for c, limit in (("CH-ROHS-PB", "1000"), ("CH-ROHS-CD", "100"), ("CH-ROHS-HG", "1000"), ("CH-PBB", "1000"), ("CH-PBDE", "1000"))
      for p in ("84", "85") for dest, rule, source in ((GB, S, "GB/T 26572-2011"), ("EU", G, "Directive 2011/65/EU"))),
    *((f"CH-PAE-{p}", h, "EU", None, "1000", G, "Directive (EU) 2015/863") for p in ("DEHP", "DBP", "BBP", "DIBP") for h in ("84", "85")),
    *((c, "", GB, None, None, S, "GB 5749-2022") for c in ("HT-TC", "HT-ECOLI", "HT-TTC")),
    ("HT-APC", "", GB, None, "100", S, "GB 5749-2022"),
    *((f"HT-{e}", "", GB, None, limit, S, "GB 5749-2022") for e, limit in
      (("AS", "0.01"), ("CD", "0.005"), ("PB", "0.01"), ("HG", "0.001"), ("SE", "0.01"), ("AL", "0.2"), ("FE", "0.3"),
       ("MN", "0.1"), ("CU", "1.0"), ("ZN", "1.0"), ("NI", "0.02"), ("BA", "0.7"), ("MO", "0.07"))),
    ("HT-PH", "", GB, "6.5", "8.5", S, "GB 5749-2022"), ("HT-HARD", "", GB, None, "450", S, "GB 5749-2022"),
    ("HT-TDS", "", GB, None, "1000", S, "GB 5749-2022"), ("HT-LEGIONELLA", "", GB, None, None, S, "WS 394-2012"),
    *((c, "", GB, None, None, S, "中华人民共和国进境动物检疫疫病名录（2020）") for c in ("AN-ASF-P72", "AN-FMD-PCR", "AN-AI-H5", "AN-AI-H7")),
]  # fmt: skip

# (code, laboratory, type, manufacturer, model, methods, measuring range (low, high, unit), state)
INSTRUMENTS: list[tuple[str, str, str, str, str, tuple[str, ...], tuple[str, str, str] | None, str]] = [
    ("FD-GCMS-01", "LAB-FOOD", "气相色谱-三重四极杆质谱仪 GC-MS/MS", "Agilent", "7010B", ("FD-PEST",), ("0.001", "20", "mg/kg"), "ok"),
    ("FD-GCMS-02", "LAB-FOOD", "气相色谱-三重四极杆质谱仪 GC-MS/MS", "Thermo Fisher", "TSQ 9610", ("FD-PEST",), ("0.001", "20", "mg/kg"), "ok"),
    ("FD-LCMS-01", "LAB-FOOD", "液相色谱-串联质谱仪 LC-MS/MS", "SCIEX", "Triple Quad 6500+", ("FD-BAGON",), None, "ok"),
    ("FD-LCMS-02", "LAB-FOOD", "液相色谱-串联质谱仪 LC-MS/MS", "Waters", "Xevo TQ-S", ("FD-BAGON",), None, "out_of_service"),
    ("FD-AAS-01", "LAB-FOOD", "石墨炉原子吸收光谱仪 GF-AAS", "PerkinElmer", "PinAAcle 900T", ("FD-PB",), ("0", "10", "mg/kg"), "ok"),
    ("FD-AAS-02", "LAB-FOOD", "石墨炉原子吸收光谱仪 GF-AAS", "Hitachi", "ZA3000", ("FD-PB",), ("0", "10", "mg/kg"), "expired"),
    ("FD-ICPMS-01", "LAB-FOOD", "电感耦合等离子体质谱仪 ICP-MS", "Agilent", "7900", ("FD-ICPMS",), None, "ok"),
    ("FD-INC-01", "LAB-FOOD", "恒温培养箱 Incubator", "Memmert", "IN260", ("FD-APC", "FD-SALM"), None, "ok"),
    ("FD-VITEK-01", "LAB-FOOD", "微生物鉴定系统 Microbial identification", "bioMérieux", "VITEK 2 Compact", ("FD-SALM",), None, "ok"),
    ("TX-UV-01", "LAB-TEX", "紫外可见分光光度计 UV-Vis", "Shimadzu", "UV-2600i", ("TX-HCHO",), None, "ok"),
    ("TX-GCMS-01", "LAB-TEX", "气相色谱-质谱联用仪 GC-MS", "Shimadzu", "GCMS-QP2020 NX", ("TX-AZO",), None, "ok"),
    ("TX-PH-01", "LAB-TEX", "pH计 pH meter", "Mettler Toledo", "SevenExcellence S400", ("TX-PH",), ("0", "14", "pH"), "ok"),
    ("TX-ICP-01", "LAB-TEX", "电感耦合等离子体发射光谱仪 ICP-OES", "Agilent", "5110", ("TX-METALS",), None, "ok"),
    ("LT-AAS-01", "LAB-LIGHT", "原子吸收光谱仪 AAS", "PerkinElmer", "PinAAcle 900T", ("LT-PBMIG", "LT-CDMIG"), None, "ok"),
    ("LT-BAL-01", "LAB-LIGHT", "分析天平 Analytical balance", "Mettler Toledo", "XPR205", ("LT-OM",), None, "ok"),
    ("LT-UV-01", "LAB-LIGHT", "紫外可见分光光度计 UV-Vis", "Agilent", "Cary 3500", ("LT-HCHOMIG",), None, "ok"),
    ("LT-ICPMS-01", "LAB-LIGHT", "电感耦合等离子体质谱仪 ICP-MS", "Agilent", "7850", ("LT-TOYEL",), None, "ok"),
    ("LT-GCMS-01", "LAB-LIGHT", "气相色谱-质谱联用仪 GC-MS", "Agilent", "8890/5977B", ("LT-PAE",), None, "ok"),
    ("EL-SAFE-01", "LAB-ELEC", "安规综合测试仪 Electrical safety tester", "Chroma", "19032", ("EL-4943", "EL-4706"), None, "ok"),
    ("EL-PA-01", "LAB-ELEC", "功率分析仪 Power analyser", "Yokogawa", "WT5000", ("EL-HARM", "EL-4943"), None, "ok"),
    ("EL-SLM-01", "LAB-ELEC", "声级计 Sound level meter", "Brüel & Kjær", "2250", ("EL-NOISE",), None, "ok"),
    ("EL-PLUG-01", "LAB-ELEC", "插头插座综合试验台 Plug and socket test bench", "Sanke", "SK-2099", ("EL-2099",), None, "ok"),
    ("CH-ICPMS-01", "LAB-CHEM", "电感耦合等离子体质谱仪 ICP-MS", "Agilent", "7900", ("CH-COSM", "CH-ROHS5", "CH-ROHS4"), None, "ok"),
    ("CH-GCMS-01", "LAB-CHEM", "气相色谱-质谱联用仪 GC-MS", "Agilent", "8890/5977B", ("CH-ROHS6",), None, "ok"),
    ("CH-PYGCMS-01", "LAB-CHEM", "热裂解-气相色谱-质谱联用仪 Py-GC/MS", "Shimadzu", "GCMS-QP2020 NX", ("CH-ROHS8",), None, "ok"),
    ("CH-TIT-01", "LAB-CHEM", "自动电位滴定仪 Titrator", "Metrohm", "OMNIS", ("CH-FE",), None, "ok"),
    ("HT-INC-01", "LAB-HEALTH", "恒温培养箱 Incubator", "Memmert", "IN110", ("HT-MICRO", "HT-LEG"), None, "ok"),
    ("HT-ICPMS-01", "LAB-HEALTH", "电感耦合等离子体质谱仪 ICP-MS", "Thermo Fisher", "iCAP RQ", ("HT-METAL",), None, "ok"),
    ("HT-PH-01", "LAB-HEALTH", "水质多参数分析仪 Water quality meter", "Hach", "HQ4300", ("HT-PHYS",), None, "ok"),
    ("HT-PCR-01", "LAB-HEALTH", "实时荧光定量PCR仪 Real-time PCR", "Bio-Rad", "CFX96 Touch", ("HT-VC", "HT-DENV"), None, "ok"),
    ("AN-PCR-01", "LAB-ANIMAL", "实时荧光定量PCR仪 Real-time PCR", "Bio-Rad", "CFX96 Touch",
     ("AN-ASF", "AN-CSF", "AN-FMD", "AN-HPAI", "AN-PRRS", "AN-PRV"), None, "ok"),
    ("AN-PCR-02", "LAB-ANIMAL", "实时荧光定量PCR仪 Real-time PCR", "Thermo Fisher", "QuantStudio 5",
     ("AN-ASF", "AN-CSF", "AN-FMD", "AN-HPAI", "AN-PRRS", "AN-PRV"), None, "ok"),
    ("AN-ELISA-01", "LAB-ANIMAL", "酶标仪 Microplate reader", "Thermo Fisher", "Multiskan FC", ("AN-ASF", "AN-FMD", "AN-PRV"), None, "ok"),
    ("PL-MIC-01", "LAB-PLANT", "体视显微镜 Stereo microscope", "Olympus", "SZX16", ("PL-TEPH", "PL-TROG", "PL-BXYL", "PL-LIRI"), None, "ok"),
    ("PL-PCR-01", "LAB-PLANT", "实时荧光定量PCR仪 Real-time PCR", "Bio-Rad", "CFX96 Touch",
     ("PL-TEPH", "PL-BXYL", "PL-XCC", "PL-EAMY"), None, "ok"),
]  # fmt: skip
CALIBRATORS = (
    "广东省计量科学研究院",
    "中国计量科学研究院",
    "深圳市计量质量检测研究院",
    "华南国家计量测试中心",
)
IMPORT_MAPPING = ("GENERIC-CSV", "通用CSV", "Generic CSV", "Sample", "Analyte", "Result", "Unit")


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def service_rows(method: MethodDef) -> list[dict[str, Any]]:
    """The method's services with the method's defaults filled in."""
    rows = []
    for entry in method.services:
        code, zh, en = entry[:3]
        over = entry[3] if len(entry) > 3 else {}
        row = {
            "code": code, "name_zh": zh, "name_en": en, "unit": method.unit, "lod": method.lod,
            "loq": method.loq, "u": method.u, "floor": method.floor, "precision": method.precision,
            "days": method.days, "price": method.price, "profile": method.profile,
            "typical": method.typical, "sd": method.sd,
        } | over  # fmt: skip
        if row["profile"] == "qual":
            row.update(unit="", lod=None, loq=None, u=None, floor=None, precision=0)
        rows.append(row)
    return rows


def _control_service(method: MethodDef) -> str:
    return method.control_service or method.services[0][0]


@audit.audited
def seed_reference(*, actor: Any) -> dict[str, int]:
    """Methods, services, specifications, instruments and their calibrations, reference
    materials and control charts, and the import mapping; existing codes are left alone.
    Audit ``lims.reference_seeded`` when something was made."""
    labs = {u.code: u for u in OrgUnit.objects.filter(kind="laboratory")}
    made: Tally[str] = Tally()
    methods = {m.code: m for m in Method.objects.all()}
    services = {s.code: s for s in AnalysisService.objects.all()}
    today = timezone.localdate()
    for lab_code, defs in METHODS.items():
        lab = labs.get(lab_code)
        if lab is None:
            continue
        for d in defs:
            if d.code not in methods:
                methods[d.code] = Method.objects.create(
                    code=d.code, name_zh=d.name_zh, name_en=d.name_en, laboratory=lab, standard=d.standard,
                    accredited=True, required_verifications=d.verifications,
                    description=f"{d.category}. {d.standard}",
                )  # fmt: skip
                made["methods"] += 1
            for row in service_rows(d):
                if row["code"] in services:
                    continue
                services[row["code"]] = AnalysisService.objects.create(
                    code=row["code"], name_zh=row["name_zh"], name_en=row["name_en"], laboratory=lab,
                    method=methods[d.code], category=d.category,
                    result_type="qualitative" if row["profile"] == "qual" else "numeric",
                    unit=row["unit"], precision=row["precision"], lod=_dec(row["lod"]), loq=_dec(row["loq"]),
                    uncertainty_percent=_dec(row["u"]), uncertainty_floor=_dec(row["floor"]),
                    turnaround_days=row["days"], price=Decimal(row["price"]), accredited=True,
                )  # fmt: skip
                made["services"] += 1
    made["specifications"] = _seed_specifications(services)
    instruments = _seed_instruments(labs, methods, today, made)
    _seed_materials(labs, methods, services, today, made)
    if not ImportMapping.objects.filter(code=IMPORT_MAPPING[0]).exists():
        code, zh, en, sample, keyword, result, unit = IMPORT_MAPPING
        ImportMapping.objects.create(
            code=code, name_zh=zh, name_en=en, sample_column=sample, keyword_column=keyword,
            result_column=result, unit_column=unit,
            description="一行一个结果：样品编号、检测项目代码、结果、单位 / One result a row: sample, analyte code, result, unit",
        )  # fmt: skip
        made["import_mappings"] += 1
    made["instruments"] = instruments
    counts = {k: v for k, v in made.items() if v}
    if counts:
        audit.record(actor=actor, action="lims.reference_seeded", changes=counts)
    return counts


def _seed_specifications(services: dict[str, AnalysisService]) -> int:
    countries = dict(Country.objects.values_list("code", "id"))
    existing = set(Specification.objects.values_list("service_id", "hs_prefix", "destination_id"))
    rows = []
    for code, prefix, where, low, high, rule, source in SPECIFICATIONS:
        service = services.get(code)
        if service is None:
            continue
        for dest in EU if where == "EU" else (None,) if where == GB else (where,):
            dest_id = countries.get(dest) if dest else None
            if (dest and dest_id is None) or (service.pk, prefix, dest_id) in existing:
                continue
            existing.add((service.pk, prefix, dest_id))
            rows.append(
                Specification(
                    service=service,
                    hs_prefix=prefix,
                    destination_id=dest_id,
                    low=_dec(low),
                    high=_dec(high),
                    decision_rule=rule,
                    source=source,
                )
            )
    Specification.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _seed_instruments(
    labs: dict[str, OrgUnit], methods: dict[str, Method], today: dt.date, made: Tally[str]
) -> int:
    existing = set(Instrument.objects.values_list("code", flat=True))
    created = 0
    for n, (code, lab_code, kind, maker, model, method_codes, span, state) in enumerate(INSTRUMENTS):
        if code in existing or lab_code not in labs:
            continue
        low, high, unit = span or (None, None, "")
        instrument = Instrument.objects.create(
            code=code, name_zh=kind.split(" ")[0], name_en=" ".join(kind.split(" ")[1:]) or kind,
            laboratory=labs[lab_code], kind=kind, manufacturer=maker, model_name=model,
            serial_number=f"{maker[:2].upper()}{2019 + n % 6}{n:04d}{(n * 7919) % 1000:03d}",
            range_low=_dec(low), range_high=_dec(high), range_unit=unit,
            out_of_service=state == "out_of_service",
            description="送修：离子源故障，待厂家更换 / Sent for repair: ion source fault" if state == "out_of_service" else "",
        )  # fmt: skip
        instrument.methods.set([methods[c] for c in method_codes if c in methods])
        created += 1
        # Two certificates a year apart; the current one covers the last 14 months' history
        # and the coming months, except for the instrument whose calibration has run out.
        current = today - dt.timedelta(days=40 + (n * 37) % 200)
        if state == "expired":
            current = today - dt.timedelta(days=365 + 40)
        for k, start in enumerate((current - dt.timedelta(days=365), current)):
            InstrumentCalibration.objects.create(
                instrument=instrument,
                certificate_number=f"JL{start:%Y}-{(n + 1) * 1000 + k:06d}",
                calibrated_by=CALIBRATORS[n % len(CALIBRATORS)],
                calibrated_on=start,
                valid_until=start + dt.timedelta(days=364),
            )
            made["calibrations"] += 1
    return created


def _seed_materials(
    labs: dict[str, OrgUnit],
    methods: dict[str, Method],
    services: dict[str, AnalysisService],
    today: dt.date,
    made: Tally[str],
) -> None:
    """Per method a blank (or negative control) and a control material (a certified reference
    material or a positive control), with a Levey-Jennings chart for numeric controls."""
    existing = set(ReferenceMaterial.objects.values_list("code", flat=True))
    for lab_code, defs in METHODS.items():
        if lab_code not in labs:
            continue
        for n, d in enumerate(defs):
            first, control = services.get(d.services[0][0]), services.get(_control_service(d))
            qualitative = d.profile == "qual" and control is not None and control.result_type == "qualitative"
            if d.blank and first and f"{d.code}-BLK" not in existing:
                ReferenceMaterial.objects.create(
                    code=f"{d.code}-BLK", laboratory=labs[lab_code], service=first, is_blank=True,
                    name_zh="阴性对照" if qualitative else "试剂空白",
                    name_en="Negative control" if qualitative else "Reagent blank",
                    lot=f"B{today:%y%m}{n:02d}", expires_on=today + dt.timedelta(days=180),
                )  # fmt: skip
                made["reference_materials"] += 1
            if d.control is None or control is None or f"{d.code}-QC" in existing:
                continue
            value = None if qualitative else Decimal(d.control)
            material = ReferenceMaterial.objects.create(
                code=f"{d.code}-QC", laboratory=labs[lab_code], service=control, is_blank=False,
                name_zh="阳性对照" if qualitative else f"质控样品（{control.name_zh}）",
                name_en="Positive control" if qualitative else f"Control material ({control.name_en})",
                lot=f"QC{today:%y}{n + 1:03d}", certified_value=value,
                certified_uncertainty=None if value is None else (value * Decimal("0.04")).quantize(value),
                expires_on=today + dt.timedelta(days=300),
            )  # fmt: skip
            made["reference_materials"] += 1
            if value is not None:
                ControlChart.objects.create(
                    service=control, reference_material=material, mean=value,
                    sd=chart_sd(value, d.profile), established_on=today - dt.timedelta(days=420),
                    notes="由20次独立测定建立 / Established from 20 independent runs",
                )  # fmt: skip
                made["control_charts"] += 1


def chart_sd(value: Decimal, profile: str) -> Decimal:
    """A control's standard deviation: 5% of its value for chemistry, 1% for physical standards,
    15% for colony counts."""
    share = {"level": Decimal("0.01"), "count": Decimal("0.15")}.get(profile, Decimal("0.05"))
    return max(value * share, Decimal("0.000001")).quantize(Decimal("0.000001"))


# --- People ------------------------------------------------------------------------------------

# The demo's laboratory people (LAB-FOOD); ``ops.demo`` makes ``analyst`` and ``labhead`` too.
LIMS_DEMO_USERS = [
    ("lab_reception", Role.LAB_RECEPTIONIST, "食品实验室收样员"),
    ("analyst", Role.LAB_ANALYST, "食品实验室检测员"),
    ("analyst2", Role.LAB_ANALYST, "食品实验室检测员（二）"),
    ("labhead", Role.LAB_SUPERVISOR, "食品实验室主任"),
]
BUREAU_ANALYSTS = {"LAB-FOOD": 6, "LAB-TEX": 4, "LAB-ELEC": 4}  # others: 3
SURNAMES = "陈李张王黄林吴刘何郭梁罗周郑谢邓冯曾彭蔡许"
GIVEN = (
    "志强",
    "丽华",
    "建国",
    "晓燕",
    "伟",
    "敏",
    "俊杰",
    "雪梅",
    "海涛",
    "嘉欣",
    "子轩",
    "思琪",
    "国华",
    "秀英",
    "文斌",
)


@dataclass
class Staff:
    """A laboratory's people as the history needs them."""

    head: User
    reception: User
    analysts: list[User]


def _person(username: str, role: str, unit: OrgUnit, display: str, password: str | None) -> User:
    from openciq.accounts.services import system_actor

    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(
            actor=system_actor(), username=username, password=password, display_name=display,
            org_unit=unit, roles=[role],
        )  # fmt: skip
    return user


def ensure_staff(*, bureau: bool) -> dict[int, Staff]:
    """The demo's LAB-FOOD people (demo passwords) and, for the bureau, every laboratory's head,
    receptionist and analysts (no usable password). Returns laboratory id → staff."""
    from openciq.ops.demo import demo_password

    labs = {u.code: u for u in OrgUnit.objects.filter(kind="laboratory").order_by("code")}
    staff: dict[int, Staff] = {}
    food = labs.get("LAB-FOOD")
    if food is not None:
        people = {u: _person(u, role, food, name, demo_password(u)) for u, role, name in LIMS_DEMO_USERS}
        staff[food.pk] = Staff(
            people["labhead"], people["lab_reception"], [people["analyst"], people["analyst2"]]
        )
    if not bureau:
        return staff
    names = iter(f"{s}{g}" for g in GIVEN for s in SURNAMES)
    for code, lab in labs.items():
        prefix = code.lower()
        short = lab.name_zh.removesuffix("实验室")
        crew = staff.get(lab.pk) or Staff(
            _person(f"{prefix}-head", Role.LAB_SUPERVISOR, lab, f"{next(names)}（{short}主任）", None),
            _person(f"{prefix}-reception", Role.LAB_RECEPTIONIST, lab, f"{next(names)}（{short}收样）", None),
            [],
        )
        for n in range(len(crew.analysts) + 1, BUREAU_ANALYSTS.get(code, 3) + 1):
            crew.analysts.append(
                _person(
                    f"{prefix}-analyst{n}", Role.LAB_ANALYST, lab, f"{next(names)}（{short}检测员）", None
                )
            )
        staff[lab.pk] = crew
    return staff


# --- Demo: about forty samples through the services ---------------------------------------------


@contextmanager
def clock(days_ago: float) -> Iterator[None]:
    """Run the services as if it were ``days_ago`` days earlier (``timezone.now`` and everything
    derived from it: state times, due dates, custody, calibration checks). Audit events keep the
    real time. For the demo's history only: the seeder runs alone in its process."""
    real = timezone.now
    offset = dt.timedelta(days=days_ago)
    timezone.now = lambda: real() - offset  # type: ignore[assignment]
    try:
        yield
    finally:
        timezone.now = real  # type: ignore[assignment]


VEGETABLE_TESTS = ("FD-CHLORPYRIFOS", "FD-CYPERMETHRIN", "FD-PROCYMIDONE", "FD-DIFENOCONAZOLE")
MEAT_TESTS = ("FD-CLENBUTEROL", "FD-RACTOPAMINE", "FD-SALMONELLA")
# Results entered for routine analyses unless a sample says otherwise (all conform).
DEMO_RESULTS = {
    "FD-CHLORPYRIFOS": "<0.01", "FD-CYPERMETHRIN": "0.05", "FD-PROCYMIDONE": "0.21",
    "FD-DIFENOCONAZOLE": "0.08", "FD-PB": "0.052", "FD-CLENBUTEROL": "<0.5", "FD-RACTOPAMINE": "<0.5",
    "FD-SALMONELLA": "not detected",
}  # fmt: skip


class Demo:
    """The demo's laboratory work, step by step through the services, as LAB-FOOD's people."""

    def __init__(self, rng: Any, actor: Any) -> None:
        from openciq.lims import services

        self.rng, self.system, self.services = rng, actor, services
        staff = ensure_staff(bureau=False)
        self.food = OrgUnit.objects.get(code="LAB-FOOD")
        crew = staff[self.food.pk]
        self.reception, self.head = crew.reception, crew.head
        self.analyst, self.analyst2 = crew.analysts[:2]
        self.svc = {s.code: s for s in AnalysisService.objects.select_related("method")}
        self.materials = {m.code: m for m in ReferenceMaterial.objects.all()}
        self.charts = {(c.service_id, c.reference_material_id): c for c in ControlChart.objects.all()}
        self.instruments = {i.code: i for i in Instrument.objects.all()}
        self.planned: dict[tuple[int, str], str] = {}
        products = list(Product.objects.filter(is_active=True).order_by("hs_code"))
        self.vegetables = [
            p for p in products if p.hs_code[:4] in ("0702", "0704", "0705", "0709")
        ] or products
        self.meat = [p for p in products if p.hs_code[:4] in ("0203", "0207", "1602")] or products
        self.clients = list(
            Enterprise.objects.filter(
                is_active=True, kind__in=("exporter", "farm", "packing_house")
            ).order_by("uscc")[:40]
        )
        self.countries = dict(
            Country.objects.filter(code__in=("HK", "MO", "DE", "JP")).values_list("code", "id")
        )

    # -- the steps ---------------------------------------------------------------------------

    def register(
        self, kind: str, *, dest: str | None = "HK", actor: Any = None, lab: OrgUnit | None = None,
        tests: Sequence[str] = (), description: str = "", hs: str = "",
    ) -> Sample:  # fmt: skip
        product = self.rng.choice(self.vegetables if kind == "veg" else self.meat) if kind else None
        codes = tests or ((*VEGETABLE_TESTS, "FD-PB") if kind == "veg" else MEAT_TESTS)
        client = self.rng.choice(self.clients) if self.clients else None
        data = self.services.SampleInput(
            laboratory_id=(lab or self.food).pk,
            description=description or f"{product.name_zh}（出口检验抽样）",
            service_ids=[self.svc[c].pk for c in codes],
            client_id=client.pk if client else None,
            client_name="" if client else "广州市民样品送检",
            product_id=product.pk if product else None,
            hs_code=product.hs_code if product else hs,
            destination_id=self.countries.get(dest) if dest else None,
            tests_requested="、".join(self.svc[c].name_zh for c in codes),
            quantity="2 kg" if kind else "1 件",
            date_sampled=timezone.localdate(),
        )
        return self.services.sample_register(actor=actor or self.reception, data=data)

    def receive(self, sample: Sample, actor: Any = None) -> Sample:
        cold = sample.laboratory_id == self.food.pk
        return self.services.sample_receive(
            actor=actor or self.reception,
            sample_id=sample.pk,
            storage_location="冷藏室 C2-03" if cold else "样品室 A-12",
            condition="冷藏，包装完好 / Chilled, packaging intact" if cold else "完好 / Intact",
        )

    def batch(self, n: int, kind: str, *, dest: str | None = "HK", **kwargs: Any) -> list[Sample]:
        samples = [self.register(kind, dest=dest, **kwargs) for _ in range(n)]
        return [self.receive(s) for s in samples]

    def worksheet(self, method: str, instrument: str, analyst: User, samples: Sequence[Sample]) -> Worksheet:
        from openciq.lims.worksheets import worksheet_create

        analyses = list(
            Analysis.objects.filter(sample__in=samples, service__method__code=method, status="unassigned")
            .select_related("service")
            .order_by("sample_id", "service__code")
        )
        numeric = [a for a in analyses if a.service.result_type == "numeric"]
        blank, control = self.materials.get(f"{method}-BLK"), self.materials.get(f"{method}-QC")
        return worksheet_create(
            actor=self.head,
            method_id=self.svc[analyses[0].service.code].method_id,
            instrument_id=self.instruments[instrument].pk,
            analyst_id=analyst.pk,
            analysis_ids=[a.pk for a in analyses],
            blank_ids=[blank.pk] if blank else [],
            control_ids=[control.pk] if control else [],
            duplicate_ids=[numeric[0].pk] if numeric else [],
        )

    def result(self, analysis: Analysis, *, off_by_sd: float = 0) -> str:
        """What the analyst enters: the plan for a routine analysis, "<LOQ" for a blank, the
        chart's mean (shifted by ``off_by_sd`` standard deviations) for a control."""
        service = analysis.service
        if analysis.kind == "routine":
            return self.planned.get(
                (analysis.sample_id, service.code), DEMO_RESULTS.get(service.code, "<0.01")
            )
        if analysis.kind == "duplicate":
            original = analysis.duplicate_of
            return self.result(original) if original else ""
        if service.result_type == "qualitative":
            return "not detected" if analysis.kind == "blank" else "detected"
        if analysis.kind == "blank":
            return f"<{service.loq.normalize():f}" if service.loq is not None else "0"
        chart = self.charts[(service.pk, analysis.reference_material_id)]
        return f"{(chart.mean + chart.sd * Decimal(str(off_by_sd))).normalize():f}"

    def enter(self, worksheet: Worksheet, analyst: User, *, off_by_sd: float = 0) -> None:
        rows = worksheet.analyses.select_related("service", "duplicate_of__service").order_by("kind", "id")
        for analysis in sorted(rows, key=lambda a: a.kind != "routine"):
            self.services.analysis_submit(
                actor=analyst, analysis_id=analysis.pk, result=self.result(analysis, off_by_sd=off_by_sd)
            )

    def import_file(self, worksheet: Worksheet, analyst: User) -> None:
        """The worksheet's results as the instrument exports them, read through the generic CSV
        mapping (routine rows by sample number, blank and control by material, duplicates as
        DUP-<sample>)."""
        from openciq.lims.worksheets import file_label, results_import

        lines = ["Sample,Analyte,Result,Unit"]
        for a in worksheet.analyses.select_related(
            "sample", "service", "reference_material", "duplicate_of__sample"
        ):
            lines.append(f"{file_label(a)},{a.service.code},{self.result(a)},{a.service.unit}")
        mapping = ImportMapping.objects.get(code=IMPORT_MAPPING[0])
        results_import(
            actor=analyst, worksheet_id=worksheet.pk, mapping_id=mapping.pk,
            data=("\n".join(lines) + "\n").encode(), filename=f"{worksheet.instrument.code}_{worksheet.number}.csv",
        )  # fmt: skip

    def verify(self, worksheet: Worksheet) -> None:
        for analysis in worksheet.analyses.filter(kind="routine", status="to_be_verified").order_by("id"):
            people = [u for u in (self.analyst2, self.head, self.analyst) if u.pk != analysis.submitted_by_id]
            for verifier in people[: analysis.verifications_required]:
                self.services.analysis_verify(actor=verifier, analysis_id=analysis.pk)

    def run(self) -> int:
        """The demo's samples, oldest first. Returns how many were registered."""
        from openciq.lims.reports import sample_publish

        a1, a2 = self.analyst, self.analyst2
        with clock(14):
            veg = self.batch(5, "veg", dest=None)
            meat = self.batch(3, "meat")
        self.planned[(veg[0].pk, "FD-CHLORPYRIFOS")] = "0.080"  # above GB 2763's 0.02: not conform
        with clock(14):  # bound for Hong Kong, just under its limit of 0.7 within U: inconclusive
            veg.append(self.receive(self.register("veg", dest="HK")))
            self.planned[(veg[-1].pk, "FD-CYPERMETHRIN")] = "0.68"
        with clock(13):
            sheets = [
                (self.worksheet("FD-PEST", "FD-GCMS-01", a1, veg), a1, "import"),
                (self.worksheet("FD-PB", "FD-AAS-01", a2, veg), a2, "enter"),
                (self.worksheet("FD-BAGON", "FD-LCMS-01", a1, meat), a1, "enter"),
                (self.worksheet("FD-SALM", "FD-VITEK-01", a2, meat), a2, "enter"),
            ]
        with clock(12):
            for sheet, analyst, how in sheets:
                self.import_file(sheet, analyst) if how == "import" else self.enter(sheet, analyst)
        with clock(11):
            for sheet, _analyst, _how in sheets:
                self.verify(sheet)
        with clock(10):
            for sample in veg[:5] + meat:
                sample_publish(actor=self.head, sample_id=sample.pk)
        with clock(8):
            self.services.sample_invalidate(
                actor=self.head, sample_id=veg[2].pk,
                reason="客户申诉，复核发现样品标签与送检单不符 / Client appeal: the label did not match the request form",
            )  # fmt: skip
        with clock(16):  # received long ago and still waiting: overdue
            overdue = self.batch(2, "veg", dest="MO")
        with clock(7):
            to_publish = self.batch(3, "veg", tests=VEGETABLE_TESTS)
        with clock(6):
            w5 = self.worksheet("FD-PEST", "FD-GCMS-01", a2, to_publish)
        with clock(5):
            self.enter(w5, a2)
        with clock(4):
            self.verify(w5)
            to_verify = self.batch(4, "veg", tests=VEGETABLE_TESTS)
        with clock(3):
            w6 = self.worksheet("FD-PEST", "FD-GCMS-01", a1, to_verify)
            failing = self.batch(3, "veg", tests=VEGETABLE_TESTS, dest="DE")
        with clock(2):
            self.enter(w6, a1)
            w7 = self.worksheet("FD-PEST", "FD-GCMS-02", a2, failing)
            in_analysis = self.batch(4, "veg")
        with clock(1):
            self.enter(w7, a2, off_by_sd=4.5)  # the control is beyond 3 SD: QC fails, GC-MS/MS 02 is blocked
            self.worksheet("FD-PEST", "FD-GCMS-01", a1, in_analysis)
            self.worksheet("FD-PB", "FD-AAS-01", a2, in_analysis)
            waiting = self.batch(2, "veg") + self.batch(2, "meat")
            rejected = self.batch(1, "meat")[0]
            self.services.sample_reject(
                actor=self.reception, sample_id=rejected.pk,
                reason="样品袋破损，冷链中断 / Bag torn, cold chain broken",
            )  # fmt: skip
        cancelled = self.register("veg")
        self.services.sample_cancel(
            actor=self.reception, sample_id=cancelled.pk, reason="重复登记 / Registered twice"
        )
        registered = [self.register(kind) for kind in ("veg", "meat", "veg")]
        made = len(veg) + len(meat) + len(overdue) + len(to_publish) + len(to_verify) + len(failing)
        made += len(in_analysis) + len(waiting) + 2 + len(registered)
        return made + self.from_declarations() + self.other_laboratories()

    def from_declarations(self) -> int:
        """Samples the inspector asks for under the demo's sampling orders (declarations seed):
        the first food sample goes all the way to a report, whose outcome reaches the order."""
        from openciq.declarations import selectors as inspection
        from openciq.declarations import services as declarations
        from openciq.lims.reports import sample_publish

        inspector = User.objects.filter(username="inspector").first()
        if inspector is None:
            return 0
        orders = [o for o in inspection.worklist(actor=inspector) if o.kind == "sampling"][:2]
        made = 0
        for n, order in enumerate(orders):
            if order.status == "open":
                declarations.order_start(actor=inspector, order_id=order.pk)
            request = declarations.sample_request_create(
                actor=inspector, order_id=order.pk, laboratory_id=self.food.pk,
                sample_description=f"{order.declaration.number} 抽样 / sample",
                tests="农药残留（毒死蜱、氯氰菊酯、腐霉利）、铅；菌落总数、沙门氏菌",
            )  # fmt: skip
            made += 1
            sample = Sample.objects.get(sample_request=request)
            if n > 0 or not sample.analyses.exists():
                continue
            self.receive(sample)
            sheets = []
            for method, instrument, analyst in (
                ("FD-PEST", "FD-GCMS-01", self.analyst), ("FD-PB", "FD-AAS-01", self.analyst),
                ("FD-APC", "FD-INC-01", self.analyst2), ("FD-SALM", "FD-VITEK-01", self.analyst2),
            ):  # fmt: skip
                if sample.analyses.filter(service__method__code=method).exists():
                    sheets.append((self.worksheet(method, instrument, analyst, [sample]), analyst))
            self.planned[(sample.pk, "FD-APC")] = "2300"
            for sheet, analyst in sheets:
                self.enter(sheet, analyst)
            for sheet, _analyst in sheets:
                self.verify(sheet)
            sample_publish(actor=self.head, sample_id=sample.pk)
        return made

    def other_laboratories(self) -> int:
        """A few samples in other laboratories, registered (and some received) by the system
        actor as an outside request would be, so their lists are not empty."""
        labs = {u.code: u for u in OrgUnit.objects.filter(code__in=("LAB-TEX", "LAB-PLANT", "LAB-ANIMAL"))}
        plan = [
            ("LAB-TEX", "棉制针织T恤衫（出口检验）", "610910", ("TX-FORMALDEHYDE", "TX-PH"), True),
            ("LAB-TEX", "合成纤维染色布", "540752", ("TX-FORMALDEHYDE", "TX-AZO-BZD", "TX-AZO-4ABP"), False),
            ("LAB-PLANT", "鲜荔枝（出口）", "081090", ("PL-BDOR", "PL-ZCUC"), False),
            ("LAB-ANIMAL", "出口活猪血清", "010391", ("AN-ASF-P72", "AN-CSF-PCR"), True),
        ]
        made = 0
        for code, description, hs, tests, received in plan:
            if code not in labs or not all(t in self.svc for t in tests):
                continue
            sample = self.register(
                "", dest="HK", actor=self.system, lab=labs[code], tests=tests, description=description, hs=hs
            )
            if received:
                self.receive(sample, actor=self.system)
            made += 1
        return made


def seed_demo(*, rng: Any, actor: Any) -> int:
    """About forty samples in every state, once (none are made when the demo's receptionist has
    registered samples already). Returns how many were made."""
    if Sample.objects.filter(registered_by__username="lab_reception").exists():
        return 0
    return Demo(rng, actor).run()


# --- Bureau: the history, streamed in chunks ------------------------------------------------------

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


# --- Writing ------------------------------------------------------------------------------------

COLUMNS = {
    "lims_sample": [
        "id", "created_at", "updated_at", "number", "laboratory_id", "parent_id", "retest_of_id",
        "sample_request_id", "client_id", "client_name", "description", "product_id", "hs_code",
        "destination_id", "tests_requested", "priority", "quantity", "date_sampled", "condition",
        "storage_location", "status", "status_changed_at", "received_at", "due_date", "verified_at",
        "published_at", "outcome", "reason", "disposed_at", "registered_by_id",
    ],
    "lims_worksheet": [
        "id", "created_at", "updated_at", "number", "laboratory_id", "method_id", "instrument_id", "analyst_id",
        "status", "qc_status", "qc_summary", "created_by_id",
    ],
    "lims_analysis": [
        "id", "created_at", "updated_at", "kind", "sample_id", "laboratory_id", "service_id", "worksheet_id",
        "reference_material_id", "duplicate_of_id", "retest_of_id", "analyst_id", "instrument_id", "status",
        "due_date", "result", "value", "censored", "unit", "uncertainty", "spec_low", "spec_high",
        "specification_id", "decision_rule", "outcome", "qc_flags", "submitted_by_id", "submitted_at",
        "verifications_required", "verified_at", "turnaround_days", "reason",
    ],
    "lims_verification": ["id", "created_at", "updated_at", "analysis_id", "verifier_id", "at"],
    "lims_custodyevent": ["id", "created_at", "updated_at", "sample_id", "kind", "holder_id", "location", "note", "at"],
}  # fmt: skip
MODELS = {"lims_sample": Sample, "lims_worksheet": Worksheet, "lims_analysis": Analysis,
          "lims_verification": Verification, "lims_custodyevent": CustodyEvent}  # fmt: skip


def check_columns() -> None:
    """The bulk path writes columns by name: refuse to run against models that have changed."""
    for table, model in MODELS.items():
        actual = [f.column for f in model._meta.concrete_fields]
        if sorted(actual) != sorted(COLUMNS[table]):
            raise RuntimeError(f"{table} has columns {actual}; the LIMS bulk seed writes {COLUMNS[table]}")


@contextmanager
def bulk_session() -> Iterator[None]:
    """SQLite: no fsync and a bigger page cache while loading (WAL stays); restored after."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        saved = {}
        for pragma, value in (("synchronous", "OFF"), ("cache_size", "-262144")):
            cursor.execute(f"PRAGMA {pragma}")
            saved[pragma] = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA {pragma}={value}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for pragma, value in saved.items():
                cursor.execute(f"PRAGMA {pragma}={value}")


class Writer:
    """Turns a chunk's objects into rows (ids from the tables' maxima, numbers from the counters)
    and inserts them in one transaction: SQLite ``executemany``, PostgreSQL ``COPY``."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.postgres = connection.vendor == "postgresql"
        self.suffix = "+00" if self.postgres else ""

    def ts(self, seconds: int | None) -> str | None:
        return (
            None
            if seconds is None
            else time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds)) + self.suffix
        )

    def write(self, chunk: Chunk) -> dict[str, Any]:
        with audit.scope(), transaction.atomic(), connection.cursor() as cursor:
            if self.postgres:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
                cursor.execute(f"LOCK TABLE {', '.join(COLUMNS)} IN SHARE ROW EXCLUSIVE MODE")
            base = {}
            for table in COLUMNS:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
                base[table] = cursor.fetchone()[0]
            self.number(chunk)
            rows = {
                "lims_sample": [self.sample_row(s, base) for s in chunk.samples],
                "lims_worksheet": [self.worksheet_row(w, base) for w in chunk.worksheets],
                "lims_analysis": [self.analysis_row(a, base) for a in chunk.analyses],
                "lims_verification": [
                    (base["lims_verification"] + n, self.ts(at), self.ts(at), base["lims_analysis"] + a.n, who, self.ts(at))
                    for n, (a, who, at) in enumerate(chunk.verifications)
                ],
                "lims_custodyevent": [
                    (base["lims_custodyevent"] + n, self.ts(at), self.ts(at), base["lims_sample"] + s.n, kind, holder,
                     location, note[:300], self.ts(at))
                    for n, (s, kind, holder, location, note, at) in enumerate(chunk.custody)
                ],
            }  # fmt: skip
            for table, columns in COLUMNS.items():
                self.insert(cursor, table, columns, rows[table], base[table])
            summary = self.summary(chunk, rows)
            audit.record(actor=self.actor, action="lims.history_seeded", changes=summary)
        return summary

    def insert(
        self, cursor: Any, table: str, columns: list[str], rows: list[tuple[Any, ...]], first: int
    ) -> None:
        if self.postgres:
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, first + len(rows)])
        else:
            marks = ", ".join("?" * len(columns))
            connection.connection.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
            )

    def number(self, chunk: Chunk) -> None:
        """Numbers as the services give them (S<year><6 digits>, W<year><5 digits>, a retest its
        original's number and -R1), the counters moved on."""
        years: dict[str, list[Any]] = {}
        for s in chunk.samples:
            if s.retest_of is None:
                years.setdefault(f"lims-sample:{Generator.local_date(s.registered).year}", []).append(s)
        for w in chunk.worksheets:
            years.setdefault(f"lims-worksheet:{Generator.local_date(w.created).year}", []).append(w)
        counters = Counter.objects.filter(name__in=list(years))
        last = dict(
            (counters.select_for_update() if self.postgres else counters).values_list("name", "value")
        )
        for name, objs in years.items():
            value = last.get(name, 0)
            prefix, width = ("S", 6) if name.startswith("lims-sample") else ("W", 5)
            year = name.rsplit(":", 1)[1]
            for obj in sorted(objs, key=lambda o: (o.registered if prefix == "S" else o.created, o.n)):
                value += 1
                obj.number = f"{prefix}{year}{value:0{width}d}"
            advance_to(name, value)
        for s in chunk.samples:
            if s.retest_of is not None:
                s.number = f"{s.retest_of.number}-R1"[:24]

    def sample_row(self, s: Any, base: dict[str, int]) -> tuple[Any, ...]:
        ts = self.ts
        retest = base["lims_sample"] + s.retest_of.n if s.retest_of is not None else None
        return (
            base["lims_sample"] + s.n, ts(s.registered), ts(s.status_changed), s.number, s.lab_id, None, retest, None,
            s.client_id, s.client_name, s.description, s.product_id, s.hs, s.dest_id, s.tests, s.priority,
            s.quantity, s.date_sampled.isoformat(), s.condition, s.storage, s.status, ts(s.status_changed),
            ts(s.received) if s.status != "registered" and s.status != "cancelled" else None,
            s.due.isoformat() if s.due else None, ts(s.verified_at), ts(s.published_at), s.outcome, s.reason,
            ts(s.disposed_at), s.registered_by,
        )  # fmt: skip

    def worksheet_row(self, w: Any, base: dict[str, int]) -> tuple[Any, ...]:
        return (
            base["lims_worksheet"] + w.n, self.ts(w.created), self.ts(w.updated), w.number, w.lab_id, w.method_id,
            w.instrument, w.analyst, w.status, w.qc_status, w.qc_summary[:2000], w.created_by,
        )  # fmt: skip

    def analysis_row(self, a: Any, base: dict[str, int]) -> tuple[Any, ...]:
        ts, svc, spec = self.ts, a.svc, a.spec
        entered = a.submitted_at is not None
        text, value, censored, unc = a.result if entered and a.result else ("", None, False, None)
        routine = a.kind == "routine"
        spec = spec if entered and routine else None
        ref = base["lims_analysis"]
        return (
            ref + a.n, ts(a.created), ts(a.updated), a.kind, base["lims_sample"] + a.sample.n if a.sample else None,
            a.sample.lab_id if a.sample else a.ws.lab_id, svc.id, base["lims_worksheet"] + a.ws.n if a.ws else None,
            a.rm_id, ref + a.dup_of.n if a.dup_of else None, ref + a.retest_of.n if a.retest_of else None,
            a.analyst, a.instrument, a.status, a.due.isoformat() if a.due else None, text, value, censored,
            svc.unit if entered else "", unc, spec.low if spec else None, spec.high if spec else None,
            spec.id if spec else None, spec.rule if spec else "", a.outcome if entered and routine else "",
            a.flags if entered else "[]", a.submitted_by, ts(a.submitted_at), svc.verifications if routine else 1,
            ts(a.verified_at), a.turnaround, a.reason,
        )  # fmt: skip

    @staticmethod
    def summary(chunk: Chunk, rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, Any]:
        routine = sum(1 for a in chunk.analyses if a.kind == "routine")
        numbers = sorted(s.number for s in chunk.samples if s.retest_of is None)
        return {
            "samples": len(chunk.samples),
            "analyses": routine,
            "qc_analyses": len(chunk.analyses) - routine,
            "worksheets": len(chunk.worksheets),
            "verifications": len(rows["lims_verification"]),
            "custody_events": len(rows["lims_custodyevent"]),
            "numbers": f"{numbers[0]}…{numbers[-1]}" if numbers else "",
            "period": f"{chunk.first_day}/{chunk.last_day}",
        }


def seeded_samples() -> int:
    """Samples the bulk path has made so far, from its audit events."""
    events = AuditEvent.objects.filter(action="lims.history_seeded").values_list("changes", flat=True)
    return sum(int(changes.get("samples", 0)) for changes in events)


def seed_history(
    *,
    count: int,
    months: int,
    rng: Any,
    actor: Any,
    chunk_size: int = CHUNK,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Make ``count`` sample batches registered over the ``months`` up to now, less those made
    already. Returns what was made (empty: nothing to do)."""
    wanted = count - seeded_samples()
    if wanted <= 0:
        return {}
    check_columns()
    today = timezone.localdate()
    first = today - dt.timedelta(days=round(months * 30.44))
    world = World(ensure_staff(bureau=True))
    exceptions = calendar_exceptions(first - dt.timedelta(days=10), today + dt.timedelta(days=120))
    generator = Generator(world, rng, timezone.now(), exceptions)
    writer = Writer(actor)
    started, made = time.monotonic(), Tally[str]()
    with bulk_session():
        for chunk in generator.chunks(generator.plan(wanted, first, today), chunk_size):
            summary = writer.write(chunk)
            made.update({k: v for k, v in summary.items() if isinstance(v, int)})
            made["chunks"] += 1
            if progress:
                seconds = time.monotonic() - started
                progress(
                    f"  samples {made['samples']:,}/{wanted:,} · {made['analyses']:,} analyses · "
                    f"{made['worksheets']:,} worksheets · {seconds:,.0f} s"
                )
    # Fresh planner statistics: without them SQLite scans half a million analyses for the
    # verification worklist. PostgreSQL's VACUUM also sets the visibility map (index-only scans);
    # it cannot run inside a transaction, where ANALYZE has to do.
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        for table in COLUMNS:
            cursor.execute(f"{'VACUUM ANALYZE' if vacuum else 'ANALYZE'} {table}")
    return {**made, "period": f"{first}/{today}", "stats": dict(generator.stats)}


def seed_reports(*, actor: Any, count: int = REPORTS, batch: int = 50) -> int:
    """Report rows with their rendered PDF for the latest ``count`` published samples (less
    those this step made before): one transaction and one ``lims.reports_seeded`` audit event a
    batch. Older samples of the history have no report row."""
    from django.core.files.base import ContentFile

    from openciq.lims import coa
    from openciq.lims.reports import report_analyses

    done = sum(
        int(c.get("reports", 0))
        for c in AuditEvent.objects.filter(action="lims.reports_seeded").values_list("changes", flat=True)
    )
    wanted = count - done
    if wanted <= 0:
        return 0
    heads = {lab: s.head for lab, s in ensure_staff(bureau=True).items()}
    samples = list(
        Sample.objects.filter(status="published", parent__isnull=True, reports__isnull=True)
        .select_related("laboratory", "client", "product", "destination")
        .order_by("-published_at", "-id")[:wanted]
    )[::-1]
    made = 0
    for start in range(0, len(samples), batch):
        with audit.scope(), transaction.atomic():
            numbers = []
            for sample in samples[start : start + batch]:
                head, published = heads[sample.laboratory_id], sample.published_at
                year = timezone.localdate(published).year
                number = f"R{year}{next_value(f'lims-report:{year}'):06d}"
                pdf = coa.render(
                    sample, report_analyses(sample), number=number, published_by=head, published_at=published
                )
                report = Report(
                    number=number, sample=sample, outcome=sample.outcome or "conform", published_by=head,
                    published_at=published, sha256=hashlib.sha256(pdf).hexdigest(),
                )  # fmt: skip
                report.pdf.save(f"{number}.pdf", ContentFile(pdf), save=False)
                report.save()
                numbers.append(number)
            audit.record(
                actor=actor,
                action="lims.reports_seeded",
                changes={
                    "reports": len(numbers),
                    "numbers": f"{numbers[0]}…{numbers[-1]}" if numbers else "",
                },
            )
            made += len(numbers)
    return made


def seed(*, scale: str, rng: Any, actor: Any) -> None:
    """The seeder registered for ``openciq seed`` (after accounts, master data and declarations)."""
    if not OrgUnit.objects.filter(code="LAB-FOOD").exists():
        return  # the organisation is not there (``--only lims`` on an empty database)
    seed_calendar(actor=actor)
    seed_reference(actor=actor)
    if scale == "demo":
        seed_demo(rng=rng, actor=actor)
        return
    size = SCALES[scale]
    seed_history(
        count=size["samples"],
        months=size["months"],
        rng=rng,
        actor=actor,
        progress=lambda text: print(text, flush=True),
    )
    seed_reports(actor=actor)
