"""Reads on master data, scoped to the actor."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, QuerySet

from openciq.masterdata.models import CalendarDay, Enterprise, EnterpriseClassChange


def enterprise_class_history(*, actor: Any, enterprise: Enterprise) -> QuerySet[EnterpriseClassChange]:
    """Classification changes of an enterprise the caller has already fetched within scope."""
    return enterprise.class_changes.select_related("changed_by", "decided_by").order_by("-created_at", "-id")


def class_change_enterprise_id(*, actor: Any, change_id: int) -> int | None:
    """The enterprise a classification change belongs to, if the actor may see it."""
    return (
        EnterpriseClassChange.objects.filter(
            pk=change_id, enterprise__in=Enterprise.objects.restrict(actor, "view")
        )
        .values_list("enterprise_id", flat=True)
        .first()
    )


def enterprise_class_counts(*, actor: Any) -> dict[str, int]:
    """How many visible enterprises are in each class (dashboard)."""
    rows = (
        Enterprise.objects.restrict(actor, "view")
        .values("classification")
        .annotate(n=Count("id"))
        .order_by("classification")
    )
    return {row["classification"]: row["n"] for row in rows}


def enterprises_of(*, actor: Any) -> QuerySet[Enterprise]:
    """The enterprises ``actor`` acts for (enterprise users)."""
    return Enterprise.objects.filter(memberships__user_id=actor.pk).order_by("uscc")


def calendar_exceptions(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    """Days between ``start`` and ``end`` (inclusive) that the calendar treats differently from
    Monday to Friday: date → whether it is a working day. Not scoped: the calendar is public."""
    return dict(
        CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_working_day")
    )
