"""API schemas of the laboratory (no ``from __future__ import annotations``: ninja reads the
annotations at run time).

Reference data: ``<Model>In`` / ``<Model>Patch`` / ``<Model>Out`` / ``<Model>Brief`` for the
generic CRUD routes. Workflow: ``<Model>Row`` for list rows, ``<Model>Out`` for one object with
what belongs to it, ``<Model>Page`` for a page of rows. Names are unique across the whole API
document (``declarations`` has its own ``SampleList`` and ``VerificationOut``).
"""

import datetime as dt
import decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import Field, create_model

from openciq.accounts.schemas import OrgUnitBrief, UserBrief
from openciq.core.api import Brief, InSchema
from openciq.lims import selectors
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
from openciq.lims.worksheets import file_label
from openciq.masterdata.schemas import EnterpriseBrief

Quantity = decimal.Decimal | None
CODE = Field(max_length=32)
NAME_ZH = Field(max_length=200)
NAME_EN = Field("", max_length=200)


def patch_of(schema: type[InSchema], name: str) -> type[InSchema]:
    """The ``<Model>Patch`` of an ``<Model>In``: the same fields, each optional (absent = keep)."""
    fields: dict[str, Any] = {
        key: (info.annotation | None, Field(None, description=info.description))  # type: ignore[operator]
        for key, info in schema.model_fields.items()
    }
    return create_model(name, __base__=InSchema, __module__=__name__, **fields)


# --- Method ---


class MethodIn(InSchema):
    code: str = CODE
    name_zh: str = NAME_ZH
    name_en: str = NAME_EN
    laboratory: int
    standard: str = Field(max_length=120)
    accredited: bool = False
    required_verifications: int = Field(1, ge=1, le=4)
    self_verification: bool = False
    instructions: str = ""
    description: str = ""
    is_active: bool = True


MethodPatch = patch_of(MethodIn, "MethodPatch")


class MethodBrief(Brief):
    pass


class MethodOut(Schema):
    id: int
    code: str
    name: str
    name_zh: str
    name_en: str
    laboratory: OrgUnitBrief
    standard: str
    accredited: bool
    required_verifications: int
    self_verification: bool
    instructions: str
    description: str
    is_active: bool


# --- Analysis service ---


class AnalysisServiceIn(InSchema):
    code: str = Field(max_length=32, description="Also the keyword instrument files name the analysis by")
    name_zh: str = NAME_ZH
    name_en: str = NAME_EN
    laboratory: int
    method: int
    category: str = Field("", max_length=60)
    result_type: ResultType = ResultType.NUMERIC
    unit: str = Field("", max_length=16, description="A unit code of the bureau's table, e.g. mg/kg")
    precision: int = Field(3, ge=0, le=6)
    lod: Quantity = None
    loq: Quantity = None
    uncertainty_percent: Quantity = Field(None, description="Expanded uncertainty (%, k=2)")
    uncertainty_floor: Quantity = None
    duplicate_variation: decimal.Decimal = decimal.Decimal(10)
    turnaround_days: int = Field(5, ge=0, description="Working days")
    price: decimal.Decimal = decimal.Decimal(0)
    accredited: bool = False
    required_verifications: int | None = Field(None, ge=1, le=4, description="Empty: as the method says")
    description: str = ""
    is_active: bool = True


AnalysisServicePatch = patch_of(AnalysisServiceIn, "AnalysisServicePatch")


class AnalysisServiceBrief(Brief):
    unit: str


class AnalysisServiceOut(Schema):
    id: int
    code: str
    name: str
    name_zh: str
    name_en: str
    laboratory: OrgUnitBrief
    method: MethodBrief
    category: str
    result_type: ResultType
    unit: str
    precision: int
    lod: Quantity
    loq: Quantity
    uncertainty_percent: Quantity
    uncertainty_floor: Quantity
    duplicate_variation: decimal.Decimal
    turnaround_days: int
    price: decimal.Decimal
    accredited: bool
    required_verifications: int | None
    verifications_required: int = Field(description="What applies: the service's number or the method's")
    description: str
    is_active: bool


# --- Specification ---


class SpecificationIn(InSchema):
    service: int
    hs_prefix: str = Field("", max_length=10, description="HS code starts with; empty: any goods")
    destination: int | None = Field(None, description="Country id; empty: any destination")
    low: Quantity = None
    high: Quantity = None
    decision_rule: DecisionRule = DecisionRule.GUARDED
    source: str = Field("", max_length=120)
    is_active: bool = True


SpecificationPatch = patch_of(SpecificationIn, "SpecificationPatch")


class SpecificationOut(Schema):
    id: int
    service: AnalysisServiceBrief
    hs_prefix: str
    destination: Brief | None
    low: Quantity
    high: Quantity
    decision_rule: DecisionRule
    source: str
    is_active: bool


