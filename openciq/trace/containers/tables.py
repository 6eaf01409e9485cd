"""Tables of the container and seal registers (django-tables2)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from openciq.trace.containers.models import Container, Seal

ATTRS = {"class": "table table-vcenter card-table table-striped"}


class ContainerTable(tables.Table):
    number = tables.Column(
        verbose_name=_("container number"), linkify=("containers:container_detail", {"pk": tables.A("pk")})
    )
    owner_code = tables.Column(verbose_name=_("owner code"))
    size_type = tables.Column(verbose_name=_("size and type code"))
    enterprise = tables.Column(
        verbose_name=_("operator"), accessor="enterprise__name", default="—", orderable=False
    )

    class Meta:
        model = Container
        fields = ("number", "owner_code", "size_type", "enterprise")
        template_name = "django_tables2/bootstrap5.html"
        attrs = {**ATTRS, "id": "container-list"}
        empty_text = _("No containers.")
        row_attrs = {"data-container": lambda record: record.number}

    def render_number(self, record: Container) -> str:
        return str(record)


class SealTable(tables.Table):
    seal_id = tables.Column(
        verbose_name=_("seal ID"), linkify=("containers:seal_detail", {"pk": tables.A("pk")})
    )
    manufacturer = tables.Column(verbose_name=_("manufacturer ID"))
    model = tables.Column(verbose_name=_("model"))
    status = tables.TemplateColumn(
        template_name="containers/partials/seal_status_cell.html", verbose_name=_("status")
    )
    battery = tables.TemplateColumn(
        template_name="containers/partials/battery_cell.html",
        verbose_name=_("battery"),
        accessor="battery_percent",
        order_by=("battery_low", "battery_percent"),
    )
    status_at = tables.DateTimeColumn(verbose_name=_("status since"), format="Y-m-d H:i")
    org_unit = tables.Column(
        verbose_name=_("held by office"), accessor="org_unit__name", default="—", orderable=False
    )

    class Meta:
        model = Seal
        fields = ("seal_id", "manufacturer", "model", "status", "battery", "status_at", "org_unit")
        template_name = "django_tables2/bootstrap5.html"
        attrs = {**ATTRS, "id": "seal-list"}
        empty_text = _("No seals.")
        row_attrs = {"data-seal": lambda record: record.seal_id}
