"""Storing checked EPCIS events: from the JSON-binding dict of an event to the repository's rows.

This is the capture engine under the services (``services.capture_*``): it takes events that
have passed the two validation layers, puts each in its canonical form (identifiers as GS1 Digital
Link, CBV values as bare words, times in UTC), computes the CBV 2.0 event hash, drops what is
already stored, and writes events, identifiers, locations and references in a few set-based
statements per batch. One capture of 1,000 events is a handful of queries, not thousands.

Speed: the event ids are drawn before the write (:func:`allocate_event_ids`), so that events,
identifier links and references go in as plain multi-row statements (SQLite ``executemany``,
PostgreSQL ``COPY``) with no ORM object per row; the stored events handed to the listeners are
built as if read back from their rows. Identifiers are normalised once per capture (the
normalisers are cached), and the stored document is encoded by one shared JSON encoder.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, NotSupportedError, connection, models, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from openciq.trace import cbv, epc, event_hash
from openciq.trace.choices import (
    ACTION_BY_NAME,
    EVENT_TYPE_BY_NAME,
    EpcRole,
    ReferenceKind,
)
from openciq.trace.models import Epc, Event, EventEpc, EventReference, Location
from openciq.trace.problems import Issue

# Identifier lists of an event, in the JSON binding, and the role each gets in the index.
_EPC_LISTS = (
    ("epcList", EpcRole.EPC),
    ("childEPCs", EpcRole.CHILD),
    ("inputEPCList", EpcRole.INPUT),
    ("outputEPCList", EpcRole.OUTPUT),
)
_QUANTITY_LISTS = (
    ("quantityList", EpcRole.QUANTITY),
    ("childQuantityList", EpcRole.CHILD_QUANTITY),
    ("inputQuantityList", EpcRole.INPUT_QUANTITY),
    ("outputQuantityList", EpcRole.OUTPUT_QUANTITY),
)
_REFERENCE_LISTS = (
    ("bizTransactionList", ReferenceKind.BIZ_TRANSACTION, "bizTransaction", "bizTransactionType"),
    ("sourceList", ReferenceKind.SOURCE, "source", "sourceDestType"),
    ("destinationList", ReferenceKind.DESTINATION, "destination", "sourceDestType"),
)
_CHUNK = 500  # identifiers per IN (...) lookup: well inside SQLite's variable limit
_COPY_FROM = 100  # PostgreSQL: rows up to which a multi-row INSERT beats COPY

# Called with the events a capture stored, inside its transaction (the supervision apps compare
# border-gate reads with declarations, watch seals, reconcile loading channels). A listener must
# be quick to say "not mine" and must raise only for bugs: raising undoes the capture.
Listener = Callable[[Sequence[Event]], None]
_listeners: list[Listener] = []


def register_listener(listener: Listener) -> None:
    """Called from a supervision app's ``AppConfig.ready``."""
    if listener not in _listeners:
        _listeners.append(listener)


_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_time(value: str) -> dt.datetime:
    """An RFC 3339 time with its offset as an aware UTC datetime (fractions past microseconds,
    which EPCIS allows, are cut, not rounded)."""
    text = _FRACTION.sub(r"\1", value.strip())
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone offset")
    return moment.astimezone(dt.UTC)


def canonical_identifier(value: str) -> str:
    """The stored form of an identifier: canonical GS1 Digital Link for a GS1 key, the URI as sent
    (trimmed) for anything else, including an EPC URN the validator let through with a warning."""
    try:
        return epc.normalise(value)
    except epc.InvalidEpc:
        return value.strip()


def canonical_vocabulary(kind: str, value: str) -> str:
    try:
        return cbv.normalise(kind, value)
    except ValueError:
        return value.strip()


@dataclass(slots=True)
class Prepared:
    """One event ready to store: its columns, identifiers and references in canonical form."""

    index: int  # position in the document, for error paths
    path: str
    hash: bytes
    event_id: str | None
    is_error_declaration: bool
    type: int
    action: int | None
    event_time: dt.datetime
    time_zone_offset: str
    biz_step: str
    disposition: str
    read_point: str | None
    biz_location: str | None
    document: str
    epcs: list[tuple[str, int]] = field(default_factory=list)
    references: list[tuple[int, str, str]] = field(default_factory=list)