# --- Instrument ---


class InstrumentIn(InSchema):
    code: str = CODE
    name_zh: str = NAME_ZH
    name_en: str = NAME_EN
    laboratory: int
    kind: str = Field(max_length=60)
    manufacturer: str = Field("", max_length=100)
    model_name: str = Field("", max_length=100)
    serial_number: str = Field("", max_length=60)
    methods: list[int] = Field([], description="Methods the instrument is qualified for")
    range_low: Quantity = None
    range_high: Quantity = None
    range_unit: str = Field("", max_length=16)
    out_of_service: bool = False
    description: str = ""
    is_active: bool = True


InstrumentPatch = patch_of(InstrumentIn, "InstrumentPatch")


class InstrumentBrief(Brief):
    pass


class InstrumentOut(Schema):
    id: int
    code: str
    name: str
    name_zh: str
    name_en: str
    laboratory: OrgUnitBrief
    kind: str
    manufacturer: str
    model_name: str
    serial_number: str
    methods: list[MethodBrief]
    range_low: Quantity
    range_high: Quantity
    range_unit: str
    out_of_service: bool
    qc_blocked_at: dt.datetime | None
    qc_block_reason: str
    description: str
    is_active: bool

    @staticmethod
    def resolve_methods(obj: Any) -> list[Any]:
        return list(obj.methods.all())


class InstrumentReleaseIn(InSchema):
    note: str = Field(description="The corrective action taken (recalibration, new column, fresh standards)")


# --- Calibration ---


class InstrumentCalibrationIn(InSchema):
    instrument: int
    certificate_number: str = Field(max_length=60)
    calibrated_by: str = Field(max_length=120)
    calibrated_on: dt.date
    valid_until: dt.date
    notes: str = ""


InstrumentCalibrationPatch = patch_of(InstrumentCalibrationIn, "InstrumentCalibrationPatch")


class InstrumentCalibrationOut(Schema):
    id: int
    instrument: InstrumentBrief
    certificate_number: str
    calibrated_by: str
    calibrated_on: dt.date
    valid_until: dt.date
    notes: str


# --- Reference material ---


class ReferenceMaterialIn(InSchema):
    code: str = Field(max_length=32, description="Also the name instrument files give its measurement")
    name_zh: str = NAME_ZH
    name_en: str = NAME_EN
    laboratory: int
    service: int
    is_blank: bool = False
    lot: str = Field("", max_length=60)
    certified_value: Quantity = None
    certified_uncertainty: Quantity = None
    expires_on: dt.date | None = None
    description: str = ""
    is_active: bool = True


ReferenceMaterialPatch = patch_of(ReferenceMaterialIn, "ReferenceMaterialPatch")


class ReferenceMaterialBrief(Brief):
    pass


class ReferenceMaterialOut(Schema):
    id: int
    code: str
    name: str
    name_zh: str
    name_en: str
    laboratory: OrgUnitBrief
    service: AnalysisServiceBrief
    is_blank: bool
    lot: str
    certified_value: Quantity
    certified_uncertainty: Quantity
    expires_on: dt.date | None
    description: str
    is_active: bool


# --- Control chart ---


class ControlChartIn(InSchema):
    service: int
    reference_material: int
    mean: decimal.Decimal
    sd: decimal.Decimal = Field(description="Standard deviation, above zero")
    established_on: dt.date
    notes: str = ""


ControlChartPatch = patch_of(ControlChartIn, "ControlChartPatch")


class ControlChartOut(Schema):
    id: int
    service: AnalysisServiceBrief
    reference_material: ReferenceMaterialBrief
    mean: decimal.Decimal
    sd: decimal.Decimal
    established_on: dt.date
    notes: str


# --- Import mapping ---


class ImportMappingIn(InSchema):
    code: str = CODE
    name_zh: str = NAME_ZH
    name_en: str = NAME_EN
    sample_column: str = Field(max_length=60)
    keyword_column: str = Field(max_length=60)
    result_column: str = Field(max_length=60)
    unit_column: str = Field("", max_length=60)
    delimiter: str = Field(",", min_length=1, max_length=1)
    encoding: str = Field("utf-8-sig", max_length=20)
    skip_lines: int = Field(0, ge=0, description="Lines before the header")
    decimal_comma: bool = False
    description: str = ""
    is_active: bool = True


ImportMappingPatch = patch_of(ImportMappingIn, "ImportMappingPatch")


class ImportMappingOut(Schema):
    id: int
    code: str
    name: str
    name_zh: str
    name_en: str
    sample_column: str
    keyword_column: str
    result_column: str
    unit_column: str
    delimiter: str
    encoding: str
    skip_lines: int
    decimal_comma: bool
    description: str
    is_active: bool


# --- Samples ---


