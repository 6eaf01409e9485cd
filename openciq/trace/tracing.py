"""The trace: from any identifier, every event of it and of what contained it and what it
contained, over time, forwards and backwards.

Containment comes from the events themselves. An AggregationEvent or AssociationEvent ``ADD``
(or ``OBSERVE``) puts its children in its parent from its event time until a ``DELETE`` naming the
child (or naming the parent with no children: everything unpacked). A TransformationEvent turns
its inputs into its outputs: forwards from an input reaches the outputs, backwards from an output
reaches the inputs. An AssociationEvent ties two identifiers of one thing for a while (a pig and
its ear tag, a container and its seal): each stands for the other while they are together, so the
walk goes on from the associated one in every direction, as from the identifier traced. A crate's trace thus holds the pallet and truck it rode in while it rode in
them, the truck's seal and gate reads of that trip, and the harvest lot in the crate; a pig's
trace holds its loading batch's truck for that journey and not the truck's other journeys.

The walk is breadth-first with a window per identifier, reads only through the identifier index
(``EventEpc``) and the event table's primary key, and stops at ``max_nodes`` identifiers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from openciq.trace.capture import canonical_identifier
from openciq.trace.choices import CLASS_ROLES, Action, EpcRole, EventType
from openciq.trace.models import Epc, Event, EventEpc

_CONTAINERS = (EventType.AGGREGATION, EventType.ASSOCIATION)
_CHILD_ROLES = (EpcRole.CHILD, EpcRole.CHILD_QUANTITY)
_FAR_PAST = dt.datetime(1, 1, 2, tzinfo=dt.UTC)
_FAR_FUTURE = dt.datetime(9999, 12, 30, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Window:
    start: dt.datetime = _FAR_PAST
    end: dt.datetime = _FAR_FUTURE

    def __contains__(self, moment: dt.datetime) -> bool:
        return self.start <= moment <= self.end

    def within(self, outer: Window) -> Window | None:
        """This window cut to ``outer``; ``None`` when they do not meet."""
        start, end = max(self.start, outer.start), min(self.end, outer.end)
        return Window(start, end) if start <= end else None


@dataclass
class Node:
    """An identifier reached by the trace, and how."""

    epc_id: int
    uri: str
    relation: str  # "self", "associated", "container", "content", "input", "output"
    depth: int
    window: Window
    via: int | None = None  # the event that linked it


@dataclass
class Trace:
    identifier: str
    found: bool
    nodes: list[Node] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    # event id → the identifiers of the trace it concerns
    concerns: dict[int, list[str]] = field(default_factory=dict)
    truncated: bool = False


@dataclass(frozen=True)
class _Row:
    event_id: int
    role: int
    type: int
    action: int | None
    event_time: dt.datetime


_CHUNK = 5000  # ids per IN list (SQLite allows 32,766 parameters, PostgreSQL 65,535)


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def _rows(epc_ids: Sequence[int]) -> dict[int, list[_Row]]:
    """Identifier id → its events (oldest first), for all of ``epc_ids`` at once."""
    found: dict[int, list[_Row]] = {epc_id: [] for epc_id in epc_ids}
    for chunk in _chunks(epc_ids):
        for epc_id, event_id, role, type_, action, event_time in (
            EventEpc.objects.filter(epc_id__in=chunk)
            .order_by("epc_id", "event__event_time", "event_id", "role")
            .values_list("epc_id", "event_id", "role", "event__type", "event__action", "event__event_time")
        ):
            found[epc_id].append(_Row(event_id, role, type_, action, event_time))
    return found


def _links(event_ids: Iterable[int], roles: Sequence[int]) -> dict[int, list[tuple[int, int]]]:
    """Event id → (epc id, role) of the given roles."""
    found: dict[int, list[tuple[int, int]]] = {}
    for chunk in _chunks(sorted(set(event_ids))):
        # Ordered on the link's own columns (the model's ordering would join the event and the
        # identifier to sort by them).
        for event_id, epc_id, role in (
            EventEpc.objects.filter(event_id__in=chunk, role__in=roles)
            .order_by("event_id", "epc_id", "role")
            .values_list("event_id", "epc_id", "role")
        ):
            found.setdefault(event_id, []).append((epc_id, role))
    return found


def trace(identifier: str, *, max_nodes: int = 500, max_depth: int = 6) -> Trace:
    """Walk containment and transformation from ``identifier`` (EPC URN, Digital Link or URI).

    The walk goes one depth at a time: the events of every identifier of a depth are read in one
    query, and the identifiers they link to in at most four (one per relation the walk may still
    follow from there), so a truck's trace costs a handful of queries, not a few per pig."""
    uri = canonical_identifier(identifier)
    root = Epc.objects.filter(uri=uri).values_list("id", flat=True).first()
    result = Trace(identifier=uri, found=root is not None)
    if root is None:
        return result
    nodes: dict[int, Node] = {root: Node(root, uri, "self", 0, Window())}
    level = [root]
    event_concerns: dict[int, set[int]] = {}
    while level:
        rows = _rows(level)
        for epc_id in level:
            for row in _own_rows(nodes[epc_id], rows[epc_id]):
                event_concerns.setdefault(row.event_id, set()).add(epc_id)
        growing = [epc_id for epc_id in level if nodes[epc_id].depth < max_depth]
        links = _Links.read([(nodes[epc_id], rows[epc_id]) for epc_id in growing])
        following: list[int] = []
        for epc_id in growing:
            node = nodes[epc_id]
            # All of the node's rows, not only those in its window: a pallet loaded on the truck at
            # nine holds the crates packed on it at eight. Each link's window is cut to the node's.
            for linked, relation, link_window, via in _links_of(node, rows[epc_id], links):
                window = link_window.within(node.window)
                if window is None or linked in nodes:
                    continue
                if len(nodes) >= max_nodes:
                    result.truncated = True
                    break
                nodes[linked] = Node(linked, "", relation, node.depth + 1, window, via)
                following.append(linked)
        level = following
    uris = dict(Epc.objects.filter(id__in=list(nodes)).values_list("id", "uri"))
    for node in nodes.values():
        node.uri = uris.get(node.epc_id, node.uri)
    result.nodes = sorted(nodes.values(), key=lambda n: (n.depth, n.uri))
    result.events = list(
        Event.objects.filter(id__in=list(event_concerns))
        .select_related("read_point", "biz_location")
        .order_by("event_time", "id")
    )
    result.concerns = {
        event_id: sorted(uris[e] for e in epc_ids if e in uris)
        for event_id, epc_ids in event_concerns.items()
    }
    return result


