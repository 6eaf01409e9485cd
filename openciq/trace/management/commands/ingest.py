"""``openciq ingest mqtt``: the device ingest, reads from the MQTT broker into the EPCIS repository.

Runs until SIGTERM or SIGINT (then it stores what it has folded, acknowledges it and disconnects),
or, for tests and benchmarks, after ``--max-messages`` messages or ``--idle-exit`` quiet seconds.
The broker comes from ``MQTT_URL`` (``mqtt://127.0.0.1:1883``), the client id from
``MQTT_CLIENT_ID`` (``openciq-ingest``); the folding window from ``TRACE_FOLD_WINDOW``.
"""

from __future__ import annotations

import gc
import json
import signal
import threading
from typing import Any

from django.core import checks
from django.core.management.base import BaseCommand, CommandError, CommandParser

from openciq.trace import mqtt


class Command(BaseCommand):
    help = "Ingest device reads (RFID readers, e-seal gateways, loading channels) into the EPCIS repository."
    # The models matter to the ingest; the web's URL configuration does not (a broken view must
    # not keep the gates' reads out of the repository).
    requires_system_checks = [checks.Tags.models, checks.Tags.database]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("transport", choices=["mqtt"], help="where the reads come from")
        parser.add_argument("--url", help=f"broker URL (default: MQTT_URL or {mqtt.DEFAULT_URL})")
        parser.add_argument(
            "--client-id", help=f"MQTT client id (default: MQTT_CLIENT_ID or {mqtt.DEFAULT_CLIENT_ID})"
        )
        parser.add_argument(
            "--topic",
            action="append",
            dest="topics",
            help=f"topic filter, repeatable (default {mqtt.DEFAULT_TOPIC}); e.g. openciq/v1/SZ-WENJINDU/+/reads",
        )
        parser.add_argument(
            "--window", type=float, help="folding window in seconds (default: TRACE_FOLD_WINDOW, 2.0)"
        )
        parser.add_argument("--batch-ms", type=int, default=200, help="how often due events are stored (ms)")
        parser.add_argument("--batch-size", type=int, default=2000, help="events per capture job at most")
        parser.add_argument(
            "--protocol", choices=["5", "3.1.1"], default="5", help="MQTT version (default 5)"
        )
        parser.add_argument(
            "--receive-maximum",
            type=int,
            default=65535,
            help="MQTT 5: messages the broker may have in flight to the ingest (1-65535)",
        )
        parser.add_argument(
            "--session-expiry",
            type=int,
            default=7 * 24 * 3600,
            help="MQTT 5: seconds the broker keeps the session",
        )
        parser.add_argument("--stats-interval", type=float, default=10.0, help="seconds between counter logs")
        parser.add_argument(
            "--max-messages", type=int, help="stop after this many messages (tests, benchmarks)"
        )
        parser.add_argument("--idle-exit", type=float, help="stop after this many seconds without messages")
        parser.add_argument(
            "--stats-json", action="store_true", help="print the run's counters as JSON at the end"
        )

    def handle(self, *args: Any, transport: str, **options: Any) -> None:
        if not 1 <= options["receive_maximum"] <= 65535:
            raise CommandError("--receive-maximum is 1 to 65535")
        if options["window"] is not None and options["window"] <= 0:
            raise CommandError("--window must be positive")
        try:
            settings = mqtt.IngestOptions.from_environment(
                url=options["url"],
                client_id=options["client_id"],
                topics=tuple(options["topics"]) if options["topics"] else None,
                window=options["window"],
                batch_ms=options["batch_ms"],
                batch_size=options["batch_size"],
                protocol=options["protocol"],
                receive_maximum=options["receive_maximum"],
                session_expiry=options["session_expiry"],
                stats_interval=options["stats_interval"],
                max_messages=options["max_messages"],
                idle_exit=options["idle_exit"],
            )
            mqtt.broker_address(settings.url)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        stop = threading.Event()
        previous = {
            signum: signal.signal(signum, lambda *_: stop.set()) for signum in (signal.SIGTERM, signal.SIGINT)
        }
        gc.freeze()  # what start-up loaded stays: keep it out of the collector's full passes
        try:
            stats = mqtt.run(settings, stop=stop)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if options["stats_json"]:
            self.stdout.write(json.dumps(stats.as_dict(), sort_keys=True))