# The stored document: compact, non-ASCII kept. One encoder, not one per json.dumps call.
_DOCUMENT_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def prepare(event: Mapping[str, Any], *, namespaces: Mapping[str, str], index: int, path: str) -> Prepared:
    """Canonical columns of one validated event (raises ``ValueError`` for what the validators
    cannot have let through, so a bug shows up as a refused event, not a wrong row)."""
    digest = event_hash.digest(event, namespaces=namespaces)
    action = event.get("action")
    read_point = (event.get("readPoint") or {}).get("id")
    biz_location = (event.get("bizLocation") or {}).get("id")
    biz_step, disposition = event.get("bizStep"), event.get("disposition")
    prepared = Prepared(
        index=index,
        path=path,
        hash=digest,
        event_id=event.get("eventID") or None,
        is_error_declaration="errorDeclaration" in event,
        type=EVENT_TYPE_BY_NAME[event["type"]],
        action=ACTION_BY_NAME[action] if action else None,
        event_time=parse_time(event["eventTime"]),
        time_zone_offset=event["eventTimeZoneOffset"],
        biz_step=canonical_vocabulary("bizStep", biz_step) if biz_step else "",
        disposition=canonical_vocabulary("disposition", disposition) if disposition else "",
        read_point=canonical_identifier(read_point) if read_point else None,
        biz_location=canonical_identifier(biz_location) if biz_location else None,
        document=_DOCUMENT_ENCODER.encode(_stored_form(event, namespaces)),
    )
    epcs = prepared.epcs
    seen: set[tuple[str, int]] = set()
    for key, role in _EPC_LISTS:
        for value in event.get(key) or ():
            item = (canonical_identifier(value), role)
            if item not in seen:
                seen.add(item)
                epcs.append(item)
    if event.get("parentID"):
        item = (canonical_identifier(event["parentID"]), EpcRole.PARENT)
        if item not in seen:
            seen.add(item)
            epcs.append(item)
    for key, role in _QUANTITY_LISTS:
        for element in event.get(key) or ():
            item = (canonical_identifier(element["epcClass"]), role)
            if item not in seen:
                seen.add(item)
                epcs.append(item)
    for key, kind, value_key, vocabulary in _REFERENCE_LISTS:
        for element in event.get(key) or ():
            type_ = element.get("type", "")
            prepared.references.append(
                (
                    kind,
                    canonical_vocabulary(vocabulary, type_) if type_ else "",
                    canonical_identifier(element[value_key]),
                )
            )
    return prepared


def _stored_form(event: Mapping[str, Any], namespaces: Mapping[str, str]) -> dict[str, Any]:
    """The event as sent, without what the repository sets itself (``recordTime``), carrying the
    namespaces of the extension prefixes it uses (declared on the document, they would be lost
    with it) in its own ``@context``."""
    if type(event) is dict and "recordTime" not in event:
        stored: dict[str, Any] = event  # only read from here on: no copy needed
    else:
        stored = {key: value for key, value in event.items() if key != "recordTime"}
    if "@context" not in stored and namespaces:
        found: set[str] = set()
        _prefixes(stored, found)
        used = sorted(prefix for prefix in found if prefix in namespaces)
        if used:
            stored = {"@context": [{prefix: namespaces[prefix] for prefix in used}], **stored}
    return stored


