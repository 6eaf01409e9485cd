"""Export electronic supervision: declarations, risk decisions, inspection work, certificates."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from openciq.accounts.models import OrgUnit, org_scope_q
from openciq.core.models import OpenciqModel, WorkflowModel
from openciq.declarations.choices import (
    CertificateDirection,
    CertificateKind,
    CertificateStatus,
    ChecklistResult,
    Conformity,
    ControlLevel,
    DeclarationStatus,
    Disposal,
    InspectionMode,
    OrderStatus,
    RuleSetStatus,
    SampleResult,
    SampleStatus,
    TransportMode,
    Unit,
)
from openciq.declarations.validators import validate_container_list
from openciq.masterdata.models import Country, Enterprise, Port, Premises, Product
from openciq.masterdata.validators import validate_hs_code


def _member_enterprises(actor: Any) -> models.QuerySet[Any]:
    from openciq.masterdata.models import EnterpriseMembership

    return EnterpriseMembership.objects.filter(user_id=actor.pk).values("enterprise_id")


def _declaration_scope(actor: Any, prefix: str = "") -> Q:
    """Inspectors see their branch's declarations and those leaving through their ports;
    enterprise users see their own enterprises' declarations."""
    return (
        org_scope_q(actor, f"{prefix}org_unit__path")
        | org_scope_q(actor, f"{prefix}port__org_unit__path")
        | Q(**{f"{prefix}enterprise_id__in": _member_enterprises(actor)})
    )


