"""Worksheets and quality control: planning a run, importing an instrument's results, judging
the run's blanks, controls (Westgard rules on the Levey-Jennings chart) and duplicates, and
what a failed run blocks: verification of its results, and the instrument until the laboratory
head releases it after corrective action."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from openciq.accounts.models import User
from openciq.core import audit
from openciq.core.errors import NotFoundError, PermissionDeniedError, TransitionNotAllowed, ValidationFailed
from openciq.core.numbering import next_value
from openciq.lims import instrument_csv, westgard
from openciq.lims.choices import (
    DEAD_ANALYSIS_STATES,
    AnalysisKind,
    AnalysisStatus,
    QcStatus,
    WorksheetStatus,
)
from openciq.lims.instruments import instrument_problems
from openciq.lims.models import (
    Analysis,
    ControlChart,
    ImportMapping,
    Instrument,
    Method,
    ReferenceMaterial,
    Worksheet,
)
from openciq.lims.services import (
    apply_result,
    check,
    lock,
    parse_result,
    require,
    retract,
    roll_up,
    today,
)

# How many earlier control results the Westgard rules look back over (10x needs ten points).
CONTROL_HISTORY = 19
MAX_IMPORT_ERRORS = 50
REJECTING_FLAGS = frozenset({"blank_above_limit", "duplicate_variation", "no_control_limits"})


def _flag_labels() -> dict[str, str]:
    return {
        "blank_above_limit": _("Blank above the limit of quantification"),
        "duplicate_variation": _("Duplicates differ by more than allowed"),
        "no_control_limits": _("No control chart for this reference material"),
        **{code: str(label) for code, label in westgard.RULE_LABELS.items()},
    }


def flag_label(code: str) -> str:
    return _flag_labels().get(code, code)


@audit.audited
def worksheet_create(
    *,
    actor: Any,
    method_id: int,
    instrument_id: int,
    analyst_id: int,
    analysis_ids: Sequence[int],
    blank_ids: Sequence[int] = (),
    control_ids: Sequence[int] = (),
    duplicate_ids: Sequence[int] = (),
) -> Worksheet:
    """Plan a run: unassigned analyses of one method go to an analyst on a valid instrument,
    with at least one blank or control (reference materials) and optional duplicates. The
    analyses become assigned. Permission ``lims.manage_worksheet``. Audit
    ``lims.worksheet_created``."""
    require(actor, "lims.manage_worksheet")
    method = Method.objects.in_scope(actor).filter(pk=method_id, is_active=True).first()
    if method is None:
        raise ValidationFailed(
            _("The worksheet was not created."), fields={"method": [_("Choose one of your methods.")]}
        )
    errors: dict[str, list[str]] = {}
    instrument = method.instruments.filter(pk=instrument_id).first()
    if instrument is None:
        errors["instrument"] = [_("Choose an instrument qualified for %(method)s.") % {"method": method.code}]
    else:
        errors.update({"instrument": p} if (p := instrument_problems(instrument, today())) else {})
    analyst = User.objects.filter(pk=analyst_id, is_active=True).select_related("org_unit").first()
    if (
        analyst is None
        or not analyst.has_perm("lims.submit_analysis")
        or analyst.org_unit is None
        or not method.laboratory.path.startswith(analyst.org_unit.path)
    ):
        errors["analyst"] = [_("Choose an analyst of the laboratory.")]
    ids = list(dict.fromkeys(int(i) for i in analysis_ids))
    analyses = list(
        Analysis.objects.select_for_update(of=("self",))
        .select_related("sample", "service")
        .filter(pk__in=ids, kind=AnalysisKind.ROUTINE, laboratory_id=method.laboratory_id)
    )
    unfit = sorted(
        set(ids)
        - {
            a.pk
            for a in analyses
            if a.status == AnalysisStatus.UNASSIGNED
            and a.service.method_id == method.pk
            and a.sample
            and a.sample.status in ("received", "in_analysis")
        }
    )
    if not ids:
        errors["analyses"] = [_("Choose at least one analysis.")]
    elif unfit:
        errors["analyses"] = [
            _("Analyses %(ids)s are not waiting for %(method)s in this laboratory.")
            % {"ids": ", ".join(map(str, unfit)), "method": method.code}
        ]
    materials = _reference_materials(method, blank_ids, control_ids, errors)
    if not blank_ids and not control_ids:
        errors["controls"] = [
            _("Add at least one blank or control: results are released only from a controlled run.")
        ]
    duplicates = [a for a in analyses if a.pk in set(map(int, duplicate_ids))]
    if len(duplicates) != len(set(map(int, duplicate_ids))):
        errors["duplicates"] = [_("Duplicates must be of analyses on this worksheet.")]
    if errors or instrument is None or analyst is None:
        raise ValidationFailed(_("The worksheet was not created."), fields=errors)
    year = timezone.localdate().year
    worksheet = Worksheet.objects.create(
        number=f"W{year}{next_value(f'lims-worksheet:{year}'):05d}",
        laboratory_id=method.laboratory_id,
        method=method,
        instrument=instrument,
        analyst=analyst,
        status=WorksheetStatus.OPEN,
        created_by=actor,
    )
    for analysis in analyses:
        analysis.status, analysis.worksheet, analysis.analyst, analysis.instrument = (
            AnalysisStatus.ASSIGNED,
            worksheet,
            analyst,
            instrument,
        )
    Analysis.objects.bulk_update(analyses, ["status", "worksheet", "analyst", "instrument", "updated_at"])
    qc = [
        Analysis(
            kind=AnalysisKind.BLANK if material.is_blank else AnalysisKind.CONTROL,
            laboratory_id=method.laboratory_id,
            service_id=material.service_id,
            reference_material=material,
            worksheet=worksheet,
            analyst=analyst,
            instrument=instrument,
            status=AnalysisStatus.ASSIGNED,
        )
        for material in materials
    ] + [
        Analysis(
            kind=AnalysisKind.DUPLICATE,
            laboratory_id=method.laboratory_id,
            service_id=original.service_id,
            duplicate_of=original,
            worksheet=worksheet,
            analyst=analyst,
            instrument=instrument,
            status=AnalysisStatus.ASSIGNED,
        )
        for original in duplicates
    ]
    Analysis.objects.bulk_create(qc)
    moves: list[dict[str, Any]] = []
    roll_up(actor, {a.sample_id for a in analyses}, batch_changes=moves)
    audit.record(
        actor=actor,
        action="lims.worksheet_created",
        obj=worksheet,
        changes={
            **audit.diff(None, audit.snapshot(worksheet)),
            "analyses": [None, [a.pk for a in analyses]],
            "qc": [
                None,
                [
                    f"{a.kind}:{a.reference_material.code if a.reference_material else a.duplicate_of_id}"
                    for a in qc
                ],
            ],
            "samples": [None, moves],
        },
    )
    return worksheet


def _reference_materials(
    method: Method, blank_ids: Sequence[int], control_ids: Sequence[int], errors: dict[str, list[str]]
) -> list[ReferenceMaterial]:
    chosen: list[ReferenceMaterial] = []
    for field, ids, blank in (("blanks", blank_ids, True), ("controls", control_ids, False)):
        wanted = list(dict.fromkeys(int(i) for i in ids))
        found = {
            m.pk: m
            for m in ReferenceMaterial.objects.filter(
                pk__in=wanted,
                laboratory_id=method.laboratory_id,
                service__method=method,
                is_blank=blank,
                is_active=True,
            ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today()))
        }
        if len(found) != len(wanted):
            errors[field] = [
                _(
                    "Reference materials %(ids)s are not valid %(kind)s for %(method)s (wrong method, expired or inactive)."
                )
                % {
                    "ids": ", ".join(str(i) for i in wanted if i not in found),
                    "kind": _("blanks") if blank else _("controls"),
                    "method": method.code,
                }
            ]
        chosen.extend(found[i] for i in wanted if i in found)
    return chosen


# --- After results and verifications ------------------------------------------------------------


def _qc_flags(analysis: Analysis) -> list[str]:
    """What is wrong with one QC result (empty when it is in control)."""
    service = analysis.service
    if analysis.kind == AnalysisKind.BLANK:
        limit = service.loq if service.loq is not None else (service.lod or Decimal(0))
        return (
            []
            if analysis.censored or analysis.value is None or analysis.value < limit or (analysis.value == 0)
            else ["blank_above_limit"]
        )
    if analysis.kind == AnalysisKind.DUPLICATE:
        original = analysis.duplicate_of
        if original is None or original.value is None or analysis.value is None:
            return []
        if original.censored and analysis.censored:
            return []
        mean = (original.value + analysis.value) / 2
        if mean == 0:
            return []
        variation = abs(original.value - analysis.value) / mean * 100
        return ["duplicate_variation"] if variation > service.duplicate_variation else []
    if analysis.kind == AnalysisKind.CONTROL and analysis.value is not None:
        chart = ControlChart.objects.filter(
            service=service, reference_material_id=analysis.reference_material_id
        ).first()
        if chart is None or chart.sd <= 0:
            return ["no_control_limits"]
        history = list(
            Analysis.objects.filter(
                kind=AnalysisKind.CONTROL,
                service=service,
                reference_material_id=analysis.reference_material_id,
                value__isnull=False,
                submitted_at__lt=analysis.submitted_at,
            )
            .exclude(pk=analysis.pk)
            .exclude(status=AnalysisStatus.RETRACTED)
            .order_by("-submitted_at", "-id")
            .values_list("value", flat=True)[:CONTROL_HISTORY]
        )
        values = [*reversed(history), analysis.value]
        return [v.rule for v in westgard.evaluate(values, mean=chart.mean, sd=chart.sd)]
    return []


def _judge_worksheet(actor: Any, worksheet: Worksheet) -> dict[str, Any]:
    """Once every analysis on the worksheet has a result: QC passed or failed (a failure blocks
    the instrument), and the worksheet goes to be verified. Returns the audit changes."""
    live = list(
        worksheet.analyses.select_related("service", "reference_material").exclude(
            status__in=DEAD_ANALYSIS_STATES
        )
    )
    qc = [a for a in live if a.kind != AnalysisKind.ROUTINE]
    changes: dict[str, Any] = {}
    if (
        qc
        and all(a.status != AnalysisStatus.ASSIGNED and a.status != AnalysisStatus.UNASSIGNED for a in qc)
        and worksheet.qc_status == QcStatus.PENDING
    ):
        failed = [a for a in qc if any(f in REJECTING_FLAGS or westgard_rejects(f) for f in a.qc_flags)]
        before = audit.snapshot(worksheet)
        if failed:
            worksheet.qc_status = QcStatus.FAILED
            worksheet.qc_summary = "; ".join(
                f"{a.reference_material.code if a.reference_material else a.get_kind_display()}: "
                + ", ".join(flag_label(f) for f in a.qc_flags)
                for a in failed
            )
            instrument = Instrument.objects.select_for_update().get(pk=worksheet.instrument_id)
            instrument.qc_blocked_at = timezone.now()
            instrument.qc_block_reason = f"{worksheet.number}: {worksheet.qc_summary}"[:2000]
            instrument.save(update_fields=["qc_blocked_at", "qc_block_reason", "updated_at"])
            changes["instrument_blocked"] = [None, instrument.code]
        else:
            worksheet.qc_status = QcStatus.PASSED
            now = timezone.now()
            Analysis.objects.filter(pk__in=[a.pk for a in qc], status=AnalysisStatus.TO_BE_VERIFIED).update(
                status=AnalysisStatus.VERIFIED, verified_at=now, updated_at=now
            )
        worksheet.save()
        changes.update(audit.diff(before, audit.snapshot(worksheet)))
    if (
        worksheet.status == WorksheetStatus.OPEN
        and live
        and all(a.status not in ("unassigned", "assigned") for a in live)
    ):
        before = audit.snapshot(worksheet)
        worksheet.status = WorksheetStatus.TO_BE_VERIFIED
        worksheet.save()
        changes.update(audit.diff(before, audit.snapshot(worksheet)))
    return changes


def westgard_rejects(code: str) -> bool:
    """Every Westgard rule rejects the run except the 1-2s warning."""
    return code in westgard.RULES and code != "1_2s"


def after_results(
    actor: Any, analyses: Sequence[Analysis], *, batch: list[dict[str, Any]] | None = None
) -> None:
    """QC flags of the QC results just entered, the worksheets' QC and states, the samples."""
    worksheet_ids: set[int] = set()
    routine_ids = [a.pk for a in analyses if a.kind == AnalysisKind.ROUTINE]
    # Duplicates whose original just got its result (one query for the whole batch).
    duplicates = list(
        Analysis.objects.filter(duplicate_of_id__in=routine_ids, value__isnull=False)
        .exclude(status__in=DEAD_ANALYSIS_STATES)
        .select_related("service", "duplicate_of")
    )
    for analysis in [*(a for a in analyses if a.kind != AnalysisKind.ROUTINE), *duplicates]:
        analysis.qc_flags = _qc_flags(analysis)
        Analysis.objects.filter(pk=analysis.pk).update(qc_flags=analysis.qc_flags)
    for analysis in analyses:
        if analysis.worksheet_id:
            worksheet_ids.add(analysis.worksheet_id)
    for worksheet_id in sorted(worksheet_ids):
        worksheet = Worksheet.objects.select_for_update().get(pk=worksheet_id)
        changes = _judge_worksheet(actor, worksheet)
        if changes and batch is None:
            audit.record(actor=actor, action="lims.worksheet_progressed", obj=worksheet, changes=changes)
        elif changes and batch is not None:
            batch.append({"worksheet": worksheet.number, **changes})
    roll_up(actor, {a.sample_id for a in analyses}, batch_changes=batch)


