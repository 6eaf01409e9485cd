"""Demo users: one per role, with known passwords printed by ``openciq demo``."""

from __future__ import annotations

from openciq.accounts.choices import Role
from openciq.accounts.models import OrgUnit, User
from openciq.accounts.services import system_actor, user_create
from openciq.core import audit

# username, role, org unit code (None: no unit), display name
DEMO_USERS = [
    ("admin", Role.SYSTEM_ADMIN, "GD", "系统管理员"),
    ("leader", Role.BUREAU_LEADER, "GD", "局领导"),
    ("inspector", Role.BRANCH_INSPECTOR, "GZ", "广州局检验员"),
    ("porthealth", Role.PORT_HEALTH_OFFICER, "SZ", "深圳局卫生检疫官"),
    ("lab_reception", Role.LAB_RECEPTIONIST, "LAB-FOOD", "食品实验室收样员"),
    ("analyst", Role.LAB_ANALYST, "LAB-FOOD", "食品实验室检测员"),
    ("analyst2", Role.LAB_ANALYST, "LAB-FOOD", "食品实验室检测员（二）"),
    ("labhead", Role.LAB_SUPERVISOR, "LAB-FOOD", "食品实验室主任"),
    ("operator", Role.HOTLINE_OPERATOR, "DEP-COMPLAINT", "热线接线员"),
    ("dispatcher", Role.HOTLINE_DISPATCHER, "DEP-COMPLAINT", "热线调度员"),
    ("enterprise", Role.ENTERPRISE_USER, None, "企业用户"),
]


def demo_password(username: str) -> str:
    return f"{username}-demo-2026"


def ensure_demo_users() -> list[tuple[str, str, str]]:
    """Create the demo users that are missing; the enterprise user acts for one Guangzhou enterprise."""
    actor = system_actor()
    printed = []
    for username, role, unit_code, display in DEMO_USERS:
        if not User.objects.filter(username=username).exists():
            unit = OrgUnit.objects.get(code=unit_code) if unit_code else None
            user_create(
                actor=actor,
                username=username,
                password=demo_password(username),
                display_name=display,
                org_unit=unit,
                roles=[role],
            )
        printed.append((username, demo_password(username), str(role.label)))
    _ensure_enterprise_membership(actor)
    return printed


@audit.audited
def _ensure_enterprise_membership(actor: User) -> None:
    from openciq.masterdata.models import Enterprise, EnterpriseMembership

    user = User.objects.get(username="enterprise")
    if EnterpriseMembership.objects.filter(user=user).exists():
        return
    enterprise = Enterprise.objects.filter(org_unit__code="GZ").order_by("uscc").first()
    if enterprise is None:
        return
    membership = EnterpriseMembership.objects.create(user=user, enterprise=enterprise)
    audit.record_change(
        actor=actor, action="masterdata.enterprisemembership_created", obj=membership, before=None
    )
