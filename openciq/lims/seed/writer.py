"""Writing the history: raw bulk inserts in chunks, one audit event per chunk, then the reports."""

import datetime as dt
import hashlib
import time
from collections import Counter as Tally
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from openciq.core import audit
from openciq.core.bulk import bulk_session
from openciq.core.models import AuditEvent, Counter
from openciq.core.numbering import advance_to, next_value
from openciq.lims.models import (
    Analysis,
    CustodyEvent,
    Report,
    Sample,
    Verification,
    Worksheet,
)
from openciq.lims.seed.history import CHUNK, REPORTS, Chunk, Generator, World
from openciq.lims.seed.people import ensure_staff
from openciq.masterdata.selectors import calendar_exceptions

COLUMNS = {
    "lims_sample": [
        "id", "created_at", "updated_at", "number", "laboratory_id", "parent_id", "retest_of_id",
        "sample_request_id", "client_id", "client_name", "description", "product_id", "hs_code",
        "destination_id", "tests_requested", "priority", "quantity", "date_sampled", "condition",
        "storage_location", "status", "status_changed_at", "received_at", "due_date", "verified_at",
        "published_at", "outcome", "reason", "disposed_at", "registered_by_id",
    ],
    "lims_worksheet": [
        "id", "created_at", "updated_at", "number", "laboratory_id", "method_id", "instrument_id", "analyst_id",
        "status", "qc_status", "qc_summary", "created_by_id",
    ],
    "lims_analysis": [
        "id", "created_at", "updated_at", "kind", "sample_id", "laboratory_id", "service_id", "worksheet_id",
        "reference_material_id", "duplicate_of_id", "retest_of_id", "analyst_id", "instrument_id", "status",
        "due_date", "result", "value", "censored", "unit", "uncertainty", "spec_low", "spec_high",
        "specification_id", "decision_rule", "outcome", "qc_flags", "submitted_by_id", "submitted_at",
        "verifications_required", "verified_at", "turnaround_days", "reason",
    ],
    "lims_verification": ["id", "created_at", "updated_at", "analysis_id", "verifier_id", "at"],
    "lims_custodyevent": ["id", "created_at", "updated_at", "sample_id", "kind", "holder_id", "location", "note", "at"],
}  # fmt: skip
MODELS = {"lims_sample": Sample, "lims_worksheet": Worksheet, "lims_analysis": Analysis,
          "lims_verification": Verification, "lims_custodyevent": CustodyEvent}  # fmt: skip


def check_columns() -> None:
    """The bulk path writes columns by name: refuse to run against models that have changed."""
    for table, model in MODELS.items():
        actual = [f.column for f in model._meta.concrete_fields]
        if sorted(actual) != sorted(COLUMNS[table]):
            raise RuntimeError(f"{table} has columns {actual}; the LIMS bulk seed writes {COLUMNS[table]}")


