"""Capture jobs: the list, one job with the problems found (path into the document and message,
so the sender can fix it), and the upload of an EPCIS document through the same capture service
as the REST API."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from openciq.core.actions import run_service
from openciq.trace import selectors, services
from openciq.trace.choices import CaptureSource, CaptureStatus
from openciq.trace.filtersets import CaptureJobFilterSet
from openciq.trace.forms import CaptureUploadForm, media_type_of
from openciq.trace.models import CaptureJob
from openciq.trace.views._common import (
    ADD_EVENT,
    SECTION,
    VIEW_CAPTURE,
    VIEW_EVENT,
    found,
    id_page,
    is_htmx,
    require,
)

JOB_EVENTS_SHOWN = 20


@login_required
def capture_list(request: HttpRequest) -> HttpResponse:
    """Capture jobs newest first (a sender sees their own), paged by id."""
    require(request, VIEW_CAPTURE)
    rows = selectors.capture_jobs(actor=request.user)
    filterset = CaptureJobFilterSet(request.GET or None, queryset=rows, request=request)
    if filterset.is_bound and filterset.is_valid():
        rows = filterset.qs
    context = {
        "title": _("Capture jobs"),
        "filterset": filterset,
        "can_upload": request.user.has_perm(ADD_EVENT),
        **id_page(request, rows),
        **SECTION,
    }
    template = "trace/partials/capture_results.html" if is_htmx(request) else "trace/capture_list.html"
    return render(request, template, context)


@login_required
def capture_detail(request: HttpRequest, capture_id: Any) -> HttpResponse:
    require(request, VIEW_CAPTURE)
    job: CaptureJob = found(selectors.capture_job(actor=request.user, capture_id=str(capture_id)))
    can_view_events = request.user.has_perm(VIEW_EVENT)
    events = (
        selectors.capture_job_events(actor=request.user, job=job, limit=JOB_EVENTS_SHOWN)
        if can_view_events
        else []
    )
    context = {
        "object": job,
        "events": events,
        "more_events": job.stored_count > len(events),
        "can_view_events": can_view_events,
        **SECTION,
    }
    template = "trace/partials/capture_job.html" if is_htmx(request) else "trace/capture.html"
    return render(request, template, context)


@login_required
def capture_upload(request: HttpRequest) -> HttpResponse:
    """Upload an EPCIS document: captured at once, then the job's page shows what was stored
    and what was wrong."""
    require(request, ADD_EVENT)
    form = CaptureUploadForm(request.POST or None, request.FILES or None)
    if form.is_bound and form.is_valid():
        job = _capture(request, form)
        if job is not None:
            _announce(request, job)
            return redirect("trace:capture_detail", capture_id=job.capture_id)
    context = {"form": form, "size_limit": services.capture_size_limit(), **SECTION}
    return render(request, "trace/capture_upload.html", context)


def _capture(request: HttpRequest, form: CaptureUploadForm) -> CaptureJob | None:
    upload = form.cleaned_data["document"]
    limit = services.capture_size_limit()
    if upload.size > limit:
        form.add_error(
            "document",
            _("The file is %(size)d bytes; the limit is %(limit)d.") % {"size": upload.size, "limit": limit},
        )
        return None
    data = bytes(upload.read())
    job: CaptureJob | None = run_service(
        form,
        services.capture_document,
        actor=request.user,
        data=data,
        media_type=media_type_of(upload.name or "", data[:64]),
        error_behaviour=form.cleaned_data["error_behaviour"],
        source=CaptureSource.WEB,
    )
    return job


def _announce(request: HttpRequest, job: CaptureJob) -> None:
    counts = {"stored": job.stored_count, "sent": job.event_count, "duplicates": job.duplicate_count}
    if job.status == CaptureStatus.SUCCEEDED:
        messages.success(
            request, _("Stored %(stored)d of %(sent)d events (%(duplicates)d already stored).") % counts
        )
    elif job.status == CaptureStatus.PARTIAL:
        messages.warning(
            request, _("Stored %(stored)d of %(sent)d events; the others are wrong, see below.") % counts
        )
    else:
        messages.error(
            request, _("The document was refused: nothing was stored. The problems are listed below.")
        )
