"""Declaration pages at bureau scale (2,700,000 declarations of history): the inspector's worklist,
an enterprise's history page for the enterprise with the most declarations, the declaration list
page and the API list (``?limit=50``), as ``leader`` (global scope) and ``inspector`` (Guangzhou
branch), through Django's test client in one process. Baseline, in the same run: the SQL of the
same rows (the selector's query with its LIMIT, and the count or summary the page shows) sent
straight to the database, as many times.

    openciq bench declarations_pages [--database sqlite|postgresql|both] [--requests N] [--history N]
"""

from __future__ import annotations

import argparse
import random
import time
import traceback
from typing import Any

import _declarations as common
import _harness as harness

PER_PAGE = 50
OPEN_ORDERS = 40  # the inspector's worklist holds at least this many


def prepare(args: argparse.Namespace) -> None:
    common.prepare_bureau(args)
    open_orders_for_inspector()


def open_orders_for_inspector() -> None:
    """Open inspection orders in the inspector's branch, made as the services make them."""
    from django.utils import timezone

    from openciq.accounts.models import User
    from openciq.declarations import selectors, services
    from openciq.declarations.models import Declaration
    from openciq.declarations.risk import RuleParams
    from openciq.declarations.seed import draw_for, fixed_draw

    inspector, admin = User.objects.get(username="inspector"), User.objects.get(username="admin")
    missing = OPEN_ORDERS - selectors.worklist(actor=inspector).count()
    if missing <= 0:
        return
    params = RuleParams.model_validate(services.active_rule_set().params)
    for n, sample in enumerate(common.history_sample(missing, random.Random(7), org_unit__code="GZ")):
        header, lines = common.draft_form(sample, n)
        declaration = services.declaration_create(actor=admin, header=header, lines=lines)
        now = timezone.now()
        Declaration.objects.filter(pk=declaration.pk).update(
            status="accepted", submitted_at=now, status_changed_at=now
        )
        with fixed_draw(draw_for(declaration, "inspection" if n % 2 else "sampling", params)):
            services.declaration_assess(actor=admin, declaration_id=declaration.pk)


def biggest(**filters: Any) -> int:
    from django.db.models import Count

    from openciq.declarations.models import Declaration

    rows = Declaration.objects.filter(**filters).values("enterprise").annotate(n=Count("id"))
    return int(rows.order_by("-n", "enterprise").values_list("enterprise", flat=True).first())


def _sql(queryset: Any) -> tuple[str, list[Any]]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _count(queryset: Any) -> tuple[str, list[Any]]:
    sql, params = _sql(queryset.order_by().values("pk"))
    return f"SELECT COUNT(*) FROM ({sql}) counted", params


def scenarios(user: Any) -> list[tuple[str, str, list[tuple[str, list[Any]]]]]:
    """(label, URL, the raw SQL of the same rows) for ``user``."""
    from django.db.models import Count
    from django.urls import reverse

    from openciq.declarations import selectors
    from openciq.declarations.models import Declaration

    listed = selectors.declaration_list(actor=user)
    out = [
        ("declaration list page", reverse("declarations:declaration_list"), [_sql(listed[: PER_PAGE + 1])]),
        (
            "API list ?limit=50",
            f"/api/v1/declarations/declarations/?limit={PER_PAGE}",
            [_sql(listed[: PER_PAGE + 1])],
        ),
    ]
    scope = {} if user.username == "leader" else {"org_unit__code": "GZ"}
    enterprise = biggest(**scope)
    history = selectors.enterprise_history(actor=user, enterprise_id=enterprise)
    counted = (  # what selectors.enterprise_summary counts for the page's header
        Declaration.objects.restrict(user, "view")
        .filter(enterprise_id=enterprise, decided_at__isnull=False)
        .values_list("conformity")
        .annotate(n=Count("conformity"))
    )
    out.append(
        (
            f"enterprise history page ({history.count():,} declarations)",
            reverse("declarations:enterprise_history", args=[enterprise]),
            [_sql(history[: PER_PAGE + 1]), _sql(counted)],
        )
    )
    if user.has_perm("declarations.work_inspectionorder"):
        work = selectors.worklist(actor=user)
        out.append(
            (
                f"worklist page ({work.count()} open orders)",
                reverse("declarations:worklist"),
                [_count(work), _sql(work[:PER_PAGE])],
            )
        )
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
    return {"queries": len(captured), **harness.summarize(harness.time_calls(get, n))}


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


def measure(args: argparse.Namespace) -> None:
    info: dict[str, Any] = {
        "benchmark": "declarations_pages",
        "database": args.database,
        "requests": args.requests,
        "load_average": common.load_average(),
        "startup_rss_mib": harness.peak_rss_mib(),
        "machine": harness.machine(),
        "volumes": common.volumes(),
    }
    started = time.perf_counter()
    results = [row for username in ("leader", "inspector") for row in measure_user(username, args.requests)]
    info.update(
        results=results, peak_rss_mib=harness.peak_rss_mib(), seconds=round(time.perf_counter() - started)
    )
    common.header("declarations_pages", args.database, info)
    print(
        f"{args.requests} timed requests per scenario after {harness.WARMUP} warm-up; {PER_PAGE} rows a page\n"
    )
    harness.print_table(
        ("user", "scenario", "queries", "n", "p50 ms", "p95 ms", "raw p50", "raw p95", "p95/raw"),
        [
            [r["user"], r["scenario"], r.get("queries"), r.get("n"), r.get("p50_ms"), r.get("p95_ms"),
             r["raw"]["p50_ms"], r["raw"]["p95_ms"], r.get("ratio")]
            for r in results
        ],
    )  # fmt: skip
    print(
        f"\nserving process peak RSS: {info['peak_rss_mib']:.0f} MiB (after start-up: {info['startup_rss_mib']:.0f})"
    )
    path = harness.write_json("declarations_pages", args.database, info)
    print(f"written to {path.relative_to(harness.PROJECT_DIR)}")
    if any("error" in row for row in results):
        raise SystemExit(1)


if __name__ == "__main__":
    common.main(__doc__.split("\n\n")[0], prepare, measure)
