"""Pages of export supervision: declarations and their life cycle, the inspector's worklist and
inspection orders, sample requests, an enterprise's record, certificates (with the public
verification pages) and the risk rules.

Conventions:

- A refused form is re-rendered with status 200, whether the form itself or the service refused
  it (a ``ServiceError``, including ``TransitionNotAllowed``, whose message shows as an error
  alert above the form). Field errors the service names show next to their field.
- Out-of-scope objects answer 404 (the selectors do not find them); a missing permission 403.
- Lists of declarations and certificates page without ``COUNT(*)`` over millions of rows and
  not past the first 10,000 rows (``ShallowPaginator``).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tables2 import LazyPaginator, RequestConfig
from PIL import Image, UnidentifiedImageError

from openciq.core import selectors as core_selectors
from openciq.core import tabular
from openciq.core.errors import NotFoundError, PermissionDeniedError, ServiceError, TransitionNotAllowed
from openciq.core.forms import style_widgets
from openciq.core.registry import registry
from openciq.declarations import selectors, services
from openciq.declarations.choices import (
    ChecklistResult,
    InspectionMode,
    OrderStatus,
    RuleSetStatus,
    SampleStatus,
)
from openciq.declarations.filtersets import (
    CertificateFilterSet,
    DeclarationFilterSet,
    SampleRequestFilterSet,
    WorklistFilterSet,
)
from openciq.declarations.forms import (
    AssignForm,
    CertificateImportForm,
    CertificateIssueForm,
    ChecklistItemForm,
    DecideForm,
    DeclarationForm,
    DeclarationLineForm,
    OrderCompleteForm,
    PhotoForm,
    ReasonForm,
    RuleSetForm,
    SampleRequestForm,
    SampleResultForm,
    VerifyUploadForm,
)
from openciq.declarations.models import Certificate, Declaration, InspectionOrder, RiskDecision, RiskRuleSet
from openciq.declarations.risk import DEFAULT_PARAMS, RuleParams
from openciq.declarations.tables import (
    CertificateTable,
    DeclarationTable,
    EnterpriseHistoryTable,
    RiskSignalTable,
    RuleSetTable,
    SampleRequestTable,
    WorklistTable,
    age,
)
from openciq.masterdata.models import Enterprise

SECTION = {"active_section": "declarations"}
VIEW = "declarations.view_declaration"
WORK = "declarations.work_inspectionorder"
MAX_UPLOAD = 5 * 1024 * 1024
LINE_FIELDS = tuple(DeclarationLineForm.base_fields)
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


# --- Shared helpers ---------------------------------------------------------------------------


def _form(form_class: type[Any], *args: Any, **kwargs: Any) -> Any:
    """A form of ``forms.py`` with the Tabler classes on its widgets."""
    form = form_class(*args, **kwargs)
    style_widgets(form)
    return form


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _found(read: Callable[..., Any], request: HttpRequest, **kwargs: Any) -> Any:
    """A selector's object in the user's scope, or 404."""
    try:
        return read(actor=request.user, **kwargs)
    except NotFoundError as exc:
        raise Http404 from exc


def _one(queryset: Any, pk: Any) -> Any:
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def _form_errors(form: forms.BaseForm, exc: ServiceError, fields: dict[str, list[str]] | None = None) -> None:
    """Show a refusal on ``form``: its message above the form, field messages next to their
    field (or above it when the form has no such field). A ``TransitionNotAllowed`` names the
    state it found in ``fields``; its message says that already."""
    if not hasattr(form, "cleaned_data"):  # an unbound form shown again with the posted values
        form.cleaned_data = {}
    form.add_error(None, exc.message)
    if isinstance(exc, TransitionNotAllowed):
        return
    for name, errors in (exc.fields if fields is None else fields).items():
        target = name if name in form.fields else None
        for error in errors:
            if target is not None or error not in form.non_field_errors():
                form.add_error(target, error)


@contextmanager
def _refusals() -> Iterator[None]:
    """A service's "not found" answers 404 and its "not permitted" 403; other refusals go on."""
    try:
        yield
    except NotFoundError as exc:
        raise Http404 from exc
    except PermissionDeniedError as exc:
        raise PermissionDenied from exc


