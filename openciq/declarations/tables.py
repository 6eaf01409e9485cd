"""Tables of the declaration pages (django-tables2), and the small display helpers they share
with the views: the coloured status badge and the time-in-state clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from openciq.core.tables import OpenciqTable
from openciq.declarations.models import (
    Certificate,
    Declaration,
    InspectionOrder,
    RiskRuleSet,
    RiskSignal,
    SampleRequest,
)

DATETIME = "Y-m-d H:i"


def badge(status: str, label: Any) -> str:
    """A status badge coloured by state (one colour table: ``partials/status_badge.html``)."""
    return render_to_string("declarations/partials/status_badge.html", {"status": status, "label": label})


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

    def render_status(self, record: Any) -> str:
        return badge(record.status, record.get_status_display())


class DeclarationTable(DeclarationsTable):
    # Only columns backed by an index sort, so that sorting stays fast at millions of rows.
    number = tables.Column(linkify=_link("declaration_detail"))
    enterprise = tables.Column(accessor="enterprise__name", orderable=False, verbose_name=_("enterprise"))
    port = tables.Column(accessor="port__code", orderable=False, verbose_name=_("port of exit"))
    destination = tables.Column(
        accessor="destination__name", orderable=False, verbose_name=_("destination country")
    )
    status = tables.Column(order_by=("status", "-id"))
    inspection_mode = tables.Column(orderable=False)
    total_value_usd = tables.Column(orderable=False, attrs={"td": {"class": "text-end"}})
    submitted_at = tables.DateTimeColumn(format=DATETIME, orderable=False)

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


class EnterpriseHistoryTable(DeclarationTable):
    class Meta(DeclarationTable.Meta):
        exclude = ("pk", "enterprise")
        fields = (*DeclarationTable.Meta.fields, "conformity", "decided_at")

    decided_at = tables.DateTimeColumn(format=DATETIME, orderable=False)
    conformity = tables.Column(orderable=False)

    def render_conformity(self, record: Declaration) -> str:
        return badge(record.conformity, record.get_conformity_display())


class WorklistTable(DeclarationsTable):
    """Open inspection orders, oldest in state first (the order is the point: no sorting)."""

    waiting = tables.Column(
        accessor="status_changed_at", verbose_name=_("in this state for"), orderable=False
    )
    number = tables.Column(accessor="declaration__number", verbose_name=_("declaration"), orderable=False)
    enterprise = tables.Column(
        accessor="declaration__enterprise__name", verbose_name=_("enterprise"), orderable=False
    )
    kind = tables.Column(orderable=False)
    port = tables.Column(accessor="port__code", verbose_name=_("port"), orderable=False)
    status = tables.Column(orderable=False)
    assigned_to = tables.Column(orderable=False, default=_("unassigned"))
    open = tables.Column(accessor="pk", verbose_name="", orderable=False, exclude_from_export=True)

    class Meta(DeclarationsTable.Meta):
        model = InspectionOrder
        fields = ("waiting", "number", "enterprise", "kind", "port", "status", "assigned_to", "open")
        empty_text = _("Nothing is waiting for inspection.")

    def render_waiting(self, value: dt.datetime) -> str:
        return age(value)

    def render_number(self, record: InspectionOrder) -> str:
        url = reverse("declarations:declaration_detail", args=[record.declaration_id])
        return format_html('<a href="{}">{}</a>', url, record.declaration.number)

    def render_open(self, record: InspectionOrder) -> str:
        url = reverse("declarations:order_detail", args=[record.pk])
        return format_html('<a class="btn btn-sm btn-primary" href="{}">{}</a>', url, gettext("Open order"))


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
    result = tables.Column(orderable=False)
    reported_at = tables.DateTimeColumn(format=DATETIME)
    created_at = tables.DateTimeColumn(format=DATETIME, verbose_name=_("requested at"))

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

    def render_result(self, record: SampleRequest) -> str:
        return badge(record.result, record.get_result_display())


class CertificateTable(DeclarationsTable):
    number = tables.Column(linkify=_link("certificate_detail"), order_by=("id",))
    declaration = tables.Column(
        accessor="declaration__number",
        orderable=False,
        linkify=lambda record: (
            reverse("declarations:declaration_detail", args=[record.declaration_id])
            if record.declaration_id
            else None
        ),
    )
    issued_at = tables.DateTimeColumn(format=DATETIME, orderable=False)
    status = tables.Column(orderable=False)

    class Meta(DeclarationsTable.Meta):
        model = Certificate
        fields = ("number", "kind", "direction", "status", "declaration", "issued_at", "key_id")
        empty_text = _("No certificates.")


class RuleSetTable(DeclarationsTable):
    version = tables.Column(linkify=_link("riskruleset_detail"))
    activated_at = tables.DateTimeColumn(format=DATETIME)
    created_at = tables.DateTimeColumn(format=DATETIME, verbose_name=_("created at"))

    class Meta(DeclarationsTable.Meta):
        model = RiskRuleSet
        fields = ("version", "status", "note", "created_at", "activated_at")

    def render_version(self, value: int) -> str:
        return f"v{value}"


class RiskSignalTable(DeclarationsTable):
    enterprise = tables.Column(accessor="enterprise__name", orderable=False)
    destination = tables.Column(accessor="destination__name", orderable=False)
    opened_at = tables.DateTimeColumn(format=DATETIME)

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
