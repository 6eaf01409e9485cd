"""Lifetime traceability of pigs (after Australia's NLIS "lifetime traceable" status): rules over
each pig's EPCIS record that warn automatically when the record has a gap.

The rules, each a ``GapRule``:

``no_commissioning`` (traceability lost)
    None of the pig's tags has a commissioning event: the pig's origin on its farm is not in the
    record (tags applied outside the platform, or a record imported without its events).
``silent`` (at risk)
    A pig still on its farm with no event on any of its tags for ``SILENT_DAYS`` days: no
    vaccination, no medication, no read. A live pig is handled more often than that.
``stray_read`` (at risk)
    One of its tags was read, before the pig was released onto a truck, at a place outside its
    farm (the farm's place and everything inside it, the loading channel included): the pig, or
    its tag, was somewhere the record never moved it to.
``replaced_tag_read`` (at risk)
    A tag was read after it came off the pig (replaced, or its pig died): a tag in the wrong
    hands or a cloned number.
``not_received`` (at risk)
    Released onto a truck ``TRANSIT_HOURS`` hours ago and not read on receipt in Hong Kong.

A pig with no finding is ``traceable``; ``no_commissioning`` makes it ``lost``; any other finding
``at_risk``. Each finding raises a non-blocking ``traceability_gap`` alert (once per pig, rule
and cause). The services re-evaluate the pigs they touch; :func:`lifetime_check` (command
``manage.py pigs_lifetime_check``) goes through every pig still under supervision in chunks.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from openciq.core import audit
from openciq.trace import services as trace_services
from openciq.trace.choices import Action, AlertKind, AlertSeverity, EventType
from openciq.trace.models import EventEpc, SupervisionAlert
from openciq.trace.pigs.choices import AnimalStatus, GapRule, Traceability
from openciq.trace.pigs.models import Animal, BatchAnimal, EarTag

SILENT_DAYS = 120
TRANSIT_HOURS = 24
CHUNK = 500  # pigs evaluated together: a handful of queries per chunk

_LOSING = frozenset({GapRule.NO_COMMISSIONING})


@dataclass(frozen=True)
class Finding:
    """One gap in one pig's record; ``cause`` tells this gap from another of the same rule."""

    rule: str
    message: str
    cause: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Read:
    event_id: int
    time: dt.datetime
    type: int
    action: int | None
    biz_step: str
    place_path: str
    place_uri: str


@dataclass
class CheckSummary:
    """What a lifetime check went through and found."""

    checked: int = 0
    traceable: int = 0
    at_risk: int = 0
    lost: int = 0
    alerts: int = 0


def _reads(tags: Sequence[EarTag]) -> dict[int, list[_Read]]:
    """Tag id → the events naming it (error declarations left out), oldest first."""
    by_uri = {tag.uri: tag.pk for tag in tags}
    found: dict[int, list[_Read]] = defaultdict(list)
    if not by_uri:
        return found
    rows = (
        EventEpc.objects.filter(epc__uri__in=list(by_uri), event__is_error_declaration=False)
        .order_by("event__event_time", "event_id")
        .values_list(
            "epc__uri",
            "event_id",
            "event__event_time",
            "event__type",
            "event__action",
            "event__biz_step",
            "event__read_point__path",
            "event__read_point__uri",
            "event__biz_location__path",
            "event__biz_location__uri",
        )
    )
    for uri, pk, time, type_, action, step, rp_path, rp_uri, bl_path, bl_uri in rows:
        found[by_uri[uri]].append(
            _Read(pk, time, type_, action, step, rp_path or bl_path or "", rp_uri or bl_uri or "")
        )
    return found


def _released(animal_ids: Sequence[int]) -> dict[int, dt.datetime]:
    """Pig id → when it was first released onto a truck."""
    rows = (
        BatchAnimal.objects.filter(animal_id__in=animal_ids, loaded=True, batch__released_at__isnull=False)
        .values("animal_id")
        .annotate(first=Min("batch__released_at"))
        .values_list("animal_id", "first")
    )
    return dict(rows)


def evaluate(animals: Sequence[Animal], *, now: dt.datetime | None = None) -> dict[int, list[Finding]]:
    """The findings of every rule for each pig (its farm's place loaded with it)."""
    now = now or timezone.now()
    tags = list(EarTag.objects.filter(animal__in=[a.pk for a in animals]).order_by("animal_id", "id"))
    reads = _reads(tags)
    released = _released([a.pk for a in animals])
    tags_of: dict[int, list[EarTag]] = defaultdict(list)
    for tag in tags:
        tags_of[tag.animal_id].append(tag)
    return {
        animal.pk: list(_findings(animal, tags_of[animal.pk], reads, released.get(animal.pk), now))
        for animal in animals
    }


