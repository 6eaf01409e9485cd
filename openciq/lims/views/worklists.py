"""The laboratory person's worklist (one page, its sections shown by permission) and the
turnaround statistics.
"""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from openciq.core.views import page_size
from openciq.lims import selectors
from openciq.lims.forms import InstrumentReleaseForm, TurnaroundForm
from openciq.lims.views._common import SECTION, VIEW_ANALYSIS, _form, _require, age, due_clock

TURNAROUND_DAYS = 90
QUEUE_ROWS = 100  # analyses in the queue shown at most (the oldest due first)

# section -> the permission that shows it
SECTIONS = {
    "reception": "lims.receive_sample",
    "queue": "lims.manage_worksheet",
    "mine": "lims.submit_analysis",
    "verify": "lims.verify_analysis",
    "head": "lims.publish_sample",
}


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    """What waits for the user, oldest first, with time-in-state and due-date clocks; every
    section is bounded and costs a fixed number of queries whatever its length."""
    user = request.user
    shown = {name for name, perm in SECTIONS.items() if user.has_perm(perm)}
    if not shown and not user.has_perm("lims.view_sample"):
        raise PermissionDenied
    size = page_size(request)
    context: dict[str, Any] = {"title": _("My worklist"), "shown": shown, "size": size, **SECTION}
    if "reception" in shown:
        context["reception"] = _clocked(selectors.reception_worklist(actor=user)[:size])
        context["labels"] = list(selectors.labels_to_print(actor=user)[:size])
    if "queue" in shown:
        queue = list(selectors.unassigned_analyses(actor=user)[:QUEUE_ROWS])
        context["queue"] = [
            {"method": method, "analyses": [{"analysis": a, "due": due_clock(a.due_date)} for a in rows]}
            for method, rows in groupby(queue, key=lambda a: a.service.method)
        ]
        context["queue_full"] = len(queue) >= QUEUE_ROWS
    if "mine" in shown:
        context["mine"] = [
            {"worksheet": w, "age": age(w.created_at)} for w in selectors.analyst_worklist(actor=user)[:size]
        ]
    if "verify" in shown:
        context["to_verify"] = [
            {"analysis": a, "due": due_clock(a.due_date)}
            for a in selectors.verifier_worklist(actor=user, limit=size)
        ]
    if "head" in shown:
        context.update(_head(request, size))
    return render(request, "lims/worklist.html", context)


def _clocked(samples: Any) -> list[dict[str, Any]]:
    now = timezone.now()
    return [
        {
            "sample": s,
            "age": age(s.status_changed_at),
            "hours": (now - s.status_changed_at).total_seconds() / 3600 if s.status_changed_at else 0,
            "due": due_clock(s.due_date),
        }
        for s in samples
    ]


def _head(request: HttpRequest, size: int) -> dict[str, Any]:
    user = request.user
    may_release = user.has_perm("lims.change_instrument")
    return {
        "to_publish": _clocked(selectors.to_publish(actor=user)[:size]),
        "overdue": _clocked(selectors.overdue_samples(actor=user)[:size]),
        "failed": list(selectors.failed_worksheets(actor=user)[:size]),
        "blocked": [
            {
                "instrument": i,
                "form": _form(InstrumentReleaseForm, prefix="release") if may_release else None,
            }
            for i in selectors.blocked_instruments(actor=user)[:size]
        ],
    }


@login_required
def turnaround(request: HttpRequest) -> HttpResponse:
    """Analyses verified in a period per laboratory and method (default: the last 90 days), and
    the samples overdue today per laboratory."""
    _require(request, VIEW_ANALYSIS)
    today = timezone.localdate()
    default = {"since": today - dt.timedelta(days=TURNAROUND_DAYS), "until": today}
    form = _form(TurnaroundForm, request.GET if "since" in request.GET else None, initial=default)
    period = form.cleaned_data if form.is_bound and form.is_valid() else default
    context = {
        "title": _("Turnaround"),
        "form": form,
        "period": period,
        "stats": selectors.turnaround_stats(actor=request.user, since=period["since"], until=period["until"]),
        "overdue": selectors.overdue_by_laboratory(actor=request.user),
        **SECTION,
    }
    return render(request, "lims/turnaround.html", context)
