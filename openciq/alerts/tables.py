import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from openciq.alerts.models import PackagingFiling

STATUS_COLOURS = {
    "draft": "secondary",
    "submitted": "blue",
    "under_review": "azure",
    "approved": "green",
    "refused": "red",
    "suspended": "orange",
    "revoked": "dark",
    "withdrawn": "secondary",
}


def status_badge(filing: PackagingFiling) -> str:
    colour = STATUS_COLOURS.get(filing.status, "secondary")
    return format_html('<span class="badge bg-{}-lt">{}</span>', colour, filing.get_status_display())


class PackagingFilingTable(tables.Table):
    """The filing list; no selection column, since filings have no bulk actions."""

    number = tables.Column(verbose_name=_("filing number"), order_by=("number", "id"), empty_values=())
    enterprise = tables.Column(
        accessor="enterprise__name", order_by=("enterprise__uscc",), verbose_name=_("enterprise")
    )
    org_unit = tables.Column(
        accessor="org_unit__name", order_by=("org_unit__code",), verbose_name=_("supervising branch")
    )
    categories = tables.Column(verbose_name=_("product categories"), orderable=False)
    status = tables.Column(verbose_name=_("status"))
    applied_at = tables.DateTimeColumn(format="Y-m-d", verbose_name=_("applied at"))
    valid_until = tables.DateColumn(format="Y-m-d", verbose_name=_("valid until"))

    class Meta:
        model = PackagingFiling
        fields = (
            "number",
            "enterprise",
            "org_unit",
            "categories",
            "status",
            "applied_at",
            "valid_until",
        )
        template_name = "core/partials/table.html"
        attrs = {"class": "table table-vcenter card-table table-striped"}

    def render_number(self, record: PackagingFiling) -> str:
        url = reverse("alerts:packagingfiling_detail", kwargs={"pk": record.pk})
        return format_html('<a href="{}">{}</a>', url, str(record))

    def value_number(self, record: PackagingFiling) -> str:
        return record.number or ""

    def render_categories(self, record: PackagingFiling) -> str:
        return "、".join(record.category_labels())

    def value_categories(self, record: PackagingFiling) -> str:
        return ", ".join(record.categories)

    def render_status(self, record: PackagingFiling) -> str:
        return status_badge(record)

    def value_status(self, record: PackagingFiling) -> str:
        return record.status
