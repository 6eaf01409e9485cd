import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "`audit verify`: walk the hash chain of the audit log; exit 1 naming the first broken link."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action, **options):
        from openciq.core.audit import verify_chain
        from openciq.core.models import AuditEvent

        checked, broken = verify_chain()
        if broken is not None:
            self.stderr.write(
                f"audit chain BROKEN at event #{broken.event_id}: {broken.reason} "
                f"({checked} events before it are intact)"
            )
            sys.exit(1)
        head = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
        head_text = f"head #{head[0]} {head[1]}" if head else "empty log"
        self.stdout.write(f"audit chain intact: {checked} events, {head_text}")
