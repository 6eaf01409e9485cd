"""Risk decisions at bureau scale: the time of one risk assessment through the service
(``services.declaration_assess`` on an accepted declaration: history and control-level lookups,
the engine, the decision row, the transition and its audit event, the inspection order or the
electronic release), with 2,700,000 declarations of history present. Two scenarios: enterprises
picked as often as they declare (the mix a day brings) and the enterprise with the most history.
Baseline, in the same run: a bare insert of one declaration row and its line in raw SQL, in a
transaction of its own, as many times.

The declarations assessed are made through ``declaration_create`` first and set to ``accepted``
directly (set-up, not timed; ``accepted`` is otherwise only a moment inside ``declaration_accept``).

    openciq bench declarations_risk [--database sqlite|postgresql|both] [--requests N] [--history N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
import uuid
from collections import Counter
from typing import Any

import _declarations as common
import _harness as harness


def prepare(args: argparse.Namespace) -> None:
    common.prepare_bureau(args, static=False)


def accepted_drafts(admin: Any, samples: list[dict[str, Any]]) -> list[int]:
    from django.utils import timezone

    from openciq.declarations import services
    from openciq.declarations.models import Declaration

    ids = []
    for n, sample in enumerate(samples):
        header, lines = common.draft_form(sample, n)
        ids.append(services.declaration_create(actor=admin, header=header, lines=lines).pk)
    now = timezone.now()
    Declaration.objects.filter(pk__in=ids).update(status="accepted", submitted_at=now, status_changed_at=now)
    return ids


def time_assessments(admin: Any, ids: list[int]) -> tuple[list[int], int, Counter[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from openciq.declarations import services

    with CaptureQueriesContext(connection) as captured:  # one untimed, to count its queries
        decision = services.declaration_assess(actor=admin, declaration_id=ids[0])
    modes = Counter([decision.mode])
    samples = []
    for pk in ids[1:]:
        start = time.perf_counter_ns()
        decision = services.declaration_assess(actor=admin, declaration_id=pk)
        samples.append(time.perf_counter_ns() - start)
        modes[decision.mode] += 1
    return samples, len(captured), modes


def time_decisions(ids: list[int]) -> tuple[list[int], int]:
    """The risk decision alone (``services.risk_decide``: read the active rules, gather the
    inputs, run the engine, store the decision with its factors and draw), each in its own
    committed transaction with the declaration locked, as the service runs it."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from openciq.declarations import services
    from openciq.declarations.models import Declaration

    def decide(pk: int) -> None:
        with transaction.atomic():
            declaration = Declaration.objects.select_for_update().get(pk=pk)
            services.risk_decide(declaration, services.active_rule_set())

    with CaptureQueriesContext(connection) as captured:
        decide(ids[0])
    samples = []
    for pk in ids[1:]:
        start = time.perf_counter_ns()
        decide(pk)
        samples.append(time.perf_counter_ns() - start)
    return samples, len(captured)


def baseline(n: int, template: dict[str, Any]) -> list[int]:
    """Raw INSERT of a declaration and its line, committed, ``n`` times; removed afterwards."""
    from django.db import connection, transaction

    now = dt.datetime.now(dt.UTC)
    declaration_sql = (
        "INSERT INTO declarations_declaration (created_at, updated_at, number, enterprise_id, org_unit_id, "
        "port_id, destination_id, transport_mode, containers, means_of_transport, contract_ref, invoice_ref, "
        "planned_shipment_date, consignee_name, consignee_address, certificate_kind, total_value_usd, "
        "total_net_weight_kg, status, status_changed_at, inspection_mode, conformity, disposal, "
        "decision_reasons, created_by_id) VALUES (%s, %s, %s, %s, %s, %s, %s, '3', '[]', '', '', '', %s, '', '', "
        "'', %s, %s, 'accepted', %s, '', '', '', '', %s) RETURNING id"
    )
    line_sql = (
        "INSERT INTO declarations_declarationline (declaration_id, line_no, product_id, hs_code, description, "
        "quantity, unit, net_weight_kg, value_usd, lot) VALUES (%s, 1, %s, %s, %s, %s, %s, %s, %s, '')"
    )
    t, line = template, template["line"]
    samples, made = [], []
    for _ in range(harness.WARMUP + n):
        number = f"BENCH{uuid.uuid4().hex[:16]}"
        start = time.perf_counter_ns()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                declaration_sql,
                [now, now, number, t["enterprise"], t["org_unit"], t["port"], t["destination"], now.date(),
                 line.value_usd, line.net_weight_kg, now, t["created_by"]],
            )  # fmt: skip
            pk = cursor.fetchone()[0]
            cursor.execute(
                line_sql,
                [pk, line.product_id, line.hs_code, line.description, line.quantity, line.unit,
                 line.net_weight_kg, line.value_usd],
            )  # fmt: skip
        samples.append(time.perf_counter_ns() - start)
        made.append(pk)
    with transaction.atomic(), connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(made))
        cursor.execute(f"DELETE FROM declarations_declarationline WHERE declaration_id IN ({marks})", made)
        cursor.execute(f"DELETE FROM declarations_declaration WHERE id IN ({marks})", made)
    return samples[harness.WARMUP :]


