"""Samples: the list, registration by hand, the sample's page (analyses with their retests,
partitions, custody, reports) and its actions, labels and report downloads.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openciq.core import selectors as core_selectors
from openciq.core.actions import refusals, run_service, show_refusal
from openciq.core.errors import ServiceError
from openciq.lims import labels, reports, selectors, services
from openciq.lims.choices import OPEN_SAMPLE_STATES, AnalysisStatus, QcStatus
from openciq.lims.filtersets import SampleFilterSet
from openciq.lims.forms import (
    CustodyForm,
    LabReasonForm,
    PartitionPartForm,
    ResultForm,
    SampleReceiveForm,
    SampleRegisterForm,
)
from openciq.lims.models import Analysis, Sample
from openciq.lims.views._common import (
    SECTION,
    VIEW_SAMPLE,
    _back,
    _form,
    _found,
    _id_page,
    _require,
    age,
    due_clock,
    shown,
)

PARTS = 3  # part rows offered on the partition form (empty ones are left out)


# --- List, registration, look-up by number ----------------------------------------------------


@login_required
def sample_list(request: HttpRequest) -> HttpResponse:
    """Samples newest first, filtered, paged by id; plain rows (the list is opened all day)."""
    _require(request, VIEW_SAMPLE)
    rows = selectors.samples(actor=request.user)
    filterset = SampleFilterSet(request.GET or None, queryset=rows, request=request)
    if filterset.is_bound and filterset.is_valid():
        rows = filterset.qs
    page = _id_page(request, rows)
    page["rows"] = [{"sample": s, "due": _open_clock(s)} for s in page["rows"]]
    context = {
        "title": _("Samples"),
        "filterset": filterset,
        "can_register": request.user.has_perm("lims.add_sample"),
        **page,
        **SECTION,
    }
    template = "lims/partials/sample_results.html" if request.htmx else "lims/sample_list.html"
    return render(request, template, context)


def _open_clock(sample: Sample) -> dict[str, Any] | None:
    """The due-date clock runs while the sample is being worked on."""
    return due_clock(sample.due_date) if sample.status in OPEN_SAMPLE_STATES else None


def _register_form(request: HttpRequest, data: Any = None) -> SampleRegisterForm:
    labs = selectors.laboratories(actor=request.user)
    return _form(
        SampleRegisterForm,
        data,
        laboratories=labs,
        services=selectors.lab_services(laboratory_ids=labs.values("pk")),
        countries=selectors.destinations(),
        initial={"laboratory": labs.first()} if data is None else None,
    )


@login_required
def sample_register(request: HttpRequest) -> HttpResponse:
    """Register a sample brought by hand (not from a declaration) with its analyses."""
    _require(request, "lims.add_sample")
    form = _register_form(request, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        data = services.SampleInput(
            laboratory_id=d["laboratory"].pk,
            description=d["description"],
            service_ids=[s.pk for s in d["services"]],
            client_name=d["client_name"],
            hs_code=d["hs_code"],
            destination_id=d["destination"].pk if d["destination"] else None,
            tests_requested=d["tests_requested"],
            priority=d["priority"],
            quantity=d["quantity"],
            date_sampled=d["date_sampled"],
        )
        sample = run_service(form, services.sample_register, actor=request.user, data=data)
        if sample is not None:
            messages.success(request, _("Sample %(number)s was registered.") % {"number": sample.number})
            return redirect("lims:sample_detail", pk=sample.pk)
    return render(request, "lims/sample_register.html", {"form": form, **SECTION})


@login_required
def sample_by_number(request: HttpRequest, number: str) -> HttpResponse:
    """The sample's page by its number (links from the declarations' sample requests)."""
    _require(request, VIEW_SAMPLE)
    sample = _found(selectors.sample_by_number(actor=request.user, number=number))
    return redirect("lims:sample_detail", pk=sample.pk)


# --- The sample's page --------------------------------------------------------------------------


@login_required
def sample_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, VIEW_SAMPLE)
    sample = _found(selectors.sample_detail(actor=request.user, pk=pk))
    return render(request, "lims/sample.html", _sample_context(request, sample))


def sample_page(request: HttpRequest, sample: Sample, **forms_: Any) -> HttpResponse:
    """The sample's page again, with refused forms (``result<pk>=form``, ``<verb>=form``)."""
    return render(request, "lims/sample.html", _sample_context(request, sample, **forms_))


