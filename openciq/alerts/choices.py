from django.db import models
from django.utils.translation import gettext_lazy as _


class FilingStatus(models.TextChoices):
    """Life cycle of a food-packaging enterprise filing (备案)."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class FilingVerb(models.TextChoices):
    """The steps of the life cycle; each has a service ``filing_<verb>`` and a permission."""

    SUBMIT = "submit", _("Submit")
    REVIEW = "review", _("Start review")
    APPROVE = "approve", _("Approve")
    REFUSE = "refuse", _("Refuse")
    SUSPEND = "suspend", _("Suspend")
    REINSTATE = "reinstate", _("Reinstate")
    REVOKE = "revoke", _("Revoke")
    WITHDRAW = "withdraw", _("Withdraw")


class PackagingCategory(models.TextChoices):
    """Kinds of food-contact material an enterprise makes."""

    PLASTIC = "plastic", _("Plastic")
    PAPER = "paper", _("Paper and board")
    METAL = "metal", _("Metal")
    GLASS = "glass", _("Glass")
    CERAMIC = "ceramic", _("Ceramic and enamel")
    RUBBER = "rubber", _("Rubber and silicone")
    WOOD_BAMBOO = "wood_bamboo", _("Wood and bamboo")
    COMPOSITE = "composite", _("Composite")
