from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from django.db import connection

pytest_plugins = ["tests.browser"]  # the browser fixture of the Playwright tests

GUARD = importlib.import_module("openciq.core.migrations.0002_audit_append_only")


def _run(statements: dict[str, list[str]]) -> None:
    with connection.cursor() as cursor:
        for statement in statements[connection.vendor]:
            cursor.execute(statement)


def drop_audit_guard() -> None:
    _run({"sqlite": GUARD.SQLITE_REVERSE, "postgresql": GUARD.POSTGRESQL_REVERSE})


def restore_audit_guard() -> None:
    _run({"sqlite": GUARD.SQLITE, "postgresql": GUARD.POSTGRESQL})


@pytest.fixture
def clean_audit_log() -> Iterator[None]:
    """For transactional tests: the append-only log would stop the database flush that follows
    them, so empty it (with the guard lifted for that moment) before the flush."""
    yield
    drop_audit_guard()
    _run({"sqlite": ["DELETE FROM core_auditevent"], "postgresql": ["DELETE FROM core_auditevent"]})
    restore_audit_guard()
