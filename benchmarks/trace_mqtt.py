"""Device reads through MQTT into the EPCIS repository, end to end: ``--reads`` tag reads (100,000
by default) published at QoS 1 by ``--publishers`` processes (one per gate, each as fast as the
broker takes its messages), ingested by ``openciq ingest mqtt`` (a separate process: parse, fold,
capture through ``trace.services.capture_events``, acknowledge) into a throwaway SQLite database,
``var/bench/trace_mqtt.sqlite3``, made afresh and migrated by each invocation. Every tag is read
``--reads-per-tag`` times within the folding window, so the repository must end with exactly one
event per tag pass: the benchmark checks it (nothing lost, nothing duplicated).

Baseline, measured in the same run: the same messages through the same broker to a subscriber
that does nothing but acknowledge (what the broker and a Python MQTT client take). Figures are
medians of ``--runs`` runs; each run uses new tags, topics and client ids. The broker is a
Mosquitto started for the benchmark on a free port (no persistence, no queue limit), or the one
given with ``--broker mqtt://host:port``. Nothing is asserted; figures go to
``var/bench/trace_mqtt-sqlite.json``, the ingest's log to ``var/bench/trace_mqtt-ingest.log``.

    openciq bench trace_mqtt [--reads 100000] [--publishers 4] [--reads-per-message 20]
                             [--reads-per-tag 5] [--window 2.0] [--runs 3] [--broker URL]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import _harness as harness

NAME = "trace_mqtt"
DATABASE = harness.BENCH_DIR / f"{NAME}.sqlite3"
INGEST_LOG = harness.BENCH_DIR / f"{NAME}-ingest.log"
START = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reads", type=int, default=100_000, help="tag reads per run (default 100,000)")
    parser.add_argument(
        "--publishers", type=int, default=4, help="publishing processes, one gate each (default 4)"
    )
    parser.add_argument(
        "--reads-per-message", type=int, default=20, help="reads in one MQTT message (default 20)"
    )
    parser.add_argument(
        "--reads-per-tag", type=int, default=5, help="reads of each tag in one pass (default 5)"
    )
    parser.add_argument(
        "--window", type=float, default=2.0, help="folding window of the ingest, s (default 2.0)"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs; medians are reported (default 3)")
    parser.add_argument("--broker", help="use this broker (mqtt://host:port) instead of starting one")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


# --- the data -------------------------------------------------------------------------------------


def gate_messages(args: argparse.Namespace, run: int, gate: int) -> list[bytes]:
    """The payloads of one gate: its tags pass one after another (0.2 s apart), each read
    ``reads_per_tag`` times 50 ms apart; ``reads_per_message`` consecutive reads per message."""
    tags = args.reads // args.publishers // args.reads_per_tag
    reads = [
        {
            "epc": f"https://id.openciq.org/iso11784/156{run:02d}{gate:02d}{tag:08d}",
            "time": (START + dt.timedelta(seconds=0.2 * tag + 0.05 * n)).isoformat(timespec="milliseconds"),
            "antenna": 1 + n % 4,
        }
        for tag in range(tags)
        for n in range(args.reads_per_tag)
    ]
    return [
        json.dumps(
            {
                "readPoint": f"urn:epc:id:sgln:6901234.{gate + 1:05d}.0",
                "bizStep": "loading",
                "disposition": "in_transit",
                "reads": reads[start : start + args.reads_per_message],
                "seq": start // args.reads_per_message,
            }
        ).encode()
        for start in range(0, len(reads), args.reads_per_message)
    ]


# --- MQTT clients (child processes; no Django) ------------------------------------------------------


def _client(url: str, client_id: str, *, clean: bool, inflight: int = 20, **kwargs: Any) -> Any:
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    host, port = _host_port(url)
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5, **kwargs)
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 0 if clean else 3600
    properties.ReceiveMaximum = 65535
    client.max_inflight_messages_set(inflight)
    client.connect(host, port, clean_start=clean, properties=properties)
    return client


def _host_port(url: str) -> tuple[str, int]:
    rest = url.split("://", 1)[1]
    host, _, port = rest.partition(":")
    return host, int(port or 1883)


def publisher(url: str, topic: str, payloads: list[bytes], ready: Any, go: Any, results: Any) -> None:
    """Publish at QoS 1 as fast as the broker acknowledges; report first publish and last PUBACK."""
    import threading

    done = threading.Event()
    acked = [0]

    def on_publish(*_: Any) -> None:
        acked[0] += 1
        if acked[0] == len(payloads):
            done.set()

    client = _client(url, f"bench-pub-{uuid.uuid4().hex[:12]}", clean=True, inflight=100)
    client.on_publish = on_publish
    client.loop_start()
    ready.release()
    go.wait()
    began = time.monotonic()
    for payload in payloads:
        client.publish(topic, payload, qos=1)
    done.wait(600)
    results.put(("published", began, time.monotonic(), acked[0]))
    client.disconnect()
    client.loop_stop()


def acknowledger(url: str, topic: str, expected: int, ready: Any, results: Any) -> None:
    """The baseline subscriber: acknowledges every message, nothing else."""
    import threading

    done = threading.Event()
    seen = [0, 0.0]

    def on_message(*_: Any) -> None:
        seen[0] += 1
        if seen[0] == expected:
            seen[1] = time.monotonic()
            done.set()

    subscribed = threading.Event()
    client = _client(url, f"bench-sub-{uuid.uuid4().hex[:12]}", clean=True)
    client.on_message = on_message
    client.on_subscribe = lambda *_: subscribed.set()
    client.loop_start()
    client.subscribe(topic, qos=1)
    subscribed.wait(30)
    ready.release()
    done.wait(600)
    results.put(("received", seen[1], seen[0]))
    client.disconnect()
    client.loop_stop()


def open_session(url: str, client_id: str, topic: str) -> None:
    """Leave a persistent session subscribed at QoS 1, as the ingest's earlier runs would."""
    import threading

    subscribed = threading.Event()
    client = _client(url, client_id, clean=False)
    client.on_subscribe = lambda *_: subscribed.set()
    client.loop_start()
    client.subscribe(topic, qos=1)
    subscribed.wait(30)
    client.disconnect()
    client.loop_stop()


