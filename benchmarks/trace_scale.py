"""Traces and event queries at the bureau's scale (about 30 million EPCIS events: 2.73 million pigs,
68,233 loading batches, vegetable and container traffic), on the data ``openciq seed --scale bureau``
makes: one pig's lifetime, one truck's contents, and ``GET /api/v1/epcis/events`` with the
parameters an inspector uses, each beside a hand-written SQL baseline measured in the same run.

Scenarios, ``--samples`` (200) each, every sample a different pig, truck, day or farm drawn with a
seeded generator from the database's own rows (same data and ``--seed``, same samples):

* **pig lifetime**: ``tracing.trace`` from the pig's ear tag and from its 畜禽标识 URI; ``GET
  /api/v1/epcis/trace?epc=`` (the ear tag); the trace page ``/trace/trace/?epc=`` and the pig's page
  ``/trace/pigs/animals/{id}/``;
* **truck contents**: ``tracing.trace`` and ``GET /api/v1/epcis/trace?epc=`` from the truck of a
  loading batch (the parent of the loading aggregation; a truck makes many journeys, all traced);
* **events**: ``GET /api/v1/epcis/events`` with ``MATCH_epc`` (one pig's tag), with ``EQ_readPoint``
  and ``GE_/LT_eventTime`` (one day at one farm's loading channel), with ``WD_bizLocation`` (a farm
  and everything inside it), with ``EQ_bizStep`` and one day; ``perPage`` 50.

Baseline: the minimal SQL a person would write for the same answer over the same indexes, sent
through a raw cursor and fetched whole (a trace: one statement that finds the containers or
contents with their windows and returns every event of the trace with its places; a page: the
page's ids with the same ``WHERE``, ``ORDER BY id`` and ``LIMIT``, then those rows with their
places). ``p95/raw`` is the ratio of the two p95s: the platform's overhead. Warm cache: each
sample is first called once on each side untimed (the platform's first call is shown apart, "1st
call": the first look at that pig or truck in the run), then the two timed calls, alternating
which goes first. Requests go through Django's test client
in this process (no network), logged in as ``leader``. Nothing is asserted; the issue's target
(trace p95 under 50 ms) is printed beside the figures. ``--explain`` adds, per scenario, the
slowest SQL statement of one call with its plan.

The benchmark never makes the data unless asked (``--make-data``); it refuses, naming the command,
when the database has no pigs. It writes nothing to the data but a login session (and the demo
users, when the database has none). Databases: SQLite ``var/bench/trace-bureau/openciq.sqlite3``
(``--data-dir``), PostgreSQL ``openciq_bench_bureau`` (``--postgres-database``); the serving
process's static files go to ``var/bench/trace-scale/``; figures to ``var/bench/trace_scale-*.json``.

    openciq bench trace_scale [--database sqlite|postgresql|both] [--samples N] [--seed S]
                              [--data-dir DIR] [--postgres-database NAME] [--per-page N]
                              [--explain] [--make-data]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import _harness as harness

NAME = "trace_scale"
DATA_DIR = harness.BENCH_DIR / "trace-bureau"
POSTGRES_DATABASE = "openciq_bench_bureau"
SERVING_DIR = harness.BENCH_DIR / "trace-scale"  # static files and keys of the serving process
BUREAU_EVENTS = 30_000_000
TARGET_TRACE_P95_MS = 50.0
USERNAME = "leader"  # the bureau leader: every farm, every event
SEEDERS = ("accounts", "masterdata", "pigs", "vegetables", "containers")  # what the traces need
MAKE_DATA = f"openciq migrate && openciq seed --scale bureau --only {' '.join(SEEDERS)}"
LOCAL = dt.timezone(dt.timedelta(hours=8))


# --- running ------------------------------------------------------------------------------------


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "postgres", "both"], default="both")
    parser.add_argument("--samples", type=int, default=200, help="samples per scenario (default 200)")
    parser.add_argument("--seed", type=int, default=2011, help="seed of the sample draw (default 2011)")
    parser.add_argument("--per-page", type=int, default=50, help="perPage of the events queries (default 50)")
    parser.add_argument(
        "--data-dir",
        default=str(DATA_DIR),
        help=f"SQLite: the data directory holding openciq.sqlite3 (default {DATA_DIR.relative_to(harness.PROJECT_DIR)})",
    )
    parser.add_argument(
        "--postgres-database",
        default=POSTGRES_DATABASE,
        help=f"PostgreSQL: the database at OPENCIQ_BENCH_POSTGRES (default {POSTGRES_DATABASE})",
    )
    parser.add_argument(
        "--explain", action="store_true", help="print the plan of each scenario's slowest query"
    )
    parser.add_argument(
        "--make-data",
        action="store_true",
        help=f"when the database holds no pigs, make them first ({MAKE_DATA}: about 30 million events, long)",
    )
    parser.add_argument("--child", choices=["measure"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database == "postgres":
        args.database = "postgresql"
    return args


def main() -> None:
    args = _parse_args()
    if args.child:
        harness._django_setup()
        measure(args)
        return
    names = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    failed = [name for name in names if not _run(name, args)]
    if failed:
        sys.exit(f"\nfailed: {', '.join(failed)}")


def database_url(database: str, args: argparse.Namespace) -> str:
    if database == "sqlite":
        return f"sqlite:///{Path(args.data_dir).resolve() / 'openciq.sqlite3'}"
    return f"{harness.POSTGRES_SERVER}/{args.postgres_database}"


def _env(database: str, args: argparse.Namespace) -> dict[str, str]:
    env = harness._child_env(database)
    SERVING_DIR.mkdir(parents=True, exist_ok=True)
    # The data stays where the seed put it; the serving process's static files and keys go to a
    # directory of the benchmark's own.
    env.update(DATABASE_URL=database_url(database, args), OPENCIQ_DATA_DIR=str(SERVING_DIR))
    return env


def _missing(database: str, args: argparse.Namespace) -> str | None:
    """Why the database cannot be measured (no database, no tables, no pigs); ``None`` if it can."""
    if database == "sqlite":
        path = Path(args.data_dir) / "openciq.sqlite3"
        if not path.exists():
            return f"there is no database at {path}"
        import sqlite3

        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "pigs_animal" not in tables or "trace_event" not in tables:
                return f"{path} has no traceability tables (not migrated)"
            if conn.execute("SELECT 1 FROM pigs_animal LIMIT 1").fetchone() is None:
                return f"{path} holds no pigs"
        return None
    import psycopg

    try:
        with psycopg.connect(database_url(database, args), connect_timeout=5) as conn:
            tables = {
                row[0]
                for row in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE tablename IN ('pigs_animal', 'trace_event')"
                )
            }
            if len(tables) < 2:
                return f"database {args.postgres_database} has no traceability tables (not migrated)"
            if conn.execute("SELECT 1 FROM pigs_animal LIMIT 1").fetchone() is None:
                return f"database {args.postgres_database} holds no pigs"
    except psycopg.OperationalError as exc:
        return f"database {args.postgres_database} cannot be reached: {' '.join(str(exc).split())}"
    return None


def _make_data(database: str, args: argparse.Namespace) -> bool:
    if database == "postgresql":
        error = harness.ensure_postgres_database(args.postgres_database)
        if error:
            print(f"PostgreSQL at {harness.POSTGRES_SERVER} is unreachable: {error}", flush=True)
            return False
    env = {
        **_env(database, args),
        "OPENCIQ_DATA_DIR": args.data_dir if database == "sqlite" else str(SERVING_DIR),
    }
    openciq = str(Path(sys.executable).with_name("openciq"))
    print(f"making the data ({MAKE_DATA}); this takes long", flush=True)
    for command in ([openciq, "migrate", "-v0"], [openciq, "seed", "--scale", "bureau", "--only", *SEEDERS]):
        if subprocess.run(command, env=env, cwd=harness.PROJECT_DIR).returncode != 0:
            return False
    return True


def _run(database: str, args: argparse.Namespace) -> bool:
    print(f"\n=== {database} ===", flush=True)
    reason = _missing(database, args)
    if reason and args.make_data:
        if not _make_data(database, args):
            print(f"{database}: making the data failed (see above)", flush=True)
            return False
        reason = _missing(database, args)
    if reason:
        where = (
            f"DATABASE_URL= OPENCIQ_DATA_DIR={args.data_dir}"
            if database == "sqlite"
            else f"DATABASE_URL={database_url(database, args)}"
        )
        create = (
            f"    createdb -h 127.0.0.1 -U postgres {args.postgres_database}  # if it does not exist\n"
            if database == "postgresql"
            else ""
        )
        print(
            f"{database}: not measured: {reason}.\n"
            f"  Make the bureau's data first ({BUREAU_EVENTS:,} events, long):\n{create}"
            f"    {where} .venv/bin/openciq migrate\n"
            f"    {where} .venv/bin/openciq seed --scale bureau --only {' '.join(SEEDERS)}\n"
            f"  or pass --make-data to have this benchmark do it.",
            flush=True,
        )
        return False
    command = [sys.executable, str(Path(__file__).resolve()), *_passed(sys.argv[1:]), "--child", "measure"]
    command += ["--database", database]
    if subprocess.run(command, env=_env(database, args), cwd=harness.PROJECT_DIR).returncode != 0:
        print(f"{database}: the measurement failed (see above)", flush=True)
        return False
    return True


def _passed(argv: list[str]) -> list[str]:
    return harness.without(argv, ["--database", "--child"], flags=["--make-data"])


# --- samples --------------------------------------------------------------------------------------


@dataclass
class Sample:
    animal_pk: int
    animal_uri: str
    tag_uri: str
    truck_uri: str
    channel_uri: str
    channel_day: tuple[dt.datetime, dt.datetime]
    farm_uri: str
    step: str
    step_day: tuple[dt.datetime, dt.datetime]


def _day(moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The local (Beijing) calendar day of ``moment``."""
    start = moment.astimezone(LOCAL).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def _draw(model: Any, rng: random.Random, n: int, **filters: Any) -> list[Any]:
    """``n`` distinct rows of ``model``: for a random id between the smallest and largest, the
    first row at or after it (uniform enough for rows numbered densely, reproducible)."""
    from django.db.models import Max, Min

    rows = model.objects.filter(**filters)
    bounds = rows.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return []
    found: dict[int, Any] = {}
    for _attempt in range(n * 4):
        if len(found) == n:
            break
        row = rows.filter(pk__gte=rng.randint(bounds["lo"], bounds["hi"])).order_by("pk").first()
        if row is not None:
            found.setdefault(row.pk, row)
    return list(found.values())