class Writer:
    """Turns a chunk's objects into rows (ids from the tables' maxima, numbers from the counters)
    and inserts them in one transaction: SQLite ``executemany``, PostgreSQL ``COPY``."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.postgres = connection.vendor == "postgresql"
        self.suffix = "+00" if self.postgres else ""

    def ts(self, seconds: int | None) -> str | None:
        return (
            None
            if seconds is None
            else time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds)) + self.suffix
        )

    def write(self, chunk: Chunk) -> dict[str, Any]:
        with audit.scope(), transaction.atomic(), connection.cursor() as cursor:
            if self.postgres:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
                cursor.execute(f"LOCK TABLE {', '.join(COLUMNS)} IN SHARE ROW EXCLUSIVE MODE")
            base = {}
            for table in COLUMNS:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
                base[table] = cursor.fetchone()[0]
            self.number(chunk)
            rows = {
                "lims_sample": [self.sample_row(s, base) for s in chunk.samples],
                "lims_worksheet": [self.worksheet_row(w, base) for w in chunk.worksheets],
                "lims_analysis": [self.analysis_row(a, base) for a in chunk.analyses],
                "lims_verification": [
                    (base["lims_verification"] + n, self.ts(at), self.ts(at), base["lims_analysis"] + a.n, who, self.ts(at))
                    for n, (a, who, at) in enumerate(chunk.verifications)
                ],
                "lims_custodyevent": [
                    (base["lims_custodyevent"] + n, self.ts(at), self.ts(at), base["lims_sample"] + s.n, kind, holder,
                     location, note[:300], self.ts(at))
                    for n, (s, kind, holder, location, note, at) in enumerate(chunk.custody)
                ],
            }  # fmt: skip
            for table, columns in COLUMNS.items():
                self.insert(cursor, table, columns, rows[table], base[table])
            summary = self.summary(chunk, rows)
            audit.record(actor=self.actor, action="lims.history_seeded", changes=summary)
        return summary

    def insert(
        self, cursor: Any, table: str, columns: list[str], rows: list[tuple[Any, ...]], first: int
    ) -> None:
        if self.postgres:
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, first + len(rows)])
        else:
            marks = ", ".join("?" * len(columns))
            connection.connection.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
            )

    def number(self, chunk: Chunk) -> None:
        """Numbers as the services give them (S<year><6 digits>, W<year><5 digits>, a retest its
        original's number and -R1), the counters moved on."""
        years: dict[str, list[Any]] = {}
        for s in chunk.samples:
            if s.retest_of is None:
                years.setdefault(f"lims-sample:{Generator.local_date(s.registered).year}", []).append(s)
        for w in chunk.worksheets:
            years.setdefault(f"lims-worksheet:{Generator.local_date(w.created).year}", []).append(w)
        counters = Counter.objects.filter(name__in=list(years))
        last = dict(
            (counters.select_for_update() if self.postgres else counters).values_list("name", "value")
        )
        for name, objs in years.items():
            value = last.get(name, 0)
            prefix, width = ("S", 6) if name.startswith("lims-sample") else ("W", 5)
            year = name.rsplit(":", 1)[1]
            for obj in sorted(objs, key=lambda o: (o.registered if prefix == "S" else o.created, o.n)):
                value += 1
                obj.number = f"{prefix}{year}{value:0{width}d}"
            advance_to(name, value)
        for s in chunk.samples:
            if s.retest_of is not None:
                s.number = f"{s.retest_of.number}-R1"[:24]

    def sample_row(self, s: Any, base: dict[str, int]) -> tuple[Any, ...]:
        ts = self.ts
        retest = base["lims_sample"] + s.retest_of.n if s.retest_of is not None else None
        return (
            base["lims_sample"] + s.n, ts(s.registered), ts(s.status_changed), s.number, s.lab_id, None, retest, None,
            s.client_id, s.client_name, s.description, s.product_id, s.hs, s.dest_id, s.tests, s.priority,
            s.quantity, s.date_sampled.isoformat(), s.condition, s.storage, s.status, ts(s.status_changed),
            ts(s.received) if s.status != "registered" and s.status != "cancelled" else None,
            s.due.isoformat() if s.due else None, ts(s.verified_at), ts(s.published_at), s.outcome, s.reason,
            ts(s.disposed_at), s.registered_by,
        )  # fmt: skip

    def worksheet_row(self, w: Any, base: dict[str, int]) -> tuple[Any, ...]:
        return (
            base["lims_worksheet"] + w.n, self.ts(w.created), self.ts(w.updated), w.number, w.lab_id, w.method_id,
            w.instrument, w.analyst, w.status, w.qc_status, w.qc_summary[:2000], w.created_by,
        )  # fmt: skip

    def analysis_row(self, a: Any, base: dict[str, int]) -> tuple[Any, ...]:
        ts, svc, spec = self.ts, a.svc, a.spec
        entered = a.submitted_at is not None
        text, value, censored, unc = a.result if entered and a.result else ("", None, False, None)
        routine = a.kind == "routine"
        spec = spec if entered and routine else None
        ref = base["lims_analysis"]
        return (
            ref + a.n, ts(a.created), ts(a.updated), a.kind, base["lims_sample"] + a.sample.n if a.sample else None,
            a.sample.lab_id if a.sample else a.ws.lab_id, svc.id, base["lims_worksheet"] + a.ws.n if a.ws else None,
            a.rm_id, ref + a.dup_of.n if a.dup_of else None, ref + a.retest_of.n if a.retest_of else None,
            a.analyst, a.instrument, a.status, a.due.isoformat() if a.due else None, text, value, censored,
            svc.unit if entered else "", unc, spec.low if spec else None, spec.high if spec else None,
            spec.id if spec else None, spec.rule if spec else "", a.outcome if entered and routine else "",
            a.flags if entered else "[]", a.submitted_by, ts(a.submitted_at), svc.verifications if routine else 1,
            ts(a.verified_at), a.turnaround, a.reason,
        )  # fmt: skip

    @staticmethod
    def summary(chunk: Chunk, rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, Any]:
        routine = sum(1 for a in chunk.analyses if a.kind == "routine")
        numbers = sorted(s.number for s in chunk.samples if s.retest_of is None)
        return {
            "samples": len(chunk.samples),
            "analyses": routine,
            "qc_analyses": len(chunk.analyses) - routine,
            "worksheets": len(chunk.worksheets),
            "verifications": len(rows["lims_verification"]),
            "custody_events": len(rows["lims_custodyevent"]),
            "numbers": f"{numbers[0]}…{numbers[-1]}" if numbers else "",
            "period": f"{chunk.first_day}/{chunk.last_day}",
        }


def seeded_samples() -> int:
    """Samples the bulk path has made so far, from its audit events."""
    events = AuditEvent.objects.filter(action="lims.history_seeded").values_list("changes", flat=True)
    return sum(int(changes.get("samples", 0)) for changes in events)


def seed_history(
    *,
    count: int,
    months: int,
    rng: Any,
    actor: Any,
    chunk_size: int = CHUNK,
    progress: Callable[[str], None] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Make ``count`` sample batches registered over the ``months`` up to ``now`` (default: the
    current time), less those made already. Returns what was made (empty: nothing to do)."""
    wanted = count - seeded_samples()
    if wanted <= 0:
        return {}
    check_columns()
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = today - dt.timedelta(days=round(months * 30.44))
    world = World(ensure_staff(bureau=True))
    exceptions = calendar_exceptions(first - dt.timedelta(days=10), today + dt.timedelta(days=120))
    generator = Generator(world, rng, now, exceptions)
    writer = Writer(actor)
    started, made = time.monotonic(), Tally[str]()
    with bulk_session():
        for chunk in generator.chunks(generator.plan(wanted, first, today), chunk_size):
            summary = writer.write(chunk)
            made.update({k: v for k, v in summary.items() if isinstance(v, int)})
            made["chunks"] += 1
            if progress:
                seconds = time.monotonic() - started
                progress(
                    f"  samples {made['samples']:,}/{wanted:,} · {made['analyses']:,} analyses · "
                    f"{made['worksheets']:,} worksheets · {seconds:,.0f} s"
                )
    # Fresh planner statistics: without them SQLite scans half a million analyses for the
    # verification worklist. PostgreSQL's VACUUM also sets the visibility map (index-only scans);
    # it cannot run inside a transaction, where ANALYZE has to do.
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        for table in COLUMNS:
            cursor.execute(f"{'VACUUM ANALYZE' if vacuum else 'ANALYZE'} {table}")
    return {**made, "period": f"{first}/{today}", "stats": dict(generator.stats)}


def seed_reports(*, actor: Any, count: int = REPORTS, batch: int = 50) -> int:
    """Report rows with their rendered PDF for the latest ``count`` published samples (less
    those this step made before): one transaction and one ``lims.reports_seeded`` audit event a
    batch. Older samples of the history have no report row."""
    from django.core.files.base import ContentFile

    from openciq.lims import coa
    from openciq.lims.reports import report_analyses

    done = sum(
        int(c.get("reports", 0))
        for c in AuditEvent.objects.filter(action="lims.reports_seeded").values_list("changes", flat=True)
    )
    wanted = count - done
    if wanted <= 0:
        return 0
    heads = {lab: s.head for lab, s in ensure_staff(bureau=True).items()}
    samples = list(
        Sample.objects.filter(status="published", parent__isnull=True, reports__isnull=True)
        .select_related("laboratory", "client", "product", "destination")
        .order_by("-published_at", "-id")[:wanted]
    )[::-1]
    made = 0
    for start in range(0, len(samples), batch):
        with audit.scope(), transaction.atomic():
            numbers = []
            for sample in samples[start : start + batch]:
                head, published = heads[sample.laboratory_id], sample.published_at
                year = timezone.localdate(published).year
                number = f"R{year}{next_value(f'lims-report:{year}'):06d}"
                pdf = coa.render(
                    sample, report_analyses(sample), number=number, published_by=head, published_at=published
                )
                report = Report(
                    number=number, sample=sample, outcome=sample.outcome or "conform", published_by=head,
                    published_at=published, sha256=hashlib.sha256(pdf).hexdigest(),
                )  # fmt: skip
                report.pdf.save(f"{number}.pdf", ContentFile(pdf), save=False)
                report.save()
                numbers.append(number)
            audit.record(
                actor=actor,
                action="lims.reports_seeded",
                changes={
                    "reports": len(numbers),
                    "numbers": f"{numbers[0]}…{numbers[-1]}" if numbers else "",
                },
            )
            made += len(numbers)
    return made