def _sample_context(request: HttpRequest, sample: Sample, **forms_: Any) -> dict[str, Any]:
    user = request.user
    analyses = list(selectors.sample_analyses(sample=sample))
    retests = {a.retest_of_id: a for a in analyses if a.retest_of_id}
    entering = user.has_perm("lims.submit_analysis") and sample.status in ("received", "in_analysis")
    instruments: dict[int, Any] = {}
    rows = []
    for a in analyses:
        form = None
        if entering and a.status == AnalysisStatus.UNASSIGNED:
            method = a.service.method
            if method.pk not in instruments:
                instruments[method.pk] = selectors.method_instruments(method=method)
            form = forms_.get(f"result{a.pk}") or _form(
                ResultForm, prefix=f"r{a.pk}", unit=a.service.unit, instruments=instruments[method.pk]
            )
        rows.append(
            {
                "analysis": a,
                "shown": shown(a),
                "retest": retests.get(a.pk),
                "form": form,
                **analysis_buttons(user, a),
            }
        )
    return {
        "object": sample,
        "age": age(sample.status_changed_at),
        "due": _open_clock(sample),
        "rows": rows,
        "relatives": selectors.sample_relatives(sample=sample),
        "custody": list(selectors.sample_custody(sample=sample)),
        "reports": list(selectors.sample_reports(sample=sample)),
        "actions": [_action_entry(request, sample, verb, forms_.get(verb)) for verb in _verbs(user, sample)],
        "can_partition": _may(user, sample, "partition"),
        "can_view_declaration": user.has_perm("declarations.view_declaration"),
        **SECTION,
    }


def analysis_buttons(user: Any, analysis: Analysis, worksheet: Any = None) -> dict[str, bool]:
    """Which of verify / retract / reject to offer on a row (the service decides in the end):
    no verification while the worksheet's quality control has not passed."""
    status = analysis.status
    worksheet = worksheet or (analysis.worksheet if analysis.worksheet_id else None)
    qc_passed = worksheet is None or worksheet.qc_status == QcStatus.PASSED
    own = analysis.submitted_by_id == user.pk and not analysis.service.method.self_verification
    verified_by_me = any(v.verifier_id == user.pk for v in analysis.verifications.all())
    return {
        "can_verify": status == AnalysisStatus.TO_BE_VERIFIED
        and user.has_perm("lims.verify_analysis")
        and not own
        and not verified_by_me
        and qc_passed,
        "can_retract": status in ("to_be_verified", "verified") and user.has_perm("lims.retract_analysis"),
        "can_reject": status in ("unassigned", "assigned", "to_be_verified")
        and user.has_perm("lims.retract_analysis"),
    }