def after_verification(actor: Any, analysis: Analysis) -> None:
    if analysis.worksheet_id:
        worksheet = Worksheet.objects.select_for_update().get(pk=analysis.worksheet_id)
        routine = worksheet.analyses.filter(kind=AnalysisKind.ROUTINE).exclude(
            status__in=DEAD_ANALYSIS_STATES
        )
        if (
            worksheet.status == WorksheetStatus.TO_BE_VERIFIED
            and not routine.exclude(status__in=["verified", "published"]).exists()
        ):
            before = audit.snapshot(worksheet)
            worksheet.status = WorksheetStatus.VERIFIED
            worksheet.save()
            audit.record(
                actor=actor,
                action="lims.worksheet_verified",
                obj=worksheet,
                changes=audit.diff(before, audit.snapshot(worksheet)),
            )
    roll_up(actor, [analysis.sample_id])


# --- Retraction and release after corrective action ---------------------------------------------


@audit.audited
def worksheet_retract(*, actor: Any, worksheet_id: int, reason: str) -> Worksheet:
    """open / to be verified → retracted (typically after a QC failure): entered results are
    retracted with retests, analyses without a result go back to the queue, so all of them can
    be planned on a new run. Permission ``lims.retract_worksheet``. Audit ``lims.worksheet_retracted``."""
    require(actor, "lims.retract_worksheet")
    worksheet = lock(Worksheet, actor, worksheet_id)
    if not reason.strip():
        raise ValidationFailed(
            _("The worksheet was not retracted."), fields={"reason": [_("Give the reason.")]}
        )
    check(worksheet, "retract")
    before = audit.snapshot(worksheet)
    retested, returned = [], []
    for analysis in worksheet.analyses.select_for_update().exclude(
        status__in=[*DEAD_ANALYSIS_STATES, "verified", "published"]
    ):
        if analysis.kind != AnalysisKind.ROUTINE:
            analysis.status, analysis.reason = AnalysisStatus.RETRACTED, reason.strip()
            analysis.save(update_fields=["status", "reason", "updated_at"])
        elif analysis.status == AnalysisStatus.TO_BE_VERIFIED:
            retested.append(retract(actor, analysis, reason.strip()).pk)
        else:
            analysis.status, analysis.worksheet, analysis.analyst, analysis.instrument = (
                AnalysisStatus.UNASSIGNED,
                None,
                None,
                None,
            )
            analysis.save(update_fields=["status", "worksheet", "analyst", "instrument", "updated_at"])
            returned.append(analysis.pk)
    worksheet.status = WorksheetStatus.RETRACTED
    worksheet.save()
    changes = audit.diff(before, audit.snapshot(worksheet))
    changes.update(
        {"reason": [None, reason.strip()], "retests": [None, retested], "returned": [None, returned]}
    )
    audit.record(actor=actor, action="lims.worksheet_retracted", obj=worksheet, changes=changes)
    roll_up(actor, set(worksheet.analyses.values_list("sample_id", flat=True)))
    return worksheet


