from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openciq.core.forms import OpenciqModelForm, style_widgets
from openciq.masterdata.choices import EnterpriseClass
from openciq.masterdata.models import (
    CalendarDay,
    Country,
    Enterprise,
    EnterpriseMembership,
    MonitoringPoint,
    Port,
    Premises,
    Product,
)


class CountryForm(OpenciqModelForm):
    class Meta:
        model = Country
        fields = ["code", "alpha3", "numeric", "name_zh", "name_en", "is_active"]


class PortForm(OpenciqModelForm):
    class Meta:
        model = Port
        fields = ["code", "name_zh", "name_en", "kind", "org_unit", "description", "is_active"]


class MonitoringPointForm(OpenciqModelForm):
    class Meta:
        model = MonitoringPoint
        fields = ["code", "name_zh", "name_en", "port", "kind", "description", "is_active"]


class EnterpriseForm(OpenciqModelForm):
    class Meta:
        model = Enterprise
        fields = [
            "uscc",
            "name_zh",
            "name_en",
            "kind",
            "org_unit",
            "address",
            "contact_name",
            "contact_phone",
            "registered_on",
            "is_active",
        ]
        widgets = {"registered_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def clean_uscc(self) -> str:
        return str(self.cleaned_data["uscc"]).strip().upper()


class EnterpriseMembershipForm(OpenciqModelForm):
    class Meta:
        model = EnterpriseMembership
        fields = ["user", "enterprise"]


class PremisesForm(OpenciqModelForm):
    class Meta:
        model = Premises
        fields = [
            "registration_number",
            "name_zh",
            "name_en",
            "kind",
            "enterprise",
            "org_unit",
            "gln",
            "latitude",
            "longitude",
            "address",
            "is_active",
        ]

    def clean_gln(self) -> str | None:
        return (self.cleaned_data.get("gln") or "").strip() or None


class ProductForm(OpenciqModelForm):
    class Meta:
        model = Product
        fields = ["hs_code", "name_zh", "name_en", "risk_category", "unit", "is_active"]


class ReclassifyForm(forms.Form):
    to_class = forms.ChoiceField(label=_("New classification"), choices=EnterpriseClass.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class CalendarDayForm(OpenciqModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "name", "is_working_day"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
