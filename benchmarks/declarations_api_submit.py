"""Submitting declarations through the API under load, at bureau scale (2,700,000 declarations of
history): a real server (``openciq serve``: gunicorn, 4 sync workers by default) and 20 client
threads, each sending ``POST /api/v1/declarations/declarations/`` (a draft with one line, an
``Idempotency-Key`` and a Bearer token) and then ``POST .../{id}/submit`` (class A/B enterprises
are risk-assessed and routed at once). The enterprises and goods are those of past declarations
picked at random, so big exporters come as often as they declare. Baseline, in the same run:
``GET /healthz`` (one ``SELECT 1``) under the same concurrency, as many requests.

    openciq bench declarations_api_submit [--database ...] [--requests N] [--clients 20] [--workers 4] [--rate R]

Without ``--rate`` the clients send back to back: that measures saturation (throughput, and the
queueing it causes on two cores). ``--rate R`` paces them to R declarations a second in all,
which measures latency at a given load; the bureau's average is about 1,500 a day.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from typing import Any

import _declarations as common
import _harness as harness


def prepare(args: argparse.Namespace) -> None:
    common.prepare_bureau(args)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``openciq serve`` in a process group of its own, stopped by that group's id."""

    def __init__(self, workers: int, log_name: str) -> None:
        self.port = free_port()
        self.log = open(harness.BENCH_DIR / log_name, "w")  # noqa: SIM115 (closed in stop)
        command = [
            sys.executable,
            "-m",
            "openciq.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        self.process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            cwd=harness.PROJECT_DIR,
            env=os.environ.copy(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the server did not answer on port {self.port}; see {self.log.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def request(
    port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        sent = {"Content-Type": "application/json", **(headers or {})} if payload else dict(headers or {})
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data and response.status < 500 else data[:300])
    finally:
        connection.close()


def run_clients(
    clients: int, work: list[list[Any]], do: Any, rate: float = 0.0
) -> tuple[dict[str, list[int]], float, list[str]]:
    """Each client thread does its share of ``work`` with ``do(item) -> {name: ns}``: back to back,
    or (``rate`` > 0) paced so that all clients together start ``rate`` items a second, client
    ``i``'s ``k``-th item at ``(k * clients + i) / rate`` seconds."""
    timings: dict[str, list[int]] = {}
    errors: list[str] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(clients)

    def client(index: int, items: list[Any]) -> None:
        start_gate.wait()
        origin = time.perf_counter()
        for k, item in enumerate(items):
            if rate > 0:
                time.sleep(max(0.0, origin + (k * clients + index) / rate - time.perf_counter()))
            try:
                result = do(item)
            except Exception as exc:  # counted and shown; the run goes on
                with lock:
                    errors.append(repr(exc)[:300])
                continue
            with lock:
                for name, ns in result.items():
                    timings.setdefault(name, []).append(ns)

    threads = [threading.Thread(target=client, args=(i, work[i])) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, time.perf_counter() - started, errors


def bodies(samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """JSON bodies of ``DeclarationIn``: the form fields, ids for related objects, ``lines``."""
    out = []
    for n, sample in enumerate(samples):
        header, lines = common.draft_form(sample, n)
        out.append({**header, "lines": lines})
    return out


def measure(args: argparse.Namespace) -> None:
    from openciq.accounts.models import User
    from openciq.accounts.services import system_actor, token_create

    info: dict[str, Any] = {
        "benchmark": "declarations_api_submit",
        "database": args.database,
        "clients": args.clients,
        "workers": args.workers,
        "rate_per_s": args.rate or "unpaced",
        "load_average": common.load_average(),
        "machine": harness.machine(),
        "volumes": common.volumes(),
    }
    admin = User.objects.get(username="admin")
    _token, secret = token_create(actor=admin, user=admin, name=f"bench {uuid.uuid4().hex[:8]}")
    auth = {"Authorization": f"Bearer {secret}"}
    per_client = max(1, args.requests // args.clients)
    samples = common.history_sample(
        per_client * args.clients + args.clients, random.Random(11), created_by=system_actor()
    )
    payloads = bodies(samples)
    server = Server(args.workers, f"declarations_api_submit-server-{args.database}.log")
    try:
        port = server.port

        def health(_item: Any) -> dict[str, int]:
            start = time.perf_counter_ns()
            status, body = request(port, "GET", "/healthz")
            if status != 200:
                raise RuntimeError(f"healthz {status}: {body}")
            return {"GET /healthz": time.perf_counter_ns() - start}

        def submit(body: dict[str, Any]) -> dict[str, int]:
            key = {"Idempotency-Key": uuid.uuid4().hex}
            start = time.perf_counter_ns()
            status, created = request(
                port, "POST", "/api/v1/declarations/declarations/", body, {**auth, **key}
            )
            middle = time.perf_counter_ns()
            if status != 201:
                raise RuntimeError(f"create {status}: {created}")
            path = f"/api/v1/declarations/declarations/{created['id']}/submit"
            status, submitted = request(port, "POST", path, None, auth)
            end = time.perf_counter_ns()
            if status != 200:
                raise RuntimeError(f"submit {status}: {submitted}")
            return {
                "POST create": middle - start,
                "POST submit": end - middle,
                "create + submit": end - start,
            }

        clients = args.clients
        run_clients(clients, [[None] * 3 for _ in range(clients)], health)  # warm-up: every worker
        run_clients(clients, [[payloads[-1 - i]] for i in range(clients)], submit)
        base, base_seconds, base_errors = run_clients(
            clients, [[None] * per_client for _ in range(clients)], health, args.rate
        )
        work = [payloads[i * per_client : (i + 1) * per_client] for i in range(clients)]
        timed, seconds, errors = run_clients(clients, work, submit, args.rate)
    finally:
        server.stop()
    info["baseline"] = {
        **harness.summarize(base["GET /healthz"]),
        "per_s": round(len(base["GET /healthz"]) / base_seconds, 1),
    }
    info["results"] = {name: harness.summarize(ns) for name, ns in timed.items()}
    info["pairs_per_s"] = round(len(timed.get("create + submit", [])) / seconds, 1)
    info["errors"] = errors + base_errors
    report(args, info)
    path = harness.write_json("declarations_api_submit", args.database, info)
    print(f"written to {path.relative_to(harness.PROJECT_DIR)}")
    if info["errors"]:
        raise SystemExit(1)


def report(args: argparse.Namespace, info: dict[str, Any]) -> None:
    common.header("declarations_api_submit", args.database, info)
    paced = f", paced at {args.rate:g} declarations/s in all" if args.rate else ", back to back (saturation)"
    print(
        f"{args.clients} client threads against `openciq serve` with {args.workers} gunicorn workers{paced}\n"
    )
    base = info["baseline"]
    rows = [
        [
            name,
            r["n"],
            r["p50_ms"],
            r["p95_ms"],
            base["p50_ms"],
            base["p95_ms"],
            common.ratio(r["p95_ms"], base["p95_ms"]),
        ]
        for name, r in info["results"].items()
    ]
    rows.append(["GET /healthz (baseline)", base["n"], base["p50_ms"], base["p95_ms"], "-", "-", "-"])
    harness.print_table(
        ("request", "n", "p50 ms", "p95 ms", "healthz p50", "healthz p95", "p95/healthz"), rows
    )
    print(
        f"\nthroughput: {info['pairs_per_s']} declarations created and submitted a second; healthz {base['per_s']}/s"
    )
    for error in info["errors"][:5]:
        print(f"error: {error}")
    if info["errors"]:
        print(f"{len(info['errors'])} requests failed")


if __name__ == "__main__":
    common.main(
        __doc__.split("\n\n")[0],
        prepare,
        measure,
        options=[
            (["--clients"], {"type": int, "default": 20, "help": "concurrent client threads (default 20)"}),
            (["--workers"], {"type": int, "default": 4, "help": "gunicorn workers (default 4)"}),
            (
                ["--rate"],
                {
                    "type": float,
                    "default": 0.0,
                    "help": "declarations a second offered by all clients together (default 0: back to back)",
                },
            ),
        ],
    )
