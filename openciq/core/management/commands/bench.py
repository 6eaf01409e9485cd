import runpy
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run a benchmark from benchmarks/ (openciq bench NAME [ARGS...]); without NAME, list them."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?")
        parser.add_argument("bench_args", nargs="...", help="passed to the benchmark")

    def handle(self, *args, name=None, **options):
        folder = settings.PROJECT_DIR / "benchmarks"
        available = sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_"))
        if not name:
            self.stdout.write("\n".join(available))
            return
        if name not in available:
            raise CommandError(f"no benchmark {name!r}; available: {', '.join(available)}")
        sys.argv = [str(folder / f"{name}.py"), *options["bench_args"]]
        sys.path.insert(0, str(folder))
        runpy.run_path(str(folder / f"{name}.py"), run_name="__main__")
