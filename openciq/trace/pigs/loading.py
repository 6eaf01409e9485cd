"""The loading batch's workflow: declared → loading (the channel's readers record what passes) →
reconciled, or mismatch (missing or extra tags, pigs inside a withdrawal period or no longer on
the farm: a blocking alert holds the export declaration) → released by the inspector (the pigs
go into the truck) → received in Hong Kong (what arrives compared with what left); cancelled
from any state before release. Part of the pig services (``services.py`` re-exports these).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from openciq.accounts.services import system_actor
from openciq.core import audit
from openciq.core.numbering import next_value
from openciq.declarations import holds
from openciq.trace import identifiers
from openciq.trace import services as trace_services
from openciq.trace.animal_ids import InvalidIdentifier, parse_printed
from openciq.trace.choices import AlertKind, AlertSeverity, AlertStatus, LocationKind
from openciq.trace.models import Event, Location, SupervisionAlert
from openciq.trace.pigs import epcis, lifetime
from openciq.trace.pigs.choices import OPEN_BATCH_STATES, AnimalStatus, BatchStatus
from openciq.trace.pigs.models import Animal, BatchAnimal, Farm, LoadingBatch
from openciq.trace.pigs.writing import (
    active_tags,
    check,
    emit,
    find_animals,
    lock,
    moment,
    refuse,
    require,
)

MAX_PIGS = 400  # on one truck (a three-deck livestock truck carries 200-300 finishing pigs)
DECLARATION = re.compile(r"^[0-9A-Za-z-]{6,40}$")
PLATE = re.compile(r"^[\w·-]{4,20}$")
# Where Hong Kong reads pigs on receipt unless told otherwise: the Sheung Shui slaughterhouse
# (approximate coordinates).
HK_RECEIPT = ("HK-SHEUNG-SHUI", "上水屠房 Sheung Shui Slaughterhouse", 22.5147, 114.1218)


def batch_uri(batch: LoadingBatch) -> str:
    """The batch as the subject of its alerts."""
    return identifiers.batch("pig-loading-batch", batch.number)


def tag_number(uri: str) -> str:
    """The printed number of an ISO 11784 tag URI; other identifiers as they are."""
    prefix = f"{settings.TRACE_ID_AUTHORITY}/iso11784/"
    return uri[len(prefix) :] if uri.startswith(prefix) else uri


@dataclass(frozen=True)
class BatchInput:
    """A truckload declared for loading: the export declaration, the truck, the pigs."""

    farm_id: int
    declaration_number: str
    truck_plate: str
    animals: Sequence[str]  # China ear-tag or ISO 11784 numbers
    planned_at: dt.datetime | None = None


def _check_batch_animals(
    farm: Farm, data: BatchInput, planned_at: dt.datetime, errors: dict[str, list[str]]
) -> list[Animal]:
    animals = find_animals(farm, data.animals, errors)
    if len(animals) > MAX_PIGS:
        errors.setdefault("animals", []).append(
            _("One truck carries at most %(max)d pigs.") % {"max": MAX_PIGS}
        )
    gone = [a.cn_number for a in animals if a.status != AnimalStatus.ACTIVE]
    if gone:
        errors.setdefault("animals", []).append(
            _("These pigs are no longer on the farm: %(numbers)s.") % {"numbers": ", ".join(gone[:20])}
        )
    booked = sorted(
        BatchAnimal.objects.filter(animal__in=animals, batch__status__in=OPEN_BATCH_STATES).values_list(
            "animal__cn_number", flat=True
        )
    )
    if booked:
        errors.setdefault("animals", []).append(
            _("These pigs are on another open batch: %(numbers)s.") % {"numbers": ", ".join(booked[:20])}
        )
    withdrawal = [a for a in animals if a.in_withdrawal(planned_at)]
    if withdrawal:
        errors.setdefault("animals", []).append(
            _("These pigs are inside a withdrawal period at the planned time: %(numbers)s.")
            % {
                "numbers": ", ".join(
                    f"{a.cn_number} ({timezone.localtime(a.withdrawal_until):%Y-%m-%d %H:%M})"
                    for a in withdrawal[:20]
                )
            }
        )
    return animals


@audit.audited
def batch_declare(*, actor: Any, data: BatchInput) -> LoadingBatch:
    """Declare a truckload (``pigs.add_loadingbatch``): pigs of one farm, on its farm, on no
    other open batch, outside any withdrawal period at the planned time. No EPCIS event (a plan,
    not something that happened). Audit ``pigs.batch_declared``."""
    require(actor, "pigs.add_loadingbatch")
    farm = lock(Farm, actor, data.farm_id)
    errors: dict[str, list[str]] = {}
    if not farm.is_active:
        errors["farm_id"] = [_("The farm's registration is not active.")]
    declaration = data.declaration_number.strip()
    if not DECLARATION.match(declaration):
        errors["declaration_number"] = [_("The export declaration's number: letters, digits and hyphens.")]
    plate = re.sub(r"\s", "", data.truck_plate).upper()
    if not PLATE.match(plate):
        errors["truck_plate"] = [_("The truck's plate as registered, e.g. 粤Z1234港.")]
    planned_at = data.planned_at or timezone.now()
    animals = _check_batch_animals(farm, data, planned_at, errors)
    refuse(errors, _("The batch was not declared."))
    year = timezone.localdate().year
    batch = LoadingBatch(
        number=f"LB{year}{next_value(f'pigs.batch.{year}'):06d}",
        farm=farm,
        declaration_number=declaration,
        truck_plate=plate,
        loading_channel_id=farm.loading_channel_id,
        planned_at=planned_at,
        declared_by=actor,
        status=BatchStatus.DECLARED,
    )
    batch.save()
    BatchAnimal.objects.bulk_create([BatchAnimal(batch=batch, animal=a) for a in animals])
    audit.record(
        actor=actor,
        action="pigs.batch_declared",
        obj=batch,
        changes={
            **audit.diff(None, audit.snapshot(batch)),
            "animals": {"before": None, "after": [a.cn_number for a in animals]},
        },
    )
    return batch


@audit.audited
def batch_start_loading(*, actor: Any, batch_id: int) -> LoadingBatch:
    """Open the loading channel for the batch (``pigs.load_loadingbatch``): from now on the tags
    its readers report are recorded against this batch (``listener.py``). From ``mismatch`` this
    sends the pigs through the channel again; earlier reads stay. One batch loads in a channel
    at a time. Audit ``pigs.batch_loading_started``."""
    require(actor, "pigs.load_loadingbatch")
    batch = lock(LoadingBatch, actor, batch_id)
    check(batch, "start")
    busy = (
        LoadingBatch.objects.filter(status=BatchStatus.LOADING, loading_channel_id=batch.loading_channel_id)
        .exclude(pk=batch.pk)
        .first()
    )
    if busy is not None:
        refuse(
            {
                "loading_channel": [
                    _("Batch %(number)s is loading in this channel.") % {"number": busy.number}
                ]
            },
            _("The loading channel is busy."),
        )
    before = audit.snapshot(batch)
    batch.status = BatchStatus.LOADING
    batch.loading_started_at = batch.loading_started_at or timezone.now()
    batch.save()
    audit.record_change(actor=actor, action="pigs.batch_loading_started", obj=batch, before=before)
    return batch


@dataclass
class _Comparison:
    entries: list[BatchAnimal]
    read_declared: list[str]  # tag URIs
    missing: list[str]  # printed numbers of the declared pigs not read
    extra: list[str]  # URIs read, not declared
    withdrawal: list[str]  # China numbers
    inactive: list[str]  # China numbers

    @property
    def matched(self) -> bool:
        return not (self.missing or self.extra or self.withdrawal or self.inactive)


def _compare(batch: LoadingBatch, now: dt.datetime) -> _Comparison:
    """The channel's reads against the declared pigs' tags in use."""
    entries = list(batch.entries.select_related("animal").order_by("animal__cn_number"))
    tags = active_tags([e.animal_id for e in entries])
    reads = dict(batch.reads.values_list("uri", "read_at"))
    declared: set[str] = set()
    read_declared: list[str] = []
    missing: list[str] = []
    for entry in entries:
        uris = [t.uri for t in tags[entry.animal_id]]
        declared.update(uris)
        hits = [reads[u] for u in uris if u in reads]
        entry.read_at = min(hits) if hits else None
        read_declared += [u for u in uris if u in reads]
        if not hits:
            missing.append(
                tags[entry.animal_id][0].iso_number if tags[entry.animal_id] else entry.animal.cn_number
            )
    return _Comparison(
        entries=entries,
        read_declared=read_declared,
        missing=missing,
        extra=sorted(u for u in reads if u not in declared),
        withdrawal=[e.animal.cn_number for e in entries if e.animal.in_withdrawal(now)],
        inactive=[e.animal.cn_number for e in entries if e.animal.status != AnimalStatus.ACTIVE],
    )


def _raise_loading_alerts(
    batch: LoadingBatch, found: _Comparison, event: Event | None
) -> list[SupervisionAlert]:
    system = system_actor()
    common: dict[str, Any] = {
        "actor": system,
        "subject": batch_uri(batch),
        "declaration_number": batch.declaration_number,
        "blocking": True,
        "event": event,
        "org_unit_id": batch.farm.org_unit_id,
    }
    raised = []
    if found.missing or found.extra or found.inactive:
        raised.append(
            trace_services.alert_raise(
                key=f"pigs:loading:{batch.pk}:{batch.reconcile_count}",
                kind=AlertKind.LOADING_MISMATCH,
                severity=AlertSeverity.HIGH,
                title=_(
                    "Loading batch %(number)s: %(missing)d missing, %(extra)d extra, %(inactive)d not on the farm"
                )
                % {
                    "number": batch.number,
                    "missing": len(found.missing),
                    "extra": len(found.extra),
                    "inactive": len(found.inactive),
                },
                details={
                    "batch": batch.number,
                    "missing": found.missing,
                    "extra": [tag_number(u) for u in found.extra],
                    "inactive": found.inactive,
                },
                **common,
            )
        )
    if found.withdrawal:
        raised.append(
            trace_services.alert_raise(
                key=f"pigs:withdrawal:{batch.pk}:{batch.reconcile_count}",
                kind=AlertKind.WITHDRAWAL,
                severity=AlertSeverity.HIGH,
                title=_("Loading batch %(number)s: %(count)d pig(s) inside a withdrawal period")
                % {"number": batch.number, "count": len(found.withdrawal)},
                details={"batch": batch.number, "animals": found.withdrawal},
                **common,
            )
        )
    return raised


@audit.audited
def batch_reconcile(*, actor: Any, batch_id: int) -> LoadingBatch:
    """Compare what the channel read with the declared list (``pigs.load_loadingbatch``):
    ``reconciled`` when every declared pig was read, nothing else was, and every pig is on the
    farm and outside its withdrawal period; ``mismatch`` otherwise, with blocking alerts
    (``loading_mismatch``, ``withdrawal``) that hold the export declaration. Events: ObjectEvent
    OBSERVE inspecting of the declared tags read (``conformant`` on a match), and of extra tags
    (``mismatch_instance``). Audit ``pigs.batch_reconciled``."""
    require(actor, "pigs.load_loadingbatch")
    batch = lock(LoadingBatch, actor, batch_id)
    check(batch, "reconcile")
    batch = _reload(batch)
    now = timezone.now()
    found = _compare(batch, now)
    before = audit.snapshot(batch)
    BatchAnimal.objects.bulk_update(found.entries, ["read_at"])
    # The batch leaves "loading" before its own inspecting events are captured at the channel,
    # so the listener does not take them for the readers' reads.
    batch.reconcile_count += 1
    batch.reconciled_at = now
    batch.status = BatchStatus.RECONCILED if found.matched else BatchStatus.MISMATCH
    batch.result = {
        "declared": len(found.entries),
        "read": len(found.entries) - len(found.missing),
        "missing": found.missing,
        "extra": [tag_number(u) for u in found.extra],
        "withdrawal": found.withdrawal,
        "inactive": found.inactive,
    }
    batch.save()
    events = []
    if found.read_declared:
        events.append(
            epcis.inspecting(
                batch=batch,
                tag_uris=found.read_declared,
                when=now,
                matched=found.matched,
                missing=found.missing,
                extra=[tag_number(u) for u in found.extra],
            )
        )
    if found.extra:
        events.append(epcis.extra_tags(batch=batch, uris=found.extra, when=now))
    ids = emit(actor, events)
    batch.event_ids = [*batch.event_ids, *ids]
    batch.save(update_fields=["event_ids", "updated_at"])
    if not found.matched:
        event = Event.objects.filter(event_id=ids[0]).first() if ids else None
        batch.alerts.add(*_raise_loading_alerts(batch, found, event))
    audit.record_change(actor=actor, action="pigs.batch_reconciled", obj=batch, before=before)
    lifetime.apply(actor=actor, animals=_animals(batch))
    return batch


@audit.audited
def batch_hold(*, actor: Any, batch_id: int, reason: str) -> LoadingBatch:
    """Hold a reconciled batch for a closer look (``pigs.release_loadingbatch``): it goes to
    ``mismatch`` with a blocking ``loading_mismatch`` alert giving the reason, which holds the
    export declaration until resolved. Event: ObjectEvent OBSERVE holding of the declared tags
    read. Audit ``pigs.batch_held``."""
    require(actor, "pigs.release_loadingbatch")
    batch = lock(LoadingBatch, actor, batch_id)
    check(batch, "hold")
    reason = (reason or "").strip()
    if not reason:
        refuse({"reason": [_("Say why the batch is held.")]}, _("The batch was not held."))
    batch = _reload(batch)
    before = audit.snapshot(batch)
    batch.status = BatchStatus.MISMATCH
    batch.save()
    entries = list(batch.entries.filter(read_at__isnull=False))
    tags = active_tags([e.animal_id for e in entries])
    uris = [t.uri for e in entries for t in tags[e.animal_id]]
    ids = emit(
        actor,
        [epcis.holding(batch=batch, tag_uris=uris, when=timezone.now(), reason=reason[:300])] if uris else [],
    )
    batch.event_ids = [*batch.event_ids, *ids]
    batch.save(update_fields=["event_ids", "updated_at"])
    alert = trace_services.alert_raise(
        actor=system_actor(),
        key=f"pigs:hold:{batch.pk}:{batch.alerts.count()}",
        kind=AlertKind.LOADING_MISMATCH,
        severity=AlertSeverity.HIGH,
        title=_("Loading batch %(number)s held by the inspector: %(reason)s")
        % {"number": batch.number, "reason": reason},
        subject=batch_uri(batch),
        declaration_number=batch.declaration_number,
        blocking=True,
        details={"batch": batch.number, "reason": reason, "held_by": actor.get_username()},
        event=Event.objects.filter(event_id=ids[0]).first() if ids else None,
        org_unit_id=batch.farm.org_unit_id,
    )
    batch.alerts.add(alert)
    audit.record_change(actor=actor, action="pigs.batch_held", obj=batch, before=before)
    return batch


def _reload(batch: LoadingBatch) -> LoadingBatch:
    """The locked batch with the places its events name."""
    found: LoadingBatch = LoadingBatch.objects.select_related("farm__location", "loading_channel").get(
        pk=batch.pk
    )
    return found


def _animals(batch: LoadingBatch, **filters: Any) -> list[Animal]:
    return list(
        Animal.objects.select_related("farm__location")
        .filter(batch_entries__batch=batch, **{f"batch_entries__{k}": v for k, v in filters.items()})
        .order_by("id")
    )


def _release_holds(batch: LoadingBatch) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if batch.status == BatchStatus.MISMATCH:
        open_alerts = [a.title for a in batch.alerts.exclude(status=AlertStatus.RESOLVED).order_by("id")]
        if open_alerts:
            errors["alerts"] = open_alerts
    reasons = holds.reasons(batch.declaration_number)
    if reasons:
        errors["declaration_number"] = reasons
    return errors


@audit.audited
def batch_release(*, actor: Any, batch_id: int) -> LoadingBatch:
    """Release the batch (``pigs.release_loadingbatch``): from ``reconciled``, or from
    ``mismatch`` once its alerts are resolved; never while something holds the export
    declaration. The declared pigs read in the channel that are still on the farm and outside
    their withdrawal period go into the truck; the others stay on the farm. Event:
    AggregationEvent ADD loading → in_transit (parent = the truck, bizTransaction ``cert`` = the
    declaration). Audit ``pigs.batch_released``."""
    require(actor, "pigs.release_loadingbatch")
    batch = lock(LoadingBatch, actor, batch_id)
    check(batch, "release")
    batch = _reload(batch)
    refuse(_release_holds(batch), _("The batch is held: resolve what holds it first."))
    now = timezone.now()
    entries = [
        e
        for e in batch.entries.select_related("animal")
        .filter(read_at__isnull=False)
        .order_by("animal__cn_number")
        if e.animal.status == AnimalStatus.ACTIVE and not e.animal.in_withdrawal(now)
    ]
    if not entries:
        refuse({"animals": [_("No declared pig was read in the channel and may be loaded.")]})
    tags = active_tags([e.animal_id for e in entries])
    uris = [t.uri for e in entries for t in tags[e.animal_id]]
    before = audit.snapshot(batch)
    ids = emit(actor, [epcis.loading(batch=batch, tag_uris=uris, when=now)])
    Animal.objects.filter(pk__in=[e.animal_id for e in entries]).update(status=AnimalStatus.IN_TRANSIT)
    BatchAnimal.objects.filter(pk__in=[e.pk for e in entries]).update(loaded=True)
    batch.status = BatchStatus.RELEASED
    batch.released_by, batch.released_at, batch.loaded_count = actor, now, len(entries)
    batch.event_ids = [*batch.event_ids, *ids]
    batch.save()
    audit.record_change(actor=actor, action="pigs.batch_released", obj=batch, before=before)
    lifetime.apply(actor=actor, animals=_animals(batch, loaded=True))
    return batch


def receipt_place(uri: str | None, errors: dict[str, list[str]]) -> Location | None:
    if uri:
        place = Location.objects.filter(uri=uri.strip()).first()
        if place is None:
            errors["read_point"] = [_("No such place in the location registry.")]
        return place
    code, name, latitude, longitude = HK_RECEIPT
    return trace_services.location_save(
        actor=system_actor(),
        uri=identifiers.place("slaughterhouse", code),
        name=name,
        kind=LocationKind.SLAUGHTERHOUSE,
        latitude=latitude,
        longitude=longitude,
    )


def _read_uris(numbers: Sequence[str], errors: dict[str, list[str]]) -> list[str]:
    uris: list[str] = []
    bad: list[str] = []
    for number in numbers:
        if not number.strip():
            continue
        try:
            uris.append(identifiers.animal(parse_printed(number).printed))
        except InvalidIdentifier:
            bad.append(number.strip())
    if bad:
        errors["read_numbers"] = [_("Not ISO 11784 numbers: %(numbers)s.") % {"numbers": ", ".join(bad[:20])}]
    return list(dict.fromkeys(uris))


@audit.audited
def batch_receive_hk(
    *,
    actor: Any,
    batch_id: int,
    read_numbers: Sequence[str],
    received_at: dt.datetime | None = None,
    read_point: str | None = None,
) -> LoadingBatch:
    """Record the Hong Kong side's receipt reads (``pigs.receive_loadingbatch``): the tags read on
    arrival (by default at the Sheung Shui slaughterhouse) against the pigs that left. A
    difference raises a ``receipt_mismatch`` alert (not blocking: the declaration was released).
    Events: ObjectEvent OBSERVE receiving (the tags read) and AggregationEvent DELETE unloading
    (the truck emptied of what left in it). Audit ``pigs.batch_received``."""
    require(actor, "pigs.receive_loadingbatch")
    batch = lock(LoadingBatch, actor, batch_id)
    check(batch, "receive")
    batch = _reload(batch)
    errors: dict[str, list[str]] = {}
    at = moment(received_at, errors, "received_at")
    if batch.released_at and at < batch.released_at:
        errors.setdefault("received_at", []).append(_("The batch left the farm after this time."))
    read = _read_uris(read_numbers, errors)
    place = receipt_place(read_point, errors)
    refuse(errors, _("The receipt was not recorded."))
    assert place is not None
    entries = list(batch.entries.filter(loaded=True).order_by("id"))
    tags = active_tags([e.animal_id for e in entries])
    left = {t.uri: e for e in entries for t in tags[e.animal_id]}
    received = {left[u].pk: left[u] for u in read if u in left}
    missing = [tags[e.animal_id][0].iso_number for e in entries if e.pk not in received and tags[e.animal_id]]
    extra = [tag_number(u) for u in read if u not in left]
    events = [epcis.receiving(batch=batch, tag_uris=read, place=place.uri, when=at)] if read else []
    events.append(epcis.unloading(batch=batch, tag_uris=list(left), place=place.uri, when=at))
    before = audit.snapshot(batch)
    ids = emit(actor, events)
    Animal.objects.filter(pk__in=[e.animal_id for e in received.values()]).update(
        status=AnimalStatus.RECEIVED
    )
    BatchAnimal.objects.filter(pk__in=list(received)).update(received_at=at)
    batch.status = BatchStatus.RECEIVED
    batch.received_at, batch.received_count, batch.receipt_point = at, len(received), place
    batch.receipt_result = {"missing": missing, "extra": extra}
    batch.event_ids = [*batch.event_ids, *ids]
    batch.save()
    if missing or extra:
        alert = trace_services.alert_raise(
            actor=system_actor(),
            key=f"pigs:receipt:{batch.pk}",
            kind=AlertKind.RECEIPT_MISMATCH,
            severity=AlertSeverity.HIGH,
            title=_("Loading batch %(number)s: %(left)d pigs left, %(received)d read in Hong Kong")
            % {"number": batch.number, "left": batch.loaded_count, "received": len(received)},
            subject=batch_uri(batch),
            declaration_number=batch.declaration_number,
            blocking=False,
            details={"batch": batch.number, "missing": missing, "extra": extra},
            org_unit_id=batch.farm.org_unit_id,
        )
        batch.alerts.add(alert)
    audit.record_change(actor=actor, action="pigs.batch_received", obj=batch, before=before)
    lifetime.apply(actor=actor, animals=_animals(batch, loaded=True))
    return batch


@audit.audited
def batch_cancel(*, actor: Any, batch_id: int, reason: str) -> LoadingBatch:
    """Cancel a batch before its release (``pigs.cancel_loadingbatch``), saying why: its pigs are
    free for another batch. Audit ``pigs.batch_cancelled``."""
    require(actor, "pigs.cancel_loadingbatch")
    batch = lock(LoadingBatch, actor, batch_id)
    check(batch, "cancel")
    if not reason.strip():
        refuse({"reason": [_("Say why the batch is cancelled.")]}, _("The batch was not cancelled."))
    before = audit.snapshot(batch)
    batch.status = BatchStatus.CANCELLED
    batch.cancel_reason = reason.strip()[:300]
    batch.save()
    audit.record_change(actor=actor, action="pigs.batch_cancelled", obj=batch, before=before)
    return batch
