"""What the live-pig supervision puts in the registry (called from ``AppConfig.ready``): its menu
entries under "Traceability", the roles' permissions, the API router, the capture listener of the
loading channels and the demo seeder."""

from importlib import import_module
from typing import Any

from django.utils.translation import gettext_lazy as _

from openciq.accounts.choices import Role
from openciq.core.registry import MenuItem, Seeder, registry

VIEW = [
    "pigs.view_farm",
    "pigs.view_tagrange",
    "pigs.view_animal",
    "pigs.view_eartag",
    "pigs.view_treatment",
    "pigs.view_loadingbatch",
]
# What a farm's own people do for their farm (scoped to their enterprise).
FARM_WORK = [
    "pigs.add_animal",
    "pigs.add_treatment",
    "pigs.replace_eartag",
    "pigs.record_death_animal",
    "pigs.add_loadingbatch",
    "pigs.cancel_loadingbatch",
]
INSPECTION = [
    "pigs.add_farm",
    "pigs.add_tagrange",
    "pigs.load_loadingbatch",
    "pigs.release_loadingbatch",
    "pigs.receive_loadingbatch",
]


def declaration_records(actor: Any, declaration_number: str) -> Any:
    """The loading batches under a declaration number, for the declaration's page
    (``declarations.related``)."""
    from openciq.trace.pigs.related import declaration_batches

    return declaration_batches(actor, declaration_number)


def register() -> None:
    from openciq.declarations import related
    from openciq.trace.capture import register_listener
    from openciq.trace.pigs.listener import record_channel_reads

    register_listener(record_channel_reads)
    related.register(declaration_records)
    registry.register_api_router("pigs", "openciq.trace.pigs.api.build")
    registry.register_seeder(Seeder("pigs", import_module("openciq.trace.pigs.seed").seed, order=71))
    for order, (label, url_name, permission) in enumerate(
        [
            (_("Live pigs: worklist"), "pigs:worklist", "pigs.view_loadingbatch"),
            (_("Pig farms"), "pigs:farm_list", "pigs.view_farm"),
            (_("Pigs"), "pigs:animal_list", "pigs.view_animal"),
            (_("Loading batches"), "pigs:batch_list", "pigs.view_loadingbatch"),
        ],
        start=20,
    ):
        registry.register_menu_item(MenuItem("trace", label, url_name, permission, order=order))
    registry.register_role_permissions(
        {
            Role.SYSTEM_ADMIN: [*VIEW, *FARM_WORK, *INSPECTION],
            Role.BUREAU_LEADER: VIEW,
            Role.BRANCH_INSPECTOR: [*VIEW, *FARM_WORK, *INSPECTION],
            Role.PORT_HEALTH_OFFICER: VIEW,
            Role.ENTERPRISE_USER: [*VIEW, *FARM_WORK],
        }
    )
