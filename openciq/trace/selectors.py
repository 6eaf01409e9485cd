"""Reads of the EPCIS repository, scoped to the acting user."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber

from openciq.trace import query_params as qp
from openciq.trace.choices import ACTION_BY_NAME, EVENT_TYPE_BY_NAME, AlertStatus, EpcRole, ReferenceKind
from openciq.trace.models import (
    CaptureJob,
    Epc,
    Event,
    EventEpc,
    EventReference,
    Location,
    NamedQuery,
    Subscription,
    SupervisionAlert,
)

_HASH_ID = re.compile(r"^ni:///sha-256;([0-9a-fA-F]{64})\?ver=CBV2\.0$")


def capture_jobs(*, actor: Any) -> QuerySet[CaptureJob]:
    """Capture jobs newest first: all of them for whoever may view capture jobs of others (the
    bureau), a sender's own otherwise."""
    jobs = CaptureJob.objects.select_related("actor").order_by("-id")
    if actor.has_perm("trace.view_event"):
        return jobs
    return jobs.filter(actor=actor)


def capture_job(*, actor: Any, capture_id: str) -> CaptureJob | None:
    try:
        key = uuid.UUID(str(capture_id))
    except ValueError:
        return None
    return capture_jobs(actor=actor).filter(capture_id=key).first()


def named_queries(*, actor: Any) -> QuerySet[NamedQuery]:
    """The saved queries, by name."""
    return NamedQuery.objects.order_by("name")


def named_query(*, actor: Any, name: str) -> NamedQuery | None:
    found: NamedQuery | None = NamedQuery.objects.filter(name=name).first()
    return found


def subscriptions(*, actor: Any, query_name: str) -> QuerySet[Subscription]:
    """The subscriptions to one named query, oldest first."""
    return Subscription.objects.filter(query__name=query_name).select_related("query").order_by("id")


def subscription(*, actor: Any, query_name: str, subscription_id: str) -> Subscription | None:
    """One subscription to a named query; ``None`` for an id that is not a UUID."""
    try:
        key = uuid.UUID(subscription_id)
    except ValueError:
        return None
    found: Subscription | None = (
        Subscription.objects.select_related("query")
        .filter(query__name=query_name, subscription_id=key)
        .first()
    )
    return found


def events_by_id(*, actor: Any, event_id: str) -> list[Event]:
    """The event with this eventID (the sender's, or the hash URI of one without), and its error
    declaration if one was captured."""
    match = _HASH_ID.match(event_id.strip())
    events = Event.objects.select_related("read_point", "biz_location").order_by("is_error_declaration", "id")
    if match:
        digest = bytes.fromhex(match.group(1))
        return list(events.filter(hash=digest)) or list(events.filter(event_id=event_id))
    return list(events.filter(event_id=event_id))


# --- The repository's pages ------------------------------------------------------------------
# Events and places carry no org scope (a trace crosses every branch), so these reads are
# bureau-wide: the permission checked in front of each page is the whole access rule.

PREVIEW_IDENTIFIERS = 3  # identifiers shown per row of the event list
LOCATION_CHILDREN_SHOWN = 200


def event_rows(*, actor: Any) -> QuerySet[Event]:
    """Events with the places a row shows (newest first is the caller's order: a page orders
    by its cursor)."""
    return Event.objects.select_related("read_point", "biz_location")


def event_detail(*, actor: Any, pk: int) -> Event | None:
    """One event with its places and the capture job (and its sender) that stored it."""
    found: Event | None = (
        event_rows(actor=actor).select_related("capture_job", "capture_job__actor").filter(pk=pk).first()
    )
    return found


def capture_job_events(*, actor: Any, job: CaptureJob, limit: int) -> list[Event]:
    """The first ``limit`` events a capture job stored, in the order it stored them."""
    return list(event_rows(actor=actor).filter(capture_job=job).order_by("id")[:limit])


