"""Writes of the vegetables-to-Hong-Kong flow: the register of planting bases and plots, harvest
lots, crates, and each truck trip from packing to the Hong Kong receipt.

Every service is one transaction and one audit record (``vegetables.<past participle>``), takes
its ``actor`` and refuses with a ``ServiceError`` naming the field. Each supervision step is also
captured as EPCIS events (``epcis.py``) through ``openciq.trace.services.capture_events`` as the
acting user (the system actor for the automatic gate decision, ``gate.py``), so the trace, the
EPCIS query API and the subscriptions see it. The places the steps happen at (a base, a plot, a
packing house) are trace ``Location`` rows saved with the system actor: the permission to
register them is this module's check, not ``trace.change_location``.
"""

from openciq.trace.vegetables.services._common import (
    EventsRefused,
    emit,
    lock,
    move,
    packhouse,
    refuse,
    require,
)
from openciq.trace.vegetables.services.registers import (
    base_register,
    crate_register,
    grai_range,
    lot_harvest,
    lot_packed_kg,
    plot_add,
)
from openciq.trace.vegetables.services.shipments import (
    crate_pack,
    crate_unpack,
    shipment_acknowledge,
    shipment_alerts,
    shipment_cancel,
    shipment_create,
    shipment_load,
    shipment_receive_hk,
    shipment_reject,
    shipment_release_after_inspection,
    shipment_seal,
)

__all__ = [
    "EventsRefused",
    "base_register",
    "crate_pack",
    "crate_register",
    "crate_unpack",
    "emit",
    "grai_range",
    "lock",
    "lot_harvest",
    "lot_packed_kg",
    "move",
    "packhouse",
    "plot_add",
    "refuse",
    "require",
    "shipment_acknowledge",
    "shipment_alerts",
    "shipment_cancel",
    "shipment_create",
    "shipment_load",
    "shipment_receive_hk",
    "shipment_reject",
    "shipment_release_after_inspection",
    "shipment_seal",
]
