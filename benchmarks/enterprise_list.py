"""Enterprise list at bureau scale: the list page and the API list, filtered (exporters) and sorted
by name, on the first and on the last full page, for a global-scope user (``leader``) and a user scoped
to one branch (``inspector``), each timed beside the same query in raw SQL in the same process.

Targets (from the issue, printed, never asserted): p95 under 100 ms and within 3x the raw SQL
p95; the serving process stays under 300 MB.

    openciq bench enterprise_list [--database sqlite|postgresql|both] [--requests N]
"""

from __future__ import annotations

import argparse
import traceback
from typing import Any
from urllib.parse import urlencode

import _harness as harness

KIND = "exporter"  # about 59% of enterprises: enough rows for a deep page
PER_PAGE = 50
USERS = ("leader", "inspector")

# The columns the page and the API read (Django selects these through select_related("org_unit")).
SELECT_SQL = """
    SELECT e.id, e.uscc, e.name_zh, e.name_en, e.kind, e.classification, e.is_active, e.address,
           e.contact_name, e.contact_phone, e.registered_on, e.updated_at,
           o.id, o.code, o.name_zh, o.name_en
    FROM masterdata_enterprise e JOIN accounts_orgunit o ON o.id = e.org_unit_id
    WHERE {where} ORDER BY e.name_zh, e.id LIMIT %s OFFSET %s"""


def prepare() -> None:
    from django.core.management import call_command

    from openciq.masterdata.models import Enterprise
    from openciq.masterdata.seed import SCALES
    from openciq.ops.demo import ensure_demo_users

    call_command("migrate", interactive=False, verbosity=0)
    collect_static()
    if Enterprise.objects.count() < SCALES["bureau"]["enterprises"]:
        print("seeding bureau-scale data (a minute or so)...", flush=True)
        call_command("seed", scale="bureau")
    ensure_demo_users()


def collect_static() -> None:
    """Debug is off, so pages need the static-files manifest, made as `openciq serve` makes it.

    If that fails on source maps the vendored files name but do not ship, say so and collect
    again without rewriting source-map references (the serving process is not affected).
    """
    from django.contrib.staticfiles.storage import staticfiles_storage as storage
    from django.core.management import call_command

    try:
        call_command("collectstatic", interactive=False, verbosity=0)
        return
    except ValueError as exc:
        if ".map" not in str(exc):
            raise
        print(
            f"WARNING: collectstatic fails (an app bug, not the benchmark's): {str(exc).splitlines()[0]}"
            "\n  collecting again without source-map references",
            flush=True,
        )
    patterns = storage._patterns  # type: ignore[attr-defined]  # HashedFilesMixin compiles them in __init__
    storage._patterns = {  # type: ignore[attr-defined]
        ext: [(rx, tpl) for rx, tpl in pairs if "sourceMappingURL" not in rx.pattern]
        for ext, pairs in patterns.items()
    }
    call_command("collectstatic", interactive=False, verbosity=0)


def raw_query(user: Any) -> tuple[str, str, list[Any]]:
    """COUNT and SELECT (minus LIMIT/OFFSET values) with the WHERE the ORM builds for ``user``.

    A scoped user sees its org-unit subtree plus the enterprises it is a member of
    (``Enterprise.scope_q``); only then does the count need the org-unit join.
    """
    from openciq.core.models import has_global_scope

    where, params = "e.kind = %s", [KIND]
    count_from = "masterdata_enterprise e"
    if not has_global_scope(user):
        where += (
            " AND (o.path LIKE %s OR e.id IN"
            " (SELECT m.enterprise_id FROM masterdata_enterprisemembership m WHERE m.user_id = %s))"
        )
        params += [f"{user.scope_path}%", user.pk]
        count_from += " JOIN accounts_orgunit o ON o.id = e.org_unit_id"
    return f"SELECT COUNT(*) FROM {count_from} WHERE {where}", SELECT_SQL.format(where=where), params


def raw_page(user: Any, offset: int) -> Any:
    """A callable running the raw count and page fetch, as the page and the API both do."""
    from django.db import connection

    count_sql, select_sql, params = raw_query(user)

    def run() -> tuple[int, list[tuple[Any, ...]]]:
        with connection.cursor() as cursor:
            cursor.execute(count_sql, params)
            total = cursor.fetchone()[0]
            cursor.execute(select_sql, [*params, PER_PAGE, offset])
            return total, cursor.fetchall()

    return run