def identifier_preview(
    *, event_ids: Iterable[int], limit: int = PREVIEW_IDENTIFIERS
) -> dict[int, tuple[list[str], int]]:
    """Per event: its first ``limit`` identifiers (by role, then as stored) and how many it names
    in all. Two queries for a whole page, however many identifiers an event carries."""
    ids = list(event_ids)
    preview: dict[int, tuple[list[str], int]] = {pk: ([], 0) for pk in ids}
    if not ids:
        return preview
    ranked = (
        EventEpc.objects.filter(event_id__in=ids)
        .annotate(rank=Window(RowNumber(), partition_by=[F("event_id")], order_by=[F("role"), F("epc_id")]))
        .filter(rank__lte=limit)
        .order_by("event_id", "rank")
        .values_list("event_id", "epc__uri")
    )
    for event_id, uri in ranked:
        preview[event_id][0].append(uri)
    counts = EventEpc.objects.filter(event_id__in=ids).values("event_id").annotate(n=Count("epc_id"))
    for event_id, count in counts.values_list("event_id", "n"):
        preview[event_id] = (preview[event_id][0], count)
    return preview


def events_at(*, actor: Any, location: Location, limit: int) -> list[Event]:
    """The latest events read at or located in ``location``: two index ranges, merged (an OR of
    the two columns would sort every event of a busy gate)."""
    newest = ("-event_time", "-id")
    read = list(event_rows(actor=actor).filter(read_point=location).order_by(*newest)[:limit])
    located = list(event_rows(actor=actor).filter(biz_location=location).order_by(*newest)[:limit])
    merged = {event.pk: event for event in read + located}
    return sorted(merged.values(), key=lambda e: (e.event_time, e.pk), reverse=True)[:limit]


def locations(*, actor: Any, kind: str | None = None) -> QuerySet[Location]:
    """Every place (of ``kind`` when given), under its parent (the hierarchy's path order)."""
    found = Location.objects.order_by("path", "id")
    return found.filter(kind=kind) if kind else found


def location(*, actor: Any, pk: int) -> Location | None:
    found: Location | None = Location.objects.filter(pk=pk).first()
    return found


def location_family(*, location: Location) -> tuple[list[Location], list[Location]]:
    """The locations ``location`` is inside (outermost first) and those directly inside it."""
    ancestor_ids = [int(part) for part in location.path.strip("/").split("/") if part.isdigit()]
    ancestor_ids = [pk for pk in ancestor_ids if pk != location.pk]
    by_id = {loc.pk: loc for loc in Location.objects.filter(pk__in=ancestor_ids)}
    ancestors = [by_id[pk] for pk in ancestor_ids if pk in by_id]
    children = list(Location.objects.filter(parent=location).order_by("path", "id")[:LOCATION_CHILDREN_SHOWN])
    return ancestors, children


# --- SimpleEventQuery -------------------------------------------------------------------------

_INSTANCE_ROLES: dict[str, tuple[int, ...]] = {
    # MATCH_epc names the objects of an event: epcList and, for aggregations, childEPCs.
    "match_epc": (EpcRole.EPC, EpcRole.CHILD),
    "match_parent_id": (EpcRole.PARENT,),
    "match_input_epc": (EpcRole.INPUT,),
    "match_output_epc": (EpcRole.OUTPUT,),
    "match_any_epc": (EpcRole.EPC, EpcRole.CHILD, EpcRole.PARENT, EpcRole.INPUT, EpcRole.OUTPUT),
    "match_epc_class": (EpcRole.QUANTITY, EpcRole.CHILD_QUANTITY),
    "match_input_epc_class": (EpcRole.INPUT_QUANTITY,),
    "match_output_epc_class": (EpcRole.OUTPUT_QUANTITY,),
    "match_any_epc_class": (
        EpcRole.QUANTITY,
        EpcRole.CHILD_QUANTITY,
        EpcRole.INPUT_QUANTITY,
        EpcRole.OUTPUT_QUANTITY,
    ),
}
_FALLBACK_SCAN_LIMIT = 100_000  # identifiers a loose pattern may test one by one
# Conditions this repository does not evaluate (no parameter of the bureau's flows needs them);
# asking for one is refused rather than silently ignored.
_UNSUPPORTED = (
    ("persistent_disposition_set", "EQ_persistentDisposition_set"),
    ("persistent_disposition_unset", "EQ_persistentDisposition_unset"),
    ("transformation_ids", "EQ_transformationID"),
    ("quantities", "EQ_quantity"),
    ("ge_error_declaration_time", "GE_errorDeclarationTime"),
    ("lt_error_declaration_time", "LT_errorDeclarationTime"),
    ("error_reasons", "EQ_errorReason"),
    ("corrective_event_ids", "EQ_correctiveEventID"),
    ("field_conditions", "ILMD_/INNER_/extension fields"),
    ("sensor_conditions", "sensor data"),
    ("attribute_conditions", "EQATTR_/HASATTR_"),
)


