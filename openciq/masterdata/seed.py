"""Master data at demo or bureau scale, reproducible from the seed number.

Bureau scale follows DESIGN.md: 97 ports, 495 port monitoring points, 5,719 enterprises, 93 pig
farms among the premises, and an HS-code catalogue. Existing rows (by natural key) are kept, so a
second run adds nothing. Bulk path: one audit event per run.
"""

from __future__ import annotations

import gettext
import random
from typing import Any

import pycountry
from django.db import transaction
from stdnum import ean
from stdnum.cn import uscc

from openciq.accounts.choices import OrgUnitKind
from openciq.accounts.models import OrgUnit
from openciq.core import audit
from openciq.masterdata.choices import (
    EnterpriseClass,
    EnterpriseKind,
    MonitoringPointKind,
    PortKind,
    PremisesKind,
    RiskCategory,
)
from openciq.masterdata.models import Country, Enterprise, MonitoringPoint, Port, Premises, Product

SCALES = {
    "demo": {"ports": 12, "points_per_port": 3, "enterprises": 80, "pig_farms": 6, "other_premises": 60},
    "bureau": {
        "ports": 97,
        "points_per_port": 5,
        "enterprises": 5719,
        "pig_farms": 93,
        "other_premises": 4200,
    },
}

# 6-digit HS subheadings the bureau sees most, with Chinese and English names and a risk category.
HS_CATALOGUE = [
    ("010391", "活猪（重量<50千克）", "Live swine, weighing less than 50 kg", "high"),
    ("010392", "活猪（重量≥50千克）", "Live swine, weighing 50 kg or more", "high"),
    ("010594", "活鸡", "Live fowls of the species Gallus domesticus", "high"),
    ("020329", "冻猪肉", "Frozen meat of swine", "high"),
    ("020714", "冻鸡块及杂碎", "Frozen cuts and offal of fowls", "high"),
    ("030289", "其他鲜冷鱼", "Other fish, fresh or chilled", "high"),
    ("030617", "冻虾", "Frozen shrimps and prawns", "high"),
    ("040700", "禽蛋", "Birds' eggs, in shell", "medium"),
    ("070200", "鲜或冷藏番茄", "Tomatoes, fresh or chilled", "medium"),
    ("070310", "洋葱及青葱", "Onions and shallots", "medium"),
    ("070320", "大蒜", "Garlic", "medium"),
    ("070511", "结球莴苣", "Cabbage lettuce", "medium"),
    ("070410", "菜花及西兰花", "Cauliflowers and broccoli", "medium"),
    ("070490", "其他甘蓝（菜心、芥蓝）", "Other brassicas (choy sum, kai-lan)", "medium"),
    ("070999", "其他鲜蔬菜", "Other vegetables, fresh or chilled", "medium"),
    ("071080", "冻蔬菜", "Frozen vegetables", "medium"),
    ("080390", "鲜香蕉", "Bananas, fresh", "medium"),
    ("081090", "荔枝、龙眼等鲜果", "Lychees, longans and other fresh fruit", "medium"),
    ("090210", "绿茶", "Green tea", "low"),
    ("100630", "大米", "Semi-milled or wholly milled rice", "medium"),
    ("160232", "鸡肉罐头", "Prepared or preserved chicken", "medium"),
    ("190531", "甜饼干", "Sweet biscuits", "low"),
    ("200599", "其他制作或保藏的蔬菜", "Other prepared or preserved vegetables", "medium"),
    ("210390", "调味品", "Sauces and condiments", "low"),
    ("220300", "啤酒", "Beer made from malt", "low"),
    ("330499", "美容化妆品", "Beauty and make-up preparations", "medium"),
    ("391732", "塑料软管", "Flexible plastic tubes", "low"),
    ("392410", "塑料餐具", "Plastic tableware and kitchenware", "medium"),
    ("481920", "纸盒", "Folding cartons of paperboard", "low"),
    ("540752", "合成纤维染色布", "Dyed woven fabrics of synthetic filament", "low"),
    ("610910", "棉制针织T恤衫", "T-shirts of cotton, knitted", "low"),
    ("620342", "棉制男裤", "Men's trousers of cotton", "low"),
    ("640399", "皮面鞋靴", "Footwear with leather uppers", "low"),
    ("691110", "瓷餐具", "Porcelain tableware", "medium"),
    ("701337", "玻璃杯", "Drinking glasses", "medium"),
    ("732393", "不锈钢厨具", "Stainless steel kitchenware", "medium"),
    ("847130", "便携式计算机", "Portable computers", "low"),
    ("850440", "静止式变流器", "Static converters", "low"),
    ("851310", "手电筒", "Portable electric lamps", "low"),
    ("851660", "电炉灶及电烤箱", "Electric ovens, cookers and hot plates", "medium"),
    ("851712", "手机", "Mobile telephones", "low"),
    ("852872", "彩色电视机", "Colour television receivers", "low"),
    ("853710", "电气控制板", "Electrical control boards", "low"),
    ("870899", "汽车零件", "Motor vehicle parts", "low"),
    ("940360", "木制家具", "Wooden furniture", "medium"),
    ("950300", "玩具", "Toys", "medium"),
    ("960321", "牙刷", "Toothbrushes", "medium"),
]

