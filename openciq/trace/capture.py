"""Storing checked EPCIS events: from the JSON-binding dict of an event to the repository's rows.

This is the capture engine under the services (``services.capture_*``): it takes events that
have passed the two validation layers, puts each in its canonical form (identifiers as GS1 Digital
Link, CBV values as bare words, times in UTC), computes the CBV 2.0 event hash, drops what is
already stored, and writes events, identifiers, locations and references in a few set-based
statements per batch. One capture of 1,000 events is a handful of queries, not thousands.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from openciq.trace import cbv, epc, event_hash
from openciq.trace.choices import (
    ACTION_BY_NAME,
    EVENT_TYPE_BY_NAME,
    EpcRole,
    ReferenceKind,
)
from openciq.trace.models import Epc, Event, EventEpc, EventReference, Location
from openciq.trace.problems import Issue

# Identifier lists of an event, in the JSON binding, and the role each gets in the index.
_EPC_LISTS = (
    ("epcList", EpcRole.EPC),
    ("childEPCs", EpcRole.CHILD),
    ("inputEPCList", EpcRole.INPUT),
    ("outputEPCList", EpcRole.OUTPUT),
)
_QUANTITY_LISTS = (
    ("quantityList", EpcRole.QUANTITY),
    ("childQuantityList", EpcRole.CHILD_QUANTITY),
    ("inputQuantityList", EpcRole.INPUT_QUANTITY),
    ("outputQuantityList", EpcRole.OUTPUT_QUANTITY),
)
_REFERENCE_LISTS = (
    ("bizTransactionList", ReferenceKind.BIZ_TRANSACTION, "bizTransaction", "bizTransactionType"),
    ("sourceList", ReferenceKind.SOURCE, "source", "sourceDestType"),
    ("destinationList", ReferenceKind.DESTINATION, "destination", "sourceDestType"),
)
_CHUNK = 500  # identifiers per IN (...) lookup: well inside SQLite's variable limit

# Called with the events a capture stored, inside its transaction (the supervision apps compare
# border-gate reads with declarations, watch seals, reconcile loading channels). A listener must
# be quick to say "not mine" and must raise only for bugs: raising undoes the capture.
Listener = Callable[[Sequence[Event]], None]
_listeners: list[Listener] = []


def register_listener(listener: Listener) -> None:
    """Called from a supervision app's ``AppConfig.ready``."""
    if listener not in _listeners:
        _listeners.append(listener)


_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_time(value: str) -> dt.datetime:
    """An RFC 3339 time with its offset as an aware UTC datetime (fractions past microseconds,
    which EPCIS allows, are cut, not rounded)."""
    text = _FRACTION.sub(r"\1", value.strip())
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone offset")
    return moment.astimezone(dt.UTC)


def canonical_identifier(value: str) -> str:
    """The stored form of an identifier: canonical GS1 Digital Link for a GS1 key, the URI as sent
    (trimmed) for anything else, including an EPC URN the validator let through with a warning."""
    try:
        return epc.normalise(value)
    except epc.InvalidEpc:
        return value.strip()


def canonical_vocabulary(kind: str, value: str) -> str:
    try:
        return cbv.normalise(kind, value)
    except ValueError:
        return value.strip()


@dataclass
class Prepared:
    """One event ready to store: its columns, identifiers and references in canonical form."""

    index: int  # position in the document, for error paths
    path: str
    hash: bytes
    event_id: str | None
    is_error_declaration: bool
    type: int
    action: int | None
    event_time: dt.datetime
    time_zone_offset: str
    biz_step: str
    disposition: str
    read_point: str | None
    biz_location: str | None
    document: str
    epcs: list[tuple[str, int]] = field(default_factory=list)
    references: list[tuple[int, str, str]] = field(default_factory=list)


