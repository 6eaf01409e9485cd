"""Tables of the declaration pages (django-tables2), and the small display helpers they share
with the views: the coloured status badge and the time-in-state clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from openciq.core.tables import OpenciqTable
from openciq.declarations.models import (
    Certificate,
    Declaration,
    RiskRuleSet,
    RiskSignal,
    SampleRequest,
)

DATETIME = "Y-m-d H:i"
WRAP = {"td": {"class": "text-wrap"}}
# Badge colour per state (declarations, orders, samples, certificates, rule sets) and result.
# Pages draw the same badges with ``partials/status_badge.html``; a test keeps the two in step.
STATUS_COLOURS = {
    **dict.fromkeys(["released", "conform", "valid", "done", "active", "reported", "ok"], "green"),
    **dict.fromkeys(["rejected", "not_conform", "revoked", "not_ok"], "red"),
    **dict.fromkeys(["returned", "replaced"], "orange"),
    **dict.fromkeys(["submitted", "accepted", "open", "requested"], "blue"),
    **dict.fromkeys(["document_review", "received"], "azure"),
    **dict.fromkeys(["inspection", "in_progress"], "purple"),
    "sampling": "indigo",
}


def badge(status: str, label: Any) -> str:
    return format_html(
        '<span class="badge bg-{}-lt">{}</span>', STATUS_COLOURS.get(status, "secondary"), label
    )


class StatusColumn(tables.Column):
    """A state or result as a coloured badge (tables2 hands over its label as ``value``)."""

    def render(self, value: Any, record: Any, bound_column: Any) -> str:
        return badge(getattr(record, bound_column.accessor), value)

    def value(self, value: Any) -> Any:
        return value


class TimeColumn(tables.Column):
    """A time in the local time zone (Asia/Shanghai), as on the pages and in exports."""

    def render(self, value: dt.datetime) -> str:
        return local(value)


def local(value: dt.datetime | None) -> str:
    return date_format(timezone.localtime(value), DATETIME) if value else ""


def age(since: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """How long ago ``since`` was, for the time-in-state clocks: "2 d 3 h", "3 h 12 min", "5 min"."""
    if since is None:
        return "—"
    seconds = max(0, int(((now or timezone.now()) - since).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return gettext("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return gettext("%(minutes)d min") % {"minutes": minutes}


def _link(url_name: str) -> tuple[str, dict[str, Any]]:
    return (f"declarations:{url_name}", {"pk": tables.A("pk")})


class DeclarationsTable(OpenciqTable):
    """Base for the tables of this app: the core's look, without the bulk-selection column
    (declarations change only through their named actions, never in bulk)."""

    class Meta(OpenciqTable.Meta):
        exclude = ("pk",)


class DeclarationTable(DeclarationsTable):
    # Only columns backed by an index sort, so that sorting stays fast at millions of rows.
    number = tables.Column(linkify=_link("declaration_detail"))
    enterprise = tables.Column(
        accessor="enterprise__name", orderable=False, verbose_name=_("enterprise"), attrs=WRAP
    )
    port = tables.Column(accessor="port__code", orderable=False, verbose_name=_("port of exit"))
    destination = tables.Column(accessor="destination__code", orderable=False, verbose_name=_("destination"))
    status = StatusColumn(order_by=("status", "-id"))
    inspection_mode = tables.Column(orderable=False, attrs=WRAP)
    total_value_usd = tables.Column(orderable=False, attrs={"td": {"class": "text-end"}})
    submitted_at = TimeColumn(orderable=False)

    class Meta(DeclarationsTable.Meta):
        model = Declaration
        fields = (
            "number",
            "enterprise",
            "port",
            "destination",
            "status",
            "inspection_mode",
            "total_value_usd",
            "submitted_at",
        )
        empty_text = _("No declarations match.")

    def render_enterprise(self, record: Declaration) -> str:
        url = reverse("declarations:enterprise_history", args=[record.enterprise_id])
        return format_html('<a href="{}">{}</a>', url, record.enterprise.name)

    def value_enterprise(self, value: str) -> str:
        return value


class SampleRequestTable(DeclarationsTable):
    id = tables.Column(
        verbose_name="#", linkify=lambda record: reverse("declarations:order_detail", args=[record.order_id])
    )
    declaration = tables.Column(
        accessor="declaration__number",
        linkify=lambda record: reverse("declarations:declaration_detail", args=[record.declaration_id]),
        order_by=("declaration_id",),
    )
    laboratory = tables.Column(accessor="laboratory__name", orderable=False)
    status = StatusColumn()
    result = StatusColumn(orderable=False)
    created_at = TimeColumn(verbose_name=_("requested at"))
    reported_at = TimeColumn()

    class Meta(DeclarationsTable.Meta):
        model = SampleRequest
        fields = (
            "id",
            "declaration",
            "sample_description",
            "laboratory",
            "status",
            "result",
            "external_ref",
            "created_at",
            "reported_at",
        )
        empty_text = _("No sample requests.")


class CertificateTable(DeclarationsTable):
    number = tables.Column(linkify=_link("certificate_detail"), order_by=("id",))
    kind = tables.Column(orderable=False)
    direction = tables.Column(orderable=False)
    status = StatusColumn(orderable=False)
    declaration = tables.Column(
        accessor="declaration__number",
        orderable=False,
        linkify=lambda record: (
            reverse("declarations:declaration_detail", args=[record.declaration_id])
            if record.declaration_id
            else None
        ),
    )
    issued_at = TimeColumn(orderable=False)

    class Meta(DeclarationsTable.Meta):
        model = Certificate
        fields = ("number", "kind", "direction", "status", "declaration", "issued_at", "key_id")
        empty_text = _("No certificates.")


class RuleSetTable(DeclarationsTable):
    version = tables.Column(linkify=_link("riskruleset_detail"))
    status = StatusColumn()
    created_at = TimeColumn(verbose_name=_("created at"))
    activated_at = TimeColumn()

    class Meta(DeclarationsTable.Meta):
        model = RiskRuleSet
        fields = ("version", "status", "note", "created_at", "activated_at")

    def render_version(self, value: int) -> str:
        return f"v{value}"


class RiskSignalTable(DeclarationsTable):
    enterprise = tables.Column(accessor="enterprise__name", orderable=False)
    destination = tables.Column(accessor="destination__name", orderable=False)
    opened_at = TimeColumn()

    class Meta(DeclarationsTable.Meta):
        model = RiskSignal
        fields = (
            "source",
            "reference",
            "title",
            "enterprise",
            "hs_prefix",
            "destination",
            "points",
            "opened_at",
        )
        empty_text = _("No open risk signals.")
