"""Forms of the laboratory: the reference data's model forms (the generic pages, imports and API
validate with them) and the workflow pages' forms."""

from __future__ import annotations

import codecs
from decimal import Decimal
from typing import Any

from django import forms
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from openciq.accounts.models import OrgUnit, org_scope_q
from openciq.core.forms import OpenciqModelForm
from openciq.lims import instrument_csv, units
from openciq.lims.choices import CustodyKind, Priority, ResultType
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

# --- Reference data

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def validate_unit(code: str) -> None:
    if code and not units.is_known(code):
        raise forms.ValidationError(_("Unknown unit %(unit)s."), params={"unit": code}, code="unknown_unit")


def unit_field(label: Any, *, required: bool = False) -> forms.CharField:
    """A unit code from the bureau's table (``units.UNITS``), picked from a list."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=16,
        validators=[validate_unit],
        widget=forms.Select(choices=[("", "---------"), *units.unit_choices()]),
    )


def verifications_field(*, required: bool, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=_("verifications required"), min_value=1, max_value=4, required=required, help_text=help_text
    )


class InstancesOrIdsField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Also takes model instances, as ``model_to_dict`` gives a many-to-many value (the API's
    PATCH and bulk edit start from it), not only the ids a browser posts."""

    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            value = [v.pk if isinstance(v, models.Model) else v for v in value]
        return super().clean(value)


