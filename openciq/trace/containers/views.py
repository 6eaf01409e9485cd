"""Pages of the container e-seal flow under ``/trace/containers/``: the inspector's worklist
(alarms first), trips (list, sealing, the trip's page with its timeline of seal events, declared
against read seal, alarms and clearance time, and its actions), the container and seal registers
and the clearance-time figures. Every write goes through a service; refusals land on the form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from openciq.accounts.models import org_scope_q
from openciq.core.actions import run_service
from openciq.core.views import bounded_int, page_size
from openciq.masterdata.models import Enterprise, Port
from openciq.trace import services as trace_services
from openciq.trace.choices import AlertStatus
from openciq.trace.containers import selectors, services
from openciq.trace.containers.choices import INSPECT_STATES, OPEN_STATES, SealStatus
from openciq.trace.containers.filtersets import ContainerFilterSet, SealFilterSet, TripFilterSet
from openciq.trace.containers.forms import (
    ClearanceForm,
    ContainerForm,
    InspectForm,
    NoteForm,
    ReasonForm,
    ResolveForm,
    SealForm,
    TripSealForm,
)
from openciq.trace.containers.models import Trip
from openciq.trace.containers.tables import ContainerTable, SealTable
from openciq.trace.views._common import found, require

SECTION = {"active_section": "trace"}
VIEW_TRIP = "containers.view_trip"
CLEARANCE_DAYS = 180
MAX_ID = 2**62


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(default)


def _id_page(request: HttpRequest, rows: Any) -> dict[str, Any]:
    """One page of a list ordered newest first, by id (``?before=<id>``): no ``COUNT(*)``."""
    size = page_size(request)
    before = bounded_int(request.GET.get("before"), 0, 0, MAX_ID)
    page = list((rows.filter(pk__lt=before) if before else rows)[: size + 1])
    query = request.GET.copy()
    query.pop("before", None)
    return {
        "rows": page[:size],
        "query": query.urlencode(),
        "older": page[size - 1].pk if len(page) > size else None,
        "newest": bool(before),
    }


# --- Worklist -------------------------------------------------------------------------------------


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    """Open alarms of the trips in the inspector's area (blocking ones first, oldest first), then
    trips waiting at the gate and opened trips waiting for release."""
    require(request, VIEW_TRIP)
    context = {
        "title": _("Container worklist"),
        "work": selectors.worklist(actor=request.user, limit=page_size(request)),
        "can_handle": request.user.has_perm("trace.handle_supervisionalert"),
        "resolve_form": ResolveForm(prefix="resolve"),
        **SECTION,
    }
    return render(request, "containers/worklist.html", context)


# --- Trips ------------------------------------------------------------------------------------------


@login_required
def trip_list(request: HttpRequest) -> HttpResponse:
    """Trips newest first with their seal state, battery and badges, filtered; pages by id."""
    require(request, VIEW_TRIP)
    rows = selectors.trips(actor=request.user)
    filterset = TripFilterSet(request.GET or None, queryset=rows, request=request)
    if filterset.is_bound and filterset.is_valid():
        rows = filterset.qs
    context = {
        "title": _("Sealed trips"),
        "filterset": filterset,
        "can_seal": request.user.has_perm("containers.seal_trip"),
        **_id_page(request, rows),
        **SECTION,
    }
    htmx = bool(getattr(request, "htmx", False))
    template = "containers/partials/trip_results.html" if htmx else "containers/trip_list.html"
    return render(request, template, context)


def _seal_form(request: HttpRequest, data: Any = None) -> TripSealForm:
    user = request.user
    area = Port.objects.filter(is_active=True).order_by("code")
    return TripSealForm(
        data,
        enterprises=Enterprise.objects.in_scope(user).filter(is_active=True).order_by("uscc"),
        origins=area.filter(org_scope_q(user, "org_unit__path")),
        destinations=area,
        yards=selectors.place_choices(services.SEALING_KINDS),
        gates=selectors.place_choices(services.ARRIVAL_KINDS),
        checkpoints=selectors.place_choices(services.CHECKPOINT_KINDS),
        seals=list(
            selectors.seals(actor=user)
            .filter(status=SealStatus.AVAILABLE)
            .values_list("seal_id", flat=True)[:500]
        ),
    )


@login_required
def trip_seal(request: HttpRequest) -> HttpResponse:
    """Seal a container for a crossing (the yard officer's form)."""
    require(request, "containers.seal_trip")
    form = _seal_form(request, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        data = services.TripInput(
            declaration_number=d["declaration_number"],
            container_number=d["container_number"],
            seal_id=d["seal_id"],
            plate=d["plate"],
            origin_port_id=d["origin_port"].pk,
            destination_port_id=d["destination_port"].pk,
            sealing_location_id=d["sealing_location"].pk,
            arrival_location_id=d["arrival_location"].pk,
            checkpoint_ids=[c.pk for c in d["checkpoints"]],
            enterprise_id=d["enterprise"].pk if d["enterprise"] else None,
            size_type=d["size_type"],
        )
        trip = run_service(form, services.trip_seal, actor=request.user, data=data)
        if trip is not None:
            messages.success(
                request,
                _("Container %(container)s was sealed: trip %(trip)s.")
                % {"container": trip.container, "trip": trip.number},
            )
            return redirect("containers:trip_detail", pk=trip.pk)
    return render(
        request, "containers/trip_seal.html", {"form": form, "title": _("Seal a container"), **SECTION}
    )


@login_required
def trip_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, VIEW_TRIP)
    trip = found(selectors.trip_get(actor=request.user, pk=pk))
    return render(request, "containers/trip.html", _trip_context(request, trip))


def duration(value: dt.timedelta | None) -> str:
    """A duration as the pages show it: "2 d 3 h", "1 h 12 min", "8 min"."""
    if value is None:
        return ""
    minutes = max(0, int(value.total_seconds() // 60))
    days, rest = divmod(minutes, 1440)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": rest // 60}
    if rest >= 60:
        return _("%(hours)d h %(minutes)d min") % {"hours": rest // 60, "minutes": rest % 60}
    return _("%(minutes)d min") % {"minutes": rest}


def _durations(trip: Trip) -> dict[str, str]:
    waiting = timezone.now() - trip.arrived_at if trip.arrived_at and trip.status in OPEN_STATES else None
    return {
        "transit": duration(trip.transit_time),
        "clearance": duration(trip.clearance_time),
        "waiting": duration(waiting),
    }


def _trip_context(request: HttpRequest, trip: Trip, **forms_: Any) -> dict[str, Any]:
    alerts = selectors.trip_alerts(trip=trip)
    return {
        "object": trip,
        "durations": _durations(trip),
        "timeline": selectors.trip_timeline(trip=trip),
        "alerts": alerts,
        "open_blocking": [a for a in alerts if a.blocking and a.status != AlertStatus.RESOLVED],
        "checkpoints": list(trip.checkpoints.all()),
        "actions": [
            _action_entry(trip, verb, forms_.get(verb))
            for verb in TRIP_ACTIONS
            if _may(request.user, trip, verb)
        ],
        "can_handle": request.user.has_perm("trace.handle_supervisionalert"),
        "resolve_form": ResolveForm(prefix="resolve"),
        "can_trace": request.user.has_perm("trace.view_event"),
        **SECTION,
    }


@dataclass(frozen=True)
class Action:
    label: Any
    permission: str
    form: type[forms.Form]
    call: Callable[[Any, Trip, dict[str, Any]], Trip]
    done: Any
    style: str = "btn-primary"


TRIP_ACTIONS: dict[str, Action] = {
    "open": Action(
        gettext_lazy("Open (authorised)"),
        "containers.open_trip",
        NoteForm,
        lambda actor, trip, d: services.trip_open_authorised(actor=actor, trip_id=trip.pk, note=d["note"]),
        gettext_lazy("The container was opened with authority; its seal was removed."),
    ),
    "inspect": Action(
        gettext_lazy("Record the inspection"),
        "containers.inspect_trip",
        InspectForm,
        lambda actor, trip, d: services.trip_inspect(
            actor=actor, trip_id=trip.pk, result=d["result"], note=d["note"]
        ),
        gettext_lazy("The inspection was recorded."),
        "btn-outline-primary",
    ),
    "clear": Action(
        gettext_lazy("Clear (release)"),
        "containers.clear_trip",
        forms.Form,
        lambda actor, trip, d: services.trip_clear(actor=actor, trip_id=trip.pk),
        gettext_lazy("The trip was cleared."),
        "btn-success",
    ),
    "cancel": Action(
        gettext_lazy("Cancel the trip"),
        "containers.cancel_trip",
        ReasonForm,
        lambda actor, trip, d: services.trip_cancel(actor=actor, trip_id=trip.pk, reason=d["reason"]),
        gettext_lazy("The trip was cancelled."),
        "btn-outline-danger",
    ),
}


def _may(user: Any, trip: Trip, verb: str) -> bool:
    """Whether the page offers ``verb`` (permission and state; the service decides in the end)."""
    if not user.has_perm(TRIP_ACTIONS[verb].permission):
        return False
    allowed = INSPECT_STATES if verb == "inspect" else Trip.transitions[verb][0]
    return trip.status in allowed


def _action_entry(trip: Trip, verb: str, form: Any = None) -> dict[str, Any]:
    action = TRIP_ACTIONS[verb]
    return {
        "verb": verb,
        "action": action,
        "form": form or action.form(prefix=verb),
        "url": reverse(f"containers:trip_{verb}", args=[trip.pk]),
        "open": form is not None,
    }


@login_required
@require_POST
def trip_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """One action on a trip; a refusal shows the trip's page again with the form open."""
    action = TRIP_ACTIONS[verb]
    require(request, action.permission)
    trip = found(selectors.trip_get(actor=request.user, pk=pk))
    form = action.form(request.POST, prefix=verb)
    if form.is_valid():
        data = form.cleaned_data
        if run_service(form, lambda: action.call(request.user, trip, data)) is not None:
            messages.success(request, str(action.done))
            return redirect("containers:trip_detail", pk=trip.pk)
    trip = found(selectors.trip_get(actor=request.user, pk=pk))
    return render(request, "containers/trip.html", _trip_context(request, trip, **{verb: form}), status=200)


@login_required
@require_POST
def alert_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """Take (acknowledge) or resolve an alert from the worklist or the alert's trip page."""
    require(request, "trace.handle_supervisionalert")
    form = ResolveForm(request.POST, prefix="resolve") if verb == "resolve" else forms.Form(request.POST)
    default = reverse("containers:worklist")
    if form.is_valid():
        call = trace_services.alert_resolve if verb == "resolve" else trace_services.alert_acknowledge
        extra = {"resolution": form.cleaned_data["resolution"]} if verb == "resolve" else {}
        if run_service(form, call, actor=request.user, alert_id=pk, **extra) is not None:
            messages.success(
                request, _("The alert was resolved.") if verb == "resolve" else _("You took the alert.")
            )
            return _back(request, default)
    for error in form.non_field_errors() or [e for errors in form.errors.values() for e in errors]:
        messages.error(request, str(error))
    return _back(request, default)


# --- Registers ----------------------------------------------------------------------------------------


def _register(request: HttpRequest, rows: Any, filterset_class: Any, table_class: Any) -> dict[str, Any]:
    filterset = filterset_class(request.GET or None, queryset=rows, request=request)
    if filterset.is_bound and filterset.is_valid():
        rows = filterset.qs
    table = table_class(rows)
    RequestConfig(request, paginate={"per_page": page_size(request)}).configure(table)
    return {"filterset": filterset, "table": table, **SECTION}


@login_required
def container_list(request: HttpRequest) -> HttpResponse:
    require(request, "containers.view_container")
    context = _register(request, selectors.containers(actor=request.user), ContainerFilterSet, ContainerTable)
    context.update(title=_("Containers"), can_add=request.user.has_perm("containers.add_container"))
    context["add_url"] = reverse("containers:container_add")
    return render(request, "containers/register.html", context)


@login_required
def container_add(request: HttpRequest) -> HttpResponse:
    require(request, "containers.add_container")
    form = ContainerForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        container = run_service(form, services.container_register, actor=request.user, **form.cleaned_data)
        if container is not None:
            messages.success(request, _("Container %(container)s was registered.") % {"container": container})
            return redirect("containers:container_detail", pk=container.pk)
    back = reverse("containers:container_list")
    return render(
        request,
        "containers/form.html",
        {"form": form, "title": _("Register a container"), "back": back, **SECTION},
    )


@login_required
def container_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "containers.view_container")
    container = found(selectors.container_get(actor=request.user, pk=pk))
    trips = (
        selectors.trips_of(actor=request.user, container=container)[:100]
        if request.user.has_perm(VIEW_TRIP)
        else []
    )
    context = {
        "object": container,
        "trips": trips,
        "can_trace": request.user.has_perm("trace.view_event"),
        **SECTION,
    }
    return render(request, "containers/container.html", context)


@login_required
def seal_list(request: HttpRequest) -> HttpResponse:
    require(request, "containers.view_seal")
    context = _register(request, selectors.seals(actor=request.user), SealFilterSet, SealTable)
    context.update(title=_("Electronic seals"), can_add=request.user.has_perm("containers.add_seal"))
    context["add_url"] = reverse("containers:seal_add")
    return render(request, "containers/register.html", context)


@login_required
def seal_add(request: HttpRequest) -> HttpResponse:
    require(request, "containers.add_seal")
    form = SealForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        seal = run_service(form, services.seal_register, actor=request.user, **form.cleaned_data)
        if seal is not None:
            messages.success(request, _("Seal %(seal)s was registered.") % {"seal": seal})
            return redirect("containers:seal_detail", pk=seal.pk)
    back = reverse("containers:seal_list")
    return render(
        request,
        "containers/form.html",
        {"form": form, "title": _("Register a seal"), "back": back, **SECTION},
    )


@login_required
def seal_detail(request: HttpRequest, pk: int, retire_form: ReasonForm | None = None) -> HttpResponse:
    require(request, "containers.view_seal")
    seal = found(selectors.seal_get(actor=request.user, pk=pk))
    context = {
        "object": seal,
        "trips": selectors.trips_of(actor=request.user, seal=seal)[:100]
        if request.user.has_perm(VIEW_TRIP)
        else [],
        "retire_form": retire_form or ReasonForm(prefix="retire"),
        "can_retire": request.user.has_perm("containers.retire_seal")
        and seal.status not in ("sealed", "retired")
        and services.own_seals(request.user).filter(pk=seal.pk).exists(),
        "can_trace": request.user.has_perm("trace.view_event"),
        **SECTION,
    }
    return render(request, "containers/seal.html", context)


@login_required
@require_POST
def seal_retire(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "containers.retire_seal")
    found(selectors.seal_get(actor=request.user, pk=pk))
    form = ReasonForm(request.POST, prefix="retire")
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        seal = run_service(form, services.seal_retire, actor=request.user, seal_pk=pk, reason=reason)
        if seal is not None:
            messages.success(request, _("Seal %(seal)s was retired.") % {"seal": seal})
            return redirect("containers:seal_detail", pk=pk)
    return seal_detail(request, pk, retire_form=form)


# --- Clearance times ------------------------------------------------------------------------------------


@login_required
def clearance(request: HttpRequest) -> HttpResponse:
    """Median and 90th-percentile clearance time per destination port and month."""
    require(request, VIEW_TRIP)
    today = timezone.localdate()
    default = {"since": today - dt.timedelta(days=CLEARANCE_DAYS), "until": today}
    form = ClearanceForm(request.GET if "since" in request.GET else None, initial=default)
    period = form.cleaned_data if form.is_bound and form.is_valid() else default
    context = {
        "title": _("Clearance times"),
        "form": form,
        "period": period,
        "rows": selectors.clearance_stats(actor=request.user, since=period["since"], until=period["until"]),
        **SECTION,
    }
    return render(request, "containers/clearance.html", context)
