"""Reads on the laboratories, scoped to the acting user and ordered for their pages and API.

Lists never count millions of rows: pages and API lists of samples and analyses page by id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone

from openciq.lims.choices import (
    DEAD_ANALYSIS_STATES,
    OPEN_SAMPLE_STATES,
    AnalysisKind,
    AnalysisStatus,
    QcStatus,
    SampleStatus,
    WorksheetStatus,
)
from openciq.lims.models import (
    Analysis,
    CustodyEvent,
    Instrument,
    Report,
    Sample,
    Worksheet,
)


def samples(*, actor: Any) -> QuerySet[Sample]:
    """Samples the actor may see, newest first, with what a list row shows."""
    return (
        Sample.objects.restrict(actor, "view")
        .select_related("laboratory", "client")
        .order_by("-id")
    )


def sample_detail(*, actor: Any, pk: int) -> Sample | None:
    return (
        Sample.objects.restrict(actor, "view")
        .select_related(
            "laboratory", "client", "product", "destination", "parent", "retest_of", "registered_by",
            "sample_request__declaration",
        )
        .filter(pk=pk)
        .first()
    )


def sample_analyses(*, sample: Sample) -> QuerySet[Analysis]:
    """Every analysis of a sample the caller already holds, retracted ones included (the
    history stays visible), with their verifications."""
    return (
        sample.analyses.select_related("service__method", "analyst", "submitted_by", "worksheet", "instrument", "retest_of")
        .prefetch_related("verifications__verifier")
        .order_by("service__code", "id")
    )


def sample_custody(*, sample: Sample) -> QuerySet[CustodyEvent]:
    return sample.custody.select_related("holder").order_by("at", "id")


def sample_reports(*, sample: Sample) -> QuerySet[Report]:
    return sample.reports.select_related("published_by", "replaces").order_by("-id")


def analyses(*, actor: Any) -> QuerySet[Analysis]:
    """Routine analyses the actor may see, newest first."""
    return (
        Analysis.objects.restrict(actor, "view")
        .filter(kind=AnalysisKind.ROUTINE)
        .select_related("sample", "service", "analyst", "laboratory")
        .order_by("-id")
    )


def worksheets(*, actor: Any) -> QuerySet[Worksheet]:
    return (
        Worksheet.objects.restrict(actor, "view")
        .select_related("laboratory", "method", "instrument", "analyst")
        .order_by("-id")
    )


def worksheet_detail(*, actor: Any, pk: int) -> Worksheet | None:
    return worksheets(actor=actor).filter(pk=pk).first()


def worksheet_analyses(*, worksheet: Worksheet) -> QuerySet[Analysis]:
    """Routine analyses first (by sample), then the QC analyses, retracted ones included."""
    return (
        worksheet.analyses.select_related(
            "sample", "service", "reference_material", "duplicate_of__sample", "submitted_by"
        )
        .prefetch_related("verifications")
        .order_by("kind", "sample__number", "service__code", "id")
    )


# --- Worklists ---------------------------------------------------------------------------------


def reception_worklist(*, actor: Any) -> QuerySet[Sample]:
    """Samples announced to the actor's laboratories and not yet received, oldest first."""
    return samples(actor=actor).filter(status=SampleStatus.REGISTERED).order_by("id")


def unassigned_analyses(*, actor: Any) -> QuerySet[Analysis]:
    """Analyses of received samples waiting for a worksheet, by method, oldest due first."""
    return (
        analyses(actor=actor)
        .filter(status=AnalysisStatus.UNASSIGNED, sample__status__in=["received", "in_analysis"])
        .select_related("service__method")
        .order_by("service__method__code", "due_date", "id")
    )


def analyst_worklist(*, actor: Any) -> QuerySet[Worksheet]:
    """The actor's open worksheets, oldest first."""
    return worksheets(actor=actor).filter(analyst_id=actor.pk, status=WorksheetStatus.OPEN).order_by("id")


def verifier_worklist(*, actor: Any) -> QuerySet[Analysis]:
    """Results waiting for a verification the actor may give: not entered by them (unless the
    method allows it), not verified by them already, on a worksheet whose QC passed."""
    return (
        analyses(actor=actor)
        .filter(status=AnalysisStatus.TO_BE_VERIFIED)
        .exclude(Q(submitted_by_id=actor.pk) & Q(service__method__self_verification=False))
        .exclude(verifications__verifier_id=actor.pk)
        .filter(Q(worksheet__isnull=True) | Q(worksheet__qc_status=QcStatus.PASSED))
        .select_related("service__method", "submitted_by", "worksheet")
        .order_by("due_date", "id")
    )


def overdue_samples(*, actor: Any, on: dt.date | None = None) -> QuerySet[Sample]:
    """Open samples past their due date, most overdue first."""
    day = on or timezone.localdate()
    return samples(actor=actor).filter(status__in=OPEN_SAMPLE_STATES, due_date__lt=day).order_by("due_date", "id")


def to_publish(*, actor: Any) -> QuerySet[Sample]:
    """Verified samples (not partitions) waiting for their report."""
    return samples(actor=actor).filter(status=SampleStatus.VERIFIED, parent__isnull=True).order_by("verified_at", "id")


def failed_worksheets(*, actor: Any) -> QuerySet[Worksheet]:
    return worksheets(actor=actor).filter(qc_status=QcStatus.FAILED).exclude(status=WorksheetStatus.RETRACTED)


def blocked_instruments(*, actor: Any) -> QuerySet[Instrument]:
    return Instrument.objects.restrict(actor, "view").filter(qc_blocked_at__isnull=False).order_by("code")


# --- Turnaround ---------------------------------------------------------------------------------


def turnaround_stats(*, actor: Any, since: dt.date, until: dt.date) -> list[dict[str, Any]]:
    """Per laboratory and method: analyses verified in the period, mean turnaround in working
    days and the share verified by their due date."""
    rows = (
        Analysis.objects.restrict(actor, "view")
        .filter(kind=AnalysisKind.ROUTINE, verified_at__date__gte=since, verified_at__date__lte=until)
        .exclude(status__in=DEAD_ANALYSIS_STATES)
        .values("laboratory__code", "laboratory__name_zh", "laboratory__name_en", "service__method__code", "service__method__name_zh", "service__method__name_en")
        .annotate(
            count=Count("id"),
            mean_days=Avg("turnaround_days"),
            on_time=Count("id", filter=Q(verified_at__date__lte=F("due_date"))),
        )
        .order_by("laboratory__code", "service__method__code")
    )
    return [
        {**row, "on_time_share": (row["on_time"] / row["count"]) if row["count"] else None}
        for row in rows
    ]

