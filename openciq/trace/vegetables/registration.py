"""What the vegetables-to-Hong-Kong supervision puts in the registry (called from
``AppConfig.ready``): its menu entries under "Traceability", the roles' permissions, the API
router, the border gate's capture listener and the demo seeder."""

from collections.abc import Sequence
from importlib import import_module
from typing import Any

from django.utils.translation import gettext_lazy as _

from openciq.accounts.choices import Role
from openciq.core.registry import MenuItem, Seeder, registry

VIEW = [
    "vegetables.view_plantingbase",
    "vegetables.view_plot",
    "vegetables.view_harvestlot",
    "vegetables.view_crate",
    "vegetables.view_shipment",
]
# The bureau's register of planting bases and their plots.
REGISTER = ["vegetables.add_plantingbase", "vegetables.add_plot"]
# What a base's and a packing house's own people do (scoped to their enterprise).
ENTERPRISE_WORK = [
    "vegetables.add_harvestlot",
    "vegetables.add_crate",
    "vegetables.add_shipment",
    "vegetables.pack_shipment",
    "vegetables.seal_shipment",
    "vegetables.cancel_shipment",
]
# The port inspector: supervised sealing, the held trucks, the Hong Kong receipt.
INSPECTION = [
    "vegetables.seal_shipment",
    "vegetables.inspect_shipment",
    "vegetables.receive_shipment",
]


def on_events(events: Sequence[Any]) -> None:
    """The border gate's capture listener (``gate.on_events``), imported on first use so that
    starting a process does not load the capture stack."""
    from openciq.trace.vegetables import gate

    gate.on_events(events)


def declaration_records(actor: Any, declaration_number: str) -> Any:
    """The shipments under a declaration number, for the declaration's page
    (``declarations.related``)."""
    from openciq.trace.vegetables.related import declaration_shipments

    return declaration_shipments(actor, declaration_number)


def register() -> None:
    from openciq.declarations import related
    from openciq.trace.capture import register_listener

    register_listener(on_events)
    related.register(declaration_records)
    registry.register_api_router("vegetables", "openciq.trace.vegetables.api.build")
    registry.register_seeder(
        Seeder("vegetables", import_module("openciq.trace.vegetables.seed").seed, order=70)
    )
    for order, (label, url_name, permission) in enumerate(
        [
            (_("Vegetables: worklist"), "vegetables:worklist", "vegetables.inspect_shipment"),
            (_("Vegetable shipments"), "vegetables:shipment_list", "vegetables.view_shipment"),
            (_("Planting bases"), "vegetables:base_list", "vegetables.view_plantingbase"),
            (_("Harvest lots"), "vegetables:lot_list", "vegetables.view_harvestlot"),
            (_("Crates"), "vegetables:crate_list", "vegetables.view_crate"),
        ],
        start=10,
    ):
        registry.register_menu_item(MenuItem("trace", label, url_name, permission, order=order))
    registry.register_role_permissions(
        {
            Role.SYSTEM_ADMIN: [*VIEW, *REGISTER, *ENTERPRISE_WORK, *INSPECTION],
            Role.BUREAU_LEADER: VIEW,
            Role.BRANCH_INSPECTOR: [*VIEW, *REGISTER, *INSPECTION],
            Role.PORT_HEALTH_OFFICER: VIEW,
            Role.ENTERPRISE_USER: [*VIEW, *ENTERPRISE_WORK],
        }
    )
