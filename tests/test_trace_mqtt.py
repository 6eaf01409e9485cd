"""The MQTT ingest: folding across messages and the acknowledgement ledger (no broker), then the
real thing against the Mosquitto broker at 127.0.0.1:1883, including a broker restart in the middle
of a burst (nothing lost, nothing captured twice)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openciq.trace import devices, mqtt
from openciq.trace.choices import CaptureSource
from openciq.trace.folding import Observation
from openciq.trace.models import CaptureJob, Event

GATE = "urn:epc:id:sgln:6901234.00001.0"
GATE_DL = "https://id.gs1.org/414/6901234000016"
T0 = dt.datetime(2026, 11, 27, 0, 0, tzinfo=dt.UTC)
WINDOW = 2.0


def pig(n: int) -> str:
    return f"https://id.openciq.org/iso11784/156{n:012d}"


def message(*reads: tuple[str, float], read_point: str = GATE) -> devices.DeviceMessage:
    """A checked message with reads (tag, seconds after T0)."""
    body = {
        "readPoint": read_point,
        "bizStep": "loading",
        "reads": [
            {"epc": tag, "time": devices.format_time(T0 + dt.timedelta(seconds=s))} for tag, s in reads
        ],
    }
    return devices.parse_payload("openciq/v1/site/gate/reads", json.dumps(body).encode())


def delivery(mid: int, identity: bytes | None = None) -> mqtt.Delivery:
    return mqtt.Delivery(mid=mid, qos=1, generation=1, identity=identity or mid.to_bytes(4, "big"))


def summary(ready: list[mqtt.Ready]) -> list[tuple[str, int, float, float]]:
    return [
        (
            r.observation.epc,
            r.observation.reads,
            (r.observation.first - T0).total_seconds(),
            (r.observation.last - T0).total_seconds(),
        )
        for r in ready
    ]


# --- folding and acknowledgements (no broker) ----------------------------------------------------


def test_reads_of_one_tag_in_twenty_messages_fold_into_one_observation() -> None:
    tracker = mqtt.ReadTracker(WINDOW)
    for n in range(20):
        tracker.receive(delivery(n + 1), message((pig(1), n * 0.05)), now=100 + n * 0.05)
    assert tracker.due(now=101.9, limit=100) == []
    ready = tracker.due(now=102.0, limit=100)
    assert summary(ready) == [(pig(1), 20, 0.0, 0.95)]
    assert (tracker.stats.reads, tracker.stats.folded) == (20, 19)


def test_a_message_is_acknowledged_only_after_its_reads_are_stored() -> None:
    tracker = mqtt.ReadTracker(WINDOW)
    tracker.receive(delivery(1), message((pig(1), 0), (pig(2), 0)), now=100)
    ready = tracker.due(now=102, limit=100)
    assert len(ready) == 2
    assert tracker.ackable() == []  # due, not yet stored
    tracker.stored(ready[:1])
    assert tracker.ackable() == []  # one of its two tags still waiting
    tracker.stored(ready[1:])
    assert [d.mid for d in tracker.ackable()] == [1]


def test_acknowledgements_keep_the_order_of_the_messages() -> None:
    tracker = mqtt.ReadTracker(WINDOW)
    tracker.receive(delivery(1), message((pig(1), 0)), now=100)
    tracker.receive(delivery(2), None, now=100.5)  # malformed: done at once, but behind message 1
    tracker.receive(delivery(3), message(), now=100.6)  # no reads
    assert tracker.ackable() == []
    tracker.stored(tracker.due(now=102, limit=100))
    assert [d.mid for d in tracker.ackable()] == [1, 2, 3]
    assert tracker.stats.malformed == 1


def test_reads_after_the_event_was_stored_fold_into_it_and_are_acknowledged_at_once() -> None:
    tracker = mqtt.ReadTracker(WINDOW)
    tracker.receive(delivery(1), message((pig(1), 0)), now=100)
    tracker.stored(tracker.due(now=102, limit=100))
    tracker.receive(
        delivery(2), message((pig(1), 1.9), (pig(1), 3.5)), now=102.1
    )  # the tag stays in the field
    assert [d.mid for d in tracker.ackable()] == [1, 2]
    assert tracker.due(now=200, limit=100) == []
    assert tracker.stats.folded_after_store == 2


def test_a_read_a_whole_window_after_the_last_is_a_new_pass() -> None:
    tracker = mqtt.ReadTracker(WINDOW)
    tracker.receive(delivery(1), message((pig(1), 0), (pig(1), 1), (pig(1), 3.5)), now=100)
    assert summary(tracker.due(now=100, limit=100)) == [(pig(1), 2, 0.0, 1.0)]  # closed by the new pass
    assert summary(tracker.due(now=102, limit=100)) == [(pig(1), 1, 3.5, 3.5)]


def test_the_same_tag_at_two_read_points_is_two_observations() -> None:
    tracker = mqtt.ReadTracker(WINDOW)
    tracker.receive(delivery(1), message((pig(1), 0)), now=100)
    tracker.receive(
        delivery(2), message((pig(1), 0.5), read_point="urn:epc:id:sgln:6901234.00002.0"), now=100
    )
    ready = tracker.due(now=102, limit=100)
    assert [r.observation.read_point for r in ready] == [GATE_DL, "https://id.gs1.org/414/6901234000023"]


def test_a_message_delivered_again_while_folding_is_not_counted_twice() -> None:
    tracker = mqtt.ReadTracker(WINDOW)
    tracker.receive(delivery(1, b"same"), message((pig(1), 0), (pig(1), 0.2)), now=100)
    tracker.receive(
        delivery(1, b"same"), message((pig(1), 0), (pig(1), 0.2)), now=100.5
    )  # DUP after a reconnect
    ready = tracker.due(now=102, limit=100)
    assert summary(ready) == [(pig(1), 2, 0.0, 0.2)]
    assert tracker.ackable() == []
    tracker.stored(ready)
    assert len(tracker.ackable()) == 2
    assert tracker.stats.redelivered == 1


def test_a_message_delivered_again_after_it_was_stored_adds_nothing() -> None:
    tracker = mqtt.ReadTracker(WINDOW)
    tracker.receive(delivery(1, b"same"), message((pig(1), 0), (pig(1), 0.2)), now=100)
    tracker.stored(tracker.due(now=102, limit=100))
    tracker.receive(delivery(1, b"same"), message((pig(1), 0), (pig(1), 0.2)), now=130)  # its PUBACK was lost
    assert tracker.due(now=200, limit=100) == []
    assert len(tracker.ackable()) == 2


def test_passes_stored_by_an_earlier_run_take_the_reads_that_continue_them() -> None:
    tracker = mqtt.ReadTracker(WINDOW)
    tracker.remember([Observation(GATE_DL, pig(1), T0, T0 + dt.timedelta(seconds=1), 5)], now=100)
    tracker.receive(delivery(1), message((pig(1), 0.5), (pig(2), 0.5)), now=100)
    assert summary(tracker.due(now=102, limit=100)) == [(pig(2), 1, 0.5, 0.5)]


def test_due_hands_over_at_most_the_limit_and_drain_the_rest() -> None:
    tracker = mqtt.ReadTracker(WINDOW)
    tracker.receive(delivery(1), message(*[(pig(n), 0) for n in range(5)]), now=100)
    assert len(tracker.due(now=102, limit=2)) == 2
    assert len(tracker.drain(now=102)) == 3
    assert tracker.open_passes == 0


def test_drain_stores_passes_before_their_window_ends() -> None:
    tracker = mqtt.ReadTracker(WINDOW)
    tracker.receive(delivery(1), message((pig(1), 0)), now=100)
    assert summary(tracker.drain(now=100.1)) == [(pig(1), 1, 0.0, 0.0)]


def test_stored_passes_are_forgotten_after_the_retention() -> None:
    tracker = mqtt.ReadTracker(WINDOW)
    tracker.receive(delivery(1), message((pig(1), 0)), now=100)
    tracker.stored(tracker.due(now=102, limit=100))
    tracker.forget(now=102 + mqtt.RETENTION + 1)
    tracker.receive(delivery(2), message((pig(1), 1)), now=102 + mqtt.RETENTION + 2)
    assert summary(tracker.due(now=1e9, limit=100)) == [(pig(1), 1, 1.0, 1.0)]


def test_the_window_must_be_positive() -> None:
    with pytest.raises(ValueError):
        mqtt.ReadTracker(0)


def test_the_broker_url_gives_host_port_tls_and_credentials() -> None:
    assert mqtt.broker_address("mqtt://127.0.0.1") == ("127.0.0.1", 1883, False, None, None)
    assert mqtt.broker_address("mqtts://ingest:s%40cret@broker.example:8884") == (
        "broker.example",
        8884,
        True,
        "ingest",
        "s@cret",
    )
    with pytest.raises(ValueError, match="MQTT_URL"):
        mqtt.broker_address("http://broker")


# --- against the real broker ----------------------------------------------------------------------

BROKER = ("127.0.0.1", 1883)
PID_FILE = Path("/run/mosquitto/mosquitto.pid")
BROKER_COMMAND = ["mosquitto", "-d", "-c", "/etc/mosquitto/mosquitto.conf"]


def broker_up() -> bool:
    with contextlib.suppress(OSError), socket.create_connection(BROKER, timeout=1):
        return True
    return False


needs_broker = pytest.mark.skipif(not broker_up(), reason="no MQTT broker at 127.0.0.1:1883 (mosquitto)")


def client(client_id: str, *, clean: bool = False, on_message: Any = None, **kwargs: Any) -> Any:
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    c = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5, **kwargs)
    c.on_message = on_message  # before connecting: a resumed session delivers at once
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 0 if clean else 600
    connected = threading.Event()
    c.on_connect = lambda *args: connected.set()
    c.connect(*BROKER, clean_start=clean, properties=properties)
    c.loop_start()
    assert connected.wait(10), f"{client_id} could not connect"
    return c


def close(c: Any) -> None:
    c.disconnect()
    c.loop_stop()


def open_session(client_id: str, topic: str) -> None:
    """What the ingest's first run leaves behind: a session subscribed at QoS 1."""
    c = client(client_id)
    done = threading.Event()
    c.on_subscribe = lambda *args: done.set()
    c.subscribe(topic, qos=1)
    assert done.wait(10)
    close(c)