def _run(form: forms.BaseForm, call: Callable[[], Any]) -> Any:
    """Call a service; on refusal put its errors on ``form`` and return ``None``."""
    try:
        with _refusals():
            return call()
    except ServiceError as exc:
        _form_errors(form, exc)
        return None


def _indexed_errors(fields: dict[str, list[str]], name: str) -> dict[int, dict[str, list[str]]]:
    """``{"lines[2].hs_code": [...]}`` → ``{2: {"hs_code": [...]}}``."""
    rows: dict[int, dict[str, list[str]]] = {}
    for key, errors in fields.items():
        match = re.fullmatch(rf"{name}\[(\d+)\]\.(\w+)", key)
        if match:
            rows.setdefault(int(match[1]), {})[match[2]] = errors
    return rows


def _show_row_errors(row_forms: list[Any], fields: dict[str, list[str]], name: str) -> None:
    """Put ``name[i].field`` errors on the i-th row form (shown again unbound, with the posted values)."""
    for index, errors in _indexed_errors(fields, name).items():
        if index >= len(row_forms):
            continue
        row_forms[index].cleaned_data = {}
        for field, messages_ in errors.items():
            for message in messages_:
                row_forms[index].add_error(field if field in row_forms[index].fields else None, message)


def _posted_rows(post: Any, prefix: str, names: tuple[str, ...], limit: int) -> list[dict[str, str]]:
    try:
        count = max(0, min(limit, int(post.get(f"{prefix}-count", 0))))
    except ValueError:
        count = 0
    return [{n: post.get(f"{prefix}-{i}-{n}", "").strip() for n in names} for i in range(count)]


def _bounded(raw: str | None, default: int, high: int) -> int:
    try:
        return max(1, min(high, int(raw))) if raw else default
    except ValueError:
        return default


