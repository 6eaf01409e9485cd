"""Reads on the laboratories, scoped to the acting user and ordered for their pages and API.

Lists never count millions of rows: pages and API lists of samples and analyses page by id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from openciq.accounts.models import OrgUnit, User, org_scope_q
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
    AnalysisService,
    ControlChart,
    CustodyEvent,
    ImportMapping,
    Instrument,
    Method,
    ReferenceMaterial,
    Report,
    Sample,
    Verification,
    Worksheet,
)
from openciq.masterdata.models import Country


def samples(*, actor: Any) -> QuerySet[Sample]:
    """Samples the actor may see, newest first, with what a list row shows."""
    return Sample.objects.restrict(actor, "view").select_related("laboratory", "client").order_by("-id")


def sample_detail(*, actor: Any, pk: int) -> Sample | None:
    return (
        Sample.objects.restrict(actor, "view")
        .select_related(
            "laboratory",
            "client",
            "product",
            "destination",
            "parent",
            "retest_of",
            "registered_by",
            "sample_request__declaration",
        )
        .filter(pk=pk)
        .first()
    )


def sample_analyses(*, sample: Sample) -> QuerySet[Analysis]:
    """Every analysis of a sample the caller already holds, retracted ones included (the
    history stays visible), with their verifications."""
    return (
        sample.analyses.select_related(
            "service__method", "analyst", "submitted_by", "worksheet", "instrument", "retest_of"
        )
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


def verifier_worklist(*, actor: Any, limit: int | None = None) -> QuerySet[Analysis]:
    """Results waiting for a verification the actor may give: not entered by them (unless the
    method allows it), not verified by them already, on a worksheet whose QC passed; due first.

    With ``limit``, the first ``limit`` of them with what a worklist row shows: their ids are
    found first without joins, so a backlog of thousands costs no more than a page.
    """
    # Subqueries rather than joins: the planner's work grows with every joined table.
    self_verifying = AnalysisService.objects.filter(method__self_verification=True).values("pk")
    # The few runs whose QC has not passed (an OR with "no worksheet" made SQLite walk every
    # analysis of every passed run).
    not_passed = Worksheet.objects.exclude(qc_status=QcStatus.PASSED).values("pk")
    verified_by_actor = Verification.objects.filter(analysis_id=OuterRef("pk"), verifier_id=actor.pk)
    waiting = (
        Analysis.objects.restrict(actor, "view")
        .filter(kind=AnalysisKind.ROUTINE, status=AnalysisStatus.TO_BE_VERIFIED)
        .exclude(Q(submitted_by_id=actor.pk) & ~Q(service_id__in=self_verifying))
        .exclude(Exists(verified_by_actor))
        .exclude(worksheet_id__in=not_passed)
        .order_by("due_date", "id")
    )
    if limit is None:
        return waiting
    ids = list(waiting.values_list("pk", flat=True)[:limit])
    return (
        Analysis.objects.filter(pk__in=ids)
        .select_related("sample", "service", "submitted_by", "worksheet")
        .order_by("due_date", "id")
    )


def overdue_samples(*, actor: Any, on: dt.date | None = None) -> QuerySet[Sample]:
    """Open samples past their due date, most overdue first."""
    day = on or timezone.localdate()
    return (
        samples(actor=actor)
        .filter(status__in=OPEN_SAMPLE_STATES, due_date__lt=day)
        .order_by("due_date", "id")
    )


def to_publish(*, actor: Any) -> QuerySet[Sample]:
    """Verified samples (not partitions) waiting for their report."""
    return (
        samples(actor=actor)
        .filter(status=SampleStatus.VERIFIED, parent__isnull=True)
        .order_by("verified_at", "id")
    )


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
        .values(
            "laboratory__code",
            "laboratory__name_zh",
            "laboratory__name_en",
            "service__method__code",
            "service__method__name_zh",
            "service__method__name_en",
        )
        .annotate(
            count=Count("id"),
            mean_days=Avg("turnaround_days"),
            on_time=Count("id", filter=Q(verified_at__date__lte=F("due_date"))),
        )
        .order_by("laboratory__code", "service__method__code")
    )
    return [
        {**row, "on_time_share": (row["on_time"] / row["count"]) if row["count"] else None} for row in rows
    ]


# --- Pages: choices, look-ups and the control chart ---------------------------------------------


def sample_by_number(*, actor: Any, number: str) -> Sample | None:
    return samples(actor=actor).filter(number=number).first()


def sample_relatives(*, sample: Sample) -> dict[str, list[Sample]]:
    """The partitions and retests of a sample the caller already holds (same laboratory rules:
    a partition in another laboratory is listed, its page answers only to that laboratory)."""
    return {
        "partitions": list(sample.partitions.select_related("laboratory").order_by("id")),
        "retests": list(sample.retests.select_related("laboratory").order_by("id")),
    }


def downloadable_reports(*, actor: Any) -> QuerySet[Report]:
    """Reports the actor may download: laboratory staff who may see the sample, and inspectors
    who may see the declaration's sample request that asked for it."""
    from openciq.declarations.selectors import sample_request_list

    lab = Report.objects.restrict(actor, "view").values("pk")
    requests = sample_request_list(actor=actor).values("pk")
    return (
        Report.objects.filter(Q(pk__in=lab) | Q(sample__sample_request__in=requests))
        .select_related("sample")
        .order_by("-id")
    )


