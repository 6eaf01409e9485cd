"""What each role may do. Roles are Django groups; ``sync_roles`` makes the groups match this table.

Permissions say what a role may do; the object scope (org unit, enterprise) says to which objects.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from openciq.accounts.choices import Role
from openciq.core.registry import registry

CRUD = ("view", "add", "change", "delete")
MASTERDATA = (
    "enterprise",
    "premises",
    "product",
    "country",
    "port",
    "monitoringpoint",
    "enterprisemembership",
)
REFERENCE_VIEW = [f"masterdata.view_{m}" for m in ("product", "country", "port")]


def _crud(app: str, models: tuple[str, ...], actions: tuple[str, ...] = CRUD) -> list[str]:
    return [f"{app}.{action}_{model}" for model in models for action in actions]


ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.SYSTEM_ADMIN: [
        *_crud("masterdata", MASTERDATA),
        *_crud("accounts", ("orgunit", "user")),
        "masterdata.reclassify_enterprise",
        "masterdata.approve_enterpriseclasschange",
        "core.view_auditevent",
    ],
    Role.BUREAU_LEADER: [
        *_crud("masterdata", MASTERDATA, ("view",)),
        *_crud("accounts", ("orgunit", "user"), ("view",)),
        "masterdata.reclassify_enterprise",
        "masterdata.approve_enterpriseclasschange",
        "core.view_auditevent",
    ],
    Role.BRANCH_INSPECTOR: [
        *_crud("masterdata", MASTERDATA, ("view",)),
        *_crud("masterdata", ("enterprise", "premises"), ("add", "change")),
        "masterdata.reclassify_enterprise",
        "accounts.view_orgunit",
    ],
    Role.PORT_HEALTH_OFFICER: [
        *REFERENCE_VIEW,
        "masterdata.view_enterprise",
        "masterdata.view_monitoringpoint",
        "masterdata.change_monitoringpoint",
        "accounts.view_orgunit",
    ],
    Role.LAB_RECEPTIONIST: [*REFERENCE_VIEW, "masterdata.view_enterprise", "accounts.view_orgunit"],
    Role.LAB_ANALYST: [*REFERENCE_VIEW, "masterdata.view_enterprise", "accounts.view_orgunit"],
    Role.LAB_SUPERVISOR: [
        *REFERENCE_VIEW,
        "masterdata.view_enterprise",
        "masterdata.view_premises",
        "accounts.view_orgunit",
    ],
    Role.HOTLINE_OPERATOR: [*REFERENCE_VIEW, "masterdata.view_enterprise", "masterdata.view_premises"],
    Role.HOTLINE_DISPATCHER: [
        *REFERENCE_VIEW,
        "masterdata.view_enterprise",
        "masterdata.view_premises",
        "accounts.view_orgunit",
    ],
    Role.ENTERPRISE_USER: [
        *REFERENCE_VIEW,
        "masterdata.view_enterprise",
        *_crud("masterdata", ("premises",), ("view", "add", "change")),
    ],
}


def sync_roles(**kwargs: Any) -> None:
    """``post_migrate`` receiver: one group per role holding exactly the table's permissions.

    It runs after each app's migration; permissions that do not exist yet are picked up on the
    later runs, so the groups are complete once ``migrate`` finishes.
    """
    by_name = {
        f"{app}.{codename}": pk
        for pk, app, codename in Permission.objects.values_list("pk", "content_type__app_label", "codename")
    }
    for role, names in role_permissions().items():
        group, _created = Group.objects.get_or_create(name=str(role))
        group.permissions.set([by_name[n] for n in names if n in by_name])


def role_permissions() -> dict[str, list[str]]:
    """This table plus what subsystems registered (``registry.register_role_permissions``)."""
    merged = {str(role): list(names) for role, names in ROLE_PERMISSIONS.items()}
    for role, names in registry.role_permissions.items():
        merged.setdefault(role, []).extend(names)
    return merged
