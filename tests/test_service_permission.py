"""The one permission check of the subsystems' services (``core.services.require_permission``)
and the ``require`` of the laboratory and the three trace flows built on it: a signed-in, active
user with the permission passes, the system actor (jobs, seeders, device ingest) passes without
one, everyone else is refused with the same translated message."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from openciq.accounts.services import system_actor
from openciq.core.errors import PermissionDeniedError
from openciq.core.permissions import require_permission
from openciq.lims import services as lims_services
from openciq.trace.containers import services as container_services
from openciq.trace.pigs import writing as pig_services
from openciq.trace.vegetables import services as vegetable_services
from tests import personas

pytestmark = pytest.mark.django_db

PERM = "vegetables.add_plantingbase"
REQUIRES: dict[str, Callable[[Any, str], None]] = {
    "lims": lims_services.require,
    "vegetables": vegetable_services.require,
    "pigs": pig_services.require,
    "containers": container_services.require,
}


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def refusal(call: Callable[[], None]) -> str:
    with pytest.raises(PermissionDeniedError) as info:
        call()
    return info.value.message


def test_require_permission_refuses_anonymous_unpermitted_and_inactive_users() -> None:
    permitted = personas.scoped_manager("veg_registrar", [PERM])
    inactive = personas.scoped_manager("veg_registrar_gone", [PERM])
    inactive.is_active = False
    for actor in (AnonymousUser(), personas.nobody(), inactive):
        assert (
            refusal(lambda a=actor: require_permission(a, PERM)) == "You do not have permission to do this."
        )
    require_permission(permitted, PERM)  # no refusal


def test_require_permission_lets_the_exempt_actor_through_and_says_the_apps_message() -> None:
    nobody = personas.nobody()
    require_permission(nobody, PERM, exempt=lambda actor: actor.pk == nobody.pk)
    assert (
        refusal(lambda: require_permission(AnonymousUser(), PERM, message="Only registrars register bases."))
        == "Only registrars register bases."
    )


def test_require_permission_says_the_refusal_in_the_users_language() -> None:
    with translation.override("zh-hans"):
        message = refusal(lambda: require_permission(personas.nobody(), PERM))
    assert message != "You do not have permission to do this." and message


@pytest.mark.parametrize("app", sorted(REQUIRES))
def test_each_subsystems_require_passes_the_system_actor_and_refuses_a_user_without_the_permission(
    app: str,
) -> None:
    require = REQUIRES[app]
    system = system_actor()
    assert not system.is_active  # it holds no permission: only the exemption lets it act
    require(system, PERM)
    require(personas.scoped_manager(f"{app}_registrar", [PERM]), PERM)
    assert refusal(lambda: require(personas.nobody(), PERM)) == "You do not have permission to do this."
    assert refusal(lambda: require(AnonymousUser(), PERM)) == "You do not have permission to do this."
