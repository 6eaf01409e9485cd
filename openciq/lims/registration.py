"""What the laboratory subsystem puts in the registry (called from ``AppConfig.ready``)."""

from importlib import import_module
from typing import Any

from django.utils.translation import gettext_lazy as _

from openciq.accounts.choices import Role
from openciq.core.registry import MenuItem, ObjectType, Section, Seeder, Widget, registry

REFERENCE = (
    "method",
    "analysisservice",
    "specification",
    "instrument",
    "instrumentcalibration",
    "referencematerial",
    "controlchart",
    "importmapping",
)
VIEW_ALL = [
    *(f"lims.view_{m}" for m in REFERENCE),
    "lims.view_sample",
    "lims.view_analysis",
    "lims.view_worksheet",
    "lims.view_report",
    "lims.view_custodyevent",
]
RECEPTION = [
    "lims.add_sample",
    "lims.receive_sample",
    "lims.reject_sample",
    "lims.partition_sample",
    "lims.custody_sample",
]
ANALYSIS = ["lims.submit_analysis", "lims.verify_analysis", "lims.custody_sample"]
HEAD = [
    *RECEPTION,
    *ANALYSIS,
    "lims.manage_worksheet",
    "lims.retract_analysis",
    "lims.retract_worksheet",
    "lims.publish_sample",
    "lims.invalidate_sample",
    *(f"lims.{action}_{m}" for m in REFERENCE for action in ("add", "change", "delete")),
]
# Laboratory staff read the calendar their due dates come from and the requests sent to them.
LAB_SHARED = [
    "masterdata.view_calendarday",
    "declarations.view_samplerequest",
    "declarations.record_result_samplerequest",
]


def register() -> None:
    from openciq.declarations import sampling
    from openciq.lims.services import LaboratoryHandler

    sampling.register_handler(LaboratoryHandler())
    registry.register_section(Section("lims", _("Laboratories"), order=35, icon="flask"))
    register_reference_types()
    registry.register_api_router("lims", "openciq.lims.api.build")
    registry.register_seeder(Seeder("lims", import_module("openciq.lims.seed").seed, order=60))
    for order, (label, url_name, permission) in enumerate(
        [
            (_("My worklist"), "lims:worklist", "lims.view_sample"),
            (_("Samples"), "lims:sample_list", "lims.view_sample"),
            (_("Analyses"), "lims:analysis_list", "lims.view_analysis"),
            (_("Worksheets"), "lims:worksheet_list", "lims.view_worksheet"),
            (_("Turnaround"), "lims:turnaround", "lims.view_analysis"),
        ]
    ):
        registry.register_menu_item(MenuItem("lims", label, url_name, permission, order=order))
    from openciq.lims.widgets import laboratory_work

    registry.register_widget(Widget("lims.laboratory_work", laboratory_work, order=15))
    registry.register_role_permissions(
        {
            Role.SYSTEM_ADMIN: [
                *VIEW_ALL,
                *(f"lims.{action}_{m}" for m in REFERENCE for action in ("add", "change", "delete")),
                "lims.change_instrument",
                *(f"masterdata.{action}_calendarday" for action in ("view", "add", "change", "delete")),
            ],
            Role.BUREAU_LEADER: [*VIEW_ALL, "masterdata.view_calendarday"],
            Role.LAB_RECEPTIONIST: [*VIEW_ALL, *RECEPTION, *LAB_SHARED],
            Role.LAB_ANALYST: [*VIEW_ALL, *ANALYSIS, *LAB_SHARED],
            Role.LAB_SUPERVISOR: [*VIEW_ALL, *HEAD, *LAB_SHARED],
            Role.HOTLINE_DISPATCHER: ["masterdata.view_calendarday"],
        }
    )


