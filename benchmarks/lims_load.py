"""Loading the laboratories' history into a fresh database: 60,000 sample batches over 14 months
with about 500,000 routine analyses, their worksheets with QC analyses, verifications and the
chain of custody (about 1.4 million rows), timed, with the peak memory of the loading process;
then the latest 300 reports rendered. Baseline, in the same run: the same number of narrow rows
(id, a number, a 13-character text) inserted the same way (SQLite ``executemany``, PostgreSQL
``COPY``) in as many transactions into a scratch table.

The loaded database stays for the other LIMS benchmarks.

    openciq bench lims_load [--database sqlite|postgresql|both] [--database-url URL] [--samples N]
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path
from typing import Any

import _harness as harness
import _lims as common


def prepare(args: argparse.Namespace) -> None:
    """A fresh database with the bureau's organisation and master data, the demo users and the
    LIMS reference data, no samples."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database['NAME']}{suffix}").unlink(missing_ok=True)
    else:
        import psycopg

        server = args.database_url.rsplit("/", 1)[0] if args.database_url else harness.POSTGRES_SERVER
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database["NAME"]}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{database["NAME"]}"')
    common.prepare_base(static=False)


def load(args: argparse.Namespace) -> dict[str, Any]:
    from openciq.accounts.services import system_actor
    from openciq.lims.seed import CHUNK, seed_history

    marks: list[float] = []
    show = common.every_third()

    def progress(text: str) -> None:
        marks.append(time.perf_counter())
        show(text)

    started, cpu = time.perf_counter(), time.process_time()
    summary = seed_history(
        count=args.samples,
        months=common.MONTHS,
        rng=random.Random(common.RNG_SEED),
        actor=system_actor(),
        progress=progress,
    )
    seconds = time.perf_counter() - started
    rows = sum(
        summary[k]
        for k in ("samples", "analyses", "qc_analyses", "worksheets", "verifications", "custody_events")
    )
    chunks = [b - a for a, b in zip([started, *marks], marks, strict=False)]
    return {
        "summary": {k: v for k, v in summary.items() if k != "stats"},
        "stats": summary["stats"],
        "chunk_samples": CHUNK,
        "rows": rows,
        "chunks": len(chunks),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "rows_per_s": round(rows / seconds),
        "chunk": common.seconds_summary(chunks),
        "peak_rss_mib": harness.peak_rss_mib(),
    }


def reports() -> dict[str, Any]:
    from openciq.accounts.services import system_actor
    from openciq.lims.seed import REPORTS, seed_reports

    made, seconds = common.timed(lambda: seed_reports(actor=system_actor(), count=REPORTS))
    return {
        "reports": made,
        "seconds": round(seconds, 1),
        "per_report_ms": round(1000 * seconds / max(made, 1)),
    }


def report(database: str, info: dict[str, Any]) -> None:
    common.header("lims_load", database, info)
    seeded, base, pdf = info["load"], info["baseline"], info["reports"]
    s = seeded["summary"]
    stats = info["outcomes"]
    print(
        f"history: {s['samples']:,} samples, {s['analyses']:,} routine and {s['qc_analyses']:,} QC analyses, "
        f"{s['worksheets']:,} worksheets, {s['verifications']:,} verifications, {s['custody_events']:,} custody "
        f"events; {s['period']}; in {seeded['chunks']} chunks of about {seeded['chunk_samples']:,} samples"
    )
    print(f"outcomes of verified and published samples: {stats}\n")
    harness.print_table(
        ("load", "rows", "chunks", "seconds", "rows/s", "chunk median s", "chunk p95 s", "peak RSS MiB"),
        [
            ["LIMS history", seeded["rows"], seeded["chunks"], seeded["seconds"], seeded["rows_per_s"],
             seeded["chunk"].get("median_s"), seeded["chunk"].get("p95_s"), f"{seeded['peak_rss_mib']:.0f}"],
            ["baseline: narrow rows", base["rows"], base["n"], base["seconds"], base["rows_per_s"],
             base["median_s"], base["p95_s"], "-"],
        ],
    )  # fmt: skip
    print(
        f"\nhistory vs narrow rows: {common.ratio(seeded['seconds'], base['seconds'])}x the time; loader CPU "
        f"{seeded['cpu_seconds']:,} s; start-up RSS {info['startup_rss_mib']:.0f} MiB; database on disk "
        f"{info['disk_mib']:,} MiB"
    )
    print(
        f"reports: {pdf['reports']} rendered and stored in {pdf['seconds']} s ({pdf['per_report_ms']} ms each)"
    )


def outcomes() -> dict[str, Any]:
    from django.db.models import Count

    from openciq.lims.models import Sample

    rows = dict(
        Sample.objects.filter(status__in=["verified", "published", "invalid"])
        .values_list("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    total = sum(rows.values()) or 1
    return {k or "no limit": f"{v:,} ({100 * v / total:.1f}%)" for k, v in sorted(rows.items())}


def measure(args: argparse.Namespace) -> None:
    common.quiet()
    info: dict[str, Any] = {
        "benchmark": "lims_load",
        "database": args.database,
        "load_average": common.load_average(),
    }
    info["machine"] = harness.machine()
    info["startup_rss_mib"] = harness.peak_rss_mib()
    info["load"] = load(args)
    info["reports"] = reports()
    info["baseline"] = common.narrow(info["load"]["rows"], info["load"]["chunks"])
    info["disk_mib"] = common.disk_mib()
    info["volumes"] = common.volumes()
    info["outcomes"] = outcomes()
    report(args.database, info)
    path = harness.write_json("lims_load", args.database, info)
    print(f"written to {path.relative_to(harness.PROJECT_DIR)}")


if __name__ == "__main__":
    common.main(__doc__.split("\n\n")[0], prepare, measure)