def prepare(event: Mapping[str, Any], *, namespaces: Mapping[str, str], index: int, path: str) -> Prepared:
    """Canonical columns of one validated event (raises ``ValueError`` for what the validators
    cannot have let through, so a bug shows up as a refused event, not a wrong row)."""
    digest = event_hash.event_hash(event, namespaces=namespaces)
    hex_digest = digest.split(";", 1)[1].split("?", 1)[0]
    action = event.get("action")
    read_point = (event.get("readPoint") or {}).get("id")
    biz_location = (event.get("bizLocation") or {}).get("id")
    prepared = Prepared(
        index=index,
        path=path,
        hash=bytes.fromhex(hex_digest),
        event_id=event.get("eventID") or None,
        is_error_declaration="errorDeclaration" in event,
        type=EVENT_TYPE_BY_NAME[event["type"]],
        action=ACTION_BY_NAME[action] if action else None,
        event_time=parse_time(event["eventTime"]),
        time_zone_offset=event["eventTimeZoneOffset"],
        biz_step=canonical_vocabulary("bizStep", event["bizStep"]) if event.get("bizStep") else "",
        disposition=canonical_vocabulary("disposition", event["disposition"])
        if event.get("disposition")
        else "",
        read_point=canonical_identifier(read_point) if read_point else None,
        biz_location=canonical_identifier(biz_location) if biz_location else None,
        document=json.dumps(_stored_form(event, namespaces), ensure_ascii=False, separators=(",", ":")),
    )
    seen: set[tuple[str, int]] = set()

    def add(value: str, role: int) -> None:
        key = (canonical_identifier(value), role)
        if key not in seen:
            seen.add(key)
            prepared.epcs.append(key)

    for key, role in _EPC_LISTS:
        for value in event.get(key) or ():
            add(value, role)
    if event.get("parentID"):
        add(event["parentID"], EpcRole.PARENT)
    for key, role in _QUANTITY_LISTS:
        for element in event.get(key) or ():
            add(element["epcClass"], role)
    for key, kind, value_key, vocabulary in _REFERENCE_LISTS:
        for element in event.get(key) or ():
            type_ = element.get("type", "")
            prepared.references.append(
                (
                    kind,
                    canonical_vocabulary(vocabulary, type_) if type_ else "",
                    canonical_identifier(element[value_key]),
                )
            )
    return prepared


def _stored_form(event: Mapping[str, Any], namespaces: Mapping[str, str]) -> dict[str, Any]:
    """The event as sent, without what the repository sets itself (``recordTime``), carrying the
    namespaces of the extension prefixes it uses (declared on the document, they would be lost
    with it) in its own ``@context``."""
    stored = {key: value for key, value in event.items() if key != "recordTime"}
    if "@context" not in stored and namespaces:
        used = sorted(prefix for prefix in _prefixes(stored) if prefix in namespaces)
        if used:
            stored = {"@context": [{prefix: namespaces[prefix] for prefix in used}], **stored}
    return stored


