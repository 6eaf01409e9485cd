"""What the traceability flows show on a declaration's page (``declarations.related``): the
helpers the flows' providers share — a record's open alerts the user may see, and the link to
the trace of an identifier."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from django.urls import reverse

from openciq.declarations.related import RelatedAlert
from openciq.trace.choices import AlertKind, AlertStatus
from openciq.trace.models import SupervisionAlert

#: Records a flow lists on a declaration's page at most (the rest are counted).
LIMIT = 20


def first(rows: Any) -> tuple[list[Any], int]:
    """The first ``LIMIT`` records of the queryset ``rows``, and how many more it holds."""
    found = list(rows[: LIMIT + 1])
    shown = found[:LIMIT]
    return shown, (rows.count() - len(shown) if len(found) > LIMIT else 0)


def visible_open_alerts(actor: Any) -> Any:
    """Open alerts the actor may see (permission and area), oldest first."""
    return (
        SupervisionAlert.objects.restrict(actor, "view")
        .exclude(status=AlertStatus.RESOLVED)
        .order_by("raised_at", "id")
    )


def as_related(alerts: Iterable[SupervisionAlert]) -> tuple[RelatedAlert, ...]:
    return tuple(
        RelatedAlert(
            title=alert.title,
            kind_label=str(AlertKind(alert.kind).label) if alert.kind in AlertKind.values else alert.kind,
            severity=alert.severity,
            blocking=alert.blocking,
            url=reverse("trace:alert_detail", args=[alert.pk]),
        )
        for alert in alerts
    )


def group_alerts(
    alerts: Iterable[SupervisionAlert], owner: Mapping[int, Any]
) -> dict[Any, tuple[RelatedAlert, ...]]:
    """Alerts by the record they belong to (``owner``: alert id → record key)."""
    found: dict[Any, list[SupervisionAlert]] = {}
    for alert in alerts:
        if alert.pk in owner:
            found.setdefault(owner[alert.pk], []).append(alert)
    return {key: as_related(rows) for key, rows in found.items()}


def list_url(url_name: str, declaration_number: str) -> str:
    """A flow's list searched for the declaration number."""
    return f"{reverse(url_name)}?q={quote(declaration_number, safe='')}"


def trace_url(actor: Any, uri: str) -> str:
    """The trace page of ``uri``, for a user who may read events ("" otherwise)."""
    if not uri or not actor.has_perm("trace.view_event"):
        return ""
    return f"{reverse('trace:trace')}?epc={quote(uri, safe='')}"
