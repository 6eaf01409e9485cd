"""The bulk path of the trace seeders at bureau scale (STYLE C.11): EPCIS events and the flows' own
rows written as raw SQL, chunk by chunk, with primary keys assigned up front.

A flow's generator (``pigs/bulkseed.py``) builds each event with the very functions its services
use (``pigs/epcis.py``), so the documents have the services' shapes, and turns it into rows with
``capture.prepare``, the capture engine's own row-builder: the same canonical document text, the
same CBV 2.0 event hash, the same identifier list with its roles and the same references. What
capture does besides (interning identifiers and locations in the database, checking duplicates,
drawing ids) is done here in memory: the generator is the only writer while it runs, it hands out
ids itself, and an identifier is interned once per chunk (or once per run for the few that
recur across chunks: trucks, crates). The schema validation is left out (the generator is
trusted; the tests validate a sample of its documents).

The generator runs in a forked process and hands chunks to the writer through a small queue, so
making the next chunk overlaps with writing this one (2 cores: one each). Every chunk is one
transaction (SQLite ``executemany`` on the raw connection, PostgreSQL ``COPY``), so an
interrupted run leaves whole units (a flow's chunks hold whole batches) and a second run carries
on where it stopped.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import queue
import resource
import time
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction

from openciq.core.numbering import advance_to
from openciq.trace import capture
from openciq.trace.models import Epc, Event, EventEpc, EventReference

UTC = dt.UTC


@dataclass(frozen=True)
class Table:
    """A table the bulk path writes: its name and the columns of its rows, in order."""

    name: str
    columns: tuple[str, ...]
    sequence: bool  # ids assigned here: PostgreSQL's sequence is moved past them after a chunk


def table(model: Any, names: Sequence[str] | None = None, *, ids: bool = True) -> Table:
    """The table of ``model`` with the columns of ``names`` (attribute names; all concrete fields
    when omitted, the id first). ``ids``: rows carry their id (assigned by the generator)."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    chosen = list(names) if names is not None else [n for n in fields if ids or n != "id"]
    return Table(model._meta.db_table, tuple(fields[n].column for n in chosen), ids and "id" in chosen)


EVENTS = table(Event, capture.EVENT_FIELDS)
EPCS = table(Epc, ["id", "uri"])
EVENT_EPCS = table(EventEpc, ["epc_id", "event_id", "role"], ids=False)
REFERENCES = table(EventReference, ["event_id", "kind", "type", "value"], ids=False)


@dataclass
class Chunk:
    """The rows of one transaction, by table, in the order they are written; the counters to
    advance with them; what they amount to (for the progress line)."""

    rows: dict[Table, list[tuple[Any, ...]]] = field(default_factory=lambda: defaultdict(list))
    counters: dict[str, int] = field(default_factory=dict)
    # Statements run after the inserts (SQL with %s parameters): rows that change, such as a
    # seal's state after its last trip in the chunk.
    statements: list[tuple[str, list[Any]]] = field(default_factory=list)
    units: int = 0  # the flow's units in this chunk (batches, trips)
    events: int = 0


class Adapter:
    """Python values as the database takes them in bulk, as the ORM would have written them
    (SQLite: UTC text without offset, dates as text; PostgreSQL: the objects, sent by ``COPY``)."""

    def __init__(self, vendor: str) -> None:
        self.sqlite = vendor == "sqlite"

    def time(self, value: dt.datetime | None) -> Any:
        if value is None or not self.sqlite:
            return value
        return str(value.astimezone(UTC).replace(tzinfo=None))

    def date(self, value: dt.date | None) -> Any:
        return str(value) if value is not None and self.sqlite else value

    @staticmethod
    def json(value: Any) -> str:
        return json.dumps(value)  # what ``JSONField`` stores (ASCII-escaped)


