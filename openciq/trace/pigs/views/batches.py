"""Loading batches: the list, declaring one, the batch's page (declared against read at a glance,
missing and extra tags highlighted, alerts with their resolution, release and hold for the
inspector, the Hong Kong receipt), the actions, and the inspector's worklist."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from openciq.core.views import page_size
from openciq.trace import services as trace_services
from openciq.trace.pigs import selectors, services
from openciq.trace.pigs.filtersets import LoadingBatchFilterSet
from openciq.trace.pigs.forms import BatchForm, ReasonForm, ReceiveForm, ResolveForm, numbers
from openciq.trace.pigs.models import LoadingBatch
from openciq.trace.pigs.tables import LoadingBatchTable
from openciq.trace.pigs.views._common import SECTION, form_page, found, require, run

VIEW_BATCH = "pigs.view_loadingbatch"
# The actions that are one button (no form): verb → (service, success message).
BUTTONS: dict[str, tuple[Any, Any]] = {
    "start": (
        services.batch_start_loading,
        gettext_lazy("The loading channel is open for batch %(number)s."),
    ),
    "reconcile": (services.batch_reconcile, gettext_lazy("Batch %(number)s was reconciled.")),
    "release": (services.batch_release, gettext_lazy("Batch %(number)s was released.")),
}


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    require(request, VIEW_BATCH)
    rows = selectors.batches(actor=request.user)
    filterset = LoadingBatchFilterSet(request.GET or None, queryset=rows, request=request)
    if filterset.is_bound and filterset.is_valid():
        rows = filterset.qs
    table = LoadingBatchTable(rows)
    RequestConfig(request, paginate={"per_page": page_size(request)}).configure(table)
    context = {
        "title": _("Loading batches"),
        "filterset": filterset,
        "table": table,
        "can_add": request.user.has_perm("pigs.add_loadingbatch"),
        **SECTION,
    }
    template = (
        "pigs/partials/table_results.html" if getattr(request, "htmx", False) else "pigs/batch_list.html"
    )
    return render(request, template, context)


@login_required
def batch_declare(request: HttpRequest) -> HttpResponse:
    require(request, "pigs.add_loadingbatch")
    farm = selectors.farm_get(actor=request.user, pk=request.GET.get("farm"))
    form = BatchForm(
        request.POST if request.method == "POST" else None,
        farms=selectors.farm_choices(actor=request.user),
        initial={"farm": farm} if farm else {},
    )
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        data = services.BatchInput(
            farm_id=d["farm"].pk,
            declaration_number=d["declaration_number"],
            truck_plate=d["truck_plate"],
            animals=numbers(d["animals"]),
            planned_at=d["planned_at"],
        )
        batch = run(form, services.batch_declare, actor=request.user, data=data)
        if batch is not None:
            messages.success(request, _("Batch %(number)s was declared.") % {"number": batch.number})
            return redirect("pigs:batch_detail", pk=batch.pk)
    return form_page(request, form, title=_("Declare a loading batch"), back_url=reverse("pigs:batch_list"))


def batch_page(request: HttpRequest, batch: LoadingBatch, **forms: Any) -> HttpResponse:
    """The batch's page (again, with a refused form: ``resolve<pk>=form`` or ``refusal=form``)."""
    detail = selectors.batch_detail(actor=request.user, batch=batch)
    context = {
        "object": batch,
        **detail,
        "resolve_forms": {
            a.pk: forms.get(f"resolve{a.pk}") or ResolveForm(prefix=f"a{a.pk}")
            for a in detail["open_alerts"]
            if detail["may_resolve"]
        },
        "refusal": forms.get("refusal"),
        **SECTION,
    }
    return render(request, "pigs/batch.html", context)


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, VIEW_BATCH)
    return batch_page(request, found(selectors.batch_get(actor=request.user, pk=pk)))