_OWN_ROLES = frozenset(
    {
        EpcRole.EPC,
        EpcRole.QUANTITY,
        EpcRole.INPUT,
        EpcRole.INPUT_QUANTITY,
        EpcRole.OUTPUT,
        EpcRole.OUTPUT_QUANTITY,
    }
)


def _own_rows(node: Node, rows: Sequence[_Row]) -> Iterable[_Row]:
    """The events of a node that belong in the trace. The identifier traced: all of them. An
    identifier reached through containment: those in its window, but not its packing into other
    containers (the same lot in other crates is a sibling, not part of this crate's story). A
    class (a harvest lot) reached as content also brings its own history before it was packed:
    where and when it was harvested, inspected."""
    if node.relation == "self":
        yield from rows
        return
    if node.relation == "associated":  # the same thing while they are together
        yield from (row for row in rows if row.event_time in node.window)
        return
    is_class = bool(rows) and all(row.role in CLASS_ROLES for row in rows)
    for row in rows:
        if row.role in _CHILD_ROLES and row.event_id != node.via:
            continue
        if row.event_time in node.window or (
            is_class and row.role in _OWN_ROLES and row.event_time <= node.window.end
        ):
            yield row


# Which way the walk goes on from a node reached by each relation: up from a container, down
# from contents, backwards from an input, forwards from an output (never sideways to siblings).
_ONWARDS = {
    "self": frozenset({"container", "content", "input", "output"}),
    "associated": frozenset({"container", "content", "input", "output"}),
    "container": frozenset({"container", "input"}),
    "content": frozenset({"content", "output"}),
    "input": frozenset({"container", "input"}),
    "output": frozenset({"content", "output"}),
}


_INPUT_ROLES = (EpcRole.INPUT, EpcRole.INPUT_QUANTITY)
_OUTPUT_ROLES = (EpcRole.OUTPUT, EpcRole.OUTPUT_QUANTITY)


