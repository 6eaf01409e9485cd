"""What the live-pig pages share: permission and scope checks, how a service's refusal shows on a
form (next to the field it names; the service's ``farm_id`` is the form's ``farm``), keyset pages
for the big pig list, and where to go back to."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from openciq.core.actions import refusals, show_refusal
from openciq.core.errors import ServiceError
from openciq.core.views import bounded_int, page_size

# The pages of every flow check permission and scope alike.
from openciq.trace.views._common import found, require  # noqa: F401

SECTION = {"active_section": "trace"}
MAX_ID = 2**62
# Service argument → form field, where the names differ.
RENAME = {
    "farm_id": "farm",
    "tag_id": "tag",
    "enterprise_id": "enterprise",
    "org_unit_id": "org_unit",
    "read_numbers": "read_numbers",
}


def run(form: forms.BaseForm, call: Any, **kwargs: Any) -> Any:
    """Call a service; on refusal put its message and field messages on ``form``, return ``None``."""
    try:
        with refusals():
            return call(**kwargs)
    except ServiceError as exc:
        show_refusal(form, exc, {RENAME.get(k, k): v for k, v in exc.fields.items()})
        return None


def back(request: HttpRequest, default: str) -> HttpResponse:
    """Redirect to the posted ``next`` page when it is one of ours, else to ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(default)


def id_page(request: HttpRequest, rows: Any) -> dict[str, Any]:
    """One page of a list ordered newest first by id (``?before=``/``?after=``): an index seek,
    never a ``COUNT(*)`` or a deep ``OFFSET`` over millions of pigs."""
    size = page_size(request)
    before = bounded_int(request.GET.get("before"), 0, 0, MAX_ID)
    after = bounded_int(request.GET.get("after"), 0, 0, MAX_ID)
    if after:
        page = list(rows.filter(pk__gt=after).order_by("pk")[: size + 1])
        more_newer, more_older = len(page) > size, True
        page = list(reversed(page[:size]))
    else:
        if before:
            rows = rows.filter(pk__lt=before)
        page = list(rows[: size + 1])
        more_older, more_newer = len(page) > size, bool(before)
        page = page[:size]
    query = request.GET.copy()
    for key in ("before", "after"):
        query.pop(key, None)
    return {
        "rows": page,
        "query": query.urlencode(),
        "newer": page[0].pk if page and more_newer else None,
        "older": page[-1].pk if page and more_older else None,
    }


def form_page(
    request: HttpRequest, form: forms.BaseForm, *, title: str, back_url: str, **extra: Any
) -> HttpResponse:
    """A form on a page of its own (refused forms come back with status 200)."""
    from django.shortcuts import render

    return render(
        request, "pigs/form.html", {"form": form, "title": title, "back": back_url, **SECTION, **extra}
    )
