"""The event list (filtered, newest first, paged by cursor) and the event's page: every field of
the event read out, with links to the trace of each identifier and the raw JSON binding."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openciq.trace import rendering, selectors
from openciq.trace.filtersets import EventFilterSet
from openciq.trace.models import Event
from openciq.trace.tables import (
    IDENTIFIER_LIST_LABELS,
    QUANTITY_LIST_LABELS,
    short_identifier,
    vocabulary_label,
)
from openciq.trace.views._common import (
    SECTION,
    VIEW_EVENT,
    event_page,
    found,
    identifier_preview,
    is_htmx,
    local_time,
    place,
    require,
)

# Top-level fields of the JSON binding the page shows in their own place; the others are
# extension fields (``prefix:name``) or standard fields it shows as they are.
_SHOWN = frozenset(
    {
        "@context",
        "type",
        "eventID",
        "eventTime",
        "eventTimeZoneOffset",
        "recordTime",
        "action",
        "bizStep",
        "disposition",
        "readPoint",
        "bizLocation",
        "persistentDisposition",
        "bizTransactionList",
        "sourceList",
        "destinationList",
        "sensorElementList",
        "ilmd",
        "errorDeclaration",
        "transformationID",
        "certificationInfo",
        *IDENTIFIER_LIST_LABELS,
        *QUANTITY_LIST_LABELS,
    }
)
_REFERENCES = (
    ("bizTransactionList", "bizTransaction", "bizTransactionType", gettext_lazy("Business transactions")),
    ("sourceList", "source", "sourceDestType", gettext_lazy("Sources")),
    ("destinationList", "destination", "sourceDestType", gettext_lazy("Destinations")),
)
# Columns of a sensor report table, in this order; any other key follows.
_REPORT_COLUMNS = (
    "type",
    "value",
    "minValue",
    "maxValue",
    "meanValue",
    "sDev",
    "uom",
    "time",
    "startTime",
    "endTime",
    "deviceID",
    "booleanValue",
    "stringValue",
    "uriValue",
    "component",
    "exception",
)


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    """Events newest first, filtered through the event table's indexes, paged by cursor; no
    total is counted (thirty million rows): "older" and "newer" links instead."""
    require(request, VIEW_EVENT)
    rows = selectors.event_rows(actor=request.user)
    filterset = EventFilterSet(request.GET or None, queryset=rows, request=request)
    if filterset.is_bound and filterset.is_valid():
        rows = filterset.qs
    page = event_page(request, rows)
    preview = identifier_preview(page["rows"])
    page["rows"] = [
        {"event": event, "read_point": place(event.read_point), **preview[event.pk], **_labels(event)}
        for event in page["rows"]
    ]
    context = {"title": _("Events"), "filterset": filterset, **page, **SECTION}
    template = "trace/partials/event_results.html" if is_htmx(request) else "trace/event_list.html"
    return render(request, template, context)


def _labels(event: Event) -> dict[str, str]:
    return {
        "biz_step": vocabulary_label("bizStep", event.biz_step),
        "disposition": vocabulary_label("disposition", event.disposition),
    }


@login_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, VIEW_EVENT)
    event = found(selectors.event_detail(actor=request.user, pk=pk))
    doc = rendering.render_event(event)
    related = [
        e for e in selectors.events_by_id(actor=request.user, event_id=event.public_id) if e.pk != event.pk
    ]
    context = {
        "object": event,
        "local_event_time": local_time(event.event_time, event.time_zone_offset),
        "labels": _labels(event),
        "read_point": place(event.read_point),
        "biz_location": place(event.biz_location),
        "identifier_lists": _identifier_lists(doc),
        "quantity_lists": _quantity_lists(doc),
        "references": _references(doc),
        "persistent": doc.get("persistentDisposition") or {},
        "sensors": [
            _sensor(element) for element in doc.get("sensorElementList") or [] if isinstance(element, dict)
        ],
        "ilmd": _pairs(doc.get("ilmd")),
        "extensions": _pairs({k: v for k, v in doc.items() if k not in _SHOWN}),
        "certification": _as_list(doc.get("certificationInfo")),
        "transformation_id": doc.get("transformationID", ""),
        "declaration": _declaration(doc.get("errorDeclaration")),
        "declared_by": [e for e in related if e.is_error_declaration],
        "declares": [e for e in related if not e.is_error_declaration],
        "raw": json.dumps(doc, indent=2, ensure_ascii=False),
        **SECTION,
    }
    return render(request, "trace/event.html", context)


@login_required
def event_by_id(request: HttpRequest) -> HttpResponse:
    """The page of the event with this eventID (the sender's, or its hash ID): the links of an
    error declaration's corrective events."""
    require(request, VIEW_EVENT)
    events = selectors.events_by_id(actor=request.user, event_id=request.GET.get("id", ""))
    return redirect("trace:event_detail", pk=found(events[0] if events else None).pk)


# --- The event's fields as the page shows them -------------------------------------------------


def _identifier(value: Any) -> dict[str, str]:
    text = str(value)
    return {"uri": text, "short": short_identifier(text)}


def _identifier_lists(doc: dict[str, Any]) -> list[dict[str, Any]]:
    lists = []
    for key, label in IDENTIFIER_LIST_LABELS.items():
        values = doc.get(key)
        if isinstance(values, str):
            values = [values]
        if values:
            lists.append({"key": key, "label": label, "identifiers": [_identifier(v) for v in values]})
    return lists


def _quantity_lists(doc: dict[str, Any]) -> list[dict[str, Any]]:
    lists = []
    for key, label in QUANTITY_LIST_LABELS.items():
        elements = [e for e in doc.get(key) or [] if isinstance(e, dict)]
        if elements:
            rows = [
                {
                    "epc_class": _identifier(e.get("epcClass", "")),
                    "quantity": e.get("quantity", ""),
                    "uom": e.get("uom", ""),
                }
                for e in elements
            ]
            lists.append({"key": key, "label": label, "rows": rows})
    return lists


def _references(doc: dict[str, Any]) -> list[dict[str, Any]]:
    groups = []
    for key, value_key, kind, label in _REFERENCES:
        elements = [e for e in doc.get(key) or [] if isinstance(e, dict)]
        if elements:
            rows = [
                {
                    "type": vocabulary_label(kind, str(e.get("type", ""))) if e.get("type") else "",
                    "word": e.get("type", ""),
                    "value": str(e.get(value_key, "")),
                }
                for e in elements
            ]
            groups.append({"key": key, "label": label, "rows": rows})
    return groups


def _sensor(element: dict[str, Any]) -> dict[str, Any]:
    reports = [r for r in element.get("sensorReport") or [] if isinstance(r, dict)]
    seen = {key for report in reports for key in report}
    columns = [c for c in _REPORT_COLUMNS if c in seen] + sorted(seen.difference(_REPORT_COLUMNS))
    return {
        "metadata": _pairs(element.get("sensorMetadata")),
        "columns": columns,
        "rows": [[_plain(report.get(c, "")) for c in columns] for report in reports],
        "extensions": _pairs(
            {k: v for k, v in element.items() if k not in ("sensorMetadata", "sensorReport")}
        ),
    }


def _declaration(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    reason = str(value.get("reason", ""))
    return {
        "time": _readable_time(str(value.get("declarationTime", ""))),
        "reason": vocabulary_label("errorReason", reason) if reason else "",
        "word": reason,
        "corrective": [str(v) for v in value.get("correctiveEventIDs") or []],
        "extensions": _pairs(
            {k: v for k, v in value.items() if k not in ("declarationTime", "reason", "correctiveEventIDs")}
        ),
    }


def _readable_time(text: str) -> str:
    """``2025-05-06T11:00:00+08:00`` as ``2025-05-06 11:00:00 +08:00``; anything else as sent."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    offset = moment.isoformat()[19:].lstrip("0123456789.") if moment.tzinfo else ""
    return f"{moment:%Y-%m-%d %H:%M:%S} {offset}".strip()


def _pairs(value: Any) -> list[tuple[str, str]]:
    """A JSON object's members as (name, readable value); nested values as compact JSON."""
    if not isinstance(value, dict):
        return []
    return [(str(key), _plain(item)) for key, item in value.items()]


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return json.dumps(value, ensure_ascii=False)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