def draw_samples(n: int, seed: int) -> list[Sample]:
    """``n`` pigs with a tag and ``n`` loaded batches (their truck, channel, day and farm)."""
    from openciq.trace.models import Event
    from openciq.trace.pigs.models import Animal, EarTag, LoadingBatch

    rng = random.Random(f"{seed}:{NAME}")
    animals = _draw(Animal, rng, n)
    batches = _draw(LoadingBatch, rng, n, released_at__isnull=False)
    if not batches:  # a world with no released batch: any batch (the truck then has no journey)
        batches = _draw(LoadingBatch, rng, n)
    samples = []
    for i, animal in enumerate(animals):
        tag = EarTag.objects.filter(animal=animal).order_by("-applied_at", "-id").first()
        batch = batches[i % len(batches)] if batches else None
        if tag is None or batch is None:
            continue
        loaded = batch.released_at or batch.planned_at
        farm = batch.farm
        # A step and a day from the pig's own events (one of them, drawn): a day that step happened.
        events = list(
            Event.objects.filter(epcs__epc__uri=tag.uri)
            .exclude(biz_step="")
            .values_list("biz_step", "event_time")
        )
        step, when = rng.choice(events) if events else ("loading", loaded)
        samples.append(
            Sample(
                animal_pk=animal.pk,
                animal_uri=animal.uri,
                tag_uri=tag.uri,
                truck_uri=batch.vehicle_uri,
                channel_uri=batch.loading_channel.uri,
                channel_day=_day(loaded),
                farm_uri=farm.location.uri,
                step=step,
                step_day=_day(when),
            )
        )
    return samples