class LaboratoryOwnedForm(OpenciqModelForm):
    """Base: ``laboratory`` offers only the active laboratories of the actor's area, and the
    objects it refers to must belong to the same laboratory."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("laboratory")
        if field is not None:
            queryset = OrgUnit.objects.filter(kind="laboratory").filter(
                Q(is_active=True) | Q(pk=self.instance.laboratory_id)
            )
            if self.actor is not None:
                queryset = queryset.filter(org_scope_q(self.actor, "path"))
            field.queryset = queryset  # type: ignore[attr-defined]

    def same_laboratory(self, field: str, objects: Any) -> None:
        laboratory = self.cleaned_data.get("laboratory")
        if laboratory is None:
            return
        for obj in objects:
            if obj is not None and obj.laboratory_id != laboratory.pk:
                self.add_error(field, _("%(object)s belongs to another laboratory.") % {"object": obj})
                return


def check_order(form: forms.BaseForm, low_field: str, high_field: str) -> None:
    """Refuse a lower limit above the upper one (the error goes to the upper limit)."""
    low, high = form.cleaned_data.get(low_field), form.cleaned_data.get(high_field)
    if low is not None and high is not None and low > high:
        form.add_error(high_field, _("The upper limit must not be below the lower limit."))


def check_not_negative(form: forms.BaseForm, *names: str) -> None:
    for name in names:
        value = form.cleaned_data.get(name)
        if value is not None and value < 0:
            form.add_error(name, _("Must not be negative."))


class MethodForm(LaboratoryOwnedForm):
    required_verifications = verifications_field(required=True)

    class Meta:
        model = Method
        fields = [
            "code",
            "name_zh",
            "name_en",
            "laboratory",
            "standard",
            "accredited",
            "required_verifications",
            "self_verification",
            "instructions",
            "description",
            "is_active",
        ]


class AnalysisServiceForm(LaboratoryOwnedForm):
    unit = unit_field(_("unit"))
    required_verifications = verifications_field(
        required=False, help_text=_("Leave empty to follow the method.")
    )

    class Meta:
        model = AnalysisService
        fields = [
            "code",
            "name_zh",
            "name_en",
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
            "duplicate_variation",
            "turnaround_days",
            "price",
            "accredited",
            "required_verifications",
            "description",
            "is_active",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.same_laboratory("method", [cleaned.get("method")])
        if cleaned.get("result_type") == ResultType.NUMERIC and not cleaned.get("unit"):
            self.add_error("unit", _("A numeric result needs a unit."))
        check_not_negative(
            self, "lod", "loq", "uncertainty_percent", "uncertainty_floor", "duplicate_variation"
        )
        lod, loq = cleaned.get("lod"), cleaned.get("loq")
        if lod is not None and loq is not None and lod > loq:
            self.add_error("loq", _("The limit of quantification must not be below the limit of detection."))
        return cleaned


class SpecificationForm(OpenciqModelForm):
    class Meta:
        model = Specification
        fields = [
            "service",
            "hs_prefix",
            "destination",
            "low",
            "high",
            "decision_rule",
            "source",
            "is_active",
        ]

    def clean_hs_prefix(self) -> str:
        prefix = str(self.cleaned_data.get("hs_prefix") or "").strip()
        if prefix and not prefix.isdigit():
            raise forms.ValidationError(_("Digits of an HS code only."))
        return prefix

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        check_order(self, "low", "high")
        service = cleaned.get("service")
        low, high = cleaned.get("low"), cleaned.get("high")
        if service is not None and service.result_type == ResultType.NUMERIC and low is None and high is None:
            self.add_error("high", _("Give a lower or an upper limit."))
        if service is not None and cleaned.get("destination") is None and "hs_prefix" in cleaned:
            # The unique constraint does not hold for an empty destination (NULLs are distinct).
            twins = Specification.objects.filter(
                service=service, hs_prefix=cleaned["hs_prefix"], destination__isnull=True
            ).exclude(pk=self.instance.pk)
            if twins.exists():
                self.add_error(
                    "destination", _("This analysis already has a limit for these goods and any destination.")
                )
        return cleaned


class InstrumentForm(LaboratoryOwnedForm):
    methods = InstancesOrIdsField(queryset=Method.objects.all(), required=False, label=_("methods"))
    range_unit = unit_field(_("unit of the measuring range"))

    class Meta:
        model = Instrument
        fields = [
            "code",
            "name_zh",
            "name_en",
            "laboratory",
            "kind",
            "manufacturer",
            "model_name",
            "serial_number",
            "methods",
            "range_low",
            "range_high",
            "range_unit",
            "out_of_service",
            "description",
            "is_active",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.same_laboratory("methods", cleaned.get("methods") or [])
        check_order(self, "range_low", "range_high")
        return cleaned


class InstrumentCalibrationForm(OpenciqModelForm):
    class Meta:
        model = InstrumentCalibration
        fields = [
            "instrument",
            "certificate_number",
            "calibrated_by",
            "calibrated_on",
            "valid_until",
            "notes",
        ]
        widgets = {"calibrated_on": DATE, "valid_until": DATE}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("calibrated_on"), cleaned.get("valid_until")
        if start is not None and end is not None and end < start:
            self.add_error("valid_until", _("A calibration cannot end before the day it was made."))
        return cleaned


class ReferenceMaterialForm(LaboratoryOwnedForm):
    class Meta:
        model = ReferenceMaterial
        fields = [
            "code",
            "name_zh",
            "name_en",
            "laboratory",
            "service",
            "is_blank",
            "lot",
            "certified_value",
            "certified_uncertainty",
            "expires_on",
            "description",
            "is_active",
        ]
        widgets = {"expires_on": DATE}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.same_laboratory("service", [cleaned.get("service")])
        check_not_negative(self, "certified_uncertainty")
        return cleaned


class ControlChartForm(OpenciqModelForm):
    class Meta:
        model = ControlChart
        fields = ["service", "reference_material", "mean", "sd", "established_on", "notes"]
        widgets = {"established_on": DATE}

    def clean_sd(self) -> Decimal:
        sd: Decimal = self.cleaned_data["sd"]
        if sd <= 0:
            raise forms.ValidationError(_("The standard deviation must be above zero."))
        return sd

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        service, material = cleaned.get("service"), cleaned.get("reference_material")
        if material is not None and material.is_blank:
            self.add_error("reference_material", _("A blank has no control chart."))
        elif service is not None and material is not None and material.service_id != service.pk:
            self.add_error(
                "reference_material",
                _("%(material)s is a reference material for %(service)s.")
                % {"material": material.code, "service": material.service.code},
            )
        return cleaned


class ImportMappingForm(OpenciqModelForm):
    # A tab is a delimiter: not stripped away.
    delimiter = forms.CharField(label=_("delimiter"), max_length=1, strip=False, initial=",")

    class Meta:
        model = ImportMapping
        fields = [
            "code",
            "name_zh",
            "name_en",
            "sample_column",
            "keyword_column",
            "result_column",
            "unit_column",
            "delimiter",
            "encoding",
            "skip_lines",
            "decimal_comma",
            "description",
            "is_active",
        ]

    def clean_delimiter(self) -> str:
        delimiter = str(self.cleaned_data["delimiter"])
        if delimiter in '\r\n"':
            raise forms.ValidationError(_("This character cannot separate columns."))
        return delimiter

    def clean_encoding(self) -> str:
        encoding = str(self.cleaned_data["encoding"]).strip()
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise forms.ValidationError(
                _("Unknown encoding %(encoding)s."), params={"encoding": encoding}
            ) from None
        return encoding

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        columns = [cleaned.get(name) for name in ("sample_column", "keyword_column", "result_column")]
        if all(columns) and not self.errors:
            try:
                instrument_csv.ColumnMapping(
                    sample_column=str(cleaned["sample_column"]),
                    keyword_column=str(cleaned["keyword_column"]),
                    result_column=str(cleaned["result_column"]),
                    unit_column=str(cleaned.get("unit_column") or ""),
                    delimiter=str(cleaned["delimiter"]),
                    encoding=str(cleaned["encoding"]),
                    skip_lines=int(cleaned.get("skip_lines") or 0),
                    decimal_comma=bool(cleaned.get("decimal_comma")),
                )
            except ValueError:
                self.add_error(None, _("Each mapped column must be a different column."))
        return cleaned


# --- Workflow
# (workflow forms: the pages of samples, analyses and worksheets; choices come from the views'
# selectors, so every list offered is already scoped to the user)


class ServicesField(forms.ModelMultipleChoiceField):
    """Analysis services as check boxes, named by laboratory when several are offered."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Any) -> str:
        unit = f" ({obj.unit})" if obj.unit else ""
        return f"{obj.laboratory.code} · {obj.code} {obj.name}{unit}"


