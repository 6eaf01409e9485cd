from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DeclarationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    ACCEPTED = "accepted", _("Accepted")
    DOCUMENT_REVIEW = "document_review", _("Document review")
    INSPECTION = "inspection", _("On-site inspection")
    SAMPLING = "sampling", _("Sampling and testing")
    CONFORM = "conform", _("Conform")
    RELEASED = "released", _("Released")
    REJECTED = "rejected", pgettext_lazy("declaration status", "Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Cancelled")


# States in which an inspector still has work to do on the declaration.
OPEN_STATES = frozenset(
    {
        DeclarationStatus.SUBMITTED,
        DeclarationStatus.ACCEPTED,
        DeclarationStatus.DOCUMENT_REVIEW,
        DeclarationStatus.INSPECTION,
        DeclarationStatus.SAMPLING,
        DeclarationStatus.CONFORM,
    }
)


class TransportMode(models.TextChoices):
    """UN/ECE Recommendation 19 codes, as the SPS certificate's ``ModeCode`` carries them."""

    SEA = "1", _("Maritime transport")
    RAIL = "2", _("Rail transport")
    ROAD = "3", _("Road transport")
    AIR = "4", _("Air transport")


class InspectionMode(models.TextChoices):
    """How much checking a declaration gets, from least to most."""

    RELEASE = "release", _("Electronic release")
    DOCUMENT = "document", _("Document review")
    ONSITE = "onsite", _("On-site inspection")
    SAMPLING = "sampling", _("Sampling and laboratory testing")


MODE_STATUS = {
    InspectionMode.DOCUMENT: DeclarationStatus.DOCUMENT_REVIEW,
    InspectionMode.ONSITE: DeclarationStatus.INSPECTION,
    InspectionMode.SAMPLING: DeclarationStatus.SAMPLING,
}


class Conformity(models.TextChoices):
    CONFORM = "conform", _("Conform")
    NOT_CONFORM = "not_conform", _("Not conform")


class SampleResult(models.TextChoices):
    """A laboratory's statement about a sample: conformity cannot always be decided (ISO/IEC
    17025 §7.8.6: the result lies within the measurement uncertainty of the limit)."""

    CONFORM = "conform", _("Conform")
    NOT_CONFORM = "not_conform", _("Not conform")
    INCONCLUSIVE = "inconclusive", _("Inconclusive")


class Disposal(models.TextChoices):
    REWORK = "rework", _("Rework")
    DESTROY = "destroy", _("Destroy")
    RETURN = "return", _("Return to the enterprise")


class Unit(models.TextChoices):
    """UN/ECE Recommendation 20 unit codes for declared quantities."""

    KGM = "KGM", _("kilogram")
    TNE = "TNE", _("tonne")
    H87 = "H87", _("piece")
    HEA = "HEA", _("head (animals)")
    LTR = "LTR", _("litre")
    MTQ = "MTQ", _("cubic metre")
    CT = "CT", _("carton")


class OrderStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class SampleStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    RECEIVED = "received", _("Received by the laboratory")
    REPORTED = "reported", _("Result reported")
    CANCELLED = "cancelled", _("Cancelled")


class ChecklistResult(models.TextChoices):
    OK = "ok", _("Satisfactory")
    NOT_OK = "not_ok", _("Not satisfactory")
    NOT_APPLICABLE = "na", _("Not applicable")


class RuleSetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class ControlLevel(models.TextChoices):
    """Checks on one enterprise and product, stepped up after non-conformities (EU 2019/1873)."""

    NORMAL = "normal", _("Normal")
    INTENSIFIED = "intensified", _("Intensified")
    IMPOSED = "imposed", _("Imposed")


class CertificateKind(models.TextChoices):
    PHYTOSANITARY = "phytosanitary", _("Phytosanitary certificate")
    HEALTH = "health", _("Health certificate")
    CONFORMITY = "conformity", _("Certificate of conformity")


# SPS certificate TypeCode per kind: UN/CEFACT code list 1001 (document name code):
# 851 phytosanitary certificate, 852 sanitary certificate, 2 certificate of conformity.
CERTIFICATE_TYPE_CODES = {
    CertificateKind.PHYTOSANITARY: "851",
    CertificateKind.HEALTH: "852",
    CertificateKind.CONFORMITY: "2",
}


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REPLACED = "replaced", _("Replaced")
    REVOKED = "revoked", _("Revoked")


class CertificateDirection(models.TextChoices):
    EXPORT = "export", _("Issued by us")
    IMPORT = "import", _("Received")