class Declaration(WorkflowModel):
    """An export inspection declaration (报检单): one batch an enterprise asks to ship abroad.

    Status changes only through the services in ``services.py``; ``transitions`` says which.
    """

    number = models.CharField(_("number"), max_length=24, unique=True, editable=False)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="declarations", verbose_name=_("enterprise")
    )
    org_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name=_("supervising branch"),
        editable=False,
    )
    port = models.ForeignKey(
        Port, on_delete=models.PROTECT, related_name="declarations", verbose_name=_("port of exit")
    )
    destination = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("destination country")
    )
    transport_mode = models.CharField(_("transport mode"), max_length=2, choices=TransportMode.choices)
    containers = models.JSONField(
        _("container numbers"), default=list, blank=True, validators=[validate_container_list]
    )
    means_of_transport = models.CharField(_("vessel or vehicle"), max_length=100, blank=True)
    contract_ref = models.CharField(_("contract number"), max_length=60, blank=True)
    invoice_ref = models.CharField(_("invoice number"), max_length=60, blank=True)
    planned_shipment_date = models.DateField(_("planned shipment date"))
    consignee_name = models.CharField(_("consignee"), max_length=200, blank=True)
    consignee_address = models.CharField(_("consignee address"), max_length=300, blank=True)
    certificate_kind = models.CharField(
        _("certificate requested"), max_length=16, choices=CertificateKind.choices, blank=True
    )
    total_value_usd = models.DecimalField(
        _("total value (USD)"), max_digits=14, decimal_places=2, default=0, editable=False
    )
    total_net_weight_kg = models.DecimalField(
        _("total net weight (kg)"), max_digits=14, decimal_places=3, default=0, editable=False
    )
    status = models.CharField(
        _("status"),
        max_length=32,
        choices=DeclarationStatus.choices,
        default=DeclarationStatus.DRAFT,
        editable=False,
    )
    status_changed_at = models.DateTimeField(_("in this state since"), editable=False, null=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    inspection_mode = models.CharField(
        _("inspection mode"), max_length=16, choices=InspectionMode.choices, blank=True, editable=False
    )
    risk_score = models.PositiveSmallIntegerField(_("risk score"), null=True, blank=True, editable=False)
    conformity = models.CharField(
        _("conformity"), max_length=16, choices=Conformity.choices, blank=True, editable=False
    )
    disposal = models.CharField(
        _("disposal"), max_length=16, choices=Disposal.choices, blank=True, editable=False
    )
    decision_reasons = models.TextField(_("reasons"), blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
        editable=False,
    )

    audit_exclude = OpenciqModel.audit_exclude | {"status_changed_at"}

    transitions: ClassVar[dict[str, tuple[frozenset[str], str]]] = {
        "submit": (frozenset({"draft", "returned"}), "submitted"),
        "accept": (frozenset({"submitted"}), "accepted"),
        "return": (frozenset({"submitted"}), "returned"),
        # The assessment routes to one of several states; "routed" stands for that choice.
        "assess": (frozenset({"accepted"}), "routed"),
        "decide": (frozenset({"document_review", "inspection", "sampling"}), "decided"),
        "release": (frozenset({"conform"}), "released"),
        "withdraw": (frozenset({"submitted", "accepted"}), "withdrawn"),
        "cancel": (
            frozenset({"draft", "returned", "document_review", "inspection", "sampling"}),
            "cancelled",
        ),
    }
    editable_states: ClassVar[frozenset[str]] = frozenset({"draft", "returned"})

    class Meta:
        ordering = ["-id"]
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        permissions = [
            ("submit_declaration", _("Can submit declarations")),
            ("accept_declaration", _("Can accept or return declarations")),
            ("assess_declaration", _("Can run the risk assessment of declarations")),
            ("decide_declaration", _("Can decide the conformity of declarations")),
            ("release_declaration", _("Can release declarations")),
            ("withdraw_declaration", _("Can withdraw declarations")),
            ("cancel_declaration", _("Can cancel declarations")),
        ]
        indexes = [
            models.Index(fields=["enterprise", "-id"], name="decl_enterprise_idx"),
            models.Index(fields=["org_unit", "status", "-id"], name="decl_unit_status_idx"),
            models.Index(fields=["port", "status", "-id"], name="decl_port_status_idx"),
            models.Index(fields=["enterprise", "decided_at"], name="decl_enterprise_decided_idx"),
            models.Index(fields=["status", "-id"], name="decl_status_idx"),
            models.Index(fields=["submitted_at"], name="decl_submitted_idx"),
            # the enterprise's compliance record counts its decided batches by conformity
            models.Index(
                fields=["enterprise", "conformity", "decided_at"], name="decl_enterprise_record_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return _declaration_scope(actor)

    @property
    def is_editable(self) -> bool:
        return self.status in self.editable_states

    def audit_extra(self) -> dict[str, Any]:
        if not self.pk:
            return {}
        return {
            "lines": [
                [line.line_no, line.product_id, str(line.quantity), line.unit, str(line.net_weight_kg)]
                for line in self.lines.all()
            ]
        }


class DeclarationLine(models.Model):
    """One line of goods in a declaration: a product, its quantity, value and origin."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="lines", verbose_name=_("declaration")
    )
    line_no = models.PositiveSmallIntegerField(_("line"))
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    hs_code = models.CharField(_("HS code"), max_length=10, validators=[validate_hs_code])
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(
        _("quantity"), max_digits=14, decimal_places=3, validators=[MinValueValidator(0.001)]
    )
    unit = models.CharField(_("unit"), max_length=3, choices=Unit.choices)
    net_weight_kg = models.DecimalField(
        _("net weight (kg)"), max_digits=14, decimal_places=3, validators=[MinValueValidator(0.001)]
    )
    value_usd = models.DecimalField(
        _("value (USD)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    origin_premises = models.ForeignKey(
        Premises,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("origin premises"),
    )
    lot = models.CharField(_("lot"), max_length=40, blank=True)

    class Meta:
        ordering = ["declaration", "line_no"]
        verbose_name = _("declaration line")
        verbose_name_plural = _("declaration lines")
        constraints = [
            models.UniqueConstraint(fields=["declaration", "line_no"], name="decl_line_unique"),
        ]
        indexes = [models.Index(fields=["product", "declaration"], name="decl_line_product_idx")]

    def __str__(self) -> str:
        return f"{self.declaration_id}/{self.line_no} {self.hs_code}"


def attachment_path(instance: DeclarationAttachment, filename: str) -> str:
    return f"declarations/{instance.declaration_id}/{uuid.uuid4().hex}/{filename}"


class DeclarationAttachment(OpenciqModel):
    """A document attached to a declaration (contract, invoice, packing list, photo)."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("declaration")
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )

    class Meta:
        ordering = ["declaration", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.title

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return _declaration_scope(actor, "declaration__")


class DeclarationTransition(models.Model):
    """One step of a declaration's life: the timeline on its page and the time-in-state clocks."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="steps", verbose_name=_("declaration")
    )
    verb = models.CharField(_("action"), max_length=16)
    from_status = models.CharField(_("from"), max_length=32, choices=DeclarationStatus.choices)
    to_status = models.CharField(_("to"), max_length=32, choices=DeclarationStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"))
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["declaration", "at", "id"]
        verbose_name = _("declaration step")
        verbose_name_plural = _("declaration steps")

    def __str__(self) -> str:
        return f"{self.declaration_id}: {self.from_status} → {self.to_status}"


class IdempotencyKey(models.Model):
    """An ``Idempotency-Key`` an API client sent with a create: a resubmission returns the
    declaration the first request made instead of making a second one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique")]

    def __str__(self) -> str:
        return self.key


# --- Risk assessment --------------------------------------------------------------------------


class RiskRuleSet(OpenciqModel):
    """One version of the risk rules (weights, bands, rates, step-up and step-down).

    Versions are immutable once active: editing means a new draft version, activated by an
    administrator; every decision keeps the version it used.
    """

    version = models.PositiveIntegerField(_("version"), unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=RuleSetStatus.choices, default=RuleSetStatus.DRAFT, editable=False
    )
    params = models.JSONField(_("rules"))
    note = models.TextField(_("note"), blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("risk rule set")
        verbose_name_plural = _("risk rule sets")
        permissions = [("activate_riskruleset", _("Can activate risk rule sets"))]

    def __str__(self) -> str:
        return f"v{self.version} ({self.get_status_display()})"


class RiskDecision(models.Model):
    """What the risk assessment decided for one declaration, with everything needed to explain
    and replay it: the inputs, each factor's points, the rule version and the random draw."""

    declaration = models.OneToOneField(
        Declaration, on_delete=models.CASCADE, related_name="risk_decision", verbose_name=_("declaration")
    )
    rule_set = models.ForeignKey(
        RiskRuleSet, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("rule version")
    )
    inputs = models.JSONField(_("inputs"))
    factors = models.JSONField(_("factors"))
    score = models.PositiveSmallIntegerField(_("score"))
    band = models.CharField(_("band"), max_length=32)
    physical_rate = models.FloatField(_("physical check rate"))
    sampling_rate = models.FloatField(_("sampling rate"))
    draw = models.FloatField(_("random draw"))
    mode = models.CharField(_("inspection mode"), max_length=16, choices=InspectionMode.choices)
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("risk decision")
        verbose_name_plural = _("risk decisions")

    def __str__(self) -> str:
        return f"{self.declaration_id}: {self.score} → {self.mode}"


class ComplianceState(models.Model):
    """The control level of one enterprise for one HS heading: stepped up after a
    non-conformity, stepped down after enough consecutive conform batches."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    hs_heading = models.CharField(_("HS heading"), max_length=4)
    level = models.CharField(_("control level"), max_length=16, choices=ControlLevel.choices)
    consecutive_conform = models.PositiveIntegerField(_("consecutive conform batches"), default=0)
    failures = models.PositiveIntegerField(_("non-conformities at this level"), default=0)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        ordering = ["enterprise", "hs_heading"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "hs_heading"], name="compliance_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id}/{self.hs_heading}: {self.level}"


class ComplianceTally(models.Model):
    """Decided batches of one enterprise and product in one calendar month, and how many did
    not conform: the compliance history the risk engine sums over its window without reading
    millions of declarations. Kept by the conformity decision; the history seeder fills it."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))
    batches = models.PositiveIntegerField(_("decided batches"), default=0)
    nonconform = models.PositiveIntegerField(_("not conform"), default=0)

    class Meta:
        ordering = ["enterprise", "product", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "product", "month"], name="compliance_tally_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id}/{self.product_id}/{self.month:%Y-%m}: {self.nonconform}/{self.batches}"


class RiskSignal(OpenciqModel):
    """An open risk signal (an early warning, a foreign notification, an alert) that raises the
    risk of matching declarations until it is closed. The early-warning subsystem feeds these
    through ``services.risk_signal_open`` / ``risk_signal_close``."""

    source = models.CharField(_("source"), max_length=40)
    reference = models.CharField(_("reference"), max_length=60)
    title = models.CharField(_("title"), max_length=300)
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enterprise"),
    )
    hs_prefix = models.CharField(_("HS code prefix"), max_length=10, blank=True)
    destination = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("destination"),
    )
    points = models.PositiveSmallIntegerField(_("points"))
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("risk signal")
        verbose_name_plural = _("risk signals")
        constraints = [models.UniqueConstraint(fields=["source", "reference"], name="risk_signal_unique")]

    def __str__(self) -> str:
        return f"{self.source}:{self.reference}"


# --- Inspection work --------------------------------------------------------------------------


class InspectionOrder(OpenciqModel):
    """Work an inspector does on a declaration at a port: a document review, an on-site
    inspection, or drawing samples for the laboratory."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="orders", verbose_name=_("declaration")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=InspectionMode.choices)
    port = models.ForeignKey(Port, on_delete=models.PROTECT, related_name="+", verbose_name=_("port"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspection_orders",
        verbose_name=_("inspector"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.OPEN, editable=False
    )
    status_changed_at = models.DateTimeField(_("in this state since"))
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    result = models.CharField(_("result"), max_length=16, choices=Conformity.choices, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    audit_exclude = OpenciqModel.audit_exclude | {"status_changed_at"}

    class Meta:
        ordering = ["-id"]
        verbose_name = _("inspection order")
        verbose_name_plural = _("inspection orders")
        permissions = [("work_inspectionorder", _("Can carry out inspection orders"))]
        indexes = [models.Index(fields=["port", "status", "id"], name="order_port_status_idx")]

    def __str__(self) -> str:
        return f"{self.declaration} · {self.get_kind_display()}"

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return org_scope_q(actor, "port__org_unit__path") | org_scope_q(actor, "declaration__org_unit__path")


def photo_path(instance: InspectionPhoto, filename: str) -> str:
    return f"inspections/{instance.order_id}/{uuid.uuid4().hex}/{filename}"


class InspectionPhoto(OpenciqModel):
    """A photo taken during an on-site inspection."""

    order = models.ForeignKey(
        InspectionOrder, on_delete=models.CASCADE, related_name="photos", verbose_name=_("inspection order")
    )
    image = models.ImageField(_("photo"), upload_to=photo_path, max_length=300)
    caption = models.CharField(_("caption"), max_length=200, blank=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")

    def __str__(self) -> str:
        return self.caption or str(self.image.name)


class SampleRequest(OpenciqModel):
    """A request to a laboratory to test samples drawn from a declaration's goods.

    The laboratory subsystem receives it through ``sampling.SampleRequestHandler`` and reports
    the result back through ``services.sample_result_record``; until it exists, the inspector
    enters the laboratory's result by hand through the same service.
    """

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="sample_requests", verbose_name=_("declaration")
    )
    order = models.ForeignKey(
        InspectionOrder, on_delete=models.CASCADE, related_name="sample_requests", verbose_name=_("order")
    )
    line = models.ForeignKey(
        DeclarationLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("line"),
    )
    laboratory = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("laboratory")
    )
    tests = models.TextField(_("tests requested"))
    sample_description = models.CharField(_("sample"), max_length=200)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SampleStatus.choices,
        default=SampleStatus.REQUESTED,
        editable=False,
    )
    external_ref = models.CharField(_("laboratory reference"), max_length=60, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=SampleResult.choices, blank=True)
    result_summary = models.TextField(_("result summary"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("sample request")
        verbose_name_plural = _("sample requests")
        permissions = [("record_result_samplerequest", _("Can record laboratory results of sample requests"))]

    def __str__(self) -> str:
        return f"{self.declaration} · {self.sample_description}"

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return _declaration_scope(actor, "declaration__") | org_scope_q(actor, "laboratory__path")


class ReleaseRecord(models.Model):
    """The electronic release of a declaration: the batch may leave."""

    declaration = models.OneToOneField(
        Declaration, on_delete=models.CASCADE, related_name="release_record", verbose_name=_("declaration")
    )
    number = models.CharField(_("release number"), max_length=24, unique=True)
    released_at = models.DateTimeField(_("released at"))
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("released by")
    )
    electronic = models.BooleanField(_("released without inspection"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("release record")
        verbose_name_plural = _("release records")

    def __str__(self) -> str:
        return self.number


# --- Certificates -----------------------------------------------------------------------------


class Certificate(OpenciqModel):
    """An electronic certificate: one we issued for a released batch (signed, with a public
    verification page), or one a foreign authority sent us (read-only, kept losslessly)."""

    number = models.CharField(_("number"), max_length=40, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=CertificateKind.choices)
    direction = models.CharField(
        _("direction"), max_length=8, choices=CertificateDirection.choices, editable=False
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CertificateStatus.choices,
        default=CertificateStatus.VALID,
        editable=False,
    )
    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("declaration"),
    )
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("issuing branch")
    )
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    issued_at = models.DateTimeField(_("issued at"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    data = models.JSONField(_("certificate data"))
    tree = models.JSONField(_("document tree"), null=True, blank=True)
    xml = models.TextField(_("SPS certificate XML"))
    signed_document = models.TextField(_("signed document"), blank=True)
    key_id = models.CharField(_("signing key"), max_length=32, blank=True)
    verify_token = models.UUIDField(_("verification token"), default=uuid.uuid4, unique=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    status_reason = models.TextField(_("reason"), blank=True)

    audit_exclude = OpenciqModel.audit_exclude | {"data", "tree", "xml", "signed_document"}

    class Meta:
        ordering = ["-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        permissions = [
            ("issue_certificate", _("Can issue certificates")),
            ("revoke_certificate", _("Can revoke and replace certificates")),
            ("import_certificate", _("Can import foreign certificates")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["direction", "number"], name="certificate_number_unique"),
        ]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return org_scope_q(actor) | _declaration_scope(actor, "declaration__")


__all__ = [
    "ChecklistResult",
    "ComplianceState",
    "Declaration",
    "DeclarationAttachment",
    "DeclarationLine",
    "DeclarationTransition",
    "IdempotencyKey",
    "InspectionOrder",
    "InspectionPhoto",
    "ReleaseRecord",
    "RiskDecision",
    "RiskRuleSet",
    "RiskSignal",
    "SampleRequest",
]
