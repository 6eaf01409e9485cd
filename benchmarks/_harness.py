"""Shared plumbing for the benchmarks in this folder (files starting with ``_`` are not benchmarks).

Settings read ``DATABASE_URL`` at import, so a benchmark cannot switch databases in one process.
:func:`main` therefore runs in three roles, chosen by the hidden ``--child`` flag:

* parent (no flag): for each database asked for, start the two children below and wait;
* ``--child prepare``: migrate, collect static files, seed; a process of its own so that seeding
  does not count in the serving process's peak memory;
* ``--child measure``: the serving process: time requests and raw SQL, print and save figures.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1]
BENCH_DIR = PROJECT_DIR / "var" / "bench"
POSTGRES_SERVER = os.environ.get("OPENCIQ_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
POSTGRES_DATABASE = "openciq_bench"
DATABASE_URLS = {
    "sqlite": f"sqlite:///{BENCH_DIR / 'bureau.sqlite3'}",
    "postgresql": f"{POSTGRES_SERVER}/{POSTGRES_DATABASE}",
}
WARMUP = 10


def main(
    description: str, prepare: Callable[[], None], measure: Callable[[argparse.Namespace], None]
) -> None:
    args = _parse_args(description)
    if args.child:
        _django_setup()
        (prepare if args.child == "prepare" else lambda: measure(args))()
        return
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    failed = [db for db in databases if not _run_database(db, args)]
    if failed:
        sys.exit(f"\nfailed: {', '.join(failed)}")


def _parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per scenario (default 200)")
    parser.add_argument("--child", choices=["prepare", "measure"], help=argparse.SUPPRESS)
    return parser.parse_args()


def _django_setup() -> None:
    import django

    sys.path.insert(0, str(PROJECT_DIR))
    django.setup()


def _run_database(database: str, args: argparse.Namespace) -> bool:
    return run_children(
        database,
        passed=["--requests", str(args.requests)],
        env=_child_env(database),
        skipped_ok=args.database == "both",  # a failure only when PostgreSQL was asked for by name
        postgres_database=POSTGRES_DATABASE if database == "postgresql" else None,
    )


def run_children(
    database: str,
    *,
    passed: Sequence[str],
    env: dict[str, str],
    skipped_ok: bool,
    postgres_database: str | None = None,
    title: str | None = None,
) -> bool:
    """Run this script's ``prepare`` then ``measure`` step for ``database``, each in a child
    process with ``env`` and the caller's options ``passed``. ``postgres_database`` is created
    first if missing; when its server cannot be reached the database is skipped, which counts as
    a success when ``skipped_ok`` (PostgreSQL was not asked for by name)."""
    print(f"\n=== {title or database} ===", flush=True)
    if postgres_database is not None:
        error = ensure_postgres_database(postgres_database)
        if error:
            print(f"PostgreSQL at {POSTGRES_SERVER} is unreachable, skipped: {error}", flush=True)
            return skipped_ok
    for role in ("prepare", "measure"):
        command = [
            sys.executable,
            str(Path(sys.argv[0]).resolve()),
            *passed,
            "--child",
            role,
            "--database",
            database,
        ]
        if subprocess.run(command, env=env, cwd=PROJECT_DIR).returncode != 0:
            print(f"{database}: the {role} step failed (see above)", flush=True)
            return False
    return True


def without(argv: Sequence[str], options: Sequence[str], flags: Sequence[str] = ()) -> list[str]:
    """``argv`` less the ``options`` (with their values, as ``--x v`` or ``--x=v``) and the
    ``flags`` (no value): what a parent passes on to its children."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in options:
            skip = True
        elif not arg.startswith(tuple(f"{option}=" for option in options)) and arg not in flags:
            out.append(arg)
    return out


def _child_env(database: str) -> dict[str, str]:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="openciq.settings",
        DATABASE_URL=DATABASE_URLS[database],
        # Static files (and keys) of the benchmark stay in var/bench, away from the dev data.
        OPENCIQ_DATA_DIR=str(BENCH_DIR),
        # Production-like serving: no query log kept per request, manifest static files. HTTPS
        # redirects are off; the requests are made with secure=True anyway (secure cookies).
        OPENCIQ_DEBUG="0",
        OPENCIQ_SSL_REDIRECT="0",
        OPENCIQ_ALLOWED_HOSTS="testserver,127.0.0.1",
    )


def ensure_postgres_database(name: str = POSTGRES_DATABASE) -> str | None:
    """Create the benchmark database ``name`` if missing; the error text if the server cannot be
    reached."""
    import psycopg

    try:
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=5) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        return " ".join(str(exc).split())
    return None


# --- Measuring ----------------------------------------------------------------------------------


def time_calls(call: Callable[[], Any], n: int) -> list[int]:
    """Nanoseconds of ``n`` calls, after ``WARMUP`` untimed ones (caches, connections, imports)."""
    for _ in range(WARMUP):
        call()
    samples = []
    for _ in range(n):
        start = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - start)
    return samples


def summarize(samples_ns: Sequence[int]) -> dict[str, float]:
    """p50/p95 in milliseconds, nearest-rank (always a duration that was actually measured)."""
    ordered = sorted(samples_ns)

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] / 1e6

    return {"n": len(ordered), "p50_ms": round(rank(50), 3), "p95_ms": round(rank(95), 3)}


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def machine() -> dict[str, Any]:
    import django
    from django.db import connection

    query = (
        "SELECT 'PostgreSQL ' || current_setting('server_version')"
        if connection.vendor == "postgresql"
        else "SELECT 'SQLite ' || sqlite_version()"
    )
    with connection.cursor() as cursor:
        cursor.execute(query)
        database_version = cursor.fetchone()[0]
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": database_version,
    }


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor()
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "")


# --- Reporting ----------------------------------------------------------------------------------


def print_table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A plain-text table; numbers are right-aligned, text left-aligned."""
    rows = [list(row) for row in rows]
    cells = [list(columns)] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    numeric = [any(isinstance(row[i], (int, float)) for row in rows) for i in range(len(columns))]
    for n, row in enumerate(cells):
        aligned = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(row, widths, numeric, strict=True)]
        print(" | ".join(aligned))
        if n == 0:
            print("-+-".join("-" * w for w in widths))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def write_json(benchmark: str, database: str, payload: dict[str, Any]) -> Path:
    path = BENCH_DIR / f"{benchmark}-{database}.json"
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
