"""The EPCIS 2.0 REST binding end to end: the OpenEPCIS conformance documents captured (JSON and
XML) and found again by query, the invalid ones refused with a problem naming the path and nothing
stored, duplicates, rollback and proceed, the query parameters and their exceptions, pagination,
named queries, webhook subscriptions against a real local HTTP server, and the trace."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client

from openciq.accounts.services import token_create
from openciq.trace import delivery
from openciq.trace.capture import canonical_identifier
from openciq.trace.models import CaptureJob, Event, EventEpc, Subscription
from tests import personas

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "epcis-openepcis"
BASE = "/api/v1/epcis"


def conformance(folder: str) -> list[Path]:
    path = CONFORMANCE / folder
    if not path.is_dir():
        pytest.skip(
            "../shared/conformance/epcis-openepcis is absent: the OpenEPCIS documents are not available"
        )
    return sorted(p for p in path.iterdir() if p.suffix in (".json", ".xml"))


class Api:
    """A Bearer-token client speaking EPCIS; answers parsed as JSON when they are JSON."""

    def __init__(self, user: Any) -> None:
        _token, secret = token_create(actor=user, user=user, name="tests")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en")

    def send(
        self,
        method: str,
        path: str,
        body: bytes | str = b"",
        content_type: str = "application/json",
        **headers: str,
    ) -> Any:
        response = getattr(self.client, method)(path, data=body, content_type=content_type, headers=headers)
        return response

    def get(self, path: str, **headers: str) -> Any:
        return self.client.get(path, headers=headers)


def media_type(path: Path) -> str:
    return "application/xml" if path.suffix == ".xml" else "application/json"


@pytest.fixture
def api(db: Any) -> Api:
    return Api(personas.inspector_gz())


@pytest.mark.django_db
@pytest.mark.parametrize("folder", ["JSON/Capture/Documents", "XML/Capture/Documents"])
def test_every_conformance_document_is_captured_and_found_again(api: Api, folder: str) -> None:
    for path in conformance(folder):
        response = api.send("post", f"{BASE}/capture", path.read_bytes(), media_type(path))
        assert response.status_code == 202, (path.name, response.content)
        job = response.json()
        assert job["success"], (path.name, job["errors"])
        assert job["storedCount"] + job["duplicateCount"] == job["eventCount"] > 0, path.name
        follow = api.get(response["Location"]).json()
        assert follow["captureID"] == job["captureID"]
        # Every stored event of the document is found again by its eventID.
        for event in Event.objects.filter(capture_job__capture_id=job["captureID"]):
            found = api.get(f"{BASE}/events/{quote(event.public_id, safe='')}")
            assert found.status_code == 200, (path.name, event.public_id)
            body = found.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
            assert body[0]["eventID"] == event.public_id


@pytest.mark.django_db
@pytest.mark.parametrize("folder", ["JSON/Capture/Invalid", "XML/Capture/Invalid"])
def test_every_invalid_conformance_document_is_refused_naming_the_path_and_nothing_is_stored(
    api: Api, folder: str
) -> None:
    for path in conformance(folder):
        response = api.send("post", f"{BASE}/capture", path.read_bytes(), media_type(path))
        assert response.status_code == 202, path.name
        job = api.get(response["Location"]).json()
        assert job["success"] is False and job["status"] == "failed", path.name
        assert job["errors"] and all(error["path"] for error in job["errors"]), (path.name, job["errors"])
        assert job["storedCount"] == 0
    assert Event.objects.count() == 0
    assert EventEpc.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("folder", ["JSON/Capture/Events", "XML/Capture/Events"])
def test_single_events_are_captured_with_201_and_a_duplicate_gets_409(api: Api, folder: str) -> None:
    for path in conformance(folder):
        first = api.send("post", f"{BASE}/events", path.read_bytes(), media_type(path))
        if first.status_code == 409:
            continue  # the same event as an earlier file of the folder (JSON and XML twins)
        assert first.status_code == 201, (path.name, first.content)
        assert first["Location"].startswith(f"{BASE}/events/")
        again = api.send("post", f"{BASE}/events", path.read_bytes(), media_type(path))
        assert again.status_code == 409, path.name
        assert again["Content-Type"] == "application/problem+json"
        assert again.json()["type"] == "epcisException:ConflictException"


def object_event(epc: str, *, time: str = "2026-11-20T08:00:00+08:00", **extra: Any) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": time,
        "eventTimeZoneOffset": "+08:00",
        "epcList": [epc],
        "action": "OBSERVE",
        **extra,
    }


def document(*events: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-11-20T08:00:00Z",
            "epcisBody": {"eventList": list(events)},
        }
    ).encode()


CRATE = "urn:epc:id:grai:6901234.00001.{}"
GATE = "urn:epc:id:sgln:6901234.00010.0"


@pytest.mark.django_db
def test_an_invalid_single_event_answers_a_problem_naming_the_field(api: Api) -> None:
    bad = object_event(CRATE.format(1), action="CREATE")
    response = api.send("post", f"{BASE}/events", json.dumps(bad))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "epcisException:ValidationException"
    assert any(error["path"] == "/action" for error in problem["errors"]), problem
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_rollback_stores_nothing_and_proceed_stores_the_valid_events(api: Api) -> None:
    good = object_event(CRATE.format(1))
    bad = object_event(CRATE.format(2), bizStep="transforming_things")
    body = document(good, bad)
    job = api.send("post", f"{BASE}/capture", body).json()
    assert job["status"] == "failed" and job["storedCount"] == 0
    assert job["errors"][0]["path"].startswith("/epcisBody/eventList/1")
    assert Event.objects.count() == 0
    job = api.send("post", f"{BASE}/capture", body, **{"GS1-Capture-Error-Behaviour": "proceed"}).json()
    assert job["status"] == "partial" and job["storedCount"] == 1
    assert Event.objects.count() == 1


@pytest.mark.django_db
def test_the_same_event_as_urn_and_as_digital_link_is_one_event(api: Api) -> None:
    urn = object_event("urn:epc:id:sgtin:0614141.107346.2017")
    link = object_event("https://id.gs1.org/01/10614141073464/21/2017")
    assert api.send("post", f"{BASE}/events", json.dumps(urn)).status_code == 201
    assert api.send("post", f"{BASE}/events", json.dumps(link)).status_code == 409
    # A document re-sent is idempotent: counted as duplicates, nothing stored twice.
    job = api.send("post", f"{BASE}/capture", document(urn)).json()
    assert job["success"] and job["duplicateCount"] == 1 and job["storedCount"] == 0
    assert Event.objects.count() == 1


@pytest.mark.django_db
def test_an_error_declaration_is_stored_beside_the_event_it_corrects(api: Api) -> None:
    original = object_event(CRATE.format(7), eventID="urn:uuid:8f3c1c2e-4a3b-4d2a-9d5e-1a2b3c4d5e6f")
    assert api.send("post", f"{BASE}/events", json.dumps(original)).status_code == 201
    declared = {
        **original,
        "errorDeclaration": {"declarationTime": "2026-11-21T08:00:00+08:00", "reason": "incorrect_data"},
    }
    assert api.send("post", f"{BASE}/events", json.dumps(declared)).status_code == 201
    found = api.get(f"{BASE}/events/{quote(original['eventID'], safe='')}").json()
    events = found["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert len(events) == 2 and "errorDeclaration" in events[1]
    listed = api.get(f"{BASE}/events?EXISTS_errorDeclaration").json()
    assert len(listed["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 1


def result_ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [
        e["epcList"][0] if "epcList" in e else e.get("parentID")
        for e in response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    ]


@pytest.fixture
def small_world(api: Api) -> Api:
    events = [
        object_event(
            CRATE.format(i),
            time=f"2026-11-20T0{i}:00:00+08:00",
            bizStep="inspecting",
            disposition="conformant",
            readPoint={"id": GATE},
        )
        for i in range(1, 6)
    ]
    events.append(
        object_event(
            CRATE.format(9),
            time="2026-11-20T09:30:00+08:00",
            bizStep="urn:epcglobal:cbv:bizstep:shipping",
            bizTransactionList=[
                {"type": "cert", "bizTransaction": "https://id.openciq.org/certificate/440100226000001"}
            ],
        )
    )
    job = api.send("post", f"{BASE}/capture", document(*events)).json()
    assert job["success"], job
    return api


@pytest.mark.django_db
def test_query_parameters_select_what_they_name(small_world: Api) -> None:
    api = small_world
    assert len(result_ids(api.get(f"{BASE}/events?EQ_bizStep=inspecting"))) == 5
    # CBV values in any spelling.
    assert result_ids(api.get(f"{BASE}/events?EQ_bizStep=https://ref.gs1.org/cbv/BizStep-shipping")) == [
        CRATE.format(9)
    ]
    assert result_ids(
        api.get(f"{BASE}/events?EQ_bizTransaction_cert=https://id.openciq.org/certificate/440100226000001")
    ) == [CRATE.format(9)]
    assert result_ids(api.get(f"{BASE}/events?MATCH_epc={CRATE.format(3)}")) == [CRATE.format(3)]
    assert len(result_ids(api.get(f"{BASE}/events?MATCH_epc=urn:epc:idpat:grai:6901234.00001.*"))) == 6
    times = result_ids(
        api.get(
            f"{BASE}/events?GE_eventTime=2026-11-20T02:00:00%2B08:00&LT_eventTime=2026-11-20T04:00:00%2B08:00"
        )
    )
    assert times == [CRATE.format(2), CRATE.format(3)]
    ordered = result_ids(
        api.get(f"{BASE}/events?EQ_readPoint={GATE}&orderBy=eventTime&orderDirection=DESC&eventCountLimit=2")
    )
    assert ordered == [CRATE.format(5), CRATE.format(4)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("EQ_action=CREATE", "EQ_action"),
        ("orderBy=eventTime&orderDirection=UP", "orderDirection"),
        ("eventCountLimit=5", "eventCountLimit"),
        ("orderBy=eventTime&eventCountLimit=5&maxEventCount=5", "maxEventCount"),
        ("GE_eventTime=2026-11-20T02:00:00", "GE_eventTime"),
        ("madeUpParameter=1", "madeUpParameter"),
        ("eventType=CreateEvent", "eventType"),
    ],
)
def test_bad_query_parameters_answer_the_standard_exception_naming_the_parameter(
    small_world: Api, query: str, parameter: str
) -> None:
    response = small_world.get(f"{BASE}/events?{query}")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "epcisException:QueryParameterException"
    assert body["parameter"] in (parameter, "eventCountLimit", "maxEventCount")


@pytest.mark.django_db
def test_too_many_events_answer_query_too_large(small_world: Api) -> None:
    response = small_world.get(f"{BASE}/events?maxEventCount=2")
    assert response.status_code == 413
    assert response.json()["type"] == "epcisException:QueryTooLargeException"


@pytest.mark.django_db
def test_pages_follow_the_link_header_to_the_end_without_gaps_or_repeats(small_world: Api) -> None:
    seen: list[str] = []
    url: str | None = f"{BASE}/events?perPage=2&orderBy=eventTime&orderDirection=ASC"
    pages = 0
    while url:
        response = small_world.get(url)
        seen += result_ids(response)
        pages += 1
        link = response.get("Link")
        url = link.split(">", 1)[0].lstrip("<").replace("http://testserver", "") if link else None
    assert pages == 3
    assert seen == [CRATE.format(i) for i in (1, 2, 3, 4, 5, 9)]


@pytest.mark.django_db
def test_a_page_token_of_another_query_is_refused(small_world: Api) -> None:
    first = small_world.get(f"{BASE}/events?perPage=2&EQ_bizStep=inspecting")
    token = first["Link"].split("nextPageToken=", 1)[1].split("&", 1)[0].split(">", 1)[0]
    response = small_world.get(f"{BASE}/events?perPage=2&EQ_bizStep=shipping&nextPageToken={token}")
    assert response.status_code == 400
    assert response.json()["parameter"] == "nextPageToken"


@pytest.mark.django_db
def test_wd_read_point_finds_a_place_and_everything_inside_it(api: Api) -> None:
    from openciq.accounts.services import system_actor
    from openciq.trace import services

    lane = "urn:epc:id:sgln:6901234.00010.1"
    services.location_save(actor=system_actor(), uri=GATE, name="皇岗口岸", kind="port")
    services.location_save(actor=system_actor(), uri=lane, name="Lane 1", kind="gate", parent_uri=GATE)
    job = api.send(
        "post",
        f"{BASE}/capture",
        document(object_event(CRATE.format(1), readPoint={"id": lane}), object_event(CRATE.format(2))),
    ).json()
    assert job["success"]
    assert result_ids(api.get(f"{BASE}/events?WD_readPoint={GATE}")) == [CRATE.format(1)]
    assert result_ids(api.get(f"{BASE}/events?EQ_readPoint={GATE}")) == []


@pytest.mark.django_db
def test_discovery_advertises_versions_and_capture_limits(api: Api) -> None:
    response = api.client.options(f"{BASE}/capture")
    assert response.status_code == 204
    assert response["GS1-EPCIS-Capture-Limit"] == "10000"
    assert int(response["GS1-EPCIS-Capture-File-Size-Limit"]) > 0
    assert response["GS1-EPCIS-Version"] == "2.0.0"


@pytest.mark.django_db
def test_without_permission_nothing_is_captured_or_read(db: Any) -> None:
    api = Api(personas.nobody())
    assert api.send("post", f"{BASE}/capture", document(object_event(CRATE.format(1)))).status_code == 403
    assert api.get(f"{BASE}/events").status_code == 403
    assert Event.objects.count() == 0 and CaptureJob.objects.count() == 0


# --- named queries and subscriptions ------------------------------------------------------------


class Receiver:
    """A real HTTP server on a free local port recording what it is sent; answers ``status``."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/epcis"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self, index: int) -> list[dict[str, Any]]:
        body = json.loads(self.calls[index][1])
        return body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.server.shutdown()


