"""Shared plumbing of the LIMS benchmarks (files starting with ``_`` are not benchmarks).

:func:`main` runs like ``_declarations.main`` (a parent starting, per database, a ``prepare`` and
a ``measure`` child with ``DATABASE_URL`` set), on databases of their own so that loading them
stays short: SQLite ``var/bench/lims.sqlite3`` and PostgreSQL ``openciq_bench_lims`` (created if
missing), or any database given with ``--database-url``. Every LIMS benchmark takes
``--samples N``: the sample batches of history the data should hold (60,000, the bureau's
laboratories over 14 months, by default). The history is made by
``openciq.lims.seed.seed_history``, the generator of ``openciq seed --scale bureau``, with the
seed command's random seed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import _declarations as declarations
import _harness as harness

SAMPLES = 60_000
MONTHS = 14
RNG_SEED = "2011:lims"  # what `openciq seed` gives the lims seeder (seed 2011)
POSTGRES_DATABASE = "openciq_bench_lims"
DATABASE_URLS = {
    "sqlite": f"sqlite:///{harness.BENCH_DIR / 'lims.sqlite3'}",
    "postgresql": f"{harness.POSTGRES_SERVER}/{POSTGRES_DATABASE}",
}

Options = Sequence[tuple[Sequence[str], dict[str, Any]]]


def main(
    description: str,
    prepare: Callable[[argparse.Namespace], None],
    measure: Callable[[argparse.Namespace], None],
    options: Options = (),
) -> None:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--database-url", help="measure this database instead (it is seeded if empty)")
    parser.add_argument(
        "--requests", type=int, default=200, help="timed operations per scenario (default 200)"
    )
    parser.add_argument(
        "--samples", type=int, default=SAMPLES, help=f"sample batches of history (default {SAMPLES:,})"
    )
    for flags, kwargs in options:
        parser.add_argument(*flags, **kwargs)
    parser.add_argument("--child", choices=["prepare", "measure"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        harness._django_setup()
        (prepare if args.child == "prepare" else measure)(args)
        return
    passed = harness.without(sys.argv[1:], ["--database", "--database-url"])
    if args.database_url:
        targets = [
            ("postgresql" if args.database_url.startswith("postgres") else "sqlite", args.database_url)
        ]
    else:
        names = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
        targets = [(name, DATABASE_URLS[name]) for name in names]
    failed = [
        name
        for name, url in targets
        if not harness.run_children(
            name,
            passed=passed,
            env={**harness._child_env("sqlite"), "DATABASE_URL": url},
            skipped_ok=args.database == "both",
            postgres_database=POSTGRES_DATABASE if url == DATABASE_URLS["postgresql"] else None,
            title=f"{name} ({url.rsplit('@', 1)[-1]})",
        )
    ]
    if failed:
        sys.exit(f"\nfailed: {', '.join(failed)}")


def quiet() -> None:
    """PDF rendering logs every font subset at INFO; the benchmarks print their own lines."""
    import logging

    logging.getLogger("fontTools").setLevel(logging.WARNING)


# --- Data ---------------------------------------------------------------------------------------


def prepare_base(*, static: bool = True) -> None:
    """Migrate; bureau organisation and master data, the demo users, the LIMS calendar and
    reference data (all idempotent)."""
    from django.core.management import call_command

    from openciq.accounts.services import system_actor
    from openciq.lims.seed import seed_calendar, seed_reference
    from openciq.masterdata.models import Enterprise
    from openciq.masterdata.seed import SCALES
    from openciq.ops.demo import ensure_demo_users

    quiet()
    call_command("migrate", interactive=False, verbosity=0)
    if static:
        from enterprise_list import collect_static

        collect_static()
    if Enterprise.objects.count() < SCALES["bureau"]["enterprises"]:
        call_command("seed", scale="bureau", only=["accounts", "masterdata"], verbosity=0)
    ensure_demo_users()
    actor = system_actor()
    seed_calendar(actor=actor)
    seed_reference(actor=actor)


def prepare_history(args: argparse.Namespace, *, static: bool = True) -> None:
    """:func:`prepare_base`, then ``args.samples`` sample batches of history (if fewer are there)
    and the latest reports. The first run on a database loads it (a few minutes); later runs find
    it and go on."""
    from openciq.accounts.services import system_actor
    from openciq.lims.seed import seed_history, seed_reports, seeded_samples

    prepare_base(static=static)
    actor = system_actor()
    if seeded_samples() < args.samples:
        print(f"loading {args.samples:,} samples of history (minutes)...", flush=True)
        seed_history(
            count=args.samples,
            months=MONTHS,
            rng=random.Random(RNG_SEED),
            actor=actor,
            progress=every_third(),
        )
    seed_reports(actor=actor)


def every_third() -> Callable[[str], None]:
    state = {"n": 0}

    def show(text: str) -> None:
        state["n"] += 1
        if state["n"] % 3 == 1:
            print(text, flush=True)

    return show


def volumes() -> dict[str, int]:
    from openciq.lims.models import Analysis, Report, Sample, Verification, Worksheet

    return {
        "samples": Sample.objects.count(),
        "routine analyses": Analysis.objects.filter(kind="routine").count(),
        "QC analyses": Analysis.objects.exclude(kind="routine").count(),
        "worksheets": Worksheet.objects.count(),
        "verifications": Verification.objects.count(),
        "reports": Report.objects.count(),
    }


header = declarations.header
load_average = declarations.load_average
ratio = declarations.ratio
seconds_summary = declarations.seconds_summary
narrow = declarations.narrow
disk_mib = declarations.disk_mib


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started