class Events:
    """Turns the flows' event dicts into rows of ``trace_event``, ``trace_eventepc``,
    ``trace_eventreference`` and ``trace_epc``, with ids handed out from ``next_event`` and
    ``next_epc``. ``known`` holds identifiers that recur across chunks (interned before the
    run); any other identifier is interned for the chunk it appears in."""

    def __init__(
        self,
        adapter: Adapter,
        *,
        capture_job_id: int,
        locations: Mapping[str, int],
        known: Mapping[str, int],
        next_event: int,
        next_epc: int,
    ) -> None:
        self.adapter, self.capture_job_id = adapter, capture_job_id
        self.locations, self.known = locations, dict(known)
        self.next_event, self.next_epc = next_event, next_epc
        self.fresh: dict[str, int] = {}

    @classmethod
    def for_run(
        cls, job_id: int, ids: Mapping[str, int], *, locations: Mapping[str, int], known: Mapping[str, int]
    ) -> Events:
        """The events of a run writing into capture job ``job_id``, ids from ``next_ids``."""
        return cls(
            Adapter(connection.vendor),
            capture_job_id=job_id,
            locations=locations,
            known=known,
            next_event=ids[Event._meta.db_table],
            next_epc=ids[Epc._meta.db_table],
        )

    def start_chunk(self) -> None:
        self.fresh = {}

    def epc_id(self, uri: str, chunk: Chunk) -> int:
        found = self.known.get(uri) or self.fresh.get(uri)
        if found is None:
            found = self.fresh[uri] = self.next_epc
            self.next_epc += 1
            chunk.rows[EPCS].append((found, uri))
        return found

    def remember(self, uri: str, chunk: Chunk) -> int:
        """An identifier that recurs in later chunks (a crate, a truck first seen here)."""
        pk = self.epc_id(uri, chunk)
        self.known[uri] = pk
        return pk

    def add(
        self,
        chunk: Chunk,
        event: Mapping[str, Any],
        *,
        namespaces: Mapping[str, str],
        delay: float = 2.0,
    ) -> int:
        """Store ``event`` (a JSON-binding dict) as capture would, recorded ``delay`` seconds
        after it happened. Returns its row id."""
        item = capture.prepare(event, namespaces=namespaces, index=0, path="")
        pk = self.next_event
        self.next_event += 1
        time = self.adapter.time
        chunk.rows[EVENTS].append(
            (
                pk,
                item.hash,
                item.event_id,
                item.is_error_declaration,
                item.type,
                item.action,
                time(item.event_time),
                item.time_zone_offset,
                time(item.event_time + dt.timedelta(seconds=delay)),
                item.biz_step,
                item.disposition,
                self.locations[item.read_point] if item.read_point else None,
                self.locations[item.biz_location] if item.biz_location else None,
                self.capture_job_id,
                item.document,
            )
        )
        links = chunk.rows[EVENT_EPCS]
        for uri, role in item.epcs:
            links.append((self.epc_id(uri, chunk), pk, int(role)))
        references = chunk.rows[REFERENCES]
        for kind, type_, value in item.references:
            references.append((pk, int(kind), type_, value))
        chunk.events += 1
        return pk


def write_chunk(chunk: Chunk) -> int:
    """Insert one chunk in one transaction, run its statements and advance its counters. Returns
    the rows written."""
    postgres = connection.vendor == "postgresql"
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        for spec, rows in chunk.rows.items():
            if not rows:
                continue
            columns = ", ".join(connection.ops.quote_name(c) for c in spec.columns)
            name = connection.ops.quote_name(spec.name)
            if postgres:
                with cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                if spec.sequence:
                    cursor.execute(
                        "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                        f"GREATEST((SELECT MAX(id) FROM {name}), 1))",
                        [spec.name],
                    )
            else:
                marks = ", ".join("?" * len(spec.columns))
                connection.connection.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})", rows)
            written += len(rows)
        for sql, params in chunk.statements:
            cursor.execute(sql, params)
        written += len(chunk.statements)
        for counter, value in chunk.counters.items():
            advance_to(counter, value)
    return written