@pytest.mark.django_db
def test_a_stream_subscription_delivers_each_matching_event_once_signed_and_retries_failures(
    api: Api, receiver: Receiver
) -> None:
    created = api.send(
        "post",
        f"{BASE}/queries",
        json.dumps({"name": "gate-inspections", "query": {"EQ_bizStep": ["inspecting"]}}),
    )
    assert created.status_code == 201, created.content
    assert created["Location"] == f"{BASE}/queries/gate-inspections"
    sub = api.send(
        "post",
        f"{BASE}/queries/gate-inspections/subscriptions",
        json.dumps({"dest": receiver.url, "signatureToken": "s3cret", "stream": True}),
    )
    assert sub.status_code == 201, sub.content
    inspecting = {"bizStep": "inspecting", "disposition": "conformant"}
    api.send(
        "post",
        f"{BASE}/capture",
        document(object_event(CRATE.format(1), **inspecting), object_event(CRATE.format(2))),
    )

    assert delivery.deliver_due() == 1
    headers, body = receiver.calls[0]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["gs1-signature"] == expected
    assert [e["epcList"][0] for e in receiver.events(0)] == [CRATE.format(1)]
    # Nothing new: nothing sent again.
    assert delivery.deliver_due() == 0
    # The subscriber fails: the event is kept and sent again later, then acknowledged once.
    receiver.status = 503
    api.send("post", f"{BASE}/capture", document(object_event(CRATE.format(3), **inspecting)))
    assert delivery.deliver_due() == 1
    subscription = Subscription.objects.get()
    assert subscription.status == "failing" and subscription.attempts == 1
    receiver.status = 200
    Subscription.objects.update(next_run_at=subscription.created_at)  # the back-off has passed
    assert delivery.deliver_due() == 1
    assert [e["epcList"][0] for e in receiver.events(2)] == [CRATE.format(3)]
    assert delivery.deliver_due() == 0
    assert len(receiver.calls) == 3


