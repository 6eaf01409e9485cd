"""Pages for food-packaging filings: list, detail with timeline and actions, application form,
printable certificate. Filings are not reference data, so they do not use the generic CRUD
pages: every status change is its own POST calling its named service.

Convention (as in the core): an invalid form is re-rendered with status 200.
"""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from openciq.alerts import selectors, services
from openciq.alerts.choices import FilingStatus, FilingVerb
from openciq.alerts.filtersets import PackagingFilingFilterSet
from openciq.alerts.forms import PackagingFilingForm, TransitionForm
from openciq.alerts.models import PackagingFiling
from openciq.alerts.tables import PackagingFilingTable, status_badge
from openciq.core import selectors as core_selectors
from openciq.core import tabular
from openciq.core.actions import show_refusal
from openciq.core.errors import ConflictError, NotFoundError, ServiceError
from openciq.core.views import page_size

SECTION = {"active_section": "alerts"}

DONE = {
    FilingVerb.SUBMIT: gettext_lazy("The filing was submitted to the supervising branch."),
    FilingVerb.REVIEW: gettext_lazy("The review has started."),
    FilingVerb.APPROVE: gettext_lazy("The filing was approved and its number issued."),
    FilingVerb.REFUSE: gettext_lazy("The filing was refused."),
    FilingVerb.SUSPEND: gettext_lazy("The filing was suspended."),
    FilingVerb.REINSTATE: gettext_lazy("The filing was reinstated."),
    FilingVerb.REVOKE: gettext_lazy("The filing was revoked."),
    FilingVerb.WITHDRAW: gettext_lazy("The filing was withdrawn."),
}


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _get(request: HttpRequest, pk: int, action: str = "view") -> PackagingFiling:
    try:
        return selectors.filing_get(actor=request.user, pk=pk, action=action)
    except NotFoundError as exc:
        raise Http404 from exc


@login_required
def filing_list(request: HttpRequest) -> HttpResponse:
    _require(request, "alerts.view_packagingfiling")
    queryset = selectors.filing_list(actor=request.user)
    filterset = PackagingFilingFilterSet(request.GET or None, queryset=queryset)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    export = request.GET.get("export")
    if export in tabular.CONTENT_TYPES:
        return _export(rows, export)
    table = PackagingFilingTable(rows)
    RequestConfig(request, paginate={"per_page": page_size(request)}).configure(table)
    context = {
        "table": table,
        "filterset": filterset,
        "can_add": request.user.has_perm("alerts.add_packagingfiling"),
        **SECTION,
    }
    template = (
        "alerts/partials/packagingfiling_results.html" if request.htmx else "alerts/packagingfiling_list.html"
    )
    return render(request, template, context)


def _export(rows: Any, fmt: str) -> HttpResponse:
    exported = list(PackagingFilingTable(rows[: settings.OPENCIQ_MAX_EXPORT_ROWS]).as_values())
    response = HttpResponse(
        tabular.write_rows(fmt, exported[0], exported[1:]), content_type=tabular.CONTENT_TYPES[fmt]
    )
    response["Content-Disposition"] = f'attachment; filename="packaging-filings.{fmt}"'
    return response


def _detail_context(request: HttpRequest, filing: PackagingFiling, **extra: Any) -> dict[str, Any]:
    verbs = selectors.filing_actions(actor=request.user, filing=filing)
    forms = extra.pop("forms", {})
    actions = [
        (
            FilingVerb(verb),
            forms.get(verb) or TransitionForm(prefix=verb, reason_required=verb in services.REASON_REQUIRED),
        )
        for verb in verbs
    ]
    return {
        "object": filing,
        "status_badge": status_badge(filing),
        "steps": selectors.filing_steps(filing=filing),
        "actions": actions,
        "can_edit": selectors.filing_may_edit(actor=request.user, filing=filing),
        "can_renew": selectors.filing_may_renew(actor=request.user, filing=filing),
        "has_certificate": filing.status == FilingStatus.APPROVED,
        **SECTION,
        **extra,
    }


@login_required
def filing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "alerts.view_packagingfiling")
    filing = _get(request, pk)
    return render(request, "alerts/packagingfiling.html", _detail_context(request, filing))


@login_required
def filing_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The audit events of a filing (the History tab, loaded by htmx)."""
    _require(request, "alerts.view_packagingfiling")
    filing = _get(request, pk)
    events = core_selectors.object_history(obj=filing)
    template = "core/partials/history.html" if request.htmx else "alerts/packagingfiling_history.html"
    return render(request, template, {"object": filing, "events": events, **SECTION})


@login_required
def filing_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Apply (no ``pk``) or change a draft."""
    _require(request, "alerts.change_packagingfiling" if pk else "alerts.add_packagingfiling")
    filing = _get(request, pk, "change") if pk else None
    if filing is not None and filing.status != FilingStatus.DRAFT:
        messages.error(request, _("Only a draft can be edited."))
        return redirect("alerts:packagingfiling_detail", pk=filing.pk)
    form = PackagingFilingForm(data=request.POST or None, instance=filing, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if filing is None:
                filing = services.filing_create(actor=request.user, **form.service_arguments())
            else:
                services.filing_update(actor=request.user, filing_id=filing.pk, **form.service_arguments())
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The draft was saved. Submit it when it is complete."))
            return redirect("alerts:packagingfiling_detail", pk=filing.pk)
    return render(request, "alerts/packagingfiling_edit.html", {"form": form, "object": filing, **SECTION})


@login_required
@require_POST
def filing_transition(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """One step of the life cycle; a missing reason re-renders the page with the error."""
    _require(request, services.permission_for(verb))
    filing = _get(request, pk)
    form = TransitionForm(request.POST, prefix=verb, reason_required=verb in services.REASON_REQUIRED)
    if form.is_valid():
        try:
            services.filing_transition(
                actor=request.user, filing_id=filing.pk, verb=verb, reason=form.cleaned_data["reason"]
            )
        except ConflictError as exc:
            messages.error(request, exc.message)
            return redirect("alerts:packagingfiling_detail", pk=filing.pk)
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, DONE[verb])
            return redirect("alerts:packagingfiling_detail", pk=filing.pk)
    context = _detail_context(request, filing, forms={verb: form})
    return render(request, "alerts/packagingfiling.html", context)


@login_required
@require_POST
def filing_renew(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "alerts.add_packagingfiling")
    filing = _get(request, pk)
    try:
        renewal = services.filing_renew(actor=request.user, filing_id=filing.pk)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("alerts:packagingfiling_detail", pk=filing.pk)
    messages.success(request, _("A renewal draft was made from the approved filing; check it and submit it."))
    return redirect("alerts:packagingfiling_edit", pk=renewal.pk)


@login_required
def filing_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable filing certificate; only an approved filing has one."""
    _require(request, "alerts.view_packagingfiling")
    filing = _get(request, pk)
    if filing.status != FilingStatus.APPROVED:
        raise Http404
    valid_until = filing.valid_until.isoformat() if filing.valid_until else ""
    verification = f"{filing.number}|{filing.enterprise.uscc}|{valid_until}"
    qr_svg = segno.make(verification, error="m").svg_inline(scale=3, dark="#000")
    context = {"object": filing, "qr_svg": qr_svg, "verification": verification, **SECTION}
    return render(request, "alerts/packagingfiling_certificate.html", context)