def _prefixes(value: Any, found: set[str]) -> None:
    """Add to ``found`` the prefixes of the ``prefix:name`` keys anywhere in ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            if ":" in key and key[:1] != "@":
                found.add(key.split(":", 1)[0])
            if isinstance(item, (dict, list)):
                _prefixes(item, found)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)):
                _prefixes(item, found)


@dataclass
class StoreResult:
    stored: list[Event]
    duplicates: list[Prepared]


# --- the database -----------------------------------------------------------------------------
#
# Events and their links are written with plain multi-row statements (SQLite ``executemany``,
# PostgreSQL ``COPY``), not ``bulk_create``: the ORM's per-object work (model instances, field
# preparation, one SQL string per batch) cost more than the database's. The statements are built
# from the models' own table and column names, and values are adapted by the backend's
# ``connection.ops`` as the ORM would, so the rows are the ones ``bulk_create`` wrote. What
# differs between the two databases sits in ``_SQLite`` and ``_PostgreSQL`` (:func:`_sql`).


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column, name
    return connection.ops.quote_name(field.column)


def _quoted(model: type[models.Model], names: Sequence[str]) -> tuple[str, str]:
    """Quoted table name and column list of ``model`` for ``names`` (attribute names)."""
    columns = ", ".join(_column(model, name) for name in names)
    return connection.ops.quote_name(model._meta.db_table), columns


class _SQLite:
    """Statements for SQLite: in-process, so many small statements cost little."""

    def insert(self, table: str, columns: str, rows: Sequence[Sequence[Any]]) -> None:
        marks = ", ".join(["%s"] * len(rows[0]))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)

    def lookup(
        self, table: str, key: str, pk: str, values: Sequence[Any], where: str
    ) -> list[tuple[Any, ...]]:
        found: list[tuple[Any, ...]] = []
        also = f" AND {where}" if where else ""
        with connection.cursor() as cursor:
            for chunk in _chunks(values):
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT t.{key}, t.{pk} FROM {table} t WHERE t.{key} IN ({marks}){also}", list(chunk)
                )
                found.extend(cursor.fetchall())
        return found

    def intern(self, table: str, key: str, pk: str, values: Sequence[str]) -> list[tuple[Any, ...]]:
        found = self.lookup(table, key, pk, values, "")
        known = {value for value, _pk in found}
        missing = [(value,) for value in values if value not in known]
        if missing:
            with connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {table} ({key}) VALUES (%s) ON CONFLICT DO NOTHING", missing)
        return found

    def stored(
        self, table: str, hash_column: str, id_column: str, hashes: list[bytes], ids: list[str], where: str
    ) -> list[tuple[Any, Any]]:
        return [(h, None) for h, _rowid in self.lookup(table, hash_column, "rowid", hashes, where)] + [
            (None, event_id) for event_id, _rowid in self.lookup(table, id_column, "rowid", ids, where)
        ]

    def allocate(self, table: str, pk: str, count: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT max(coalesce((SELECT max({pk}) FROM {table}), 0), "
                "coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
                [table.strip('"')],
            )
            top = int(cursor.fetchone()[0])
        return list(range(top + 1, top + 1 + count))

    def flag(self, value: bool) -> str:
        return str(int(value))


class _PostgreSQL:
    """Statements for PostgreSQL: each costs a round trip, so few statements, large arrays sent
    as binary parameters (a server-side-binding cursor: Django's client-side binding would quote
    every array element in Python) and joined with ``unnest`` (with ``= ANY(array)`` the planner
    may scan a small table whole)."""

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        """A cursor with server-side binding on Django's connection (same transaction), its
        errors turned into Django's (``IntegrityError`` ...) as Django's own cursors do."""
        import psycopg

        connection.ensure_connection()
        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
            yield cursor

    def insert(self, table: str, columns: str, rows: Sequence[Sequence[Any]]) -> None:
        with connection.cursor() as cursor:
            if len(rows) <= _COPY_FROM:  # one round trip; COPY takes two
                marks = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) VALUES {', '.join([marks] * len(rows))}",
                    [value for row in rows for value in row],
                )
                return
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)

    def lookup(
        self, table: str, key: str, pk: str, values: Sequence[Any], where: str
    ) -> list[tuple[Any, ...]]:
        kind = "bytea" if isinstance(values[0], bytes) else "text"
        with self._cursor() as cursor:
            cursor.execute(
                f"SELECT t.{key}, t.{pk} FROM unnest(%b::{kind}[]) AS v(k) JOIN {table} t ON t.{key} = v.k"
                + (f" WHERE {where}" if where else ""),
                [list(values)],
            )
            rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows

    def intern(self, table: str, key: str, pk: str, values: Sequence[str]) -> list[tuple[Any, ...]]:
        # One round trip: the new rows come back from the INSERT, the others from the join (whose
        # snapshot does not see this statement's own inserts).
        with self._cursor() as cursor:
            cursor.execute(
                f"WITH v AS (SELECT unnest(%b::text[]) AS k), new AS (INSERT INTO {table} ({key}) "
                f"SELECT k FROM v ON CONFLICT DO NOTHING RETURNING {key}, {pk}) "
                f"SELECT {key}, {pk} FROM new UNION ALL SELECT t.{key}, t.{pk} FROM v JOIN {table} t ON t.{key} = v.k",
                [list(values)],
            )
            rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows

    def stored(
        self, table: str, hash_column: str, id_column: str, hashes: list[bytes], ids: list[str], where: str
    ) -> list[tuple[Any, Any]]:
        with self._cursor() as cursor:
            cursor.execute(
                f"SELECT t.{hash_column}, t.{id_column} FROM unnest(%b::bytea[]) AS v(k) "
                f"JOIN {table} t ON t.{hash_column} = v.k WHERE {where} UNION ALL "
                f"SELECT t.{hash_column}, t.{id_column} FROM unnest(%b::text[]) AS v(k) "
                f"JOIN {table} t ON t.{id_column} = v.k WHERE {where}",
                [hashes, ids],
            )
            rows: list[tuple[Any, Any]] = cursor.fetchall()
        return rows

    def allocate(self, table: str, pk: str, count: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table.strip('"'), pk.strip('"'), count],
            )
            return sorted(row[0] for row in cursor.fetchall())

    def flag(self, value: bool) -> str:
        return "true" if value else "false"


_SQLITE, _POSTGRESQL = _SQLite(), _PostgreSQL()


def _sql() -> _SQLite | _PostgreSQL:
    if connection.vendor == "postgresql":
        return _POSTGRESQL
    if connection.vendor == "sqlite":
        return _SQLITE
    raise NotSupportedError(f"capture.store supports SQLite and PostgreSQL, not {connection.vendor}")


def _insert(model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Write ``rows`` (values adapted for the database, in the order of ``names``)."""
    if rows:
        _sql().insert(*_quoted(model, names), rows)