# --- baselines: hand-written SQL --------------------------------------------------------------------

_COLUMNS = (
    "e.id, e.hash, e.event_id, e.type, e.action, e.event_time, e.time_zone_offset, e.record_time, "
    "e.biz_step, e.disposition, e.document, rp.id, rp.uri, rp.name, rp.latitude, rp.longitude, "
    "bl.id, bl.uri, bl.name, bl.latitude, bl.longitude"
)
_PLACES = (
    "LEFT JOIN trace_location rp ON rp.id = e.read_point_id "
    "LEFT JOIN trace_location bl ON bl.id = e.biz_location_id"
)
_FROM = f"trace_event e {_PLACES}"
# Containment as the trace service reads it: AggregationEvent (2) and AssociationEvent (5); ADD (1)
# or OBSERVE (2) puts children (childEPCs 3, childQuantityList 7) in the parent (parentID 2) until
# a DELETE (3).
_CHILD = "(3, 7)"

#: The trace of an identifier that rides in containers (an ear tag): its own events, and the events
#: of each container it was put in from the putting in until the first DELETE naming it and that
#: container (the container's packing of other things left out, except the event that linked them).
TRACE_UP = f"""
WITH held AS MATERIALIZED (
    SELECT c.epc_id AS me, p.epc_id AS parent, a.id AS via, a.event_time AS start_time,
        (SELECT MIN(d.event_time) FROM trace_eventepc dc
            JOIN trace_event d ON d.id = dc.event_id
            JOIN trace_eventepc dp ON dp.event_id = dc.event_id AND dp.role = 2 AND dp.epc_id = p.epc_id
          WHERE dc.epc_id = c.epc_id AND dc.role IN {_CHILD} AND d.type IN (2, 5) AND d.action = 3
            AND d.event_time >= a.event_time) AS end_time
    FROM trace_epc i
    JOIN trace_eventepc c ON c.epc_id = i.id AND c.role IN {_CHILD}
    JOIN trace_event a ON a.id = c.event_id
    JOIN trace_eventepc p ON p.event_id = c.event_id AND p.role = 2
    WHERE i.uri = %s AND a.type IN (2, 5) AND a.action IN (1, 2)
),
ids AS MATERIALIZED (
    SELECT x.event_id FROM trace_epc i JOIN trace_eventepc x ON x.epc_id = i.id WHERE i.uri = %s
    UNION
    SELECT x.event_id FROM held h
    JOIN trace_eventepc x ON x.epc_id = h.parent
    JOIN trace_event t ON t.id = x.event_id
    WHERE t.event_time >= h.start_time AND (h.end_time IS NULL OR t.event_time <= h.end_time)
      AND (x.role NOT IN {_CHILD} OR x.event_id = h.via)
)
SELECT {_COLUMNS} FROM ids JOIN trace_event e ON e.id = ids.event_id {_PLACES} ORDER BY e.event_time, e.id
"""

