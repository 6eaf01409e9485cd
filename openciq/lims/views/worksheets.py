"""Worksheets: the list, planning a run, the worksheet's page (results typed row by row, the
quality-control section with its Levey-Jennings charts, the instrument file import) and
retraction; releasing an instrument blocked by a QC failure.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openciq.core import selectors as core_selectors
from openciq.core.actions import run_service
from openciq.lims import selectors, westgard, worksheets
from openciq.lims.choices import AnalysisKind, AnalysisStatus, WorksheetStatus
from openciq.lims.filtersets import WorksheetFilterSet
from openciq.lims.forms import (
    InstrumentReleaseForm,
    LabReasonForm,
    ResultForm,
    ResultsImportForm,
    WorksheetForm,
)
from openciq.lims.models import Analysis, ControlChart, Method, Worksheet
from openciq.lims.views._common import (
    SECTION,
    VIEW_WORKSHEET,
    _back,
    _form,
    _found,
    _id_page,
    _require,
    _upload,
    age,
    shown,
)

CHART_WIDTH, CHART_HEIGHT, CHART_HISTORY = 560, 200, 20


@login_required
def worksheet_list(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW_WORKSHEET)
    rows = selectors.worksheets(actor=request.user)
    filterset = WorksheetFilterSet(request.GET or None, queryset=rows, request=request)
    if filterset.is_bound and filterset.is_valid():
        rows = filterset.qs
    context = {
        "title": _("Worksheets"),
        "filterset": filterset,
        "can_create": request.user.has_perm("lims.manage_worksheet"),
        **_id_page(request, rows),
        **SECTION,
    }
    template = "lims/partials/worksheet_results.html" if request.htmx else "lims/worksheet_list.html"
    return render(request, template, context)


# --- Planning a run ------------------------------------------------------------------------------


def _choices(request: HttpRequest, method: Method) -> dict[str, Any]:
    materials = selectors.method_reference_materials(method=method)
    return {
        "instrument": selectors.method_instruments(method=method),
        "analyst": selectors.lab_staff(laboratory_id=method.laboratory_id, permission="lims.submit_analysis"),
        "analyses": selectors.unassigned_analyses(actor=request.user).filter(service__method=method),
        "blanks": materials.filter(is_blank=True),
        "controls": materials.filter(is_blank=False),
    }


def _initial(request: HttpRequest, method: Method, choices: dict[str, Any]) -> dict[str, Any]:
    """From the worklist: the analyses ticked there; every blank and control of the method; the
    planner as the analyst when they run analyses themselves."""
    picked = [i for i in request.GET.getlist("analyses") if i.isdigit()]
    return {
        "method": method,
        "instrument": choices["instrument"].first(),
        "analyst": request.user if choices["analyst"].filter(pk=request.user.pk).exists() else None,
        "analyses": picked,
        "blanks": list(choices["blanks"].values_list("pk", flat=True)),
        "controls": list(choices["controls"].values_list("pk", flat=True)),
    }


@login_required
def worksheet_create(request: HttpRequest) -> HttpResponse:
    """Plan a worksheet: GET ``?method=<id>&analyses=<id>…`` (the worklist's ticked analyses)
    shows the form; without a method it asks for one first. POST creates it."""
    _require(request, "lims.manage_worksheet")
    methods = selectors.methods(actor=request.user)
    source = request.POST if request.method == "POST" else request.GET
    raw = source.get("method", "")
    method = methods.filter(pk=raw).first() if raw.isdigit() else None
    choices = _choices(request, method) if method else None
    if request.method != "POST" or method is None:
        initial = _initial(request, method, choices) if method and choices else {}
        form = _form(WorksheetForm, initial=initial, methods=methods, choices=choices)
        return render(request, "lims/worksheet_create.html", {"form": form, "method": method, **SECTION})
    form = _form(WorksheetForm, request.POST, methods=methods, choices=choices)
    if form.is_valid():
        d = form.cleaned_data
        worksheet = run_service(
            form,
            worksheets.worksheet_create,
            actor=request.user,
            method_id=method.pk,
            instrument_id=d["instrument"].pk,
            analyst_id=d["analyst"].pk,
            analysis_ids=[a.pk for a in d["analyses"]],
            blank_ids=[m.pk for m in d["blanks"]],
            control_ids=[m.pk for m in d["controls"]],
            duplicate_ids=[a.pk for a in d["duplicates"]],
        )
        if worksheet is not None:
            messages.success(request, _("Worksheet %(number)s was planned.") % {"number": worksheet.number})
            return redirect("lims:worksheet_detail", pk=worksheet.pk)
    return render(request, "lims/worksheet_create.html", {"form": form, "method": method, **SECTION})


# --- The worksheet's page ------------------------------------------------------------------------


@login_required
def worksheet_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, VIEW_WORKSHEET)
    return worksheet_page(request, _found(selectors.worksheet_detail(actor=request.user, pk=pk)))


def worksheet_page(request: HttpRequest, worksheet: Worksheet, **forms_: Any) -> HttpResponse:
    """The worksheet's page, with refused forms (``results={analysis pk: form}``, ``upload``,
    ``retract``) shown again."""
    return render(request, "lims/worksheet.html", _worksheet_context(request, worksheet, **forms_))


def _worksheet_context(request: HttpRequest, worksheet: Worksheet, **forms_: Any) -> dict[str, Any]:
    from openciq.lims.views.samples import analysis_buttons

    user = request.user
    analyses = list(selectors.worksheet_analyses(worksheet=worksheet))
    refused: dict[int, Any] = forms_.get("results") or {}
    may_enter = (
        worksheet.status == WorksheetStatus.OPEN
        and user.has_perm("lims.submit_analysis")
        and (worksheet.analyst_id == user.pk or user.has_perm("lims.manage_worksheet"))
    )
    rows = []
    for a in analyses:
        form = None
        if may_enter and a.status == AnalysisStatus.ASSIGNED:
            form = refused.get(a.pk) or _form(ResultForm, prefix=f"r{a.pk}", unit=a.service.unit)
        flags = [(code, worksheets.flag_label(code), _rejects(code)) for code in a.qc_flags]
        rows.append(
            {
                "analysis": a,
                "shown": shown(a),
                "form": form,
                "flags": flags,
                **analysis_buttons(user, a, worksheet),
            }
        )
    _focus(rows, refused)
    controls = [a for a in analyses if a.kind == AnalysisKind.CONTROL and a.value is not None]
    return {
        "object": worksheet,
        "age": age(worksheet.created_at),
        "routine": [r for r in rows if r["analysis"].kind == AnalysisKind.ROUTINE],
        "qc": [r for r in rows if r["analysis"].kind != AnalysisKind.ROUTINE],
        "charts": _charts(request, controls),
        "upload_form": forms_.get("upload") or (_import_form(None) if may_enter else None),
        "retract_form": forms_.get("retract")
        or (
            _form(LabReasonForm, prefix="retract")
            if user.has_perm("lims.retract_worksheet") and worksheet.status in ("open", "to_be_verified")
            else None
        ),
        **SECTION,
    }


def _rejects(code: str) -> bool:
    return code in worksheets.REJECTING_FLAGS or worksheets.westgard_rejects(code)


def _focus(rows: list[dict[str, Any]], refused: dict[int, Any]) -> None:
    """Put the cursor where typing goes on: the refused result, else the first one still open."""
    ordered = sorted(rows, key=lambda r: r["analysis"].kind != AnalysisKind.ROUTINE)  # as the page shows them
    target = next((r["form"] for r in ordered if r["form"] is not None and r["analysis"].pk in refused), None)
    target = target or next((r["form"] for r in ordered if r["form"] is not None), None)
    if target is not None:
        target.fields["result"].widget.attrs["autofocus"] = True


def _charts(request: HttpRequest, controls: list[Analysis]) -> list[dict[str, Any]]:
    limits = selectors.control_charts(analyses=controls)
    return [_chart(request, a, limits.get((a.service_id, a.reference_material_id))) for a in controls]


def _chart(request: HttpRequest, analysis: Analysis, limits: ControlChart | None) -> dict[str, Any]:
    """A Levey-Jennings chart as SVG coordinates: the lines at the mean and ±1, 2, 3 SD and the
    last control results up to this one, each coloured by the Westgard flags it got."""
    chart: dict[str, Any] = {
        "analysis": analysis,
        "limits": limits,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
    }
    if limits is None or limits.sd <= 0:
        return chart
    history = selectors.control_history(actor=request.user, analysis=analysis, limit=CHART_HISTORY)
    coordinates = westgard.chart_points(
        [a.value for a in history], mean=limits.mean, sd=limits.sd, width=CHART_WIDTH, height=CHART_HEIGHT
    )
    chart["lines"] = [
        {
            "sd": k,
            "y": round(westgard.chart_y(k, height=CHART_HEIGHT), 1),
            "value": limits.mean + k * limits.sd,
        }
        for k in (3, 2, 1, 0, -1, -2, -3)
    ]
    chart["points"] = [
        {
            "x": round(x, 1),
            "y": round(y, 1),
            "analysis": a,
            "current": a.pk == analysis.pk,
            "state": "reject" if any(_rejects(f) for f in a.qc_flags) else ("warn" if a.qc_flags else "ok"),
        }
        for a, (x, y) in zip(history, coordinates, strict=True)
    ]
    chart["path"] = " ".join(f"{p['x']},{p['y']}" for p in chart["points"])
    return chart


def _import_form(data: Any, files: Any = None) -> ResultsImportForm:
    return _form(ResultsImportForm, data, files, prefix="upload", mappings=selectors.import_mappings())


@login_required
@require_POST
def worksheet_import(request: HttpRequest, pk: int) -> HttpResponse:
    """The instrument's CSV export: all results or none; each problem listed with its line."""
    _require(request, "lims.submit_analysis")
    worksheet = _found(selectors.worksheet_detail(actor=request.user, pk=pk))
    form = _import_form(request.POST, request.FILES)
    if form.is_valid() and (data := _upload(form)) is not None:
        done = run_service(
            form,
            worksheets.results_import,
            actor=request.user,
            worksheet_id=worksheet.pk,
            mapping_id=form.cleaned_data["mapping"].pk,
            data=data,
            filename=form.cleaned_data["file"].name,
        )
        if done is not None:
            messages.success(request, _("%(count)s results were imported.") % {"count": len(done)})
            return redirect("lims:worksheet_detail", pk=worksheet.pk)
    return worksheet_page(request, worksheet, upload=form)


