"""Locations as a tree (read-only: editing goes through the generic pages once registered), and
one location with where it sits, what is inside it and its latest events."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django_tables2 import RequestConfig

from openciq.core.views import page_size
from openciq.trace import selectors
from openciq.trace.filtersets import LocationFilterSet
from openciq.trace.tables import LocationTable, coordinates, depth, vocabulary_label
from openciq.trace.views._common import (
    SECTION,
    VIEW_EVENT,
    found,
    is_htmx,
    place,
    require,
)

EVENTS_SHOWN = 20


def _url(name: str, *args: object) -> str | None:
    """The URL of a generic page, when the location type is registered for them."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@login_required
def location_list(request: HttpRequest) -> HttpResponse:
    """Every location under its parent, indented by depth; paged (the table is modest, so
    django-tables2's counted pages are fine here)."""
    require(request, VIEW_EVENT)
    rows = selectors.locations(actor=request.user)
    filterset = LocationFilterSet(request.GET or None, queryset=rows, request=request)
    if filterset.is_bound and filterset.is_valid():
        rows = filterset.qs
    table = LocationTable(rows.order_by("path", "id"), exclude=("pk",))
    RequestConfig(request, paginate={"per_page": page_size(request)}).configure(table)
    add_url = _url("trace:location_add") if request.user.has_perm("trace.add_location") else None
    context = {"title": _("Locations"), "filterset": filterset, "table": table, "add_url": add_url, **SECTION}
    template = "trace/partials/location_results.html" if is_htmx(request) else "trace/location_list.html"
    return render(request, template, context)


@login_required
def location_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, VIEW_EVENT)
    location = found(selectors.location(actor=request.user, pk=pk))
    ancestors, children = selectors.location_family(location=location)
    events = selectors.events_at(actor=request.user, location=location, limit=EVENTS_SHOWN)
    context = {
        "object": location,
        "coordinates": coordinates(location),
        "depth": depth(location),
        "ancestors": ancestors,
        "children": children,
        "events": [
            {
                "event": e,
                "read_point": place(e.read_point),
                "biz_step": vocabulary_label("bizStep", e.biz_step),
                "disposition": vocabulary_label("disposition", e.disposition),
            }
            for e in events
        ],
        "edit_url": _url("trace:location_edit", location.pk)
        if request.user.has_perm("trace.change_location")
        else None,
        **SECTION,
    }
    return render(request, "trace/location.html", context)
