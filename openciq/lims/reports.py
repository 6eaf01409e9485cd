"""Publication: the certificate of analysis (PDF in both languages) and the result's way back to
the declaration that asked for it."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from openciq.core import audit
from openciq.core.errors import TransitionNotAllowed
from openciq.core.numbering import next_value
from openciq.lims import coa
from openciq.lims.choices import DEAD_ANALYSIS_STATES, AnalysisKind, AnalysisStatus, Outcome, SampleStatus
from openciq.lims.models import Analysis, Report, Sample
from openciq.lims.services import check, lock, require


def report_analyses(sample: Sample) -> list[Analysis]:
    """The results a report states: the sample's and its partitions' live routine analyses."""
    return list(
        Analysis.objects.filter(kind=AnalysisKind.ROUTINE)
        .filter(
            sample__in=[sample, *sample.partitions.exclude(status__in=["rejected", "cancelled", "invalid"])]
        )
        .exclude(status__in=DEAD_ANALYSIS_STATES)
        .select_related(
            "service__method", "sample__laboratory", "instrument", "submitted_by", "specification"
        )
        .prefetch_related("verifications__verifier")
        .order_by("sample__number", "service__code", "id")
    )


def summary(sample: Sample, analyses: list[Analysis]) -> str:
    """One paragraph for the requester: the outcome and what did not conform."""
    failing = [a for a in analyses if a.outcome in (Outcome.NOT_CONFORM, Outcome.INCONCLUSIVE)]
    if not failing:
        return _("%(number)s: all %(count)s results conform.") % {
            "number": sample.number,
            "count": len(analyses),
        }
    items = "; ".join(
        f"{a.service.name} {a.result} {a.unit} ({a.get_outcome_display()}, "
        + _("limit %(limit)s") % {"limit": a.spec_high if a.spec_high is not None else a.spec_low}
        + ")"
        for a in failing
    )
    return _("%(number)s: %(items)s") % {"number": sample.number, "items": items}


@audit.audited
def sample_publish(*, actor: Any, sample_id: int) -> Report:
    """verified → published: the certificate of analysis is rendered, stored with its SHA-256
    and, for a sample from a declaration, the outcome goes back to the inspector
    (``declarations.services.sample_result_record``). A retest's report names the report it
    replaces. Partitions are published with their parent. Permission ``lims.publish_sample``.
    Audit ``lims.sample_published``."""
    require(actor, "lims.publish_sample")
    sample = lock(Sample, actor, sample_id)
    check(sample, "publish")
    if sample.parent_id:
        raise TransitionNotAllowed(
            _("Partitions are published with their parent sample %(number)s.")
            % {"number": sample.parent.number if sample.parent else ""},
            fields={"sample": [sample.number]},
        )
    analyses = report_analyses(sample)
    now = timezone.now()
    replaces = (
        Report.objects.filter(sample=sample.retest_of).order_by("-id").first()
        if sample.retest_of_id
        else None
    )
    year = timezone.localdate(now).year
    number = f"R{year}{next_value(f'lims-report:{year}'):06d}"
    pdf = coa.render(sample, analyses, number=number, published_by=actor, published_at=now, replaces=replaces)
    report = Report(
        number=number,
        sample=sample,
        replaces=replaces,
        outcome=sample.outcome or Outcome.CONFORM,
        sha256=hashlib.sha256(pdf).hexdigest(),
        published_by=actor,
        published_at=now,
    )
    report.pdf.save(f"{number}.pdf", ContentFile(pdf), save=False)
    report.save()
    before = audit.snapshot(sample)
    Analysis.objects.filter(pk__in=[a.pk for a in analyses], status=AnalysisStatus.VERIFIED).update(
        status=AnalysisStatus.PUBLISHED, updated_at=now
    )
    for part in [sample, *sample.partitions.filter(status=SampleStatus.VERIFIED)]:
        part.status, part.status_changed_at, part.published_at = SampleStatus.PUBLISHED, now, now
        part.save()
    changes = audit.diff(before, audit.snapshot(sample))
    changes["report"] = [
        None,
        {"number": number, "sha256": report.sha256, "replaces": replaces.number if replaces else None},
    ]
    audit.record(actor=actor, action="lims.sample_published", obj=sample, changes=changes)
    if sample.sample_request_id:
        text = summary(sample, analyses) + " " + _("Report %(number)s.") % {"number": number}
        report_back(actor, sample, sample.outcome or Outcome.CONFORM, text)
    return report


def report_back(actor: Any, sample: Sample, outcome: str, text: str, reference: str = "") -> None:
    """Tell the declaration that asked for the sample (through its service, as the actor)."""
    from openciq.declarations.services import sample_result_record

    if sample.sample_request_id is None:
        return
    sample_result_record(
        actor=actor,
        sample_request_id=sample.sample_request_id,
        result=outcome,
        result_summary=text,
        external_ref=reference or sample.number,
    )
