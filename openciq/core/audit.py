"""The one audit writer.

Services call :func:`record` for every write, inside :func:`audited` (a transaction plus an
audit scope). A ``pre_save``/``pre_delete`` tripwire on :class:`~openciq.core.models.OpenciqModel`
refuses saves outside a scope and scopes that saved without recording: in tests and development
it raises, in production it logs. It is a tripwire only; it never writes audit rows itself.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import functools
import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction

from openciq.core.models import AuditEvent, OpenciqModel

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
_ADVISORY_LOCK_KEY = 0x0C1A0D17

P = ParamSpec("P")
R = TypeVar("R")


class UnauditedWrite(RuntimeError):
    """A model was written outside an audit scope, or a scope wrote without recording."""


@dataclass
class _Scope:
    saves: int = 0
    records: int = 0


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("openciq_audit_scope", default=None)
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("openciq_request_id", default="")


def _tripwire(message: str) -> None:
    if settings.OPENCIQ_AUDIT_TRIPWIRE_STRICT:
        raise UnauditedWrite(message)
    logger.error("audit tripwire: %s", message)


@contextmanager
def scope() -> Iterator[_Scope]:
    """An audit scope; nested scopes share the outermost one."""
    current = _scope.get()
    if current is not None:
        yield current
        return
    new = _Scope()
    token = _scope.set(new)
    try:
        yield new
    finally:
        _scope.reset(token)
    if new.saves and not new.records:
        _tripwire(f"{new.saves} write(s) in an audit scope that recorded no audit event")


def audited(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator for services: one transaction, one audit scope."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with scope(), transaction.atomic():
            return func(*args, **kwargs)

    return wrapper


def note_write(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """``pre_save``/``pre_delete`` receiver: the tripwire."""
    if not isinstance(instance, OpenciqModel) or kwargs.get("raw"):
        return
    current = _scope.get()
    if current is None:
        _tripwire(f"{sender.__name__} #{instance.pk} written outside an audit scope")
        return
    current.saves += 1


# --- Values ---------------------------------------------------------------------------------


def json_value(value: Any) -> Any:
    """A JSON value that survives a round trip through either database unchanged."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | float | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return str(value)


def snapshot(obj: models.Model, *, extra: bool = True) -> dict[str, Any]:
    """The audited field values of ``obj`` (foreign keys by id), with what its ``audit_extra``
    adds (related rows) unless ``extra`` is false: a status change does not touch them."""
    exclude: frozenset[str] = getattr(obj, "audit_exclude", frozenset())
    values = {
        f.attname if f.is_relation else f.name: json_value(getattr(obj, f.attname))
        for f in obj._meta.concrete_fields
        if f.name not in exclude and not f.primary_key
    }
    more = getattr(obj, "audit_extra", None) if extra else None
    if callable(more):
        values.update({k: json_value(v) for k, v in more().items()})
    return values


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """``{field: {"before": x, "after": y}}`` for the fields that differ."""
    before, after = before or {}, after or {}
    keys = sorted(set(before) | set(after))
    return {
        k: {"before": before.get(k), "after": after.get(k)} for k in keys if before.get(k) != after.get(k)
    }


# --- Writing ---------------------------------------------------------------------------------


def _payload(event: AuditEvent, content_type_label: str) -> bytes:
    data = {
        "id": event.pk,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_repr": event.actor_repr,
        "action": event.action,
        "content_type": content_type_label,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "changes": event.changes,
        "request_id": event.request_id,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(event: AuditEvent, content_type_label: str) -> str:
    return hashlib.sha256(_payload(event, content_type_label)).hexdigest()


def _label(content_type: ContentType | None) -> str:
    return f"{content_type.app_label}.{content_type.model}" if content_type else ""


def _lock_chain() -> None:
    # SQLite runs every write transaction with BEGIN IMMEDIATE (see settings), which already
    # serialises writers; PostgreSQL needs an explicit lock so two chains never fork.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain. Must run inside the write's transaction."""
    if actor is None or not getattr(actor, "pk", None):
        raise ValueError("audit.record needs a saved actor; use the system actor for jobs")
    if not connection.in_atomic_block:
        raise UnauditedWrite("audit.record must run inside the transaction of the write it records")
    _lock_chain()
    last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False) if obj else None
    event = AuditEvent(
        id=(last[0] + 1) if last else 1,
        occurred_at=dt.datetime.now(dt.UTC),
        actor_id=actor.pk,
        actor_repr=str(actor.get_username())[:150],
        action=action,
        content_type=content_type,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        changes=json_value(dict(changes or {})),
        request_id=request_id_var.get()[:64],
        prev_hash=last[1] if last else GENESIS_HASH,
    )
    event.hash = compute_hash(event, _label(content_type))
    event.save(force_insert=True)
    current = _scope.get()
    if current is not None:
        current.records += 1
    return event


def record_change(
    *, actor: Any, action: str, obj: models.Model, before: Mapping[str, Any] | None
) -> AuditEvent | None:
    """Record the difference between ``before`` and the object's current values.

    Returns ``None`` (and records nothing) when nothing changed.
    """
    changes = diff(before, snapshot(obj))
    if before is not None and not changes:
        return None
    return record(actor=actor, action=action, obj=obj, changes=changes)


# --- Verifying -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def verify_chain(chunk_size: int = 5000) -> tuple[int, ChainBreak | None]:
    """Walk the chain in order; return how many events were checked and the first break."""
    labels = {ct.pk: _label(ct) for ct in ContentType.objects.all()}
    expected_prev = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size):
        if event.prev_hash != expected_prev:
            return checked, ChainBreak(event.pk, "prev_hash does not match the previous event's hash")
        label = labels.get(event.content_type_id, "") if event.content_type_id else ""
        if compute_hash(event, label) != event.hash:
            return checked, ChainBreak(event.pk, "content does not match its hash")
        expected_prev = event.hash
        checked += 1
    return checked, None
