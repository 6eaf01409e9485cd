"""``openciq trace watch [--loop --interval S]``: the alarms found by time, not by an event.

Looks at the sealed trips in transit and raises ``dwell`` (stood at one place longer than
``CONTAINERS_DWELL_MINUTES``, 120) and ``signal_lost`` (not read for longer than
``CONTAINERS_SIGNAL_MINUTES``, 60) on the inspector's worklist, with the system actor. Once (from
cron), or with ``--loop`` every ``--interval`` seconds until SIGTERM or SIGINT. Idempotent: one
open alert per trip and kind, so runs may overlap or repeat.
"""

from __future__ import annotations

import datetime as dt
import signal
import threading
from typing import Any

from django.core import checks
from django.core.management.base import BaseCommand, CommandError, CommandParser

from openciq.trace.containers import watch


class Command(BaseCommand):
    help = (
        "Traceability supervision jobs: 'watch' raises the container alarms found by time "
        "(a trip standing too long in one place, a trip not read for too long), once or with "
        "--loop every --interval seconds."
    )
    # Like the ingest: the models matter, the web's URL configuration does not.
    requires_system_checks = [checks.Tags.models, checks.Tags.database]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job", choices=["watch"])
        parser.add_argument("--loop", action="store_true", help="keep watching, every --interval seconds")
        parser.add_argument(
            "--interval", type=float, default=60.0, help="seconds between sweeps (default 60)"
        )
        parser.add_argument(
            "--dwell-minutes",
            type=float,
            help="the dwell limit (default: OPENCIQ_CONTAINERS_DWELL_MINUTES, 120)",
        )
        parser.add_argument(
            "--signal-minutes",
            type=float,
            help="the loss-of-signal limit (default: OPENCIQ_CONTAINERS_SIGNAL_MINUTES, 60)",
        )

    def handle(self, *args: Any, job: str, loop: bool, interval: float, **options: Any) -> None:
        if interval <= 0:
            raise CommandError("--interval must be a positive number of seconds")
        limits = {}
        for name, option in (("dwell", "dwell_minutes"), ("signal", "signal_minutes")):
            value = options.get(option)
            if value is not None:
                if value <= 0:
                    raise CommandError(f"--{option.replace('_', '-')} must be a positive number of minutes")
                limits[name] = dt.timedelta(minutes=value)
        dwell = limits.get("dwell", watch.dwell_limit())
        lost = limits.get("signal", watch.signal_limit())
        if dwell <= dt.timedelta(0) or lost <= dt.timedelta(0):
            raise CommandError("CONTAINERS_DWELL_MINUTES and CONTAINERS_SIGNAL_MINUTES must be positive")
        stop = threading.Event()
        previous = (
            {
                signum: signal.signal(signum, lambda *_: stop.set())
                for signum in (signal.SIGTERM, signal.SIGINT)
            }
            if loop
            else {}
        )
        try:
            while True:
                result = watch.sweep(dwell=dwell, signal=lost)
                if result.raised or not loop:
                    self.stdout.write(
                        f"{result.checked} trip(s) checked: {result.dwell} dwell, "
                        f"{result.signal_lost} loss-of-signal alert(s) raised"
                    )
                if not loop or stop.wait(interval):
                    return
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