class SampleIn(InSchema):
    laboratory: int
    description: str = Field(max_length=200)
    services: list[int] = Field([], description="Analysis services of the laboratory")
    client: int | None = Field(None, description="Enterprise id; or name the client")
    client_name: str = Field("", max_length=200)
    product: int | None = None
    hs_code: str = Field("", max_length=10)
    destination: int | None = Field(None, description="Country id; chooses the specification")
    tests_requested: str = ""
    priority: Priority = Priority.NORMAL
    quantity: str = Field("", max_length=60)
    date_sampled: dt.date | None = None


class SampleReceiveIn(InSchema):
    services: list[int] = Field([], description="Analyses added at the counter")
    storage_location: str = Field("", max_length=100)
    condition: str = Field("", max_length=200)


class PartitionPartIn(InSchema):
    laboratory: int
    services: list[int]
    description: str = Field("", max_length=200)


class PartitionIn(InSchema):
    parts: list[PartitionPartIn]


class CustodyEventIn(InSchema):
    kind: Literal["transferred", "stored", "returned", "disposed"]
    location: str = Field("", max_length=100)
    note: str = Field("", max_length=300)
    holder: int | None = Field(None, description="User id of who receives the sample (handed over)")


class TransitionReasonIn(InSchema):
    reason: str


class SampleBrief(Schema):
    id: int
    number: str
    status: SampleStatus


class CustodyEventOut(Schema):
    id: int
    kind: CustodyKind
    holder: UserBrief
    location: str
    note: str
    at: dt.datetime


class ReportOut(Schema):
    id: int
    number: str
    sample: SampleBrief
    outcome: Outcome
    sha256: str
    replaces: str | None = Field(None, description="Number of the report this one replaces")
    published_by: UserBrief
    published_at: dt.datetime
    withdrawn_at: dt.datetime | None

    @staticmethod
    def resolve_replaces(obj: Any) -> str | None:
        return obj.replaces.number if obj.replaces_id else None


class WorksheetBrief(Schema):
    id: int
    number: str
    status: WorksheetStatus


class AnalysisVerificationOut(Schema):
    verifier: UserBrief
    at: dt.datetime


class AnalysisOut(Schema):
    id: int
    kind: AnalysisKind
    status: AnalysisStatus
    sample: SampleBrief | None
    service: AnalysisServiceBrief
    worksheet: WorksheetBrief | None
    reference_material: ReferenceMaterialBrief | None
    duplicate_of: int | None = Field(None, alias="duplicate_of_id")
    retest_of: int | None = Field(None, alias="retest_of_id")
    analyst: UserBrief | None
    instrument: InstrumentBrief | None
    due_date: dt.date | None
    result: str = Field(description="As entered")
    value: Quantity = Field(description="In the service's unit")
    censored: bool = Field(description="Below the limit given as the value")
    unit: str
    uncertainty: Quantity = Field(description="Expanded uncertainty (k=2)")
    spec_low: Quantity
    spec_high: Quantity
    decision_rule: str
    outcome: str
    qc_flags: list[str]
    submitted_by: UserBrief | None
    submitted_at: dt.datetime | None
    verifications_required: int
    verifications: list[AnalysisVerificationOut]
    verified_at: dt.datetime | None
    turnaround_days: int | None
    reason: str

    @staticmethod
    def resolve_verifications(obj: Any) -> list[Any]:
        return list(obj.verifications.all())


class AnalysisRow(Schema):
    id: int
    kind: AnalysisKind
    status: AnalysisStatus
    sample: SampleBrief | None
    laboratory: OrgUnitBrief
    service: AnalysisServiceBrief
    analyst: UserBrief | None
    worksheet: int | None = Field(None, alias="worksheet_id")
    due_date: dt.date | None
    result: str
    unit: str
    outcome: str
    submitted_at: dt.datetime | None
    verified_at: dt.datetime | None


class AnalysisPage(Schema):
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[AnalysisRow]


class AnalysisSubmitIn(InSchema):
    result: str = Field(max_length=40, description='A number, "<limit", "ND", or detected / not detected')
    unit: str = Field("", max_length=16, description="Empty: the service's unit")
    instrument: int | None = Field(None, description="For an analysis not on a worksheet")


class SampleRow(Schema):
    id: int
    number: str
    status: SampleStatus
    status_changed_at: dt.datetime | None
    laboratory: OrgUnitBrief
    client: str = Field(description="The client's name")
    description: str
    priority: Priority
    hs_code: str
    received_at: dt.datetime | None
    due_date: dt.date | None
    outcome: str
    parent: int | None = Field(None, alias="parent_id")
    retest_of: int | None = Field(None, alias="retest_of_id")

    @staticmethod
    def resolve_client(obj: Any) -> str:
        return str(obj.client_display)


class SamplePage(Schema):
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[SampleRow]