def register_reference_types() -> None:
    """The laboratory's reference data, edited through the generic pages and API."""
    from openciq.lims import filtersets, forms, schemas, tables
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

    names = ("code", "name_zh", "name_en")
    common: dict[str, Any] = {"section": "lims"}
    registry.register_object_type(
        ObjectType(
            model=Method,
            filterset=filtersets.MethodFilterSet,
            table=tables.MethodTable,
            form=forms.MethodForm,
            schema_in=schemas.MethodIn,
            schema_patch=schemas.MethodPatch,
            schema_out=schemas.MethodOut,
            path="methods",
            search_fields=(*names, "standard"),
            bulk_edit_fields=("required_verifications",),
            import_fields=(*names, "laboratory", "standard", "accredited", "required_verifications"),
            natural_keys={"laboratory": "code"},
            select_related=("laboratory",),
            ordering=("code", "standard"),
            **common,
        )
    )
    registry.register_object_type(
        ObjectType(
            model=AnalysisService,
            filterset=filtersets.AnalysisServiceFilterSet,
            table=tables.AnalysisServiceTable,
            form=forms.AnalysisServiceForm,
            schema_in=schemas.AnalysisServiceIn,
            schema_patch=schemas.AnalysisServicePatch,
            schema_out=schemas.AnalysisServiceOut,
            path="analysis-services",
            search_fields=(*names, "category"),
            bulk_edit_fields=("category", "turnaround_days", "price"),
            import_fields=(
                *names,
                "laboratory",
                "method",
                "category",
                "result_type",
                "unit",
                "precision",
                "lod",
                "loq",
                "uncertainty_percent",
                "uncertainty_floor",
                "turnaround_days",
                "price",
                "accredited",
            ),
            natural_keys={"laboratory": "code", "method": "code"},
            select_related=("laboratory", "method"),
            ordering=("code", "category", "turnaround_days"),
            **common,
        )
    )
    registry.register_object_type(
        ObjectType(
            model=Specification,
            filterset=filtersets.SpecificationFilterSet,
            table=tables.SpecificationTable,
            form=forms.SpecificationForm,
            schema_in=schemas.SpecificationIn,
            schema_patch=schemas.SpecificationPatch,
            schema_out=schemas.SpecificationOut,
            path="specifications",
            bulk_edit_fields=("decision_rule", "source"),
            import_fields=("service", "hs_prefix", "destination", "low", "high", "decision_rule", "source"),
            natural_keys={"service": "code", "destination": "code"},
            select_related=("service", "destination"),
            ordering=("id", "hs_prefix"),
            **common,
        )
    )
    registry.register_object_type(
        ObjectType(
            model=Instrument,
            filterset=filtersets.InstrumentFilterSet,
            table=tables.InstrumentTable,
            form=forms.InstrumentForm,
            schema_in=schemas.InstrumentIn,
            schema_patch=schemas.InstrumentPatch,
            schema_out=schemas.InstrumentOut,
            path="instruments",
            search_fields=(*names, "serial_number"),
            bulk_edit_fields=("kind", "manufacturer"),
            import_fields=(
                *names,
                "laboratory",
                "kind",
                "manufacturer",
                "model_name",
                "serial_number",
                "range_low",
                "range_high",
                "range_unit",
            ),
            natural_keys={"laboratory": "code"},
            select_related=("laboratory",),
            prefetch_related=("methods",),
            ordering=("code", "kind"),
            **common,
        )
    )
    registry.register_object_type(
        ObjectType(
            model=InstrumentCalibration,
            filterset=filtersets.InstrumentCalibrationFilterSet,
            table=tables.InstrumentCalibrationTable,
            form=forms.InstrumentCalibrationForm,
            schema_in=schemas.InstrumentCalibrationIn,
            schema_patch=schemas.InstrumentCalibrationPatch,
            schema_out=schemas.InstrumentCalibrationOut,
            path="calibrations",
            search_fields=("certificate_number",),
            bulk_edit_fields=("calibrated_by",),
            import_fields=(
                "instrument",
                "certificate_number",
                "calibrated_by",
                "calibrated_on",
                "valid_until",
            ),
            natural_keys={"instrument": "code"},
            select_related=("instrument",),
            ordering=("valid_until", "calibrated_on"),
            **common,
        )
    )
    registry.register_object_type(
        ObjectType(
            model=ReferenceMaterial,
            filterset=filtersets.ReferenceMaterialFilterSet,
            table=tables.ReferenceMaterialTable,
            form=forms.ReferenceMaterialForm,
            schema_in=schemas.ReferenceMaterialIn,
            schema_patch=schemas.ReferenceMaterialPatch,
            schema_out=schemas.ReferenceMaterialOut,
            path="reference-materials",
            search_fields=(*names, "lot"),
            bulk_edit_fields=("lot", "expires_on"),
            import_fields=(
                *names,
                "laboratory",
                "service",
                "is_blank",
                "lot",
                "certified_value",
                "certified_uncertainty",
                "expires_on",
            ),
            natural_keys={"laboratory": "code", "service": "code"},
            select_related=("laboratory", "service"),
            ordering=("code", "expires_on"),
            **common,
        )
    )
    registry.register_object_type(
        ObjectType(
            model=ControlChart,
            filterset=filtersets.ControlChartFilterSet,
            table=tables.ControlChartTable,
            form=forms.ControlChartForm,
            schema_in=schemas.ControlChartIn,
            schema_patch=schemas.ControlChartPatch,
            schema_out=schemas.ControlChartOut,
            path="control-charts",
            bulk_edit_fields=("established_on",),
            import_fields=("service", "reference_material", "mean", "sd", "established_on"),
            natural_keys={"service": "code", "reference_material": "code"},
            select_related=("service", "reference_material"),
            ordering=("id", "established_on"),
            **common,
        )
    )
    registry.register_object_type(
        ObjectType(
            model=ImportMapping,
            filterset=filtersets.ImportMappingFilterSet,
            table=tables.ImportMappingTable,
            form=forms.ImportMappingForm,
            schema_in=schemas.ImportMappingIn,
            schema_patch=schemas.ImportMappingPatch,
            schema_out=schemas.ImportMappingOut,
            path="import-mappings",
            search_fields=names,
            bulk_edit_fields=("encoding",),
            import_fields=(
                *names,
                "sample_column",
                "keyword_column",
                "result_column",
                "unit_column",
                "delimiter",
                "encoding",
                "skip_lines",
            ),
            ordering=("code",),
            **common,
        )
    )
