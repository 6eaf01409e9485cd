"""Stable values of the live-pig supervision (lower-case, never renamed: they are stored)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Species(models.TextChoices):
    """The species digit of a 畜禽标识 number that the live-pig flow accepts."""

    PIG = "pig", _("Pig")
    BREEDING_SOW = "breeding_sow", _("Breeding sow")


class Sex(models.TextChoices):
    MALE = "male", _("Boar")
    FEMALE = "female", _("Gilt / sow")
    CASTRATED = "castrated", _("Barrow (castrated)")


class AnimalStatus(models.TextChoices):
    """Where a pig is in its life as the bureau knows it."""

    ACTIVE = "active", _("On the farm")
    IN_TRANSIT = "in_transit", _("Loaded, in transit")
    RECEIVED = "received", _("Received in Hong Kong")
    DEAD = "dead", _("Dead")


# A pig in one of these states has left the bureau's supervision for good. (A pig whose record
# broke off is not a state of its own: its lifetime traceability says "lost".)
FINAL_ANIMAL_STATES = frozenset({AnimalStatus.RECEIVED, AnimalStatus.DEAD})


class Traceability(models.TextChoices):
    """Lifetime traceability status (after Australia's NLIS "lifetime traceable")."""

    TRACEABLE = "traceable", _("Traceable")
    AT_RISK = "at_risk", _("At risk")
    LOST = "lost", _("Traceability lost")


class TagStatus(models.TextChoices):
    """The state of one ear-tag device."""

    ACTIVE = "active", _("In use")
    LOST = "lost", _("Lost")
    DAMAGED = "damaged", _("Damaged")
    REPLACED = "replaced", _("Replaced (faulty)")
    RECOVERED = "recovered", _("Recovered")


class ReplaceReason(models.TextChoices):
    """Why a tag was replaced; the old tag takes the matching status."""

    LOST = "lost", _("Tag lost")
    DAMAGED = "damaged", _("Tag damaged")
    FAULTY = "faulty", _("Tag does not read")


REPLACED_TAG_STATUS = {
    ReplaceReason.LOST: TagStatus.LOST,
    ReplaceReason.DAMAGED: TagStatus.DAMAGED,
    ReplaceReason.FAULTY: TagStatus.REPLACED,
}


class TreatmentKind(models.TextChoices):
    VACCINATION = "vaccination", _("Vaccination")
    MEDICATION = "medication", _("Medication")


class Route(models.TextChoices):
    """How a vaccine or medicine was given."""

    INTRAMUSCULAR = "intramuscular", _("Intramuscular injection")
    SUBCUTANEOUS = "subcutaneous", _("Subcutaneous injection")
    ORAL = "oral", _("Oral")
    IN_FEED = "in_feed", _("In feed")
    IN_WATER = "in_water", _("In drinking water")
    INTRANASAL = "intranasal", _("Intranasal")


class DeathCause(models.TextChoices):
    DISEASE = "disease", _("Disease")
    INJURY = "injury", _("Injury")
    CULLED = "culled", _("Culled on the farm")
    UNKNOWN = "unknown", _("Unknown")


class BatchStatus(models.TextChoices):
    """A loading batch's life: declared, read through the loading channel, reconciled against
    the declared list (or found to differ, or held by the inspector: ``mismatch``), released by
    the inspector, received in Hong Kong."""

    DECLARED = "declared", _("Declared")
    LOADING = "loading", _("Loading")
    RECONCILED = "reconciled", _("Reconciled")
    MISMATCH = "mismatch", _("Held: mismatch")
    RELEASED = "released", _("Released")
    RECEIVED = "received", _("Received in Hong Kong")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_BATCH_STATES = frozenset(
    {BatchStatus.DECLARED, BatchStatus.LOADING, BatchStatus.RECONCILED, BatchStatus.MISMATCH}
)


class GapRule(models.TextChoices):
    """The lifetime-traceability rules (``lifetime.py``)."""

    NO_COMMISSIONING = "no_commissioning", _("No tagging (commissioning) event")
    SILENT = "silent", _("No event for a long time")
    STRAY_READ = "stray_read", _("Read at a place it was never moved to")
    REPLACED_TAG_READ = "replaced_tag_read", _("A replaced tag was read again")
    NOT_RECEIVED = "not_received", _("Loaded but not received in Hong Kong")