def laboratories(*, actor: Any) -> QuerySet[OrgUnit]:
    """The active laboratories in the actor's area (where they may register samples)."""
    return (
        OrgUnit.objects.filter(kind="laboratory", is_active=True)
        .filter(org_scope_q(actor, "path"))
        .order_by("code")
    )


def all_laboratories() -> QuerySet[OrgUnit]:
    """Every active laboratory of the bureau (a partition may go to another one)."""
    return OrgUnit.objects.filter(kind="laboratory", is_active=True).order_by("code")


def lab_services(*, laboratory_ids: Any) -> QuerySet[AnalysisService]:
    """The active analysis services of these laboratories, by laboratory and code."""
    return (
        AnalysisService.objects.filter(laboratory_id__in=laboratory_ids, is_active=True)
        .select_related("laboratory", "method")
        .order_by("laboratory__code", "code")
    )


def methods(*, actor: Any) -> QuerySet[Method]:
    return (
        Method.objects.restrict(actor, "view")
        .filter(is_active=True)
        .select_related("laboratory")
        .order_by("code")
    )


def method_instruments(*, method: Method) -> QuerySet[Instrument]:
    """Instruments qualified for the method and usable (in service, not blocked by QC)."""
    return method.instruments.filter(
        is_active=True, out_of_service=False, qc_blocked_at__isnull=True
    ).order_by("code")


def method_reference_materials(*, method: Method) -> QuerySet[ReferenceMaterial]:
    """Blanks and controls of the method's services, active and not expired."""
    return (
        ReferenceMaterial.objects.filter(
            laboratory_id=method.laboratory_id, service__method=method, is_active=True
        )
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=timezone.localdate()))
        .select_related("service")
        .order_by("code")
    )


def lab_staff(*, laboratory_id: int, permission: str = "") -> QuerySet[User]:
    """Active users of a laboratory (its subtree), holding ``permission`` (app.codename) if given."""
    unit = OrgUnit.objects.filter(pk=laboratory_id).first()
    users: QuerySet[User] = User.objects.filter(is_active=True)
    if unit is None:
        return users.none()
    users = users.filter(org_unit__path__startswith=unit.path)
    if permission:
        app, codename = permission.split(".")
        perm = Q(content_type__app_label=app, codename=codename)
        held = Permission.objects.filter(perm)
        users = users.filter(
            Q(groups__permissions__in=held) | Q(user_permissions__in=held) | Q(is_superuser=True)
        )
    return users.distinct().order_by("username")


def import_mappings() -> QuerySet[ImportMapping]:
    return ImportMapping.objects.filter(is_active=True).order_by("code")


def labels_to_print(*, actor: Any) -> QuerySet[Sample]:
    """Samples received today (partitions and retests included): their labels go on the containers."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return samples(actor=actor).filter(received_at__gte=start).order_by("id")


def control_history(*, actor: Any, analysis: Analysis, limit: int = 20) -> list[Analysis]:
    """The last ``limit`` control results of the analysis's service and reference material, up
    to this one, oldest first (retracted ones left out, as the Westgard rules leave them out)."""
    rows = (
        Analysis.objects.restrict(actor, "view")
        .filter(
            kind=AnalysisKind.CONTROL,
            service_id=analysis.service_id,
            reference_material_id=analysis.reference_material_id,
            value__isnull=False,
            submitted_at__lte=analysis.submitted_at,
        )
        .filter(Q(pk=analysis.pk) | ~Q(status=AnalysisStatus.RETRACTED))
        .select_related("worksheet")
        .order_by("-submitted_at", "-id")[:limit]
    )
    return list(reversed(rows))


def control_charts(*, analyses: list[Analysis]) -> dict[tuple[int, int | None], ControlChart]:
    """The Levey-Jennings limits of these control analyses, by (service, reference material)."""
    wanted = Q(pk__in=[])
    for a in analyses:
        wanted |= Q(service_id=a.service_id, reference_material_id=a.reference_material_id)
    return {(c.service_id, c.reference_material_id): c for c in ControlChart.objects.filter(wanted)}


def overdue_by_laboratory(*, actor: Any) -> list[dict[str, Any]]:
    """How many open samples are past their due date today, per laboratory."""
    rows = (
        overdue_samples(actor=actor)
        .order_by()
        .values("laboratory__code", "laboratory__name_zh", "laboratory__name_en")
        .annotate(count=Count("id"))
        .order_by("laboratory__code")
    )
    return [dict(row) for row in rows]


def destinations() -> QuerySet[Country]:
    """Countries a sample's goods may be bound for (its specification depends on it)."""
    return Country.objects.filter(is_active=True).order_by("code")


# --- For the API ---------------------------------------------------------------------------------


def sample_partitions(*, sample: Sample) -> QuerySet[Sample]:
    """The parts of a sample the caller already holds (they may lie in other laboratories)."""
    return sample.partitions.order_by("number")


def analysis_detail(*, actor: Any, pk: int) -> Analysis | None:
    """One analysis of any kind (routine or quality control) the actor may see, with what its
    detail shows."""
    return (
        Analysis.objects.restrict(actor, "view")
        .select_related(
            "sample", "service", "worksheet", "reference_material", "analyst", "instrument", "submitted_by"
        )
        .prefetch_related("verifications__verifier")
        .filter(pk=pk)
        .first()
    )
