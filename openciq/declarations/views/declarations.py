"""Declarations: the list, add and change, the page, its history, the life-cycle actions, and
an enterprise's record.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from openciq.core import selectors as core_selectors
from openciq.core.actions import refusals, run_service, show_refusal
from openciq.core.errors import ServiceError
from openciq.core.registry import registry
from openciq.core.views import bounded_int
from openciq.declarations import related, selectors, services
from openciq.declarations.choices import OrderStatus, SampleStatus
from openciq.declarations.filtersets import DeclarationFilterSet
from openciq.declarations.forms import (
    AttachmentForm,
    CertificateIssueForm,
    DecideForm,
    DeclarationForm,
    DeclarationLineForm,
    ReasonForm,
)
from openciq.declarations.models import Declaration, RiskDecision
from openciq.declarations.tables import DeclarationTable, age
from openciq.declarations.views._common import (
    SECTION,
    VIEW,
    _form,
    _found,
    _list_page,
    _posted_rows,
    _require,
    _show_row_errors,
)
from openciq.masterdata.choices import RiskCategory
from openciq.masterdata.models import Enterprise

LINE_FIELDS = tuple(DeclarationLineForm.base_fields)


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
    with refusals():
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
        show_refusal(form, exc, {k: v for k, v in exc.fields.items() if not k.startswith("lines")})
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
        "attach_form": forms_.get("attach") or _form(AttachmentForm, prefix="attach"),
        "can_attach": selectors.may_attach(actor=user, declaration=declaration),
        # What the traceability system knows under this number, as far as the user may see it.
        "traced": related.related(actor=user, declaration_number=declaration.number),
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
        if run_service(form, lambda: action.call(request.user, declaration.pk, data)) is not None:
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
        category = detail.get("category", "")
        label = dict(RiskCategory.choices).get(category, category)
        return _("Product risk"), _("Highest risk category of the goods: %(c)s") % {"c": label}
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


# --- An enterprise's record -------------------------------------------------------------------


@login_required
def enterprise_history(request: HttpRequest, enterprise_pk: int) -> HttpResponse:
    _require(request, VIEW)
    object_type = registry.object_type_for(Enterprise)
    enterprise = _found(core_selectors.object_get, request, object_type=object_type, pk=enterprise_pk)
    summary = selectors.enterprise_summary(actor=request.user, enterprise_id=enterprise.pk)
    rate = 100.0 * summary["not_conform"] / summary["decided"] if summary["decided"] else None
    size = settings.OPENCIQ_PAGE_SIZE
    offset = bounded_int(request.GET.get("offset"), 0, 0, HISTORY_DEPTH)
    rows = list(
        selectors.enterprise_history(actor=request.user, enterprise_id=enterprise.pk)[
            offset : offset + size + 1
        ]
    )
    context = {
        "title": str(enterprise.name),
        "enterprise": enterprise,
        "summary": summary,
        "rate": rate,
        "rows": rows[:size],
        "previous_offset": max(0, offset - size) if offset else None,
        "next_offset": offset + size if len(rows) > size and offset + size <= HISTORY_DEPTH else None,
        **SECTION,
    }
    template = (
        "declarations/partials/history_results.html"
        if request.htmx
        else "declarations/enterprise_history.html"
    )
    return render(request, template, context)


HISTORY_DEPTH = 10_000  # deep pages of a long record cost an OFFSET scan; the list filters go further


@login_required
@require_POST
def declaration_attach(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a document to a declaration (the form on its page)."""
    _require(request, VIEW)
    declaration = _found(selectors.declaration_get, request, pk=pk)
    form = _form(AttachmentForm, request.POST, request.FILES, prefix="attach")
    if form.is_valid():
        data = form.cleaned_data
        if run_service(
            form,
            services.declaration_attachment_add,
            actor=request.user,
            declaration_id=declaration.pk,
            title=data["title"],
            file=data["file"],
        ):
            messages.success(request, _("The document was attached."))
            return redirect("declarations:declaration_detail", pk=declaration.pk)
    return render(
        request, "declarations/declaration.html", _detail_context(request, declaration, attach=form)
    )


@login_required
def attachment_file(request: HttpRequest, pk: int) -> FileResponse:
    """An attached document, for those who may see its declaration (uploads are not public)."""
    _require(request, VIEW)
    attachment = _found(selectors.attachment_get, request, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except OSError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=attachment.file.name.rsplit("/", 1)[-1])
