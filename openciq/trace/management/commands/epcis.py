"""``openciq epcis deliver [--loop]``: the subscription worker (webhook callbacks)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from openciq.trace import delivery


class Command(BaseCommand):
    help = "EPCIS repository jobs: 'deliver' posts due subscription callbacks (once, or with --loop forever)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job", choices=["deliver"])
        parser.add_argument("--loop", action="store_true", help="keep delivering, every --interval seconds")
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args: Any, job: str, loop: bool, interval: float, **options: Any) -> None:
        while True:
            made = delivery.deliver_due()
            if made or not loop:
                self.stdout.write(f"{made} callback(s) made")
            if not loop:
                return
            time.sleep(interval)
