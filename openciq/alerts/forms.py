from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openciq.alerts.choices import PackagingCategory
from openciq.alerts.models import PackagingFiling
from openciq.core.forms import OpenciqModelForm, style_widgets


class PackagingFilingForm(OpenciqModelForm):
    """Parses the application page; ``alerts.services`` validates again and writes."""

    categories = forms.MultipleChoiceField(
        label=_("product categories"),
        choices=PackagingCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PackagingFiling
        fields = [
            "enterprise",
            "categories",
            "materials",
            "production_address",
            "annual_capacity",
            "quality_certificate_number",
            "contact_name",
            "contact_phone",
        ]
        widgets = {"materials": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].widget.attrs["class"] = "form-check-input"
        self.fields["annual_capacity"].widget.attrs["min"] = "0.01"
        if self.instance.pk:
            # The enterprise of a filing does not change; a new enterprise files anew.
            self.fields["enterprise"].disabled = True
        else:
            self.fields["enterprise"].queryset = self.fields["enterprise"].queryset.filter(is_active=True)

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        enterprise = data.pop("enterprise", None)
        if not self.instance.pk:
            data["enterprise_id"] = enterprise.pk if enterprise else None
        return data


class TransitionForm(forms.Form):
    """The reason (or remark) sent with a step of the life cycle."""

    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, reason_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
        if not reason_required:
            self.fields["reason"].label = _("Remark (optional)")
        style_widgets(self)