def _location_ids(uris: Iterable[str], *, descendants: bool) -> list[int]:
    locations = list(Location.objects.filter(uri__in=list(uris)).values_list("id", "path"))
    if not descendants:
        return [pk for pk, _path in locations]
    condition = Q(pk__in=[pk for pk, _path in locations])
    for _pk, path in locations:
        condition |= Q(path__startswith=path)
    return list(Location.objects.filter(condition).values_list("id", flat=True)) if locations else []


def _pattern_epcs(patterns: Sequence[qp.EpcPattern], parameter: str) -> Any:
    """Identifier rows matching any of ``patterns`` (a query for exact/prefix patterns; a list of
    ids when a loose pattern had to be tested identifier by identifier)."""
    condition = Q(pk__in=[])
    loose: list[qp.EpcPattern] = []
    for pattern in patterns:
        narrowing = Q(pk__in=[])
        if pattern.exact is not None:
            narrowing |= Q(uri=pattern.exact)
        for prefix in pattern.prefixes:
            narrowing |= Q(uri__startswith=prefix)
        if pattern.fallback:
            loose.append(pattern)
        else:
            condition |= narrowing
    matched = Epc.objects.filter(condition)
    if not loose:
        return matched
    ids = list(matched.values_list("id", flat=True))
    for pattern in loose:
        narrowing = Q(pk__in=[])
        if pattern.exact is not None:
            narrowing |= Q(uri=pattern.exact)
        for prefix in pattern.prefixes:
            narrowing |= Q(uri__startswith=prefix)
        candidates = list(Epc.objects.filter(narrowing).values_list("id", "uri")[: _FALLBACK_SCAN_LIMIT + 1])
        if len(candidates) > _FALLBACK_SCAN_LIMIT or not (pattern.exact or pattern.prefixes):
            raise qp.QueryTooComplexException(
                "This pattern would test too many identifiers one by one; give more of it.",
                parameter=parameter,
            )
        ids.extend(pk for pk, uri in candidates if pattern.match(uri))
    return ids


def _hash_or_id(values: Iterable[str]) -> Q:
    ids: list[str] = []
    digests: list[bytes] = []
    for value in values:
        match = _HASH_ID.match(value)
        if match:
            digests.append(bytes.fromhex(match.group(1)))
        ids.append(value)
    return Q(event_id__in=ids) | Q(hash__in=digests)


def event_queryset(query: qp.EventQuery) -> QuerySet[Event]:
    """The events a SimpleEventQuery selects (unordered; :func:`event_page` orders and pages).
    Every condition goes to SQL over indexed columns: identifiers through ``EventEpc``, locations
    through their ids (``WD_`` through the location path), references through ``EventReference``."""
    for attribute, parameter in _UNSUPPORTED:
        if getattr(query, attribute):
            raise qp.ImplementationException(
                f"{parameter} is not supported by this repository.", parameter=parameter
            )
    events = Event.objects.all()
    if query.event_types:
        events = events.filter(type__in=[EVENT_TYPE_BY_NAME[name] for name in query.event_types])
    for attribute, lookup in (
        ("ge_event_time", "event_time__gte"),
        ("lt_event_time", "event_time__lt"),
        ("ge_record_time", "record_time__gte"),
        ("lt_record_time", "record_time__lt"),
    ):
        moment = getattr(query, attribute)
        if moment is not None:
            events = events.filter(**{lookup: moment})
    if query.actions:
        events = events.filter(action__in=[ACTION_BY_NAME[name] for name in query.actions])
    if query.biz_steps:
        events = events.filter(biz_step__in=sorted(query.biz_steps))
    if query.dispositions:
        events = events.filter(disposition__in=sorted(query.dispositions))
    for values, descendants, field_name in (
        (query.read_points, False, "read_point_id__in"),
        (query.read_points_wd, True, "read_point_id__in"),
        (query.biz_locations, False, "biz_location_id__in"),
        (query.biz_locations_wd, True, "biz_location_id__in"),
    ):
        if values:
            events = events.filter(**{field_name: _location_ids(values, descendants=descendants)})
    if query.event_ids:
        events = events.filter(_hash_or_id(query.event_ids))
    for attribute, roles in _INSTANCE_ROLES.items():
        patterns = getattr(query, attribute)
        if patterns:
            parameter = "MATCH_" + attribute.removeprefix("match_")
            epcs = _pattern_epcs(patterns, parameter)
            events = events.filter(
                id__in=EventEpc.objects.filter(role__in=roles, epc_id__in=epcs).values("event_id")
            )
    for kind, mapping in (
        (ReferenceKind.BIZ_TRANSACTION, query.biz_transactions),
        (ReferenceKind.SOURCE, query.sources),
        (ReferenceKind.DESTINATION, query.destinations),
    ):
        for type_, values in mapping.items():
            events = events.filter(
                id__in=EventReference.objects.filter(kind=kind, type=type_, value__in=sorted(values)).values(
                    "event_id"
                )
            )
    if query.exists_error_declaration:
        events = events.filter(is_error_declaration=True)
    return events


