"""The trace page: from any identifier, what it rode in and what rode in it, the events of all of
them on a timeline, and an offline map of where they happened."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from openciq.trace import tracing
from openciq.trace.filtersets import find_identifier
from openciq.trace.forms import TraceForm
from openciq.trace.models import Event, Location
from openciq.trace.tables import RELATION_LABELS, short_identifier, vocabulary_label
from openciq.trace.views import svgmap
from openciq.trace.views._common import SECTION, VIEW_EVENT, place, require

CONCERNS_SHOWN = 4  # identifiers of the trace named per timeline entry
TIMELINE_SHOWN = 500  # events on the timeline at most (the map still places them all)
_OPEN = tracing.Window()


@login_required
def trace_page(request: HttpRequest) -> HttpResponse:
    require(request, VIEW_EVENT)
    form = TraceForm(request.GET or None)
    context: dict[str, Any] = {"form": form, **SECTION}
    if form.is_bound and form.is_valid():
        context.update(_result(form.cleaned_data["epc"]))
    return render(request, "trace/trace.html", context)


def _result(text: str) -> dict[str, Any]:
    epc = find_identifier(text)
    result = (
        tracing.trace(epc.uri) if epc is not None else tracing.Trace(identifier=text.strip(), found=False)
    )
    if not result.found:
        return {"result": result}
    stops, located, unlocated = _places(result.events)
    numbers = _stop_numbers(stops)
    return {
        "result": result,
        "nodes": [_node(node) for node in result.nodes],
        "timeline": [
            _entry(event, result, numbers.get(i)) for i, event in enumerate(result.events[:TIMELINE_SHOWN])
        ],
        "timeline_cut": max(0, len(result.events) - TIMELINE_SHOWN),
        "map": svgmap.draw(located),
        "unlocated": [place(location) for location in unlocated],
    }


def _node(node: tracing.Node) -> dict[str, Any]:
    return {
        "uri": node.uri,
        "short": short_identifier(node.uri),
        "relation": node.relation,
        "relation_label": RELATION_LABELS.get(node.relation, node.relation),
        "start": None if node.window.start == _OPEN.start else node.window.start,
        "end": None if node.window.end == _OPEN.end else node.window.end,
        "via": node.via,
        "depth": node.depth,
    }


def _entry(event: Event, result: tracing.Trace, stop: int | None) -> dict[str, Any]:
    concerns = result.concerns.get(event.pk, [])
    return {
        "event": event,
        "place": place(event.read_point or event.biz_location),
        "biz_step": vocabulary_label("bizStep", event.biz_step),
        "disposition": vocabulary_label("disposition", event.disposition),
        "concerns": [{"uri": uri, "short": short_identifier(uri)} for uri in concerns[:CONCERNS_SHOWN]],
        "more": max(0, len(concerns) - CONCERNS_SHOWN),
        "stop": stop,
    }


def _located(location: Location | None) -> bool:
    return location is not None and location.latitude is not None and location.longitude is not None


def _places(
    events: Sequence[Event],
) -> tuple[list[tuple[int, svgmap.Place]], list[svgmap.Place], list[Location]]:
    """Where each event happened on the map: its read point when that has coordinates, else its
    business location when that has them. Returns the (event index, place) stops, the places in
    order, and the trace's locations without coordinates (listed under the map)."""
    stops: list[tuple[int, svgmap.Place]] = []
    unlocated: dict[int, Location] = {}
    for index, event in enumerate(events):
        for location in (event.read_point, event.biz_location):
            if location is not None and not _located(location):
                unlocated.setdefault(location.pk, location)
        where = next((loc for loc in (event.read_point, event.biz_location) if _located(loc)), None)
        if where is not None:
            assert where.latitude is not None and where.longitude is not None
            place = svgmap.Place(
                where.pk,
                where.name or short_identifier(where.uri),
                float(where.latitude),
                float(where.longitude),
            )
            stops.append((index, place))
    return (
        stops,
        [stop for _index, stop in stops],
        sorted(unlocated.values(), key=lambda loc: (loc.path, loc.pk)),
    )


def _stop_numbers(stops: Sequence[tuple[int, svgmap.Place]]) -> dict[int, int]:
    """Event index → the number of its stop on the map (events in a row at one place share it)."""
    numbers: dict[int, int] = {}
    number = 0
    previous: int | None = None
    for index, stop in stops:
        if stop.key != previous:
            number += 1
            previous = stop.key
        numbers[index] = number
    return numbers
