"""API schemas of the declarations app (no ``from __future__ import annotations``: ninja reads
the annotations at run time)."""

import datetime as dt
import decimal
from typing import Any

from ninja import Field, Schema

from openciq.core.api import Brief, InSchema


class EnterpriseBrief(Schema):
    id: int
    uscc: str
    name: str


class UserBrief(Schema):
    id: int
    username: str
    display_name: str


class DeclarationLineIn(InSchema):
    product: int
    hs_code: str = Field("", description="6, 8 or 10 digits within the product's HS code; defaults to it")
    description: str
    quantity: decimal.Decimal
    unit: str = Field(..., description="UN/ECE Rec. 20 code: KGM, TNE, H87, HEA, LTR, MTQ, CT")
    net_weight_kg: decimal.Decimal
    value_usd: decimal.Decimal
    origin_premises: int | None = Field(None, description="required for HS chapters 01-14")
    lot: str = ""


class DeclarationIn(InSchema):
    enterprise: int
    port: int = Field(..., description="port of exit")
    destination: int = Field(..., description="destination country id")
    transport_mode: str = Field(..., description="UN/ECE Rec. 19: 1 sea, 2 rail, 3 road, 4 air")
    containers: list[str] = Field([], description="ISO 6346 container numbers")
    means_of_transport: str = ""
    contract_ref: str = ""
    invoice_ref: str = ""
    planned_shipment_date: dt.date
    consignee_name: str = ""
    consignee_address: str = ""
    certificate_kind: str = Field("", description="phytosanitary, health, conformity or empty")
    lines: list[DeclarationLineIn]


class DeclarationLineOut(Schema):
    line_no: int
    product: Brief
    hs_code: str
    description: str
    quantity: decimal.Decimal
    unit: str
    net_weight_kg: decimal.Decimal
    value_usd: decimal.Decimal
    origin_premises: int | None = Field(None, alias="origin_premises_id")
    lot: str

    @staticmethod
    def resolve_product(obj: Any) -> dict[str, Any]:
        return {"id": obj.product.pk, "code": obj.product.hs_code, "name": obj.product.name}


class AttachmentOut(Schema):
    id: int
    title: str
    filename: str
    created_at: dt.datetime

    @staticmethod
    def resolve_filename(obj: Any) -> str:
        return str(obj.file.name.rsplit("/", 1)[-1])


class DeclarationBrief(Schema):
    id: int
    number: str
    status: str


class DeclarationOut(Schema):
    id: int
    number: str
    status: str
    status_changed_at: dt.datetime | None
    enterprise: EnterpriseBrief
    org_unit: Brief
    port: Brief
    destination: Brief
    transport_mode: str
    containers: list[str]
    means_of_transport: str
    contract_ref: str
    invoice_ref: str
    planned_shipment_date: dt.date
    consignee_name: str
    consignee_address: str
    certificate_kind: str
    total_value_usd: decimal.Decimal
    total_net_weight_kg: decimal.Decimal
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    inspection_mode: str
    conformity: str
    disposal: str
    decision_reasons: str
    lines: list[DeclarationLineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())


class DeclarationRow(Schema):
    """A declaration in a list (no lines)."""

    id: int
    number: str
    status: str
    status_changed_at: dt.datetime | None
    enterprise: EnterpriseBrief
    port: Brief
    destination: Brief
    total_value_usd: decimal.Decimal
    submitted_at: dt.datetime | None
    inspection_mode: str


class DeclarationList(Schema):
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[DeclarationRow]


class ReasonIn(InSchema):
    reason: str


class DecideIn(InSchema):
    conformity: str = Field(..., description="conform or not_conform")
    reasons: str = ""
    disposal: str = Field("", description="rework, destroy or return (required when not conform)")


class FactorOut(Schema):
    key: str
    detail: dict[str, Any]
    points: int


