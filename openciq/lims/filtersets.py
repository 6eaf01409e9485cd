"""FilterSets of the laboratory: one per model, used by its list page and by the API (whose query
parameters are generated from them), so the two never filter differently.

Choices of related objects are limited to the user's area on the pages; the API validates ids
against every row and the scoped selector hides what the actor may not see.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openciq.accounts.models import OrgUnit, User, org_scope_q
from openciq.core.filtersets import OpenciqFilterSet
from openciq.lims.choices import (
    OPEN_SAMPLE_STATES,
    AnalysisStatus,
    DecisionRule,
    Outcome,
    Priority,
    QcStatus,
    ResultType,
    SampleStatus,
    WorksheetStatus,
)
from openciq.lims.models import (
    Analysis,
    AnalysisService,
    ControlChart,
    ImportMapping,
    Instrument,
    InstrumentCalibration,
    Method,
    ReferenceMaterial,
    Sample,
    Specification,
    Worksheet,
)
from openciq.masterdata.models import Country

# A whole sample number (``S2026000123``, a partition ``…-P1``, a retest ``…-R1``) is looked up by
# its unique index; anything else is a substring search.
WHOLE_SAMPLE_NUMBER = re.compile(r"S\d{10}(-[PR]\d+)*")
DATE_INPUT = forms.DateInput(attrs={"type": "date"})


def _user(request: Any) -> Any:
    return getattr(request, "user", None)


def _laboratories(request: Any) -> QuerySet[OrgUnit]:
    """The laboratories of the user's area (every laboratory for the API's validation)."""
    queryset = OrgUnit.objects.filter(kind="laboratory", is_active=True)
    user = _user(request)
    return queryset.filter(org_scope_q(user, "path")) if user is not None else queryset


def _scoped(model: Any) -> Any:
    def queryset(request: Any) -> QuerySet[Any]:
        user = _user(request)
        queryset: QuerySet[Any] = model.objects.in_scope(user) if user is not None else model.objects.all()
        return queryset

    return queryset


def _analysts(request: Any) -> QuerySet[User]:
    """People of the laboratories in the user's area."""
    queryset: QuerySet[User] = User.objects.filter(is_active=True, org_unit__kind="laboratory")
    user = _user(request)
    return queryset.filter(org_scope_q(user)) if user is not None else queryset


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _laboratory_filter() -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(queryset=_laboratories, label=_("laboratory"))


# --- Reference data ------------------------------------------------------------------------------


class MethodFilterSet(OpenciqFilterSet):
    search_fields = ("code", "name_zh", "name_en", "standard")
    laboratory = _laboratory_filter()

    class Meta:
        model = Method
        fields = ["q", "laboratory", "accredited", "is_active"]


class AnalysisServiceFilterSet(OpenciqFilterSet):
    search_fields = ("code", "name_zh", "name_en", "category")
    laboratory = _laboratory_filter()
    method = django_filters.ModelChoiceFilter(queryset=_scoped(Method), label=_("method"))
    result_type = django_filters.ChoiceFilter(choices=ResultType.choices, label=_("result type"))

    class Meta:
        model = AnalysisService
        fields = ["q", "laboratory", "method", "result_type", "accredited", "is_active"]


class SpecificationFilterSet(OpenciqFilterSet):
    search_fields = ("service__code", "service__name_zh", "hs_prefix", "source")
    service = django_filters.ModelChoiceFilter(queryset=_scoped(AnalysisService), label=_("analysis service"))
    destination = django_filters.ModelChoiceFilter(
        queryset=Country.objects.filter(is_active=True), label=_("destination")
    )
    decision_rule = django_filters.ChoiceFilter(choices=DecisionRule.choices, label=_("decision rule"))

    class Meta:
        model = Specification
        fields = ["q", "service", "destination", "decision_rule", "is_active"]