@pytest.mark.django_db
def test_subscription_controls_are_checked(api: Api) -> None:
    api.send("post", f"{BASE}/queries", json.dumps({"name": "all", "query": {}}))
    both = api.send(
        "post",
        f"{BASE}/queries/all/subscriptions",
        json.dumps({"dest": "http://x.test/", "stream": True, "schedule": {"minute": "5"}}),
    )
    assert both.status_code == 400 and both.json()["type"] == "epcisException:SubscriptionControlsException"
    missing = api.send(
        "post", f"{BASE}/queries/none/subscriptions", json.dumps({"dest": "http://x.test/", "stream": True})
    )
    assert missing.status_code == 404 and missing.json()["type"] == "epcisException:NoSuchNameException"
    bad_query = api.send(
        "post", f"{BASE}/queries", json.dumps({"name": "bad", "query": {"EQ_action": ["CREATE"]}})
    )
    assert bad_query.status_code == 400 and bad_query.json()["parameter"] == "EQ_action"
    assert Subscription.objects.count() == 0


# --- trace ----------------------------------------------------------------------------------------

TRUCK = "https://id.openciq.org/vehicle/YUEZ1234"


def aggregation(parent: str, children: list[str], action: str, time: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "AggregationEvent",
        "eventTime": time,
        "eventTimeZoneOffset": "+08:00",
        "parentID": parent,
        "childEPCs": children,
        "action": action,
        **extra,
    }


