"""Vegetables to Hong Kong: the planting bases registered for Hong Kong supply and their plots,
harvest lots, the reusable RFID crates, and the truck trips (shipments) with what was declared,
what the border gate read and what was decided.

What happened is recorded as EPCIS events in the trace repository (``openciq.trace``); these
models hold what the inspector works with (registers, statuses, the gate comparison) and point at
the events by their ``eventID`` and at things by their EPCIS identifiers.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from openciq.accounts.models import org_scope_q
from openciq.core.models import LocalizedNameMixin, OpenciqModel, WorkflowModel
from openciq.trace.vegetables.choices import ShipmentStatus as S


def short_grai(text: str) -> str:
    return text.removeprefix("urn:epc:id:grai:")


def _member_enterprises(actor: Any) -> models.QuerySet[Any]:
    from openciq.masterdata.models import EnterpriseMembership

    return EnterpriseMembership.objects.filter(user_id=actor.pk).values("enterprise_id")


def through_port_q(actor: Any, field: str) -> Q:
    """What went out through a port of the actor's office: the port inspector checks the lots,
    crates and bases of the trucks at their gate."""
    return Q(
        pk__in=ShipmentCrate.objects.filter(org_scope_q(actor, "shipment__port__org_unit__path")).values(
            field
        )
    )


def enterprise_scope_q(actor: Any, prefix: str = "", unit: str = "org_unit__path") -> Q:
    """Inspectors see what their office supervises; an enterprise's people see their own."""
    return org_scope_q(actor, f"{prefix}{unit}") | Q(
        **{f"{prefix}enterprise_id__in": _member_enterprises(actor)}
    )


