"""Two captures of the same events at the same moment: each event is stored once, whichever capture
wins, and the loser counts the rest as duplicates instead of failing.

The duplicate check runs before the write; between the two, another capture can store the same
events. PostgreSQL then holds the second writer at the unique index until the first commits: a
few events go through ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` (the losers are left out),
a bulk goes through ``COPY``, fails as a whole, and is stored again one by one. SQLite cannot
race: ``BEGIN IMMEDIATE`` queues the second writer before it checks.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, connections

from openciq.accounts.services import system_actor
from openciq.trace import capture
from openciq.trace import services as trace_services
from openciq.trace.choices import CaptureSource, ErrorBehaviour
from openciq.trace.models import CaptureJob, Event, EventEpc

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent captures race on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def reads(count: int, first: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "type": "ObjectEvent",
            "eventTime": (START + dt.timedelta(seconds=n)).isoformat().replace("+00:00", "Z"),
            "eventTimeZoneOffset": "+08:00",
            "epcList": [f"urn:epc:id:sgtin:9521234.012345.{n}"],
            "action": "OBSERVE",
            "bizStep": "shipping",
            "readPoint": {"id": "urn:epc:id:sgln:9521234.12345.0"},
        }
        for n in range(first, first + count)
    ]


def race(*documents: list[dict[str, Any]]) -> list[Any]:
    """One capture per document, all at the same moment, each on its own connection; returns
    their capture jobs (or errors)."""
    actor = system_actor()
    barrier = threading.Barrier(len(documents))
    results: list[Any] = [None] * len(documents)

    def send(index: int) -> None:
        try:
            barrier.wait()
            results[index] = trace_services.capture_events(
                actor=actor,
                events=documents[index],
                error_behaviour=ErrorBehaviour.ROLLBACK,
                source=CaptureSource.MQTT,
            )
        except Exception as exc:  # collected for the assertions
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(documents))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.fixture
def slow_commit() -> Any:
    """A capture listener that keeps the writer's transaction open for a moment after its rows
    are written, so that concurrent captures check and write before it commits."""
    pause = threading.Event()

    def linger(rows: Any) -> None:
        pause.wait(0.5)

    capture.register_listener(linger)
    yield
    capture._listeners.remove(linger)


@pytest.mark.parametrize(
    "count",
    [
        pytest.param(5, id="few events (INSERT ... ON CONFLICT RETURNING)"),
        pytest.param(capture._COPY_FROM + 50, id="a bulk (COPY, then one by one)"),
    ],
)
def test_concurrent_captures_store_each_event_once(slow_commit: None, count: int) -> None:
    events = reads(count)
    results = race(events, events, events)
    assert all(isinstance(r, CaptureJob) for r in results), results
    assert [job.errors for job in results] == [[], [], []]
    assert Event.objects.count() == count
    assert EventEpc.objects.count() == count
    stored = sorted(job.stored_count for job in results)
    duplicates = sorted(job.duplicate_count for job in results)
    # Together the captures stored every event exactly once and counted every other copy.
    assert sum(stored) == count and sum(duplicates) == 2 * count, (stored, duplicates)
    assert all(job.status == "succeeded" for job in results)
    # Each stored event belongs to the capture job that says it stored it.
    jobs = {job.pk: job.stored_count for job in results}
    for job_id, stored_count in jobs.items():
        assert Event.objects.filter(capture_job_id=job_id).count() == stored_count


def test_a_capture_racing_on_some_events_stores_its_other_events(slow_commit: None) -> None:
    """Two bulk captures overlapping on half their events: the overlap is stored once, and
    neither capture loses its own events."""
    size = capture._COPY_FROM + 20
    results = race(reads(size, first=1), reads(size, first=1 + size // 2))
    assert all(isinstance(r, CaptureJob) for r in results), results
    assert [job.errors for job in results] == [[], []]
    overlap = size - size // 2
    assert Event.objects.count() == 2 * size - overlap
    assert sum(job.duplicate_count for job in results) == overlap
    assert sum(job.stored_count for job in results) == 2 * size - overlap
