import multiprocessing
import os

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve OpenCIQ with gunicorn workers; static files through WhiteNoise."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("OPENCIQ_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("OPENCIQ_PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("OPENCIQ_WORKERS", min(4, multiprocessing.cpu_count() * 2))),
        )

    def handle(self, *args, host, port, workers, **options):
        from gunicorn.app.base import BaseApplication

        from openciq.wsgi import application

        call_command("collectstatic", interactive=False, verbosity=0)

        class Server(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", f"{host}:{port}")
                self.cfg.set("workers", workers)
                self.cfg.set("timeout", 60)
                self.cfg.set("accesslog", "-")
                self.cfg.set("max_requests", 5000)
                self.cfg.set("max_requests_jitter", 500)

            def load(self):
                return application

        self.stdout.write(f"OpenCIQ at http://{host}:{port}/ ({workers} workers)")
        Server().run()
