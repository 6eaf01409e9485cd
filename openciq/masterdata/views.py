from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openciq.core import selectors as core_selectors
from openciq.core.errors import NotFoundError, ServiceError
from openciq.core.registry import registry
from openciq.masterdata import selectors, services
from openciq.masterdata.forms import ReclassifyForm
from openciq.masterdata.models import Enterprise


def enterprise_detail_context(request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    return {
        "class_history": selectors.enterprise_class_history(actor=request.user, enterprise=enterprise),
        "can_reclassify": request.user.has_perm("masterdata.reclassify_enterprise"),
        "can_approve": request.user.has_perm("masterdata.approve_enterpriseclasschange"),
    }


@login_required
def enterprise_reclassify(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("masterdata.reclassify_enterprise"):
        raise PermissionDenied
    object_type = registry.object_type_for(Enterprise)
    try:
        enterprise = core_selectors.object_get(actor=request.user, object_type=object_type, pk=pk)
    except NotFoundError as exc:
        raise Http404 from exc
    form = ReclassifyForm(data=request.POST or None, initial={"to_class": enterprise.classification})
    if request.method == "POST" and form.is_valid():
        try:
            services.enterprise_reclassify_propose(
                actor=request.user, enterprise_id=enterprise.pk, **form.cleaned_data
            )
        except ServiceError as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(
                request, _("The classification change was proposed; it takes effect once approved.")
            )
            return redirect("masterdata:enterprise_detail", pk=enterprise.pk)
    return render(
        request,
        "masterdata/enterprise_reclassify.html",
        {"object": enterprise, "form": form, "active_section": "masterdata"},
    )


@login_required
@require_POST
def class_change_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Approve or reject a proposed classification change (POST from the enterprise page)."""
    try:
        change = services.enterprise_reclassify_decide(
            actor=request.user, change_id=pk, approve=decision == "approve", note=request.POST.get("note", "")
        )
    except ServiceError as exc:
        messages.error(request, " ".join([exc.message, *[m for ms in exc.fields.values() for m in ms]]))
        enterprise_id = selectors.class_change_enterprise_id(actor=request.user, change_id=pk)
        if enterprise_id is None:
            raise Http404 from exc
        return redirect("masterdata:enterprise_detail", pk=enterprise_id)
    if change.status == "approved":
        messages.success(request, _("The classification was changed."))
    else:
        messages.success(request, _("The proposal was rejected."))
    return redirect("masterdata:enterprise_detail", pk=change.enterprise_id)
