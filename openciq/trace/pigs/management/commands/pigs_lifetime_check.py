"""``manage.py pigs_lifetime_check [--farm REGISTRATION]``: evaluate the lifetime traceability of
every pig still under supervision and raise alerts for new gaps (run daily from cron)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from openciq.accounts.services import system_actor
from openciq.trace.pigs.lifetime import lifetime_check
from openciq.trace.pigs.models import Farm


class Command(BaseCommand):
    help = "Check every pig's lifetime traceability; warn (non-blocking alerts) on gaps."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--farm", help="only this farm (registration number)")

    def handle(self, *args: Any, farm: str | None = None, **options: Any) -> None:
        farm_id = None
        if farm:
            farm_id = Farm.objects.filter(registration_number=farm).values_list("pk", flat=True).first()
            if farm_id is None:
                raise CommandError(f"no registered farm {farm}")
        summary = lifetime_check(actor=system_actor(), farm_id=farm_id)
        self.stdout.write(
            f"checked {summary.checked}: {summary.traceable} traceable, {summary.at_risk} at risk, "
            f"{summary.lost} lost; {summary.alerts} new alert(s)"
        )