@login_required
@require_POST
def batch_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """Start loading, reconcile or release: one button each. A refusal shows the batch's page
    again with the service's message and what it names."""
    if verb not in BUTTONS:
        raise Http404
    require(request, selectors.ACTION_PERMS[verb])
    batch = found(selectors.batch_get(actor=request.user, pk=pk))
    call, message = BUTTONS[verb]
    form = ResolveForm()  # carries the refusal's messages
    if run(form, call, actor=request.user, batch_id=batch.pk) is None:
        return batch_page(request, found(selectors.batch_get(actor=request.user, pk=pk)), refusal=form)
    messages.success(request, str(message) % {"number": batch.number})
    return redirect("pigs:batch_detail", pk=batch.pk)


@login_required
def batch_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "pigs.cancel_loadingbatch")
    batch = found(selectors.batch_get(actor=request.user, pk=pk))
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        done = run(
            form,
            services.batch_cancel,
            actor=request.user,
            batch_id=batch.pk,
            reason=form.cleaned_data["reason"],
        )
        if done is not None:
            messages.success(request, _("Batch %(number)s was cancelled.") % {"number": batch.number})
            return redirect("pigs:batch_detail", pk=batch.pk)
    return form_page(
        request,
        form,
        title=_("Cancel the batch"),
        back_url=reverse("pigs:batch_detail", args=[batch.pk]),
        subject=batch,
    )


@login_required
def batch_hold(request: HttpRequest, pk: int) -> HttpResponse:
    """Hold a reconciled batch, saying why (a blocking alert holds its declaration)."""
    require(request, "pigs.release_loadingbatch")
    batch = found(selectors.batch_get(actor=request.user, pk=pk))
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        done = run(
            form,
            services.batch_hold,
            actor=request.user,
            batch_id=batch.pk,
            reason=form.cleaned_data["reason"],
        )
        if done is not None:
            messages.success(request, _("Batch %(number)s is held.") % {"number": batch.number})
            return redirect("pigs:batch_detail", pk=batch.pk)
    return form_page(
        request,
        form,
        title=_("Hold the batch"),
        back_url=reverse("pigs:batch_detail", args=[batch.pk]),
        subject=batch,
    )


@login_required
def batch_receive(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the Hong Kong side's receipt reads."""
    require(request, "pigs.receive_loadingbatch")
    batch = found(selectors.batch_get(actor=request.user, pk=pk))
    form = ReceiveForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        done = run(
            form,
            services.batch_receive_hk,
            actor=request.user,
            batch_id=batch.pk,
            read_numbers=numbers(d["read_numbers"]),
            received_at=d["received_at"],
            read_point=d["read_point"] or None,
        )
        if done is not None:
            messages.success(
                request, _("The receipt of batch %(number)s was recorded.") % {"number": batch.number}
            )
            return redirect("pigs:batch_detail", pk=batch.pk)
    return form_page(
        request,
        form,
        title=_("Hong Kong receipt"),
        back_url=reverse("pigs:batch_detail", args=[batch.pk]),
        subject=batch,
    )


@login_required
@require_POST
def batch_alert_resolve(request: HttpRequest, pk: int, alert_pk: int) -> HttpResponse:
    """Resolve one of the batch's alerts, saying what was found and done."""
    require(request, "trace.handle_supervisionalert")
    batch = found(selectors.batch_get(actor=request.user, pk=pk))
    alert = found(batch.alerts.filter(pk=alert_pk).first())
    form = ResolveForm(request.POST, prefix=f"a{alert.pk}")
    if form.is_valid() and run(
        form,
        trace_services.alert_resolve,
        actor=request.user,
        alert_id=alert.pk,
        resolution=form.cleaned_data["resolution"],
    ):
        messages.success(request, _("The alert was resolved."))
        return redirect("pigs:batch_detail", pk=batch.pk)
    return batch_page(request, batch, **{f"resolve{alert.pk}": form})


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    """The inspector's pig worklist: batches to reconcile, to release, held, coming; open alerts."""
    require(request, VIEW_BATCH)
    work = selectors.worklist(actor=request.user)
    context = {
        "title": _("Live pigs: worklist"),
        "work": work,
        "links": selectors.alert_links(actor=request.user, alerts=work.alerts),
        **SECTION,
    }
    return render(request, "pigs/worklist.html", context)