class ShallowPaginator(LazyPaginator):
    """Pages without ``COUNT(*)`` and not past the first ``max_rows`` rows: an ``OFFSET`` of a
    million rows costs seconds, and nobody pages that far; filters narrow the list instead."""

    max_rows = 10_000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_page = max(1, self.max_rows // self.per_page)

    def validate_number(self, number: Any) -> int:
        return min(int(super().validate_number(number)), self.max_page)

    def page(self, number: Any) -> Any:
        page = super().page(number)
        if page.number >= self.max_page:
            self._num_pages = self._final_num_pages = self.max_page
        return page


def _list_page(
    request: HttpRequest,
    rows: Any,
    table_class: type,
    *,
    title: str,
    filterset_class: type | None = None,
    lazy: bool = True,
    template: str = "declarations/list.html",
    **extra: Any,
) -> HttpResponse:
    """Filter, sort, page (page size bounded by the settings) and render, or export, a list."""
    filterset = (
        filterset_class(request.GET or None, queryset=rows, request=request) if filterset_class else None
    )
    if filterset is not None and filterset.is_bound and filterset.is_valid():
        rows = filterset.qs
    if extra.get("export") and request.GET.get("export") in tabular.CONTENT_TYPES:
        return _export(rows, table_class, request.GET["export"], extra["export"])
    table = table_class(rows)
    per_page = _bounded(
        request.GET.get("per_page"), settings.OPENCIQ_PAGE_SIZE, settings.OPENCIQ_MAX_PAGE_SIZE
    )
    paginate: dict[str, Any] = {"per_page": per_page}
    if lazy:
        paginate["paginator_class"] = ShallowPaginator
    RequestConfig(request, paginate=paginate).configure(table)
    context = {"table": table, "filterset": filterset, "title": title, "lazy": lazy, **SECTION, **extra}
    return render(request, "declarations/partials/list_results.html" if request.htmx else template, context)


def _export(rows: Any, table_class: type, fmt: str, name: str) -> HttpResponse:
    exported = list(table_class(list(rows[: settings.OPENCIQ_MAX_EXPORT_ROWS])).as_values())
    response = HttpResponse(
        tabular.write_rows(fmt, exported[0], exported[1:]), content_type=tabular.CONTENT_TYPES[fmt]
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _upload(form: forms.Form) -> bytes | None:
    """The uploaded file's bytes, or ``None`` with an error on the form when it is too large."""
    upload = form.cleaned_data["file"]
    if upload.size > MAX_UPLOAD:
        form.add_error("file", _("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD // 2**20})
        return None
    return bytes(upload.read())


# --- Declarations -----------------------------------------------------------------------------


@login_required
def declaration_list(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW)
    return _list_page(
        request,
        selectors.declaration_list(actor=request.user),
        DeclarationTable,
        title=_("Declarations"),
        filterset_class=DeclarationFilterSet,
        export="declarations",
        add_url=reverse("declarations:declaration_add")
        if request.user.has_perm("declarations.add_declaration")
        else "",
        add_label=_("New declaration"),
    )


@login_required
def declaration_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add (no ``pk``) or change a draft: the header and its lines. "Add line" and "Remove"
    are submit buttons that show the form again with one row more or less (no script)."""
    _require(request, "declarations.change_declaration" if pk else "declarations.add_declaration")
    declaration = _found(selectors.declaration_get, request, pk=pk) if pk else None
    if declaration is not None and not declaration.is_editable:
        messages.error(request, _("Only drafts and returned declarations can be changed."))
        return redirect("declarations:declaration_detail", pk=declaration.pk)
    if request.method != "POST":
        return _declaration_form(request, declaration, None, _initial_lines(declaration))
    header = {name: request.POST.get(name, "") for name in DeclarationForm.base_fields}
    lines = _posted_rows(request.POST, "lines", LINE_FIELDS, services.MAX_LINES + 1)
    if "_add_line" in request.POST or "_remove_line" in request.POST:
        lines = _add_or_remove(lines, request.POST.get("_remove_line"))
        return _declaration_form(request, declaration, header, lines)
    lines = [line for line in lines if any(line.values())]
    try:
        saved = _save_declaration(request, declaration, header, lines)
    except ServiceError as exc:
        return _declaration_form(request, declaration, header, lines, exc)
    messages.success(request, _("Declaration %(number)s was saved.") % {"number": saved.number})
    return redirect("declarations:declaration_detail", pk=saved.pk)


def _save_declaration(
    request: HttpRequest, declaration: Declaration | None, header: dict[str, Any], lines: list[dict[str, Any]]
) -> Declaration:
    with _refusals():
        if declaration is None:
            return services.declaration_create(actor=request.user, header=header, lines=lines)
        return services.declaration_update(
            actor=request.user, declaration_id=declaration.pk, header=header, lines=lines
        )


def _add_or_remove(lines: list[dict[str, str]], remove: str | None) -> list[dict[str, str]]:
    if remove is None:
        return [*lines, {}]
    index = int(remove) if remove.isdigit() else -1
    return [line for i, line in enumerate(lines) if i != index] or [{}]


def _initial_lines(declaration: Declaration | None) -> list[dict[str, Any]]:
    if declaration is None:
        return [{}]
    return [
        {
            name: getattr(line, f"{name}_id")
            if name in ("product", "origin_premises")
            else getattr(line, name)
            for name in LINE_FIELDS
        }
        for line in declaration.lines.order_by("line_no")
    ]


def _declaration_form(
    request: HttpRequest,
    declaration: Declaration | None,
    header: dict[str, Any] | None,
    lines: list[dict[str, Any]],
    exc: ServiceError | None = None,
) -> HttpResponse:
    initial = header or {}
    if declaration is None and not header:
        mine = DeclarationForm(actor=request.user).fields["enterprise"].queryset
        if len(mine[:2]) == 1:  # an enterprise user acting for one enterprise
            initial = {"enterprise": mine[0].pk}
    form = _form(DeclarationForm, instance=declaration, initial=initial, actor=request.user)
    line_forms = [
        _form(DeclarationLineForm, initial=line, prefix=f"lines-{i}", actor=request.user)
        for i, line in enumerate(lines)
    ]
    if exc is not None:
        _form_errors(form, exc, {k: v for k, v in exc.fields.items() if not k.startswith("lines")})
        _show_row_errors(line_forms, exc.fields, "lines")
    context = {
        "form": form,
        "line_forms": line_forms,
        "lines_errors": exc.fields.get("lines", []) if exc else [],
        "object": declaration,
        **SECTION,
    }
    return render(request, "declarations/declaration_edit.html", context)


@login_required
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, VIEW)
    declaration = _found(selectors.declaration_get, request, pk=pk)
    return render(request, "declarations/declaration.html", _detail_context(request, declaration))


def _detail_context(request: HttpRequest, declaration: Declaration, **forms_: Any) -> dict[str, Any]:
    detail = selectors.declaration_detail(actor=request.user, declaration=declaration)
    user = request.user
    return {
        "object": declaration,
        "detail": detail,
        "age": age(declaration.status_changed_at),
        "risk": _risk_explained(detail["decision"]) if detail["decision"] else None,
        "actions": [_action_entry(declaration, verb) for verb in detail["actions"]],
        "open_work": any(o.status in (OrderStatus.OPEN, OrderStatus.IN_PROGRESS) for o in detail["orders"])
        or any(s.status in (SampleStatus.REQUESTED, SampleStatus.RECEIVED) for s in detail["samples"]),
        "issue_form": forms_.get("issue")
        or _form(CertificateIssueForm, prefix="issue", initial={"kind": declaration.certificate_kind}),
        "can_issue": declaration.status == "released" and user.has_perm("declarations.issue_certificate"),
        "can_view_orders": user.has_perm("declarations.view_inspectionorder"),
        **SECTION,
    }


@login_required
def declaration_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The audit events of a declaration (its History tab, loaded by htmx)."""
    _require(request, VIEW)
    declaration = _found(selectors.declaration_get, request, pk=pk)
    events = core_selectors.object_history(obj=declaration)
    template = "core/partials/history.html" if request.htmx else "core/object_history.html"
    return render(request, template, {"object": declaration, "events": events, **SECTION})


# --- Life-cycle actions -----------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    label: Any
    done: Any
    call: Callable[[Any, int, dict[str, Any]], Any]
    form: type[forms.Form] | None = None
    style: str = "btn-primary"


ACTIONS = {
    "submit": Action(
        gettext_lazy("Submit"),
        gettext_lazy("The declaration was submitted."),
        lambda actor, pk, data: services.declaration_submit(actor=actor, declaration_id=pk),
    ),
    "accept": Action(
        gettext_lazy("Accept"),
        gettext_lazy("The declaration was accepted and its risk assessed."),
        lambda actor, pk, data: services.declaration_accept(actor=actor, declaration_id=pk),
    ),
    "return": Action(
        gettext_lazy("Return for correction"),
        gettext_lazy("The declaration was returned to the enterprise."),
        lambda actor, pk, data: services.declaration_return(actor=actor, declaration_id=pk, **data),
        ReasonForm,
        "btn-outline-warning",
    ),
    "decide": Action(
        gettext_lazy("Record the decision"),
        gettext_lazy("The decision was recorded."),
        lambda actor, pk, data: services.declaration_decide(actor=actor, declaration_id=pk, **data),
        DecideForm,
    ),
    "release": Action(
        gettext_lazy("Release"),
        gettext_lazy("The batch was released."),
        lambda actor, pk, data: services.declaration_release(actor=actor, declaration_id=pk),
        style="btn-success",
    ),
    "withdraw": Action(
        gettext_lazy("Withdraw"),
        gettext_lazy("The declaration was withdrawn."),
        lambda actor, pk, data: services.declaration_withdraw(actor=actor, declaration_id=pk, **data),
        ReasonForm,
        "btn-outline-secondary",
    ),
    "cancel": Action(
        gettext_lazy("Cancel the declaration"),
        gettext_lazy("The declaration was cancelled."),
        lambda actor, pk, data: services.declaration_cancel(actor=actor, declaration_id=pk, **data),
        ReasonForm,
        "btn-outline-danger",
    ),
}


def _action_entry(declaration: Declaration, verb: str) -> dict[str, Any]:
    """What the declaration page needs to offer one verb: its form and where it posts."""
    if verb == "edit":
        return {"verb": verb, "url": reverse("declarations:declaration_edit", args=[declaration.pk])}
    action = ACTIONS[verb]
    return {
        "verb": verb,
        "action": action,
        "form": _form(action.form, prefix=verb) if action.form else None,
        "url": reverse(f"declarations:declaration_{verb}", args=[declaration.pk]),
    }


@login_required
def declaration_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """One step of the life cycle (POST); GET shows the step's confirmation form."""
    action = ACTIONS[verb]
    _require(request, selectors.ACTION_PERMS[verb])
    declaration = _found(selectors.declaration_get, request, pk=pk)
    data = request.POST if request.method == "POST" else None
    form = _form(action.form or forms.Form, data, prefix=verb)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if _run(form, lambda: action.call(request.user, declaration.pk, data)) is not None:
            messages.success(request, action.done)
            return redirect("declarations:declaration_detail", pk=declaration.pk)
    context = {"object": declaration, "verb": verb, "action": action, "form": form, **SECTION}
    return render(request, "declarations/declaration_action.html", context)


def _risk_explained(decision: RiskDecision) -> dict[str, Any]:
    """The decision as the page shows it: each factor in words, the draw against the rates."""
    return {
        "decision": decision,
        "factors": [(*_factor_text(f["key"], f["detail"]), f["points"]) for f in decision.factors],
        "inputs": decision.inputs,
        "replay": services.risk_replay(decision),
        "sampling_pct": decision.sampling_rate * 100,
        "physical_pct": decision.physical_rate * 100,
    }


def _factor_text(key: str, detail: dict[str, Any]) -> tuple[str, str]:
    if key == "enterprise_class":
        return _("Enterprise class"), _("Class %(c)s") % {"c": detail.get("class", "")}
    if key == "product_risk":
        return _("Product risk"), _("Highest risk category of the goods: %(c)s") % {
            "c": detail.get("category", "")
        }
    if key == "history":
        if detail.get("new"):
            return _("Compliance history"), _(
                "Only %(n)s decided batches in the window: treated as a new exporter"
            ) % {"n": detail.get("batches", 0)}
        return _("Compliance history"), _(
            "%(bad)s of %(n)s batches not conform (%(pct)s %%) in the last %(days)s days"
        ) % {
            "bad": detail.get("nonconform", 0),
            "n": detail.get("batches", 0),
            "pct": detail.get("percent", 0),
            "days": detail.get("window_days", ""),
        }
    if key == "signals":
        signals = detail.get("signals") or []
        text = "; ".join(f"{s['title']} (+{s['points']})" for s in signals) or _(
            "No open risk signal matches"
        )
        return _("Open risk signals"), text
    if key == "destination":
        return _("Destination"), _("Country %(c)s") % {"c": detail.get("country", "")}
    return key, json.dumps(detail, ensure_ascii=False)


# --- Worklist, inspection orders and samples --------------------------------------------------


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    _require(request, WORK)
    return _list_page(
        request,
        selectors.worklist(actor=request.user),
        WorklistTable,
        title=_("My worklist"),
        filterset_class=WorklistFilterSet,
        lazy=False,
    )


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
                if can_record and s.status in ("requested", "received")
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
    if _run(form, lambda: services.order_start(actor=request.user, order_id=order.pk)) is None:
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
        if _run(
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
        with _refusals():
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
        call = lambda: services.order_photo_add(  # noqa: E731
            actor=request.user, order_id=order.pk, image=data["image"], caption=data["caption"]
        )
        if _run(form, call):
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
        if _run(form, lambda: services.order_complete(actor=request.user, order_id=order.pk, **data)):
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
        call = lambda: services.sample_request_create(  # noqa: E731
            actor=request.user,
            order_id=order.pk,
            laboratory_id=data["laboratory"].pk,
            sample_description=data["sample_description"],
            tests=data["tests"],
        )
        if _run(form, call):
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
        if _run(
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


# --- An enterprise's record -------------------------------------------------------------------


@login_required
def enterprise_history(request: HttpRequest, enterprise_pk: int) -> HttpResponse:
    _require(request, VIEW)
    object_type = registry.object_type_for(Enterprise)
    enterprise = _found(core_selectors.object_get, request, object_type=object_type, pk=enterprise_pk)
    summary = selectors.enterprise_summary(actor=request.user, enterprise_id=enterprise.pk)
    rate = 100.0 * summary["not_conform"] / summary["decided"] if summary["decided"] else None
    return _list_page(
        request,
        selectors.enterprise_history(actor=request.user, enterprise_id=enterprise.pk),
        EnterpriseHistoryTable,
        title=str(enterprise.name),
        template="declarations/enterprise_history.html",
        enterprise=enterprise,
        summary=summary,
        rate=rate,
    )


# --- Certificates -----------------------------------------------------------------------------


def _certificates() -> Any:
    """The certificate services (imported late: the module may be deployed after these pages)."""
    from openciq.declarations import certificates

    return certificates


@login_required
def certificate_list(request: HttpRequest) -> HttpResponse:
    _require(request, "declarations.view_certificate")
    can_import = request.user.has_perm("declarations.import_certificate")
    return _list_page(
        request,
        selectors.certificate_list(actor=request.user),
        CertificateTable,
        title=_("Certificates"),
        filterset_class=CertificateFilterSet,
        add_url=reverse("declarations:certificate_import") if can_import else "",
        add_label=_("Import a received certificate"),
    )


def _certificate_context(request: HttpRequest, certificate: Certificate, **forms_: Any) -> dict[str, Any]:
    return {
        "object": certificate,
        "replaced_by": getattr(certificate, "replaced_by", None),
        "can_revoke": certificate.status == "valid"
        and certificate.direction == "export"
        and request.user.has_perm("declarations.revoke_certificate"),
        "change_forms": [
            (
                "revoke",
                forms_.get("revoke") or _form(ReasonForm, prefix="revoke"),
                _("Revoke"),
                "btn-outline-danger",
            ),
            (
                "replace",
                forms_.get("replace") or _form(ReasonForm, prefix="replace"),
                _("Replace"),
                "btn-outline-warning",
            ),
        ],
        "verify_url": request.build_absolute_uri(
            reverse("declarations:certificate_verify_public", args=[certificate.verify_token])
        ),
        **SECTION,
    }


@login_required
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "declarations.view_certificate")
    certificate = _found(selectors.certificate_get, request, pk=pk)
    return render(request, "declarations/certificate.html", _certificate_context(request, certificate))


def _download(content: str | bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "declarations.view_certificate")
    certificate = _found(selectors.certificate_get, request, pk=pk)
    verify_url = request.build_absolute_uri(
        reverse("declarations:certificate_verify_public", args=[certificate.verify_token])
    )
    pdf = _certificates().certificate_pdf(
        certificate=certificate, verify_url=verify_url, language=get_language() or settings.LANGUAGE_CODE
    )
    return _download(pdf, "application/pdf", f"{certificate.number}.pdf")


@login_required
def certificate_xml(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "declarations.view_certificate")
    certificate = _found(selectors.certificate_get, request, pk=pk)
    return _download(certificate.xml, "application/xml; charset=utf-8", f"{certificate.number}.xml")


@login_required
def certificate_signed(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "declarations.view_certificate")
    certificate = _found(selectors.certificate_get, request, pk=pk)
    if not certificate.signed_document:
        raise Http404
    return _download(certificate.signed_document, "application/json", f"{certificate.number}.ociq.json")


@login_required
@require_POST
def certificate_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a certificate for a released declaration (from the declaration's page)."""
    _require(request, "declarations.issue_certificate")
    declaration = _found(selectors.declaration_get, request, pk=pk)
    form = _form(CertificateIssueForm, request.POST, prefix="issue")
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        issue = _certificates().certificate_issue
        certificate = _run(form, lambda: issue(actor=request.user, declaration_id=declaration.pk, kind=kind))
        if certificate is not None:
            messages.success(
                request, _("Certificate %(number)s was issued.") % {"number": certificate.number}
            )
            return redirect("declarations:certificate_detail", pk=certificate.pk)
    return render(request, "declarations/declaration.html", _detail_context(request, declaration, issue=form))


@login_required
def certificate_import(request: HttpRequest) -> HttpResponse:
    """Keep a certificate a foreign authority sent us (an SPS certificate XML file)."""
    _require(request, "declarations.import_certificate")
    form = _form(CertificateImportForm, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and (data := _upload(form)) is not None:
        certificate = _run(form, lambda: _certificates().certificate_import(actor=request.user, xml=data))
        if certificate is not None:
            messages.success(
                request, _("Certificate %(number)s was imported.") % {"number": certificate.number}
            )
            return redirect("declarations:certificate_detail", pk=certificate.pk)
    return render(request, "declarations/certificate_import.html", {"form": form, **SECTION})


def _certificate_change(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    _require(request, "declarations.revoke_certificate")
    certificate = _found(selectors.certificate_get, request, pk=pk)
    form = _form(ReasonForm, request.POST, prefix=verb)
    if form.is_valid():
        service = getattr(_certificates(), f"certificate_{verb}")
        reason = form.cleaned_data["reason"]
        result = _run(form, lambda: service(actor=request.user, certificate_id=certificate.pk, reason=reason))
        if result is not None:
            done = (
                _("The certificate was revoked.") if verb == "revoke" else _("The certificate was replaced.")
            )
            messages.success(request, done)
            return redirect("declarations:certificate_detail", pk=result.pk)
    context = _certificate_context(request, certificate, **{verb: form})
    return render(request, "declarations/certificate.html", context)


@login_required
@require_POST
def certificate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    return _certificate_change(request, pk, "revoke")


@login_required
@require_POST
def certificate_replace(request: HttpRequest, pk: int) -> HttpResponse:
    return _certificate_change(request, pk, "replace")


# --- Public verification (no sign-in) ---------------------------------------------------------


def certificate_verify_public(request: HttpRequest, token: Any) -> HttpResponse:
    """What the QR code on a certificate opens: its status and key data, nothing else."""
    certificate = selectors.certificate_public(token=token)
    if certificate is None:
        return render(request, "declarations/verify_public.html", {"certificate": None}, status=404)
    declaration = certificate.declaration
    context = {
        "certificate": certificate,
        "status": _certificates().public_status(certificate),
        "replaced_by": getattr(certificate, "replaced_by", None),
        "consignor": declaration.enterprise.name if declaration else "",
        "destination": declaration.destination.name if declaration else "",
        "goods": list(declaration.lines.only("description", "quantity", "unit")) if declaration else [],
    }
    return render(request, "declarations/verify_public.html", context)


def certificate_verify_upload(request: HttpRequest) -> HttpResponse:
    """Anyone may check whether a signed certificate file carries our valid signature."""
    form = _form(VerifyUploadForm, request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid() and (data := _upload(form)) is not None:
        result = _certificates().verify_uploaded(data)
    return render(request, "declarations/verify_upload.html", {"form": form, "result": result})


def public_keys(request: HttpRequest) -> JsonResponse:
    from openciq.declarations import signing

    return JsonResponse(signing.public_jwks())


# --- Risk rules and signals -------------------------------------------------------------------


@login_required
def riskruleset_list(request: HttpRequest) -> HttpResponse:
    _require(request, "declarations.view_riskruleset")
    can_add = request.user.has_perm("declarations.add_riskruleset")
    return _list_page(
        request,
        selectors.rule_set_list(actor=request.user),
        RuleSetTable,
        title=_("Risk rules"),
        lazy=False,
        add_url=reverse("declarations:riskruleset_add") if can_add else "",
        add_label=_("New version"),
    )


def _rule_set(request: HttpRequest, pk: int) -> RiskRuleSet:
    rules: RiskRuleSet = _one(selectors.rule_set_list(actor=request.user), pk)
    return rules


@login_required
def riskruleset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "declarations.view_riskruleset")
    return _rule_set_page(request, _rule_set(request, pk))


def _rule_set_page(request: HttpRequest, rules: RiskRuleSet, error: str = "") -> HttpResponse:
    try:
        params: RuleParams | None = RuleParams.model_validate(rules.params)
    except ValueError:
        params = None
    is_draft = rules.status == RuleSetStatus.DRAFT
    context = {
        "object": rules,
        "params": params,
        "raw": json.dumps(rules.params, indent=2, ensure_ascii=False, sort_keys=True),
        "can_edit": is_draft and request.user.has_perm("declarations.change_riskruleset"),
        "can_activate": is_draft and request.user.has_perm("declarations.activate_riskruleset"),
        "error": error,
        **SECTION,
    }
    return render(request, "declarations/riskruleset.html", context)


@login_required
def riskruleset_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A new draft version (prefilled with the active rules), or a change to a draft."""
    _require(request, "declarations.change_riskruleset" if pk else "declarations.add_riskruleset")
    rules = _rule_set(request, pk) if pk else None
    if rules is not None and rules.status != RuleSetStatus.DRAFT:
        messages.error(request, _("Only a draft version can be changed; make a new version instead."))
        return redirect("declarations:riskruleset_detail", pk=rules.pk)
    base = rules or selectors.rule_set_list(actor=request.user).filter(status=RuleSetStatus.ACTIVE).first()
    initial = {"params": json.dumps(base.params if base else DEFAULT_PARAMS, indent=2, ensure_ascii=False)}
    form = _form(RuleSetForm, request.POST or None, initial={**initial, "note": rules.note if rules else ""})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if rules is None:
            call = lambda: services.risk_rule_set_create(actor=request.user, **data)  # noqa: E731
        else:
            call = lambda: services.risk_rule_set_update(actor=request.user, rule_set_id=rules.pk, **data)  # noqa: E731
        saved = _run(form, call)
        if saved is not None:
            messages.success(request, _("Version %(v)s was saved as a draft.") % {"v": saved.version})
            return redirect("declarations:riskruleset_detail", pk=saved.pk)
    return render(request, "declarations/riskruleset_edit.html", {"form": form, "object": rules, **SECTION})


@login_required
@require_POST
def riskruleset_activate(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "declarations.activate_riskruleset")
    rules = _rule_set(request, pk)
    try:
        with _refusals():
            services.risk_rule_set_activate(actor=request.user, rule_set_id=rules.pk)
    except ServiceError as exc:
        return _rule_set_page(request, rules, error=exc.message)
    messages.success(request, _("Version %(v)s is now active.") % {"v": rules.version})
    return redirect("declarations:riskruleset_detail", pk=rules.pk)


@login_required
def risksignal_list(request: HttpRequest) -> HttpResponse:
    _require(request, "declarations.view_risksignal")
    return _list_page(
        request,
        selectors.open_signals(actor=request.user),
        RiskSignalTable,
        title=_("Open risk signals"),
        lazy=False,
    )
