"""Pages of the vegetables-to-Hong-Kong supervision, mounted at ``/trace/vegetables/`` (the API
is at ``/api/v1/vegetables/``).

Conventions (as in the other subsystems): every state change is a POST to its own URL calling
one service; a refused form is shown again with status 200, the service's message above it and
its field messages next to their fields. Out-of-scope objects answer 404, a missing permission
403. Every crate, lot and truck links to the trace page (``trace:trace``).
"""

from openciq.trace.vegetables.views.registers import (
    base_detail,
    base_list,
    base_register,
    crate_list,
    crate_register,
    lot_detail,
    lot_harvest,
    lot_list,
    plot_add,
)
from openciq.trace.vegetables.views.shipments import (
    SHIPMENT_ACTIONS,
    shipment_action,
    shipment_create,
    shipment_detail,
    shipment_list,
    worklist,
)

__all__ = [
    "SHIPMENT_ACTIONS",
    "base_detail",
    "base_list",
    "base_register",
    "crate_list",
    "crate_register",
    "lot_detail",
    "lot_harvest",
    "lot_list",
    "plot_add",
    "shipment_action",
    "shipment_create",
    "shipment_detail",
    "shipment_list",
    "worklist",
]
