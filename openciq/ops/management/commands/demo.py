from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, seed demo data, create one demo user per role, and serve at http://127.0.0.1:8000."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="prepare the demo but do not serve it")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, no_serve, port, **options):
        from openciq.ops.demo import ensure_demo_users

        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed", scale="demo", verbosity=0)
        users = ensure_demo_users()
        self.stdout.write(self.style.SUCCESS("Demo users (username / password / role):"))
        for username, password, role in users:
            self.stdout.write(f"  {username:<12} {password:<22} {role}")
        if not no_serve:
            call_command("serve", host="127.0.0.1", port=port)
