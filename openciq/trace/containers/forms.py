"""Forms of the container e-seal pages. They only parse input; the services check the rest (a
container number's check digit, a seal being available) and their refusals land on the fields
named in ``ValidationFailed.fields``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from openciq.core.forms import style_widgets
from openciq.trace.containers.choices import InspectionResult

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class _Styled(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class TripSealForm(_Styled):
    """Sealing a container for a crossing, at the yard."""

    declaration_number = forms.CharField(label=_("declaration number"), max_length=40)
    container_number = forms.CharField(
        label=_("container number"),
        max_length=20,
        help_text=_("ISO 6346, e.g. CSQU3054383 (check digit included)."),
    )
    size_type = forms.CharField(label=_("size and type code"), max_length=4, required=False)
    seal_id = forms.CharField(
        label=_("seal ID"), max_length=30, help_text=_("As marked on the e-lock: manufacturer ID and serial.")
    )
    plate = forms.CharField(label=_("truck plate"), max_length=20)
    enterprise: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, label=_("declarant / carrier"), required=False
    )
    origin_port: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, label=_("office of departure")
    )
    destination_port: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, label=_("office of destination")
    )
    sealing_location: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, label=_("sealed at")
    )
    arrival_location: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, label=_("destination gate")
    )
    checkpoints: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        queryset=None,
        label=_("route checkpoints"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )

    def __init__(
        self,
        *args: Any,
        enterprises: QuerySet[Any],
        origins: QuerySet[Any],
        destinations: QuerySet[Any],
        yards: QuerySet[Any],
        gates: QuerySet[Any],
        checkpoints: QuerySet[Any],
        seals: list[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["enterprise"].queryset = enterprises
        fields["origin_port"].queryset = origins
        fields["destination_port"].queryset = destinations
        fields["sealing_location"].queryset = yards
        fields["arrival_location"].queryset = gates
        fields["checkpoints"].queryset = checkpoints
        fields["seal_id"].widget.attrs["list"] = "available-seals"
        self.available_seals = seals


class ReasonForm(_Styled):
    reason = forms.CharField(label=_("reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(_Styled):
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class InspectForm(_Styled):
    result = forms.ChoiceField(label=_("result"), choices=InspectionResult.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("what was found"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["result"].widget.attrs["class"] = "form-check-input"


class ResolveForm(_Styled):
    resolution = forms.CharField(
        label=_("what was found and done"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class ContainerForm(_Styled):
    number = forms.CharField(label=_("container number"), max_length=20)
    size_type = forms.CharField(label=_("size and type code"), max_length=4, required=False)


class SealForm(_Styled):
    seal_id = forms.CharField(label=_("seal ID"), max_length=30)
    model = forms.CharField(label=_("model"), max_length=60, required=False)
    reusable = forms.BooleanField(label=_("reusable e-lock"), required=False, initial=True)


class ClearanceForm(_Styled):
    since = forms.DateField(label=_("from"), widget=DATE_INPUT)
    until = forms.DateField(label=_("until"), widget=DATE_INPUT)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if isinstance(since, dt.date) and isinstance(until, dt.date) and since > until:
            self.add_error("until", _("The end must not be before the start."))
        return data