def _findings(
    animal: Animal,
    tags: Sequence[EarTag],
    reads: dict[int, list[_Read]],
    released_at: dt.datetime | None,
    now: dt.datetime,
) -> Iterator[Finding]:
    events = [(tag, read) for tag in tags for read in reads.get(tag.pk, ())]
    commissioned = any(
        read.type == EventType.OBJECT and read.action == Action.ADD and read.biz_step == "commissioning"
        for _tag, read in events
    )
    if not commissioned:
        yield Finding(GapRule.NO_COMMISSIONING, _("None of this pig's tags has a tagging event."))
    latest = max((read.time for _tag, read in events), default=None)
    if animal.status == AnimalStatus.ACTIVE and (
        latest is None or latest < now - dt.timedelta(days=SILENT_DAYS)
    ):
        since = latest or animal.tagged_at
        if since < now - dt.timedelta(days=SILENT_DAYS):
            yield Finding(
                GapRule.SILENT,
                _("No event for this pig since %(date)s.")
                % {"date": f"{timezone.localtime(since):%Y-%m-%d}"},
                cause=f"{since:%Y%m%d}",
            )
    farm_path = animal.farm.location.path
    for tag, read in events:
        before_loading = released_at is None or read.time < released_at
        if before_loading and read.place_path and not read.place_path.startswith(farm_path):
            yield Finding(
                GapRule.STRAY_READ,
                _("Tag %(tag)s was read at %(place)s, outside its farm, before it was loaded.")
                % {"tag": tag.iso_number, "place": read.place_uri},
                cause=str(read.event_id),
                details={"tag": tag.iso_number, "place": read.place_uri, "event": read.event_id},
            )
        if tag.removed_at is not None and read.time > tag.removed_at:
            yield Finding(
                GapRule.REPLACED_TAG_READ,
                _("Tag %(tag)s was read on %(time)s, after it came off the pig.")
                % {"tag": tag.iso_number, "time": f"{timezone.localtime(read.time):%Y-%m-%d %H:%M}"},
                cause=str(read.event_id),
                details={"tag": tag.iso_number, "event": read.event_id},
            )
    if (
        animal.status == AnimalStatus.IN_TRANSIT
        and released_at is not None
        and released_at < now - dt.timedelta(hours=TRANSIT_HOURS)
    ):
        yield Finding(
            GapRule.NOT_RECEIVED,
            _("Loaded on %(time)s and not read in Hong Kong since.")
            % {"time": f"{timezone.localtime(released_at):%Y-%m-%d %H:%M}"},
            cause=f"{released_at:%Y%m%d%H%M}",
        )


def status_of(findings: Sequence[Finding]) -> str:
    if any(f.rule in _LOSING for f in findings):
        return Traceability.LOST
    return Traceability.AT_RISK if findings else Traceability.TRACEABLE


def apply(*, actor: Any, animals: Sequence[Animal], now: dt.datetime | None = None) -> CheckSummary:
    """Evaluate the pigs, store each one's status and warnings, and raise an alert for each new
    finding (with the system actor: an automatic step). Runs inside the caller's transaction
    and audit scope; the caller records the audit event of the step that led here."""
    now = now or timezone.now()
    summary = CheckSummary()
    if not animals:
        return summary
    findings = evaluate(animals, now=now)
    system = _system()
    for animal in animals:
        found = findings[animal.pk]
        status = status_of(found)
        reasons = [{"rule": f.rule, "message": f.message, "at": now.isoformat()} for f in found]
        if status != animal.traceability or [r["message"] for r in reasons] != [
            r.get("message") for r in animal.traceability_reasons
        ]:
            Animal.objects.filter(pk=animal.pk).update(traceability=status, traceability_reasons=reasons)
            animal.traceability, animal.traceability_reasons = status, reasons
        summary.checked += 1
        setattr(summary, status, getattr(summary, status) + 1)
        for finding in found:
            summary.alerts += _raise(system, animal, finding)
    Animal.objects.filter(pk__in=[a.pk for a in animals]).update(traceability_checked_at=now)
    return summary


def _system() -> Any:
    from openciq.accounts.services import system_actor

    return system_actor()


def _raise(system: Any, animal: Animal, finding: Finding) -> int:
    """Put a finding on the worklist once; 1 when it is new."""
    key = f"pigs:gap:{animal.pk}:{finding.rule}:{finding.cause}"[:200]
    if SupervisionAlert.objects.filter(key=key).exists():
        return 0
    trace_services.alert_raise(
        actor=system,
        key=key,
        kind=AlertKind.TRACEABILITY_GAP,
        title=_("Pig %(number)s: %(message)s") % {"number": animal.cn_number, "message": finding.message},
        subject=animal.uri,
        severity=AlertSeverity.HIGH if finding.rule in _LOSING else AlertSeverity.MEDIUM,
        blocking=False,
        details={"rule": finding.rule, "farm": animal.farm.registration_number, **finding.details},
        org_unit_id=animal.farm.org_unit_id,
    )
    return 1


def _chunks(rows: Iterable[Animal], size: int) -> Iterator[list[Animal]]:
    chunk: list[Animal] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def lifetime_check(
    *, actor: Any, farm_id: int | None = None, now: dt.datetime | None = None, chunk: int = CHUNK
) -> CheckSummary:
    """Evaluate every pig still under supervision (on a farm or in transit), chunk by chunk: one
    transaction and one ``pigs.lifetime_checked`` audit event per chunk, so a long run holds no
    lock for long and a stop loses at most a chunk."""
    total = CheckSummary()
    animals = (
        Animal.objects.filter(status__in=[AnimalStatus.ACTIVE, AnimalStatus.IN_TRANSIT])
        .select_related("farm__location")
        .order_by("id")
    )
    if farm_id is not None:
        animals = animals.filter(farm_id=farm_id)
    last = 0
    while True:
        rows = list(animals.filter(pk__gt=last)[:chunk])
        if not rows:
            return total
        last = rows[-1].pk
        part = _check_chunk(actor=actor, animals=rows, now=now)
        for name in ("checked", "traceable", "at_risk", "lost", "alerts"):
            setattr(total, name, getattr(total, name) + getattr(part, name))


@audit.audited
def _check_chunk(*, actor: Any, animals: Sequence[Animal], now: dt.datetime | None) -> CheckSummary:
    summary = apply(actor=actor, animals=animals, now=now)
    audit.record(
        actor=actor,
        action="pigs.lifetime_checked",
        changes={
            "first": animals[0].pk,
            "last": animals[-1].pk,
            "checked": summary.checked,
            "at_risk": summary.at_risk,
            "lost": summary.lost,
            "alerts": summary.alerts,
        },
    )
    return summary
