import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

DEFAULT = settings.PROJECT_DIR / "docs" / "openapi.json"


def current_document() -> str:
    from django.utils import translation

    from openciq.api import api

    # The document is written in English whatever the environment's language, so it is stable.
    with translation.override("en"):
        schema = api.get_openapi_schema(path_prefix="/api/v1")
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Write the OpenAPI document, or with --check fail when the committed one differs."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=DEFAULT)
        parser.add_argument("--check", action="store_true")

    def handle(self, *args, output, check, **options):
        document = current_document()
        if check:
            committed = output.read_text(encoding="utf-8") if output.exists() else ""
            if committed != document:
                import difflib

                diff = difflib.unified_diff(
                    committed.splitlines(), document.splitlines(), str(output), "code", lineterm="", n=2
                )
                self.stderr.write("\n".join(list(diff)[:200]))
                self.stderr.write(f"\n{output} is out of date: run `openciq openapi` and commit it.")
                sys.exit(1)
            self.stdout.write(f"{output} matches the code.")
            return
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(document, encoding="utf-8")
        self.stdout.write(f"wrote {output}")