@dataclass
class EventPage:
    events: list[Event]
    next_position: qp.PagePosition | None


_ORDER_FIELDS = {None: "id", "eventTime": "event_time", "recordTime": "record_time"}


def event_page(query: qp.EventQuery, *, after: qp.PagePosition | None = None) -> EventPage:
    """One page of a query's events in its order (``orderBy`` eventTime or recordTime, else the
    order events were recorded), keyset-paginated on (sort value, id); honours
    ``eventCountLimit`` across pages and refuses with ``QueryTooLargeException`` past
    ``maxEventCount``."""
    if query.order_by not in _ORDER_FIELDS:
        raise qp.QueryParameterException("orderBy", "Only eventTime and recordTime can order results here.")
    field_name = _ORDER_FIELDS[query.order_by]
    descending = query.order_by is not None and query.order_direction == "DESC"
    events = event_queryset(query)
    if query.max_event_count is not None and after is None:
        query.check_size(events[: query.max_event_count + 1].count())
    returned = after.returned if after else 0
    limit = query.page_limit(returned)
    if limit == 0:
        return EventPage([], None)
    if after is not None:
        value = after.sort_value
        if field_name == "id":
            events = events.filter(id__gt=after.row_id)
        elif descending:
            events = events.filter(
                Q(**{f"{field_name}__lt": value}) | Q(**{field_name: value, "id__lt": after.row_id})
            )
        else:
            events = events.filter(
                Q(**{f"{field_name}__gt": value}) | Q(**{field_name: value, "id__gt": after.row_id})
            )
    ordering = [f"-{field_name}", "-id"] if descending else [field_name, "id"]
    if field_name == "id":
        ordering = ["id"]
    # The page's ids first, from the index alone, then those rows: sorting every match whole (its
    # document included) to keep 50 grows with the matches (a farm's events, a day's vaccinations).
    page = events.order_by(*ordering).values("id")[: limit + 1]
    rows = list(
        Event.objects.filter(id__in=page).select_related("read_point", "biz_location").order_by(*ordering)
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_position = None
    if more and rows:
        last = rows[-1]
        sort_value = last.pk if field_name == "id" else getattr(last, field_name)
        next_position = qp.PagePosition(sort_value, last.pk, returned + len(rows))
    return EventPage(rows, next_position)


def alerts(*, actor: Any) -> QuerySet[SupervisionAlert]:
    """Supervision alerts in the actor's area (alerts of no office are everyone's): open first,
    then being handled, then resolved; newest first within each."""
    status_order = Case(
        When(status=AlertStatus.OPEN, then=Value(0)),
        When(status=AlertStatus.ACKNOWLEDGED, then=Value(1)),
        default=Value(2),
    )
    found: QuerySet[SupervisionAlert] = (
        SupervisionAlert.objects.in_scope(actor)
        .select_related("handled_by", "event")
        .annotate(status_order=status_order)
        .order_by("status_order", "-raised_at", "-id")
    )
    return found


def alert_list(
    *, actor: Any, status: str | None = None, kind: str | None = None, declaration: str | None = None
) -> QuerySet[SupervisionAlert]:
    """Supervision alerts in the actor's area for the API's worklist, newest first, filtered by
    status, kind and declaration number when given."""
    found = SupervisionAlert.objects.in_scope(actor).select_related("handled_by")
    if status:
        found = found.filter(status=status)
    if kind:
        found = found.filter(kind=kind)
    if declaration:
        found = found.filter(declaration_number=declaration)
    return found.order_by("-raised_at", "-id")


def alert(*, actor: Any, pk: int) -> SupervisionAlert | None:
    """One supervision alert, when it is in the actor's area."""
    found: SupervisionAlert | None = (
        SupervisionAlert.objects.in_scope(actor).select_related("handled_by").filter(pk=pk).first()
    )
    return found
