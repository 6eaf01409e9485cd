"""Shared plumbing of the declarations benchmarks (files starting with ``_`` are not benchmarks).

:func:`main` runs like ``_harness.main`` (a parent starting, per database, a ``prepare`` and a
``measure`` child with ``DATABASE_URL`` set), but passes each benchmark's own options through,
and gives every benchmark ``--history N``: the declarations of history the data should hold
(2,700,000, the bureau's five years, by default; smaller for a quick trial). The history is
made by ``openciq.declarations.seed.seed_history`` with the seed command's generator, so it
is the data ``openciq seed --scale bureau`` makes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import _harness as harness

HISTORY = 2_700_000
RNG_SEED = "2011:declarations"  # what `openciq seed` gives the declarations seeder (seed 2011)

Options = Sequence[tuple[Sequence[str], dict[str, Any]]]


def main(
    description: str,
    prepare: Callable[[argparse.Namespace], None],
    measure: Callable[[argparse.Namespace], None],
    options: Options = (),
) -> None:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--requests", type=int, default=200, help="timed operations per scenario (default 200)"
    )
    parser.add_argument(
        "--history", type=int, default=HISTORY, help=f"declarations of history (default {HISTORY:,})"
    )
    for flags, kwargs in options:
        parser.add_argument(*flags, **kwargs)
    parser.add_argument("--child", choices=["prepare", "measure"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        harness._django_setup()
        (prepare if args.child == "prepare" else measure)(args)
        return
    passed = harness.without(sys.argv[1:], ["--database"])
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    failed = [
        db
        for db in databases
        if not harness.run_children(
            db,
            passed=passed,
            env=harness._child_env(db),
            skipped_ok=args.database == "both",
            postgres_database=harness.POSTGRES_DATABASE if db == "postgresql" else None,
        )
    ]
    if failed:
        sys.exit(f"\nfailed: {', '.join(failed)}")


# --- Data ---------------------------------------------------------------------------------------


def prepare_bureau(args: argparse.Namespace, *, static: bool = True) -> None:
    """Migrate, then bureau-scale master data, ``args.history`` declarations of history (if
    fewer are there) and the demo users. The first run on a database loads the history (about
    ten minutes for 2.7 million on two cores); later runs find it and go on."""
    from django.core.management import call_command

    from openciq.accounts.services import system_actor
    from openciq.declarations.models import Declaration
    from openciq.declarations.seed import seed_history
    from openciq.masterdata.models import Enterprise
    from openciq.masterdata.seed import SCALES
    from openciq.ops.demo import ensure_demo_users

    call_command("migrate", interactive=False, verbosity=0)
    if static:
        from enterprise_list import collect_static

        collect_static()
    if Enterprise.objects.count() < SCALES["bureau"]["enterprises"]:
        call_command("seed", scale="bureau", only=["accounts", "masterdata"], verbosity=0)
    actor = system_actor()
    if Declaration.objects.filter(created_by=actor).count() < args.history:
        print(f"loading {args.history:,} declarations of history (minutes)...", flush=True)
        seed_history(
            count=args.history,
            years=5,
            rng=random.Random(RNG_SEED),
            actor=actor,
            progress=every_tenth(args.history),
        )
    ensure_demo_users()


def every_tenth(total: int) -> Callable[[str], None]:
    """A progress printer that speaks at every tenth of ``total`` declarations."""
    state = {"next": total // 10}

    def show(text: str) -> None:
        done = int(text.split()[1].split("/")[0].replace(",", "")) if text.startswith("  declarations") else 0
        if done >= state["next"] or not text.startswith("  declarations"):
            print(text, flush=True)
            state["next"] = done + total // 10

    return show


def volumes() -> dict[str, int]:
    from openciq.declarations.models import ComplianceState, Declaration, DeclarationLine, InspectionOrder
    from openciq.masterdata.models import Enterprise

    return {
        "declarations": Declaration.objects.count(),
        "declaration lines": DeclarationLine.objects.count(),
        "open inspection orders": InspectionOrder.objects.filter(status__in=["open", "in_progress"]).count(),
        "compliance states": ComplianceState.objects.count(),
        "enterprises": Enterprise.objects.count(),
    }


def history_sample(n: int, rng: random.Random, **filters: Any) -> list[dict[str, Any]]:
    """``n`` past declarations picked at random, so enterprises come weighted by how much they
    declare (a big exporter is picked as often as it declares): what a new one would carry."""
    from django.db.models import Max, Min

    from openciq.declarations.models import Declaration, DeclarationLine

    rows = Declaration.objects.filter(**filters)
    bounds = rows.aggregate(low=Min("id"), high=Max("id"))
    picked: list[dict[str, Any]] = []
    while len(picked) < n:
        pk = rng.randint(bounds["low"], bounds["high"])
        found = (
            rows.filter(pk__gte=pk).order_by("pk").values("pk", "enterprise", "port", "destination").first()
        )
        line = (
            found and DeclarationLine.objects.filter(declaration_id=found["pk"]).order_by("line_no").first()
        )
        if line:
            picked.append({**found, "line": line})
    return picked


def draft_form(sample: dict[str, Any], n: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The header and one line of a new declaration like ``sample`` (what an enterprise sends)."""
    import datetime as dt

    from django.utils import timezone

    line = sample["line"]
    header = {
        "enterprise": sample["enterprise"],
        "port": sample["port"],
        "destination": sample["destination"],
        "transport_mode": "3",
        "containers": [],
        "contract_ref": f"BENCH-{n}",
        "planned_shipment_date": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
        "consignee_name": "Bench Trading Ltd.",
        "certificate_kind": "",
    }
    lines = [
        {
            "product": line.product_id,
            "hs_code": line.hs_code,
            "description": line.description,
            "quantity": str(line.quantity),
            "unit": line.unit,
            "net_weight_kg": str(line.net_weight_kg),
            "value_usd": str(line.value_usd),
            "origin_premises": line.origin_premises_id,
            "lot": line.lot,
        }
    ]
    return header, lines


