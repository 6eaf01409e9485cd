"""Forms: they validate declaration data for the pages and, inside the services, for the API."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from openciq.declarations.choices import (
    CertificateKind,
    ChecklistResult,
    Conformity,
    Disposal,
    SampleResult,
)
from openciq.declarations.models import Declaration, DeclarationLine
from openciq.declarations.risk import RuleParams
from openciq.declarations.validators import normalise_container
from openciq.masterdata.models import Country, Enterprise, Port, Premises, Product

# HS chapters 01-14: live animals, animal and vegetable products. Their lines must name the farm,
# planting base or packing house they come from, so the batch can be traced.
ORIGIN_REQUIRED_CHAPTERS = frozenset(f"{n:02d}" for n in range(1, 15))


def _choices(form: forms.BaseForm, name: str, queryset: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


def product_needs_origin(product: Product) -> bool:
    return product.hs_code[:2] in ORIGIN_REQUIRED_CHAPTERS


class ContainerListField(forms.Field):
    """ISO 6346 container numbers: a list (API) or text separated by commas or new lines (page)."""

    widget = forms.Textarea(attrs={"rows": 2})

    def to_python(self, value: Any) -> list[str]:
        if value in (None, "", []):
            return []
        items = value if isinstance(value, list) else re.split(r"[\s,;，；]+", str(value).strip())
        result, errors = [], []
        for item in items:
            if not isinstance(item, str) or not item.strip():
                continue
            try:
                result.append(normalise_container(item.strip()))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        if len(set(result)) != len(result):
            raise ValidationError(_("A container number is listed twice."), code="duplicate")
        return result

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith("["):
            try:
                value = json.loads(value)
            except ValueError:
                return value
        return "\n".join(value) if isinstance(value, list) else value


class DeclarationForm(forms.ModelForm):  # type: ignore[type-arg]
    containers = ContainerListField(label=_("container numbers"), required=False)

    class Meta:
        model = Declaration
        fields = [
            "enterprise",
            "port",
            "destination",
            "transport_mode",
            "containers",
            "means_of_transport",
            "contract_ref",
            "invoice_ref",
            "planned_shipment_date",
            "consignee_name",
            "consignee_address",
            "certificate_kind",
        ]
        widgets = {"planned_shipment_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "enterprise", Enterprise.objects.in_scope(actor).filter(is_active=True))
        _choices(self, "port", Port.objects.filter(is_active=True))
        _choices(self, "destination", Country.objects.filter(is_active=True))


class DeclarationLineForm(forms.ModelForm):  # type: ignore[type-arg]
    hs_code = forms.CharField(label=_("HS code"), max_length=10, required=False)

    class Meta:
        model = DeclarationLine
        fields = [
            "product",
            "hs_code",
            "description",
            "quantity",
            "unit",
            "net_weight_kg",
            "value_usd",
            "origin_premises",
            "lot",
        ]

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "product", Product.objects.filter(is_active=True))
        _choices(self, "origin_premises", Premises.objects.in_scope(actor).filter(is_active=True))

    def clean_hs_code(self) -> str:
        value = str(self.cleaned_data.get("hs_code", "")).strip()
        if value and not re.fullmatch(r"\d{6}(\d{2}){0,2}", value):
            raise ValidationError(_("An HS code has 6, 8 or 10 digits."), code="hs_code")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        product: Product | None = data.get("product")
        if product is None:
            return data
        hs_code = data.get("hs_code") or product.hs_code
        if not hs_code.startswith(product.hs_code[:6]):
            self.add_error(
                "hs_code",
                _("HS code %(code)s does not belong to product %(product)s.")
                % {"code": hs_code, "product": product.hs_code},
            )
        data["hs_code"] = hs_code
        if product_needs_origin(product) and not data.get("origin_premises"):
            self.add_error(
                "origin_premises",
                _("Products of HS chapter %(chapter)s must name the premises they come from.")
                % {"chapter": product.hs_code[:2]},
            )
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


class DecideForm(forms.Form):
    conformity = forms.ChoiceField(label=_("conformity"), choices=Conformity.choices)
    disposal = forms.ChoiceField(label=_("disposal"), choices=[("", "—"), *Disposal.choices], required=False)
    reasons = forms.CharField(label=_("reasons"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class AssignForm(forms.Form):
    inspector: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("inspector"), queryset=None)

    def __init__(self, *args: Any, inspectors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = inspectors  # type: ignore[attr-defined]


class ChecklistItemForm(forms.Form):
    item = forms.CharField(label=_("checklist item"), max_length=200)
    result = forms.ChoiceField(label=_("result"), choices=ChecklistResult.choices)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class OrderCompleteForm(forms.Form):
    result = forms.ChoiceField(label=_("result"), choices=Conformity.choices)
    findings = forms.CharField(label=_("findings"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class AttachmentForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    file = forms.FileField(label=_("file"))


class PhotoForm(forms.Form):
    image = forms.ImageField(label=_("photo"))
    caption = forms.CharField(label=_("caption"), max_length=200, required=False)


class SampleRequestForm(forms.Form):
    laboratory: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("laboratory"), queryset=None)
    sample_description = forms.CharField(label=_("sample"), max_length=200)
    tests = forms.CharField(label=_("tests requested"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, laboratories: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["laboratory"].queryset = laboratories  # type: ignore[attr-defined]


class SampleResultForm(forms.Form):
    result = forms.ChoiceField(label=_("result"), choices=SampleResult.choices)
    result_summary = forms.CharField(label=_("result summary"), widget=forms.Textarea(attrs={"rows": 3}))
    external_ref = forms.CharField(label=_("laboratory reference"), max_length=60, required=False)


class CertificateIssueForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=CertificateKind.choices)


class CertificateImportForm(forms.Form):
    file = forms.FileField(label=_("SPS certificate XML"))


class VerifyUploadForm(forms.Form):
    file = forms.FileField(label=_("signed certificate file"))


class RuleSetForm(forms.Form):
    params = forms.CharField(
        label=_("rules (JSON)"), widget=forms.Textarea(attrs={"rows": 24, "class": "font-monospace"})
    )
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean_params(self) -> dict[str, Any]:
        raw = self.cleaned_data["params"]
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ValidationError(_("This is not valid JSON: %(error)s") % {"error": exc}) from exc
        try:
            RuleParams.model_validate(data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        return data  # type: ignore[no-any-return]
