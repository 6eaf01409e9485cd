"""Forms of the live-pig pages. They check types only; the services check the rules and their
refusals are shown next to the field they name (``openciq.core.actions.run_service``)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openciq.core.forms import style_widgets
from openciq.trace.pigs.choices import DeathCause, ReplaceReason, Route, Sex, TreatmentKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _datetime(label: Any, required: bool = False, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=help_text,
    )


def numbers(text: str) -> list[str]:
    """Pig or tag numbers typed or pasted one per line, or separated by commas or spaces."""
    return [n for n in re.split(r"[\s,;，；]+", text or "") if n]


class _Styled(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


NUMBERS_HELP = _("China ear-tag or ISO 11784 numbers, one per line (or separated by spaces or commas).")


class FarmForm(_Styled):
    registration_number = forms.CharField(label=_("registration number"), max_length=30)
    name_zh = forms.CharField(label=_("name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("name (English)"), max_length=200, required=False)
    enterprise: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("enterprise"), queryset=None)
    org_unit: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("supervising office"), queryset=None
    )
    county_code = forms.CharField(
        label=_("county division code"), max_length=6, help_text=_("Six digits, e.g. 440183 (Zengcheng).")
    )
    address = forms.CharField(label=_("address"), max_length=300, required=False)
    capacity = forms.IntegerField(label=_("registered capacity (head)"), min_value=0, initial=0)
    latitude = forms.DecimalField(label=_("latitude"), max_digits=9, decimal_places=6, required=False)
    longitude = forms.DecimalField(label=_("longitude"), max_digits=9, decimal_places=6, required=False)

    def __init__(self, *args: Any, enterprises: Any, offices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises  # type: ignore[attr-defined]
        self.fields["org_unit"].queryset = offices  # type: ignore[attr-defined]


class TagRangeForm(_Styled):
    country = forms.IntegerField(
        label=_("country or manufacturer code"),
        initial=156,
        min_value=0,
        max_value=999,
        help_text=_("156 for China, or the tag maker's code 900-998."),
    )
    first_national_id = forms.IntegerField(label=_("first national ID"), min_value=0)
    last_national_id = forms.IntegerField(label=_("last national ID"), min_value=0)
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class _FarmChoice(_Styled):
    farm: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("farm"), queryset=None)

    def __init__(self, *args: Any, farms: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["farm"].queryset = farms  # type: ignore[attr-defined]


class TagForm(_FarmChoice):
    cn_number = forms.CharField(
        label=_("China ear-tag number"),
        max_length=20,
        help_text=_("15 digits: species (1 pig), county code, serial."),
    )
    iso_number = forms.CharField(
        label=_("ISO 11784 ear tag"),
        max_length=20,
        help_text=_("15 digits as printed: 156 and the national ID."),
    )
    sex = forms.ChoiceField(label=_("sex"), choices=Sex.choices)
    breed = forms.CharField(label=_("breed"), max_length=60, initial="杜长大 Duroc × Landrace × Yorkshire")
    birth_date = forms.DateField(label=_("birth date"), widget=DATE)
    applied_at = _datetime(_("tagged at"), help_text=_("Now when left empty."))


class TreatmentForm(_FarmChoice):
    kind = forms.ChoiceField(label=_("kind"), choices=TreatmentKind.choices)
    product = forms.CharField(label=_("product"), max_length=120)
    product_batch = forms.CharField(label=_("product batch"), max_length=60)
    dose = forms.CharField(label=_("dose"), max_length=40)
    route = forms.ChoiceField(label=_("route"), choices=Route.choices)
    withdrawal_days = forms.IntegerField(label=_("withdrawal period (days)"), min_value=0, initial=0)
    veterinarian = forms.CharField(label=_("veterinarian"), max_length=100)
    given_at = _datetime(_("given at"), help_text=_("Now when left empty."))
    animals = forms.CharField(
        label=_("pigs"), widget=forms.Textarea(attrs={"rows": 5}), help_text=NUMBERS_HELP
    )


class ReplaceTagForm(_Styled):
    tag: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("tag to replace"), queryset=None)
    reason = forms.ChoiceField(label=_("why"), choices=ReplaceReason.choices)
    new_iso_number = forms.CharField(label=_("new ISO 11784 ear tag"), max_length=20)
    replaced_at = _datetime(_("replaced at"), help_text=_("Now when left empty."))

    def __init__(self, *args: Any, tags: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = tags  # type: ignore[attr-defined]
        self.fields["tag"].initial = tags.first()


class DeathForm(_Styled):
    cause = forms.ChoiceField(label=_("cause of death"), choices=DeathCause.choices)
    note = forms.CharField(label=_("death note"), max_length=300, required=False)
    died_at = _datetime(_("died at"), help_text=_("Now when left empty."))


class BatchForm(_FarmChoice):
    declaration_number = forms.CharField(label=_("declaration number"), max_length=40)
    truck_plate = forms.CharField(label=_("truck plate"), max_length=20)
    planned_at = _datetime(_("planned loading time"), required=True)
    animals = forms.CharField(
        label=_("pigs"), widget=forms.Textarea(attrs={"rows": 8}), help_text=NUMBERS_HELP
    )


class ReceiveForm(_Styled):
    read_numbers = forms.CharField(
        label=_("tags read in Hong Kong"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text=_("ISO 11784 numbers as the handheld or gate reader exported them."),
    )
    received_at = _datetime(_("received at"), help_text=_("Now when left empty."))
    read_point = forms.CharField(
        label=_("read at"),
        max_length=255,
        required=False,
        help_text=_("The place's identifier; the Sheung Shui slaughterhouse when left empty."),
    )


class ReasonForm(_Styled):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=300)


class ResolveForm(_Styled):
    resolution = forms.CharField(
        label=_("resolution"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was found and done (e.g. the missing pig stays on the farm)."),
    )