@login_required
def sample_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The audit events of a sample (loaded by htmx on its page)."""
    _require(request, VIEW_SAMPLE)
    sample = _found(selectors.sample_detail(actor=request.user, pk=pk))
    events = core_selectors.object_history(obj=sample)
    template = "core/partials/history.html" if request.htmx else "core/object_history.html"
    return render(request, template, {"object": sample, "events": events, **SECTION})


# --- Actions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    label: Any
    permission: str
    form: Callable[[Sample, Any], forms.Form]
    call: Callable[[Any, Sample, dict[str, Any]], Any]
    done: Callable[[Any], str]
    style: str = "btn-primary"
    state_verb: str = ""  # the transition whose states allow it ("" = any state)


def _receive_form(sample: Sample, data: Any) -> forms.Form:
    present = sample.analyses.exclude(status__in=["retracted", "rejected", "cancelled"]).values_list(
        "service_id", flat=True
    )
    return _form(
        SampleReceiveForm,
        data,
        prefix="receive",
        services=selectors.lab_services(laboratory_ids=[sample.laboratory_id]),
        initial={"services": list(present), "storage_location": sample.storage_location},
    )


def _reason_form(verb: str) -> Callable[[Sample, Any], forms.Form]:
    return lambda sample, data: _form(LabReasonForm, data, prefix=verb)


def _custody_form(sample: Sample, data: Any) -> forms.Form:
    holders = selectors.lab_staff(laboratory_id=sample.laboratory_id)
    return _form(CustodyForm, data, prefix="custody", holders=holders)


SAMPLE_ACTIONS: dict[str, Action] = {
    "receive": Action(
        gettext_lazy("Receive"),
        "lims.receive_sample",
        _receive_form,
        lambda actor, sample, d: services.sample_receive(
            actor=actor,
            sample_id=sample.pk,
            service_ids=[s.pk for s in d["services"]],
            storage_location=d["storage_location"],
            condition=d["condition"],
        ),
        lambda s: _("Sample %(number)s was received.") % {"number": s.number},
        state_verb="receive",
    ),
    "custody": Action(
        gettext_lazy("Record custody"),
        "lims.custody_sample",
        _custody_form,
        lambda actor, sample, d: services.custody_record(
            actor=actor,
            sample_id=sample.pk,
            kind=d["kind"],
            location=d["location"],
            note=d["note"],
            holder_id=d["holder"].pk if d["holder"] else None,
        ),
        lambda e: _("The custody entry was recorded."),
        "btn-outline-primary",
    ),
    "publish": Action(
        gettext_lazy("Publish the report"),
        "lims.publish_sample",
        lambda sample, data: _form(forms.Form, data, prefix="publish"),
        lambda actor, sample, d: reports.sample_publish(actor=actor, sample_id=sample.pk),
        lambda r: _("Report %(number)s was published.") % {"number": r.number},
        "btn-success",
        "publish",
    ),
    "reject": Action(
        gettext_lazy("Reject the sample"),
        "lims.reject_sample",
        _reason_form("reject"),
        lambda actor, sample, d: services.sample_reject(actor=actor, sample_id=sample.pk, reason=d["reason"]),
        lambda s: _("Sample %(number)s was rejected.") % {"number": s.number},
        "btn-outline-danger",
        "reject",
    ),
    "cancel": Action(
        gettext_lazy("Cancel the sample"),
        "lims.reject_sample",
        _reason_form("cancel"),
        lambda actor, sample, d: services.sample_cancel(actor=actor, sample_id=sample.pk, reason=d["reason"]),
        lambda s: _("Sample %(number)s was cancelled.") % {"number": s.number},
        "btn-outline-secondary",
        "cancel",
    ),
    "invalidate": Action(
        gettext_lazy("Invalidate the results"),
        "lims.invalidate_sample",
        _reason_form("invalidate"),
        lambda actor, sample, d: services.sample_invalidate(
            actor=actor, sample_id=sample.pk, reason=d["reason"]
        ),
        lambda retest: (
            _("The results were invalidated; retest %(number)s was received in their place.")
            % {"number": retest.number}
        ),
        "btn-outline-danger",
        "invalidate",
    ),
}


def _may(user: Any, sample: Sample, verb: str) -> bool:
    """Whether the page offers ``verb`` (permission and state; the service decides in the end)."""
    permission = SAMPLE_ACTIONS[verb].permission if verb in SAMPLE_ACTIONS else "lims.partition_sample"
    if not user.has_perm(permission):
        return False
    state_verb = SAMPLE_ACTIONS[verb].state_verb if verb in SAMPLE_ACTIONS else "partition"
    if verb == "custody":
        return sample.disposed_at is None
    if verb in ("partition", "publish", "invalidate") and sample.parent_id:
        return False
    return sample.status in Sample.transitions[state_verb][0]


def _verbs(user: Any, sample: Sample) -> list[str]:
    return [verb for verb in SAMPLE_ACTIONS if _may(user, sample, verb)]


def _action_entry(request: HttpRequest, sample: Sample, verb: str, form: Any = None) -> dict[str, Any]:
    action = SAMPLE_ACTIONS[verb]
    return {
        "verb": verb,
        "action": action,
        "form": form or action.form(sample, None),
        "url": reverse(f"lims:sample_{verb}", args=[sample.pk]),
        "open": form is not None,
    }


@login_required
def sample_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """One action on a sample (POST); GET shows its form on a page of its own."""
    action = SAMPLE_ACTIONS[verb]
    _require(request, action.permission)
    sample = _found(selectors.sample_detail(actor=request.user, pk=pk))
    form = action.form(sample, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        result = run_service(form, lambda: action.call(request.user, sample, data))
        if result is not None:
            messages.success(request, action.done(result))
            return _back(request, reverse("lims:sample_detail", args=[sample.pk]))
    context = {
        "object": sample,
        "title": action.label,
        "form": form,
        "style": action.style,
        "back": reverse("lims:sample_detail", args=[sample.pk]),
        "next": request.POST.get("next", ""),
        **SECTION,
    }
    return render(request, "lims/action.html", context)


def _part_forms(sample: Sample, data: Any = None) -> list[PartitionPartForm]:
    labs = selectors.all_laboratories()
    choices = selectors.lab_services(laboratory_ids=labs.values("pk"))
    return [
        _form(PartitionPartForm, data, prefix=f"parts-{i}", laboratories=labs, services=choices)
        for i in range(PARTS)
    ]


@login_required
def sample_partition(request: HttpRequest, pk: int) -> HttpResponse:
    """Split a received sample into parts, each for a laboratory with its analyses."""
    _require(request, "lims.partition_sample")
    sample = _found(selectors.sample_detail(actor=request.user, pk=pk))
    part_forms = _part_forms(sample, request.POST if request.method == "POST" else None)
    form = _form(forms.Form, request.POST or None)
    if request.method == "POST" and all(f.is_valid() for f in part_forms):
        sent = [f for f in part_forms if not f.is_empty()]
        parts = [
            services.PartitionInput(
                laboratory_id=f.cleaned_data["laboratory"].pk if f.cleaned_data["laboratory"] else 0,
                service_ids=[s.pk for s in f.cleaned_data["services"]],
                description=f.cleaned_data["description"],
            )
            for f in sent
        ]
        try:
            with refusals():
                created = services.sample_partition(actor=request.user, sample_id=sample.pk, parts=parts)
        except ServiceError as exc:
            show_refusal(form, exc, {k: v for k, v in exc.fields.items() if not k.startswith("parts[")})
            _show_part_errors(sent, exc.fields)
        else:
            numbers = ", ".join(p.number for p in created)
            messages.success(request, _("Partitions %(numbers)s were made.") % {"numbers": numbers})
            return redirect("lims:sample_detail", pk=sample.pk)
    context = {"object": sample, "form": form, "part_forms": part_forms, **SECTION}
    return render(request, "lims/sample_partition.html", context)


def _show_part_errors(sent: list[PartitionPartForm], fields: dict[str, list[str]]) -> None:
    """``parts[i].field`` errors onto the i-th part sent (empty rows were left out, in order)."""
    for key, errors in fields.items():
        match = re.fullmatch(r"parts\[(\d+)\]\.(\w+)", key)
        if match and int(match[1]) < len(sent):
            part = sent[int(match[1])]
            for error in errors:
                part.add_error(match[2] if match[2] in part.fields else None, error)


# --- Files: label and report ---------------------------------------------------------------------


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
def sample_label(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, VIEW_SAMPLE)
    sample = _found(selectors.sample_detail(actor=request.user, pk=pk))
    return _pdf(labels.sample_label(sample), f"{sample.number}-label.pdf")


@login_required
def sample_labels(request: HttpRequest) -> HttpResponse:
    """Labels of the samples received today (or of ``?sample=<id>&sample=…``), one a page."""
    _require(request, VIEW_SAMPLE)
    wanted = [int(i) for i in request.GET.getlist("sample") if i.isdigit()]
    rows = (
        selectors.samples(actor=request.user).filter(pk__in=wanted).order_by("id")
        if wanted
        else selectors.labels_to_print(actor=request.user)
    )
    batch = list(rows.select_related("laboratory")[:200])
    if not batch:
        raise Http404
    return _pdf(labels.sample_labels(batch), "labels.pdf")


def _report_file(report: Any) -> FileResponse:
    try:
        handle = report.pdf.open("rb")
    except (OSError, ValueError) as exc:
        raise Http404 from exc
    return FileResponse(handle, content_type="application/pdf", filename=f"{report.number}.pdf")


@login_required
def sample_report(request: HttpRequest, pk: int) -> FileResponse:
    """The latest report of a sample, for laboratory staff who may see the sample and for the
    inspector who may see the declaration's sample request."""
    report = _found(selectors.downloadable_reports(actor=request.user).filter(sample_id=pk).first())
    return _report_file(report)


@login_required
def request_report(request: HttpRequest, pk: int) -> FileResponse:
    """The latest report answering a declaration's sample request (the inspector's link)."""
    report = _found(
        selectors.downloadable_reports(actor=request.user)
        .filter(sample__sample_request_id=pk, withdrawn_at__isnull=True)
        .first()
    )
    return _report_file(report)


@login_required
def report_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """One report (an earlier or withdrawn one included), on the same terms."""
    report = _found(selectors.downloadable_reports(actor=request.user).filter(pk=pk).first())
    return _report_file(report)