def open_run(actor: Any, action: str, changes: Mapping[str, Any]) -> Any:
    """The run's capture job (source ``seed``) and its one audit event ``action``, in one
    transaction; the job's counts are filled in at the end (:func:`load`)."""
    from openciq.core import audit
    from openciq.trace.choices import CaptureSource
    from openciq.trace.models import CaptureJob

    with audit.scope(), transaction.atomic():
        job = CaptureJob.objects.create(
            actor=actor, source=CaptureSource.SEED, media_type="application/ld+json", event_count=0
        )
        audit.record(actor=actor, action=action, obj=job, changes=dict(changes))
    return job


def next_ids(*models_: type[models.Model]) -> dict[str, int]:
    """The first free id of each model's table (ids are handed out from there)."""
    found = {}
    with connection.cursor() as cursor:
        for model in models_:
            name = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {name}")
            found[model._meta.db_table] = int(cursor.fetchone()[0])
    return found


def peak_rss_mb() -> float:
    """Peak resident memory of this process and of its finished children (the generator), MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


# --- The generator's process -------------------------------------------------------------------

_DONE = "done"


def produce(make: Callable[[], Iterator[Chunk]], *, fork: bool = True) -> Iterator[Chunk | Any]:
    """The chunks of ``make()``, made in a forked process when ``fork`` (the last item is the
    generator's return value, sent back by it as ``(_DONE, value)``)."""
    if not fork or "fork" not in multiprocessing.get_all_start_methods():
        yield from make()
        return
    context = multiprocessing.get_context("fork")
    pipe: Any = context.Queue(maxsize=3)
    process = context.Process(target=_produce, args=(make, pipe), daemon=True)
    process.start()
    try:
        while True:
            try:
                item = pipe.get(timeout=5)
            except queue.Empty:
                if process.is_alive():
                    continue
                raise RuntimeError("the trace generator stopped without a word") from None
            if isinstance(item, str):
                raise RuntimeError(f"the trace generator failed:\n{item}")
            yield item
            if isinstance(item, tuple) and item and item[0] == _DONE:
                return
    finally:
        if process.is_alive():
            process.kill()
        process.join()


def _produce(make: Callable[[], Iterator[Chunk]], pipe: Any) -> None:
    try:
        for chunk in make():
            pipe.put(chunk)
        pipe.put((_DONE, None))
    except BaseException:
        pipe.put(traceback.format_exc())


def load(
    make: Callable[[], Iterator[Chunk]],
    *,
    job_id: int,
    flow: str,
    unit: str,
    total: int,
    done: int,
    started: float,
    fork: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write every chunk of ``make()`` (made in a forked process when ``fork``), a progress line
    after each (``flow``: ``unit`` done + written of ``total``), then mark the run's capture job
    done. Returns the ``unit``s, events and rows written."""
    from django.utils import timezone

    from openciq.core.bulk import bulk_session
    from openciq.trace.choices import CaptureStatus
    from openciq.trace.models import CaptureJob

    made = {unit: 0, "events": 0, "rows": 0}
    with bulk_session():
        for chunk in produce(make, fork=fork):
            if isinstance(chunk, tuple):
                break
            made["rows"] += write_chunk(chunk)
            made[unit] += chunk.units
            made["events"] += chunk.events
            if progress:
                seconds = time.monotonic() - started
                progress(
                    f"  {flow}: {unit} {done + made[unit]:,}/{total:,} · {made['events']:,} events · "
                    f"{made['rows']:,} rows · {made['events'] / seconds:,.0f} events/s · {seconds:,.0f} s · "
                    f"peak RSS {peak_rss_mb():,.0f} MB"
                )
    CaptureJob.objects.filter(pk=job_id).update(
        status=CaptureStatus.SUCCEEDED,
        event_count=made["events"],
        stored_count=made["events"],
        finished_at=timezone.now(),
    )
    return made


def vacuum_analyze(tables: Sequence[str]) -> None:
    """PostgreSQL: fresh planner statistics and visibility map after the load."""
    if connection.vendor != "postgresql":
        return
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for name in tables:
            cursor.execute(f"{command} {connection.ops.quote_name(name)}")