@dataclass
class _Links:
    """The identifiers the events of one depth link to, by event: the parents of events naming a
    node as a child, the children of events naming it as the parent, the outputs of its
    transformations as an input and the inputs of those it came out of. Only what the walk may
    follow from each node is read (a truck reached from a pig goes up, never down to the other
    pigs of its other journeys)."""

    parents: dict[int, list[tuple[int, int]]]
    children: dict[int, list[tuple[int, int]]]
    outputs: dict[int, list[tuple[int, int]]]
    inputs: dict[int, list[tuple[int, int]]]

    @classmethod
    def read(cls, level: Sequence[tuple[Node, Sequence[_Row]]]) -> _Links:
        wanted: dict[str, set[int]] = {"container": set(), "content": set(), "output": set(), "input": set()}
        for node, rows in level:
            allowed = _ONWARDS[node.relation]
            for row in rows:
                if row.type in _CONTAINERS:
                    if row.role in _CHILD_ROLES and "container" in allowed:
                        wanted["container"].add(row.event_id)
                    elif row.role == EpcRole.PARENT and row.action != Action.DELETE and "content" in allowed:
                        wanted["content"].add(row.event_id)
                elif row.type == EventType.TRANSFORMATION:
                    if row.role in _INPUT_ROLES and "output" in allowed:
                        wanted["output"].add(row.event_id)
                    elif row.role in _OUTPUT_ROLES and "input" in allowed:
                        wanted["input"].add(row.event_id)
        return cls(
            parents=_links(wanted["container"], (EpcRole.PARENT,)),
            children=_links(wanted["content"], _CHILD_ROLES),
            outputs=_links(wanted["output"], _OUTPUT_ROLES),
            inputs=_links(wanted["input"], _INPUT_ROLES),
        )


def _relation(row: _Row, containment: str) -> str:
    """How an identifier linked by a containment event relates: ``associated`` through an
    AssociationEvent (the same thing), else ``containment`` (``container`` or ``content``)."""
    return "associated" if row.type == EventType.ASSOCIATION else containment


def _links_of(node: Node, rows: Sequence[_Row], links: _Links) -> Iterable[tuple[int, str, Window, int]]:
    """Identifiers linked to ``node`` by its events, in the directions the walk goes on from it
    (:data:`_ONWARDS`): containers while it was inside them, contents while they were inside it,
    transformation inputs before and outputs after."""
    allowed = _ONWARDS[node.relation]
    containment = [row for row in rows if row.type in _CONTAINERS]
    transformation = [row for row in rows if row.type == EventType.TRANSFORMATION]
    if "container" in allowed:
        # As a child: the parent of each ADD/OBSERVE, until a DELETE naming this child and that parent.
        as_child = [row for row in containment if row.role in _CHILD_ROLES]
        parents = links.parents
        for row in as_child:
            if row.action == Action.DELETE:
                continue
            for parent, _role in parents.get(row.event_id, ()):
                end = next(
                    (
                        later.event_time
                        for later in as_child
                        if later.action == Action.DELETE
                        and later.event_time >= row.event_time
                        and any(p == parent for p, _ in parents.get(later.event_id, ()))
                    ),
                    _FAR_FUTURE,
                )
                yield parent, _relation(row, "container"), Window(row.event_time, end), row.event_id
    if "content" in allowed:
        # As a parent: the children of each ADD/OBSERVE, until a DELETE of this parent.
        as_parent = [row for row in containment if row.role == EpcRole.PARENT]
        for row in as_parent:
            if row.action == Action.DELETE:
                continue
            end = next(
                (
                    later.event_time
                    for later in as_parent
                    if later.action == Action.DELETE and later.event_time >= row.event_time
                ),
                _FAR_FUTURE,
            )
            for child, _role in links.children.get(row.event_id, ()):
                yield child, _relation(row, "content"), Window(row.event_time, end), row.event_id
    # Transformations: outputs after, inputs before.
    if "output" in allowed:
        for row in transformation:
            if row.role in _INPUT_ROLES:
                for output, _role in links.outputs.get(row.event_id, ()):
                    yield output, "output", Window(row.event_time, _FAR_FUTURE), row.event_id
    if "input" in allowed:
        for row in transformation:
            if row.role in _OUTPUT_ROLES:
                for source, _role in links.inputs.get(row.event_id, ()):
                    yield source, "input", Window(_FAR_PAST, row.event_time), row.event_id