def _lookup(model: type[models.Model], key: str, values: Sequence[Any]) -> list[tuple[Any, ...]]:
    """``(key, id)`` rows of ``model`` whose ``key`` column is one of ``values``."""
    if not values:
        return []
    table, column = _quoted(model, [key])
    return _sql().lookup(table, column, _column(model, "id"), values, "")


def intern_epcs(uris: Iterable[str]) -> dict[str, int]:
    """Row ids of identifiers, creating the ones not seen before (a concurrent capture creating
    the same identifier is harmless: ``ON CONFLICT DO NOTHING``, then read back)."""
    wanted = sorted(set(uris))
    if not wanted:
        return {}
    table, column = _quoted(Epc, ["uri"])
    found: dict[str, int] = dict(_sql().intern(table, column, _column(Epc, "id"), wanted))
    missing = [uri for uri in wanted if uri not in found]  # new here, or stored meanwhile by another capture
    if missing:
        found.update(_lookup(Epc, "uri", missing))
    return found


def intern_locations(uris: Iterable[str]) -> dict[str, int]:
    """Row ids of locations, creating the ones first seen in an event (as roots, unnamed). A
    concurrent capture creating the same location first is harmless: its row is read back."""
    wanted = sorted(set(uris))
    found: dict[str, int] = dict(_lookup(Location, "uri", wanted))
    for uri in wanted:
        if uri not in found:
            try:
                with transaction.atomic():
                    location = Location.objects.create(uri=uri)
            except IntegrityError:  # created meanwhile (PostgreSQL waited for it to commit)
                found[uri] = Location.objects.values_list("pk", flat=True).get(uri=uri)
                continue
            location.path = f"/{location.pk}/"
            Location.objects.filter(pk=location.pk).update(path=location.path)
            found[uri] = location.pk
    return found


def existing_hashes(prepared: Sequence[Prepared]) -> set[tuple[bytes, bool]]:
    """(hash, is error declaration) pairs of these events that are already stored."""
    return _stored(prepared)[0]


def existing_event_ids(prepared: Sequence[Prepared]) -> set[tuple[str, bool]]:
    """(sender-given eventID, is error declaration) pairs of these events that are already stored."""
    return _stored(prepared)[1]


def _stored(prepared: Sequence[Prepared]) -> tuple[set[tuple[bytes, bool]], set[tuple[str, bool]]]:
    """Both of the above, in one query per kind of event (events, error declarations) on
    PostgreSQL."""
    hashes: set[tuple[bytes, bool]] = set()
    ids: set[tuple[str, bool]] = set()
    table, columns = _quoted(Event, ["hash", "event_id"])
    hash_column, id_column = columns.split(", ")
    flag_column = _column(Event, "is_error_declaration")
    sql = _sql()
    for flag in (False, True):
        mine = [p for p in prepared if p.is_error_declaration is flag]
        if not mine:
            continue
        where = f"t.{flag_column} = {sql.flag(flag)}"
        by_id = [p.event_id for p in mine if p.event_id]
        for h, event_id in sql.stored(table, hash_column, id_column, [p.hash for p in mine], by_id, where):
            if h is not None:
                hashes.add((bytes(h), flag))
            if event_id is not None:
                ids.add((event_id, flag))
    return hashes, ids


