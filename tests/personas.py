"""Named personas. Each is a real user with a real role (group) and org unit."""

from __future__ import annotations

import random
from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission

from openciq.accounts import seed as org_seed
from openciq.accounts.models import OrgUnit, User
from openciq.accounts.services import system_actor, user_create


def org_tree() -> None:
    """The real org tree (bureau, 34 branches, labs, departments) as the seeder makes it."""
    if not OrgUnit.objects.filter(code="GD").exists():
        org_seed.seed(scale="demo", rng=random.Random(0), actor=system_actor())


def persona(username: str, role: str | None, unit: str | None, password: str | None = None) -> User:
    org_tree()
    return user_create(
        actor=system_actor(),
        username=username,
        password=password,
        org_unit=OrgUnit.objects.get(code=unit) if unit else None,
        roles=[role] if role else [],
    )


def inspector_gz() -> User:
    return persona("inspector_gz", "branch_inspector", "GZ")


def inspector_sz() -> User:
    return persona("inspector_sz", "branch_inspector", "SZ")


def system_admin() -> User:
    return persona("system_admin", "system_admin", "GD")


def bureau_leader() -> User:
    return persona("bureau_leader", "bureau_leader", "GD")


def lab_analyst() -> User:
    return persona("lab_analyst", "lab_analyst", "LAB-FOOD")


def enterprise_user() -> User:
    return persona("enterprise_user", "enterprise_user", None)


def nobody() -> User:
    """Signed in, but with no role and no permission."""
    return persona("nobody", None, "GZ")


def scoped_manager(username: str, perms: Iterable[str], unit: str = "GZ") -> User:
    """A user of one branch holding exactly ``perms`` (app.codename) — permitted but scoped."""
    user = persona(username, None, unit)
    group, _ = Group.objects.get_or_create(name=f"test:{username}")
    for name in perms:
        app, codename = name.split(".")
        group.permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    user.groups.add(group)
    return User.objects.get(pk=user.pk)


def lab_receptionist() -> User:
    return persona("lab_receptionist", "lab_receptionist", "LAB-FOOD")


def lab_analyst_2() -> User:
    """A second analyst of the food laboratory (the verifier of the first one's results)."""
    return persona("lab_analyst_2", "lab_analyst", "LAB-FOOD")


def lab_head() -> User:
    return persona("lab_head", "lab_supervisor", "LAB-FOOD")


def lab_analyst_chem() -> User:
    """An analyst of another laboratory (out of the food laboratory's scope)."""
    return persona("lab_analyst_chem", "lab_analyst", "LAB-CHEM")