def end_sessions(*client_ids: str) -> None:
    """Discard the broker's persistent sessions of this test (clean start, no expiry)."""
    for client_id in client_ids:
        with contextlib.suppress(Exception):
            close(client(client_id, clean=True))


class Run:
    """Unique topic and client ids per test run: leftover sessions of earlier runs cannot interfere."""

    def __init__(self) -> None:
        token = uuid.uuid4().hex[:10]
        self.site = f"test-{token}"
        self.topic = f"openciq/v1/{self.site}/gate-1/reads"
        self.ingest_id = f"openciq-test-ingest-{token}"
        self.publisher_id = f"openciq-test-pub-{token}"

    def options(self, **given: Any) -> mqtt.IngestOptions:
        defaults: dict[str, Any] = {
            "url": "mqtt://127.0.0.1:1883",
            "client_id": self.ingest_id,
            "topics": (f"openciq/v1/{self.site}/+/reads",),
            "window": 0.3,
            "batch_ms": 50,
            "idle_exit": 3.0,
            "stats_interval": 1.0,
        }
        return mqtt.IngestOptions(**{**defaults, **given})


@pytest.fixture
def run() -> Iterator[Run]:
    this = Run()
    open_session(this.ingest_id, f"openciq/v1/{this.site}/+/reads")
    yield this
    end_sessions(this.ingest_id, this.publisher_id)


