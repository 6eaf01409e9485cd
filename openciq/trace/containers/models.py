"""Containers, their electronic seals and the sealed crossings the inspectors supervise.

What a gateway or checkpoint reads is stored as EPCIS events in the repository (``trace``); these
models hold what the inspector works with: the registers, each trip's state, the seal declared and
the seal last read, and the times clearance is measured from. Events are found again by the
container's and the seal's identifiers (``uri``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from stdnum import iso6346

from openciq.accounts.models import OrgUnit, org_scope_q
from openciq.core.models import OpenciqModel, WorkflowModel
from openciq.masterdata.models import Enterprise, Port
from openciq.trace.containers.choices import (
    SEAL_ON_STATES,
    InspectionResult,
    ReadSealStatus,
    SealReconciliation,
    SealStatus,
    TripStatus,
)
from openciq.trace.models import Location


def _member_enterprises(actor: Any) -> models.QuerySet[Any]:
    from openciq.masterdata.models import EnterpriseMembership

    return EnterpriseMembership.objects.filter(user_id=actor.pk).values("enterprise_id")


def _is_staff(actor: Any) -> bool:
    """Staff of the authority belong to an org unit; enterprise users do not."""
    return getattr(actor, "org_unit_id", None) is not None


class Container(OpenciqModel):
    """A freight container (ISO 668) by its ISO 6346 number: owner code, category, serial and
    check digit, as painted on its doors. In EPCIS it is ``urn:epc:id:bic:<number>``."""

    number = models.CharField(_("container number"), max_length=11, unique=True)
    uri = models.CharField(_("identifier"), max_length=64, unique=True, editable=False)
    owner_code = models.CharField(_("owner code"), max_length=3, editable=False)
    size_type = models.CharField(
        _("size and type code"),
        max_length=4,
        blank=True,
        help_text=_("ISO 6346 size and type code, e.g. 22G1 (20 ft general purpose) or 45G1."),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("operator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("container")
        verbose_name_plural = _("containers")

    def __str__(self) -> str:
        return str(iso6346.format(self.number))

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        # Containers cross every branch: staff see them all, an operator its own.
        return None if _is_staff(actor) else Q(enterprise_id__in=_member_enterprises(actor))

    @property
    def category(self) -> str:
        """U (freight container), J (detachable equipment) or Z (trailer or chassis)."""
        return self.number[3:4]


class Seal(OpenciqModel):
    """An electronic seal (ISO 18185 e-seal, or the e-lock of the Hong Kong-Guangdong single
    e-lock scheme) by its seal ID: manufacturer ID and tag serial, as marked on the casing. Its
    status and battery are the last the readers reported."""

    seal_id = models.CharField(_("seal ID"), max_length=30, unique=True)
    uri = models.CharField(_("identifier"), max_length=255, unique=True, editable=False)
    manufacturer = models.CharField(_("manufacturer ID"), max_length=8, editable=False)
    model = models.CharField(_("model"), max_length=60, blank=True)
    reusable = models.BooleanField(
        _("reusable"),
        default=True,
        help_text=_("An e-lock returns to stock after a trip; a one-time seal is retired."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=SealStatus.choices, default=SealStatus.AVAILABLE, editable=False
    )
    status_at = models.DateTimeField(_("status since"), null=True, blank=True, editable=False)
    battery_percent = models.PositiveSmallIntegerField(
        _("battery (%)"), null=True, blank=True, editable=False
    )
    battery_low = models.BooleanField(_("battery low"), default=False, editable=False)
    battery_at = models.DateTimeField(_("battery reported at"), null=True, blank=True, editable=False)
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("held by office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    retire_reason = models.CharField(_("reason retired"), max_length=300, blank=True)

    class Meta:
        ordering = ["seal_id"]
        verbose_name = _("electronic seal")
        verbose_name_plural = _("electronic seals")
        permissions = [("retire_seal", _("Can retire electronic seals"))]

    def __str__(self) -> str:
        return self.seal_id

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        # The office holding it, its owner, and whoever sees a trip it sealed (the destination).
        return (
            org_scope_q(actor, "org_unit__path")
            | Q(org_unit__isnull=True, enterprise__isnull=True)
            | Q(enterprise_id__in=_member_enterprises(actor))
            | Q(pk__in=Trip.objects.filter(Trip.scope_q(actor)).values("seal_id"))
        )


class Trip(WorkflowModel):
    """One sealed crossing (a trip of the Hong Kong-Guangdong single e-lock scheme): a container
    on a truck, sealed at a yard under a declaration, read at the checkpoints of its route,
    opened with authority at its destination and cleared, or stopped by an alarm. Supervised by
    the office of its destination port, which clears it."""

    number = models.CharField(_("trip number"), max_length=20, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=TripStatus.choices, default=TripStatus.SEALED, editable=False
    )
    declaration_number = models.CharField(_("declaration number"), max_length=40, db_index=True)
    container = models.ForeignKey(
        Container, verbose_name=_("container"), on_delete=models.PROTECT, related_name="trips"
    )
    seal = models.ForeignKey(
        Seal, verbose_name=_("declared seal"), on_delete=models.PROTECT, related_name="trips"
    )
    plate = models.CharField(_("truck plate"), max_length=20)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("declarant / carrier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    origin_port = models.ForeignKey(
        Port, verbose_name=_("office of departure"), on_delete=models.PROTECT, related_name="+"
    )
    destination_port = models.ForeignKey(
        Port, verbose_name=_("office of destination"), on_delete=models.PROTECT, related_name="+"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("supervising office"), on_delete=models.PROTECT, related_name="+"
    )
    sealing_location = models.ForeignKey(
        Location, verbose_name=_("sealed at"), on_delete=models.PROTECT, related_name="+"
    )
    arrival_location = models.ForeignKey(
        Location, verbose_name=_("destination gate"), on_delete=models.PROTECT, related_name="+"
    )
    checkpoints = models.ManyToManyField(
        Location, verbose_name=_("route checkpoints"), blank=True, related_name="+"
    )
    sealed_at = models.DateTimeField(_("sealed at"))
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sealed by"), on_delete=models.PROTECT, related_name="+"
    )
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    alarm_at = models.DateTimeField(_("first alarm at"), null=True, blank=True)
    inspection_result = models.CharField(
        _("inspection result"), max_length=16, choices=InspectionResult.choices, blank=True
    )
    inspected_at = models.DateTimeField(_("inspected at"), null=True, blank=True)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspected by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    inspection_note = models.TextField(_("inspection note"), blank=True)
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cleared by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Seconds from arrival at the destination gate to release; set when the trip is cleared.
    clearance_seconds = models.PositiveIntegerField(_("clearance time (s)"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason cancelled"), max_length=300, blank=True)
    # The last read of the container or its seal by a gateway or checkpoint.
    last_read_at = models.DateTimeField(_("last read at"), null=True, blank=True)
    last_read_location = models.ForeignKey(
        Location,
        verbose_name=_("last read at place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_read_seal = models.CharField(_("seal ID last read"), max_length=30, blank=True)
    last_seal_status = models.CharField(
        _("seal state last read"), max_length=12, choices=ReadSealStatus.choices, blank=True
    )

    transitions: ClassVar[dict[str, tuple[frozenset[str], str]]] = {
        "depart": (frozenset({TripStatus.SEALED}), TripStatus.IN_TRANSIT),
        "arrive": (frozenset({TripStatus.SEALED, TripStatus.IN_TRANSIT}), TripStatus.ARRIVED),
        "alarm": (
            frozenset({TripStatus.SEALED, TripStatus.IN_TRANSIT, TripStatus.ARRIVED, TripStatus.ALARM}),
            TripStatus.ALARM,
        ),
        "open": (frozenset({TripStatus.ARRIVED, TripStatus.ALARM}), TripStatus.OPENED),
        "clear": (frozenset({TripStatus.ARRIVED, TripStatus.OPENED, TripStatus.ALARM}), TripStatus.CLEARED),
        "cancel": (
            frozenset(
                {
                    TripStatus.SEALED,
                    TripStatus.IN_TRANSIT,
                    TripStatus.ARRIVED,
                    TripStatus.ALARM,
                    TripStatus.OPENED,
                }
            ),
            TripStatus.CANCELLED,
        ),
    }

    class Meta:
        ordering = ["-id"]
        verbose_name = _("sealed trip")
        verbose_name_plural = _("sealed trips")
        permissions = [
            ("seal_trip", _("Can seal containers for a trip")),
            ("open_trip", _("Can authorise opening a sealed container")),
            ("inspect_trip", _("Can record the inspection of a sealed container")),
            ("clear_trip", _("Can clear (release) a sealed trip")),
            ("cancel_trip", _("Can cancel a sealed trip")),
        ]
        indexes = [
            models.Index(fields=["status", "id"], name="containers_trip_status"),
            models.Index(fields=["destination_port", "cleared_at"], name="containers_trip_cleared"),
        ]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return (
            org_scope_q(actor, "origin_port__org_unit__path")
            | org_scope_q(actor, "destination_port__org_unit__path")
            | Q(enterprise_id__in=_member_enterprises(actor))
        )

    @property
    def seal_on(self) -> bool:
        """Whether the seal is (supposed to be) still on the container."""
        return self.status in SEAL_ON_STATES

    @property
    def clearance_time(self) -> dt.timedelta | None:
        """From arrival at the destination gate to release."""
        return dt.timedelta(seconds=self.clearance_seconds) if self.clearance_seconds is not None else None

    @property
    def transit_time(self) -> dt.timedelta | None:
        """From sealing to arrival at the destination gate."""
        return self.arrived_at - self.sealed_at if self.arrived_at else None

    @property
    def seal_reconciliation(self) -> str:
        if not self.last_read_seal:
            return SealReconciliation.NOT_READ
        if self.last_read_seal == self.seal.seal_id:
            return SealReconciliation.MATCH
        return SealReconciliation.MISMATCH

    def get_seal_reconciliation_display(self) -> str:
        return str(SealReconciliation(self.seal_reconciliation).label)
