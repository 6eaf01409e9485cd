"""Generic reads, always scoped to the acting user."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet

from openciq.core.errors import NotFoundError
from openciq.core.models import AuditEvent
from openciq.core.registry import ObjectType, registry


def object_list(*, actor: Any, object_type: ObjectType, action: str = "view") -> QuerySet[Any]:
    """The objects of a type that ``actor`` may ``action``, with the joins its table needs."""
    manager: Any = object_type.model._default_manager
    queryset: QuerySet[Any] = manager.restrict(actor, action)
    if object_type.select_related:
        queryset = queryset.select_related(*object_type.select_related)
    if object_type.prefetch_related:
        queryset = queryset.prefetch_related(*object_type.prefetch_related)
    return queryset


def object_get(*, actor: Any, object_type: ObjectType, pk: Any, action: str = "view") -> Any:
    """One object in ``actor``'s scope, or :class:`NotFoundError` (also for out-of-scope objects)."""
    try:
        return object_list(actor=actor, object_type=object_type, action=action).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise NotFoundError() from exc


def object_history(*, obj: models.Model, limit: int = 200) -> QuerySet[AuditEvent]:
    """Audit events about ``obj``, newest first. The caller has already checked ``obj`` is visible."""
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return AuditEvent.objects.filter(content_type=content_type, object_id=str(obj.pk)).select_related(
        "actor"
    )[:limit]


def actor_recent_events(*, actor: Any, limit: int = 10) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(actor_id=actor.pk).order_by("-id")[:limit]


def audit_event_list(*, actor: Any) -> QuerySet[AuditEvent]:
    """The whole audit log, for those who may read it (``core.view_auditevent``)."""
    if not actor.is_authenticated or not actor.has_perm("core.view_auditevent"):
        return AuditEvent.objects.none()
    return AuditEvent.objects.select_related("content_type").order_by("-id")


def global_search(*, actor: Any, query: str, per_type: int = 8) -> list[tuple[ObjectType, list[Any]]]:
    """Objects of every registered type whose search fields contain ``query``, within scope."""
    query = query.strip()
    if len(query) < 2:
        return []
    results = []
    for object_type in registry.object_types.values():
        if not object_type.search_fields:
            continue
        condition = Q()
        for field in object_type.search_fields:
            condition |= Q(**{f"{field}__icontains": query})
        hits = list(object_list(actor=actor, object_type=object_type).filter(condition)[:per_type])
        if hits:
            results.append((object_type, hits))
    return results
