"""Stable values of the vegetables-to-Hong-Kong flow."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ShipmentStatus(models.TextChoices):
    """Where one truck trip to Hong Kong stands.

    ``packing`` (crates packed and loaded at the packing house) → ``sealed`` (e-seal applied) →
    ``at_gate`` (the truck was read at the border gate; the crates' read is awaited) →
    ``released`` (the gate's reads matched the declaration, or an inspector released it after
    inspection) or ``held`` (they did not: on the port inspector's worklist) → ``received`` (in
    Hong Kong). A held truck may be ``rejected`` (turned back); a trip not yet at the gate may be
    ``cancelled``.
    """

    PACKING = "packing", _("Packing")
    SEALED = "sealed", _("Sealed")
    AT_GATE = "at_gate", _("At the border gate")
    RELEASED = "released", _("Released")
    HELD = "held", _("Held at the gate")
    REJECTED = "rejected", _("Turned back")
    RECEIVED = "received", _("Received in Hong Kong")
    CANCELLED = "cancelled", _("Cancelled")


# A truck or a crate on a shipment in one of these states is on a trip: it cannot start another.
OPEN_SHIPMENT_STATES = frozenset(
    {
        ShipmentStatus.PACKING,
        ShipmentStatus.SEALED,
        ShipmentStatus.AT_GATE,
        ShipmentStatus.HELD,
        ShipmentStatus.RELEASED,
    }
)
# The border gate's reads are compared for a shipment in these states.
AWAITING_GATE_STATES = frozenset({ShipmentStatus.SEALED, ShipmentStatus.AT_GATE})


class SealStatus(models.TextChoices):
    """What an e-seal reader at the gate reports (``ociq:sealStatus`` on the gate read)."""

    INTACT = "intact", _("Intact")
    OPENED = "opened", _("Opened")
    TAMPERED = "tampered", _("Tampered")


class SealFinding(models.TextChoices):
    """The gate comparison's verdict on the truck's seal."""

    INTACT = "intact", _("read and intact")
    NOT_READ = "not_read", _("declared seal not read")
    OTHER_SEAL = "other_seal", _("another seal read")
    OPENED = "opened", _("opened since sealing")
    REPORTED = "reported", _("reader reports it not intact")