def end_session(url: str, client_id: str) -> None:
    with contextlib.suppress(Exception):
        client = _client(url, client_id, clean=True)
        client.loop_start()
        time.sleep(0.2)
        client.disconnect()
        client.loop_stop()


# --- one run --------------------------------------------------------------------------------------


class Publishers:
    """Publishing processes, started and connected before the clock starts."""

    def __init__(self, context: Any, url: str, site: str, gates: list[list[bytes]]) -> None:
        self.results = context.Queue()
        self.ready = context.Semaphore(0)
        self.go = context.Event()
        self.processes = [
            context.Process(
                target=publisher,
                args=(url, f"openciq/v1/{site}/gate-{n}/reads", payloads, self.ready, self.go, self.results),
            )
            for n, payloads in enumerate(gates)
        ]
        for process in self.processes:
            process.start()
        for _ in self.processes:
            if not self.ready.acquire(timeout=60):
                sys.exit("a publisher did not connect (see above)")

    def start(self) -> float:
        began = time.monotonic()
        self.go.set()
        return began

    def finish(self) -> tuple[float, int]:
        """When the broker had taken the last message, and how many it took."""
        outcomes = [self.results.get(timeout=900) for _ in self.processes]
        for process in self.processes:
            process.join(30)
        return max(o[2] for o in outcomes), sum(o[3] for o in outcomes)


def baseline(context: Any, url: str, gates: list[list[bytes]]) -> dict[str, Any]:
    site = f"bench-{uuid.uuid4().hex[:8]}-base"
    messages = sum(len(g) for g in gates)
    results = context.Queue()
    ready = context.Semaphore(0)
    subscriber = context.Process(
        target=acknowledger, args=(url, f"openciq/v1/{site}/+/reads", messages, ready, results)
    )
    subscriber.start()
    if not ready.acquire(timeout=60):
        sys.exit("the baseline subscriber did not subscribe (see above)")
    publishers = Publishers(context, url, site, gates)
    began = publishers.start()
    published, taken = publishers.finish()
    _, received_at, received = results.get(timeout=900)
    subscriber.join(30)
    return {
        "seconds": received_at - began,
        "publish_seconds": published - began,
        "messages": received,
        "taken": taken,
    }


