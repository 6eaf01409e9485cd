"""Analyses: the list, a result typed on the sample's or the worksheet's page, and verify,
retract and reject.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from openciq.core.actions import run_service
from openciq.lims import selectors, services
from openciq.lims.filtersets import AnalysisFilterSet
from openciq.lims.forms import LabReasonForm, ResultForm
from openciq.lims.models import Analysis
from openciq.lims.views._common import (
    SECTION,
    VIEW_ANALYSIS,
    _back,
    _form,
    _found,
    _id_page,
    _require,
    due_clock,
)
from openciq.lims.views.samples import sample_page
from openciq.lims.views.worksheets import worksheet_page

WAITING = frozenset({"unassigned", "assigned", "to_be_verified"})


@login_required
def analysis_list(request: HttpRequest) -> HttpResponse:
    """Routine analyses newest first, filtered, paged by id."""
    _require(request, VIEW_ANALYSIS)
    rows = selectors.analyses(actor=request.user)
    filterset = AnalysisFilterSet(request.GET or None, queryset=rows, request=request)
    if filterset.is_bound and filterset.is_valid():
        rows = filterset.qs
    page = _id_page(request, rows)
    page["rows"] = [
        {"analysis": a, "due": due_clock(a.due_date) if a.status in WAITING else None} for a in page["rows"]
    ]
    context = {"title": _("Analyses"), "filterset": filterset, **page, **SECTION}
    template = "lims/partials/analysis_results.html" if request.htmx else "lims/analysis_list.html"
    return render(request, template, context)


def analysis_home(analysis: Analysis) -> str:
    """The page an analysis is worked on: its worksheet's, else its sample's."""
    if analysis.worksheet_id:
        return reverse("lims:worksheet_detail", args=[analysis.worksheet_id]) + f"#a{analysis.pk}"
    if analysis.sample_id:
        return reverse("lims:sample_detail", args=[analysis.sample_id]) + f"#a{analysis.pk}"
    return reverse("lims:worklist")


@login_required
@require_POST
def analysis_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """A result typed on a row; a refusal shows the worksheet's or sample's page again with the
    error next to the field it names."""
    _require(request, "lims.submit_analysis")
    analysis = _found(selectors.analysis_detail(actor=request.user, pk=pk))
    on_sheet = analysis.worksheet_id is not None
    instruments = None if on_sheet else selectors.method_instruments(method=analysis.service.method)
    form = _form(
        ResultForm, request.POST, prefix=f"r{pk}", unit=analysis.service.unit, instruments=instruments
    )
    if form.is_valid():
        d = form.cleaned_data
        instrument = d.get("instrument")
        saved = run_service(
            form,
            services.analysis_submit,
            actor=request.user,
            analysis_id=analysis.pk,
            result=d["result"],
            unit=d["unit"],
            instrument_id=instrument.pk if instrument else None,
        )
        if saved is not None:
            messages.success(request, _("The result %(result)s was saved.") % {"result": saved.result})
            return _back(request, analysis_home(analysis))
    if on_sheet:
        return worksheet_page(request, analysis.worksheet, results={pk: form})
    return sample_page(request, analysis.sample, **{f"result{pk}": form})


@dataclass(frozen=True)
class Action:
    label: Any
    permission: str
    form: type[forms.Form]
    call: Callable[[Any, int, dict[str, Any]], Any]
    done: Any
    style: str = "btn-primary"


ANALYSIS_ACTIONS = {
    "verify": Action(
        gettext_lazy("Verify"),
        "lims.verify_analysis",
        forms.Form,
        lambda actor, pk, d: services.analysis_verify(actor=actor, analysis_id=pk),
        gettext_lazy("Your verification was recorded."),
        "btn-success",
    ),
    "retract": Action(
        gettext_lazy("Retract the result"),
        "lims.retract_analysis",
        LabReasonForm,
        lambda actor, pk, d: services.analysis_retract(actor=actor, analysis_id=pk, reason=d["reason"]),
        gettext_lazy("The result was retracted; a retest takes its place."),
        "btn-outline-danger",
    ),
    "reject": Action(
        gettext_lazy("Reject the analysis"),
        "lims.retract_analysis",
        LabReasonForm,
        lambda actor, pk, d: services.analysis_reject(actor=actor, analysis_id=pk, reason=d["reason"]),
        gettext_lazy("The analysis was rejected."),
        "btn-outline-danger",
    ),
}


@login_required
def analysis_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """Verify, retract or reject one result (POST); GET shows the form on a page of its own, and
    a refusal shows it again with the reason."""
    action = ANALYSIS_ACTIONS[verb]
    _require(request, action.permission)
    analysis = _found(selectors.analysis_detail(actor=request.user, pk=pk))
    form = _form(action.form, request.POST if request.method == "POST" else None, prefix=verb)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if run_service(form, lambda: action.call(request.user, analysis.pk, data)) is not None:
            messages.success(request, action.done)
            return _back(request, analysis_home(analysis))
    context = {
        "object": analysis,
        "analysis": analysis,
        "title": action.label,
        "form": form,
        "style": action.style,
        "back": analysis_home(analysis),
        "next": request.POST.get("next") or request.GET.get("next", ""),
        **SECTION,
    }
    return render(request, "lims/action.html", context)
