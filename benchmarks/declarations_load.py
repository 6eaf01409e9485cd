"""Loading the bureau's declaration history into a fresh database: 2,700,000 declarations over
five years with their 1-3 lines and release records (about 9.3 million rows), timed, with the
peak memory of the loading process and of its generator process. Baseline, in the same run: the
same number of narrow rows (id, a number, a 13-character text) inserted the same way (SQLite
``executemany``, PostgreSQL ``COPY``) in chunks of the same size into a scratch table.

Targets (from the issue, printed, never asserted): under 15 minutes and under 2 GB peak RSS.
The loaded database stays for the other declarations benchmarks.

    openciq bench declarations_load [--database sqlite|postgresql|both] [--history N]
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from pathlib import Path
from typing import Any

import _declarations as common
import _harness as harness


def prepare(args: argparse.Namespace) -> None:
    """A fresh database with bureau-scale master data and the demo users, no declarations."""
    from django.conf import settings
    from django.core.management import call_command

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database['NAME']}{suffix}").unlink(missing_ok=True)
    else:
        import psycopg

        with psycopg.connect(f"{harness.POSTGRES_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database["NAME"]}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{database["NAME"]}"')
    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed", scale="bureau", only=["accounts", "masterdata"], verbosity=0)
    from openciq.ops.demo import ensure_demo_users

    ensure_demo_users()


def load(args: argparse.Namespace) -> dict[str, Any]:
    from openciq.accounts.services import system_actor
    from openciq.declarations.seed import seed_history

    marks: list[float] = []
    show = common.every_tenth(args.history)

    def progress(text: str) -> None:
        if text.startswith("  declarations"):
            marks.append(time.perf_counter())
        show(text)

    started, cpu = time.perf_counter(), time.process_time()
    summary = seed_history(
        count=args.history,
        years=5,
        rng=random.Random(common.RNG_SEED),
        actor=system_actor(),
        progress=progress,
    )
    seconds = time.perf_counter() - started
    rows = summary["declarations"] + summary["lines"] + summary["release_records"]
    chunks = [b - a for a, b in zip([started, *marks], marks, strict=False)]
    return {
        "declarations": summary["declarations"],
        "rows": rows,
        "chunks": len(chunks),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "rows_per_s": round(rows / seconds),
        "chunk": common.seconds_summary(chunks),
        "peak_rss_mib": harness.peak_rss_mib(),
        "generator_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "summary": {k: v for k, v in summary.items() if k != "stats"},
        "stats": summary["stats"],
    }


def report(database: str, info: dict[str, Any]) -> None:
    common.header("declarations_load", database, info)
    seeded, base = info["load"], info["baseline"]
    s = seeded["summary"]
    print(
        f"history: {s['declarations']:,} declarations, {s['lines']:,} lines, {s['release_records']:,} release "
        f"records, {s['compliance_states']:,} control levels; {s['rejected']:,} rejected "
        f"({100 * s['rejected'] / s['declarations']:.2f}%); US${s['value_usd'] / 1e9:.1f} billion; {s['period']}"
    )
    print(f"modes: {s['by_mode']}\n")
    harness.print_table(
        ("load", "rows", "chunks", "seconds", "rows/s", "chunk median s", "chunk p95 s", "peak RSS MiB"),
        [
            [
                "declaration history",
                seeded["rows"],
                seeded["chunks"],
                seeded["seconds"],
                seeded["rows_per_s"],
                seeded["chunk"].get("median_s"),
                seeded["chunk"].get("p95_s"),
                f"{seeded['peak_rss_mib']:.0f} (+ generator {seeded['generator_peak_rss_mib']:.0f})",
            ],
            ["baseline: narrow rows", base["rows"], base["n"], base["seconds"], base["rows_per_s"],
             base["median_s"], base["p95_s"], "-"],
        ],
    )  # fmt: skip
    print(
        f"\nhistory vs narrow rows: {common.ratio(seeded['seconds'], base['seconds'])}x the time; "
        f"loader CPU {seeded['cpu_seconds']:,} s; database on disk {info['disk_mib']:,} MiB"
    )
    print("targets (not asserted): under 900 s and under 2,048 MiB peak RSS")


def measure(args: argparse.Namespace) -> None:
    info: dict[str, Any] = {
        "benchmark": "declarations_load",
        "database": args.database,
        "load_average": common.load_average(),
    }
    info["machine"] = harness.machine()
    info["startup_rss_mib"] = harness.peak_rss_mib()
    info["load"] = load(args)
    info["baseline"] = common.narrow(info["load"]["rows"], info["load"]["chunks"])
    info["disk_mib"] = common.disk_mib()
    info["volumes"] = common.volumes()
    report(args.database, info)
    path = harness.write_json("declarations_load", args.database, info)
    print(f"written to {path.relative_to(harness.PROJECT_DIR)}")


if __name__ == "__main__":
    common.main(__doc__.split("\n\n")[0], prepare, measure)
