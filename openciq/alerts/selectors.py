"""Reads on food-packaging filings, always scoped to the acting user."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from openciq.alerts.choices import FilingStatus
from openciq.alerts.models import FILING_TRANSITIONS, FilingTransition, PackagingFiling
from openciq.core.errors import NotFoundError


def filing_list(*, actor: Any, action: str = "view") -> QuerySet[PackagingFiling]:
    """Filings ``actor`` may ``action``, newest first, with what the list table shows."""
    queryset: QuerySet[PackagingFiling] = (
        PackagingFiling.objects.restrict(actor, action)
        .select_related("enterprise", "org_unit", "decided_by", "renewal_of")
        .order_by("-id")
    )
    return queryset


def filing_get(*, actor: Any, pk: Any, action: str = "view") -> PackagingFiling:
    """One filing in scope, or :class:`NotFoundError` (also when it exists out of scope)."""
    try:
        filing: PackagingFiling = (
            filing_list(actor=actor, action=action).select_related("enterprise__org_unit").get(pk=int(pk))
        )
    except (PackagingFiling.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFoundError() from exc
    return filing


def filing_steps(*, filing: PackagingFiling) -> QuerySet[FilingTransition]:
    """The timeline of a filing the caller already fetched within scope, oldest step first."""
    return filing.steps.select_related("actor").order_by("at", "id")


def filing_actions(*, actor: Any, filing: PackagingFiling) -> list[str]:
    """The verbs ``actor`` may apply to ``filing`` in its current state (the page's buttons)."""
    return [
        verb
        for verb, (allowed_from, _to) in FILING_TRANSITIONS.items()
        if filing.status in allowed_from and actor.has_perm(f"alerts.{verb}_packagingfiling")
    ]


def filing_may_edit(*, actor: Any, filing: PackagingFiling) -> bool:
    return filing.status == FilingStatus.DRAFT and bool(actor.has_perm("alerts.change_packagingfiling"))


def filing_may_renew(*, actor: Any, filing: PackagingFiling) -> bool:
    return filing.status == FilingStatus.APPROVED and bool(actor.has_perm("alerts.add_packagingfiling"))


def filing_status_counts(*, actor: Any) -> dict[str, int]:
    """How many visible filings are in each state (dashboard)."""
    rows = PackagingFiling.objects.restrict(actor, "view").order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}