def biggest_enterprise() -> tuple[int, int]:
    from django.db.models import Count

    from openciq.declarations.models import Declaration

    row = (
        Declaration.objects.values("enterprise").annotate(n=Count("id")).order_by("-n", "enterprise").first()
    )
    return row["enterprise"], row["n"]


def history_in_window(enterprise_ids: list[int]) -> dict[str, float]:
    """Decided declarations in the engine's window (365 days) of the enterprises assessed."""
    from django.db.models import Count
    from django.utils import timezone

    from openciq.declarations.models import Declaration

    since = timezone.now() - dt.timedelta(days=365)
    rows = (
        Declaration.objects.filter(enterprise_id__in=set(enterprise_ids), decided_at__gte=since)
        .values("enterprise")
        .annotate(n=Count("id"))
    )
    per = {r["enterprise"]: r["n"] for r in rows}
    values = sorted(per.get(e, 0) for e in enterprise_ids)
    return {"median": values[len(values) // 2], "max": values[-1]}


def measure(args: argparse.Namespace) -> None:
    from openciq.accounts.models import User
    from openciq.accounts.services import system_actor
    from openciq.masterdata.models import Enterprise

    info: dict[str, Any] = {
        "benchmark": "declarations_risk",
        "database": args.database,
        "requests": args.requests,
        "load_average": common.load_average(),
        "machine": harness.machine(),
        "volumes": common.volumes(),
    }
    admin = User.objects.get(username="admin")
    rng = random.Random(42)
    big, big_count = biggest_enterprise()
    n = args.requests + 1
    scenarios = {
        "mixed (weighted by volume)": common.history_sample(n, rng, created_by=system_actor()),
        f"largest enterprise ({big_count:,} declarations)": common.history_sample(n, rng, enterprise_id=big),
    }
    template = dict(scenarios[next(iter(scenarios))][0])
    template["org_unit"] = Enterprise.objects.values_list("org_unit", flat=True).get(
        pk=template["enterprise"]
    )
    template["created_by"] = admin.pk
    base = harness.summarize(baseline(args.requests, template))
    results = []
    for label, samples in scenarios.items():
        history = history_in_window([s["enterprise"] for s in samples])
        timings, queries = time_decisions(accepted_drafts(admin, samples))
        row = {"scenario": f"{label}: risk decision", "queries": queries, **harness.summarize(timings)}
        row.update(modes={}, history_365d=history, ratio=common.ratio(row["p95_ms"], base["p95_ms"]))
        results.append(row)
        timings, queries, modes = time_assessments(admin, accepted_drafts(admin, samples))
        row = {"scenario": f"{label}: whole assessment", "queries": queries, **harness.summarize(timings)}
        row.update(modes=dict(modes), history_365d=history, ratio=common.ratio(row["p95_ms"], base["p95_ms"]))
        results.append(row)
    info.update(baseline=base, results=results, peak_rss_mib=harness.peak_rss_mib())
    report(args.database, info)
    path = harness.write_json("declarations_risk", args.database, info)
    print(f"written to {path.relative_to(harness.PROJECT_DIR)}")


def report(database: str, info: dict[str, Any]) -> None:
    common.header("declarations_risk", database, info)
    base = info["baseline"]
    rows = [
        [r["scenario"], r["history_365d"]["median"], r["history_365d"]["max"], r["queries"], r["n"], r["p50_ms"],
         r["p95_ms"], base["p50_ms"], base["p95_ms"], r["ratio"]]
        for r in info["results"]
    ]  # fmt: skip
    harness.print_table(
        (
            "scenario",
            "hist. median",
            "hist. max",
            "queries",
            "n",
            "p50 ms",
            "p95 ms",
            "raw p50",
            "raw p95",
            "p95/raw",
        ),
        rows,
    )
    for r in info["results"]:
        print(f"modes ({r['scenario']}): {r['modes']}")
    print(
        "\nhist.: decided declarations of the enterprise in the engine's 365-day window; raw: INSERT of one "
        "declaration and its line, committed"
    )
    print(f"process peak RSS: {info['peak_rss_mib']:.0f} MiB")


if __name__ == "__main__":
    common.main(__doc__.split("\n\n")[0], prepare, measure)