@pytest.mark.django_db
def test_the_trace_of_a_crate_holds_its_truck_while_it_rode_in_it_and_not_the_trucks_other_trips(
    api: Api,
) -> None:
    crate, other = CRATE.format(1), CRATE.format(2)
    events = [
        object_event(crate, time="2026-11-20T06:00:00+08:00", bizStep="commissioning", action="ADD"),
        aggregation(TRUCK, [crate], "ADD", "2026-11-20T07:00:00+08:00", bizStep="loading"),
        object_event(TRUCK, time="2026-11-20T09:00:00+08:00", bizStep="departing", readPoint={"id": GATE}),
        aggregation(TRUCK, [crate], "DELETE", "2026-11-20T11:00:00+08:00", bizStep="unloading"),
        # The truck's next trip, with another crate: not part of the first crate's trace.
        aggregation(TRUCK, [other], "ADD", "2026-11-21T07:00:00+08:00", bizStep="loading"),
        object_event(TRUCK, time="2026-11-21T09:00:00+08:00", bizStep="departing", readPoint={"id": GATE}),
    ]
    assert api.send("post", f"{BASE}/capture", document(*events)).json()["success"]
    trace = api.get(f"{BASE}/trace?epc={quote(crate)}").json()
    steps = [(e["eventTime"], e.get("bizStep")) for e in trace["events"]]
    assert steps == [
        ("2026-11-20T06:00:00+08:00", "commissioning"),
        ("2026-11-20T07:00:00+08:00", "loading"),
        ("2026-11-20T09:00:00+08:00", "departing"),
        ("2026-11-20T11:00:00+08:00", "unloading"),
    ]
    # Identifiers come back in their canonical form (a GRAI as its GS1 Digital Link).
    assert {n["identifier"]: n["relation"] for n in trace["nodes"]} == {
        canonical_identifier(crate): "self",
        TRUCK: "container",
    }
    # The truck's trace reaches both crates, each in its own trip.
    truck = api.get(f"{BASE}/trace?epc={quote(TRUCK)}").json()
    assert {n["identifier"] for n in truck["nodes"]} == {
        TRUCK,
        canonical_identifier(crate),
        canonical_identifier(other),
    }
    assert api.get(f"{BASE}/trace?epc=urn:epc:id:grai:6901234.00001.999").status_code == 404


