"""Commodity risk warning: the filing (备案) of enterprises that make food packaging for export."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openciq.accounts.models import OrgUnit, org_scope_q
from openciq.alerts.choices import FilingStatus, FilingVerb, PackagingCategory
from openciq.core.models import OpenciqModel, WorkflowModel
from openciq.masterdata import selectors as masterdata_selectors

S = FilingStatus

# verb -> (states it may start from, state it leads to). The services read this table; nothing
# else decides which move is allowed.
FILING_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    FilingVerb.SUBMIT: (frozenset({S.DRAFT}), S.SUBMITTED),
    FilingVerb.REVIEW: (frozenset({S.SUBMITTED}), S.UNDER_REVIEW),
    FilingVerb.APPROVE: (frozenset({S.SUBMITTED, S.UNDER_REVIEW}), S.APPROVED),
    FilingVerb.REFUSE: (frozenset({S.SUBMITTED, S.UNDER_REVIEW}), S.REFUSED),
    FilingVerb.SUSPEND: (frozenset({S.APPROVED}), S.SUSPENDED),
    FilingVerb.REINSTATE: (frozenset({S.SUSPENDED}), S.APPROVED),
    FilingVerb.REVOKE: (frozenset({S.APPROVED, S.SUSPENDED}), S.REVOKED),
    FilingVerb.WITHDRAW: (frozenset({S.DRAFT, S.SUBMITTED}), S.WITHDRAWN),
}

# Years a filing stays valid after its approval.
VALIDITY_YEARS = 3


def validate_categories(value: Any) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one product category."), code="required")
    unknown = [v for v in value if v not in PackagingCategory.values]
    if unknown:
        raise ValidationError(
            _("Unknown product category: %(value)s."), code="invalid_choice", params={"value": unknown[0]}
        )


def validate_positive(value: Decimal) -> None:
    if value is not None and value <= 0:
        raise ValidationError(_("Enter a number greater than zero."), code="min_value")


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class PackagingFiling(WorkflowModel):
    """An enterprise's filing as a maker of food packaging (food-contact materials) for export.

    The enterprise applies; an inspector of its supervising branch reviews and approves (a filing
    number is issued) or refuses with reasons; an approved filing can be suspended, reinstated
    or revoked. ``status`` and the decision fields change only through ``alerts.services``.
    """

    transitions = FILING_TRANSITIONS

    status = models.CharField(
        _("status"),
        max_length=32,
        choices=FilingStatus.choices,
        default=FilingStatus.DRAFT,
        editable=False,
        db_index=True,
    )
    number = models.CharField(
        _("filing number"), max_length=32, unique=True, null=True, blank=True, editable=False
    )
    enterprise = models.ForeignKey(
        "masterdata.Enterprise",
        on_delete=models.PROTECT,
        related_name="packaging_filings",
        verbose_name=_("enterprise"),
    )
    org_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="packaging_filings",
        editable=False,
        verbose_name=_("supervising branch"),
    )
    categories = models.JSONField(_("product categories"), default=list, validators=[validate_categories])
    materials = models.TextField(
        _("materials"), help_text=_("Main materials, resins, inks and coatings used.")
    )
    production_address = models.CharField(_("production address"), max_length=300)
    annual_capacity = models.DecimalField(
        _("annual capacity (tonnes)"), max_digits=12, decimal_places=2, validators=[validate_positive]
    )
    quality_certificate_number = models.CharField(
        _("quality-system certificate number"), max_length=64, blank=True
    )
    contact_name = models.CharField(_("contact person"), max_length=100)
    contact_phone = models.CharField(_("contact phone"), max_length=40)
    renewal_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="renewals",
        verbose_name=_("renewal of"),
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("decided by"),
    )
    refusal_reasons = models.TextField(_("refusal reasons"), blank=True, editable=False)
    valid_until = models.DateField(_("valid until"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("food-packaging filing")
        verbose_name_plural = _("food-packaging filings")
        # Filings are never deleted: a withdrawn or revoked filing stays on record.
        default_permissions = ("view", "add", "change")
        permissions = [
            ("submit_packagingfiling", _("Can submit food-packaging filings")),
            ("review_packagingfiling", _("Can start the review of food-packaging filings")),
            ("approve_packagingfiling", _("Can approve food-packaging filings")),
            ("refuse_packagingfiling", _("Can refuse food-packaging filings")),
            ("suspend_packagingfiling", _("Can suspend food-packaging filings")),
            ("reinstate_packagingfiling", _("Can reinstate food-packaging filings")),
            ("revoke_packagingfiling", _("Can revoke food-packaging filings")),
            ("withdraw_packagingfiling", _("Can withdraw food-packaging filings")),
        ]
        indexes = [
            models.Index(fields=["org_unit", "status"], name="filing_unit_status_idx"),
            models.Index(fields=["enterprise", "status"], name="filing_enterprise_status_idx"),
        ]

    def __str__(self) -> str:
        return self.number or _("Filing #%(id)s (no number yet)") % {"id": self.pk}

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        """The supervising branch's inspectors (and above), or the enterprise's own users."""
        members = masterdata_selectors.enterprises_of(actor=actor).order_by().values("pk")
        return org_scope_q(actor, "enterprise__org_unit__path") | Q(enterprise_id__in=members)

    @property
    def is_expired(self) -> bool:
        return bool(self.valid_until and self.valid_until < timezone.localdate())

    def category_labels(self) -> list[str]:
        labels = dict(PackagingCategory.choices)
        return [str(labels.get(c, c)) for c in self.categories]


class FilingTransition(OpenciqModel):
    """One step in a filing's life (created, submitted, approved…): the timeline on its page."""

    filing = models.ForeignKey(
        PackagingFiling, on_delete=models.CASCADE, related_name="steps", verbose_name=_("filing")
    )
    verb = models.CharField(_("action"), max_length=16, choices=FilingVerb.choices, blank=True)
    from_status = models.CharField(_("from"), max_length=32, choices=FilingStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=32, choices=FilingStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("time"))
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["filing", "at", "id"]
        default_permissions = ()
        verbose_name = _("filing step")
        verbose_name_plural = _("filing steps")

    def __str__(self) -> str:
        return f"{self.filing_id}: {self.from_status or '-'} → {self.to_status}"