#: The trace of a container (a truck): its own
#: events, and the events of everything put in it, from the putting in until the container's next
#: DELETE (their packing into other containers left out, except the event that linked them). Like
#: the trace service, it takes the first 499 contents in the order they were put in (the service
#: stops at 500 identifiers); ``TRACE_DOWN_ALL`` takes every content.
_TRACE_DOWN = f"""
WITH adds AS MATERIALIZED (
    SELECT p.epc_id AS parent, a.id AS via, a.event_time AS start_time,
        (SELECT MIN(d.event_time) FROM trace_eventepc dp
            JOIN trace_event d ON d.id = dp.event_id
          WHERE dp.epc_id = p.epc_id AND dp.role = 2 AND d.type IN (2, 5) AND d.action = 3
            AND d.event_time >= a.event_time) AS end_time
    FROM trace_epc i
    JOIN trace_eventepc p ON p.epc_id = i.id AND p.role = 2
    JOIN trace_event a ON a.id = p.event_id
    WHERE i.uri = %s AND a.type IN (2, 5) AND a.action IN (1, 2)
),
packed AS MATERIALIZED (
    SELECT c.epc_id AS child, k.via, k.start_time, k.end_time
    FROM adds k JOIN trace_eventepc c ON c.event_id = k.via AND c.role IN {_CHILD}
    ORDER BY k.start_time, k.via, c.epc_id {{limit}}
),
ids AS MATERIALIZED (
    SELECT x.event_id FROM trace_epc i JOIN trace_eventepc x ON x.epc_id = i.id WHERE i.uri = %s
    UNION
    SELECT x.event_id FROM packed k
    JOIN trace_eventepc x ON x.epc_id = k.child
    JOIN trace_event t ON t.id = x.event_id
    WHERE t.event_time >= k.start_time AND (k.end_time IS NULL OR t.event_time <= k.end_time)
      AND (x.role NOT IN {_CHILD} OR x.event_id = k.via)
)
SELECT {_COLUMNS} FROM ids JOIN trace_event e ON e.id = ids.event_id {_PLACES} ORDER BY e.event_time, e.id
"""
TRACE_DOWN = _TRACE_DOWN.format(limit="LIMIT 499")
TRACE_DOWN_ALL = _TRACE_DOWN.format(limit="")

#: The pig's page: its tags and the newest events of its tags and of its lifetime identifier.
PIG_PAGE = [
    "SELECT t.id, t.iso_number, t.status, t.applied_at, t.removed_at FROM pigs_eartag t "
    "WHERE t.animal_id = %s ORDER BY t.applied_at DESC, t.id DESC",
    f"SELECT {_COLUMNS} FROM {_FROM} WHERE e.id IN (SELECT x.event_id FROM trace_eventepc x "
    "JOIN trace_epc p ON p.id = x.epc_id WHERE p.uri IN (%s, %s)) ORDER BY e.event_time DESC, e.id DESC "
    "LIMIT 100",
]

