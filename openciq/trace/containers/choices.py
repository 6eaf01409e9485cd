"""Stable values of the container e-seal flow."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SealStatus(models.TextChoices):
    """Where an electronic seal (ISO 18185) is in its life, as the register keeps it."""

    AVAILABLE = "available", _("Available")
    SEALED = "sealed", _("Armed / sealed")
    OPENED = "opened", _("Opened")
    TAMPERED = "tampered", _("Tampered")
    RETIRED = "retired", _("Retired")


class ReadSealStatus(models.TextChoices):
    """The seal state a gateway or checkpoint reader reports (``ociq:sealStatus``)."""

    SEALED = "sealed", _("Sealed (intact)")
    OPENED = "opened", _("Opened")
    TAMPERED = "tampered", _("Tampered")


class TripStatus(models.TextChoices):
    """One sealed crossing's state: sealed at the yard, on the road, at the destination gate,
    opened there with authority, released; or in alarm after an unexpected opening, a tamper or
    a seal that differs from the one declared."""

    SEALED = "sealed", _("Sealed")
    IN_TRANSIT = "in_transit", _("In transit")
    ARRIVED = "arrived", _("Arrived")
    OPENED = "opened", _("Opened (authorised)")
    ALARM = "alarm", _("Alarm")
    CLEARED = "cleared", _("Cleared")
    CANCELLED = "cancelled", _("Cancelled")


#: Trips whose seal the capture listener watches: the seal is (or should be) on the container.
WATCHED_STATES = frozenset({TripStatus.SEALED, TripStatus.IN_TRANSIT, TripStatus.ARRIVED, TripStatus.ALARM})
#: Trips still under supervision (not released, not called off).
OPEN_STATES = frozenset({*WATCHED_STATES, TripStatus.OPENED})
#: States in which the seal is still on the container.
SEAL_ON_STATES = WATCHED_STATES
#: States in which an inspector may record an inspection (it does not change the state).
INSPECT_STATES = frozenset({TripStatus.ARRIVED, TripStatus.ALARM, TripStatus.OPENED})


class InspectionResult(models.TextChoices):
    """The outcome of inspecting a container (CBV dispositions of the ``inspecting`` step)."""

    CONFORMANT = "conformant", _("Conformant")
    NON_CONFORMANT = "non_conformant", _("Non-conformant")


class SealReconciliation(models.TextChoices):
    """Declared seal against the seal read at the checkpoints."""

    NOT_READ = "not_read", _("Not read yet")
    MATCH = "match", _("Matches the declared seal")
    MISMATCH = "mismatch", _("Differs from the declared seal")