def _prefixes(value: Any) -> set[str]:
    """Prefixes of the ``prefix:name`` keys anywhere in ``value``."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if ":" in key and not key.startswith("@"):
                found.add(key.split(":", 1)[0])
            if isinstance(item, dict | list):
                found |= _prefixes(item)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list):
                found |= _prefixes(item)
    return found


@dataclass
class StoreResult:
    stored: list[Event]
    duplicates: list[Prepared]


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def intern_epcs(uris: Iterable[str]) -> dict[str, int]:
    """Row ids of identifiers, creating the ones not seen before."""
    wanted = sorted(set(uris))
    found: dict[str, int] = {}
    for chunk in _chunks(wanted):
        found.update(Epc.objects.filter(uri__in=chunk).values_list("uri", "id"))
    missing = [uri for uri in wanted if uri not in found]
    if missing:
        Epc.objects.bulk_create([Epc(uri=uri) for uri in missing], batch_size=_CHUNK, ignore_conflicts=True)
        for chunk in _chunks(missing):
            found.update(Epc.objects.filter(uri__in=chunk).values_list("uri", "id"))
    return found


def intern_locations(uris: Iterable[str]) -> dict[str, int]:
    """Row ids of locations, creating the ones first seen in an event (as roots, unnamed)."""
    wanted = sorted(set(uris))
    found: dict[str, int] = {}
    for chunk in _chunks(wanted):
        found.update(Location.objects.filter(uri__in=chunk).values_list("uri", "id"))
    for uri in wanted:
        if uri not in found:
            location = Location.objects.create(uri=uri)
            location.path = f"/{location.pk}/"
            Location.objects.filter(pk=location.pk).update(path=location.path)
            found[uri] = location.pk
    return found


def existing_hashes(prepared: Sequence[Prepared]) -> set[tuple[bytes, bool]]:
    """(hash, is error declaration) pairs of these events that are already stored."""
    found: set[tuple[bytes, bool]] = set()
    for flag in (False, True):
        hashes = [p.hash for p in prepared if p.is_error_declaration is flag]
        for chunk in _chunks(hashes):
            found.update(
                (bytes(h), flag)
                for h in Event.objects.filter(hash__in=chunk, is_error_declaration=flag).values_list(
                    "hash", flat=True
                )
            )
    return found


def existing_event_ids(prepared: Sequence[Prepared]) -> set[tuple[str, bool]]:
    found: set[tuple[str, bool]] = set()
    for flag in (False, True):
        ids = [p.event_id for p in prepared if p.event_id and p.is_error_declaration is flag]
        for chunk in _chunks(ids):
            found.update(
                (event_id, flag)
                for event_id in Event.objects.filter(
                    event_id__in=chunk, is_error_declaration=flag
                ).values_list("event_id", flat=True)
                if event_id is not None
            )
    return found


def split_duplicates(prepared: Sequence[Prepared]) -> tuple[list[Prepared], list[Prepared]]:
    """New events and duplicates (of stored events or of an earlier event in the same batch):
    the same hash, or the same sender-given eventID, among events or among error declarations."""
    by_hash = existing_hashes(prepared)
    by_id = existing_event_ids(prepared)
    new: list[Prepared] = []
    duplicates: list[Prepared] = []
    for item in prepared:
        hash_key = (item.hash, item.is_error_declaration)
        id_key: tuple[str, bool] | None = (
            (item.event_id, item.is_error_declaration) if item.event_id else None
        )
        if hash_key in by_hash or (id_key is not None and id_key in by_id):
            duplicates.append(item)
            continue
        by_hash.add(hash_key)
        if id_key is not None:
            by_id.add(id_key)
        new.append(item)
    return new, duplicates


def store(
    prepared: Sequence[Prepared], *, capture_job_id: int | None, record_time: dt.datetime | None = None
) -> StoreResult:
    """Write new events with their identifiers and references; skip duplicates. Must run inside
    a transaction (the services open one). A concurrent capture of the same event is caught by
    the unique constraints and reported as a duplicate."""
    assert connection.in_atomic_block, "capture.store runs inside the service's transaction"
    new, duplicates = split_duplicates(prepared)
    if not new:
        return StoreResult([], duplicates)
    record_time = record_time or timezone.now()
    locations = intern_locations(
        uri for item in new for uri in (item.read_point, item.biz_location) if uri is not None
    )
    epc_ids = intern_epcs(uri for item in new for uri, _role in item.epcs)
    rows = [
        Event(
            hash=item.hash,
            event_id=item.event_id,
            is_error_declaration=item.is_error_declaration,
            type=item.type,
            action=item.action,
            event_time=item.event_time,
            time_zone_offset=item.time_zone_offset,
            record_time=record_time,
            biz_step=item.biz_step,
            disposition=item.disposition,
            read_point_id=locations[item.read_point] if item.read_point else None,
            biz_location_id=locations[item.biz_location] if item.biz_location else None,
            capture_job_id=capture_job_id,
            document=item.document,
        )
        for item in new
    ]
    try:
        with transaction.atomic():
            Event.objects.bulk_create(rows, batch_size=_CHUNK)
    except IntegrityError:
        # Another capture stored some of these between our check and our insert: store one by
        # one, and count the losers of the race as duplicates.
        return _store_one_by_one(new, rows, duplicates, epc_ids)
    _store_links(new, rows, epc_ids)
    _notify(rows)
    return StoreResult(rows, duplicates)


def _notify(rows: Sequence[Event]) -> None:
    if rows:
        for listener in _listeners:
            listener(rows)


def _store_one_by_one(
    new: Sequence[Prepared], rows: Sequence[Event], duplicates: list[Prepared], epc_ids: Mapping[str, int]
) -> StoreResult:
    stored_items: list[Prepared] = []
    stored_rows: list[Event] = []
    for item, row in zip(new, rows, strict=True):
        row.pk = None
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            duplicates.append(item)
            continue
        stored_items.append(item)
        stored_rows.append(row)
    _store_links(stored_items, stored_rows, epc_ids)
    _notify(stored_rows)
    return StoreResult(stored_rows, duplicates)


def _store_links(items: Sequence[Prepared], rows: Sequence[Event], epc_ids: Mapping[str, int]) -> None:
    EventEpc.objects.bulk_create(
        [
            EventEpc(epc_id=epc_ids[uri], event_id=row.pk, role=role)
            for item, row in zip(items, rows, strict=True)
            for uri, role in item.epcs
        ],
        batch_size=_CHUNK,
    )
    references = [
        EventReference(event_id=row.pk, kind=kind, type=type_, value=value)
        for item, row in zip(items, rows, strict=True)
        for kind, type_, value in item.references
    ]
    if references:
        EventReference.objects.bulk_create(references, batch_size=_CHUNK)


def duplicate_issue(item: Prepared) -> Issue:
    return Issue(
        item.path,
        "This event is already in the repository (same event hash or eventID).",
        "duplicate",
        "warning",
    )
