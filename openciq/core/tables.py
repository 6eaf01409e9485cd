"""Base table for generic list pages (django-tables2)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _


class OpenciqTable(tables.Table):
    """Adds a selection checkbox for bulk actions; subclasses list their columns in ``Meta.fields``."""

    pk = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "th__input": {"class": "form-check-input", "aria-label": _("Select all"), "data-select-all": "1"},
            "td__input": {"class": "form-check-input", "form": "bulk-form", "aria-label": _("Select")},
        },
        orderable=False,
        exclude_from_export=True,
    )

    class Meta:
        template_name = "core/partials/table.html"
        attrs = {"class": "table table-vcenter card-table table-striped"}