def publish(topic: str, payloads: list[Any], client_id: str) -> None:
    """Publish at QoS 1 and wait until the broker has every message."""
    c = client(client_id)
    infos = [c.publish(topic, p if isinstance(p, bytes) else json.dumps(p), qos=1) for p in payloads]
    for info in infos:
        info.wait_for_publish(10)
    close(c)


def reads_payload(reads: list[tuple[str, str]], **fields: Any) -> dict[str, Any]:
    return {
        "readPoint": GATE,
        "bizStep": "loading",
        "reads": [{"epc": e, "time": t} for e, t in reads],
        **fields,
    }


def stored() -> list[dict[str, Any]]:
    return [
        json.loads(d) for d in Event.objects.order_by("event_time", "id").values_list("document", flat=True)
    ]


@needs_broker
@pytest.mark.django_db(transaction=True)
def test_published_reads_are_stored_as_events(run: Run, clean_audit_log: None) -> None:
    payloads = [
        reads_payload(
            [(pig(1), "2026-11-27T08:00:00.000+08:00"), (pig(2), "2026-11-27T08:00:00.100+08:00")], seq=1
        ),
        reads_payload([(pig(3), "2026-11-27T08:00:01.000+08:00")], seq=2, disposition="in_transit"),
    ]
    publish(run.topic, payloads, run.publisher_id)
    stats = mqtt.run(run.options())
    assert [
        (e["epcList"], e["ociq:readCount"], e["ociq:device"], e.get("disposition")) for e in stored()
    ] == [
        ([pig(1)], 1, f"{run.site}/gate-1", None),
        ([pig(2)], 1, f"{run.site}/gate-1", None),
        ([pig(3)], 1, f"{run.site}/gate-1", "in_transit"),
    ]
    assert set(CaptureJob.objects.values_list("source", flat=True)) == {CaptureSource.MQTT}
    assert (stats.messages, stats.reads, stats.stored, stats.acks) == (2, 3, 3, 2)


