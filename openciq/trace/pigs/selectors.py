"""Reads of the live-pig supervision, always scoped to the acting user (inspectors: the farms
their office supervises; a farm's people: their enterprise's farms), ordered, with their joins.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from openciq.accounts.models import OrgUnit
from openciq.core.models import has_global_scope
from openciq.masterdata.models import Enterprise
from openciq.trace.choices import AlertKind, AlertStatus
from openciq.trace.models import Event, EventEpc, SupervisionAlert
from openciq.trace.pigs.choices import AnimalStatus, BatchStatus
from openciq.trace.pigs.loading import batch_uri, tag_number
from openciq.trace.pigs.models import (
    Animal,
    BatchAnimal,
    EarTag,
    Farm,
    LoadingBatch,
    TagRange,
    Treatment,
)
from openciq.trace.pigs.writing import active_tags

PIG_ALERTS = (
    AlertKind.LOADING_MISMATCH,
    AlertKind.WITHDRAWAL,
    AlertKind.TRACEABILITY_GAP,
    AlertKind.RECEIPT_MISMATCH,
)
EVENTS_SHOWN = 100
# Batch verb → permission (the service decides in the end).
ACTION_PERMS = {
    "start": "pigs.load_loadingbatch",
    "reconcile": "pigs.load_loadingbatch",
    "release": "pigs.release_loadingbatch",
    "hold": "pigs.release_loadingbatch",
    "receive": "pigs.receive_loadingbatch",
    "cancel": "pigs.cancel_loadingbatch",
}


# --- Farms -------------------------------------------------------------------------------------


def farms(*, actor: Any) -> QuerySet[Farm]:
    rows: QuerySet[Farm] = (
        Farm.objects.restrict(actor, "view")
        .select_related("enterprise", "org_unit", "location")
        .annotate(
            pigs_on_farm=Count("animals", filter=Q(animals__status=AnimalStatus.ACTIVE), distinct=True),
        )
        .order_by("registration_number")
    )
    return rows


def farm_get(*, actor: Any, pk: Any) -> Farm | None:
    try:
        return farms(actor=actor).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def farm_choices(*, actor: Any) -> QuerySet[Farm]:
    """Active farms the actor works for (the choices of the forms)."""
    return Farm.objects.in_scope(actor).filter(is_active=True).order_by("registration_number")


def enterprise_choices(*, actor: Any) -> QuerySet[Enterprise]:
    return Enterprise.objects.in_scope(actor).filter(is_active=True).order_by("uscc")


def office_choices(*, actor: Any) -> QuerySet[OrgUnit]:
    units = OrgUnit.objects.filter(is_active=True, kind__in=["bureau", "branch", "port"])
    path = getattr(actor, "scope_path", None)
    if path and not has_global_scope(actor):
        units = units.filter(path__startswith=path)
    return units.order_by("path")


def farm_detail(*, actor: Any, farm: Farm) -> dict[str, Any]:
    """The farm's page: ranges with how many of their numbers are used, pigs by state,
    recent batches and treatments."""
    ranges = list(
        farm.tag_ranges.annotate(used=Count("tags"))
        .select_related("issued_by")
        .order_by("country", "first_national_id")
    )
    by_status = dict(farm.animals.values("status").annotate(n=Count("id")).values_list("status", "n"))
    return {
        "ranges": ranges,
        "by_status": [(value, label, by_status.get(value, 0)) for value, label in AnimalStatus.choices],
        "batches": list(farm.batches.order_by("-id")[:10]),
        "treatments": list(farm.treatments.annotate(n=Count("animals")).order_by("-given_at", "-id")[:10]),
        "at_risk": farm.animals.exclude(traceability="traceable")
        .exclude(status__in=["dead", "received"])
        .count(),
    }


# --- Pigs --------------------------------------------------------------------------------------


def animals(*, actor: Any) -> QuerySet[Animal]:
    return Animal.objects.restrict(actor, "view").select_related("farm").order_by("-id")


def animal_get(*, actor: Any, pk: Any) -> Animal | None:
    try:
        return animals(actor=actor).select_related("farm__location").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def animal_by_number(*, actor: Any, number: str) -> Animal | None:
    """A pig by either of its numbers: the China ear-tag number or any ISO 11784 tag it wore."""
    text = re.sub(r"[\s-]", "", number or "")
    if not text:
        return None
    return animals(actor=actor).filter(Q(cn_number=text) | Q(tags__iso_number=text)).distinct().first()


@dataclass
class TagRow:
    tag: EarTag
    events: int


def animal_detail(*, actor: Any, animal: Animal) -> dict[str, Any]:
    """The pig's page: its tags (newest first, with what each replaced), treatments, batches,
    lifetime warnings and alerts, and its events (the union of its tags' events)."""
    tags = list(animal.tags.select_related("replaces", "tag_range").order_by("-applied_at", "-id"))
    uris = [t.uri for t in tags]
    counts = dict(
        EventEpc.objects.filter(epc__uri__in=uris)
        .values("epc__uri")
        .annotate(n=Count("event_id"))
        .values_list("epc__uri", "n")
    )
    event_ids = EventEpc.objects.filter(epc__uri__in=[*uris, animal.uri]).values("event_id")
    events = list(
        Event.objects.filter(id__in=event_ids)
        .select_related("read_point", "biz_location")
        .order_by("-event_time", "-id")[:EVENTS_SHOWN]
    )
    return {
        "tags": [TagRow(t, counts.get(t.uri, 0)) for t in tags],
        "treatments": list(animal.treatments.order_by("-given_at", "-id")),
        "entries": list(animal.batch_entries.select_related("batch").order_by("-batch_id")),
        "alerts": labelled(
            SupervisionAlert.objects.restrict(actor, "view")
            .filter(subject=animal.uri)
            .order_by("-raised_at", "-id")[:20]
        )
        if actor.has_perm("trace.view_supervisionalert")
        else [],
        "events": [_event_row(e) for e in events],
        "in_withdrawal": animal.in_withdrawal(timezone.now()),
    }


def labelled(alerts: Iterable[SupervisionAlert]) -> list[SupervisionAlert]:
    """The alerts with ``status_label`` (the core model keeps its status without choices)."""
    labels = dict(AlertStatus.choices)
    rows = list(alerts)
    for alert in rows:
        alert.status_label = labels.get(alert.status, alert.status)  # type: ignore[attr-defined]
    return rows


def _word(value: str) -> str:
    """A CBV word, or the last part of an OpenCIQ vocabulary URI (``…/bizstep/vaccinating``)."""
    return value.rsplit("/", 1)[-1].rsplit(":", 1)[-1].replace("_", " ") if value else ""


def _event_row(event: Event) -> dict[str, Any]:
    doc = json.loads(event.document)
    return {
        "event": event,
        "type": doc.get("type", ""),
        "action": doc.get("action", ""),
        "step": _word(event.biz_step),
        "disposition": _word(event.disposition),
        "place": event.read_point or event.biz_location,
        "event_id": event.public_id,
    }


def treatments(*, actor: Any) -> QuerySet[Treatment]:
    return Treatment.objects.restrict(actor, "view").select_related("farm").order_by("-given_at", "-id")


def tag_ranges(*, actor: Any) -> QuerySet[TagRange]:
    return (
        TagRange.objects.restrict(actor, "view")
        .select_related("farm")
        .order_by("country", "first_national_id")
    )


# --- Loading batches ---------------------------------------------------------------------------


def batches(*, actor: Any) -> QuerySet[LoadingBatch]:
    rows: QuerySet[LoadingBatch] = (
        LoadingBatch.objects.restrict(actor, "view")
        .select_related("farm")
        .annotate(declared=Count("entries", distinct=True))
        .order_by("-id")
    )
    return rows


def batch_get(*, actor: Any, pk: Any) -> LoadingBatch | None:
    try:
        return (
            batches(actor=actor)
            .select_related("farm__location", "loading_channel")
            .filter(pk=int(pk))
            .first()
        )
    except (TypeError, ValueError):
        return None


def batch_actions(*, actor: Any, batch: LoadingBatch) -> list[str]:
    """Verbs the actor may be offered on the batch in its state."""
    return [
        verb
        for verb, perm in ACTION_PERMS.items()
        if batch.status in LoadingBatch.transitions[verb][0] and actor.has_perm(perm)
    ]


@dataclass
class EntryRow:
    """One declared pig of a batch as the batch page shows it."""

    entry: BatchAnimal
    tags: list[EarTag]
    read_at: Any
    missing: bool
    withdrawal: bool
    inactive: bool


def batch_detail(*, actor: Any, batch: LoadingBatch) -> dict[str, Any]:
    """Declared against read at a glance: every declared pig with its tag and whether the
    channel read it (live while loading, as reconciled after), the extra tags read, the alerts."""
    now = timezone.now()
    entries = list(batch.entries.select_related("animal").order_by("animal__cn_number"))
    tags = active_tags([e.animal_id for e in entries])
    reads = dict(batch.reads.values_list("uri", "read_at"))
    rows = []
    declared: set[str] = set()
    for entry in entries:
        own = tags[entry.animal_id]
        declared.update(t.uri for t in own)
        hits = [reads[t.uri] for t in own if t.uri in reads]
        read_at = entry.read_at or (min(hits) if hits else None)
        rows.append(
            EntryRow(
                entry=entry,
                tags=own,
                read_at=read_at,
                missing=read_at is None,
                withdrawal=entry.animal.in_withdrawal(now) and batch.status in _OPEN,
                inactive=entry.animal.status != AnimalStatus.ACTIVE and not entry.loaded,
            )
        )
    # What needs a look first: missing, then inside withdrawal or gone from the farm, then the rest.
    rows.sort(
        key=lambda r: (
            not (r.missing and batch.status != BatchStatus.DECLARED),
            not (r.withdrawal or r.inactive),
        )
    )
    extra = sorted((tag_number(u), at) for u, at in reads.items() if u not in declared)
    alerts = labelled(batch.alerts.order_by("raised_at", "id"))
    return {
        "rows": rows,
        "extra": extra,
        "read_count": sum(1 for r in rows if not r.missing),
        "missing_count": sum(1 for r in rows if r.missing),
        "alerts": alerts,
        "open_alerts": [a for a in alerts if a.status != AlertStatus.RESOLVED],
        "may_resolve": actor.has_perm("trace.handle_supervisionalert"),
        "actions": batch_actions(actor=actor, batch=batch),
        "subject": batch_uri(batch),
    }


_OPEN = frozenset({BatchStatus.DECLARED, BatchStatus.LOADING, BatchStatus.RECONCILED, BatchStatus.MISMATCH})


# --- The inspector's worklist -----------------------------------------------------------------


@dataclass
class Worklist:
    to_reconcile: list[LoadingBatch]
    to_release: list[LoadingBatch]
    held: list[LoadingBatch]
    declared: list[LoadingBatch]
    alerts: list[SupervisionAlert]


def _by_status(actor: Any, statuses: Sequence[str], limit: int = 50) -> list[LoadingBatch]:
    return list(batches(actor=actor).filter(status__in=list(statuses)).order_by("planned_at", "id")[:limit])


def worklist(*, actor: Any) -> Worklist:
    """What waits for the inspector: batches loading (to reconcile), reconciled (to release),
    in mismatch (held), declared (coming), and the open pig alerts of their area."""
    alerts: list[SupervisionAlert] = []
    if actor.has_perm("trace.view_supervisionalert"):
        alerts = labelled(
            SupervisionAlert.objects.restrict(actor, "view")
            .filter(kind__in=PIG_ALERTS)
            .exclude(status=AlertStatus.RESOLVED)
            .order_by("-blocking", "-raised_at", "-id")[:50]
        )
    return Worklist(
        to_reconcile=_by_status(actor, [BatchStatus.LOADING]),
        to_release=_by_status(actor, [BatchStatus.RECONCILED]),
        held=_by_status(actor, [BatchStatus.MISMATCH]),
        declared=_by_status(actor, [BatchStatus.DECLARED]),
        alerts=alerts,
    )


def alert_links(*, actor: Any, alerts: Sequence[SupervisionAlert]) -> dict[int, str]:
    """Alert id → the page of the batch or pig it concerns (two queries for the whole list)."""
    from django.urls import reverse

    numbers = {a.pk: str(a.details.get("batch", "")) for a in alerts if a.details.get("batch")}
    pigs = {a.pk: a.subject.rsplit("/", 1)[-1] for a in alerts if a.kind == AlertKind.TRACEABILITY_GAP}
    batch_ids = dict(
        LoadingBatch.objects.in_scope(actor)
        .filter(number__in=set(numbers.values()))
        .values_list("number", "pk")
    )
    animal_ids = dict(
        Animal.objects.in_scope(actor).filter(cn_number__in=set(pigs.values())).values_list("cn_number", "pk")
    )
    links: dict[int, str] = {}
    for pk, number in numbers.items():
        if number in batch_ids:
            links[pk] = reverse("pigs:batch_detail", args=[batch_ids[number]])
    for pk, cn in pigs.items():
        if cn in animal_ids:
            links[pk] = reverse("pigs:animal_detail", args=[animal_ids[cn]])
    return links