# --- Reporting ----------------------------------------------------------------------------------


def header(name: str, database: str, info: dict[str, Any]) -> None:
    print(f"\n{name} on {database}: " + ", ".join(f"{v:,} {k}" for k, v in info["volumes"].items()))
    m = info["machine"]
    print(
        f"machine: {m['nproc']} CPUs ({m['cpu']}), Python {m['python']}, Django {m['django']}, {m['database']}"
    )
    print(f"load average (1, 5, 15 min) at start: {info['load_average']}\n")


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 1) if a and b else None


def seconds_summary(samples: Sequence[float]) -> dict[str, float]:
    """Median and p95 (nearest rank) of durations in seconds."""
    ordered = sorted(samples)
    if not ordered:
        return {"n": 0}
    p95 = ordered[max(0, -(-95 * len(ordered) // 100) - 1)]
    return {"n": len(ordered), "median_s": round(statistics.median(ordered), 3), "p95_s": round(p95, 3)}


def monotonic() -> float:
    return time.perf_counter()


def narrow(total: int, chunks: int) -> dict[str, Any]:
    """The baseline: ``total`` narrow rows in ``chunks`` transactions, as the seed inserts."""
    from django.db import connection, transaction

    from openciq.core.bulk import bulk_session

    postgres = connection.vendor == "postgresql"
    per_chunk = -(-total // max(1, chunks))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_narrow")
        cursor.execute(
            "CREATE TABLE bench_narrow (id bigint PRIMARY KEY, n bigint NOT NULL, t varchar(24) NOT NULL)"
        )
    times = []
    with bulk_session():
        for start in range(0, total, per_chunk):
            rows = [(i, i * 7, f"N{i:012d}") for i in range(start + 1, min(total, start + per_chunk) + 1)]
            began = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                if postgres:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
                    with cursor.cursor.copy("COPY bench_narrow (id, n, t) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    connection.connection.executemany(
                        "INSERT INTO bench_narrow (id, n, t) VALUES (?, ?, ?)", rows
                    )
            times.append(time.perf_counter() - began)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_narrow")
    seconds = sum(times)
    return {
        "rows": total,
        "seconds": round(seconds, 1),
        "rows_per_s": round(total / seconds),
        **seconds_summary(times),
    }


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
