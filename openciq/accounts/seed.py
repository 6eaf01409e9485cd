"""The authority's organisation: the provincial bureau, 34 branch bureaus, 8 laboratories and
departments. The same tree at every scale (it is small)."""

from __future__ import annotations

import random
from typing import Any

from openciq.accounts.choices import OrgUnitKind
from openciq.accounts.models import OrgUnit
from openciq.core import audit

BUREAU = ("GD", "广东出入境检验检疫局", "Guangdong Entry-Exit Inspection and Quarantine Bureau")

# (code, Chinese name, English name) of the 34 branch bureaus.
BRANCHES = [
    ("GZ", "广州", "Guangzhou"),
    ("SZ", "深圳", "Shenzhen"),
    ("ZH", "珠海", "Zhuhai"),
    ("ST", "汕头", "Shantou"),
    ("FS", "佛山", "Foshan"),
    ("SG", "韶关", "Shaoguan"),
    ("ZJ", "湛江", "Zhanjiang"),
    ("ZQ", "肇庆", "Zhaoqing"),
    ("JM", "江门", "Jiangmen"),
    ("MM", "茂名", "Maoming"),
    ("HZ", "惠州", "Huizhou"),
    ("MZ", "梅州", "Meizhou"),
    ("SW", "汕尾", "Shanwei"),
    ("HY", "河源", "Heyuan"),
    ("YJ", "阳江", "Yangjiang"),
    ("QY", "清远", "Qingyuan"),
    ("DG", "东莞", "Dongguan"),
    ("ZS", "中山", "Zhongshan"),
    ("CZ", "潮州", "Chaozhou"),
    ("JY", "揭阳", "Jieyang"),
    ("YF", "云浮", "Yunfu"),
    ("HP", "黄埔", "Huangpu"),
    ("PY", "番禺", "Panyu"),
    ("NS", "南沙", "Nansha"),
    ("SK", "蛇口", "Shekou"),
    ("HG", "皇岗", "Huanggang"),
    ("LH", "罗湖", "Luohu"),
    ("WJ", "文锦渡", "Wenjindu"),
    ("STJ", "沙头角", "Shatoujiao"),
    ("DY", "大亚湾", "Daya Bay"),
    ("GB", "拱北", "Gongbei"),
    ("HQ", "横琴", "Hengqin"),
    ("XH", "新会", "Xinhui"),
    ("SD", "顺德", "Shunde"),
]

LABORATORIES = [
    ("LAB-TEX", "纺织品实验室", "Textiles laboratory"),
    ("LAB-LIGHT", "轻工产品实验室", "Light industry laboratory"),
    ("LAB-ELEC", "机电产品实验室", "Electrical products laboratory"),
    ("LAB-CHEM", "化矿金属实验室", "Chemicals, minerals and metals laboratory"),
    ("LAB-FOOD", "食品实验室", "Food laboratory"),
    ("LAB-HEALTH", "卫生检疫实验室", "Health quarantine laboratory"),
    ("LAB-ANIMAL", "动物检疫实验室", "Animal quarantine laboratory"),
    ("LAB-PLANT", "植物检疫实验室", "Plant quarantine laboratory"),
]

DEPARTMENTS = [
    ("DEP-INSP", "检验监管处", "Inspection and supervision division"),
    ("DEP-HEALTH", "卫生检疫处", "Health quarantine division"),
    ("DEP-IT", "信息中心", "Information centre"),
    ("DEP-COMPLAINT", "投诉举报中心", "Complaints centre"),
]


def _ensure(code: str, zh: str, en: str, kind: str, parent: OrgUnit | None) -> tuple[OrgUnit, bool]:
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is not None:
        return unit, False
    unit = OrgUnit(code=code, name_zh=zh, name_en=en, kind=kind, parent=parent)
    unit.save()
    return unit, True


@audit.audited
def seed(*, scale: str, rng: random.Random, actor: Any) -> None:
    """Idempotent: existing units (by code) are left as they are. One audit event per run."""
    created = 0
    bureau, new = _ensure(*BUREAU, OrgUnitKind.BUREAU, None)
    created += new
    for code, zh, en in BRANCHES:
        _unit, new = _ensure(
            code,
            f"{zh}出入境检验检疫局",
            f"{en} Inspection and Quarantine Bureau",
            OrgUnitKind.BRANCH,
            bureau,
        )
        created += new
    for code, zh, en in LABORATORIES:
        created += _ensure(code, zh, en, OrgUnitKind.LABORATORY, bureau)[1]
    for code, zh, en in DEPARTMENTS:
        created += _ensure(code, zh, en, OrgUnitKind.DEPARTMENT, bureau)[1]
    if created:
        audit.record(
            actor=actor, action="accounts.org_units_seeded", changes={"created": created, "scale": scale}
        )