def split_duplicates(prepared: Sequence[Prepared]) -> tuple[list[Prepared], list[Prepared]]:
    """New events and duplicates (of stored events or of an earlier event in the same batch):
    the same hash, or the same sender-given eventID, among events or among error declarations."""
    by_hash, by_id = _stored(prepared)
    new: list[Prepared] = []
    duplicates: list[Prepared] = []
    for item in prepared:
        hash_key = (item.hash, item.is_error_declaration)
        id_key = (item.event_id, item.is_error_declaration) if item.event_id else None
        if hash_key in by_hash or (id_key is not None and id_key in by_id):
            duplicates.append(item)
            continue
        by_hash.add(hash_key)
        if id_key is not None:
            by_id.add(id_key)
        new.append(item)
    return new, duplicates


def allocate_event_ids(count: int) -> list[int]:
    """``count`` new event ids, ascending, so that rows and their links can be written in one go.

    PostgreSQL draws them from the table's sequence. SQLite has no sequence to draw from: the ids
    follow the highest one used so far (AUTOINCREMENT never reuses an id, so ``sqlite_sequence``
    counts too). That read is safe because the caller's transaction holds SQLite's write lock: the
    connection opens transactions with ``BEGIN IMMEDIATE`` (settings), and the capture job row is
    written before the events anyway, so no other connection can insert events until commit.
    """
    return _sql().allocate(connection.ops.quote_name(Event._meta.db_table), _column(Event, "id"), count)


EVENT_FIELDS = (
    "id",
    "hash",
    "event_id",
    "is_error_declaration",
    "type",
    "action",
    "event_time",
    "time_zone_offset",
    "record_time",
    "biz_step",
    "disposition",
    "read_point_id",
    "biz_location_id",
    "capture_job_id",
    "document",
)


def _stored_event(values: dict[str, Any]) -> Event:
    """An ``Event`` as if read back from its row (``values`` by attribute name, every concrete
    field given): what ``Model.from_db`` gives, without ``Model.__init__``'s per-field work, which
    cost more than writing the row (about 15 µs an event)."""
    event = Event.__new__(Event)
    event.__dict__.update(values)
    state = ModelState()
    state.adding = False
    state.db = connection.alias
    event._state = state
    return event


def _events(
    items: Sequence[Prepared],
    ids: Sequence[int],
    *,
    record_time: dt.datetime,
    capture_job_id: int | None,
    locations: Mapping[str, int],
) -> list[Event]:
    return [
        _stored_event(
            {
                "id": pk,
                "hash": item.hash,
                "event_id": item.event_id,
                "is_error_declaration": item.is_error_declaration,
                "type": item.type,
                "action": item.action,
                "event_time": item.event_time,
                "time_zone_offset": item.time_zone_offset,
                "record_time": record_time,
                "biz_step": item.biz_step,
                "disposition": item.disposition,
                "read_point_id": locations[item.read_point] if item.read_point else None,
                "biz_location_id": locations[item.biz_location] if item.biz_location else None,
                "capture_job_id": capture_job_id,
                "document": item.document,
            }
        )
        for item, pk in zip(items, ids, strict=True)
    ]


def _event_rows(rows: Sequence[Event]) -> list[tuple[Any, ...]]:
    """The database values of ``rows`` in the order of ``EVENT_FIELDS``."""
    adapt = connection.ops.adapt_datetimefield_value
    record_times: dict[dt.datetime, Any] = {}  # one record time per capture: adapted once
    out = []
    for row in rows:
        values = row.__dict__
        record_time = values["record_time"]
        if record_time not in record_times:
            record_times[record_time] = adapt(record_time)
        out.append(
            (
                values["id"],
                values["hash"],
                values["event_id"],
                values["is_error_declaration"],
                values["type"],
                values["action"],
                adapt(values["event_time"]),
                values["time_zone_offset"],
                record_times[record_time],
                values["biz_step"],
                values["disposition"],
                values["read_point_id"],
                values["biz_location_id"],
                values["capture_job_id"],
                values["document"],
            )
        )
    return out


