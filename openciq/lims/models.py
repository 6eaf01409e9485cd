"""The laboratories: their methods, instruments and reference materials; samples, analyses,
worksheets, verifications and reports.

A laboratory is an ``accounts.OrgUnit`` of kind ``laboratory``; everything a laboratory owns
carries it, and laboratory staff see what lies under their org unit. States change only through
``services.py`` (SENAITE's state names, ``transitions`` says which moves exist).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from openciq.accounts.models import OrgUnit, org_scope_q
from openciq.core.models import OpenciqModel, ReferenceModel, WorkflowModel
from openciq.lims.choices import (
    AnalysisKind,
    AnalysisStatus,
    CustodyKind,
    DecisionRule,
    Outcome,
    Priority,
    QcStatus,
    ResultType,
    SampleStatus,
    WorksheetStatus,
)
from openciq.masterdata.models import Country, Enterprise, Product

LAB_CHOICES = {"kind": "laboratory"}


def _laboratory_fk(related_name: str = "+") -> Any:
    return models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name=related_name,
        limit_choices_to=LAB_CHOICES,
        verbose_name=_("laboratory"),
    )


def _quantity(label: Any, **kwargs: Any) -> Any:
    return models.DecimalField(label, max_digits=18, decimal_places=6, null=True, blank=True, **kwargs)


VERIFICATIONS = [MinValueValidator(1), MaxValueValidator(4)]


class LabOwned(OpenciqModel):
    """Abstract: something a laboratory owns; its staff (and global roles) see it."""

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return org_scope_q(actor, "laboratory__path")


class Method(ReferenceModel, LabOwned):
    """A documented test method (e.g. GB 23200.113-2018 for pesticide residues by GC-MS/MS),
    with how many people must verify its results."""

    laboratory = _laboratory_fk("lims_methods")
    standard = models.CharField(_("standard"), max_length=120)
    accredited = models.BooleanField(_("accredited (CNAS)"), default=False)
    required_verifications = models.PositiveSmallIntegerField(
        _("verifications required"), default=1, validators=VERIFICATIONS
    )
    self_verification = models.BooleanField(
        _("analyst may verify own results"),
        default=False,
        help_text=_("Off by default: a second person verifies every result."),
    )
    instructions = models.TextField(_("instructions"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("method")
        verbose_name_plural = _("methods")


class AnalysisService(ReferenceModel, LabOwned):
    """A test the laboratory offers (an analyte by a method): its unit, limits of detection and
    quantification, measurement uncertainty, turnaround and price. ``code`` is the keyword
    instrument files use."""

    laboratory = _laboratory_fk("lims_services")
    method = models.ForeignKey(
        Method, on_delete=models.PROTECT, related_name="services", verbose_name=_("method")
    )
    category = models.CharField(_("category"), max_length=60, blank=True)
    result_type = models.CharField(
        _("result type"), max_length=16, choices=ResultType.choices, default=ResultType.NUMERIC
    )
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    precision = models.PositiveSmallIntegerField(
        _("decimal places"), default=3, validators=[MaxValueValidator(6)]
    )
    lod = _quantity(_("limit of detection"))
    loq = _quantity(_("limit of quantification"))
    uncertainty_percent = models.DecimalField(
        _("expanded uncertainty (%, k=2)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    uncertainty_floor = _quantity(_("minimum expanded uncertainty"))
    duplicate_variation = models.DecimalField(
        _("allowed duplicate variation (%)"), max_digits=6, decimal_places=2, default=10
    )
    turnaround_days = models.PositiveSmallIntegerField(_("turnaround (working days)"), default=5)
    price = models.DecimalField(_("price (CNY)"), max_digits=10, decimal_places=2, default=0)
    accredited = models.BooleanField(_("accredited (CNAS)"), default=False)
    required_verifications = models.PositiveSmallIntegerField(
        _("verifications required"),
        null=True,
        blank=True,
        validators=VERIFICATIONS,
        help_text=_("Leave empty to follow the method."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("analysis service")
        verbose_name_plural = _("analysis services")

    @property
    def verifications_required(self) -> int:
        return self.required_verifications or self.method.required_verifications


class Specification(OpenciqModel):
    """A limit one analysis must meet for goods of an HS heading bound for a country (e.g. a
    maximum residue limit for Hong Kong), with the decision rule its statements use."""

    service = models.ForeignKey(
        AnalysisService,
        on_delete=models.PROTECT,
        related_name="specifications",
        verbose_name=_("analysis service"),
    )
    hs_prefix = models.CharField(
        _("HS code starts with"), max_length=10, blank=True, help_text=_("Empty: any goods.")
    )
    destination = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("destination"),
        help_text=_("Empty: any destination."),
    )
    low = _quantity(_("lower limit"))
    high = _quantity(_("upper limit"))
    decision_rule = models.CharField(
        _("decision rule"), max_length=16, choices=DecisionRule.choices, default=DecisionRule.GUARDED
    )
    source = models.CharField(_("regulation"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["service__code", "hs_prefix", "destination__code", "id"]
        verbose_name = _("specification")
        verbose_name_plural = _("specifications")
        constraints = [
            models.UniqueConstraint(fields=["service", "hs_prefix", "destination"], name="lims_spec_unique"),
        ]

    def __str__(self) -> str:
        limits = f"{self.low if self.low is not None else ''}–{self.high if self.high is not None else ''}"
        where = self.destination.code if self.destination else "*"
        return f"{self.service.code} {self.hs_prefix or '*'} → {where}: {limits} {self.service.unit}"

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return org_scope_q(actor, "service__laboratory__path")


class Instrument(ReferenceModel, LabOwned):
    """A measuring instrument. Results come only from an instrument in service, calibrated on
    the day, whose quality control has not failed."""

    laboratory = _laboratory_fk("lims_instruments")
    kind = models.CharField(_("type"), max_length=60)
    manufacturer = models.CharField(_("manufacturer"), max_length=100, blank=True)
    model_name = models.CharField(_("model"), max_length=100, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=60, blank=True)
    methods = models.ManyToManyField(
        Method, blank=True, related_name="instruments", verbose_name=_("methods")
    )
    range_low = _quantity(_("measuring range from"))
    range_high = _quantity(_("measuring range to"))
    range_unit = models.CharField(_("unit of the measuring range"), max_length=16, blank=True)
    out_of_service = models.BooleanField(
        _("out of service"), default=False, help_text=_("Not to be used until it is calibrated again.")
    )
    qc_blocked_at = models.DateTimeField(_("blocked by QC since"), null=True, blank=True, editable=False)
    qc_block_reason = models.TextField(_("QC block reason"), blank=True, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")


class InstrumentCalibration(OpenciqModel):
    """A calibration certificate of an instrument and the period it is valid for."""

    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="calibrations", verbose_name=_("instrument")
    )
    certificate_number = models.CharField(_("certificate number"), max_length=60)
    calibrated_by = models.CharField(_("calibrated by"), max_length=120)
    calibrated_on = models.DateField(_("calibrated on"))
    valid_until = models.DateField(_("valid until"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["instrument__code", "-valid_until", "id"]
        verbose_name = _("calibration")
        verbose_name_plural = _("calibrations")

    def __str__(self) -> str:
        return f"{self.instrument.code} {self.certificate_number} ({self.valid_until.isoformat()})"

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return org_scope_q(actor, "instrument__laboratory__path")


class ReferenceMaterial(ReferenceModel, LabOwned):
    """A certified reference material or a blank, used as a control on worksheets."""

    laboratory = _laboratory_fk("lims_reference_materials")
    service = models.ForeignKey(
        AnalysisService,
        on_delete=models.PROTECT,
        related_name="reference_materials",
        verbose_name=_("analysis service"),
    )
    is_blank = models.BooleanField(_("blank"), default=False)
    lot = models.CharField(_("lot"), max_length=60, blank=True)
    certified_value = _quantity(_("certified value"))
    certified_uncertainty = _quantity(_("certified uncertainty"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("reference material")
        verbose_name_plural = _("reference materials")


class ControlChart(OpenciqModel):
    """The Levey-Jennings chart of one analysis on one reference material: the mean and
    standard deviation the Westgard rules measure control results against."""

    service = models.ForeignKey(
        AnalysisService,
        on_delete=models.PROTECT,
        related_name="control_charts",
        verbose_name=_("analysis service"),
    )
    reference_material = models.ForeignKey(
        ReferenceMaterial,
        on_delete=models.PROTECT,
        related_name="control_charts",
        verbose_name=_("reference material"),
    )
    mean = models.DecimalField(_("mean"), max_digits=18, decimal_places=6)
    sd = models.DecimalField(
        _("standard deviation"), max_digits=18, decimal_places=6, validators=[MinValueValidator(0)]
    )
    established_on = models.DateField(_("established on"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["service__code", "reference_material__code"]
        verbose_name = _("control chart")
        verbose_name_plural = _("control charts")
        constraints = [
            models.UniqueConstraint(fields=["service", "reference_material"], name="lims_chart_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.service.code} / {self.reference_material.code}"

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return org_scope_q(actor, "service__laboratory__path")


class ImportMapping(ReferenceModel):
    """How to read one instrument's CSV export: which columns hold the sample, the analysis
    keyword, the result and its unit."""

    sample_column = models.CharField(_("sample column"), max_length=60)
    keyword_column = models.CharField(_("keyword column"), max_length=60)
    result_column = models.CharField(_("result column"), max_length=60)
    unit_column = models.CharField(_("unit column"), max_length=60, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, default=",")
    encoding = models.CharField(_("encoding"), max_length=20, default="utf-8-sig")
    skip_lines = models.PositiveSmallIntegerField(_("lines before the header"), default=0)
    decimal_comma = models.BooleanField(_("decimal comma"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")


class Sample(WorkflowModel):
    """A sample batch the laboratory tests: from a declaration's sample request or registered by
    hand for another client. A partition is a part sent to another laboratory (``parent``); a
    retest replaces an invalidated sample (``retest_of``), which stays visible."""

    number = models.CharField(_("number"), max_length=24, unique=True, editable=False)
    laboratory = _laboratory_fk("lims_samples")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partitions",
        verbose_name=_("partition of"),
        editable=False,
    )
    retest_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="retests",
        verbose_name=_("retest of"),
        editable=False,
    )
    sample_request = models.ForeignKey(
        "declarations.SampleRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lims_samples",
        verbose_name=_("sample request"),
        editable=False,
    )
    client = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("client"),
    )
    client_name = models.CharField(_("client name"), max_length=200, blank=True)
    description = models.CharField(_("sample"), max_length=200)
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    hs_code = models.CharField(_("HS code"), max_length=10, blank=True)
    destination = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("destination"),
    )
    tests_requested = models.TextField(_("tests requested"), blank=True)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    quantity = models.CharField(_("quantity"), max_length=60, blank=True)
    date_sampled = models.DateField(_("date sampled"), null=True, blank=True)
    condition = models.CharField(_("condition on receipt"), max_length=200, blank=True)
    storage_location = models.CharField(_("storage location"), max_length=100, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SampleStatus.choices,
        default=SampleStatus.REGISTERED,
        editable=False,
    )
    status_changed_at = models.DateTimeField(_("in this state since"), null=True, editable=False)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True, editable=False)
    due_date = models.DateField(_("due date"), null=True, blank=True, editable=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, blank=True, editable=False
    )
    # Why it was rejected, cancelled or invalidated.
    reason = models.TextField(_("reason"), blank=True, editable=False)
    disposed_at = models.DateTimeField(_("disposed at"), null=True, blank=True, editable=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
        editable=False,
    )

    audit_exclude = OpenciqModel.audit_exclude | {"status_changed_at"}

    # The moves people make. Between received and verified the state follows the analyses
    # and partitions (``services.roll_up``), as in SENAITE.
    transitions: ClassVar[dict[str, tuple[frozenset[str], str]]] = {
        "receive": (frozenset({"registered"}), "received"),
        # Partitioning keeps the sample's state ("received" stands for "unchanged").
        "partition": (frozenset({"received", "in_analysis"}), "received"),
        "publish": (frozenset({"verified"}), "published"),
        "reject": (frozenset({"registered", "received", "in_analysis"}), "rejected"),
        "cancel": (frozenset({"registered"}), "cancelled"),
        "invalidate": (frozenset({"verified", "published"}), "invalid"),
    }

    class Meta:
        ordering = ["-id"]
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        permissions = [
            ("receive_sample", _("Can receive samples")),
            ("reject_sample", _("Can reject or cancel samples")),
            ("partition_sample", _("Can partition samples")),
            ("publish_sample", _("Can publish reports")),
            ("invalidate_sample", _("Can invalidate published results")),
            ("custody_sample", _("Can record custody of samples")),
        ]
        indexes = [
            models.Index(fields=["laboratory", "status", "-id"], name="lims_sample_lab_state"),
            models.Index(fields=["status", "due_date"], name="lims_sample_due"),
            models.Index(fields=["laboratory", "received_at"], name="lims_sample_received"),
        ]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return org_scope_q(actor, "laboratory__path")

    @property
    def client_display(self) -> str:
        return self.client_name or (str(self.client.name) if self.client else "")


class CustodyEvent(OpenciqModel):
    """One link of a sample's chain of custody: who held it, when, and where it was kept."""

    sample = models.ForeignKey(
        Sample, on_delete=models.CASCADE, related_name="custody", verbose_name=_("sample")
    )
    kind = models.CharField(_("event"), max_length=16, choices=CustodyKind.choices)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("held by")
    )
    location = models.CharField(_("location"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["sample", "at", "id"]
        verbose_name = _("custody event")
        verbose_name_plural = _("custody events")

    def __str__(self) -> str:
        return f"{self.sample_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return org_scope_q(actor, "sample__laboratory__path")


class Worksheet(WorkflowModel):
    """A batch of analyses run together by one analyst on one instrument by one method, with the
    blanks, controls and duplicates that show the run was in control."""

    number = models.CharField(_("number"), max_length=24, unique=True, editable=False)
    laboratory = _laboratory_fk("lims_worksheets")
    method = models.ForeignKey(Method, on_delete=models.PROTECT, related_name="+", verbose_name=_("method"))
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="worksheets", verbose_name=_("instrument")
    )
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("analyst")
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=WorksheetStatus.choices,
        default=WorksheetStatus.OPEN,
        editable=False,
    )
    qc_status = models.CharField(
        _("quality control"), max_length=8, choices=QcStatus.choices, default=QcStatus.PENDING, editable=False
    )
    qc_summary = models.TextField(_("QC findings"), blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
        editable=False,
    )

    transitions: ClassVar[dict[str, tuple[frozenset[str], str]]] = {
        "submit": (frozenset({"open"}), "to_be_verified"),
        "verify": (frozenset({"to_be_verified"}), "verified"),
        "retract": (frozenset({"open", "to_be_verified"}), "retracted"),
    }

    class Meta:
        ordering = ["-id"]
        verbose_name = _("worksheet")
        verbose_name_plural = _("worksheets")
        permissions = [("retract_worksheet", _("Can retract worksheets"))]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return org_scope_q(actor, "laboratory__path")


