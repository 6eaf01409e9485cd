"""The EPCIS repository's pages: who may open them, what each shows, filters that narrow the event
list, the trace following containment in time, the offline map, and the upload of documents
through the capture service (Django test client).

Assertions look for element ids and data attributes rather than words, so that they hold in
both languages."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openciq.trace import services
from openciq.trace.choices import CaptureSource, CaptureStatus, EpcRole
from openciq.trace.models import CaptureJob, Event
from openciq.trace.tables import short_identifier, vocabulary_label
from openciq.trace.views import svgmap, traces
from openciq.trace.views._common import cursor, parse_cursor
from tests import trace_fixtures as tf
from tests.trace_fixtures import CRATE_1, CRATE_3, PALLET, PALLET_2, TRUCK, TraceWorld

pytestmark = pytest.mark.django_db

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "epcis-openepcis"


@pytest.fixture
def world() -> TraceWorld:
    return tf.trace_world()


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"trace:{name}", args=args)


def body(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def listed_events(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-event="(\d+)"', html)]


def capture_job(actor: Any, **values: Any) -> CaptureJob:
    """A finished capture job as the service leaves one (for the pages that only show jobs)."""
    from django.db import transaction

    from openciq.core import audit

    with audit.scope(), transaction.atomic():
        job = CaptureJob.objects.create(actor=actor, source=CaptureSource.API, **values)
        audit.record(actor=actor, action="tests.fixture_created", obj=job)
    return job


# --- Who may open what -----------------------------------------------------------------------------


def test_every_page_renders_for_a_port_inspector(world: TraceWorld) -> None:
    inspector = tf.inspector()
    job = capture_job(inspector, status=CaptureStatus.SUCCEEDED, event_count=1, stored_count=1)
    client = client_for(inspector)
    pages = {
        url("event_list"): 'id="event-list"',
        url("event_detail", world.events["lane"].pk): 'id="hash-id"',
        url("trace"): 'id="trace-form"',
        url("trace") + "?epc=" + quote(CRATE_1): 'id="timeline"',
        url("capture_list"): f'data-capture="{job.capture_id}"',
        url("capture_detail", job.capture_id): 'id="stored-count"',
        url("capture_upload"): 'id="upload-form"',
        url("location_list"): f'data-location="{world.gate.pk}"',
        url("location_detail", world.gate.pk): 'id="location-events"',
    }
    for page, marker in pages.items():
        assert marker in body(client.get(page)), page


def test_a_bureau_leader_reads_every_page_but_may_not_upload(world: TraceWorld) -> None:
    client = client_for(tf.leader())
    for page in (url("event_list"), url("trace"), url("capture_list"), url("location_list")):
        assert client.get(page).status_code == 200, page
    assert client.get(url("capture_upload")).status_code == 403
    assert 'id="upload"' not in body(client.get(url("capture_list")))


def test_anonymous_users_are_sent_to_sign_in_and_others_refused(world: TraceWorld) -> None:
    job = capture_job(tf.inspector(), status=CaptureStatus.SUCCEEDED)
    pages = [
        url("event_list"),
        url("event_detail", world.events["gate"].pk),
        url("event_by_id") + "?id=x",
        url("trace"),
        url("capture_list"),
        url("capture_detail", job.capture_id),
        url("capture_upload"),
        url("location_list"),
        url("location_detail", world.gate.pk),
    ]
    anonymous, nobody = Client(), client_for(tf.nobody())
    for page in pages:
        response = anonymous.get(page)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], page
        assert nobody.get(page).status_code == 403, page


def test_a_sender_sees_only_their_own_capture_jobs_and_no_events(world: TraceWorld) -> None:
    sender = tf.sender()
    own = capture_job(
        sender, status=CaptureStatus.FAILED, errors=[{"path": "/x", "message": "m", "rule": "r"}]
    )
    other = capture_job(tf.inspector(), status=CaptureStatus.SUCCEEDED)
    client = client_for(sender)
    listing = body(client.get(url("capture_list")))
    assert (
        f'data-capture="{own.capture_id}"' in listing and f'data-capture="{other.capture_id}"' not in listing
    )
    assert client.get(url("capture_detail", own.capture_id)).status_code == 200
    assert client.get(url("capture_detail", other.capture_id)).status_code == 404
    assert client.get(url("event_list")).status_code == 403
    assert client.get(url("capture_upload")).status_code == 200


# --- The event list -------------------------------------------------------------------------------


def test_event_list_is_newest_first_with_identifiers_and_places(world: TraceWorld) -> None:
    html = body(client_for(tf.inspector()).get(url("event_list")))
    shown = listed_events(html)
    newest_first = sorted(world.events.values(), key=lambda e: (e.event_time, e.pk), reverse=True)
    assert shown == [e.pk for e in newest_first]
    assert f'data-identifier="{CRATE_1}"' in html and short_identifier(CRATE_1) in html
    assert f'data-location="{world.gate.pk}"' in html
    assert "2025-05-06 10:00:00" in html  # the gate read at 10:00 Beijing time


def test_event_list_shows_a_few_identifiers_and_how_many_more() -> None:
    crates = [f"https://id.openciq.org/crate/C{n:03d}" for n in range(7)]
    many = tf.event("ObjectEvent", tf.at(0), action="OBSERVE", epcs={EpcRole.EPC: crates})
    html = body(client_for(tf.inspector()).get(url("event_list")))
    assert f'<tr data-event="{many.pk}"' in html
    assert sum(f'data-identifier="{c}"' in html for c in crates) == 3
    assert 'data-more="4"' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"type": "2"}, ["pack", "load", "unload", "load_2"]),
        ({"action": "3"}, ["unload"]),
        ({"biz_step": "departing"}, ["gate", "gate_2"]),
        ({"disposition": "in_transit"}, ["load", "gate", "gate_2"]),
        ({"since": "2025-05-06T09:30", "until": "2025-05-06T12:00"}, ["gate", "lane", "unload"]),
        ({"epc": PALLET}, ["pack", "load", "unload"]),
        ({"epc": "urn:epc:id:sscc:9521234.0000000001"}, ["pack", "load", "unload"]),  # the URN form
        ({"epc": "urn:epc:id:sscc:9521234.0000000009"}, []),
        ({"read_point": "Wenjindu border gate"}, ["gate", "lane", "gate_2"]),  # with the lane inside
        ({"read_point": "https://id.openciq.org/gate/WENJINDU/lane/3"}, ["lane"]),
        ({"error_declaration": "true"}, []),
    ],
)
def test_filters_narrow_the_event_list(world: TraceWorld, query: dict[str, str], expected: list[str]) -> None:
    html = body(client_for(tf.inspector()).get(url("event_list"), query))
    assert sorted(listed_events(html)) == sorted(world.events[name].pk for name in expected)


def test_filters_do_not_leak_into_the_header_search_box(world: TraceWorld) -> None:
    html = body(client_for(tf.inspector()).get(url("event_list"), {"biz_step": "departing", "per_page": "1"}))
    assert re.search(r'id="global-search"[^>]*value=""', html)
    assert 'href="?biz_step=departing&amp;per_page=1&amp;before=' in html


def test_an_unknown_business_step_is_named_on_its_field(world: TraceWorld) -> None:
    html = body(client_for(tf.inspector()).get(url("event_list"), {"biz_step": "teleporting"}))
    assert 'data-error-for="biz_step"' in html


def test_event_list_answers_htmx_with_the_results_only(world: TraceWorld) -> None:
    html = body(
        client_for(tf.inspector()).get(url("event_list"), {"biz_step": "packing"}, HTTP_HX_REQUEST="true")
    )
    assert 'id="event-list"' in html and "<html" not in html and 'id="filters"' not in html
    assert listed_events(html) == [world.events["pack"].pk]


def test_event_list_pages_by_cursor_without_counting(world: TraceWorld) -> None:
    client = client_for(tf.inspector())
    newest_first = [
        e.pk for e in sorted(world.events.values(), key=lambda e: (e.event_time, e.pk), reverse=True)
    ]
    with CaptureQueriesContext(connection) as queries:
        first = body(client.get(url("event_list"), {"per_page": 3}))
    assert listed_events(first) == newest_first[:3]
    assert not any(
        "COUNT(" in q["sql"].upper() and "trace_event" in q["sql"] and "GROUP BY" not in q["sql"].upper()
        for q in queries
    )
    older = re.search(r'href="\?([^"]*before=[^"]+)" data-page="older"', first)
    assert older is not None
    second = body(client.get(url("event_list") + "?" + older.group(1).replace("&amp;", "&")))
    assert listed_events(second) == newest_first[3:6]
    newer = re.search(r'href="\?([^"]*after=[^"]+)" data-page="newer"', second)
    assert newer is not None
    back = body(client.get(url("event_list") + "?" + newer.group(1).replace("&amp;", "&")))
    assert listed_events(back) == newest_first[:3]


def test_cursor_survives_equal_event_times() -> None:
    same = tf.at(0)
    events = [
        tf.event("ObjectEvent", same, action="OBSERVE", epcs={EpcRole.EPC: [f"urn:x:{n}"]}) for n in range(3)
    ]
    client = client_for(tf.inspector())
    first = listed_events(body(client.get(url("event_list"), {"per_page": 2})))
    assert first == [events[2].pk, events[1].pk]
    rest = listed_events(body(client.get(url("event_list"), {"per_page": "2", "before": cursor(events[1])})))
    assert rest == [events[0].pk]
    assert parse_cursor(cursor(events[1])) == (same, events[1].pk)
    assert parse_cursor("garbage") is None


def test_event_list_queries_do_not_grow_with_the_rows(world: TraceWorld) -> None:
    client = client_for(tf.inspector())
    with CaptureQueriesContext(connection) as few:
        client.get(url("event_list"), {"per_page": 2})
    with CaptureQueriesContext(connection) as many:
        client.get(url("event_list"), {"per_page": 8})
    assert len(many) == len(few)


# --- One event ------------------------------------------------------------------------------------


def test_event_page_reads_out_every_field(world: TraceWorld) -> None:
    lane = world.events["lane"]
    html = body(client_for(tf.inspector()).get(url("event_detail", lane.pk)))
    assert lane.hash_uri in html
    assert str(vocabulary_label("bizStep", "inspecting")) in html and "(inspecting)" in html
    assert "(conformant)" in html
    assert f'data-location="{world.lane.pk}"' in html and f'data-location="{world.gate.pk}"' in html
    assert f'href="/trace/trace/?epc={quote(TRUCK, safe="")}"' in html
    assert 'data-reference="bizTransactionList"' in html and "urn:openciq:cert:440300-2025-000123" in html
    assert 'id="raw"' in html and "&quot;bizStep&quot;: &quot;inspecting&quot;" in html
    assert "2025-05-06 10:06:00" in html and "+08:00" in html


def test_event_page_shows_quantities_and_ilmd(world: TraceWorld) -> None:
    html = body(client_for(tf.inspector()).get(url("event_detail", world.events["commission"].pk)))
    assert 'data-list="quantityList"' in html and "KGM" in html
    assert 'data-ilmd="cbvmda:lotNumber"' in html


def test_event_page_shows_sensor_data_as_a_table() -> None:
    sensed = tf.event(
        "ObjectEvent",
        tf.at(1),
        action="OBSERVE",
        biz_step="sensor_reporting",
        epcs={EpcRole.EPC: [TRUCK]},
        extra={
            "sensorElementList": [
                {
                    "sensorMetadata": {"time": "2025-05-06T07:00:00+08:00", "deviceID": "urn:x:logger:1"},
                    "sensorReport": [
                        {"type": "Temperature", "value": 4.5, "uom": "CEL"},
                        {"type": "Temperature", "value": 5.25, "uom": "CEL"},
                    ],
                }
            ],
            "example:truckDoor": "closed",
        },
    )
    html = body(client_for(tf.inspector()).get(url("event_detail", sensed.pk)))
    sensors = html[html.index('id="sensors"') :]
    assert "<th>type</th><th>value</th><th>uom</th>" in sensors
    assert "<td>5.25</td>" in sensors and "urn:x:logger:1" in sensors
    assert 'data-extension="example:truckDoor"' in html


def test_an_error_declaration_links_the_event_and_its_corrections(world: TraceWorld) -> None:
    original = tf.event(
        "ObjectEvent",
        tf.at(1),
        action="OBSERVE",
        biz_step="inspecting",
        epcs={EpcRole.EPC: [CRATE_1]},
        event_id="urn:uuid:11111111-1111-4111-8111-111111111111",
    )
    correction = tf.event(
        "ObjectEvent",
        tf.at(1.5),
        action="OBSERVE",
        biz_step="inspecting",
        epcs={EpcRole.EPC: [CRATE_1]},
        event_id="urn:uuid:22222222-2222-4222-8222-222222222222",
    )
    declaration = tf.event(
        "ObjectEvent",
        tf.at(1),
        action="OBSERVE",
        biz_step="inspecting",
        epcs={EpcRole.EPC: [CRATE_1]},
        event_id="urn:uuid:11111111-1111-4111-8111-111111111111",
        error_declaration={
            "declarationTime": "2025-05-06T09:00:00+08:00",
            "reason": "incorrect_data",
            "correctiveEventIDs": ["urn:uuid:22222222-2222-4222-8222-222222222222"],
        },
    )
    client = client_for(tf.inspector())
    html = body(client.get(url("event_detail", declaration.pk)))
    assert 'id="error-declaration"' in html and "(incorrect_data)" in html
    assert "2025-05-06 09:00:00 +08:00" in html  # the declaration time, readable
    assert f'href="{url("event_detail", original.pk)}" id="declared-event"' in html
    assert "data-error-declaration" in html
    corrective = re.search(r'href="([^"]+)" class="text-break" data-corrective', html)
    assert corrective is not None
    response = client.get(corrective.group(1).replace("&amp;", "&"))
    assert response.status_code == 302 and response["Location"] == url("event_detail", correction.pk)
    original_page = body(client.get(url("event_detail", original.pk)))
    assert 'id="declared-in-error"' in original_page and url("event_detail", declaration.pk) in original_page
    assert client.get(url("event_by_id"), {"id": "urn:uuid:nothing"}).status_code == 404


def test_an_unknown_event_is_404(world: TraceWorld) -> None:
    assert client_for(tf.inspector()).get(url("event_detail", 999_999)).status_code == 404


# --- The trace ---------------------------------------------------------------------------------------


def _trace(identifier: str) -> str:
    return body(client_for(tf.inspector()).get(url("trace"), {"epc": identifier}))


def test_a_crate_trace_holds_the_truck_gate_read_of_its_trip_only(world: TraceWorld) -> None:
    html = _trace(CRATE_1)
    timeline = html[html.index('id="timeline"') :]
    shown = [int(pk) for pk in re.findall(r'<li class="timeline-event" data-event="(\d+)"', timeline)]
    assert world.events["gate"].pk in shown and world.events["lane"].pk in shown
    assert world.events["gate_2"].pk not in shown and world.events["load_2"].pk not in shown
    assert shown == [world.events[n].pk for n in ("commission", "pack", "load", "gate", "lane", "unload")]
    assert f'data-node="{PALLET}" data-relation="container"' in html
    assert f'data-node="{TRUCK}" data-relation="container"' in html
    assert f'data-node="{CRATE_3}"' not in html


def test_a_truck_trace_holds_the_pallet_of_each_trip_with_its_window(world: TraceWorld) -> None:
    html = _trace(TRUCK)
    first = re.search(rf'data-node="{re.escape(PALLET)}" data-relation="content">.*?</tr>', html, re.S)
    second = re.search(rf'data-node="{re.escape(PALLET_2)}" data-relation="content">.*?</tr>', html, re.S)
    assert first is not None and second is not None
    window = re.compile(r'<div class="text-nowrap">([^<]*) –</div><div class="text-nowrap">([^<]*)</div>')
    assert window.findall(first.group(0)) == [("2025-05-06 09:00", "2025-05-06 12:00")]  # loaded to unloaded
    assert window.findall(second.group(0)) == [("2025-05-07 09:00", "…")]  # still loaded


def test_the_trace_accepts_the_urn_form_and_a_tag_number(world: TraceWorld) -> None:
    html = _trace("urn:epc:id:grai:9521234.00001.1001")
    assert 'id="timeline"' in html and f'data-node="{CRATE_1}" data-relation="self"' in html
    tag = "https://id.openciq.org/iso11784/156000123456789"
    pig = tf.event("ObjectEvent", tf.at(0), action="ADD", biz_step="commissioning", epcs={EpcRole.EPC: [tag]})
    html = _trace("156 000123456789")
    assert f'data-node="{tag}" data-relation="self"' in html and f'data-event="{pig.pk}"' in html


def test_a_long_timeline_is_cut_and_says_how_many_are_left_out(world: TraceWorld, monkeypatch: Any) -> None:
    monkeypatch.setattr(traces, "TIMELINE_SHOWN", 2)
    html = _trace(CRATE_1)
    assert len(re.findall(r'<li class="timeline-event"', html)) == 2
    assert 'id="timeline-cut"' in html and "4" in html[html.index('id="timeline-cut"') :][:200]
    markers = re.findall(r'class="trace-map-marker" data-place="(\d+)"', html)
    assert len(markers) == 3  # the map still places every event


def test_an_identifier_without_events_says_so(world: TraceWorld) -> None:
    html = _trace("urn:epc:id:grai:9521234.00001.9999")
    assert 'id="not-found"' in html and 'id="timeline"' not in html


def test_the_map_has_a_marker_per_located_place_and_lists_the_others(world: TraceWorld) -> None:
    html = _trace(CRATE_1)
    svg = html[html.index("<svg") : html.index("</svg>")]
    markers = re.findall(r'class="trace-map-marker" data-place="(\d+)"', svg)
    assert sorted(int(pk) for pk in markers) == sorted(p.pk for p in world.located)
    # farm 1, packhouse 2 (pack and load in a row), gate 3 (the gate read, then the lane inside it
    # with the gate as business location): three stops, two legs
    assert 'data-stops="3"' in svg and svg.count("<line x1=") - 3 == 2  # three lines draw the scale bar
    assert 'id="trace-map-scale"' in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    unlocated = re.findall(r'data-unlocated="(\d+)"', html)
    assert sorted(int(pk) for pk in unlocated) == sorted([world.lane.pk, world.market.pk])
    stops = re.findall(r'data-stop="(\d+)"', html)
    assert stops == ["1", "2", "2", "3", "3"]


def test_the_map_is_left_out_when_no_place_has_coordinates() -> None:
    nowhere = tf.location("urn:x:nowhere", "Nowhere")
    tf.event(
        "ObjectEvent", tf.at(0), action="OBSERVE", read_point=nowhere, epcs={EpcRole.EPC: ["urn:x:thing"]}
    )
    html = _trace("urn:x:thing")
    assert 'id="no-map"' in html and "<svg" not in html and f'data-unlocated="{nowhere.pk}"' in html


def test_map_projection_fits_the_places_with_a_margin() -> None:
    places = [
        svgmap.Place(1, "farm", 23.1111, 114.4167),
        svgmap.Place(2, "pack", 22.65, 114.1),
        svgmap.Place(2, "pack", 22.65, 114.1),
        svgmap.Place(3, "gate", 22.538, 114.116),
        svgmap.Place(1, "farm", 23.1111, 114.4167),
    ]
    drawn = svgmap.draw(places)
    assert drawn is not None
    assert drawn.stops == 4 and [m.numbers for m in drawn.markers] == [[1, 4], [2], [3]]
    xs, ys = [m.x for m in drawn.markers], [m.y for m in drawn.markers]
    assert min(xs) >= svgmap.MARGIN and max(xs) <= svgmap.WIDTH - svgmap.MARGIN
    assert min(ys) >= svgmap.MARGIN and max(ys) <= svgmap.HEIGHT - svgmap.MARGIN
    farm, pack, gate = drawn.markers
    assert farm.y < pack.y < gate.y  # north is up
    assert pack.x < farm.x  # west is left
    assert round(farm.y, 1) == svgmap.MARGIN or round(gate.y, 1) == svgmap.HEIGHT - svgmap.MARGIN
    assert re.fullmatch(r"(1|2|5)0* km", drawn.scale.label), drawn.scale.label
    assert 0 < drawn.scale.length <= svgmap.WIDTH / 5
    assert svgmap.draw([]) is None


def test_map_of_one_place_still_has_a_scale() -> None:
    drawn = svgmap.draw([svgmap.Place(1, "gate", 22.5, 114.1)])
    assert drawn is not None and drawn.segments == [] and drawn.markers[0].x == svgmap.WIDTH / 2
    assert drawn.scale.label.endswith(("m", "km")) and drawn.scale.length > 0


# --- Capture jobs and the upload ---------------------------------------------------------------------


def test_capture_job_page_lists_errors_with_their_paths(world: TraceWorld) -> None:
    job = capture_job(
        tf.inspector(),
        status=CaptureStatus.FAILED,
        event_count=2,
        errors=[
            {
                "path": "/epcisBody/eventList/1/action",
                "message": "action is required",
                "rule": "schema",
                "severity": "error",
            }
        ],
        warnings=[
            {
                "path": "/epcisBody/eventList/0",
                "message": "already stored",
                "rule": "duplicate",
                "severity": "warning",
            }
        ],
    )
    html = body(client_for(tf.inspector()).get(url("capture_detail", job.capture_id)))
    assert 'data-issue="/epcisBody/eventList/1/action"' in html and "action is required" in html
    assert 'id="warnings"' in html and 'data-status="failed"' in html


def test_capture_list_filters_by_status(world: TraceWorld) -> None:
    inspector = tf.inspector()
    failed = capture_job(inspector, status=CaptureStatus.FAILED)
    done = capture_job(inspector, status=CaptureStatus.SUCCEEDED)
    html = body(client_for(inspector).get(url("capture_list"), {"status": "failed"}))
    assert f'data-capture="{failed.capture_id}"' in html and f'data-capture="{done.capture_id}"' not in html


def test_an_unknown_capture_job_is_404(world: TraceWorld) -> None:
    client = client_for(tf.inspector())
    assert client.get(url("capture_detail", "00000000-0000-4000-8000-000000000000")).status_code == 404


def _document(*events: dict[str, Any]) -> bytes:
    doc = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-05-06T08:00:00+08:00",
        "epcisBody": {"eventList": list(events)},
    }
    return json.dumps(doc).encode()


GATE_READ = {
    "type": "ObjectEvent",
    "eventTime": "2025-05-07T10:00:00+08:00",
    "eventTimeZoneOffset": "+08:00",
    "action": "OBSERVE",
    "epcList": ["urn:epc:id:grai:9521234.00001.2001"],
    "bizStep": "departing",
    "disposition": "in_transit",
    "readPoint": {"id": "urn:epc:id:sgln:9521234.00009.0"},
}


def _upload(client: Client, data: bytes, name: str = "gate.json", behaviour: str = "rollback") -> Any:
    return client.post(
        url("capture_upload"),
        {"document": SimpleUploadedFile(name, data), "error_behaviour": behaviour},
    )


def test_upload_of_a_valid_document_stores_it_and_shows_the_job() -> None:
    inspector = tf.inspector()
    client = client_for(inspector)
    response = _upload(client, _document(GATE_READ))
    job = CaptureJob.objects.get()
    assert response.status_code == 302 and response["Location"] == url("capture_detail", job.capture_id)
    assert job.status == CaptureStatus.SUCCEEDED and job.stored_count == 1 and job.actor == inspector
    html = body(client.get(response["Location"]))
    assert 'id="no-errors"' in html and f'data-event="{Event.objects.get().pk}"' in html
    listing = body(client.get(url("event_list"), {"epc": "urn:epc:id:grai:9521234.00001.2001"}))
    assert listed_events(listing) == [Event.objects.get().pk]


def test_upload_of_an_invalid_document_stores_nothing_and_names_the_field() -> None:
    client = client_for(tf.inspector())
    wrong = {key: value for key, value in GATE_READ.items() if key != "action"}
    response = _upload(client, _document(GATE_READ | {"eventTime": "2025-05-07T11:00:00+08:00"}, wrong))
    job = CaptureJob.objects.get()
    assert response.status_code == 302 and job.status == CaptureStatus.FAILED
    assert Event.objects.count() == 0
    html = body(client.get(response["Location"]))
    paths = re.findall(r'data-issue="([^"]+)"', html)
    assert any(path.startswith("/epcisBody/eventList/1") for path in paths), paths
    assert "action" in html[html.index('id="errors"') :]


def test_upload_with_proceed_stores_the_valid_events() -> None:
    client = client_for(tf.inspector())
    wrong = {key: value for key, value in GATE_READ.items() if key != "action"}
    _upload(client, _document(GATE_READ, wrong), behaviour="proceed")
    job = CaptureJob.objects.get()
    assert job.status == CaptureStatus.PARTIAL and job.stored_count == 1 and Event.objects.count() == 1


def test_upload_of_an_xml_document_is_read_as_xml_whatever_its_name() -> None:
    document = CONFORMANCE / "XML" / "Capture" / "Documents" / "AssociationEvent.xml"
    if not document.exists():
        pytest.skip("../shared/conformance/epcis-openepcis is absent: no XML document to upload")
    client = client_for(tf.inspector())
    response = _upload(client, document.read_bytes(), name="upload.bin")
    job = CaptureJob.objects.get()
    assert response.status_code == 302 and job.media_type == "application/xml"
    assert job.status == CaptureStatus.SUCCEEDED and job.stored_count == job.event_count > 0


def test_upload_of_an_invalid_xml_document_shows_its_problems() -> None:
    folder = CONFORMANCE / "XML" / "Capture" / "Invalid"
    if not folder.exists():
        pytest.skip("../shared/conformance/epcis-openepcis is absent: no invalid XML document to upload")
    document = sorted(folder.glob("*.xml"))[0]
    client = client_for(tf.inspector())
    response = _upload(client, document.read_bytes(), name=document.name)
    job = CaptureJob.objects.get()
    assert job.status == CaptureStatus.FAILED and Event.objects.count() == 0
    html = body(client.get(response["Location"]))
    assert 'id="errors"' in html and "data-issue=" in html


def test_upload_without_a_file_names_the_field() -> None:
    client = client_for(tf.inspector())
    html = body(client.post(url("capture_upload"), {"error_behaviour": "rollback"}))
    assert 'data-error-for="document"' in html and CaptureJob.objects.count() == 0


def test_upload_larger_than_the_limit_is_refused_on_the_field(settings: Any) -> None:
    settings.EPCIS_CAPTURE_SIZE_LIMIT = 100
    client = client_for(tf.inspector())
    html = body(_upload(client, _document(GATE_READ)))
    assert 'data-error-for="document"' in html and CaptureJob.objects.count() == 0
    assert services.capture_size_limit() == 100


def test_a_leader_may_not_upload() -> None:
    response = _upload(client_for(tf.leader()), _document(GATE_READ))
    assert response.status_code == 403 and CaptureJob.objects.count() == 0


# --- Locations --------------------------------------------------------------------------------------


def test_location_tree_indents_children_under_their_parent(world: TraceWorld) -> None:
    html = body(client_for(tf.inspector()).get(url("location_list")))
    rows = re.findall(r'data-location="(\d+)"', html)
    gate, lane = rows.index(str(world.gate.pk)), rows.index(str(world.lane.pk))
    assert lane == gate + 1
    assert re.search(rf'data-depth="1">└ <a href="{url("location_detail", world.lane.pk)}"', html)
    assert "22.538000, 114.116000" in html


def test_location_list_filters_by_kind_and_coordinates(world: TraceWorld) -> None:
    client = client_for(tf.inspector())
    farms = re.findall(
        r'<tr[^>]*data-location="(\d+)"', body(client.get(url("location_list"), {"kind": "farm"}))
    )
    assert farms == [str(world.farm.pk)]
    unlocated = re.findall(
        r'<tr[^>]*data-location="(\d+)"', body(client.get(url("location_list"), {"located": "false"}))
    )
    assert sorted(int(pk) for pk in unlocated) == sorted([world.lane.pk, world.market.pk])


def test_location_page_shows_its_place_in_the_tree_and_latest_events(world: TraceWorld) -> None:
    client = client_for(tf.inspector())
    html = body(client.get(url("location_detail", world.gate.pk)))
    assert f'data-location="{world.lane.pk}"' in html
    events = [int(pk) for pk in re.findall(r'<tr data-event="(\d+)"', html)]
    assert events == [world.events[n].pk for n in ("gate_2", "lane", "gate")]
    lane = body(client.get(url("location_detail", world.lane.pk)))
    assert f'href="{url("location_detail", world.gate.pk)}"' in lane
    assert client.get(url("location_detail", 999_999)).status_code == 404
