"""What the laboratory pages share: permission and scope checks, how a service's refusal shows
on a form, pages by id (no ``COUNT(*)`` over the big tables), clocks, and where to go back to.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from openciq.core.forms import style_widgets
from openciq.core.views import bounded_int, page_size
from openciq.lims.choices import QualitativeResult, ResultType

SECTION = {"active_section": "lims"}
VIEW_SAMPLE = "lims.view_sample"
VIEW_ANALYSIS = "lims.view_analysis"
VIEW_WORKSHEET = "lims.view_worksheet"
MAX_UPLOAD = 5 * 1024 * 1024
MAX_ID = 2**62
QUALITATIVE = dict(QualitativeResult.choices)


def _form(form_class: type[Any], *args: Any, **kwargs: Any) -> Any:
    """A form of ``forms.py`` with the Tabler classes on its widgets."""
    form = form_class(*args, **kwargs)
    style_widgets(form)
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxSelectMultiple):
            field.widget.attrs["class"] = "form-check-input"
    return form


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _found(obj: Any) -> Any:
    """A selector's answer, or 404 when it found nothing (outside the user's scope)."""
    if obj is None:
        raise Http404
    return obj


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Redirect to the posted ``next`` page when it is one of ours, else to ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(default)


def _id_page(request: HttpRequest, rows: Any) -> dict[str, Any]:
    """One page of a list ordered newest first, by id: ``?before=<id>`` goes to older rows,
    ``?after=<id>`` back to newer ones. Each page is an index seek, never a ``COUNT(*)`` or a
    deep ``OFFSET``."""
    size = page_size(request)
    before = bounded_int(request.GET.get("before"), 0, 0, MAX_ID)
    after = bounded_int(request.GET.get("after"), 0, 0, MAX_ID)
    if after:
        page = list(rows.filter(pk__gt=after).order_by("pk")[: size + 1])
        more_newer = len(page) > size
        page = list(reversed(page[:size]))
        more_older = True
    else:
        if before:
            rows = rows.filter(pk__lt=before)
        page = list(rows[: size + 1])
        more_older = len(page) > size
        page = page[:size]
        more_newer = bool(before)
    query = request.GET.copy()
    for key in ("before", "after", "page"):
        query.pop(key, None)
    return {
        "rows": page,
        "query": query.urlencode(),
        "newer": page[0].pk if page and more_newer else None,
        "older": page[-1].pk if page and more_older else None,
    }


def age(since: dt.datetime | None) -> str:
    """How long ago ``since`` was, for the time-in-state clocks: "2 d 3 h", "3 h 12 min"."""
    if since is None:
        return "—"
    seconds = max(0, int((timezone.now() - since).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


def due_clock(due: dt.date | None) -> dict[str, Any] | None:
    """The due-date clock: the date, calendar days left and days overdue; ``None`` without one."""
    if due is None:
        return None
    left = (due - timezone.localdate()).days
    return {"date": due, "left": left, "overdue": max(0, -left)}


def _upload(form: forms.Form, name: str = "file") -> bytes | None:
    """The uploaded file's bytes, or ``None`` with an error on the form when it is too large."""
    upload = form.cleaned_data[name]
    if upload.size > MAX_UPLOAD:
        form.add_error(name, _("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD // 2**20})
        return None
    return bytes(upload.read())


def _plain(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text


def shown(analysis: Any) -> dict[str, str]:
    """A result as the pages show it: the value at the service's precision (or "< limit", or
    detected / not detected), its expanded uncertainty and the limit it was judged against."""
    service = analysis.service
    if not analysis.result:
        result = ""
    elif service.result_type == ResultType.QUALITATIVE:
        result = str(QUALITATIVE.get(analysis.result, analysis.result))
    elif analysis.censored:
        result = f"< {_plain(analysis.value)}"
    else:
        result = "" if analysis.value is None else f"{analysis.value:.{service.precision}f}"
    uncertainty = ""
    if analysis.uncertainty is not None and not analysis.censored:
        uncertainty = f"± {analysis.uncertainty:.{service.precision}f}"
    low, high = analysis.spec_low, analysis.spec_high
    if low is not None and high is not None:
        limit = f"{_plain(low)}–{_plain(high)}"
    elif high is not None:
        limit = f"≤ {_plain(high)}"
    elif low is not None:
        limit = f"≥ {_plain(low)}"
    else:
        limit = ""
    return {"result": result, "uncertainty": uncertainty, "limit": limit}