def scenarios(total: int) -> list[tuple[str, str, int]]:
    """(label, URL, offset): page and API, on the first and on the last full page of the filtered
    list (a full one, so that deep and first pages render the same number of rows)."""
    last = max(1, total // PER_PAGE)
    deep = (last - 1) * PER_PAGE
    page = {"kind": KIND, "sort": "name", "per_page": PER_PAGE}
    api = {"kind": KIND, "ordering": "name_zh", "limit": PER_PAGE}
    return [
        ("page p1", "/masterdata/enterprises/?" + urlencode({**page, "page": 1}), 0),
        (f"page p{last}", "/masterdata/enterprises/?" + urlencode({**page, "page": last}), deep),
        ("api offset 0", "/api/v1/masterdata/enterprises/?" + urlencode({**api, "offset": 0}), 0),
        (f"api offset {deep}", "/api/v1/masterdata/enterprises/?" + urlencode({**api, "offset": deep}), deep),
    ]


def check(response: Any, url: str, expected: tuple[int, list[tuple[Any, ...]]]) -> None:
    """Refuse to time an error page; for the API, also check it returns what the raw SQL does."""
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:500]!r}")
    if url.startswith("/api/"):
        body = response.json()
        got = (body["count"], [row["id"] for row in body["results"]])
        if got != (expected[0], [row[0] for row in expected[1]]):
            print(f"  warning: {url} does not return the rows of the raw SQL", flush=True)


def time_scenario(client: Any, url: str, n: int, expected: Any) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get() -> Any:
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        return response

    with CaptureQueriesContext(connection) as captured:  # outside the timing: it forces a query log
        response = client.get(url, secure=True)
    check(response, url, expected)
    return {"queries": len(captured), **harness.summarize(harness.time_calls(get, n))}


def measure_user(username: str, n: int) -> list[dict[str, Any]]:
    from django.test import Client

    from openciq.accounts.models import User

    user = User.objects.select_related("org_unit").get(username=username)
    client = Client()
    client.force_login(user)
    total = raw_page(user, 0)()[0]
    raw: dict[int, dict[str, Any]] = {}  # by offset: page and API at one offset run the same SQL
    results = []
    for label, url, offset in scenarios(total):
        if offset not in raw:
            raw[offset] = harness.summarize(harness.time_calls(raw_page(user, offset), n))
        row = {"user": username, "scenario": label, "url": url, "rows": total, "raw": raw[offset]}
        try:
            row.update(time_scenario(client, url, n, raw_page(user, offset)()))
        except Exception as exc:  # report the app's error and go on with the other scenarios
            traceback.print_exc()
            row["error"] = str(exc)
        results.append(row)
    return results


def volumes() -> dict[str, int]:
    from openciq.accounts.models import OrgUnit
    from openciq.masterdata.models import Enterprise, Premises

    return {
        "enterprises": Enterprise.objects.count(),
        f"{KIND}s": Enterprise.objects.filter(kind=KIND).count(),
        "premises": Premises.objects.count(),
        "org_units": OrgUnit.objects.count(),
    }


COLUMNS = ("user", "scenario", "rows", "queries", "n", "p50 ms", "p95 ms", "raw p50", "raw p95", "p95/raw")


def table_row(r: dict[str, Any]) -> list[Any]:
    row = [
        r["user"],
        r["scenario"],
        r["rows"],
        r.get("queries"),
        r.get("n"),
        r.get("p50_ms"),
        r.get("p95_ms"),
    ]
    return [*row, r["raw"]["p50_ms"], r["raw"]["p95_ms"], r.get("ratio")]


def report(database: str, info: dict[str, Any], results: list[dict[str, Any]]) -> None:
    print(f"enterprise_list on {database}: " + ", ".join(f"{v:,} {k}" for k, v in info["volumes"].items()))
    m = info["machine"]
    print(
        f"machine: {m['nproc']} CPUs ({m['cpu']}), Python {m['python']}, Django {m['django']}, {m['database']}"
    )
    print(
        f"{info['requests']} timed requests per scenario after {harness.WARMUP} warm-up; "
        f"{PER_PAGE} rows a page, kind={KIND}, sorted by name\n"
    )
    harness.print_table(COLUMNS, (table_row(r) for r in results))
    print(
        f"\nserving process peak RSS: {info['peak_rss_mib']:.0f} MiB "
        f"(after start-up: {info['startup_rss_mib']:.0f} MiB)"
    )
    print("targets (not asserted): p95 < 100 ms, p95/raw <= 3, peak RSS < 300 MB")


def measure(args: argparse.Namespace) -> None:
    info = {
        "benchmark": "enterprise_list",
        "database": args.database,
        "requests": args.requests,
        "startup_rss_mib": harness.peak_rss_mib(),
        "machine": harness.machine(),
        "volumes": volumes(),
    }
    results = [row for username in USERS for row in measure_user(username, args.requests)]
    for row in results:
        if "p95_ms" in row:
            row["ratio"] = round(row["p95_ms"] / row["raw"]["p95_ms"], 1)
    info["peak_rss_mib"] = harness.peak_rss_mib()
    report(args.database, info, results)
    path = harness.write_json("enterprise_list", args.database, {**info, "results": results})
    print(f"written to {path.relative_to(harness.PROJECT_DIR)}")
    if any("error" in row for row in results):
        raise SystemExit(1)


if __name__ == "__main__":
    harness.main(__doc__.split("\n\n")[0], prepare, measure)
