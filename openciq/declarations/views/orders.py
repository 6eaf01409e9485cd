"""The inspector's worklist, an inspection order's page and its actions (start, assign, record,
photos, complete), sample requests and their laboratory results.
"""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from PIL import Image, UnidentifiedImageError

from openciq.core.actions import refusals, run_service
from openciq.core.errors import ServiceError
from openciq.core.views import page_size
from openciq.declarations import selectors, services
from openciq.declarations.choices import ChecklistResult, InspectionMode, OrderStatus
from openciq.declarations.filtersets import SampleRequestFilterSet, WorklistFilterSet
from openciq.declarations.forms import (
    AssignForm,
    ChecklistItemForm,
    OrderCompleteForm,
    PhotoForm,
    SampleRequestForm,
    SampleResultForm,
)
from openciq.declarations.models import InspectionOrder
from openciq.declarations.tables import SampleRequestTable, age
from openciq.declarations.views._common import (
    SECTION,
    WORK,
    _form,
    _found,
    _list_page,
    _one,
    _posted_rows,
    _require,
    _show_row_errors,
)

CHECK_FIELDS = tuple(ChecklistItemForm.base_fields)
# What an inspector checks by default, per kind of order (the inspector may change every row).
CHECKLISTS: dict[str, list[Any]] = {
    InspectionMode.DOCUMENT: [
        gettext_lazy("Documents match the goods declared"),
        gettext_lazy("Origin premises registered and valid"),
        gettext_lazy("Labels and marks"),
    ],
    InspectionMode.ONSITE: [
        gettext_lazy("Documents match the goods declared"),
        gettext_lazy("Labels and marks"),
        gettext_lazy("Packaging"),
        gettext_lazy("Container and seal intact"),
        gettext_lazy("Temperature"),
        gettext_lazy("Pests and contaminants"),
        gettext_lazy("Quantity and weight check"),
    ],
}
CHECKLISTS[InspectionMode.SAMPLING] = CHECKLISTS[InspectionMode.ONSITE]
RESULT_LABELS = dict(ChecklistResult.choices)


# --- Worklist, inspection orders and samples --------------------------------------------------


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    """Open orders in the inspector's ports, oldest in state first, with time-in-state clocks."""
    _require(request, WORK)
    rows = selectors.worklist(actor=request.user)
    filterset = WorklistFilterSet(request.GET or None, queryset=rows, request=request)
    if filterset.is_bound and filterset.is_valid():
        rows = filterset.qs
    page = Paginator(rows, page_size(request)).get_page(request.GET.get("page"))
    now = timezone.now()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "title": _("My worklist"),
        "filterset": filterset,
        "page": page,
        "query": query.urlencode(),
        "rows": [
            {
                "order": o,
                "age": age(o.status_changed_at),
                "hours": (now - o.status_changed_at).total_seconds() / 3600,
            }
            for o in page
        ],
        **SECTION,
    }
    template = "declarations/partials/worklist_results.html" if request.htmx else "declarations/worklist.html"
    return render(request, template, context)


def _laboratories() -> Any:
    return selectors.laboratories()


def _inspectors(order: InspectionOrder) -> Any:
    return services.inspectors_for(order)


def _checklist_forms(
    order: InspectionOrder, rows: list[dict[str, Any]] | None = None
) -> list[ChecklistItemForm]:
    if rows is None:
        rows = list(order.checklist) or [{"item": str(item)} for item in CHECKLISTS.get(order.kind, [])]
        rows.append({})  # room for one more item
    return [_form(ChecklistItemForm, initial=row, prefix=f"check-{i}") for i, row in enumerate(rows)]


def _order_context(request: HttpRequest, order: InspectionOrder, **forms_: Any) -> dict[str, Any]:
    samples = list(order.sample_requests.select_related("laboratory").order_by("id"))
    can_record = request.user.has_perm("declarations.record_result_samplerequest")
    return {
        "object": order,
        "age": age(order.status_changed_at),
        "can_work": request.user.has_perm(WORK),
        "is_open": order.status in (OrderStatus.OPEN, OrderStatus.IN_PROGRESS),
        "started": order.status == OrderStatus.IN_PROGRESS,
        "assign_form": forms_.get("assign")
        or _form(
            AssignForm,
            prefix="assign",
            inspectors=_inspectors(order),
            initial={"inspector": order.assigned_to_id},
        ),
        "check_forms": forms_.get("check") or _checklist_forms(order),
        "findings": forms_.get("findings", order.findings),
        "record_error": forms_.get("record_error"),
        "photo_form": forms_.get("photo") or _form(PhotoForm, prefix="photo"),
        "photos": list(order.photos.all()),
        "goods": list(order.declaration.lines.select_related("origin_premises").order_by("line_no")),
        "checklist_rows": [
            {**row, "label": RESULT_LABELS.get(row.get("result"), "")} for row in order.checklist
        ],
        "sample_form": forms_.get("sample")
        or _form(SampleRequestForm, prefix="sample", laboratories=_laboratories()),
        "samples": [
            (
                s,
                _form(SampleResultForm, prefix=f"result{s.pk}")
                # A request the laboratory system took (it gave its reference) gets its result
                # from that system's report, not typed in here.
                if can_record and s.status in ("requested", "received") and not s.external_ref
                else None,
            )
            for s in samples
        ],
        "complete_form": forms_.get("complete")
        or _form(OrderCompleteForm, prefix="complete", initial={"findings": order.findings}),
        "start_form": forms_.get("start"),
        "is_sampling": order.kind == InspectionMode.SAMPLING,
        **SECTION,
    }


def _order_page(request: HttpRequest, order: InspectionOrder, **forms_: Any) -> HttpResponse:
    return render(request, "declarations/inspectionorder.html", _order_context(request, order, **forms_))


