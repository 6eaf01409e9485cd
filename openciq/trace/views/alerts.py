"""The supervision worklist: the alerts the flows raised (a truck held at the gate, a seal opened,
a loading batch that does not match its list), open ones first; one alert with what it concerns,
taken and resolved by an inspector."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openciq.core.actions import run_service
from openciq.core.views import page_size
from openciq.trace import selectors, services
from openciq.trace.choices import AlertKind, AlertStatus
from openciq.trace.views._common import SECTION, found, require

VIEW_ALERT = "trace.view_supervisionalert"
HANDLE_ALERT = "trace.handle_supervisionalert"


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=gettext_lazy("Resolution"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=gettext_lazy("What was found and what was done (the hold is lifted)."),
    )


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    """Open alerts first (newest first), then the rest; filter by status and kind."""
    require(request, VIEW_ALERT)
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    alerts = selectors.alerts(actor=request.user)
    if status in AlertStatus.values:
        alerts = alerts.filter(status=status)
    if kind in AlertKind.values:
        alerts = alerts.filter(kind=kind)
    limit = page_size(request)
    rows = list(alerts[: limit + 1])
    context = {
        "title": _("Supervision alerts"),
        "alerts": rows[:limit],
        "more": len(rows) > limit,
        "status": status,
        "kind": kind,
        "statuses": AlertStatus.choices,
        "kinds": AlertKind.choices,
        "open_count": selectors.alerts(actor=request.user).filter(status=AlertStatus.OPEN).count(),
        **SECTION,
    }
    return render(request, "trace/alert_list.html", context)


@login_required
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One alert; an inspector takes it or resolves it here."""
    require(request, VIEW_ALERT)
    alert = found(selectors.alerts(actor=request.user).filter(pk=pk).first())
    form = ResolveForm(request.POST or None) if request.method == "POST" else ResolveForm()
    if request.method == "POST":
        require(request, HANDLE_ALERT)
        if request.POST.get("action") == "acknowledge":
            if run_service(form, services.alert_acknowledge, actor=request.user, alert_id=alert.pk):
                messages.success(request, _("The alert is yours."))
                return redirect("trace:alert_detail", pk=alert.pk)
        elif form.is_valid() and run_service(
            form,
            services.alert_resolve,
            actor=request.user,
            alert_id=alert.pk,
            resolution=form.cleaned_data["resolution"],
        ):
            messages.success(request, _("The alert is resolved; its hold is lifted."))
            return redirect("trace:alert_detail", pk=alert.pk)
    context = {
        "object": alert,
        "form": form,
        "can_handle": request.user.has_perm(HANDLE_ALERT) and alert.status != AlertStatus.RESOLVED,
        **SECTION,
    }
    return render(request, "trace/alert.html", context)