def store(
    prepared: Sequence[Prepared], *, capture_job_id: int | None, record_time: dt.datetime | None = None
) -> StoreResult:
    """Write new events with their identifiers and references; skip duplicates. Must run inside
    a transaction (the services open one). A concurrent capture of the same event is caught by
    the unique constraints and reported as a duplicate."""
    assert connection.in_atomic_block, "capture.store runs inside the service's transaction"
    new, duplicates = split_duplicates(prepared)
    if not new:
        return StoreResult([], duplicates)
    record_time = record_time or timezone.now()
    locations = intern_locations(
        uri for item in new for uri in (item.read_point, item.biz_location) if uri is not None
    )
    epc_ids = intern_epcs(uri for item in new for uri, _role in item.epcs)
    if _sql() is _POSTGRESQL and len(new) <= _COPY_FROM:
        rows = _events(
            new, [0] * len(new), record_time=record_time, capture_job_id=capture_job_id, locations=locations
        )
        return _store_returning(new, rows, duplicates, epc_ids)
    rows = _events(
        new,
        allocate_event_ids(len(new)),
        record_time=record_time,
        capture_job_id=capture_job_id,
        locations=locations,
    )
    try:
        with transaction.atomic():
            _insert(Event, EVENT_FIELDS, _event_rows(rows))
            _store_links(new, rows, epc_ids)
    except IntegrityError:
        # Another capture stored some of these between our check and our insert: store one by
        # one, and count the losers of the race as duplicates.
        return _store_one_by_one(new, rows, duplicates, epc_ids)
    _notify(rows)
    return StoreResult(rows, duplicates)


def _store_returning(
    new: Sequence[Prepared], rows: Sequence[Event], duplicates: list[Prepared], epc_ids: Mapping[str, int]
) -> StoreResult:
    """A few events on PostgreSQL (``POST /events``, a device message): one ``INSERT ... ON
    CONFLICT DO NOTHING RETURNING`` gives the ids and leaves out the losers of a race, without
    drawing ids first or a savepoint (three round trips fewer)."""
    table, columns = _quoted(Event, EVENT_FIELDS[1:])
    returning = ", ".join(_column(Event, name) for name in ("id", "hash", "is_error_declaration"))
    values = [row[1:] for row in _event_rows(rows)]
    marks = "(" + ", ".join(["%s"] * len(values[0])) + ")"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES {', '.join([marks] * len(values))} "
            f"ON CONFLICT DO NOTHING RETURNING {returning}",
            [value for row in values for value in row],
        )
        ids = {(bytes(h), flag): pk for pk, h, flag in cursor.fetchall()}
    stored_items: list[Prepared] = []
    stored_rows: list[Event] = []
    for item, row in zip(new, rows, strict=True):
        pk = ids.get((item.hash, item.is_error_declaration))
        if pk is None:
            duplicates.append(item)  # stored meanwhile by another capture (hash or eventID)
            continue
        row.__dict__["id"] = pk
        stored_items.append(item)
        stored_rows.append(row)
    _store_links(stored_items, stored_rows, epc_ids)
    _notify(stored_rows)
    return StoreResult(stored_rows, duplicates)


def _notify(rows: Sequence[Event]) -> None:
    if rows:
        for listener in _listeners:
            listener(rows)


def _store_one_by_one(
    new: Sequence[Prepared], rows: Sequence[Event], duplicates: list[Prepared], epc_ids: Mapping[str, int]
) -> StoreResult:
    stored_items: list[Prepared] = []
    stored_rows: list[Event] = []
    for item, row in zip(new, rows, strict=True):
        try:
            with transaction.atomic():
                _insert(Event, EVENT_FIELDS, _event_rows([row]))
        except IntegrityError:
            duplicates.append(item)
            continue
        stored_items.append(item)
        stored_rows.append(row)
    _store_links(stored_items, stored_rows, epc_ids)
    _notify(stored_rows)
    return StoreResult(stored_rows, duplicates)


def _store_links(items: Sequence[Prepared], rows: Sequence[Event], epc_ids: Mapping[str, int]) -> None:
    pairs = list(zip(items, rows, strict=True))
    _insert(
        EventEpc,
        ("epc_id", "event_id", "role"),
        [(epc_ids[uri], row.pk, role) for item, row in pairs for uri, role in item.epcs],
    )
    _insert(
        EventReference,
        ("event_id", "kind", "type", "value"),
        [(row.pk, kind, type_, value) for item, row in pairs for kind, type_, value in item.references],
    )


def duplicate_issue(item: Prepared) -> Issue:
    return Issue(
        item.path,
        "This event is already in the repository (same event hash or eventID).",
        "duplicate",
        "warning",
    )