class SampleOut(Schema):
    id: int
    number: str
    status: SampleStatus
    status_changed_at: dt.datetime | None
    laboratory: OrgUnitBrief
    parent: SampleBrief | None
    retest_of: SampleBrief | None
    partitions: list[SampleBrief]
    sample_request: int | None = Field(None, alias="sample_request_id")
    declaration: str | None = Field(None, description="Number of the declaration that asked for the test")
    client: EnterpriseBrief | None
    client_name: str
    description: str
    product: Brief | None = Field(None, description="code is the HS code")
    hs_code: str
    destination: Brief | None
    tests_requested: str
    priority: Priority
    quantity: str
    date_sampled: dt.date | None
    condition: str
    storage_location: str
    received_at: dt.datetime | None
    due_date: dt.date | None
    verified_at: dt.datetime | None
    published_at: dt.datetime | None
    outcome: str
    reason: str
    disposed_at: dt.datetime | None
    registered_by: UserBrief
    analyses: list[AnalysisOut]
    custody: list[CustodyEventOut]
    reports: list[ReportOut]

    @staticmethod
    def resolve_declaration(obj: Any) -> str | None:
        return obj.sample_request.declaration.number if obj.sample_request_id else None

    @staticmethod
    def resolve_product(obj: Any) -> dict[str, Any] | None:
        product = obj.product
        return {"id": product.pk, "code": product.hs_code, "name": product.name} if product else None

    # What belongs to the sample, read through the selectors (the sample is already in scope).
    @staticmethod
    def resolve_partitions(obj: Any) -> list[Any]:
        return list(selectors.sample_partitions(sample=obj))

    @staticmethod
    def resolve_analyses(obj: Any) -> list[Any]:
        return list(selectors.sample_analyses(sample=obj))

    @staticmethod
    def resolve_custody(obj: Any) -> list[Any]:
        return list(selectors.sample_custody(sample=obj))

    @staticmethod
    def resolve_reports(obj: Any) -> list[Any]:
        return list(selectors.sample_reports(sample=obj))


# --- Worksheets ---


class WorksheetIn(InSchema):
    method: int
    instrument: int
    analyst: int = Field(description="User id of the analyst who runs the worksheet")
    analyses: list[int] = Field(description="Unassigned routine analyses of the method")
    blanks: list[int] = Field([], description="Reference materials used as blanks")
    controls: list[int] = Field([], description="Reference materials used as controls")
    duplicates: list[int] = Field([], description="Analyses (of this worksheet) to run twice")


class WorksheetAnalysisOut(Schema):
    id: int
    kind: AnalysisKind
    status: AnalysisStatus
    label: str = Field(description="How the instrument file names it (sample number, material code, DUP-…)")
    sample: SampleBrief | None
    service: AnalysisServiceBrief
    reference_material: ReferenceMaterialBrief | None
    duplicate_of: int | None = Field(None, alias="duplicate_of_id")
    result: str
    value: Quantity
    censored: bool
    unit: str
    uncertainty: Quantity
    outcome: str
    qc_flags: list[str] = Field(description="Westgard rules and blank/duplicate findings of a QC result")
    submitted_by: UserBrief | None
    submitted_at: dt.datetime | None
    verifications_required: int
    verifications: int = Field(description="How many verifications it has")

    @staticmethod
    def resolve_label(obj: Any) -> str:
        return file_label(obj)

    @staticmethod
    def resolve_verifications(obj: Any) -> int:
        return len(obj.verifications.all())  # prefetched by the selector


class WorksheetRow(Schema):
    id: int
    number: str
    status: WorksheetStatus
    qc_status: QcStatus
    laboratory: OrgUnitBrief
    method: MethodBrief
    instrument: InstrumentBrief
    analyst: UserBrief
    created_at: dt.datetime


class WorksheetPage(Schema):
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[WorksheetRow]


class WorksheetOut(WorksheetRow):
    qc_summary: str
    created_by: UserBrief
    analyses: list[WorksheetAnalysisOut]

    @staticmethod
    def resolve_analyses(obj: Any) -> list[Any]:
        return list(selectors.worksheet_analyses(worksheet=obj))


# --- Turnaround ---


class TurnaroundOut(Schema):
    laboratory_code: str = Field(alias="laboratory__code")
    laboratory_name_zh: str = Field(alias="laboratory__name_zh")
    laboratory_name_en: str = Field(alias="laboratory__name_en")
    method_code: str = Field(alias="service__method__code")
    method_name_zh: str = Field(alias="service__method__name_zh")
    method_name_en: str = Field(alias="service__method__name_en")
    count: int = Field(description="Analyses verified in the period")
    mean_days: float | None = Field(description="Mean turnaround in working days")
    on_time: int = Field(description="Verified by their due date")
    on_time_share: float | None
