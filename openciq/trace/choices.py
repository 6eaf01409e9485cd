"""Stable values of the EPCIS repository (the standard's names where it has them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EventType(models.IntegerChoices):
    """The five EPCIS 2.0 event types; the label is the standard's name (never translated)."""

    OBJECT = 1, "ObjectEvent"
    AGGREGATION = 2, "AggregationEvent"
    TRANSACTION = 3, "TransactionEvent"
    TRANSFORMATION = 4, "TransformationEvent"
    ASSOCIATION = 5, "AssociationEvent"


EVENT_TYPE_BY_NAME = {label: value for value, label in EventType.choices}


class Action(models.IntegerChoices):
    ADD = 1, "ADD"
    OBSERVE = 2, "OBSERVE"
    DELETE = 3, "DELETE"


ACTION_BY_NAME = {label: value for value, label in Action.choices}


class EpcRole(models.IntegerChoices):
    """How an identifier takes part in an event: the list of the event it came from."""

    EPC = 1, "epcList"
    PARENT = 2, "parentID"
    CHILD = 3, "childEPCs"
    INPUT = 4, "inputEPCList"
    OUTPUT = 5, "outputEPCList"
    QUANTITY = 6, "quantityList"
    CHILD_QUANTITY = 7, "childQuantityList"
    INPUT_QUANTITY = 8, "inputQuantityList"
    OUTPUT_QUANTITY = 9, "outputQuantityList"


INSTANCE_ROLES = frozenset({EpcRole.EPC, EpcRole.PARENT, EpcRole.CHILD, EpcRole.INPUT, EpcRole.OUTPUT})
CLASS_ROLES = frozenset(
    {EpcRole.QUANTITY, EpcRole.CHILD_QUANTITY, EpcRole.INPUT_QUANTITY, EpcRole.OUTPUT_QUANTITY}
)


class ReferenceKind(models.IntegerChoices):
    BIZ_TRANSACTION = 1, "bizTransaction"
    SOURCE = 2, "source"
    DESTINATION = 3, "destination"


class LocationKind(models.TextChoices):
    """What a read point or business location is on the ground."""

    FARM = "farm", _("Farm / planting base")
    PLOT = "plot", _("Plot")
    PACKHOUSE = "packhouse", _("Packing house")
    LOADING_CHANNEL = "loading_channel", _("Loading channel")
    PORT = "port", _("Port")
    GATE = "gate", _("Border gate")
    CHECKPOINT = "checkpoint", _("Checkpoint")
    YARD = "yard", _("Container yard")
    MARKET = "market", _("Market / receiver")
    SLAUGHTERHOUSE = "slaughterhouse", _("Slaughterhouse")
    OTHER = "other", _("Other")


class CaptureStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", pgettext_lazy("capture status", "Failed")
    PARTIAL = "partial", _("Partly stored")


class ErrorBehaviour(models.TextChoices):
    """``GS1-Capture-Error-Behaviour``: store nothing unless all is well, or store what is well."""

    ROLLBACK = "rollback", _("Roll back (store nothing on any error)")
    PROCEED = "proceed", _("Proceed (store the valid events)")


class CaptureSource(models.TextChoices):
    API = "api", _("EPCIS REST API")
    WEB = "web", _("Web upload")
    DEVICE_HTTP = "device_http", _("Device over HTTP")
    MQTT = "mqtt", _("Device over MQTT")
    SUPERVISION = "supervision", _("Supervision services")
    SEED = "seed", _("Seed data")


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    FAILING = "failing", _("Failing (retrying)")
    CANCELLED = "cancelled", _("Cancelled")


class AlertKind(models.TextChoices):
    """Why something is on the inspector's traceability worklist."""

    GATE_MISMATCH = "gate_mismatch", _("Border gate reads differ from the declaration")
    SEAL_MISMATCH = "seal_mismatch", _("Seal read differs from the seal declared")
    SEAL_OPENED = "seal_opened", _("Seal opened outside an authorised step")
    SEAL_TAMPERED = "seal_tampered", _("Seal tampered")
    SEAL_BATTERY = "seal_battery", _("Seal battery low")
    ROUTE_DEVIATION = "route_deviation", _("Container read off its declared route")
    DWELL = "dwell", _("Container stopped too long in one place")
    SIGNAL_LOST = "signal_lost", _("No read from the container for too long")
    LOADING_MISMATCH = "loading_mismatch", _("Loading channel reads differ from the declared list")
    WITHDRAWAL = "withdrawal", _("Animal inside a withdrawal period")
    TRACEABILITY_GAP = "traceability_gap", _("Lifetime traceability gap")
    RECEIPT_MISMATCH = "receipt_mismatch", _("Hong Kong receipt differs from what left")


class AlertSeverity(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Being handled")
    RESOLVED = "resolved", _("Resolved")
