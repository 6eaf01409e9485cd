"""Tag reads from devices (RFID readers at gates, e-seal gateways, pig loading channels) turned
into EPCIS events.

Devices publish over MQTT (``openciq ingest mqtt``, :mod:`openciq.trace.mqtt`) or post over HTTP
(:func:`ingest_payload`); both send the same JSON payload and end in the same capture service.
The topic is ``openciq/v1/{site}/{device}/reads``; the payload::

    {"readPoint": "urn:epc:id:sgln:6901234.00001.G1",      # required: where the reader is
     "bizLocation": "...",                                 # optional
     "bizStep": "loading", "disposition": "in_transit",    # optional CBV values (any spelling)
     "timeZoneOffset": "+08:00",                           # optional, else the first read's offset
     "reads": [{"epc": "urn:epc:id:sgtin:6901234.012345.1001",
                "time": "2026-11-27T08:00:00.123+08:00",   # RFC 3339 with an offset
                "antenna": 2, "rssi": -61.5}],             # optional
     "seq": 1234}                                          # optional message counter of the device

A payload is accepted whole or refused whole (every problem named as an
:class:`~openciq.trace.problems.Issue` with a JSON Pointer into the payload), so a refused
message changes nothing. Reads of one tag at one read point within the folding window become one
``ObjectEvent`` (``action`` OBSERVE, ``eventTime`` = the first read) that carries the number of
reads and the last read time as OpenCIQ extension fields (``ociq:readCount``,
``ociq:lastReadTime``) and the device as ``ociq:device``. The events are built only from the
reads, so the same reads give the same events (and the same CBV 2.0 event hash): a device or a
broker that sends a message again causes duplicates that the capture service skips.

Identifiers are written in the repository's canonical form (GS1 Digital Link for GS1 keys; other
URIs, such as the authority's URIs for ISO 11784 ear tags, as sent), so that the same tag spelt
as an EPC URN by one reader and as a Digital Link by another folds into one observation.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from openciq.trace import cbv, epc
from openciq.trace.choices import CaptureSource, ErrorBehaviour
from openciq.trace.folding import Observation, Read, fold
from openciq.trace.problems import DocumentInvalid, Issue, pointer

if TYPE_CHECKING:
    from openciq.trace.models import CaptureJob

__all__ = [
    "EVENT_CONTEXT",
    "MAX_PAYLOAD_BYTES",
    "MAX_READS",
    "NAMESPACE",
    "NAMESPACES",
    "PREFIX",
    "DeviceMessage",
    "DeviceRead",
    "default_window",
    "device_from_topic",
    "events_from_observations",
    "format_time",
    "ingest_payload",
    "parse_payload",
    "recent_observations",
]

NAMESPACE = "https://openciq.org/epcis/"
PREFIX = "ociq"
NAMESPACES: Mapping[str, str] = {PREFIX: NAMESPACE}
#: The ``@context`` every device event carries: the EPCIS 2.0 context and the OpenCIQ prefix, so
#: a stored event is self-describing (and passes the extension-prefix rule on its own).
EVENT_CONTEXT: Sequence[object] = (
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    {PREFIX: NAMESPACE},
)
MAX_PAYLOAD_BYTES = 1024 * 1024
MAX_READS = 10_000  # per message: a reader's inventory round, not a day's log
_MAX_URI = 255  # the identifier columns of the repository

_TOPIC = re.compile(r"^openciq/v1/([^/+#]+)/([^/+#]+)/reads$")
_DEVICE = re.compile(r"^[A-Za-z0-9._~-]{1,64}(/[A-Za-z0-9._~-]{1,64})?$")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")
_OFFSET = re.compile(r"^[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00)$")
_FRACTION = re.compile(r"(\.\d{6})\d+")
_FIELDS = frozenset({"readPoint", "bizLocation", "bizStep", "disposition", "timeZoneOffset", "reads", "seq"})
_READ_FIELDS = frozenset({"epc", "time", "antenna", "rssi"})


@dataclass(frozen=True)
class DeviceRead:
    """One read as the device reported it (identifier in canonical form, time in UTC)."""

    epc: str
    at: dt.datetime
    antenna: int | None = None
    rssi: float | None = None


@dataclass(frozen=True)
class DeviceMessage:
    """One checked payload: where and what was read, by which device."""

    device: str  # "site/device" from the topic (or the HTTP endpoint)
    read_point: str
    reads: tuple[DeviceRead, ...]
    time_zone_offset: str  # the payload's, or the first read's offset; "+00:00" without reads
    biz_location: str | None = None
    biz_step: str | None = None
    disposition: str | None = None
    seq: int | None = None

    def folding_reads(self) -> list[Read]:
        """The reads as :class:`~openciq.trace.folding.Read` values for the folder."""
        return [Read(self.read_point, read.epc, read.at) for read in self.reads]


def device_from_topic(topic_or_device: str) -> str:
    """``site/device`` from an MQTT topic ``openciq/v1/{site}/{device}/reads``, or a device
    name given directly (``site/device`` or ``device``). Raises ``DocumentInvalid``."""
    match = _TOPIC.match(topic_or_device)
    device = f"{match.group(1)}/{match.group(2)}" if match else topic_or_device
    if not _DEVICE.match(device):
        raise DocumentInvalid(
            [
                Issue(
                    "",
                    f"{topic_or_device!r} is neither a topic openciq/v1/{{site}}/{{device}}/reads nor a device name "
                    "(letters, digits, '.', '_', '~', '-'; 'site/device')",
                    "topic",
                )
            ]
        )
    return device


def format_time(moment: dt.datetime) -> str:
    """RFC 3339 in UTC with ``Z``: milliseconds, or microseconds when the reader gave them."""
    utc = moment.astimezone(dt.UTC)
    spec = "milliseconds" if utc.microsecond % 1000 == 0 else "microseconds"
    return utc.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


# --- parsing ------------------------------------------------------------------------------------


def _decode(payload: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(payload, Mapping):
        return payload
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise DocumentInvalid(
            [
                Issue(
                    "",
                    f"the payload is {len(payload):,} bytes; the limit is {MAX_PAYLOAD_BYTES:,}",
                    "too_large",
                )
            ]
        )
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DocumentInvalid([Issue("", f"the payload is not JSON: {exc}", "json")]) from None
    if not isinstance(data, dict):
        raise DocumentInvalid([Issue("", "the payload must be a JSON object", "type")])
    return data


Where = tuple[str | int, ...]  # a JSON Pointer's parts, made into text only for an issue


@functools.lru_cache(maxsize=65_536)
def _canonical(value: str) -> str:
    """``epc.normalise`` remembered: a reader reports the same few tags many times."""
    return epc.normalise(value)


def _identifier(value: object, where: Where, what: str, issues: list[Issue]) -> str | None:
    if not isinstance(value, str) or not value.strip():
        issues.append(Issue(pointer(*where), f"{what} must be a URI (a string)", "type"))
        return None
    try:
        canonical = _canonical(value)
    except epc.InvalidEpc as exc:
        issues.append(Issue(pointer(*where), f"{what}: {exc.message}", f"identifier_{exc.rule}"))
        return None
    if len(canonical) > _MAX_URI:
        issues.append(Issue(pointer(*where), f"{what} is longer than {_MAX_URI} characters", "too_long"))
        return None
    return canonical


def _vocabulary(kind: str, value: object, issues: list[Issue]) -> str | None:
    if not isinstance(value, str):
        issues.append(Issue(pointer(kind), f"{kind} must be a string (a CBV word, URN or Web URI)", "type"))
        return None
    try:
        return cbv.normalise(kind, value)
    except ValueError as exc:
        issues.append(Issue(pointer(kind), str(exc), "cbv"))
        return None


def _time(value: object, where: Where, issues: list[Issue]) -> tuple[dt.datetime, str] | None:
    """The instant (UTC) and the offset as written (``+00:00`` for ``Z``)."""
    match = _RFC3339.match(value) if isinstance(value, str) else None
    if match is None:
        issues.append(
            Issue(
                pointer(*where),
                f"time {value!r} is not an RFC 3339 date-time with an offset (2026-11-27T08:00:00.123+08:00)",
                "time",
            )
        )
        return None
    try:
        moment = _instant(str(value))
    except ValueError as exc:
        issues.append(Issue(pointer(*where), f"time {value!r} is not a valid date-time: {exc}", "time"))
        return None
    offset = match.group(2).upper()
    return moment.astimezone(dt.UTC), "+00:00" if offset == "Z" else offset


def _number(value: object, where: Where, issues: list[Issue], *, integer: bool) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
        issues.append(
            Issue(pointer(*where), f"{where[-1]} must be {'an integer' if integer else 'a number'}", "type")
        )
        return None
    return value


def _read(item: object, index: int, issues: list[Issue]) -> tuple[DeviceRead, str] | None:
    if not isinstance(item, dict):
        issues.append(Issue(pointer("reads", index), "a read must be an object with epc and time", "type"))
        return None
    if not item.keys() <= _READ_FIELDS:
        for key in sorted(set(item) - _READ_FIELDS):
            issues.append(
                Issue(pointer("reads", index, key), f"unknown field {key!r} in a read", "unknown_field")
            )
    missing = [key for key in ("epc", "time") if key not in item]
    for key in missing:
        issues.append(Issue(pointer("reads", index, key), f"a read needs {key}", "required"))
    if missing:
        return None
    tag = _identifier(item["epc"], ("reads", index, "epc"), "epc", issues)
    when = _time(item["time"], ("reads", index, "time"), issues)
    antenna = _number(item.get("antenna"), ("reads", index, "antenna"), issues, integer=True)
    rssi = _number(item.get("rssi"), ("reads", index, "rssi"), issues, integer=False)
    if tag is None or when is None:
        return None
    return DeviceRead(tag, when[0], antenna, float(rssi) if rssi is not None else None), when[1]


def _reads(value: object, issues: list[Issue]) -> tuple[list[DeviceRead], str | None]:
    if not isinstance(value, list):
        issues.append(Issue("/reads", "reads must be a list of reads", "type"))
        return [], None
    if len(value) > MAX_READS:
        issues.append(
            Issue("/reads", f"{len(value):,} reads in one message; the limit is {MAX_READS:,}", "too_many")
        )
        return [], None
    reads: list[DeviceRead] = []
    first_offset: str | None = None
    for index, item in enumerate(value):
        parsed = _read(item, index, issues)
        if parsed is not None:
            reads.append(parsed[0])
            first_offset = first_offset or parsed[1]
    return reads, first_offset


def parse_payload(topic: str, payload: bytes | str | Mapping[str, Any]) -> DeviceMessage:
    """Check a device payload (bytes as received, or JSON already decoded) published on
    ``topic`` (or posted by the device named ``topic``). Raises ``DocumentInvalid`` carrying
    every problem found, each naming its field; nothing of a refused payload is used."""
    device = device_from_topic(topic)
    data = _decode(payload)
    issues: list[Issue] = [
        Issue(pointer(key), f"unknown field {key!r}", "unknown_field") for key in sorted(set(data) - _FIELDS)
    ]
    read_point = None
    if "readPoint" not in data:
        issues.append(
            Issue(
                "/readPoint", "readPoint is required: the read point (SGLN or URI) of the reader", "required"
            )
        )
    else:
        read_point = _identifier(data["readPoint"], ("readPoint",), "readPoint", issues)
    biz_location = None
    if data.get("bizLocation") is not None:
        biz_location = _identifier(data["bizLocation"], ("bizLocation",), "bizLocation", issues)
    biz_step = _vocabulary("bizStep", data["bizStep"], issues) if data.get("bizStep") is not None else None
    disposition = None
    if data.get("disposition") is not None:
        disposition = _vocabulary("disposition", data["disposition"], issues)
    offset = data.get("timeZoneOffset")
    if offset is not None and not (isinstance(offset, str) and _OFFSET.match(offset)):
        issues.append(
            Issue("/timeZoneOffset", f"timeZoneOffset {offset!r} is not an offset such as +08:00", "offset")
        )
    seq = data.get("seq")
    if seq is not None and (isinstance(seq, bool) or not isinstance(seq, int) or seq < 0):
        issues.append(Issue("/seq", "seq must be a non-negative integer", "type"))
    if "reads" not in data:
        issues.append(Issue("/reads", "reads is required (a list, possibly empty)", "required"))
    reads, first_offset = _reads(data.get("reads", []), issues)
    if issues or read_point is None:
        raise DocumentInvalid(issues)
    return DeviceMessage(
        device=device,
        read_point=read_point,
        reads=tuple(reads),
        time_zone_offset=offset or first_offset or "+00:00",
        biz_location=biz_location,
        biz_step=biz_step,
        disposition=disposition,
        seq=seq,
    )


# --- events -------------------------------------------------------------------------------------


def events_from_observations(
    message: DeviceMessage, observations: Iterable[Observation]
) -> list[dict[str, Any]]:
    """One ``ObjectEvent`` OBSERVE per observation, in the EPCIS 2.0 JSON binding, with the
    business context of ``message`` (the message that brought the observation's first read)."""
    events = []
    for obs in observations:
        event: dict[str, Any] = {
            "@context": list(EVENT_CONTEXT),
            "type": "ObjectEvent",
            "eventTime": format_time(obs.first),
            "eventTimeZoneOffset": message.time_zone_offset,
            "epcList": [obs.epc],
            "action": "OBSERVE",
        }
        if message.biz_step:
            event["bizStep"] = message.biz_step
        if message.disposition:
            event["disposition"] = message.disposition
        event["readPoint"] = {"id": obs.read_point}
        if message.biz_location:
            event["bizLocation"] = {"id": message.biz_location}
        event[f"{PREFIX}:readCount"] = obs.reads
        event[f"{PREFIX}:lastReadTime"] = format_time(obs.last)
        event[f"{PREFIX}:device"] = message.device
        events.append(event)
    return events


def ingest_payload(
    *,
    actor: Any,
    topic_or_device: str,
    payload: bytes | str | Mapping[str, Any],
    source: str = CaptureSource.DEVICE_HTTP,
    window: dt.timedelta | None = None,
) -> CaptureJob:
    """Capture one device payload (the HTTP device endpoint): check it, fold its reads within
    the window (``TRACE_FOLD_WINDOW`` seconds by default) and capture the events as one job,
    all or nothing (``rollback``). Reads are folded within this payload only: a web process
    keeps no state between requests. Sending the same payload again stores nothing new (the
    job counts duplicates). Raises ``DocumentInvalid`` for a refused payload (nothing stored)
    and the capture service's errors (``PermissionDeniedError``) as they come."""
    from openciq.trace.services import capture_events

    message = parse_payload(topic_or_device, payload)
    observations = list(fold(message.folding_reads(), window or default_window()))
    events = events_from_observations(message, sorted(observations, key=lambda o: (o.first, o.epc)))
    return capture_events(
        actor=actor,
        events=events,
        namespaces=NAMESPACES,
        error_behaviour=ErrorBehaviour.ROLLBACK,
        source=source,
    )


def default_window() -> dt.timedelta:
    """The folding window: ``TRACE_FOLD_WINDOW`` seconds (2 by default)."""
    from django.conf import settings

    return dt.timedelta(seconds=float(getattr(settings, "TRACE_FOLD_WINDOW", 2.0)))


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(_FRACTION.sub(r"\1", text).upper().replace("Z", "+00:00"))


def recent_observations(*, since: dt.datetime) -> list[Observation]:
    """Observations already stored by the MQTT ingest since ``since`` (by record time), read
    back from their events: a restarted ingest folds reads that continue a stored pass (or
    messages the broker delivers again) into them instead of capturing a second event."""
    from openciq.trace.choices import EventType
    from openciq.trace.models import Event

    documents = (
        Event.objects.filter(
            record_time__gte=since, type=EventType.OBJECT, capture_job__source=CaptureSource.MQTT
        )
        .order_by()
        .values_list("document", flat=True)
    )
    found = []
    for document in documents.iterator(chunk_size=2000):
        event = json.loads(document)
        try:
            found.append(
                Observation(
                    read_point=event["readPoint"]["id"],
                    epc=event["epcList"][0],
                    first=_instant(event["eventTime"]),
                    last=_instant(event[f"{PREFIX}:lastReadTime"]),
                    reads=int(event[f"{PREFIX}:readCount"]),
                )
            )
        except (KeyError, IndexError, TypeError, ValueError):
            continue  # not an event of this ingest's shape
    return found
