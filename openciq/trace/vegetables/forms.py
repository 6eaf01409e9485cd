"""The pages' forms: they parse and type what is typed; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openciq.core.forms import style_widgets

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


def _coordinate(label: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, max_digits=9, decimal_places=6)


class BaseRegisterForm(StyledForm):
    registration_number = forms.CharField(label=_("registration number"), max_length=40)
    name_zh = forms.CharField(label=_("name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("name (English)"), max_length=200, required=False)
    enterprise: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("enterprise"), queryset=None)
    area_ha = forms.DecimalField(label=_("area (ha)"), max_digits=9, decimal_places=2, min_value=0)
    registered_on = forms.DateField(label=_("registered on"), widget=DATE)
    address = forms.CharField(label=_("address"), max_length=300, required=False)
    gs1_company_prefix = forms.CharField(
        label=_("GS1 company prefix"), max_length=12, required=False, help_text=_("6 to 12 digits, if any.")
    )
    latitude = _coordinate(_("latitude"))
    longitude = _coordinate(_("longitude"))

    def __init__(self, *args: Any, enterprises: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises  # type: ignore[attr-defined]


class PlotForm(StyledForm):
    code = forms.CharField(label=_("code"), max_length=20)
    crop = forms.CharField(label=_("crop"), max_length=100)
    area_ha = forms.DecimalField(label=_("area (ha)"), max_digits=9, decimal_places=2, min_value=0)
    latitude = _coordinate(_("latitude"))
    longitude = _coordinate(_("longitude"))


class LotHarvestForm(StyledForm):
    plot: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("plot"), queryset=None)
    product: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("product"), queryset=None)
    harvest_date = forms.DateField(label=_("harvest date"), widget=DATE)
    quantity_kg = forms.DecimalField(label=_("quantity (kg)"), max_digits=10, decimal_places=1)
    pesticide = forms.CharField(label=_("last pesticide applied"), max_length=100, required=False)
    last_pesticide_date = forms.DateField(label=_("last pesticide application"), required=False, widget=DATE)
    pre_harvest_interval_days = forms.IntegerField(
        label=_("pre-harvest interval (days)"), required=False, min_value=0, max_value=365
    )
    gtin = forms.CharField(
        label=_("GTIN"), max_length=14, required=False, help_text=_("The product's GTIN, if it has one.")
    )

    def __init__(self, *args: Any, plots: Any, products: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plot"].queryset = plots  # type: ignore[attr-defined]
        self.fields["product"].queryset = products  # type: ignore[attr-defined]


class CrateRegisterForm(StyledForm):
    """Crates by a list of GRAIs (one a line), or by a range of serial numbers."""

    enterprise: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("owner"), queryset=None)
    grais = forms.CharField(
        label=_("GRAIs"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One a line, e.g. urn:epc:id:grai:6923456.0001.1001"),
    )
    company_prefix = forms.RegexField(label=_("GS1 company prefix"), regex=r"^\d{6,12}$", required=False)
    asset_type = forms.RegexField(label=_("asset type"), regex=r"^\d{0,6}$", required=False)
    first_serial = forms.IntegerField(label=_("first serial number"), required=False, min_value=0)
    count = forms.IntegerField(label=_("how many"), required=False, min_value=1, max_value=5000)

    def __init__(self, *args: Any, enterprises: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        listed = [line.strip() for line in (data.get("grais") or "").splitlines() if line.strip()]
        ranged = [data.get(n) not in (None, "") for n in ("company_prefix", "first_serial", "count")]
        if listed and any(ranged):
            raise forms.ValidationError(_("Give a list of GRAIs or a range, not both."))
        if not listed and not all(ranged):
            raise forms.ValidationError(
                _("Give a list of GRAIs, or a company prefix, a first serial number and how many.")
            )
        data["listed"] = listed
        return data


class ShipmentCreateForm(StyledForm):
    enterprise: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("packing enterprise"), queryset=None
    )
    port: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("exit port"), queryset=None)
    declaration_number = forms.CharField(label=_("declaration"), max_length=40)
    truck_plate = forms.CharField(label=_("truck plate"), max_length=20)

    def __init__(self, *args: Any, enterprises: Any, ports: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises  # type: ignore[attr-defined]
        self.fields["port"].queryset = ports  # type: ignore[attr-defined]


class PackForm(StyledForm):
    crate = forms.CharField(label=_("crate (GRAI)"), max_length=255)
    lot = forms.TypedChoiceField(label=_("lot"), coerce=int, choices=())
    quantity_kg = forms.DecimalField(label=_("quantity (kg)"), max_digits=8, decimal_places=1)

    def __init__(self, *args: Any, lots: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lot"].choices = [  # type: ignore[attr-defined]
            (lot.pk, f"{lot.number} · {lot.product.name} · {lot.quantity_kg - (lot.packed_kg or 0)} kg")
            for lot in lots
        ]


class CrateForm(StyledForm):
    crate = forms.CharField(label=_("crate (GRAI)"), max_length=255)


class SealForm(StyledForm):
    seal_id = forms.CharField(
        label=_("e-seal"), max_length=40, help_text=_("Manufacturer ID and serial, e.g. ZJ01-00012345")
    )


class NoteForm(StyledForm):
    note = forms.CharField(label=_("what the inspection found"), widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ReceiveForm(StyledForm):
    market: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("received at"), queryset=None)
    crates_read = forms.CharField(
        label=_("crates read on arrival"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: the GRAIs read, one a line; crates not listed raise an alert."),
    )
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, markets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["market"].queryset = markets  # type: ignore[attr-defined]
