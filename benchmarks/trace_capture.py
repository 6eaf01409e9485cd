"""EPCIS capture into a repository that already holds ``--events`` events (1,000,000 by default):
bulk documents of 1,000 events as JSON and as XML, and single events through the HTTP API.

Scenarios, each printed beside a baseline measured in the same run:

* **bulk JSON**: ``trace.services.capture_document`` (parse, schema and rules layers, canonical
  form and event hash, de-duplication, interning, the write, the capture job and its audit
  record, the capture listeners), ``--docs`` documents of 1,000 events of the mix described in
  ``_trace.py``; events/s of each document, median and slowest. Baseline: the same kind of rows
  (1,000 events with their identifier links and references, prepared beforehand) written with
  plain ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) into the same tables and committed:
  no validation, hashing or interning. A breakdown (parse and validate / prepare / store / the
  rest) comes from ``--breakdown`` further documents captured with those three steps timed.
* **bulk XML**: the same kind of documents written as EPCIS 2.0 XML, through the same service.
* **single event**: ``POST /api/v1/epcis/events`` (Bearer token, Django's test client in this
  process, no network) of new events, p50/p95 ms. Baseline: an authenticated trivial GET
  (``GET /api/v1/epcis/capture/{id}`` of a capture job) under the same client.

The repository is pre-loaded once per database by a raw loader (the same generator, rows written
with ``executemany``/``COPY``; event hashes are stand-ins): later runs find it and go on. Targets
from the issue, printed, never asserted: bulk at least 20,000 events/s on both databases (2
cores), single-event capture p95 under 20 ms. SQLite ``var/bench/trace.sqlite3``; PostgreSQL
database ``openciq_bench_trace``.

    openciq bench trace_capture [--database sqlite|postgresql|both] [--events N] [--docs N]
                                [--requests N] [--breakdown N]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import _harness as harness
import _trace as common

NAME = "trace_capture"
CHUNK = 20_000  # events per transaction of the pre-loader
PRELOAD_BASE = 0  # the pre-loaded documents are numbers 0 .. events/1000
USERNAME = "bench-trace"
TARGET_EVENTS_PER_S = 20_000
TARGET_P95_MS = 20.0


# --- raw writing (pre-loader and baseline) ----------------------------------------------------------


def _ids(cursor: Any, postgres: bool, count: int) -> list[int]:
    if postgres:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('trace_event', 'id')) FROM generate_series(1, %s)", [count]
        )
        return sorted(row[0] for row in cursor.fetchall())
    cursor.execute(
        "SELECT max(coalesce((SELECT max(id) FROM trace_event), 0), "
        "coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'trace_event'), 0))"
    )
    top = int(cursor.fetchone()[0])
    return list(range(top + 1, top + 1 + count))


_EVENT_COLUMNS = (
    "id, hash, event_id, is_error_declaration, type, action, event_time, time_zone_offset, record_time, "
    "biz_step, disposition, read_point_id, biz_location_id, capture_job_id, document"
)


def write_rows(rows: dict[str, list[tuple[Any, ...]]]) -> None:
    """Events (without ids: they are drawn here), then their links and references, in one
    transaction: plain ``executemany`` on SQLite, ``COPY`` on PostgreSQL. Links and references
    name their event by position in ``rows["events"]``."""
    from django.db import connection, transaction

    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        ids = _ids(cursor, postgres, len(rows["events"]))
        events = [(pk, *row) for pk, row in zip(ids, rows["events"], strict=True)]
        links = [(epc, ids[position], role) for epc, position, role in rows["links"]]
        refs = [(ids[position], kind, type_, value) for position, kind, type_, value in rows["references"]]
        tables = (
            ("trace_event", _EVENT_COLUMNS, events),
            ("trace_eventepc", "epc_id, event_id, role", links),
            ("trace_eventreference", "event_id, kind, type, value", refs),
        )
        for table, columns, values in tables:
            if not values:
                continue
            if postgres:
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * (columns.count(",") + 1))
                connection.connection.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)


def raw_rows(numbers: Sequence[int], *, salt: str) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of the generator's documents ``numbers`` as the repository stores them, without
    validation or canonical hashing: a stand-in hash (unique per ``salt``, document and event),
    identifiers and places interned beforehand. What both the pre-loader and the baseline write."""
    from django.db import connection
    from django.utils import timezone

    from openciq.trace import capture, cbv
    from openciq.trace.choices import ACTION_BY_NAME, EVENT_TYPE_BY_NAME, EpcRole, ReferenceKind

    adapt = connection.ops.adapt_datetimefield_value
    record_time = adapt(timezone.now())
    batch = [(number, i, event) for number in numbers for i, event in enumerate(common.events(number))]
    places = capture.intern_locations(
        capture.canonical_identifier(event[key]["id"]) for *_, event in batch for key in ("readPoint", "bizLocation")
        if key in event
    )  # fmt: skip
    epcs = capture.intern_epcs(
        uri for *_, event in batch for uri in (*event.get("epcList", ()), *event.get("childEPCs", ()),
                                               *([event["parentID"]] if "parentID" in event else []))
    )  # fmt: skip
    rows: dict[str, list[tuple[Any, ...]]] = {"events": [], "links": [], "references": []}
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    roles = (("epcList", EpcRole.EPC), ("childEPCs", EpcRole.CHILD))
    for position, (number, i, event) in enumerate(batch):
        point, place = event.get("readPoint"), event.get("bizLocation")
        rows["events"].append(
            (
                hashlib.sha256(f"{salt}:{number}:{i}".encode()).digest(),
                f"{event['eventID']}-{salt}" if "eventID" in event else None,
                False,
                EVENT_TYPE_BY_NAME[event["type"]],
                ACTION_BY_NAME[event["action"]],
                adapt(capture.parse_time(event["eventTime"])),
                event["eventTimeZoneOffset"],
                record_time,
                event["bizStep"],
                event["disposition"],
                places[capture.canonical_identifier(point["id"])] if point else None,
                places[capture.canonical_identifier(place["id"])] if place else None,
                None,
                encode(event),
            )
        )
        seen = set()
        for key, role in roles:
            for uri in event.get(key, ()):
                if (uri, role) not in seen:
                    seen.add((uri, role))
                    rows["links"].append((epcs[uri], position, role))
        if "parentID" in event:
            rows["links"].append((epcs[event["parentID"]], position, EpcRole.PARENT))
        for key, kind, value_key in (
            ("bizTransactionList", ReferenceKind.BIZ_TRANSACTION, "bizTransaction"),
            ("sourceList", ReferenceKind.SOURCE, "source"),
            ("destinationList", ReferenceKind.DESTINATION, "destination"),
        ):
            for element in event.get(key, ()):
                kind_type = "bizTransactionType" if key == "bizTransactionList" else "sourceDestType"
                rows["references"].append(
                    (position, kind, cbv.normalise(kind_type, element["type"]), element[value_key])
                )
    return rows