class RiskDecisionOut(Schema):
    rule_version: int
    inputs: dict[str, Any]
    factors: list[FactorOut]
    score: int
    band: str
    physical_rate: float
    sampling_rate: float
    draw: float
    mode: str
    decided_at: dt.datetime
    replay_matches: bool


class TransitionOut(Schema):
    verb: str
    from_status: str
    to_status: str
    actor: str
    at: dt.datetime
    reason: str

    @staticmethod
    def resolve_actor(obj: Any) -> str:
        return str(obj.actor.get_username())


class ReleaseOut(Schema):
    number: str
    released_at: dt.datetime
    electronic: bool


class ChecklistItem(InSchema):
    item: str
    result: str = Field(..., description="ok, not_ok or na")
    note: str = ""


class OrderOut(Schema):
    id: int
    declaration: DeclarationBrief
    kind: str
    port: Brief
    assigned_to: UserBrief | None
    status: str
    status_changed_at: dt.datetime
    checklist: list[dict[str, Any]]
    findings: str
    result: str
    completed_at: dt.datetime | None


class OrderList(Schema):
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[OrderOut]


class AssignIn(InSchema):
    inspector: int


class RecordIn(InSchema):
    checklist: list[ChecklistItem]
    findings: str = ""


class CompleteIn(InSchema):
    result: str = Field(..., description="conform or not_conform")
    findings: str = ""


class SampleRequestIn(InSchema):
    laboratory: int
    sample_description: str
    tests: str
    line: int | None = None


class SampleRequestOut(Schema):
    id: int
    declaration: DeclarationBrief
    order: int = Field(..., alias="order_id")
    line: int | None = Field(None, alias="line_id")
    laboratory: Brief
    sample_description: str
    tests: str
    status: str
    external_ref: str
    result: str
    result_summary: str
    reported_at: dt.datetime | None


class SampleList(Schema):
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[SampleRequestOut]


class SampleResultIn(InSchema):
    result: str = Field(..., description="conform or not_conform")
    result_summary: str
    external_ref: str = ""


class RuleSetIn(InSchema):
    params: dict[str, Any]
    note: str = ""


class RuleSetOut(Schema):
    id: int
    version: int
    status: str
    params: dict[str, Any]
    note: str
    activated_at: dt.datetime | None


class RiskSignalIn(InSchema):
    source: str
    reference: str
    title: str
    points: int
    enterprise: int | None = None
    hs_prefix: str = ""
    destination: int | None = None


class RiskSignalCloseIn(InSchema):
    source: str
    reference: str


class RiskSignalOut(Schema):
    id: int
    source: str
    reference: str
    title: str
    enterprise: int | None = Field(None, alias="enterprise_id")
    hs_prefix: str
    destination: int | None = Field(None, alias="destination_id")
    points: int
    opened_at: dt.datetime
    closed_at: dt.datetime | None


class CertificateOut(Schema):
    id: int
    number: str
    kind: str
    direction: str
    status: str
    declaration: DeclarationBrief | None
    replaces: str | None = None
    replaced_by: str | None = None
    issued_at: dt.datetime
    valid_until: dt.date | None
    key_id: str
    status_reason: str
    verify_url: str | None = None
    data: dict[str, Any]

    @staticmethod
    def resolve_replaces(obj: Any) -> str | None:
        return obj.replaces.number if obj.replaces_id else None

    @staticmethod
    def resolve_replaced_by(obj: Any) -> str | None:
        replaced_by = getattr(obj, "replaced_by", None)
        return replaced_by.number if replaced_by is not None else None


class CertificateList(Schema):
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[CertificateOut]


class CertificateIssueIn(InSchema):
    kind: str = Field(..., description="phytosanitary, health or conformity")


class VerificationOut(Schema):
    valid: bool
    reason: str
    message: str
    key_id: str | None = None
    certificate_number: str | None = None
    certificate_status: str | None = Field(None, description="valid, replaced or revoked, when it is ours")
