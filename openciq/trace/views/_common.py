"""What the repository's pages share: permissions, keyset pages (no ``COUNT(*)`` and no deep
``OFFSET`` over thirty million events) and how a row names a place and its identifiers. The
reads themselves are in ``openciq.trace.selectors``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from openciq.core.views import bounded_int, page_size
from openciq.trace import selectors
from openciq.trace.models import Event, Location
from openciq.trace.selectors import PREVIEW_IDENTIFIERS
from openciq.trace.tables import short_identifier

SECTION = {"active_section": "trace"}
VIEW_EVENT = "trace.view_event"
VIEW_CAPTURE = "trace.view_capturejob"
ADD_EVENT = "trace.add_event"
MAX_ID = 2**62
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICRO = dt.timedelta(microseconds=1)


def require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx asked (for the results only); ``django_htmx`` sets ``request.htmx``."""
    return bool(getattr(request, "htmx", False))


def found(obj: Any) -> Any:
    if obj is None:
        raise Http404
    return obj


def place(location: Location | None) -> dict[str, Any] | None:
    """A location as the pages name it: its name, else the short form of its identifier."""
    if location is None:
        return None
    return {
        "pk": location.pk,
        "name": location.name,
        "uri": location.uri,
        "short": short_identifier(location.uri),
    }


def identifier_preview(events: Iterable[Event]) -> dict[int, dict[str, Any]]:
    """Per event of a page: its first identifiers (short and full form), how many it names and
    how many are not shown."""
    preview = selectors.identifier_preview(
        event_ids=[event.pk for event in events], limit=PREVIEW_IDENTIFIERS
    )
    return {
        pk: {
            "identifiers": [{"uri": uri, "short": short_identifier(uri)} for uri in uris],
            "count": count,
            "more": max(0, count - len(uris)),
        }
        for pk, (uris, count) in preview.items()
    }


# --- Keyset pages ---------------------------------------------------------------------------------


def cursor(event: Event) -> str:
    """Where a page of events ends: its event time (microseconds since 1970) and id."""
    return f"{(event.event_time - _EPOCH) // _MICRO}_{event.pk}"


def parse_cursor(raw: str | None) -> tuple[dt.datetime, int] | None:
    if not raw:
        return None
    micros, _sep, pk = raw.partition("_")
    try:
        return _EPOCH + dt.timedelta(microseconds=int(micros)), int(pk)
    except (ValueError, OverflowError):
        return None


def _query_without(request: HttpRequest, *keys: str) -> str:
    query = request.GET.copy()
    for key in keys:
        query.pop(key, None)
    return query.urlencode()


def event_page(request: HttpRequest, rows: QuerySet[Event]) -> dict[str, Any]:
    """One page of events newest first by ``(event_time, id)`` (the event-time index):
    ``?before=<cursor>`` goes to older events, ``?after=<cursor>`` back to newer ones."""
    size = page_size(request)
    before = parse_cursor(request.GET.get("before"))
    after = parse_cursor(request.GET.get("after"))
    if after:
        moment, pk = after
        later = rows.filter(event_time__gte=moment).filter(Q(event_time__gt=moment) | Q(pk__gt=pk))
        page = list(later.order_by("event_time", "id")[: size + 1])
        more_newer = len(page) > size
        page = list(reversed(page[:size]))
        more_older = True
    else:
        if before:
            moment, pk = before
            rows = rows.filter(event_time__lte=moment).filter(Q(event_time__lt=moment) | Q(pk__lt=pk))
        page = list(rows.order_by("-event_time", "-id")[: size + 1])
        more_older = len(page) > size
        page = page[:size]
        more_newer = before is not None
    return {
        "rows": page,
        "page_query": _query_without(request, "before", "after"),
        "newer": cursor(page[0]) if page and more_newer else None,
        "older": cursor(page[-1]) if page and more_older else None,
        "paged": bool(before or after),
    }


def id_page(request: HttpRequest, rows: QuerySet[Any]) -> dict[str, Any]:
    """One page of rows newest first by id (``?before=<id>`` / ``?after=<id>``)."""
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
        page = list(rows.order_by("-pk")[: size + 1])
        more_older = len(page) > size
        page = page[:size]
        more_newer = bool(before)
    return {
        "rows": page,
        "page_query": _query_without(request, "before", "after"),
        "newer": page[0].pk if page and more_newer else None,
        "older": page[-1].pk if page and more_older else None,
        "paged": bool(before or after),
    }


def local_time(moment: dt.datetime, offset: str) -> dt.datetime:
    """``moment`` in the time zone offset the event was recorded with (``+08:00``)."""
    sign = -1 if offset.startswith("-") else 1
    hours, _sep, minutes = offset.lstrip("+-").partition(":")
    try:
        delta = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
    except ValueError:
        return moment
    return moment.astimezone(dt.timezone(sign * delta))