@login_required
@require_POST
def worksheet_retract(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "lims.retract_worksheet")
    worksheet = _found(selectors.worksheet_detail(actor=request.user, pk=pk))
    form = _form(LabReasonForm, request.POST, prefix="retract")
    if form.is_valid() and run_service(
        form, worksheets.worksheet_retract, actor=request.user, worksheet_id=worksheet.pk, **form.cleaned_data
    ):
        messages.success(request, _("The worksheet was retracted; its analyses wait for a new run."))
        return redirect("lims:worksheet_detail", pk=worksheet.pk)
    return worksheet_page(request, worksheet, retract=form)


@login_required
def worksheet_history(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, VIEW_WORKSHEET)
    worksheet = _found(selectors.worksheet_detail(actor=request.user, pk=pk))
    events = core_selectors.object_history(obj=worksheet)
    template = "core/partials/history.html" if request.htmx else "core/object_history.html"
    return render(request, template, {"object": worksheet, "events": events, **SECTION})


@login_required
def instrument_release(request: HttpRequest, pk: int) -> HttpResponse:
    """Lift an instrument's QC block after corrective action (POST; GET shows the form)."""
    _require(request, "lims.change_instrument")
    instrument = _found(selectors.blocked_instruments(actor=request.user).filter(pk=pk).first())
    form = _form(InstrumentReleaseForm, request.POST if request.method == "POST" else None, prefix="release")
    if (
        form.is_bound
        and form.is_valid()
        and run_service(
            form, worksheets.instrument_release, actor=request.user, instrument_id=pk, **form.cleaned_data
        )
    ):
        messages.success(request, _("Instrument %(code)s was released.") % {"code": instrument.code})
        return _back(request, reverse("lims:worklist"))
    context = {
        "object": instrument,
        "title": _("Release the instrument"),
        "form": form,
        "style": "btn-warning",
        "back": reverse("lims:worklist"),
        "next": request.POST.get("next", ""),
        **SECTION,
    }
    return render(request, "lims/action.html", context)