def ingest(
    context: Any, url: str, args: argparse.Namespace, gates: list[list[bytes]], expected: int
) -> dict[str, Any]:
    from django.db import connection

    token = uuid.uuid4().hex[:8]
    site, client_id = f"bench-{token}", f"openciq-bench-{token}"
    open_session(url, client_id, f"openciq/v1/{site}/+/reads")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM trace_event")
        (before,) = cursor.fetchone()
    command = [
        sys.executable, str(harness.PROJECT_DIR / "manage.py"), "ingest", "mqtt", "--url", url, "--client-id", client_id,
        "--topic", f"openciq/v1/{site}/+/reads", "--window", str(args.window), "--stats-json", "--stats-interval", "5",
    ]  # fmt: skip
    log = INGEST_LOG.open("a", encoding="utf-8")
    offset = log.tell()
    process = subprocess.Popen(
        command, env=child_env(), cwd=harness.PROJECT_DIR, stdout=subprocess.PIPE, stderr=log, text=True
    )
    try:
        wait_connected(process, offset, client_id)  # the clock starts once the ingest is up
        publishers = Publishers(context, url, site, gates)
        began = publishers.start()
        published, taken = publishers.finish()
        stored_at, events = wait_for_events(before, expected)
        rss = peak_rss_mib(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=300)
        log.close()
        end_session(url, client_id)
    counters = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), COUNT(DISTINCT l.epc_id) FROM trace_event e JOIN trace_eventepc l ON l.event_id = e.id "
            "WHERE e.id > %s",
            [before],
        )
        rows, distinct = cursor.fetchone()
    return {
        "seconds": stored_at - began,
        "publish_seconds": published - began,
        "taken": taken,
        "events": events,
        "distinct_tags": distinct,
        "identifier_rows": rows,
        "ingest_peak_rss_mib": rss,
        "counters": counters,
    }