# A page: its ids from the index alone (ORDER BY id LIMIT), then those rows with their places.
_PAGE = (
    f"SELECT {_COLUMNS} FROM {_FROM} WHERE e.id IN "
    "(SELECT e.id FROM trace_event e WHERE {where} ORDER BY e.id LIMIT %s) ORDER BY e.id"
)
EVENTS_SQL = {
    "match_epc": _PAGE.format(
        where="e.id IN (SELECT x.event_id FROM trace_eventepc x WHERE x.role IN (1, 3) "
        "AND x.epc_id = (SELECT id FROM trace_epc WHERE uri = %s))"
    ),
    "channel_day": _PAGE.format(
        where="e.read_point_id = (SELECT id FROM trace_location WHERE uri = %s) "
        "AND e.event_time >= %s AND e.event_time < %s"
    ),
    "farm_subtree": _PAGE.format(
        where="e.biz_location_id IN (SELECT l.id FROM trace_location l JOIN trace_location f "
        "ON l.path LIKE f.path || '%%' WHERE f.uri = %s)"
    ),
    "step_day": _PAGE.format(where="e.biz_step = %s AND e.event_time >= %s AND e.event_time < %s"),
}


def _raw(statements: Sequence[tuple[str, Sequence[Any]]]) -> Callable[[], list[list[tuple[Any, ...]]]]:
    from django.db import connection

    def run() -> list[list[tuple[Any, ...]]]:
        out = []
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, list(params))
                out.append(cursor.fetchall())
        return out

    return run


def _when(moment: dt.datetime) -> Any:
    """A time as the database stores it (SQLite: UTC text)."""
    from django.db import connection

    return connection.ops.adapt_datetimefield_value(moment)


# --- scenarios ----------------------------------------------------------------------------------------


@dataclass
class Scenario:
    key: str
    label: str
    group: str  # "pig", "truck", "events"
    is_trace: bool  # the "p95 under 50 ms" applies
    platform: Callable[[Sample], Callable[[], Any]]
    baseline: Callable[[Sample], Callable[[], Any]]
    size: Callable[[Any], int]  # events (or rows) the platform's answer holds


def _get(client: Any, url: str) -> Any:
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
    return response