class SampleRegisterForm(forms.Form):
    laboratory = forms.ModelChoiceField(label=_("laboratory"), queryset=None)
    description = forms.CharField(label=_("sample"), max_length=200)
    client_name = forms.CharField(label=_("client name"), max_length=200, required=False)
    hs_code = forms.CharField(label=_("HS code"), max_length=10, required=False)
    destination = forms.ModelChoiceField(label=_("destination"), queryset=None, required=False)
    priority = forms.ChoiceField(label=_("priority"), choices=Priority.choices, initial=Priority.NORMAL)
    quantity = forms.CharField(label=_("quantity"), max_length=60, required=False)
    date_sampled = forms.DateField(label=_("date sampled"), required=False, widget=DATE)
    tests_requested = forms.CharField(
        label=_("tests requested"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    services = ServicesField(label=_("analyses"), queryset=None, required=False)

    def __init__(self, *args: Any, laboratories: Any, services: Any, countries: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["laboratory"].queryset = laboratories  # type: ignore[attr-defined]
        self.fields["services"].queryset = services  # type: ignore[attr-defined]
        self.fields["destination"].queryset = countries  # type: ignore[attr-defined]


class SampleReceiveForm(forms.Form):
    services = ServicesField(label=_("analyses"), queryset=None, required=False)
    storage_location = forms.CharField(label=_("storage location"), max_length=100, required=False)
    condition = forms.CharField(label=_("condition on receipt"), max_length=200, required=False)

    def __init__(self, *args: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = services  # type: ignore[attr-defined]


class PartitionPartForm(forms.Form):
    """One part of a partition (an empty part is left out)."""

    laboratory = forms.ModelChoiceField(label=_("laboratory"), queryset=None, required=False)
    services = ServicesField(
        label=_("analyses"), queryset=None, required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    description = forms.CharField(label=_("description of the part"), max_length=200, required=False)

    def __init__(self, *args: Any, laboratories: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["laboratory"].queryset = laboratories  # type: ignore[attr-defined]
        self.fields["services"].queryset = services  # type: ignore[attr-defined]

    def is_empty(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("laboratory") and not data.get("services")


class LabReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


class CustodyForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("event"),
        choices=[
            (k.value, k.label)
            for k in (CustodyKind.TRANSFERRED, CustodyKind.STORED, CustodyKind.RETURNED, CustodyKind.DISPOSED)
        ],
    )
    holder = forms.ModelChoiceField(
        label=_("handed over to"), queryset=None, required=False, help_text=_("Only for a hand-over.")
    )
    location = forms.CharField(label=_("location"), max_length=100, required=False)
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args: Any, holders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = holders  # type: ignore[attr-defined]


class ResultForm(forms.Form):
    """A result typed for one analysis: the number (or "<0.01", "ND", detected / not detected),
    its unit (the service's preselected) and, off a worksheet, the instrument."""

    result = forms.CharField(label=_("result"), max_length=40)
    unit = forms.ChoiceField(label=_("unit"), required=False)
    instrument = forms.ModelChoiceField(label=_("instrument"), queryset=None, required=False)

    def __init__(self, *args: Any, unit: str = "", instruments: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"unit": unit})
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—"), *units.unit_choices()]  # type: ignore[attr-defined]
        if instruments is None:
            del self.fields["instrument"]
        else:
            self.fields["instrument"].queryset = instruments  # type: ignore[attr-defined]


class AnalysisChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Any) -> str:
        due = f" · {obj.due_date:%Y-%m-%d}" if obj.due_date else ""
        return f"{obj.sample.number} · {obj.service.code}{due}"


class MaterialChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name} · {obj.service.code}"


class WorksheetForm(forms.Form):
    """Plan a run of one method: instrument, analyst, the analyses waiting, blanks, controls and
    duplicates. Without a method it asks for one first."""

    method = forms.ModelChoiceField(label=_("method"), queryset=None)
    instrument = forms.ModelChoiceField(label=_("instrument"), queryset=None)
    analyst = forms.ModelChoiceField(label=_("analyst"), queryset=None)
    analyses = AnalysisChoiceField(label=_("analyses"), queryset=None)
    blanks = MaterialChoiceField(label=_("blanks"), queryset=None, required=False)
    controls = MaterialChoiceField(label=_("controls"), queryset=None, required=False)
    duplicates = AnalysisChoiceField(
        label=_("duplicates"), queryset=None, required=False, help_text=_("Analyses to run twice.")
    )

    def __init__(
        self, *args: Any, methods: Any, choices: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["method"].queryset = methods  # type: ignore[attr-defined]
        if choices is None:
            for name in ("instrument", "analyst", "analyses", "blanks", "controls", "duplicates"):
                del self.fields[name]
            return
        self.fields["method"].widget = forms.HiddenInput()
        for name, queryset in choices.items():
            self.fields[name].queryset = queryset  # type: ignore[attr-defined]
        self.fields["duplicates"].queryset = choices["analyses"]  # type: ignore[attr-defined]


class ResultsImportForm(forms.Form):
    mapping = forms.ModelChoiceField(label=_("import mapping"), queryset=None)
    file = forms.FileField(label=_("instrument file (CSV)"))

    def __init__(self, *args: Any, mappings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mapping"].queryset = mappings  # type: ignore[attr-defined]
        self.fields["file"].widget.attrs["accept"] = ".csv,.txt"


class InstrumentReleaseForm(forms.Form):
    note = forms.CharField(label=_("corrective action taken"), widget=forms.Textarea(attrs={"rows": 2}))


class TurnaroundForm(forms.Form):
    since = forms.DateField(label=_("period from"), widget=DATE)
    until = forms.DateField(label=_("period to"), widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end of the period is before its start."))
        return data