@audit.audited
def instrument_release(*, actor: Any, instrument_id: int, note: str) -> Instrument:
    """Lift a QC block after corrective action (recalibration, new column, fresh standards),
    stating what was done. Permission ``lims.change_instrument``. Audit ``lims.instrument_released``."""
    require(actor, "lims.change_instrument")
    instrument = lock(Instrument, actor, instrument_id)
    if instrument.qc_blocked_at is None:
        raise TransitionNotAllowed(
            _("Instrument %(code)s is not blocked.") % {"code": instrument.code},
            fields={"instrument": [instrument.code]},
        )
    if not note.strip():
        raise ValidationFailed(
            _("The instrument was not released."),
            fields={"note": [_("Say what corrective action was taken.")]},
        )
    before = audit.snapshot(instrument)
    instrument.qc_blocked_at, instrument.qc_block_reason = None, ""
    instrument.save()
    changes = audit.diff(before, audit.snapshot(instrument))
    changes["corrective_action"] = [None, note.strip()]
    audit.record(actor=actor, action="lims.instrument_released", obj=instrument, changes=changes)
    return instrument


# --- Instrument files ---------------------------------------------------------------------------


def _labels(worksheet: Worksheet) -> dict[tuple[str, str], Analysis]:
    """How an instrument file names each analysis of the worksheet: the sample number for a
    routine analysis, the reference material's code for a blank or control, "DUP-" and the
    sample number for a duplicate; with the analysis service's code."""
    index: dict[tuple[str, str], Analysis] = {}
    for analysis in worksheet.analyses.select_related(
        "sample", "service__method", "reference_material", "duplicate_of__sample", "worksheet"
    ).exclude(status__in=DEAD_ANALYSIS_STATES):
        if analysis.kind == AnalysisKind.ROUTINE and analysis.sample:
            label = analysis.sample.number
        elif (
            analysis.kind == AnalysisKind.DUPLICATE and analysis.duplicate_of and analysis.duplicate_of.sample
        ):
            label = f"DUP-{analysis.duplicate_of.sample.number}"
        elif analysis.reference_material:
            label = analysis.reference_material.code
        else:
            continue
        index[(label.casefold(), analysis.service.code.casefold())] = analysis
    return index