class PlantingBase(LocalizedNameMixin, OpenciqModel):
    """A planting base registered with the bureau for supplying vegetables to Hong Kong
    (供港蔬菜种植基地备案): only produce of a registered base may be packed for Hong Kong. Its
    place is a trace ``Location`` (kind farm) so that events at the base and its plots are found
    by ``WD_bizLocation``."""

    registration_number = models.CharField(_("registration number"), max_length=40, unique=True)
    enterprise = models.ForeignKey(
        "masterdata.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("supervising office"), on_delete=models.PROTECT, related_name="+"
    )
    area_ha = models.DecimalField(_("area (ha)"), max_digits=9, decimal_places=2)
    address = models.CharField(_("address"), max_length=300, blank=True)
    gs1_company_prefix = models.CharField(
        _("GS1 company prefix"),
        max_length=12,
        blank=True,
        help_text=_("The enterprise's GS1 company prefix (6 to 12 digits), if its produce carries GTINs."),
    )
    location = models.OneToOneField(
        "trace.Location", verbose_name=_("location"), on_delete=models.PROTECT, related_name="+"
    )
    registered_on = models.DateField(_("registered on"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["registration_number"]
        verbose_name = _("planting base")
        verbose_name_plural = _("planting bases")

    def __str__(self) -> str:
        return f"{self.registration_number} {self.name}"

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return enterprise_scope_q(actor) | through_port_q(actor, "lot__base_id")


class Plot(OpenciqModel):
    """A plot (地块) of a planting base: where a harvest lot was grown, with its crop."""

    base = models.ForeignKey(
        PlantingBase, verbose_name=_("planting base"), on_delete=models.CASCADE, related_name="plots"
    )
    code = models.CharField(_("code"), max_length=20)
    crop = models.CharField(_("crop"), max_length=100)
    area_ha = models.DecimalField(_("area (ha)"), max_digits=9, decimal_places=2)
    location = models.OneToOneField(
        "trace.Location", verbose_name=_("location"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["base", "code"]
        verbose_name = _("plot")
        verbose_name_plural = _("plots")
        constraints = [models.UniqueConstraint(fields=["base", "code"], name="vegetables_plot_unique_code")]

    def __str__(self) -> str:
        return f"{self.base.registration_number} / {self.code} {self.crop}"

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return enterprise_scope_q(actor, "base__")


class HarvestLot(OpenciqModel):
    """One harvest of one plot: the lot (批次) crates are packed from. In EPCIS it is a class of
    things (``epc_class``: an LGTIN when the produce has a GTIN, else the bureau's lot URI),
    commissioned by an ObjectEvent ADD with the harvest facts as ILMD."""

    number = models.CharField(_("lot number"), max_length=20, unique=True)
    base = models.ForeignKey(
        PlantingBase, verbose_name=_("planting base"), on_delete=models.PROTECT, related_name="lots"
    )
    plot = models.ForeignKey(Plot, verbose_name=_("plot"), on_delete=models.PROTECT, related_name="lots")
    product = models.ForeignKey(
        "masterdata.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    harvest_date = models.DateField(_("harvest date"))
    quantity_kg = models.DecimalField(_("quantity (kg)"), max_digits=10, decimal_places=1)
    pesticide = models.CharField(_("last pesticide applied"), max_length=100, blank=True)
    last_pesticide_date = models.DateField(_("last pesticide application"), null=True, blank=True)
    pre_harvest_interval_days = models.PositiveSmallIntegerField(
        _("pre-harvest interval (days)"), null=True, blank=True
    )
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True)
    epc_class = models.CharField(_("EPCIS class identifier"), max_length=255, unique=True)
    commissioning_event_id = models.CharField(_("commissioning event"), max_length=64, blank=True)

    class Meta:
        ordering = ["-harvest_date", "-id"]
        verbose_name = _("harvest lot")
        verbose_name_plural = _("harvest lots")

    def __str__(self) -> str:
        return self.number

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return enterprise_scope_q(actor, "base__") | through_port_q(actor, "lot_id")


class Crate(OpenciqModel):
    """A reusable plastic crate with an RFID tag (周转筐), identified by its GRAI; packed, sent,
    emptied in Hong Kong and packed again, trip after trip."""

    epc = models.CharField(_("identifier"), max_length=255, unique=True)
    grai = models.CharField(_("GRAI"), max_length=100, help_text=_("As registered (EPC URN)."))
    enterprise = models.ForeignKey(
        "masterdata.Enterprise", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("in service"), default=True)

    class Meta:
        ordering = ["grai", "id"]
        verbose_name = _("crate")
        verbose_name_plural = _("crates")

    def __str__(self) -> str:
        return self.grai

    @property
    def label(self) -> str:
        """The GRAI without its URN scheme (``69234567.0001.1001``), as crate lists show it."""
        return short_grai(self.grai)

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return enterprise_scope_q(actor, unit="enterprise__org_unit__path") | through_port_q(
            actor, "crate_id"
        )


class Shipment(WorkflowModel):
    """One truck trip with vegetables to Hong Kong under one declaration: the crates declared
    (each with its lot and weight), the truck and its e-seal, what the border gate read and how it
    compared, the release (electronic, or by an inspector after a hold) and the receipt in Hong
    Kong. Only the services change ``status``."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    status = models.CharField(
        _("status"), max_length=32, choices=S.choices, default=S.PACKING, editable=False, db_index=True
    )
    enterprise = models.ForeignKey(
        "masterdata.Enterprise",
        verbose_name=_("packing enterprise"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("supervising office"), on_delete=models.PROTECT, related_name="+"
    )
    port = models.ForeignKey(
        "masterdata.Port", verbose_name=_("exit port"), on_delete=models.PROTECT, related_name="+"
    )
    packhouse = models.ForeignKey(
        "trace.Location", verbose_name=_("packing house"), on_delete=models.PROTECT, related_name="+"
    )
    declaration_number = models.CharField(_("declaration"), max_length=40, db_index=True)
    truck_plate = models.CharField(_("truck plate"), max_length=20)
    truck_epc = models.CharField(_("truck identifier"), max_length=255, db_index=True)
    seal_id = models.CharField(_("e-seal"), max_length=40, blank=True)
    seal_epc = models.CharField(_("e-seal identifier"), max_length=255, blank=True, db_index=True)
    status_changed_at = models.DateTimeField(_("in this state since"))
    loaded_at = models.DateTimeField(_("loaded at"), null=True, blank=True)
    sealed_at = models.DateTimeField(_("sealed at"), null=True, blank=True)
    gate = models.ForeignKey(
        "trace.Location",
        verbose_name=_("border gate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    gate_arrived_at = models.DateTimeField(_("at the gate since"), null=True, blank=True)
    gate_read = models.JSONField(_("identifiers read at the gate"), default=list, blank=True)
    gate_result = models.JSONField(_("gate comparison"), default=dict, blank=True)
    gate_event_id = models.CharField(_("deciding gate read"), max_length=255, blank=True)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    held_reason = models.TextField(_("why held"), blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_note = models.TextField(_("decision"), blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    receipt_location = models.ForeignKey(
        "trace.Location",
        verbose_name=_("received at (place)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    receipt_note = models.TextField(_("receipt note"), blank=True)

    audit_exclude = OpenciqModel.audit_exclude | {"status_changed_at", "gate_read"}

    transitions: ClassVar[dict[str, tuple[frozenset[str], str]]] = {
        "seal": (frozenset({S.PACKING}), S.SEALED),
        "arrive": (frozenset({S.SEALED}), S.AT_GATE),
        "release": (frozenset({S.SEALED, S.AT_GATE}), S.RELEASED),
        "hold": (frozenset({S.SEALED, S.AT_GATE}), S.HELD),
        "release_after_inspection": (frozenset({S.HELD}), S.RELEASED),
        "reject": (frozenset({S.HELD}), S.REJECTED),
        "receive": (frozenset({S.RELEASED}), S.RECEIVED),
        "cancel": (frozenset({S.PACKING, S.SEALED}), S.CANCELLED),
    }

    class Meta:
        ordering = ["-id"]
        verbose_name = _("vegetable shipment")
        verbose_name_plural = _("vegetable shipments")
        permissions = [
            ("pack_shipment", _("Can pack and load vegetable shipments")),
            ("seal_shipment", _("Can seal vegetable shipments")),
            ("inspect_shipment", _("Can release or turn back held vegetable shipments")),
            ("receive_shipment", _("Can record the Hong Kong receipt of vegetable shipments")),
            ("cancel_shipment", _("Can cancel vegetable shipments")),
        ]
        indexes = [models.Index(fields=["status", "status_changed_at"], name="vegetables_shipment_status")]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return enterprise_scope_q(actor) | org_scope_q(actor, "port__org_unit__path")


class ShipmentCrate(models.Model):
    """A crate declared on a shipment, with the lot and weight packed in it (the packing's
    AggregationEvent), and whether it was loaded, read at the gate and received."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="crates")
    crate = models.ForeignKey(
        Crate, verbose_name=_("crate"), on_delete=models.PROTECT, related_name="packings"
    )
    lot = models.ForeignKey(
        HarvestLot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="packings"
    )
    quantity_kg = models.DecimalField(_("quantity (kg)"), max_digits=8, decimal_places=1)
    packed_at = models.DateTimeField(_("packed at"))
    packing_event_id = models.CharField(max_length=64, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), null=True, blank=True)
    read_at_gate = models.BooleanField(_("read at the gate"), null=True, blank=True)
    received = models.BooleanField(_("received"), null=True, blank=True)

    class Meta:
        ordering = ["shipment", "crate__grai", "id"]
        verbose_name = _("declared crate")
        verbose_name_plural = _("declared crates")
        constraints = [
            models.UniqueConstraint(fields=["shipment", "crate"], name="vegetables_shipment_crate_unique")
        ]
        indexes = [models.Index(fields=["crate", "shipment"], name="vegetables_crate_shipments")]

    def __str__(self) -> str:
        return f"{self.shipment_id}: {self.crate_id} ← {self.lot_id} {self.quantity_kg} kg"
