"""Settings for a bulk load (the bureau-scale seeders and their benchmarks)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def bulk_session() -> Iterator[None]:
    """SQLite: no fsync and a bigger page cache while loading (WAL stays); restored after."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        saved = {}
        for pragma, value in (("synchronous", "OFF"), ("cache_size", "-262144")):
            cursor.execute(f"PRAGMA {pragma}")
            saved[pragma] = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA {pragma}={value}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for pragma, value in saved.items():
                cursor.execute(f"PRAGMA {pragma}={value}")