@needs_broker
@pytest.mark.django_db(transaction=True)
def test_twenty_reads_of_a_tag_in_one_second_are_one_event_with_read_count_twenty(
    run: Run, clean_audit_log: None
) -> None:
    payloads = [reads_payload([(pig(7), f"2026-11-27T08:00:00.{n * 50:03d}+08:00")]) for n in range(20)]
    publish(run.topic, payloads, run.publisher_id)
    stats = mqtt.run(run.options(window=WINDOW))
    assert [
        (e["epcList"], e["eventTime"], e["ociq:readCount"], e["ociq:lastReadTime"]) for e in stored()
    ] == [([pig(7)], "2026-11-27T00:00:00.000Z", 20, "2026-11-27T00:00:00.950Z")]
    assert (stats.messages, stats.folded, stats.acks) == (20, 19, 20)


def redelivered(client_id: str, wait: float = 1.5) -> int:
    """Messages the broker still holds for this session (not acknowledged)."""
    got: list[Any] = []
    c = client(client_id, manual_ack=True, on_message=lambda _c, _u, m: got.append(m))
    time.sleep(wait)
    close(c)
    return len(got)


@needs_broker
@pytest.mark.django_db(transaction=True)
def test_a_malformed_message_is_acknowledged_counted_and_stores_nothing(
    run: Run, clean_audit_log: None
) -> None:
    publish(
        run.topic,
        [b"{not json", {"readPoint": GATE, "reads": [{"epc": "E2801160", "time": "now"}]}],
        run.publisher_id,
    )
    stats = mqtt.run(run.options())
    assert (stats.messages, stats.malformed, stats.acks) == (2, 2, 2)
    assert (Event.objects.count(), CaptureJob.objects.count()) == (0, 0)
    assert redelivered(run.ingest_id) == 0


@needs_broker
@pytest.mark.django_db(transaction=True)
def test_messages_not_stored_when_the_ingest_stops_are_delivered_again(
    run: Run, clean_audit_log: None
) -> None:
    publish(run.topic, [reads_payload([(pig(1), "2026-11-27T08:00:00+08:00")])], run.publisher_id)
    stop = threading.Event()
    ingest = mqtt.Ingest(run.options(window=30.0, idle_exit=None), stop=stop)
    ingest.tracker.drain = lambda now: []  # type: ignore[method-assign]  # crash-like stop: nothing stored
    threading.Timer(1.5, stop.set).start()
    assert ingest.run().acks == 0
    assert redelivered(run.ingest_id) == 1
    assert mqtt.run(run.options()).stored == 1  # the next run gets it
    assert Event.objects.count() == 1