@pytest.mark.django_db
def test_query_results_come_as_xml_when_asked_and_read_back_as_the_same_events(small_world: Api) -> None:
    from openciq.trace import xmlcodec

    as_json = small_world.get(f"{BASE}/events?EQ_bizStep=inspecting").json()
    response = small_world.get(f"{BASE}/events?EQ_bizStep=inspecting", Accept="application/xml")
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    document, issues = xmlcodec.read_document(response.content)
    assert not [i for i in issues if i.severity == "error"], issues
    events = document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    expected = as_json["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [e["eventID"] for e in events] == [e["eventID"] for e in expected]
    assert [e["epcList"] for e in events] == [e["epcList"] for e in expected]


@pytest.mark.django_db
def test_a_trucks_trace_reaches_crates_packed_on_a_pallet_before_the_pallet_was_loaded(api: Api) -> None:
    crate, pallet = CRATE.format(1), "urn:epc:id:sscc:6901234.0000000001"
    events = [
        aggregation(pallet, [crate], "ADD", "2026-11-20T08:00:00+08:00", bizStep="packing"),
        aggregation(TRUCK, [pallet], "ADD", "2026-11-20T09:00:00+08:00", bizStep="loading"),
        object_event(TRUCK, time="2026-11-20T10:00:00+08:00", bizStep="departing", readPoint={"id": GATE}),
        aggregation(TRUCK, [pallet], "DELETE", "2026-11-20T12:00:00+08:00", bizStep="unloading"),
    ]
    assert api.send("post", f"{BASE}/capture", document(*events)).json()["success"]
    truck = api.get(f"{BASE}/trace?epc={quote(TRUCK)}").json()
    nodes = {n["identifier"]: n for n in truck["nodes"]}
    assert nodes[canonical_identifier(crate)]["relation"] == "content"
    # The crate is in the truck only while its pallet is: from loading to unloading.
    assert nodes[canonical_identifier(crate)]["from"] == "2026-11-20T01:00:00.000Z"
    assert nodes[canonical_identifier(crate)]["until"] == "2026-11-20T04:00:00.000Z"


@pytest.mark.django_db
def test_a_reader_posts_its_reads_over_http_and_a_repost_stores_nothing_twice(api: Api) -> None:
    payload = json.dumps(
        {
            "readPoint": GATE,
            "bizStep": "arriving",
            "reads": [
                {"epc": CRATE.format(1), "time": "2026-11-20T08:00:00.100+08:00"},
                {"epc": CRATE.format(1), "time": "2026-11-20T08:00:00.400+08:00"},
                {"epc": CRATE.format(2), "time": "2026-11-20T08:00:00.500+08:00"},
            ],
        }
    )
    response = api.send("post", f"{BASE}/devices/SZ-HUANGGANG/gate-3/reads", payload)
    assert response.status_code == 202, response.content
    assert response.json()["storedCount"] == 2  # two tags: the repeated read is folded
    again = api.send("post", f"{BASE}/devices/SZ-HUANGGANG/gate-3/reads", payload).json()
    assert again["storedCount"] == 0 and again["duplicateCount"] == 2
    bad = api.send(
        "post",
        f"{BASE}/devices/SZ-HUANGGANG/gate-3/reads",
        json.dumps({"readPoint": GATE, "reads": [{"epc": "x"}]}),
    )
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    assert any(error["path"].startswith("/reads/0") for error in bad.json()["errors"])
    assert Event.objects.count() == 2


@pytest.mark.django_db
def test_a_crates_trace_brings_its_lots_harvest_and_not_the_same_lot_in_other_crates(api: Api) -> None:
    lot = "urn:epc:class:lgtin:6901234.000001.L20261120"
    crate, other = CRATE.format(1), CRATE.format(2)

    def packing(parent: str, time: str) -> dict[str, Any]:
        return {
            **aggregation(parent, [], "ADD", time, bizStep="packing"),
            "childEPCs": [],
            "childQuantityList": [{"epcClass": lot, "quantity": 10, "uom": "KGM"}],
        }

    harvest = {
        "type": "ObjectEvent",
        "eventTime": "2026-11-20T05:00:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "epcList": [],
        "quantityList": [{"epcClass": lot, "quantity": 500, "uom": "KGM"}],
        "action": "ADD",
        "bizStep": "commissioning",
    }
    events = [
        harvest,
        packing(crate, "2026-11-20T07:00:00+08:00"),
        packing(other, "2026-11-20T07:05:00+08:00"),
    ]
    assert api.send("post", f"{BASE}/capture", document(*events)).json()["success"]
    trace = api.get(f"{BASE}/trace?epc={quote(crate)}").json()
    steps = [(e["eventTime"], e.get("bizStep"), e.get("parentID")) for e in trace["events"]]
    assert steps == [
        ("2026-11-20T05:00:00+08:00", "commissioning", None),
        ("2026-11-20T07:00:00+08:00", "packing", crate),
    ]