def _order_done(request: HttpRequest, order: InspectionOrder, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("declarations:order_detail", pk=order.pk)


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "declarations.view_inspectionorder")
    return _order_page(request, _found(selectors.order_get, request, pk=pk))


@login_required
@require_POST
def order_start(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, WORK)
    order = _found(selectors.order_get, request, pk=pk)
    form = forms.Form(request.POST)
    if run_service(form, lambda: services.order_start(actor=request.user, order_id=order.pk)) is None:
        return _order_page(request, order, start=form)
    return _order_done(request, order, _("The inspection has started."))


@login_required
@require_POST
def order_assign(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, WORK)
    order = _found(selectors.order_get, request, pk=pk)
    form = _form(AssignForm, request.POST, prefix="assign", inspectors=_inspectors(order))
    if form.is_valid():
        inspector = form.cleaned_data["inspector"]
        if run_service(
            form,
            lambda: services.order_assign(actor=request.user, order_id=order.pk, inspector_id=inspector.pk),
        ):
            return _order_done(request, order, _("The order was assigned to %(name)s.") % {"name": inspector})
    return _order_page(request, order, assign=form)


@login_required
@require_POST
def order_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the checklist (rows without an item are left out) and the findings."""
    _require(request, WORK)
    order = _found(selectors.order_get, request, pk=pk)
    rows = [r for r in _posted_rows(request.POST, "check", CHECK_FIELDS, 100) if r["item"]]
    findings = request.POST.get("findings", "")
    try:
        with refusals():
            services.order_record(actor=request.user, order_id=order.pk, checklist=rows, findings=findings)
    except ServiceError as exc:
        check_forms = _checklist_forms(order, rows)
        _show_row_errors(check_forms, exc.fields, "checklist")
        return _order_page(request, order, check=check_forms, findings=findings, record_error=exc.message)
    return _order_done(request, order, _("The inspection record was saved."))


@login_required
@require_POST
def order_photo(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, WORK)
    order = _found(selectors.order_get, request, pk=pk)
    form = _form(PhotoForm, request.POST, request.FILES, prefix="photo")
    if form.is_valid():
        data = form.cleaned_data
        if run_service(
            form,
            services.order_photo_add,
            actor=request.user,
            order_id=order.pk,
            image=data["image"],
            caption=data["caption"],
        ):
            return _order_done(request, order, _("The photo was added."))
    return _order_page(request, order, photo=form)


@login_required
def order_photo_file(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse | FileResponse:
    """A photo of an order (``?thumb=1``: a small JPEG of it), for those who may see the order:
    inspection photos are not public media."""
    _require(request, "declarations.view_inspectionorder")
    order = _found(selectors.order_get, request, pk=pk)
    photo = _one(order.photos.all(), photo_pk)
    response: HttpResponse | FileResponse
    try:
        if request.GET.get("thumb"):
            response = HttpResponse(_thumbnail(photo.image), content_type="image/jpeg")
        else:
            response = FileResponse(photo.image.open("rb"), filename=photo.image.name.rsplit("/", 1)[-1])
    except (FileNotFoundError, UnidentifiedImageError) as exc:
        raise Http404 from exc
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _thumbnail(image: Any, size: tuple[int, int] = (320, 240)) -> bytes:
    with image.open("rb") as source, Image.open(source) as picture:
        picture.thumbnail(size)
        buffer = io.BytesIO()
        picture.convert("RGB").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


@login_required
@require_POST
def order_complete(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, WORK)
    order = _found(selectors.order_get, request, pk=pk)
    form = _form(OrderCompleteForm, request.POST, prefix="complete")
    if form.is_valid():
        data = form.cleaned_data
        if run_service(form, lambda: services.order_complete(actor=request.user, order_id=order.pk, **data)):
            return _order_done(request, order, _("The order was completed."))
    return _order_page(request, order, complete=form)


@login_required
@require_POST
def sample_request_create(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, WORK)
    order = _found(selectors.order_get, request, pk=pk)
    form = _form(SampleRequestForm, request.POST, prefix="sample", laboratories=_laboratories())
    if form.is_valid():
        data = form.cleaned_data
        if run_service(
            form,
            services.sample_request_create,
            actor=request.user,
            order_id=order.pk,
            laboratory_id=data["laboratory"].pk,
            sample_description=data["sample_description"],
            tests=data["tests"],
        ):
            return _order_done(request, order, _("The laboratory was asked to test the sample."))
    return _order_page(request, order, sample=form)


@login_required
def samplerequest_list(request: HttpRequest) -> HttpResponse:
    _require(request, "declarations.view_samplerequest")
    return _list_page(
        request,
        selectors.sample_request_list(actor=request.user),
        SampleRequestTable,
        title=_("Sample requests"),
        filterset_class=SampleRequestFilterSet,
        lazy=False,
        export="sample-requests",
    )


@login_required
def sample_result(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter a laboratory's result for a sample request (from its report, or by the laboratory)."""
    _require(request, "declarations.record_result_samplerequest")
    sample = _one(selectors.sample_request_list(actor=request.user), pk)
    form = _form(SampleResultForm, request.POST or None, prefix=f"result{sample.pk}")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(
            form,
            lambda: services.sample_result_record(actor=request.user, sample_request_id=sample.pk, **data),
        ):
            messages.success(request, _("The laboratory result was recorded."))
            if request.user.has_perm("declarations.view_inspectionorder"):
                return redirect("declarations:order_detail", pk=sample.order_id)
            return redirect("declarations:samplerequest_list")
    return render(
        request, "declarations/samplerequest_result.html", {"object": sample, "form": form, **SECTION}
    )
