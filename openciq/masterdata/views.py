from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

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
            services.enterprise_reclassify(
                actor=request.user, enterprise_id=enterprise.pk, **form.cleaned_data
            )
        except ServiceError as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("The classification was changed."))
            return redirect("masterdata:enterprise_detail", pk=enterprise.pk)
    return render(
        request,
        "masterdata/enterprise_reclassify.html",
        {"object": enterprise, "form": form, "active_section": "masterdata"},
    )