def wait_connected(process: subprocess.Popen[str], offset: int, client_id: str) -> None:
    """Wait for the ingest's "connected" log line (Django start-up is not part of the figure)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        with INGEST_LOG.open(encoding="utf-8") as log:
            log.seek(offset)
            if f"as {client_id}" in log.read():
                return
        if process.poll() is not None:
            sys.exit(f"the ingest exited with {process.returncode}; see {INGEST_LOG}")
        time.sleep(0.1)
    sys.exit(f"the ingest did not connect within 300 s; see {INGEST_LOG}")


def wait_for_events(before: int, expected: int, stall: float = 120.0) -> tuple[float, int]:
    """Poll the repository until ``expected`` new events are there (or nothing new for ``stall``
    seconds); when the last one was seen, and how many."""
    from django.db import connection

    seen, last_change, seen_at = -1, time.monotonic(), time.monotonic()
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM trace_event WHERE id > %s", [before])
            (count,) = cursor.fetchone()
        now = time.monotonic()
        if count != seen:
            seen, last_change, seen_at = count, now, now
        if count >= expected or now - last_change > stall:
            return seen_at, count
        time.sleep(0.1)


def peak_rss_mib(pid: int) -> float | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


# --- setup ----------------------------------------------------------------------------------------


def child_env() -> dict[str, str]:
    return {
        **harness._child_env("sqlite"),
        "DATABASE_URL": f"sqlite:///{DATABASE}",
        "OPENCIQ_LOG_LEVEL": "INFO",
    }


def setup_database() -> None:
    assert os.environ.get("DATABASE_URL") == f"sqlite:///{DATABASE}", "run in the child process only"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DATABASE}{suffix}").unlink(missing_ok=True)
    harness._django_setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_broker() -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    config = harness.BENCH_DIR / f"{NAME}-mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 0\nlog_dest stderr\nlog_type error\nlog_type warning\n"
    )
    log = (harness.BENCH_DIR / f"{NAME}-mosquitto.log").open("ab")
    broker = subprocess.Popen(["mosquitto", "-c", str(config)], stdout=log, stderr=log)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return f"mqtt://127.0.0.1:{port}", broker
        time.sleep(0.05)
    broker.kill()
    sys.exit(f"mosquitto did not start (see {log.name})")


def broker_version() -> str:
    with contextlib.suppress(OSError):
        out = subprocess.run(["mosquitto", "-h"], capture_output=True, text=True, timeout=5).stdout
        return out.splitlines()[0].strip()
    return "?"


# --- report ---------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    harness.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if not args.child:
        # Settings read DATABASE_URL at import (and `openciq bench` has imported them already):
        # the measuring process is a child started with the benchmark's own database.
        command = [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:], "--child"]
        sys.exit(subprocess.run(command, env=child_env(), cwd=harness.PROJECT_DIR).returncode)
    setup_database()
    from _declarations import load_average

    url, broker = (args.broker, None) if args.broker else start_broker()
    context = multiprocessing.get_context("fork")
    try:
        runs = []
        for run in range(args.runs):
            gates = [gate_messages(args, run, gate) for gate in range(args.publishers)]
            reads = sum(len(json.loads(m)["reads"]) for g in gates for m in g)
            expected = reads // args.reads_per_tag
            base = baseline(context, url, gates)
            result = ingest(context, url, args, gates, expected)
            runs.append(
                {
                    "reads": reads,
                    "messages": sum(map(len, gates)),
                    "passes": expected,
                    "baseline": base,
                    "ingest": result,
                }
            )
            print(
                f"run {run + 1}: ingest {result['seconds']:.1f} s, baseline {base['seconds']:.2f} s",
                flush=True,
            )
    finally:
        if broker is not None:
            broker.terminate()
            broker.wait(30)
    report(args, url if broker is None else "mosquitto started for the benchmark", runs, load_average())


def report(args: argparse.Namespace, broker: str, runs: list[dict[str, Any]], load: str) -> None:
    first = runs[0]
    info: dict[str, Any] = {
        "benchmark": NAME,
        "database": "sqlite",
        "load_average": load,
        "machine": {**harness.machine(), "broker": broker_version()},
        "volumes": {"reads": first["reads"], "messages": first["messages"], "tag passes": first["passes"]},
        "options": {k: v for k, v in vars(args).items()},
        "runs": runs,
    }

    def median(path: tuple[str, str]) -> float:
        return statistics.median(r[path[0]][path[1]] for r in runs)

    base_s, ingest_s = median(("baseline", "seconds")), median(("ingest", "seconds"))
    base_pub, ingest_pub = median(("baseline", "publish_seconds")), median(("ingest", "publish_seconds"))
    reads, messages, passes = first["reads"], first["messages"], first["passes"]
    info["median"] = {
        "baseline_s": base_s,
        "ingest_s": ingest_s,
        "reads_per_s": reads / ingest_s,
        "baseline_reads_per_s": reads / base_s,
    }
    m = info["machine"]
    print(
        f"\n{NAME} on SQLite: {reads:,} reads in {messages:,} messages from {args.publishers} gates, "
        f"{passes:,} tag passes ({args.reads_per_tag} reads each), window {args.window} s; {args.runs} runs, medians"
    )
    print(
        f"machine: {m['nproc']} CPUs ({m['cpu']}), Python {m['python']}, Django {m['django']}, {m['database']}, {m['broker']}"
    )
    print(f"load average (1, 5, 15 min) at start: {load}\n")  # fmt: skip
    harness.print_table(
        ("path", "broker took all (s)", "last stored/received (s)", "reads/s", "messages/s", "vs baseline"),
        [
            ["baseline: broker -> subscriber that only acks", round(base_pub, 2), round(base_s, 2),
             round(reads / base_s), round(messages / base_s), 1.0],
            ["ingest: broker -> fold -> capture -> ack", round(ingest_pub, 2), round(ingest_s, 2),
             round(reads / ingest_s), round(messages / ingest_s), round(ingest_s / base_s, 1)],
        ],
    )  # fmt: skip
    lost = [
        r for r in runs if r["ingest"]["events"] != r["passes"] or r["ingest"]["distinct_tags"] != r["passes"]
    ]
    counters = runs[-1]["ingest"]["counters"]
    print(
        f"\nevents/s stored (median): {passes / ingest_s:,.0f}; ingest peak RSS (last run): "
        f"{runs[-1]['ingest']['ingest_peak_rss_mib']} MiB"
    )
    capture_s = statistics.median(r["ingest"]["counters"].get("capture_ms", 0) / 1000 for r in runs)
    print(
        f"time in the capture service (trace.services.capture_events, median): {capture_s:.1f} s of {ingest_s:.1f} s "
        f"({passes / capture_s if capture_s else 0:,.0f} events/s while capturing)"
    )
    print(
        f"last run's ingest counters: {counters.get('reads', '?'):,} reads, {counters.get('folded', '?'):,} folded, "
        f"{counters.get('stored', '?'):,} stored, {counters.get('duplicates', '?'):,} duplicates, "
        f"{counters.get('batches', '?'):,} capture jobs, {counters.get('acks', '?'):,} acknowledgements"
    )
    print(
        "no loss, no duplicate in every run: "
        + (
            "yes"
            if not lost
            else f"NO ({[(r['passes'], r['ingest']['events'], r['ingest']['distinct_tags']) for r in lost]})"
        )
        + f" (events == distinct tags == {passes:,} tag passes)"
    )
    path = harness.write_json(NAME, "sqlite", info)
    print(
        f"written to {path.relative_to(harness.PROJECT_DIR)}; ingest log {INGEST_LOG.relative_to(harness.PROJECT_DIR)}"
    )


if __name__ == "__main__":
    main()
