"""The EPCIS 2.0 events of a sealed crossing, as the traceability brief (§5.3) models them, and
the seal facts read back out of captured events.

Written by the supervision services (sealing, authorised opening, inspection, release, the hold
an alarm puts on a container); read by the capture listener (what a gateway or checkpoint
reported). Every event carries its own ``@context`` declaring the OpenCIQ prefix, so a stored
event is self-describing, and names the declaration as a business transaction
(``{authority}/declaration/{number}``), so ``EQ_bizTransaction`` finds a declaration's events.

Extension fields (namespace ``https://openciq.org/epcis/``):

* ``ociq:sealStatus`` — ``sealed`` | ``opened`` | ``tampered``, what the seal reports;
* ``ociq:battery`` — battery level, a percentage (0-100) or ``"low"`` / ``"ok"``;
* ``ociq:trip``, ``ociq:declarationNumber``, ``ociq:plate``, ``ociq:sealId`` — set on the
  events OpenCIQ writes; ``ociq:alarm`` on a ``holding`` event names the alarm;
  ``ociq:clearanceMinutes`` on the release.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings

from openciq.trace import identifiers
from openciq.trace.devices import EVENT_CONTEXT, NAMESPACE, PREFIX

if TYPE_CHECKING:
    from openciq.trace.containers.models import Trip
    from openciq.trace.models import Location

CLEARING = "https://openciq.org/epcis/bizstep/clearing"
CONTAINER_PREFIX = "urn:epc:id:bic:"
LOW_BATTERY_PERCENT = 20
SEAL_STATUS = "sealStatus"
BATTERY = "battery"
_LOW_WORDS = frozenset({"low", "critical", "empty"})
_OK_WORDS = frozenset({"ok", "good", "normal", "full", "high"})


def seal_prefix() -> str:
    """Every seal URI starts with this (``identifiers.seal``)."""
    return f"{identifiers.authority()}/seal/"


def seal_id_of(uri: str) -> str:
    """The seal ID of a seal URI (``…/seal/ZJ01-00012345`` → ``ZJ01-00012345``)."""
    return uri[len(seal_prefix()) :] if uri.startswith(seal_prefix()) else uri


def declaration_uri(number: str) -> str:
    return identifiers.batch("declaration", number)


def event_time(moment: dt.datetime) -> tuple[str, str]:
    """``eventTime`` and ``eventTimeZoneOffset`` in the bureau's time zone (milliseconds)."""
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    offset = local.strftime("%z")
    return local.isoformat(timespec="milliseconds"), f"{offset[:3]}:{offset[3:]}"


def _event(
    kind: str, moment: dt.datetime, trip: Trip, place: Location | None, **fields: Any
) -> dict[str, Any]:
    when, offset = event_time(moment)
    event: dict[str, Any] = {
        "@context": list(EVENT_CONTEXT),
        "type": kind,
        "eventTime": when,
        "eventTimeZoneOffset": offset,
    }
    event.update({key: value for key, value in fields.items() if value is not None})
    if place is not None:
        event["readPoint"] = {"id": place.uri}
    event["bizTransactionList"] = [{"bizTransaction": declaration_uri(trip.declaration_number)}]
    event[f"{PREFIX}:trip"] = trip.number
    event[f"{PREFIX}:declarationNumber"] = trip.declaration_number
    return event


def sealing(trip: Trip, moment: dt.datetime) -> list[dict[str, Any]]:
    """Seal applied: the seal associated with the container (AssociationEvent ADD, ``installing``)
    and the container closed (ObjectEvent, ``staging_outbound`` → ``container_closed``)."""
    place = trip.sealing_location
    container, seal = trip.container.uri, trip.seal.uri
    return [
        _event(
            "AssociationEvent",
            moment,
            trip,
            place,
            action="ADD",
            parentID=container,
            childEPCs=[seal],
            bizStep="installing",
        ),
        _event(
            "ObjectEvent",
            moment,
            trip,
            place,
            action="OBSERVE",
            epcList=[container, seal],
            bizStep="staging_outbound",
            disposition="container_closed",
            **{
                f"{PREFIX}:sealId": trip.seal.seal_id,
                f"{PREFIX}:plate": trip.plate,
                f"{PREFIX}:{SEAL_STATUS}": "sealed",
            },
        ),
    ]


def seal_removal(trip: Trip, moment: dt.datetime, place: Location | None) -> list[dict[str, Any]]:
    """The seal taken off: decommissioned (ObjectEvent DELETE, ``decommissioning``) and no longer
    associated with the container (AssociationEvent DELETE, ``removing``)."""
    container, seal = trip.container.uri, trip.seal.uri
    return [
        _event(
            "ObjectEvent",
            moment,
            trip,
            place,
            action="DELETE",
            epcList=[seal],
            bizStep="decommissioning",
        ),
        _event(
            "AssociationEvent",
            moment,
            trip,
            place,
            action="DELETE",
            parentID=container,
            childEPCs=[seal],
            bizStep="removing",
        ),
    ]


