"""Master data shared by every subsystem: enterprises, premises, products, countries, ports."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from openciq.accounts.models import OrgUnit, org_scope_q
from openciq.core.models import LocalizedNameMixin, OpenciqModel, ReferenceModel
from openciq.masterdata.choices import (
    ClassChangeStatus,
    EnterpriseClass,
    EnterpriseKind,
    MonitoringPointKind,
    PortKind,
    PremisesKind,
    RiskCategory,
)
from openciq.masterdata.validators import validate_gln, validate_hs_code, validate_uscc


def _member_enterprises(actor: Any) -> models.QuerySet[Any]:
    return EnterpriseMembership.objects.filter(user_id=actor.pk).values("enterprise_id")


class Country(ReferenceModel):
    """A country or territory (ISO 3166-1); ``code`` is the alpha-2 code."""

    alpha3 = models.CharField(_("alpha-3 code"), max_length=3, unique=True)
    numeric = models.CharField(_("numeric code"), max_length=3, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")


class Port(ReferenceModel):
    """A port of entry or exit (sea port, land crossing or airport) under a branch bureau."""

    kind = models.CharField(_("kind"), max_length=8, choices=PortKind.choices)
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="ports", verbose_name=_("branch bureau")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("port")
        verbose_name_plural = _("ports")


class MonitoringPoint(ReferenceModel):
    """A monitored place at a port: a passenger channel, a cargo gate, a berth, a yard."""

    port = models.ForeignKey(
        Port, on_delete=models.PROTECT, related_name="monitoring_points", verbose_name=_("port")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=MonitoringPointKind.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("port monitoring point")
        verbose_name_plural = _("port monitoring points")

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return org_scope_q(actor, "port__org_unit__path")


class Enterprise(LocalizedNameMixin, OpenciqModel):
    """An enterprise under the authority's supervision, identified by its unified social credit code.

    ``classification`` changes only through ``enterprise_reclassify``, which keeps its history.
    """

    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    kind = models.CharField(_("kind"), max_length=24, choices=EnterpriseKind.choices)
    classification = models.CharField(
        _("classification"),
        max_length=1,
        choices=EnterpriseClass.choices,
        default=EnterpriseClass.B,
        editable=False,
        db_index=True,
    )
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("supervising branch")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["uscc"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        permissions = [("reclassify_enterprise", _("Can change the classification of enterprises"))]
        indexes = [models.Index(fields=["org_unit", "uscc"], name="enterprise_unit_idx")]

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return org_scope_q(actor) | Q(pk__in=_member_enterprises(actor))


class EnterpriseClassChange(OpenciqModel):
    """A proposed change of an enterprise's classification, with its reason, and its approval or
    rejection by a second person: the classification history."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="class_changes", verbose_name=_("enterprise")
    )
    from_class = models.CharField(_("from"), max_length=1, choices=EnterpriseClass.choices)
    to_class = models.CharField(_("to"), max_length=1, choices=EnterpriseClass.choices)
    reason = models.TextField(_("reason"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ClassChangeStatus.choices,
        default=ClassChangeStatus.PROPOSED,
        editable=False,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("classification change")
        verbose_name_plural = _("classification changes")
        permissions = [("approve_enterpriseclasschange", _("Can approve classification changes"))]

    def __str__(self) -> str:
        return f"{self.enterprise.uscc}: {self.from_class} → {self.to_class}"


class EnterpriseMembership(OpenciqModel):
    """A user who acts for an enterprise (an enterprise user sees only its enterprises)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enterprise_memberships",
        verbose_name=_("user"),
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("enterprise")
    )

    class Meta:
        ordering = ["enterprise__uscc", "user__username"]
        verbose_name = _("enterprise membership")
        verbose_name_plural = _("enterprise memberships")
        constraints = [models.UniqueConstraint(fields=["user", "enterprise"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.enterprise}"

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return org_scope_q(actor, "enterprise__org_unit__path") | Q(user_id=actor.pk)


class Premises(LocalizedNameMixin, OpenciqModel):
    """A registered place where goods are produced or handled: a farm, planting base, packing
    house, factory or cold store."""

    registration_number = models.CharField(_("registration number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=PremisesKind.choices)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="premises", verbose_name=_("owning enterprise")
    )
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="premises", verbose_name=_("supervising branch")
    )
    gln = models.CharField(
        _("GLN"),
        max_length=13,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_gln],
        help_text=_("GS1 Global Location Number, 13 digits (optional)."),
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["registration_number"]
        verbose_name = _("premises")
        verbose_name_plural = _("premises")

    def __str__(self) -> str:
        return f"{self.registration_number} {self.name}"

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return org_scope_q(actor) | Q(enterprise_id__in=_member_enterprises(actor))


class Product(LocalizedNameMixin, OpenciqModel):
    """A product in the catalogue, identified by its HS code (6 to 10 digits)."""

    hs_code = models.CharField(_("HS code"), max_length=10, unique=True, validators=[validate_hs_code])
    risk_category = models.CharField(_("risk category"), max_length=8, choices=RiskCategory.choices)
    unit = models.CharField(_("unit"), max_length=8, default="kg")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["hs_code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.hs_code} {self.name}"


class CalendarDay(OpenciqModel):
    """A day the working-day calendar treats differently from Monday to Friday: a public holiday,
    or a weekend day made a working day in exchange (调休). Due dates in the laboratory and the
    hotline count working days by this calendar."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"), default=False)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}"