PROVINCE_DIVISIONS = ["440100", "440300", "440400", "440500", "440600", "441900", "442000", "440700"]
COMPANY_WORDS = [
    "华",
    "粤",
    "南",
    "丰",
    "盛",
    "信",
    "达",
    "源",
    "海",
    "隆",
    "宏",
    "新",
    "嘉",
    "和",
    "泰",
    "利",
    "兴",
    "安",
]
COMPANY_TRADES = [
    ("食品", "Food"),
    ("农产品", "Agricultural Products"),
    ("电子", "Electronics"),
    ("服装", "Garments"),
    ("进出口", "Import & Export"),
    ("包装", "Packaging"),
    ("水产", "Aquatic Products"),
    ("玩具", "Toys"),
    ("家具", "Furniture"),
    ("养殖", "Livestock Farming"),
    ("蔬菜", "Vegetables"),
    ("化工", "Chemicals"),
]
PINYIN = {
    "华": "Hua",
    "粤": "Yue",
    "南": "Nan",
    "丰": "Feng",
    "盛": "Sheng",
    "信": "Xin",
    "达": "Da",
    "源": "Yuan",
    "海": "Hai",
    "隆": "Long",
    "宏": "Hong",
    "新": "Xin",
    "嘉": "Jia",
    "和": "He",
    "泰": "Tai",
    "利": "Li",
    "兴": "Xing",
    "安": "An",
}
ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(rng: random.Random) -> str:
    body = "91" + rng.choice(PROVINCE_DIVISIONS) + "".join(rng.choice(ORG_ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def make_gln(rng: random.Random, serial: int) -> str:
    body = f"69{rng.randint(10000, 99999)}{serial:05d}"[:12]
    return body + ean.calc_check_digit(body)


def seed_countries() -> int:
    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)
    existing = set(Country.objects.values_list("code", flat=True))
    rows = [
        Country(
            code=c.alpha_2, alpha3=c.alpha_3, numeric=c.numeric, name_en=c.name, name_zh=zh.gettext(c.name)
        )
        for c in pycountry.countries
        if c.alpha_2 not in existing
    ]
    Country.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def seed_products(rng: random.Random, scale: str) -> int:
    existing = set(Product.objects.values_list("hs_code", flat=True))
    rows = []
    for code, zh, en, risk in HS_CATALOGUE:
        variants = [code] if scale == "demo" else [code, *(f"{code}{n:02d}" for n in range(10, 100, 10))]
        for index, hs in enumerate(variants):
            if hs in existing:
                continue
            suffix = "" if index == 0 else f"（{index}）"
            rows.append(
                Product(
                    hs_code=hs,
                    name_zh=zh + suffix,
                    name_en=en + ("" if index == 0 else f" ({index})"),
                    risk_category=RiskCategory(risk),
                )
            )
    Product.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def seed_ports(rng: random.Random, size: dict[str, int]) -> tuple[int, int]:
    branches = list(OrgUnit.objects.filter(kind=OrgUnitKind.BRANCH).order_by("code"))
    existing = set(Port.objects.values_list("code", flat=True))
    kinds = [PortKind.SEA] * 6 + [PortKind.LAND] * 3 + [PortKind.AIR]
    ports = []
    for n in range(size["ports"]):
        branch = branches[n % len(branches)]
        code = f"CN{branch.code}{n // len(branches) + 1:02d}"
        if code in existing:
            continue
        kind = rng.choice(kinds)
        label_zh = {"sea": "港", "land": "口岸", "air": "机场"}[kind]
        ports.append(
            Port(
                code=code,
                kind=kind,
                org_unit=branch,
                name_zh=f"{branch.name_zh[:-7]}{n // len(branches) + 1}号{label_zh}",
                name_en=f"{branch.name_en.split(' Inspection')[0]} {kind} port {n // len(branches) + 1}",
            )
        )
    Port.objects.bulk_create(ports, batch_size=500)
    point_kinds = list(MonitoringPointKind)
    existing_points = set(MonitoringPoint.objects.values_list("code", flat=True))
    points = []
    for port in Port.objects.order_by("code"):
        for i in range(1, size["points_per_port"] + 1):
            code = f"{port.code}-{i:02d}"
            if code in existing_points:
                continue
            kind = point_kinds[(i - 1) % len(point_kinds)]
            points.append(
                MonitoringPoint(
                    code=code,
                    port=port,
                    kind=kind,
                    name_zh=f"{port.name_zh}{i}号监控点",
                    name_en=f"{port.name_en} point {i}",
                )
            )
    MonitoringPoint.objects.bulk_create(points, batch_size=1000)
    return len(ports), len(points)


def seed_enterprises(rng: random.Random, size: dict[str, int]) -> int:
    branches = list(OrgUnit.objects.filter(kind=OrgUnitKind.BRANCH).order_by("code"))
    have = Enterprise.objects.count()
    if have >= size["enterprises"]:
        return 0
    existing = set(Enterprise.objects.values_list("uscc", flat=True))
    kinds = (
        [EnterpriseKind.EXPORTER] * 10
        + [EnterpriseKind.IMPORTER] * 2
        + [EnterpriseKind.FARM] * 2
        + [EnterpriseKind.PACKING_HOUSE]
        + [EnterpriseKind.FOOD_PACKAGING_MAKER]
        + [EnterpriseKind.AGENT]
    )
    classes = (
        [EnterpriseClass.A] * 15
        + [EnterpriseClass.B] * 70
        + [EnterpriseClass.C] * 12
        + [EnterpriseClass.D] * 3
    )
    rows = []
    while have + len(rows) < size["enterprises"]:
        code = make_uscc(rng)
        if code in existing:
            continue
        existing.add(code)
        w1, w2 = rng.sample(COMPANY_WORDS, 2)
        trade_zh, trade_en = rng.choice(COMPANY_TRADES)
        branch = rng.choice(branches)
        city_zh = branch.name_zh[:-7]
        city_en = branch.name_en.split(" Inspection")[0]
        rows.append(
            Enterprise(
                uscc=code,
                kind=rng.choice(kinds),
                classification=rng.choice(classes),
                org_unit=branch,
                name_zh=f"{city_zh}市{w1}{w2}{trade_zh}有限公司",
                name_en=f"{city_en} {PINYIN[w1]}{PINYIN[w2].lower()} {trade_en} Co., Ltd.",
                address=f"{city_zh}市{rng.randint(1, 999)}号",
                contact_name=rng.choice("陈李黄张王林刘吴") + "先生",
                contact_phone=f"0{rng.randint(200, 768)}-{rng.randint(1000000, 89999999)}",
            )
        )
    Enterprise.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def seed_premises(rng: random.Random, size: dict[str, int]) -> int:
    if Premises.objects.exists():
        return 0
    enterprises = list(Enterprise.objects.order_by("uscc").only("pk", "org_unit_id", "kind", "name_zh"))
    farms = [e for e in enterprises if e.kind == EnterpriseKind.FARM] or enterprises
    other_kinds = (
        [PremisesKind.PLANTING_BASE] * 3
        + [PremisesKind.PACKING_HOUSE] * 2
        + [PremisesKind.FACTORY] * 5
        + [PremisesKind.COLD_STORE]
    )
    rows = []
    plan = [(PremisesKind.FARM, rng.choice(farms)) for _ in range(size["pig_farms"])]
    plan += [(rng.choice(other_kinds), rng.choice(enterprises)) for _ in range(size["other_premises"])]
    for n, (kind, owner) in enumerate(plan, start=1):
        label = {
            "farm": "养殖场",
            "planting_base": "种植基地",
            "packing_house": "包装厂",
            "factory": "工厂",
            "cold_store": "冷库",
        }[kind]
        rows.append(
            Premises(
                registration_number=f"{4400}{kind[:2].upper()}{n:06d}",
                kind=kind,
                enterprise_id=owner.pk,
                org_unit_id=owner.org_unit_id,
                name_zh=f"{owner.name_zh[:-4]}{label}{n}",
                name_en=f"{kind.replace('_', ' ').title()} {n}",
                gln=make_gln(rng, n) if rng.random() < 0.6 else None,
                latitude=round(rng.uniform(21.5, 25.3), 6),
                longitude=round(rng.uniform(109.7, 117.2), 6),
            )
        )
    Premises.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


@audit.audited
def seed(*, scale: str, rng: random.Random, actor: Any) -> None:
    size = SCALES[scale]
    with transaction.atomic():
        counts = {
            "countries": seed_countries(),
            "products": seed_products(rng, scale),
        }
        counts["ports"], counts["monitoring_points"] = seed_ports(rng, size)
        counts["enterprises"] = seed_enterprises(rng, size)
        counts["premises"] = seed_premises(rng, size)
    if any(counts.values()):
        audit.record(actor=actor, action="masterdata.seeded", changes={"scale": scale, **counts})