@needs_broker
@pytest.mark.django_db(transaction=True)
def test_the_ingest_command_runs_until_idle(
    run: Run, clean_audit_log: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from django.core.management import call_command

    publish(run.topic, [reads_payload([(pig(9), "2026-11-27T08:00:00+08:00")])], run.publisher_id)
    call_command(
        "ingest", "mqtt", "--client-id", run.ingest_id, "--topic", f"openciq/v1/{run.site}/+/reads",
        "--window", "0.3", "--batch-ms", "50", "--idle-exit", "2", "--stats-json",
    )  # fmt: skip
    counters = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (counters["messages"], counters["stored"], counters["acks"]) == (1, 1, 1)
    assert [e["epcList"] for e in stored()] == [[pig(9)]]


# --- the broker restarts in the middle of a burst -------------------------------------------------


def broker_pid() -> int:
    return int(PID_FILE.read_text().strip())


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def restart_broker() -> None:
    """SIGTERM (Mosquitto writes its persistence file), wait for the exit, start it again with the
    same command line, wait until it accepts connections."""
    pid = broker_pid()
    os.kill(pid, signal.SIGTERM)
    wait_until(lambda: process_gone(pid), 30, "the broker to exit")
    start_broker()


def start_broker() -> None:
    subprocess.run(BROKER_COMMAND, check=True, timeout=30)
    wait_until(broker_up, 30, "the broker to accept connections")


def ensure_broker() -> None:
    if not broker_up():
        with contextlib.suppress(Exception):
            if not process_gone(broker_pid()):
                wait_until(lambda: process_gone(broker_pid()), 30, "the old broker to exit")
        start_broker()


def may_restart_broker() -> str | None:
    """Why this process may not restart the broker (None: it may)."""
    try:
        os.kill(broker_pid(), 0)
    except (OSError, ValueError) as exc:
        return f"cannot signal the broker of {PID_FILE}: {exc}"
    return None


def burst_message(tags: range) -> dict[str, Any]:
    """One read each of pigs ``tags`` (distinct), 10 ms apart from 08:00 on."""
    start = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    reads = [
        (pig(100_000 + n), (start + dt.timedelta(milliseconds=10 * n)).isoformat(timespec="milliseconds"))
        for n in tags
    ]
    return reads_payload(reads, seq=tags.start)


@needs_broker
@pytest.mark.django_db(transaction=True)
def test_a_broker_restart_in_a_burst_loses_nothing_and_duplicates_nothing(
    run: Run, clean_audit_log: None
) -> None:
    reason = may_restart_broker()
    if reason:
        pytest.skip(f"the broker restart test needs to signal Mosquitto: {reason}")
    tags, per_message = 3000, 10
    payloads = [burst_message(range(start, start + per_message)) for start in range(0, tags, per_message)]
    ingest_stats: list[mqtt.IngestStats] = []
    worker = threading.Thread(target=lambda: ingest_stats.append(mqtt.run(run.options(idle_exit=6.0))))
    acked: set[int] = set()
    try:
        worker.start()
        publisher = client(run.publisher_id)
        publisher.on_publish = lambda _c, _u, mid, _rc, _p: acked.add(mid)
        mids = []
        for n, body in enumerate(payloads):
            mids.append(publisher.publish(run.topic, json.dumps(body), qos=1).mid)
            if n == len(payloads) // 2:
                restart_broker()
            time.sleep(0.002)
        wait_until(lambda: acked >= set(mids), 60, "the broker to take every message")
        close(publisher)
        worker.join(120)
        assert not worker.is_alive(), "the ingest did not finish"
    finally:
        ensure_broker()
    epcs = [e["epcList"][0] for e in stored()]
    assert (len(epcs), len(set(epcs))) == (tags, tags)
    assert ingest_stats[0].connections >= 2  # it did reconnect
