"""The list pages' tables (django-tables2): every crate, lot and truck links to its trace."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from openciq.core.tables import OpenciqTable
from openciq.trace.vegetables.choices import ShipmentStatus
from openciq.trace.vegetables.models import Crate, HarvestLot, PlantingBase, Shipment

# Tabler badge colour per shipment state.
STATUS_BADGES: dict[str, str] = {
    ShipmentStatus.PACKING: "bg-blue-lt",
    ShipmentStatus.SEALED: "bg-azure-lt",
    ShipmentStatus.AT_GATE: "bg-purple-lt",
    ShipmentStatus.RELEASED: "bg-green-lt",
    ShipmentStatus.HELD: "bg-red-lt",
    ShipmentStatus.REJECTED: "bg-red-lt",
    ShipmentStatus.RECEIVED: "bg-teal-lt",
    ShipmentStatus.CANCELLED: "bg-secondary-lt",
}


def trace_url(identifier: str) -> str:
    return f"{reverse('trace:trace')}?epc={quote(identifier, safe='')}"


def trace_link(identifier: str, text: str) -> SafeString:
    return format_html(
        '<a href="{}" data-trace="{}" title="{}"><code class="small">{}</code></a>',
        trace_url(identifier),
        identifier,
        _("Trace"),
        text,
    )


def status_badge(shipment: Shipment) -> SafeString:
    return format_html(
        '<span class="badge {}" data-status="{}">{}</span>',
        STATUS_BADGES.get(shipment.status, "bg-secondary-lt"),
        shipment.status,
        shipment.get_status_display(),
    )


class PlantingBaseTable(OpenciqTable):
    registration_number = tables.Column(verbose_name=_("registration number"))
    name = tables.Column(verbose_name=_("name"), accessor="name_zh", orderable=False)
    enterprise = tables.Column(verbose_name=_("enterprise"), accessor="enterprise__name_zh")
    org_unit = tables.Column(verbose_name=_("supervising office"), accessor="org_unit__name_zh")
    area_ha = tables.Column(verbose_name=_("area (ha)"))
    plot_count = tables.Column(verbose_name=_("plots"), orderable=False)
    is_active = tables.BooleanColumn(verbose_name=_("active"))

    class Meta(OpenciqTable.Meta):
        model = PlantingBase
        fields = (
            "registration_number",
            "name",
            "enterprise",
            "org_unit",
            "area_ha",
            "plot_count",
            "is_active",
        )
        row_attrs = {"data-base": lambda record: record.pk}

    def render_registration_number(self, record: PlantingBase, value: str) -> SafeString:
        return format_html('<a href="{}">{}</a>', reverse("vegetables:base_detail", args=[record.pk]), value)

    def render_name(self, record: PlantingBase) -> str:
        return record.name


class HarvestLotTable(OpenciqTable):
    number = tables.Column(verbose_name=_("lot number"))
    base = tables.Column(verbose_name=_("planting base"), accessor="base__registration_number")
    plot = tables.Column(verbose_name=_("plot"), accessor="plot__code")
    product = tables.Column(verbose_name=_("product"), accessor="product__name_zh")
    harvest_date = tables.DateColumn(verbose_name=_("harvest date"), format="Y-m-d")
    quantity_kg = tables.Column(verbose_name=_("quantity (kg)"))
    packed_kg = tables.Column(verbose_name=_("packed (kg)"), orderable=False, default="0")
    trace = tables.Column(verbose_name=_("trace"), accessor="epc_class", orderable=False)

    class Meta(OpenciqTable.Meta):
        model = HarvestLot
        fields = ("number", "base", "plot", "product", "harvest_date", "quantity_kg", "packed_kg", "trace")
        row_attrs = {"data-lot": lambda record: record.number}

    def render_number(self, record: HarvestLot, value: str) -> SafeString:
        return format_html('<a href="{}">{}</a>', reverse("vegetables:lot_detail", args=[record.pk]), value)

    def render_product(self, record: HarvestLot) -> str:
        return record.product.name

    def render_trace(self, value: str) -> SafeString:
        return trace_link(value, str(_("Trace")))


class CrateTable(OpenciqTable):
    grai = tables.Column(verbose_name=_("GRAI"))
    enterprise = tables.Column(verbose_name=_("owner"), accessor="enterprise__name_zh")
    trip = tables.Column(verbose_name=_("on trip"), accessor="pk", orderable=False)
    is_active = tables.BooleanColumn(verbose_name=_("in service"))

    class Meta(OpenciqTable.Meta):
        model = Crate
        fields = ("grai", "enterprise", "trip", "is_active")
        row_attrs = {"data-crate": lambda record: record.grai}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trips: dict[int, Any] = {}

    def before_render(self, request: Any) -> None:
        """Look up the open trip of the crates on the page shown only (one query)."""
        from openciq.trace.vegetables.selectors import crate_trips

        self.trips = crate_trips(crate_ids=[row.record.pk for row in self.paginated_rows])

    def render_grai(self, record: Crate, value: str) -> SafeString:
        return trace_link(record.epc, record.label)

    def render_trip(self, record: Crate) -> SafeString | str:
        line = self.trips.get(record.pk)
        if line is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · {}',
            reverse("vegetables:shipment_detail", args=[line.shipment_id]),
            line.shipment.number,
            line.lot.number,
        )


class ShipmentTable(OpenciqTable):
    number = tables.Column(verbose_name=_("number"))
    status = tables.Column(verbose_name=_("status"))
    declaration_number = tables.Column(verbose_name=_("declaration"))
    enterprise = tables.Column(verbose_name=_("packing enterprise"), accessor="enterprise__name_zh")
    truck_plate = tables.Column(verbose_name=_("truck"))
    crate_count = tables.Column(verbose_name=_("crates"), orderable=False)
    port = tables.Column(verbose_name=_("exit port"), accessor="port__name_zh")
    status_changed_at = tables.DateTimeColumn(verbose_name=_("since"), format="Y-m-d H:i")

    class Meta(OpenciqTable.Meta):
        model = Shipment
        fields = (
            "number",
            "status",
            "declaration_number",
            "enterprise",
            "truck_plate",
            "crate_count",
            "port",
            "status_changed_at",
        )
        row_attrs = {
            "data-shipment": lambda record: record.number,
            "data-status": lambda record: record.status,
        }

    def render_number(self, record: Shipment, value: str) -> SafeString:
        return format_html(
            '<a href="{}">{}</a>', reverse("vegetables:shipment_detail", args=[record.pk]), value
        )

    def render_status(self, record: Shipment) -> SafeString:
        return status_badge(record)

    def render_truck_plate(self, record: Shipment, value: str) -> SafeString:
        return trace_link(record.truck_epc, value)
