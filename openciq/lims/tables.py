"""Tables of the laboratory's reference data (django-tables2): the generic list pages and their
CSV/Excel exports."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from openciq.core.tables import OpenciqTable
from openciq.lims.models import (
    AnalysisService,
    ControlChart,
    ImportMapping,
    Instrument,
    InstrumentCalibration,
    Method,
    ReferenceMaterial,
    Specification,
)


def _link(model_name: str) -> tuple[str, dict[str, tables.A]]:
    return (f"lims:{model_name}_detail", {"pk": tables.A("pk")})


NAME = {"verbose_name": _("name"), "accessor": "name", "order_by": ("name_zh",)}


def _laboratory() -> tables.Column:
    return tables.Column(accessor="laboratory__code", verbose_name=_("laboratory"))


class MethodTable(OpenciqTable):
    code = tables.Column(linkify=_link("method"))
    name = tables.Column(**NAME)
    laboratory = _laboratory()

    class Meta(OpenciqTable.Meta):
        model = Method
        fields = (
            "pk",
            "code",
            "name",
            "standard",
            "laboratory",
            "accredited",
            "required_verifications",
            "self_verification",
            "is_active",
        )


class AnalysisServiceTable(OpenciqTable):
    code = tables.Column(linkify=_link("analysisservice"))
    name = tables.Column(**NAME)
    laboratory = _laboratory()
    method = tables.Column(accessor="method__code", verbose_name=_("method"))

    class Meta(OpenciqTable.Meta):
        model = AnalysisService
        fields = (
            "pk",
            "code",
            "name",
            "laboratory",
            "method",
            "category",
            "result_type",
            "unit",
            "lod",
            "loq",
            "turnaround_days",
            "accredited",
            "is_active",
        )


class SpecificationTable(OpenciqTable):
    id = tables.Column(linkify=_link("specification"), verbose_name="#")
    service = tables.Column(accessor="service__code", verbose_name=_("analysis service"))
    destination = tables.Column(accessor="destination__code", verbose_name=_("destination"))
    unit = tables.Column(accessor="service__unit", verbose_name=_("unit"), orderable=False)

    class Meta(OpenciqTable.Meta):
        model = Specification
        fields = (
            "pk",
            "id",
            "service",
            "hs_prefix",
            "destination",
            "low",
            "high",
            "unit",
            "decision_rule",
            "source",
            "is_active",
        )


class InstrumentTable(OpenciqTable):
    code = tables.Column(linkify=_link("instrument"))
    name = tables.Column(**NAME)
    laboratory = _laboratory()

    class Meta(OpenciqTable.Meta):
        model = Instrument
        fields = (
            "pk",
            "code",
            "name",
            "laboratory",
            "kind",
            "manufacturer",
            "model_name",
            "serial_number",
            "out_of_service",
            "qc_blocked_at",
            "is_active",
        )


class InstrumentCalibrationTable(OpenciqTable):
    certificate_number = tables.Column(linkify=_link("instrumentcalibration"))
    instrument = tables.Column(accessor="instrument__code", verbose_name=_("instrument"))

    class Meta(OpenciqTable.Meta):
        model = InstrumentCalibration
        fields = ("pk", "certificate_number", "instrument", "calibrated_by", "calibrated_on", "valid_until")


class ReferenceMaterialTable(OpenciqTable):
    code = tables.Column(linkify=_link("referencematerial"))
    name = tables.Column(**NAME)
    laboratory = _laboratory()
    service = tables.Column(accessor="service__code", verbose_name=_("analysis service"))

    class Meta(OpenciqTable.Meta):
        model = ReferenceMaterial
        fields = (
            "pk",
            "code",
            "name",
            "laboratory",
            "service",
            "is_blank",
            "lot",
            "certified_value",
            "certified_uncertainty",
            "expires_on",
            "is_active",
        )


class ControlChartTable(OpenciqTable):
    id = tables.Column(linkify=_link("controlchart"), verbose_name="#")
    service = tables.Column(accessor="service__code", verbose_name=_("analysis service"))
    reference_material = tables.Column(
        accessor="reference_material__code", verbose_name=_("reference material")
    )

    class Meta(OpenciqTable.Meta):
        model = ControlChart
        fields = ("pk", "id", "service", "reference_material", "mean", "sd", "established_on")


class ImportMappingTable(OpenciqTable):
    code = tables.Column(linkify=_link("importmapping"))
    name = tables.Column(**NAME)

    class Meta(OpenciqTable.Meta):
        model = ImportMapping
        fields = (
            "pk",
            "code",
            "name",
            "sample_column",
            "keyword_column",
            "result_column",
            "unit_column",
            "encoding",
            "is_active",
        )
