"""The laboratories' people: the demo's four in LAB-FOOD, and at bureau scale a head, a
receptionist and analysts in every laboratory."""

from dataclasses import dataclass

from openciq.accounts.choices import Role
from openciq.accounts.models import OrgUnit, User
from openciq.accounts.services import user_create

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