def authorised_opening(trip: Trip, moment: dt.datetime, place: Location | None) -> list[dict[str, Any]]:
    """Opened with authority at the destination: the container unloaded (``unloading`` →
    ``container_open``), then the seal removed."""
    opened = _event(
        "ObjectEvent",
        moment,
        trip,
        place,
        action="OBSERVE",
        epcList=[trip.container.uri],
        bizStep="unloading",
        disposition="container_open",
    )
    return [opened, *seal_removal(trip, moment, place)]


def inspection(trip: Trip, moment: dt.datetime, place: Location | None, result: str) -> dict[str, Any]:
    """The container inspected (``inspecting`` → ``conformant`` / ``non_conformant``)."""
    epcs = [trip.container.uri, trip.seal.uri] if trip.seal_on else [trip.container.uri]
    return _event(
        "ObjectEvent",
        moment,
        trip,
        place,
        action="OBSERVE",
        epcList=epcs,
        bizStep="inspecting",
        disposition=result,
    )


def clearing(trip: Trip, moment: dt.datetime, place: Location | None) -> dict[str, Any]:
    """Released by the destination office (OpenCIQ's ``clearing`` step), with the clearance time."""
    extra = {}
    if trip.clearance_seconds is not None:
        extra[f"{PREFIX}:clearanceMinutes"] = round(trip.clearance_seconds / 60)
    return _event(
        "ObjectEvent",
        moment,
        trip,
        place,
        action="OBSERVE",
        epcList=[trip.container.uri],
        bizStep=CLEARING,
        **extra,
    )


def holding(
    trip: Trip, moment: dt.datetime, place: Location | None, alarm: str, read_seals: Iterable[str] = ()
) -> dict[str, Any]:
    """The container held for inspection after an alarm (``holding``; a seal that differs from
    the declared one is a ``mismatch_instance``)."""
    epcs = [trip.container.uri, *sorted(set(read_seals) - {trip.container.uri})]
    return _event(
        "ObjectEvent",
        moment,
        trip,
        place,
        action="OBSERVE",
        epcList=epcs,
        bizStep="holding",
        disposition="mismatch_instance" if alarm == "seal_mismatch" else None,
        **{f"{PREFIX}:alarm": alarm, f"{PREFIX}:declaredSeal": trip.seal.seal_id},
    )


# --- Reading what devices reported ---------------------------------------------------------------


@dataclass(frozen=True)
class SealFacts:
    """What one captured event says about a seal: its state and battery, when reported."""

    seal_status: str | None
    battery_percent: int | None
    battery_low: bool | None


def _prefixes(context: object) -> set[str]:
    """Prefixes an event's ``@context`` binds to the OpenCIQ namespace."""
    entries: Sequence[object] = context if isinstance(context, list) else [context]
    return {
        prefix
        for entry in entries
        if isinstance(entry, Mapping)
        for prefix, uri in entry.items()
        if uri == NAMESPACE
    }


def _extension(document: Mapping[str, Any], name: str, prefixes: set[str]) -> Any:
    for key in (*(f"{prefix}:{name}" for prefix in sorted(prefixes)), f"{NAMESPACE}{name}"):
        if key in document:
            return document[key]
    return None


def _battery(value: Any) -> tuple[int | None, bool | None]:
    if isinstance(value, bool) or value is None:
        return None, None
    text = str(value).strip().lower().rstrip("%")
    if text in _LOW_WORDS:
        return None, True
    if text in _OK_WORDS:
        return None, False
    try:
        percent = int(max(Decimal(0), min(Decimal(100), Decimal(text))))
    except (InvalidOperation, ValueError):
        return None, None
    return percent, percent < LOW_BATTERY_PERCENT


def seal_facts(document: str) -> SealFacts:
    """The seal state and battery a stored event reports (its own ``@context`` says which prefix
    stands for the OpenCIQ namespace; the full IRI is accepted too)."""
    try:
        parsed = json.loads(document)
    except ValueError:
        return SealFacts(None, None, None)
    if not isinstance(parsed, dict):
        return SealFacts(None, None, None)
    prefixes = _prefixes(parsed.get("@context"))
    status = _extension(parsed, SEAL_STATUS, prefixes)
    status = str(status).strip().lower() if isinstance(status, str) else None
    percent, low = _battery(_extension(parsed, BATTERY, prefixes))
    return SealFacts(status if status in ("sealed", "opened", "tampered") else None, percent, low)


def mentions_seal_or_container(document: str) -> bool:
    """The cheap first test of the listener: could this stored event name a container or a
    seal at all? (Identifiers are stored as sent; a container has only its BIC URN.)"""
    lowered = document.lower()
    return CONTAINER_PREFIX in lowered or seal_prefix().lower() in lowered