def scenarios(client: Any, per_page: int) -> list[Scenario]:
    from openciq.trace import tracing

    def trace(uri: Callable[[Sample], str]) -> Callable[[Sample], Callable[[], Any]]:
        return lambda s: lambda: tracing.trace(uri(s))

    def api_trace(uri: Callable[[Sample], str]) -> Callable[[Sample], Callable[[], Any]]:
        return lambda s: lambda: _get(client, f"/api/v1/epcis/trace?epc={quote(uri(s), safe='')}")

    def raw_trace(sql: str, uri: Callable[[Sample], str]) -> Callable[[Sample], Callable[[], Any]]:
        return lambda s: _raw([(sql, [uri(s), uri(s)])])

    def events(params: Callable[[Sample], dict[str, str]]) -> Callable[[Sample], Callable[[], Any]]:
        return lambda s: (
            lambda: _get(client, "/api/v1/epcis/events?" + urlencode({**params(s), "perPage": per_page}))
        )

    def raw_page(key: str, params: Callable[[Sample], list[Any]]) -> Callable[[Sample], Callable[[], Any]]:
        return lambda s: _raw([(EVENTS_SQL[key], [*params(s), per_page + 1])])

    def iso(moment: dt.datetime) -> str:
        return moment.isoformat(timespec="seconds")

    def trace_size(result: Any) -> int:
        return len(result.events)

    def api_size(response: Any) -> int:
        return len(response.json()["events"])

    def page_size(response: Any) -> int:
        return len(response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"])

    def html_size(response: Any) -> int:
        return len(response.content) // 1024  # KiB of HTML

    tag, animal, truck = (lambda s: s.tag_uri), (lambda s: s.animal_uri), (lambda s: s.truck_uri)
    return [
        Scenario("trace_tag", "trace service, from the ear tag", "pig", True,
                 trace(tag), raw_trace(TRACE_UP, tag), trace_size),
        Scenario("trace_animal", "trace service, from the pig's 畜禽标识 URI", "pig", True,
                 # The lifetime identifier stands for the pig with its tag: the same answer as the
                 # trace from the tag, whose SQL is the baseline (the sample's tag is the pig's).
                 trace(animal), raw_trace(TRACE_UP, tag), trace_size),
        Scenario("api_trace_tag", "GET /api/v1/epcis/trace?epc=<ear tag>", "pig", True,
                 api_trace(tag), raw_trace(TRACE_UP, tag), api_size),
        Scenario("page_trace_tag", "trace page /trace/trace/?epc=<ear tag> (KiB)", "pig", False,
                 lambda s: lambda: _get(client, f"/trace/trace/?epc={quote(s.tag_uri, safe='')}"),
                 raw_trace(TRACE_UP, tag), html_size),
        Scenario("page_pig", "pig page /trace/pigs/animals/<id>/ (KiB)", "pig", False,
                 lambda s: lambda: _get(client, f"/trace/pigs/animals/{s.animal_pk}/"),
                 lambda s: _raw([(PIG_PAGE[0], [s.animal_pk]), (PIG_PAGE[1], [s.tag_uri, s.animal_uri])]),
                 html_size),
        Scenario("trace_truck", "trace service, from the truck", "truck", True,
                 trace(truck), raw_trace(TRACE_DOWN, truck), trace_size),
        Scenario("api_trace_truck", "GET /api/v1/epcis/trace?epc=<truck>", "truck", True,
                 api_trace(truck), raw_trace(TRACE_DOWN, truck), api_size),
        Scenario("match_epc", "MATCH_epc=<ear tag>", "events", False,
                 events(lambda s: {"MATCH_epc": s.tag_uri}),
                 raw_page("match_epc", lambda s: [s.tag_uri]), page_size),
        Scenario("channel_day", "EQ_readPoint=<loading channel>, GE_/LT_eventTime one day", "events", False,
                 events(lambda s: {"EQ_readPoint": s.channel_uri, "GE_eventTime": iso(s.channel_day[0]),
                                   "LT_eventTime": iso(s.channel_day[1])}),
                 raw_page("channel_day", lambda s: [s.channel_uri, _when(s.channel_day[0]), _when(s.channel_day[1])]),
                 page_size),
        Scenario("farm_subtree", "WD_bizLocation=<farm>", "events", False,
                 events(lambda s: {"WD_bizLocation": s.farm_uri}),
                 raw_page("farm_subtree", lambda s: [s.farm_uri]), page_size),
        Scenario("step_day", "EQ_bizStep=<a step of the pig>, GE_/LT_eventTime one day", "events", False,
                 events(lambda s: {"EQ_bizStep": s.step, "GE_eventTime": iso(s.step_day[0]),
                                   "LT_eventTime": iso(s.step_day[1])}),
                 raw_page("step_day", lambda s: [s.step, _when(s.step_day[0]), _when(s.step_day[1])]),
                 page_size),
    ]  # fmt: skip


# --- measuring --------------------------------------------------------------------------------------


def _summary(values_ms: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values_ms)
    p95 = ordered[max(0, -(-95 * len(ordered) // 100) - 1)]
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(ordered[-1], 2),
    }


def _ms(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter_ns()
    result = call()
    return (time.perf_counter_ns() - start) / 1e6, result


def _trace_ids(result: Any) -> list[int] | None:
    events = getattr(result, "events", None)
    return [event.pk for event in events] if events is not None else None


def run_scenario(scenario: Scenario, samples: Sequence[Sample], explain: bool) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first_call, raw_ms, platform_ms, sizes, queries = [], [], [], [], []
    mismatched = nodes_max = truncated = 0
    slowest_sql: tuple[float, str] = (0.0, "")
    for sample in samples[: harness.WARMUP]:  # warm-up: imports, connections, templates
        scenario.platform(sample)()
        scenario.baseline(sample)()
    for i, sample in enumerate(samples):
        platform, baseline = scenario.platform(sample), scenario.baseline(sample)
        # The sample's rows read once by each side, untimed: the timed pair runs warm. The
        # platform's first call is kept apart: what the first look at this pig or truck costs.
        first_call.append(_ms(platform)[0])
        raw_rows = baseline()
        if i == 0:  # once per scenario, untimed: the queries of one call
            with CaptureQueriesContext(connection) as captured:
                platform()
            queries.append(len(captured))
            if explain:
                slowest_sql = _slowest([q["sql"] for q in captured.captured_queries])
        calls = [(raw_ms, baseline), (platform_ms, platform)]
        if i % 2:
            calls.reverse()
        answers = {}
        for times, call in calls:
            elapsed, answers[id(times)] = _ms(call)
            times.append(elapsed)
        result = answers[id(platform_ms)]
        sizes.append(scenario.size(result))
        ids = _trace_ids(result)
        if ids is not None:
            nodes_max = max(nodes_max, len(result.nodes))
            truncated += result.truncated
            if set(ids) != {row[0] for row in raw_rows[-1]}:
                mismatched += 1
    out: dict[str, Any] = {
        "key": scenario.key,
        "group": scenario.group,
        "scenario": scenario.label,
        "n": len(samples),
        "queries": queries[0] if queries else None,
        "platform": _summary(platform_ms),
        "raw": _summary(raw_ms),
        "first_call": _summary(first_call),
        "size_median": statistics.median(sizes),
        "size_max": max(sizes),
    }
    out["ratio"] = (
        round(out["platform"]["p95_ms"] / out["raw"]["p95_ms"], 1) if out["raw"]["p95_ms"] else None
    )
    if _trace_ids(result) is not None:
        out.update(nodes_max=nodes_max, truncated=truncated, differs_from_raw=mismatched)
    if explain and slowest_sql[1]:
        out["slowest_query"] = {
            "ms": round(slowest_sql[0], 2),
            "sql": slowest_sql[1],
            "plan": _plan(slowest_sql[1]),
        }
    return out


def _slowest(statements: Sequence[str]) -> tuple[float, str]:
    """The slowest of a call's SELECTs, each run again on its own (the query log keeps whole
    milliseconds only)."""
    from django.db import connection

    timed = []
    with connection.cursor() as cursor:
        for sql in statements:
            if sql.lstrip().upper().startswith("SELECT"):
                start = time.perf_counter_ns()
                cursor.execute(sql)
                cursor.fetchall()
                timed.append(((time.perf_counter_ns() - start) / 1e6, sql))
    return max(timed, default=(0.0, ""))


def _plan(sql: str) -> list[str]:
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    try:
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            return [" ".join(str(v) for v in row) for row in cursor.fetchall()]
    except Exception as exc:  # a logged query that cannot be run again as text: say so
        return [f"(no plan: {exc})"]


# --- volume and report ------------------------------------------------------------------------------


def volumes() -> dict[str, int]:
    from django.db import connection

    tables = (
        ("events", "trace_event"),
        ("identifier links", "trace_eventepc"),
        ("identifiers", "trace_epc"),
        ("locations", "trace_location"),
        ("pigs", "pigs_animal"),
        ("ear tags", "pigs_eartag"),
        ("loading batches", "pigs_loadingbatch"),
        ("farms", "pigs_farm"),
    )
    out = {}
    with connection.cursor() as cursor:
        for label, table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # fixed table names
            out[label] = int(cursor.fetchone()[0])
    return out


def disk_mib() -> float:
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return round(cursor.fetchone()[0] / 2**20)
    name = settings.DATABASES["default"]["NAME"]
    return round(
        sum(Path(f"{name}{s}").stat().st_size for s in ("", "-wal") if Path(f"{name}{s}").exists()) / 2**20
    )


def _memory_gib() -> float:
    try:
        kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))  # fmt: skip
    except (OSError, StopIteration):
        return 0.0
    return round(kib / 2**20, 1)


def _load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


GROUPS = {"pig": "One pig's lifetime", "truck": "One truck's contents", "events": "GET /api/v1/epcis/events"}


def report(info: dict[str, Any]) -> None:
    m, v = info["machine"], info["volumes"]
    print(f"\n{NAME} on {info['database']}: " + ", ".join(f"{n:,} {k}" for k, n in v.items()))
    if v["events"] < BUREAU_EVENTS * 0.9:
        print(
            f"NOTE: {v['events']:,} events is not the bureau's volume (about {BUREAU_EVENTS:,}): "
            "these are small-world figures."
        )
    print(f"machine: {m['nproc']} CPUs ({m['cpu']}), {info['memory_gib']} GiB RAM, Python {m['python']}, "
          f"Django {m['django']}, {m['database']}; database on disk {info['disk_mib']:,} MiB")  # fmt: skip
    print(
        f"load average (1, 5, 15 min) at start: {info['load_average']}; drawing the samples took {info['draw_s']} s"
    )
    print(
        f"{info['samples']} samples per scenario (seed {info['seed']}), each a different pig, truck, day or farm; "
        f"{harness.WARMUP} untimed warm-up calls first; then per sample a first call of each side (the platform's "
        f'is "1st call"), then the timed pair, warm; perPage {info["per_page"]}; times in ms'
    )
    for group, title in GROUPS.items():
        rows = [r for r in info["results"] if r["group"] == group]
        if not rows:
            continue
        print(f"\n{title}")
        harness.print_table(
            ("scenario", "queries", "events", "p50", "p95", "raw p50", "raw p95", "p95/raw", "1st call p50", "p95"),
            [[r["scenario"], r.get("queries"), f"{r['size_median']:g} (max {r['size_max']})" if "size_max" in r else "",
              r["platform"]["p50_ms"], r["platform"]["p95_ms"], r["raw"]["p50_ms"], r["raw"]["p95_ms"],
              r.get("ratio"), r["first_call"]["p50_ms"], r["first_call"]["p95_ms"]] if "error" not in r else
             [r["scenario"], None, "error: " + r["error"][:60], None, None, None, None, None, None, None]
             for r in rows],
        )  # fmt: skip
        for r in rows:
            if "truncated" in r and (r["truncated"] or r["differs_from_raw"]):
                print(
                    f"  {r['scenario']}: {r['truncated']} of {r['n']} traces stopped at the node limit "
                    f"(largest {r['nodes_max']} identifiers); {r['differs_from_raw']} differ from the raw SQL's events"
                )
    traces = [r for r in info["results"] if r.get("is_trace") and "error" not in r]
    if traces:
        print(f"\nThe issue asks: trace of one pig's lifetime and of one truck's contents at 30 million events, "
              f"p95 under {TARGET_TRACE_P95_MS:.0f} ms. Measured here (not asserted):")  # fmt: skip
        for r in traces:
            under = "under" if r["platform"]["p95_ms"] < TARGET_TRACE_P95_MS else "over"
            print(f"  {r['scenario']}: p95 {r['platform']['p95_ms']} ms ({under})")
    for r in info["results"]:
        if "slowest_query" in r:
            q = r["slowest_query"]
            print(f"\nslowest query of one call, {r['scenario']} ({q['ms']} ms):\n  {q['sql'][:600]}")
            for line in q["plan"]:
                print(f"    {line}")
    if info["events_at_end"] != v["events"]:
        print(f"\nthe database grew while it was measured: {info['events_at_end']:,} events at the end")
    print(f"\nserving process peak RSS: {info['peak_rss_mib']:.0f} MiB; measured in {info['seconds']} s")


def measure(args: argparse.Namespace) -> None:
    from django.conf import settings
    from django.test import Client

    from openciq.accounts.models import User
    from openciq.trace.models import Event

    started = time.perf_counter()
    info: dict[str, Any] = {
        "benchmark": NAME,
        "database": args.database,
        "database_name": str(settings.DATABASES["default"]["NAME"]),
        "samples": args.samples,
        "seed": args.seed,
        "per_page": args.per_page,
        "load_average": _load_average(),
        "machine": harness.machine(),
        "memory_gib": _memory_gib(),
    }
    if not settings.DEBUG and not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        from enterprise_list import collect_static

        collect_static()
    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        from openciq.ops.demo import ensure_demo_users

        ensure_demo_users()  # the demo users (the bureau seed makes them; a bare world may not have them)
        user = User.objects.get(username=USERNAME)
    began = time.perf_counter()
    samples = draw_samples(args.samples, args.seed)
    info["draw_s"] = round(time.perf_counter() - began, 1)
    if not samples:
        sys.exit(f"no pig with an ear tag and no loading batch to sample: make the data ({MAKE_DATA})")
    info["volumes"] = volumes()
    client = Client()
    client.force_login(user)
    results = []
    for scenario in scenarios(client, args.per_page):
        print(f"  {scenario.group}: {scenario.label} ...", flush=True)
        try:
            row = run_scenario(scenario, samples, args.explain)
        except Exception as exc:  # report the platform's error and go on with the other scenarios
            traceback.print_exc()
            row = {
                "key": scenario.key,
                "group": scenario.group,
                "scenario": scenario.label,
                "error": str(exc),
            }
        row["is_trace"] = scenario.is_trace
        results.append(row)
    info.update(
        results=results,
        disk_mib=disk_mib(),
        events_at_end=Event.objects.count(),  # a database still being loaded grows meanwhile
        peak_rss_mib=harness.peak_rss_mib(),
        seconds=round(time.perf_counter() - started),
        sample_list=[s.__dict__ | {"channel_day": None, "step_day": None} for s in samples[:5]],
    )
    report(info)
    path = harness.write_json(NAME, args.database, json.loads(json.dumps(info, default=str)))
    print(f"written to {path.relative_to(harness.PROJECT_DIR)}")
    if any("error" in row for row in results):
        raise SystemExit(1)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openciq.settings")
    main()
