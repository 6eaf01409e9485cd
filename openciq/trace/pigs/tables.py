"""Tables of the live-pig lists (django-tables2): farms and loading batches."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from openciq.core.tables import OpenciqTable
from openciq.trace.pigs.models import Farm, LoadingBatch

_BADGES = {
    "declared": "bg-blue-lt",
    "loading": "bg-purple-lt",
    "reconciled": "bg-green-lt",
    "mismatch": "bg-red-lt",
    "released": "bg-azure-lt",
    "received": "bg-teal-lt",
    "cancelled": "bg-secondary-lt",
}


def badge(status: str, label: Any) -> str:
    return format_html(
        '<span class="badge {}" data-status="{}">{}</span>',
        _BADGES.get(status, "bg-secondary-lt"),
        status,
        label,
    )


class FarmTable(OpenciqTable):
    registration_number = tables.Column(linkify=("pigs:farm_detail", {"pk": tables.A("pk")}))
    name = tables.Column(accessor="name", verbose_name=_("name"), order_by=("name_zh",))
    enterprise = tables.Column(
        accessor="enterprise__name", verbose_name=_("enterprise"), order_by=("enterprise__name_zh",)
    )
    org_unit = tables.Column(
        accessor="org_unit__name", verbose_name=_("supervising office"), order_by=("org_unit__code",)
    )
    pigs_on_farm = tables.Column(verbose_name=_("pigs on the farm"), attrs={"td": {"class": "text-end"}})
    is_active = tables.BooleanColumn(verbose_name=_("active"))

    class Meta(OpenciqTable.Meta):
        model = Farm
        exclude = ("pk",)
        template_name = "core/partials/table.html"
        attrs = {"class": "table table-vcenter card-table table-striped", "id": "farm-list"}
        fields = (
            "registration_number",
            "name",
            "enterprise",
            "org_unit",
            "county_code",
            "capacity",
            "pigs_on_farm",
            "is_active",
        )


class LoadingBatchTable(OpenciqTable):
    number = tables.Column(linkify=("pigs:batch_detail", {"pk": tables.A("pk")}))
    farm = tables.Column(accessor="farm__registration_number", verbose_name=_("farm"))
    declared = tables.Column(verbose_name=_("declared"), attrs={"td": {"class": "text-end"}})
    status = tables.Column(verbose_name=_("status"))

    class Meta(OpenciqTable.Meta):
        model = LoadingBatch
        exclude = ("pk",)
        template_name = "core/partials/table.html"
        attrs = {"class": "table table-vcenter card-table table-striped", "id": "batch-list"}
        fields = (
            "number",
            "farm",
            "declaration_number",
            "truck_plate",
            "planned_at",
            "declared",
            "status",
        )
        row_attrs = {"data-batch": lambda record: record.number}

    def render_status(self, record: LoadingBatch) -> str:
        return badge(record.status, record.get_status_display())

    def render_planned_at(self, value: Any) -> str:
        from django.utils import timezone

        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
