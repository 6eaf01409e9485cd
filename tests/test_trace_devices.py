"""Device payloads (RFID readers, e-seal gateways, loading channels) checked and turned into EPCIS
events; the HTTP path (``ingest_payload``) through the real capture service."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from openciq.trace import devices
from openciq.trace.choices import CaptureSource, CaptureStatus
from openciq.trace.folding import Observation
from openciq.trace.models import CaptureJob, Event
from openciq.trace.problems import DocumentInvalid
from tests import personas

TOPIC = "openciq/v1/SZ-WENJINDU/gate-3/reads"
GATE = "urn:epc:id:sgln:6901234.00001.0"
GATE_DL = "https://id.gs1.org/414/6901234000016"
CRATE = "urn:epc:id:sgtin:6901234.012345.1001"
CRATE_DL = "https://id.gs1.org/01/06901234123456/21/1001"
CRATE_2 = "urn:epc:id:sgtin:6901234.012345.1002"
CRATE_2_DL = "https://id.gs1.org/01/06901234123456/21/1002"
PIG = "https://id.openciq.org/iso11784/156000000000042"
T0 = dt.datetime(2026, 11, 27, 0, 0, tzinfo=dt.UTC)  # 08:00 in Shenzhen


def payload(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "readPoint": GATE,
        "bizStep": "loading",
        "reads": [{"epc": CRATE, "time": "2026-11-27T08:00:00.123+08:00", "antenna": 2, "rssi": -61.5}],
    }
    body.update(fields)
    return body


def problems(topic: str, body: Any) -> list[tuple[str, str]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with pytest.raises(DocumentInvalid) as caught:
        devices.parse_payload(topic, raw)
    return [(issue.path, issue.rule) for issue in caught.value.issues]


# --- parsing ------------------------------------------------------------------------------------


def test_a_payload_is_read_into_canonical_identifiers_and_utc_times() -> None:
    message = devices.parse_payload(TOPIC, json.dumps(payload(seq=7)).encode())
    assert message == devices.DeviceMessage(
        device="SZ-WENJINDU/gate-3",
        read_point=GATE_DL,
        reads=(devices.DeviceRead(CRATE_DL, T0 + dt.timedelta(milliseconds=123), 2, -61.5),),
        time_zone_offset="+08:00",
        biz_step="loading",
        seq=7,
    )


def test_cbv_values_in_any_spelling_become_bare_words() -> None:
    message = devices.parse_payload(
        TOPIC,
        payload(
            bizStep="urn:epcglobal:cbv:bizstep:departing",
            disposition="https://ref.gs1.org/cbv/Disp-in_transit",
            bizLocation="urn:epc:id:sgln:6901234.00002.0",
        ),
    )
    assert (message.biz_step, message.disposition, message.biz_location) == (
        "departing",
        "in_transit",
        "https://id.gs1.org/414/6901234000023",
    )


def test_the_payload_time_zone_offset_wins_over_the_reads() -> None:
    reads = [{"epc": PIG, "time": "2026-11-27T00:00:00Z"}]
    assert devices.parse_payload(TOPIC, payload(reads=reads)).time_zone_offset == "+00:00"
    assert (
        devices.parse_payload(TOPIC, payload(reads=reads, timeZoneOffset="+08:00")).time_zone_offset
        == "+08:00"
    )


def test_a_non_gs1_tag_uri_is_kept_as_sent_and_an_empty_read_list_is_accepted() -> None:
    message = devices.parse_payload(TOPIC, payload(reads=[{"epc": PIG, "time": "2026-11-27T08:00:00+08:00"}]))
    assert message.reads[0].epc == PIG
    assert devices.parse_payload(TOPIC, payload(reads=[])).reads == ()


def test_the_device_comes_from_the_topic_or_is_given_directly() -> None:
    assert devices.device_from_topic("openciq/v1/HK-LOKMACHAU/eseal-gw-1/reads") == "HK-LOKMACHAU/eseal-gw-1"
    assert devices.device_from_topic("SZ-WENJINDU/gate-3") == "SZ-WENJINDU/gate-3"


def test_a_topic_outside_the_scheme_is_refused() -> None:
    assert problems("openciq/v2/site/dev/reads", payload()) == [("", "topic")]
    assert problems("openciq/v1/site/+/reads", payload()) == [("", "topic")]


def test_a_payload_that_is_not_a_json_object_is_refused() -> None:
    assert problems(TOPIC, b"{not json") == [("", "json")]
    assert problems(TOPIC, b"[1, 2]") == [("", "type")]
    assert problems(TOPIC, b"\xff\xfe") == [("", "json")]


def test_an_oversized_payload_or_too_many_reads_is_refused() -> None:
    assert problems(TOPIC, b" " * (devices.MAX_PAYLOAD_BYTES + 1)) == [("", "too_large")]
    many = [{"epc": PIG, "time": "2026-11-27T08:00:00+08:00"}] * (devices.MAX_READS + 1)
    assert problems(TOPIC, payload(reads=many)) == [("/reads", "too_many")]


def test_missing_read_point_and_reads_are_named() -> None:
    assert problems(TOPIC, {"bizStep": "loading"}) == [("/readPoint", "required"), ("/reads", "required")]


def test_an_unknown_field_is_named_rather_than_ignored() -> None:
    assert problems(TOPIC, payload(readpoint=GATE)) == [("/readpoint", "unknown_field")]
    reads = [{"epc": PIG, "time": "2026-11-27T08:00:00+08:00", "tid": "E280"}]
    assert problems(TOPIC, payload(reads=reads)) == [("/reads/0/tid", "unknown_field")]


def test_a_bad_read_point_biz_step_disposition_or_offset_is_named() -> None:
    body = payload(
        readPoint="gate 3", bizStep="transforming", disposition="in_transport", timeZoneOffset="+8", seq=-1
    )
    assert problems(TOPIC, body) == [
        ("/readPoint", "identifier_format"),
        ("/bizStep", "cbv"),
        ("/disposition", "cbv"),
        ("/timeZoneOffset", "offset"),
        ("/seq", "type"),
    ]


def test_every_bad_read_is_named_and_the_whole_payload_refused() -> None:
    reads = [
        {"epc": CRATE, "time": "2026-11-27T08:00:00+08:00"},  # fine, but refused with the others
        {"epc": "3034257BF7194E4000001A85", "time": "2026-11-27T08:00:00+08:00"},  # tag memory hex
        {"epc": "urn:epc:id:sgtin:6901234.01234.1", "time": "2026-11-27T08:00:00+08:00"},
        {"epc": CRATE, "time": "2026-11-27 08:00:00"},  # no offset
        {"epc": CRATE, "time": "2026-11-31T08:00:00Z"},  # no such day
        {"epc": CRATE, "time": "2026-11-27T08:00:00Z", "antenna": "2", "rssi": True},
        {"time": "2026-11-27T08:00:00Z"},
        "3034257BF7194E4000001A85",
    ]
    assert problems(TOPIC, payload(reads=reads)) == [
        ("/reads/1/epc", "identifier_format"),
        ("/reads/2/epc", "identifier_format"),
        ("/reads/3/time", "time"),
        ("/reads/4/time", "time"),
        ("/reads/5/antenna", "type"),
        ("/reads/5/rssi", "type"),
        ("/reads/6/epc", "required"),
        ("/reads/7", "type"),
    ]


def test_format_time_keeps_microseconds_only_when_there_are_any() -> None:
    assert devices.format_time(T0 + dt.timedelta(milliseconds=5)) == "2026-11-27T00:00:00.005Z"
    assert devices.format_time(T0 + dt.timedelta(microseconds=5)) == "2026-11-27T00:00:00.000005Z"
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert devices.format_time(dt.datetime(2026, 11, 27, 8, 0, tzinfo=shanghai)) == "2026-11-27T00:00:00.000Z"


# --- events -------------------------------------------------------------------------------------


def test_an_observation_becomes_one_object_event_with_its_read_count_and_last_read() -> None:
    message = devices.parse_payload(TOPIC, payload(disposition="in_transit", bizLocation=GATE))
    obs = Observation(GATE_DL, CRATE_DL, T0, T0 + dt.timedelta(seconds=1.5), reads=20)
    assert devices.events_from_observations(message, [obs]) == [
        {
            "@context": [
                "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                {"ociq": "https://openciq.org/epcis/"},
            ],
            "type": "ObjectEvent",
            "eventTime": "2026-11-27T00:00:00.000Z",
            "eventTimeZoneOffset": "+08:00",
            "epcList": [CRATE_DL],
            "action": "OBSERVE",
            "bizStep": "loading",
            "disposition": "in_transit",
            "readPoint": {"id": GATE_DL},
            "bizLocation": {"id": GATE_DL},
            "ociq:readCount": 20,
            "ociq:lastReadTime": "2026-11-27T00:00:01.500Z",
            "ociq:device": "SZ-WENJINDU/gate-3",
        }
    ]


def test_optional_context_is_left_out_of_the_event() -> None:
    message = devices.parse_payload(TOPIC, {"readPoint": GATE, "reads": []})
    (event,) = devices.events_from_observations(message, [Observation(GATE_DL, PIG, T0, T0)])
    assert "bizStep" not in event and "disposition" not in event and "bizLocation" not in event
    assert event["ociq:readCount"] == 1


# --- the HTTP path: ingest_payload ----------------------------------------------------------------


def burst(tag: str, count: int, start: str = "2026-11-27T08:00:00") -> list[dict[str, Any]]:
    """``count`` reads of ``tag`` spread over one second from ``start`` (Shenzhen time)."""
    return [{"epc": tag, "time": f"{start}.{n * 1000 // count:03d}+08:00"} for n in range(count)]


@pytest.fixture
def reader() -> Any:
    return personas.scoped_manager("gate_reader", ["trace.add_event"])


def stored_events() -> list[dict[str, Any]]:
    return [
        json.loads(document)
        for document in Event.objects.order_by("event_time", "id").values_list("document", flat=True)
    ]


@pytest.mark.django_db
def test_a_posted_burst_is_folded_into_one_event_per_tag(reader: Any) -> None:
    body = payload(reads=burst(CRATE, 20) + burst(CRATE_2, 3))
    job = devices.ingest_payload(actor=reader, topic_or_device="SZ-WENJINDU/gate-3", payload=json.dumps(body))
    assert (job.source, job.status, job.event_count, job.stored_count) == (
        CaptureSource.DEVICE_HTTP,
        CaptureStatus.SUCCEEDED,
        2,
        2,
    )
    summary = [
        (e["epcList"], e["eventTime"], e["ociq:readCount"], e["ociq:lastReadTime"]) for e in stored_events()
    ]
    assert summary == [
        ([CRATE_DL], "2026-11-27T00:00:00.000Z", 20, "2026-11-27T00:00:00.950Z"),
        ([CRATE_2_DL], "2026-11-27T00:00:00.000Z", 3, "2026-11-27T00:00:00.666Z"),
    ]


@pytest.mark.django_db
def test_posting_the_same_payload_again_stores_nothing_new(reader: Any) -> None:
    body = payload(reads=burst(CRATE, 5))
    devices.ingest_payload(actor=reader, topic_or_device=TOPIC, payload=body)
    again = devices.ingest_payload(actor=reader, topic_or_device=TOPIC, payload=body)
    assert (again.stored_count, again.duplicate_count, Event.objects.count()) == (0, 1, 1)


@pytest.mark.django_db
def test_reads_further_apart_than_the_window_are_two_passes(reader: Any) -> None:
    reads = [
        {"epc": PIG, "time": "2026-11-27T08:00:00+08:00"},
        {"epc": PIG, "time": "2026-11-27T08:00:05+08:00"},
    ]
    job = devices.ingest_payload(
        actor=reader, topic_or_device=TOPIC, payload=payload(reads=reads), window=dt.timedelta(seconds=2)
    )
    assert job.stored_count == 2
    assert [e["ociq:readCount"] for e in stored_events()] == [1, 1]


@pytest.mark.django_db
def test_a_refused_payload_stores_nothing_and_names_the_field(reader: Any) -> None:
    with pytest.raises(DocumentInvalid) as caught:
        devices.ingest_payload(actor=reader, topic_or_device=TOPIC, payload=payload(bizStep="transforming"))
    assert [issue.path for issue in caught.value.issues] == ["/bizStep"]
    assert (Event.objects.count(), CaptureJob.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_the_http_path_needs_the_capture_permission() -> None:
    from openciq.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        devices.ingest_payload(actor=personas.nobody(), topic_or_device=TOPIC, payload=payload())
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_recent_observations_reads_back_what_the_mqtt_ingest_stored() -> None:
    from openciq.accounts.services import system_actor
    from openciq.trace.services import capture_events

    message = devices.parse_payload(TOPIC, payload())
    obs = Observation(GATE_DL, CRATE_DL, T0, T0 + dt.timedelta(seconds=1), reads=4)
    capture_events(
        actor=system_actor(),
        events=devices.events_from_observations(message, [obs]),
        namespaces=devices.NAMESPACES,
        source=CaptureSource.MQTT,
    )
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    assert devices.recent_observations(since=since) == [obs]
    assert devices.recent_observations(since=since + dt.timedelta(minutes=2)) == []
