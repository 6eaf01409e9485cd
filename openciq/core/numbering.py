"""Gap-free document numbers, safe under concurrent writers on SQLite and PostgreSQL."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction

from openciq.core.models import Counter


def next_value(name: str) -> int:
    """The next value of counter ``name`` (1 for a new counter). Must run inside the write's
    transaction, so a rolled-back write gives its number back."""
    if not connection.in_atomic_block:
        raise RuntimeError("next_value must run inside the transaction that uses the number")
    counter = Counter.objects.select_for_update().filter(name=name).first()
    if counter is None:
        try:
            with transaction.atomic():
                Counter.objects.create(name=name, value=1)
            return 1
        except IntegrityError:  # another writer created it first: take the lock and go on
            counter = Counter.objects.select_for_update().get(name=name)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def advance_to(name: str, value: int) -> None:
    """Make sure the counter is at least ``value`` (bulk loaders that numbered rows themselves)."""
    Counter.objects.update_or_create(name=name, defaults={}, create_defaults={"value": value})
    Counter.objects.filter(name=name, value__lt=value).update(value=value)
