"""The container e-seal API end to end with the real services, every answer checked against the
OpenAPI document the code generates (the committed ``docs/openapi.json`` is regenerated from the
same code): registers, a trip sealed, read on the road through the EPCIS capture endpoint, held by
a tampered seal, inspected and cleared after its alert is resolved at ``/api/v1/trace/alerts``,
the clearance figures, and who may do what."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from openciq.accounts.services import token_create
from openciq.core import testing
from openciq.trace.containers.models import Trip
from tests import personas
from tests.containers_fixtures import CONTAINERS, DECLARATION, ContainerWorld, container_world, document, read

pytestmark = pytest.mark.django_db
BASE = "/api/v1/containers"


@pytest.fixture(autouse=True)
def live_document(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Responses are checked against the document generated from the code."""
    from openciq.ops.management.commands.openapi import current_document

    document_now = json.loads(current_document())
    testing._path_patterns.cache_clear()
    monkeypatch.setattr(testing, "openapi_document", lambda: document_now)
    yield
    testing._path_patterns.cache_clear()


@pytest.fixture
def w() -> ContainerWorld:
    return container_world()


class Api:
    """A Bearer-token client asking for English; every answer is checked against the document."""

    def __init__(self, user: Any) -> None:
        _token, secret = token_create(actor=user, user=user, name="tests")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en")

    def call(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        response = getattr(self.client, method)(path, **kwargs)
        assert response.status_code == status, response.content
        testing.assert_matches_openapi(method, path, response)
        return response.json()

    def capture(self, events: list[dict[str, Any]]) -> None:
        """Reads posted to the EPCIS capture endpoint, as a gateway does."""
        response = self.client.post(
            "/api/v1/epcis/capture", data=document(events), content_type="application/json"
        )
        assert response.status_code == 202, response.content


def _trip_body(w: ContainerWorld, **overrides: Any) -> dict[str, Any]:
    return {
        "declaration_number": DECLARATION,
        "container_number": CONTAINERS[1],
        "seal_id": w.seals[1].seal_id,
        "plate": "粤Z·C9012港",
        "origin_port": w.origin.pk,
        "destination_port": w.destination.pk,
        "sealing_location": w.yard.pk,
        "arrival_location": w.gate.pk,
        "checkpoints": [w.checkpoint.pk],
        **overrides,
    }


def test_registers_validate_and_list(w: ContainerWorld) -> None:
    api = Api(w.sealer)
    bad = api.call("post", f"{BASE}/containers/", {"number": "MSKU9070324"}, status=400)
    assert bad["code"] == "validation_failed" and list(bad["fields"]) == ["number"]
    made = api.call("post", f"{BASE}/containers/", {"number": "MSKU9070323", "size_type": "45G1"}, status=201)
    assert (made["number"], made["uri"], made["category"]) == (
        "MSKU9070323",
        "urn:epc:id:bic:MSKU9070323",
        "U",
    )
    listed = api.call("get", f"{BASE}/containers/?q=MSKU")
    assert [c["number"] for c in listed["results"]] == ["MSKU9070323"] and listed["count"] is None
    seal = api.call("post", f"{BASE}/seals/", {"seal_id": "zj09-123", "reusable": False}, status=201)
    assert (seal["seal_id"], seal["status"], seal["org_unit"]["code"]) == ("ZJ09-123", "available", "GZ")
    available = api.call("get", f"{BASE}/seals/?status=available")
    assert {s["seal_id"] for s in available["results"]} == {"ZJ09-123", *(s.seal_id for s in w.seals)}
    retired = api.call("post", f"{BASE}/seals/{seal['id']}/retire", {"reason": "Casing cracked."})
    assert retired["status"] == "retired"
    unknown = api.call("get", f"{BASE}/seals/?colour=red", status=400)
    assert list(unknown["fields"]) == ["colour"]


def test_a_trip_from_sealing_to_clearance_after_a_tamper(w: ContainerWorld) -> None:
    sealer, inspector, gateway = Api(w.sealer), Api(w.inspector), Api(w.gateway)
    refused = sealer.call("post", f"{BASE}/trips/", _trip_body(w, container_number="MSKU9070324"), status=400)
    assert list(refused["fields"]) == ["container_number"]
    trip = sealer.call("post", f"{BASE}/trips/", _trip_body(w), status=201)
    assert (trip["status"], trip["container"]["number"], trip["seal"]["status"]) == (
        "sealed",
        CONTAINERS[1],
        "sealed",
    )
    assert [c["id"] for c in trip["checkpoints"]] == [w.checkpoint.pk] and trip["alerts"] == []
    twice = sealer.call("post", f"{BASE}/trips/", _trip_body(w, container_number=CONTAINERS[2]), status=400)
    assert list(twice["fields"]) == ["seal_id"]

    container, seal = trip["container"]["uri"], trip["seal"]["uri"]
    gateway.capture([read(w.gate, container, seal, seal_status="tampered", biz_step="arriving")])
    pk = trip["id"]
    held = inspector.call("get", f"{BASE}/trips/{pk}/")
    assert (held["status"], held["open_alarm"], held["arrived_at"] is not None) == ("alarm", True, True)
    (alert,) = held["alerts"]
    assert (alert["kind"], alert["blocking"], alert["status"]) == ("seal_tampered", True, "open")
    blocked = inspector.call("post", f"{BASE}/trips/{pk}/clear", status=400)
    assert blocked["fields"]["alerts"] == [alert["title"]]
    listed = inspector.call("get", f"{BASE}/trips/?alarm=true")
    assert [t["number"] for t in listed["results"]] == [trip["number"]]

    inspector.call("post", f"{BASE}/trips/{pk}/open", {"note": "Opened for inspection."})
    inspected = inspector.call(
        "post", f"{BASE}/trips/{pk}/inspect", {"result": "conformant", "note": "Goods as declared."}
    )
    assert (inspected["status"], inspected["inspection_result"]) == ("opened", "conformant")
    resolved = inspector.client.post(
        f"/api/v1/trace/alerts/{alert['id']}/resolve",
        data=json.dumps({"resolution": "Lock cable cut in transit; goods checked, as declared."}),
        content_type="application/json",
    )
    assert resolved.status_code == 200, resolved.content
    cleared = inspector.call("post", f"{BASE}/trips/{pk}/clear")
    assert cleared["status"] == "cleared" and cleared["clearance_seconds"] is not None
    assert cleared["alerts"][0]["status"] == "resolved" and cleared["open_alarm"] is False
    today = timezone.localdate().isoformat()
    (row,) = inspector.call("get", f"{BASE}/clearance?since={today}&until={today}")
    assert (row["port"]["code"], row["count"], row["month"][:7]) == (w.destination.code, 1, today[:7])


def test_who_may_do_what(w: ContainerWorld) -> None:
    trip = w.seal()
    leader, nobody = Api(w.leader), Api(w.nobody)
    assert leader.call("get", f"{BASE}/trips/{trip.pk}/")["number"] == trip.number
    assert (
        leader.call("post", f"{BASE}/trips/{trip.pk}/cancel", {"reason": "x"}, status=403)["code"]
        == "permission_denied"
    )
    assert nobody.call("get", f"{BASE}/trips/", status=403)["code"] == "permission_denied"
    outsider = Api(personas.persona("inspector_fs", "branch_inspector", "FS"))
    assert outsider.call("get", f"{BASE}/trips/{trip.pk}/", status=404)["code"] == "not_found"
    assert outsider.call("get", f"{BASE}/trips/")["results"] == []
    wrong = Api(w.sealer).call("post", f"{BASE}/trips/{trip.pk}/inspect", {"result": "fine"}, status=400)
    assert "result" in wrong["fields"]
    assert Trip.objects.get(pk=trip.pk).status == "sealed"
