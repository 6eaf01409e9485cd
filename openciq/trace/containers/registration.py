"""What the container e-seal flow puts in the registry (called from ``AppConfig.ready``)."""

from importlib import import_module
from typing import Any

from django.utils.translation import gettext_lazy as _

from openciq.accounts.choices import Role
from openciq.core.registry import MenuItem, Seeder, registry

VIEW = ["containers.view_container", "containers.view_seal", "containers.view_trip"]
WORK = [
    "containers.add_container",
    "containers.add_seal",
    "containers.retire_seal",
    "containers.seal_trip",
    "containers.open_trip",
    "containers.inspect_trip",
    "containers.clear_trip",
    "containers.cancel_trip",
]


def declaration_records(actor: Any, declaration_number: str) -> Any:
    """The trips under a declaration number, for the declaration's page (``declarations.related``)."""
    from openciq.trace.containers.related import declaration_trips

    return declaration_trips(actor, declaration_number)


def register() -> None:
    from openciq.declarations import related
    from openciq.trace.capture import register_listener
    from openciq.trace.containers.watch import on_events

    register_listener(on_events)
    related.register(declaration_records)
    registry.register_api_router("containers", "openciq.trace.containers.api.build")
    registry.register_seeder(
        Seeder("containers", import_module("openciq.trace.containers.seed").seed, order=72)
    )
    for order, (label, url_name, permission) in enumerate(
        [
            (_("Container worklist"), "containers:worklist", "containers.view_trip"),
            (_("Sealed trips"), "containers:trip_list", "containers.view_trip"),
            (_("Containers"), "containers:container_list", "containers.view_container"),
            (_("Electronic seals"), "containers:seal_list", "containers.view_seal"),
            (_("Clearance times"), "containers:clearance", "containers.view_trip"),
        ],
        start=40,
    ):
        registry.register_menu_item(MenuItem("trace", label, url_name, permission, order=order))
    registry.register_role_permissions(
        {
            Role.SYSTEM_ADMIN: [*VIEW, *WORK],
            Role.BUREAU_LEADER: VIEW,
            Role.BRANCH_INSPECTOR: [*VIEW, *WORK],
            # Carriers and declarants follow their own trips.
            Role.ENTERPRISE_USER: VIEW,
        }
    )
