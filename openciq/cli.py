"""The ``openciq`` console script: Django's ``manage.py`` plus OpenCIQ's own commands
(``demo``, ``serve``, ``seed``, ``token``, ``audit``, ``bench``, ``openapi``, ``ingest``, ``epcis``,
``trace``)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openciq.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
