"""Form base classes: scoped choices, Tabler widget classes, and the generic import/bulk forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openciq.core.models import OpenciqModel


def style_widgets(form: forms.BaseForm) -> None:
    """Give every widget the Tabler class for its kind, and mark required fields for screen readers."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
        if field.required:
            widget.attrs["aria-required"] = "true"


class OpenciqModelForm(forms.ModelForm):
    """A model form whose foreign-key choices are limited to the actor's area (scope)."""

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and issubclass(queryset.model, OpenciqModel) and actor is not None:
                field.queryset = queryset.in_scope(actor)
        style_widgets(self)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8) or Excel .xlsx; the first row names the columns."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".csv,.xlsx"
        style_widgets(self)


def bulk_edit_form_class(object_type: Any) -> type[forms.Form]:
    """A form with the object type's bulk-editable fields, all optional (blank = leave as is)."""
    base = object_type.form
    fields = {}
    probe = base()
    for name in object_type.bulk_edit_fields:
        field = probe.fields[name]
        if isinstance(field, forms.BooleanField):
            # An unticked box would mean "set to no" for every object: offer leave / yes / no.
            field = forms.NullBooleanField(label=field.label, required=False)
        field.required = False
        if isinstance(field, forms.TypedChoiceField | forms.ChoiceField) and not isinstance(
            field, forms.ModelChoiceField
        ):
            field.choices = [("", "---------"), *[c for c in field.choices if c[0] != ""]]
        fields[name] = field
    return type(f"{object_type.model.__name__}BulkEditForm", (forms.Form,), fields)