# --- prepare: the repository ------------------------------------------------------------------------


def prepare(args: argparse.Namespace) -> None:
    """Migrate; the benchmark user and the generator's places; the pre-loaded events (if fewer
    are there than ``--events``)."""
    from django.core.management import call_command
    from django.db import connection

    from openciq.accounts.choices import Role
    from openciq.accounts.models import User
    from openciq.accounts.services import system_actor, user_create
    from openciq.core import audit
    from openciq.core.bulk import bulk_session
    from openciq.trace import capture, services
    from openciq.trace.choices import LocationKind
    from openciq.trace.models import Event, Location

    call_command("migrate", interactive=False, verbosity=0)
    actor = system_actor()
    if not User.objects.filter(username=USERNAME).exists():
        user_create(actor=actor, username=USERNAME, password=None, roles=[Role.ENTERPRISE_USER])
    places = [(common._farm(n), f"Farm {n}", LocationKind.FARM) for n in range(common.FARMS)] + [
        (common._channel(n), f"Loading channel {n}", LocationKind.LOADING_CHANNEL)
        for n in range(common.CHANNELS)
    ]
    known = set(Location.objects.values_list("uri", flat=True))
    for uri, name, kind in places:
        if capture.canonical_identifier(uri) not in known:
            services.location_save(actor=actor, uri=uri, name=name, kind=kind)
    have = Event.objects.count()
    if have >= args.events:
        return
    print(f"pre-loading {args.events - have:,} events (raw loader, chunks of {CHUNK:,})...", flush=True)
    started, number = time.perf_counter(), have // 1000 + PRELOAD_BASE
    with audit.scope(), bulk_session():
        while have < args.events:
            numbers = list(range(number, number + CHUNK // 1000))
            write_rows(raw_rows(numbers, salt="preload"))
            have, number = have + 1000 * len(numbers), number + len(numbers)
            if have % (args.events // 10 or 1) < CHUNK:
                print(f"  {have:,} events, {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"pre-loaded in {time.perf_counter() - started:.0f} s", flush=True)


# --- measure ----------------------------------------------------------------------------------------


def _first_number() -> int:
    """The first document number of this run, beyond those of every earlier run: a run adds at
    least 20 events per document number it uses (1,000 per document, 20 per batch of single
    events), so the highest event id over 20 has moved past them, and past the pre-loaded ones
    (one number per 1,000 events)."""
    from django.db.models import Max

    from openciq.trace.models import Event

    return (Event.objects.aggregate(top=Max("id"))["top"] or 0) // 20 + 1


@contextmanager
def _timed_steps(totals: dict[str, float]) -> Iterator[None]:
    """Time ``services.parse_document``, ``capture.prepare``, ``capture.store`` and the commit
    inside the capture service while the block runs (the service looks them up at call time)."""
    from django.db import connections

    from openciq.trace import capture, services

    targets = {
        "parse and validate": (services, "parse_document"),
        "prepare": (capture, "prepare"),
        "store": (capture, "store"),
        "commit": (connections["default"], "commit"),
    }
    saved = {name: getattr(target, attr) for name, (target, attr) in targets.items()}

    def timed(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*a: Any, **kw: Any) -> Any:
            began = time.perf_counter()
            try:
                return call(*a, **kw)
            finally:
                totals[name] = totals.get(name, 0.0) + time.perf_counter() - began

        return wrapper

    for name, (target, attr) in targets.items():
        setattr(target, attr, timed(name, saved[name]))
    try:
        yield
    finally:
        for name, (target, attr) in targets.items():
            if target is connections["default"]:
                delattr(target, attr)  # back to the class's method
            else:
                setattr(target, attr, saved[name])


def _capture(data: bytes, media_type: str) -> float:
    """Seconds of one ``capture_document``; the document must be stored whole."""
    from openciq.accounts.models import User
    from openciq.trace import services

    actor = User.objects.get(username=USERNAME)  # a sender with trace.add_event, as over the API
    began = time.perf_counter()
    job = services.capture_document(actor=actor, data=data, media_type=media_type)
    seconds = time.perf_counter() - began
    assert job.stored_count == job.event_count == 1000, (job.status, job.errors[:2])
    return seconds


def _xml(number: int) -> bytes:
    from openciq.trace import xmlcodec

    doc = common.document(number)
    return xmlcodec.write_events(doc["epcisBody"]["eventList"], namespaces={"ociq": common.NAMESPACE})


def bulk(args: argparse.Namespace, first: int) -> dict[str, Any]:
    """JSON and XML documents and the raw-insert baseline, interleaved (the repository grows
    alike for each), then the breakdown documents: numbers ``first`` .. ``first + 3 * docs +
    breakdown``."""
    json_s, xml_s, raw_s = [], [], []
    warm = common.document_bytes(first)  # caches, prepared statements, first-use imports
    _capture(warm, "application/json")
    for k in range(args.docs):
        n = first + 1 + 3 * k
        documents = (common.document_bytes(n), _xml(n + 1))
        rows = raw_rows([n + 2], salt=f"baseline-{n}")
        gc.collect()
        json_s.append(_capture(documents[0], "application/json"))
        xml_s.append(_capture(documents[1], "application/xml"))
        began = time.perf_counter()
        write_rows(rows)
        raw_s.append(time.perf_counter() - began)
    totals: dict[str, float] = {}
    whole = []
    for k in range(args.breakdown):
        data = common.document_bytes(first + 1 + 3 * args.docs + k)
        gc.collect()
        with _timed_steps(totals):
            whole.append(_capture(data, "application/json"))
    return {
        "documents": args.docs,
        "events_per_document": 1000,
        "links_per_document": common.links(first + 1),
        "references_per_document": common.references(first + 1),
        "json": _rates(json_s),
        "xml": _rates(xml_s),
        "raw": _rates(raw_s),
        "breakdown_ms": _breakdown(totals, whole),
    }


def _sender(numbers: Sequence[int], start: Any, results: Any) -> None:
    """One sender (a forked process with its own connection): capture its documents back to back
    from the moment ``start`` is set."""
    documents = [common.document_bytes(n) for n in numbers]
    start.wait()
    began = time.perf_counter()
    for data in documents:
        _capture(data, "application/json")
    results.put((began, time.perf_counter()))


def concurrent(args: argparse.Namespace, first: int) -> dict[str, Any]:
    """``--senders`` processes capturing ``--docs`` documents each at the same time (numbers
    ``first`` ..): events/s of all of them together, wall clock, first start to last finish."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # each forked sender opens its own
    context = multiprocessing.get_context("fork")
    start, results = context.Event(), context.Queue()
    senders = [
        context.Process(
            target=_sender, args=(range(first + i * args.docs, first + (i + 1) * args.docs), start, results)
        )
        for i in range(args.senders)
    ]
    for process in senders:
        process.start()
    time.sleep(1.0)  # let every sender build its documents
    start.set()
    spans = [results.get(timeout=3600) for _ in senders]
    for process in senders:
        process.join()
    assert all(process.exitcode == 0 for process in senders), "a sender failed (see above)"
    wall = max(end for _began, end in spans) - min(began for began, _end in spans)
    events = 1000 * args.docs * args.senders
    return {
        "senders": args.senders,
        "events": events,
        "seconds": round(wall, 2),
        "events_per_s": round(events / wall),
    }


def _rates(seconds: Sequence[float]) -> dict[str, Any]:
    return {
        **common.seconds_summary(seconds),
        "median_events_per_s": round(1000 / statistics.median(seconds)) if seconds else None,
        "slowest_events_per_s": round(1000 / max(seconds)) if seconds else None,
    }


def _breakdown(totals: dict[str, float], whole: Sequence[float]) -> dict[str, float]:
    n = max(1, len(whole))
    steps = {name: round(1000 * seconds / n, 1) for name, seconds in totals.items()}
    steps["capture job, audit record, rest"] = round(1000 * sum(whole) / n - sum(steps.values()), 1)
    steps["total"] = round(1000 * sum(whole) / n, 1)
    return steps


def single(args: argparse.Namespace, first: int) -> dict[str, Any]:
    """``POST /api/v1/epcis/events`` of new events (batches of 20 of the mix, document numbers
    from ``first``), and the GET baseline."""
    from django.test import Client

    from openciq.accounts.models import User
    from openciq.accounts.services import token_create
    from openciq.core import audit
    from openciq.trace.models import CaptureJob

    user = User.objects.get(username=USERNAME)
    with audit.scope():
        _token, secret = token_create(actor=user, user=user, name="trace_capture benchmark")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    context = [{"ociq": common.NAMESPACE}]  # a single event declares its own prefixes
    singles = (
        {"@context": context, **e} for n in range(first, first + 1_000_000) for e in common.events(n, 20)
    )

    def post() -> None:
        body = json.dumps(next(singles))
        response = client.post("/api/v1/epcis/events", body, content_type="application/json", secure=True)
        assert response.status_code == 201, response.content[:300]

    job = (
        CaptureJob.objects.filter(actor=user).order_by("-id").first()
        or CaptureJob.objects.order_by("-id").first()
    )
    assert job is not None
    url = f"/api/v1/epcis/capture/{job.capture_id}"

    def get() -> None:
        response = client.get(url, secure=True)
        assert response.status_code == 200, response.content[:300]

    return {
        "post_event": harness.summarize(harness.time_calls(post, args.requests)),
        "get_capture_job": harness.summarize(harness.time_calls(get, args.requests)),
    }


def volumes() -> dict[str, int]:
    from openciq.trace.models import Epc, Event, EventEpc, EventReference, Location

    return {
        "events": Event.objects.count(),
        "identifier links": EventEpc.objects.count(),
        "references": EventReference.objects.count(),
        "identifiers": Epc.objects.count(),
        "locations": Location.objects.count(),
    }


def report(database: str, info: dict[str, Any]) -> None:
    common.header(NAME, database, info)
    b, s = info["bulk"], info["single"]
    print(
        f"documents of {b['events_per_document']:,} events ({b['links_per_document']:,} identifier links): "
        f"{b['documents']} of each kind, medians\n"
    )
    rows = []
    for label, key in (
        ("bulk capture, JSON", "json"),
        ("bulk capture, XML", "xml"),
        ("baseline: raw insert", "raw"),
    ):
        r = b[key]
        rows.append([label, r["median_events_per_s"], r["slowest_events_per_s"], r["median_s"], r["p95_s"]])
    c = info["concurrent"]
    if c:
        label = f"bulk capture, JSON, {c['senders']} senders at once (together)"
        rows.insert(1, [label, c["events_per_s"], None, None, None])
    harness.print_table(("scenario", "events/s (median)", "events/s (slowest)", "median s", "p95 s"), rows)
    raw = b["raw"]["median_events_per_s"]
    print(
        f"\nJSON capture vs raw insert: {common.ratio(raw, b['json']['median_events_per_s'])}x the time; "
        f"XML {common.ratio(raw, b['xml']['median_events_per_s'])}x"
    )
    n = info["narrow"]
    print(
        f"machine baseline: {n['rows']:,} narrow rows (as many as the documents' events, links and references) "
        f"at {n['rows_per_s']:,} rows/s, {n['median_s']} s per document's worth"
    )
    steps = b["breakdown_ms"]
    print(
        "where a JSON document's time goes (ms per 1,000 events): "
        + ", ".join(f"{k} {v}" for k, v in steps.items())
    )
    print()
    harness.print_table(
        ("single event over HTTP", "n", "p50 ms", "p95 ms"),
        [
            ["POST /api/v1/epcis/events", s["post_event"]["n"], s["post_event"]["p50_ms"], s["post_event"]["p95_ms"]],
            ["baseline: GET /api/v1/epcis/capture/{id}", s["get_capture_job"]["n"], s["get_capture_job"]["p50_ms"],
             s["get_capture_job"]["p95_ms"]],
        ],
    )  # fmt: skip
    best = max(b["json"]["median_events_per_s"] or 0, c["events_per_s"] if c else 0)
    print(
        f"\ntargets (not asserted): bulk >= {TARGET_EVENTS_PER_S:,} events/s "
        f"({'met' if best >= TARGET_EVENTS_PER_S else 'NOT met'}: best {best:,}); "
        f"single-event p95 < {TARGET_P95_MS:.0f} ms "
        f"({'met' if s['post_event']['p95_ms'] < TARGET_P95_MS else 'NOT met'}); database on disk "
        f"{info['disk_mib']:,} MiB; peak RSS {info['peak_rss_mib']:.0f} MiB"
    )


def measure(args: argparse.Namespace) -> None:
    info: dict[str, Any] = {
        "benchmark": NAME,
        "database": args.database,
        "load_average": common.load_average(),
    }
    info["machine"] = harness.machine()
    info["volumes_before"] = volumes()
    first = _first_number()
    info["bulk"] = bulk(args, first)
    first += 2 + 3 * args.docs + args.breakdown
    info["concurrent"] = concurrent(args, first) if args.senders > 1 else None
    first += args.senders * args.docs
    info["single"] = single(args, first)
    per_document = 1000 + info["bulk"]["links_per_document"] + info["bulk"]["references_per_document"]
    info["narrow"] = common.narrow(per_document * args.docs, args.docs)
    info["volumes"] = volumes()
    info["disk_mib"] = common.disk_mib()
    info["peak_rss_mib"] = harness.peak_rss_mib()
    report(args.database, info)
    path = harness.write_json(NAME, args.database, info)
    print(f"written to {path.relative_to(harness.PROJECT_DIR)}")


if __name__ == "__main__":
    common.main(
        __doc__.split("\n\n")[0],
        prepare,
        measure,
        options=(
            (["--docs"], {"type": int, "default": 7, "help": "timed documents of each kind (default 7)"}),
            (["--requests"], {"type": int, "default": 200, "help": "timed single events (default 200)"}),
            (["--breakdown"], {"type": int, "default": 3, "help": "documents for the breakdown (default 3)"}),
            (
                ["--senders"],
                {"type": int, "default": 2, "help": "senders at once, each --docs documents (default 2)"},
            ),
        ),
    )
