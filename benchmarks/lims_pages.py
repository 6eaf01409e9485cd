"""Laboratory pages at the bureau's scale (60,000 sample batches, about 500,000 routine analyses):
the sample list page, the analysis list page and the API lists ``/api/v1/lims/samples/?limit=50``
and ``/api/v1/lims/analyses/?limit=50`` as ``leader`` (every laboratory) and ``labhead`` (the food
laboratory), and the worklist page of ``labhead`` and of ``analyst``, through Django's test client
in one process. Baseline, in the same run: the SQL the selectors build for the same rows (with the
page's ``LIMIT``; for the worklist every section's query) sent straight to the database, as many
times. Target (printed, never asserted): p95 under 150 ms.

    openciq bench lims_pages [--database sqlite|postgresql|both] [--database-url URL] [--requests N] [--samples N]
"""

from __future__ import annotations

import argparse
import time
import traceback
from typing import Any

import _harness as harness
import _lims as common

PER_PAGE = 50
QUEUE_ROWS = 300  # the worklist's queue of unassigned analyses is cut there
TARGET_MS = 150


def prepare(args: argparse.Namespace) -> None:
    common.prepare_history(args)


def _sql(queryset: Any) -> tuple[str, list[Any]]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def worklist_statements(user: Any) -> list[tuple[str, list[Any]]]:
    """The queries of the worklist sections ``user`` sees, with the page's cuts."""
    from openciq.lims import selectors

    size = PER_PAGE
    sections = []
    if user.has_perm("lims.receive_sample"):
        sections += [
            selectors.reception_worklist(actor=user)[:size],
            selectors.labels_to_print(actor=user)[:size],
        ]
    if user.has_perm("lims.manage_worksheet"):
        sections.append(selectors.unassigned_analyses(actor=user)[:QUEUE_ROWS])
    if user.has_perm("lims.submit_analysis"):
        sections.append(selectors.analyst_worklist(actor=user)[:size])
    if user.has_perm("lims.verify_analysis"):
        sections.append(selectors.verifier_worklist(actor=user, limit=size))
    if user.has_perm("lims.publish_sample"):
        sections += [
            selectors.to_publish(actor=user)[:size],
            selectors.overdue_samples(actor=user)[:size],
            selectors.failed_worksheets(actor=user)[:size],
            selectors.blocked_instruments(actor=user)[:size],
        ]
    return [_sql(q) for q in sections]


def scenarios(user: Any) -> list[tuple[str, str, list[tuple[str, list[Any]]]]]:
    """(label, URL, the raw SQL of the same rows) for ``user``."""
    from django.urls import reverse

    from openciq.lims import selectors

    samples = [_sql(selectors.samples(actor=user)[: PER_PAGE + 1])]
    analyses = [_sql(selectors.analyses(actor=user)[: PER_PAGE + 1])]
    out = []
    if user.username != "analyst":
        out += [
            ("sample list page", reverse("lims:sample_list"), samples),
            ("analysis list page", reverse("lims:analysis_list"), analyses),
            ("API samples ?limit=50", f"/api/v1/lims/samples/?limit={PER_PAGE}", samples),
            ("API analyses ?limit=50", f"/api/v1/lims/analyses/?limit={PER_PAGE}", analyses),
        ]
    if user.username != "leader":
        out.append(("worklist page", reverse("lims:worklist"), worklist_statements(user)))
    return out


def raw(statements: list[tuple[str, list[Any]]]) -> Any:
    from django.db import connection

    def run() -> list[list[tuple[Any, ...]]]:
        with connection.cursor() as cursor:
            out = []
            for sql, params in statements:
                cursor.execute(sql, params)
                out.append(cursor.fetchall())
            return out

    return run