def file_label(analysis: Analysis) -> str:
    """The name of the analysis in an instrument file (see ``_labels``)."""
    if analysis.kind == AnalysisKind.ROUTINE and analysis.sample:
        return analysis.sample.number
    if analysis.kind == AnalysisKind.DUPLICATE and analysis.duplicate_of and analysis.duplicate_of.sample:
        return f"DUP-{analysis.duplicate_of.sample.number}"
    return analysis.reference_material.code if analysis.reference_material else ""


# What differs between the results of one file; the rest is the same for all of them.
_RESULT_FIELDS = (
    "result",
    "value",
    "censored",
    "unit",
    "uncertainty",
    "specification",
    "spec_low",
    "spec_high",
    "decision_rule",
    "outcome",
)


def _write_results(analyses: Sequence[Analysis]) -> None:
    """Store a file's results: one UPDATE for what they share, one prepared UPDATE executed
    for every row for what differs (Django's bulk_update writes a CASE per field and row, which
    made a 1,000-row file take over two seconds)."""
    if not analyses:
        return
    first, now = analyses[0], timezone.now()
    Analysis.objects.filter(pk__in=[a.pk for a in analyses]).update(
        status=first.status,
        submitted_by=first.submitted_by,
        submitted_at=first.submitted_at,
        instrument=first.instrument_id,
        updated_at=now,
    )
    fields: list[Any] = [Analysis._meta.get_field(name) for name in _RESULT_FIELDS]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(Analysis._meta.db_table),
        ", ".join(f"{quote(f.column)} = %s" for f in fields),
        quote("id"),
    )
    rows = [
        [*(f.get_db_prep_save(getattr(a, f.attname), connection) for f in fields), a.pk] for a in analyses
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@audit.audited
def results_import(
    *, actor: Any, worksheet_id: int, mapping_id: int, data: bytes, filename: str = ""
) -> list[Analysis]:
    """Enter a worksheet's results from the instrument's CSV export, read through an import
    mapping. All or nothing: one bad row (unknown sample or keyword, a result already entered,
    a wrong unit, a value outside the instrument's range) and nothing is stored; the error names
    the line and column. Permission ``lims.submit_analysis``. One audit event for the file,
    ``lims.results_imported``."""
    require(actor, "lims.submit_analysis")
    worksheet = lock(Worksheet, actor, worksheet_id)
    if worksheet.status != WorksheetStatus.OPEN:
        raise TransitionNotAllowed(
            _("Worksheet %(number)s is %(state)s.")
            % {"number": worksheet.number, "state": worksheet.get_status_display()},
            fields={"status": [worksheet.status]},
        )
    if worksheet.analyst_id != actor.pk and not actor.has_perm("lims.manage_worksheet"):
        raise PermissionDeniedError(
            _("This worksheet is assigned to %(analyst)s.") % {"analyst": str(worksheet.analyst)}
        )
    mapping_row = ImportMapping.objects.filter(pk=mapping_id, is_active=True).first()
    if mapping_row is None:
        raise NotFoundError(_("Unknown import mapping."))
    instrument = worksheet.instrument
    problems = instrument_problems(instrument, today())
    if problems:
        raise ValidationFailed(_("No results were imported."), fields={"instrument": problems})
    mapping = instrument_csv.ColumnMapping(
        sample_column=mapping_row.sample_column,
        keyword_column=mapping_row.keyword_column,
        result_column=mapping_row.result_column,
        unit_column=mapping_row.unit_column,
        delimiter=mapping_row.delimiter,
        encoding=mapping_row.encoding,
        skip_lines=mapping_row.skip_lines,
        decimal_comma=mapping_row.decimal_comma,
    )
    rows, row_errors = instrument_csv.parse(data, mapping)
    messages = [
        _("Line %(line)s, column %(column)s: %(message)s")
        % {"line": e.line, "column": e.column, "message": e.message}
        for e in row_errors
    ]
    index = _labels(worksheet)
    seen: set[int] = set()
    planned: list[tuple[Analysis, Any]] = []
    columns = {
        "result": mapping.result_column,
        "unit": mapping.unit_column or "unit",
        "instrument": "instrument",
    }
    for row in rows:
        analysis = index.get((row.sample.casefold(), row.keyword.casefold()))
        if analysis is None:
            messages.append(
                _(
                    "Line %(line)s, column %(column)s: %(sample)s / %(keyword)s is not on worksheet %(number)s."
                )
                % {
                    "line": row.line,
                    "column": mapping.sample_column,
                    "sample": row.sample,
                    "keyword": row.keyword,
                    "number": worksheet.number,
                }
            )
            continue
        if analysis.pk in seen:
            messages.append(
                _("Line %(line)s, column %(column)s: a second result for %(sample)s / %(keyword)s.")
                % {
                    "line": row.line,
                    "column": mapping.result_column,
                    "sample": row.sample,
                    "keyword": row.keyword,
                }
            )
            continue
        seen.add(analysis.pk)
        if analysis.status != AnalysisStatus.ASSIGNED:
            messages.append(
                _(
                    "Line %(line)s, column %(column)s: %(sample)s / %(keyword)s already has a result (%(state)s)."
                )
                % {
                    "line": row.line,
                    "column": mapping.result_column,
                    "sample": row.sample,
                    "keyword": row.keyword,
                    "state": analysis.get_status_display(),
                }
            )
            continue
        parsed, errors = parse_result(analysis.service, row.result, row.unit, instrument)
        for field, field_messages in errors.items():
            messages.extend(
                _("Line %(line)s, column %(column)s: %(message)s")
                % {"line": row.line, "column": columns.get(field, field), "message": m}
                for m in field_messages
            )
        if parsed is not None and not errors:
            planned.append((analysis, parsed))
    if not rows and not messages:
        messages.append(_("The file holds no results."))
    if messages:
        shown = messages[:MAX_IMPORT_ERRORS]
        if len(messages) > MAX_IMPORT_ERRORS:
            shown.append(_("… and %(count)s more.") % {"count": len(messages) - MAX_IMPORT_ERRORS})
        raise ValidationFailed(
            _("No results were imported: %(count)s problem(s) in the file.") % {"count": len(messages)},
            fields={"file": shown},
        )
    specs: dict[Any, Any] = {}
    analyses = []
    for analysis, parsed in planned:
        apply_result(analysis, parsed, actor, specs)
        analyses.append(analysis)
    _write_results(analyses)
    moves: list[dict[str, Any]] = []
    after_results(actor, analyses, batch=moves)
    audit.record(
        actor=actor,
        action="lims.results_imported",
        obj=worksheet,
        changes={
            "file": [None, filename[:200]],
            "sha256": [None, hashlib.sha256(data).hexdigest()],
            "mapping": [None, mapping_row.code],
            "results": [None, {str(a.pk): a.result for a in analyses}],
            "moves": [None, moves],
        },
    )
    return analyses