class InstrumentFilterSet(OpenciqFilterSet):
    search_fields = ("code", "name_zh", "name_en", "kind", "manufacturer", "model_name", "serial_number")
    laboratory = _laboratory_filter()
    qc_blocked = django_filters.BooleanFilter(method="filter_qc_blocked", label=_("blocked by QC"))

    class Meta:
        model = Instrument
        fields = ["q", "laboratory", "out_of_service", "qc_blocked", "is_active"]

    def filter_qc_blocked(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        return queryset.filter(qc_blocked_at__isnull=not value)


class InstrumentCalibrationFilterSet(OpenciqFilterSet):
    search_fields = ("certificate_number", "calibrated_by", "instrument__code")
    instrument = django_filters.ModelChoiceFilter(queryset=_scoped(Instrument), label=_("instrument"))
    valid_on = django_filters.DateFilter(method="filter_valid_on", label=_("valid on"), widget=DATE_INPUT)

    class Meta:
        model = InstrumentCalibration
        fields = ["q", "instrument", "valid_on"]

    def filter_valid_on(self, queryset: QuerySet[Any], name: str, value: dt.date) -> QuerySet[Any]:
        return queryset.filter(calibrated_on__lte=value, valid_until__gte=value)


class ReferenceMaterialFilterSet(OpenciqFilterSet):
    search_fields = ("code", "name_zh", "name_en", "lot")
    laboratory = _laboratory_filter()
    service = django_filters.ModelChoiceFilter(queryset=_scoped(AnalysisService), label=_("analysis service"))

    class Meta:
        model = ReferenceMaterial
        fields = ["q", "laboratory", "service", "is_blank", "is_active"]


class ControlChartFilterSet(OpenciqFilterSet):
    search_fields = ("service__code", "reference_material__code")
    service = django_filters.ModelChoiceFilter(queryset=_scoped(AnalysisService), label=_("analysis service"))
    reference_material = django_filters.ModelChoiceFilter(
        queryset=_scoped(ReferenceMaterial), label=_("reference material")
    )

    class Meta:
        model = ControlChart
        fields = ["q", "service", "reference_material"]


class ImportMappingFilterSet(OpenciqFilterSet):
    search_fields = ("code", "name_zh", "name_en")

    class Meta:
        model = ImportMapping
        fields = ["q", "is_active"]


# --- Workflow ------------------------------------------------------------------------------------


class SampleFilterSet(OpenciqFilterSet):
    search_fields = ("number", "description", "client_name")
    status = django_filters.ChoiceFilter(choices=SampleStatus.choices, label=_("status"))
    laboratory = _laboratory_filter()
    priority = django_filters.ChoiceFilter(choices=Priority.choices, label=_("priority"))
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices, label=_("outcome"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("overdue"))
    received_after = django_filters.DateFilter(
        method="filter_received_after", label=_("received on or after"), widget=DATE_INPUT
    )
    received_before = django_filters.DateFilter(
        method="filter_received_before", label=_("received on or before"), widget=DATE_INPUT
    )

    class Meta:
        model = Sample
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        number = value.strip().upper()
        if WHOLE_SAMPLE_NUMBER.fullmatch(number):
            return queryset.filter(number=number)
        return super().search(queryset, name, value)

    def filter_overdue(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        """Still being worked on and past the due date (the same test as the overdue worklist)."""
        late = Q(status__in=OPEN_SAMPLE_STATES, due_date__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_received_after(self, queryset: QuerySet[Any], name: str, value: dt.date) -> QuerySet[Any]:
        return queryset.filter(received_at__gte=_local_midnight(value))

    def filter_received_before(self, queryset: QuerySet[Any], name: str, value: dt.date) -> QuerySet[Any]:
        return queryset.filter(received_at__lt=_local_midnight(value + dt.timedelta(days=1)))


class AnalysisFilterSet(OpenciqFilterSet):
    q = None  # the sample number is the search
    status = django_filters.ChoiceFilter(choices=AnalysisStatus.choices, label=_("status"))
    laboratory = _laboratory_filter()
    service = django_filters.ModelChoiceFilter(queryset=_scoped(AnalysisService), label=_("analysis service"))
    analyst = django_filters.ModelChoiceFilter(queryset=_analysts, label=_("analyst"))
    # Worksheets are too many for a drop-down: the field takes the worksheet's id.
    worksheet = django_filters.ModelChoiceFilter(
        queryset=Worksheet.objects.all(),
        label=_("worksheet"),
        widget=forms.NumberInput(attrs={"min": 1}),
    )
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices, label=_("outcome"))
    sample = django_filters.CharFilter(
        field_name="sample__number", lookup_expr="startswith", label=_("sample number starts with")
    )

    class Meta:
        model = Analysis
        fields: list[str] = []


class WorksheetFilterSet(OpenciqFilterSet):
    search_fields = ("number",)
    status = django_filters.ChoiceFilter(choices=WorksheetStatus.choices, label=_("status"))
    qc_status = django_filters.ChoiceFilter(choices=QcStatus.choices, label=_("quality control"))
    method = django_filters.ModelChoiceFilter(queryset=_scoped(Method), label=_("method"))
    instrument = django_filters.ModelChoiceFilter(queryset=_scoped(Instrument), label=_("instrument"))
    analyst = django_filters.ModelChoiceFilter(queryset=_analysts, label=_("analyst"))

    class Meta:
        model = Worksheet
        fields: list[str] = []