class Analysis(WorkflowModel):
    """One test on a sample (routine) or one quality-control measurement on a worksheet (blank,
    control on a reference material, duplicate of a routine analysis). Once verified a result
    never changes: a correction retracts it and creates a retest (``retest_of``)."""

    kind = models.CharField(
        _("kind"), max_length=10, choices=AnalysisKind.choices, default=AnalysisKind.ROUTINE
    )
    sample = models.ForeignKey(
        Sample,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="analyses",
        verbose_name=_("sample"),
    )
    laboratory = _laboratory_fk()
    service = models.ForeignKey(
        AnalysisService, on_delete=models.PROTECT, related_name="+", verbose_name=_("analysis service")
    )
    worksheet = models.ForeignKey(
        Worksheet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="analyses",
        verbose_name=_("worksheet"),
    )
    reference_material = models.ForeignKey(
        ReferenceMaterial,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reference material"),
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    retest_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="retests",
        verbose_name=_("retest of"),
    )
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("analyst"),
    )
    instrument = models.ForeignKey(
        Instrument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("instrument"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AnalysisStatus.choices,
        default=AnalysisStatus.UNASSIGNED,
        editable=False,
    )
    due_date = models.DateField(_("due date"), null=True, blank=True, editable=False)
    result = models.CharField(_("result as entered"), max_length=40, blank=True, editable=False)
    value = _quantity(_("value"), editable=False)
    censored = models.BooleanField(_("below the limit"), default=False, editable=False)
    unit = models.CharField(_("unit"), max_length=16, blank=True, editable=False)
    uncertainty = _quantity(_("expanded uncertainty"), editable=False)
    spec_low = _quantity(_("lower limit"), editable=False)
    spec_high = _quantity(_("upper limit"), editable=False)
    specification = models.ForeignKey(
        Specification,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("specification"),
        editable=False,
    )
    decision_rule = models.CharField(_("decision rule"), max_length=16, blank=True, editable=False)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, blank=True, editable=False
    )
    qc_flags = models.JSONField(_("QC findings"), default=list, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
        editable=False,
    )
    submitted_at = models.DateTimeField(_("entered at"), null=True, blank=True, editable=False)
    verifications_required = models.PositiveSmallIntegerField(
        _("verifications required"), default=1, editable=False
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    turnaround_days = models.PositiveSmallIntegerField(
        _("turnaround (working days)"), null=True, blank=True, editable=False
    )
    reason = models.TextField(_("reason"), blank=True, editable=False)

    transitions: ClassVar[dict[str, tuple[frozenset[str], str]]] = {
        "assign": (frozenset({"unassigned"}), "assigned"),
        "unassign": (frozenset({"assigned"}), "unassigned"),
        "submit": (frozenset({"unassigned", "assigned"}), "to_be_verified"),
        "verify": (frozenset({"to_be_verified"}), "verified"),
        "retract": (frozenset({"to_be_verified", "verified", "published"}), "retracted"),
        "reject": (frozenset({"unassigned", "assigned", "to_be_verified"}), "rejected"),
        "publish": (frozenset({"verified"}), "published"),
        "cancel": (frozenset({"unassigned", "assigned"}), "cancelled"),
    }

    class Meta:
        ordering = ["-id"]
        verbose_name = _("analysis")
        verbose_name_plural = _("analyses")
        permissions = [
            ("submit_analysis", _("Can enter results")),
            ("verify_analysis", _("Can verify results")),
            ("retract_analysis", _("Can retract results")),
            ("manage_worksheet", _("Can plan worksheets and assign analyses")),
        ]
        indexes = [
            models.Index(fields=["laboratory", "status", "-id"], name="lims_analysis_lab_state"),
            models.Index(fields=["analyst", "status"], name="lims_analysis_analyst"),
            # The verification worklist: waiting results in due order, read until a page is full.
            models.Index(fields=["status", "due_date", "id"], name="lims_analysis_due"),
            models.Index(fields=["service", "kind", "verified_at"], name="lims_analysis_service"),
        ]

    def __str__(self) -> str:
        owner = self.sample.number if self.sample_id and self.sample else self.get_kind_display()
        return f"{owner} {self.service.code}"

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return org_scope_q(actor, "laboratory__path")


class Verification(OpenciqModel):
    """One person's verification of one result (a method may require up to four)."""

    analysis = models.ForeignKey(
        Analysis, on_delete=models.CASCADE, related_name="verifications", verbose_name=_("analysis")
    )
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("verifier")
    )
    at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["analysis", "at", "id"]
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        constraints = [
            models.UniqueConstraint(fields=["analysis", "verifier"], name="lims_verification_once")
        ]

    def __str__(self) -> str:
        return f"{self.analysis_id} ✓ {self.verifier_id}"


class Report(OpenciqModel):
    """A published certificate of analysis (PDF, both languages). An amended report names the
    report it replaces."""

    number = models.CharField(_("number"), max_length=24, unique=True)
    sample = models.ForeignKey(
        Sample, on_delete=models.PROTECT, related_name="reports", verbose_name=_("sample")
    )
    replaces = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    pdf = models.FileField(_("PDF"), upload_to="lims/reports/%Y/%m/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("published by")
    )
    published_at = models.DateTimeField(_("published at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return self.number

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return org_scope_q(actor, "sample__laboratory__path")
