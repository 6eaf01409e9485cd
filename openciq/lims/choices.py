"""Stable values of the laboratory's states and kinds (SENAITE's vocabulary where it has one)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SampleStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    RECEIVED = "received", pgettext_lazy("sample", "Received")
    IN_ANALYSIS = "in_analysis", _("In analysis")
    TO_BE_VERIFIED = "to_be_verified", _("To be verified")
    VERIFIED = "verified", _("Verified")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    INVALID = "invalid", _("Invalidated")


# Samples still being worked on: the turnaround clock runs.
OPEN_SAMPLE_STATES = frozenset({"registered", "received", "in_analysis", "to_be_verified"})


class AnalysisStatus(models.TextChoices):
    UNASSIGNED = "unassigned", _("Unassigned")
    ASSIGNED = "assigned", _("Assigned")
    TO_BE_VERIFIED = "to_be_verified", _("To be verified")
    VERIFIED = "verified", _("Verified")
    PUBLISHED = "published", _("Published")
    RETRACTED = "retracted", _("Retracted")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


# Analyses that no longer count towards the sample's result.
DEAD_ANALYSIS_STATES = frozenset({"retracted", "rejected", "cancelled"})


class AnalysisKind(models.TextChoices):
    """Routine analyses of a sample, and the quality-control analyses of a worksheet."""

    ROUTINE = "routine", _("Routine")
    BLANK = "blank", _("Blank")
    CONTROL = "control", _("Control (reference material)")
    DUPLICATE = "duplicate", _("Duplicate")


class WorksheetStatus(models.TextChoices):
    OPEN = "open", _("Open")
    TO_BE_VERIFIED = "to_be_verified", _("To be verified")
    VERIFIED = "verified", _("Verified")
    RETRACTED = "retracted", _("Retracted")


class QcStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class Outcome(models.TextChoices):
    """A statement of conformity (ISO/IEC 17025 §7.8.6)."""

    CONFORM = "conform", _("Conform")
    NOT_CONFORM = "not_conform", _("Not conform")
    INCONCLUSIVE = "inconclusive", _("Inconclusive")


class DecisionRule(models.TextChoices):
    """ILAC-G8:09/2019 decision rules."""

    SIMPLE = "simple", _("Simple acceptance (w = 0)")
    GUARDED = "guarded", _("Guarded acceptance (w = U)")


class ResultType(models.TextChoices):
    NUMERIC = "numeric", _("Numeric")
    QUALITATIVE = "qualitative", _("Detected / not detected")


class QualitativeResult(models.TextChoices):
    NOT_DETECTED = "not_detected", _("Not detected")
    DETECTED = "detected", _("Detected")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class CustodyKind(models.TextChoices):
    """Chain-of-custody entries: who held the sample, when and where."""

    REGISTERED = "registered", _("Registered")
    RECEIVED = "received", pgettext_lazy("sample", "Received")
    TRANSFERRED = "transferred", _("Handed over")
    STORED = "stored", _("Stored")
    PARTITIONED = "partitioned", _("Partitioned")
    DISPOSED = "disposed", _("Disposed")
    RETURNED = "returned", _("Returned to the client")