def time_page(client: Any, url: str, n: int, expected: Any) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get() -> Any:
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
        return response

    with CaptureQueriesContext(connection) as captured:  # outside the timing: it forces a query log
        response = get()
    if url.startswith("/api/"):
        ids = [row["id"] for row in response.json()["results"]]
        if ids != [row[0] for row in expected[0][:PER_PAGE]]:
            print(f"  warning: {url} does not return the rows of the raw SQL", flush=True)
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:2]
    return {
        "queries": len(captured),
        "slowest_sql": [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:400]} for q in slowest],
        **harness.summarize(harness.time_calls(get, n)),
    }


def measure_user(username: str, n: int) -> list[dict[str, Any]]:
    from django.test import Client

    from openciq.accounts.models import User

    user = User.objects.select_related("org_unit").get(username=username)
    client = Client()
    client.force_login(user)
    results = []
    for label, url, statements in scenarios(user):
        baseline = raw(statements)
        row: dict[str, Any] = {"user": username, "scenario": label, "url": url}
        row["raw"] = harness.summarize(harness.time_calls(baseline, n))
        try:
            row.update(time_page(client, url, n, baseline()))
            row["ratio"] = common.ratio(row["p95_ms"], row["raw"]["p95_ms"])
        except Exception as exc:  # report the app's error and go on with the other scenarios
            traceback.print_exc()
            row["error"] = str(exc)
        results.append(row)
    return results


def worklist_sizes() -> dict[str, dict[str, int]]:
    from openciq.accounts.models import User
    from openciq.lims import selectors

    out = {}
    for username in ("labhead", "analyst"):
        user = User.objects.get(username=username)
        out[username] = {
            "unassigned": selectors.unassigned_analyses(actor=user).count(),
            "my worksheets": selectors.analyst_worklist(actor=user).count(),
            "to verify": selectors.verifier_worklist(actor=user).count(),
            "overdue": selectors.overdue_samples(actor=user).count(),
            "to publish": selectors.to_publish(actor=user).count(),
        }
    return out


def measure(args: argparse.Namespace) -> None:
    common.quiet()
    info: dict[str, Any] = {
        "benchmark": "lims_pages",
        "database": args.database,
        "requests": args.requests,
        "load_average": common.load_average(),
        "startup_rss_mib": harness.peak_rss_mib(),
        "machine": harness.machine(),
        "volumes": common.volumes(),
        "worklists": worklist_sizes(),
    }
    started = time.perf_counter()
    results = [
        r for username in ("leader", "labhead", "analyst") for r in measure_user(username, args.requests)
    ]
    info.update(
        results=results, peak_rss_mib=harness.peak_rss_mib(), seconds=round(time.perf_counter() - started)
    )
    common.header("lims_pages", args.database, info)
    print(f"worklists: {info['worklists']}")
    print(
        f"{args.requests} timed requests per scenario after {harness.WARMUP} warm-up; {PER_PAGE} rows a page\n"
    )
    harness.print_table(
        ("user", "scenario", "queries", "n", "p50 ms", "p95 ms", "raw p50", "raw p95", "p95/raw", "target"),
        [
            [r["user"], r["scenario"], r.get("queries"), r.get("n"), r.get("p50_ms"), r.get("p95_ms"),
             r["raw"]["p50_ms"], r["raw"]["p95_ms"], r.get("ratio"),
             "error" if "error" in r else "ok" if r["p95_ms"] < TARGET_MS else "MISSED"]
            for r in results
        ],
    )  # fmt: skip
    for r in results:
        if "error" not in r and r["p95_ms"] >= TARGET_MS:
            print(f"\n{r['user']} {r['scenario']}: slowest statements {r['slowest_sql']}")
    print(
        f"\nserving process peak RSS: {info['peak_rss_mib']:.0f} MiB (after start-up: {info['startup_rss_mib']:.0f})"
    )
    path = harness.write_json("lims_pages", args.database, info)
    print(f"written to {path.relative_to(harness.PROJECT_DIR)}")
    if any("error" in row for row in results):
        raise SystemExit(1)


if __name__ == "__main__":
    common.main(__doc__.split("\n\n")[0], prepare, measure)
