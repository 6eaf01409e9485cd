"""The trace API's reads go through the trace selectors (named queries, subscriptions, places,
supervision alerts) and its permission checks through the one API check, ``core.api.require``:
what each read answers, that the alert worklist keeps to the inspector's area, and that a user
without the permission gets the error envelope's 403 before anything is read."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory

from openciq.accounts.models import OrgUnit
from openciq.accounts.services import system_actor, token_create
from openciq.core.api import require
from openciq.trace import selectors, services
from openciq.trace.models import Subscription, SupervisionAlert
from tests import personas

pytestmark = pytest.mark.django_db
EPCIS = "/api/v1/epcis"
TRACE = "/api/v1/trace"


class Api:
    """A Bearer-token client asking for English answers."""

    def __init__(self, user: Any) -> None:
        _token, secret = token_create(actor=user, user=user, name="tests")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en")

    def get(self, path: str) -> Any:
        return self.client.get(path)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(path, json.dumps(body), content_type="application/json")

    def delete(self, path: str) -> Any:
        return self.client.delete(path)


def alert(key: str, unit: str | None, **extra: Any) -> SupervisionAlert:
    return services.alert_raise(
        actor=system_actor(),
        key=key,
        kind=extra.pop("kind", "gate_mismatch"),
        title=f"Alert {key}",
        subject="https://id.openciq.org/vehicle/YUEZ1234",
        org_unit_id=OrgUnit.objects.get(code=unit).pk if unit else None,
        **extra,
    )


def test_require_lets_the_permitted_user_through_and_refuses_the_others() -> None:
    request = RequestFactory().get("/")
    request.auth = personas.inspector_gz()  # type: ignore[attr-defined]
    require(request, "trace.view_event")
    request.auth = personas.nobody()  # type: ignore[attr-defined]
    with pytest.raises(PermissionDenied):
        require(request, "trace.view_event")


def test_named_queries_are_listed_by_name_and_read_one_by_one() -> None:
    inspector = personas.inspector_gz()
    api = Api(inspector)
    for name in ("zeta", "alpha"):
        created = api.post(f"{EPCIS}/queries", {"name": name, "query": {"EQ_bizStep": ["inspecting"]}})
        assert created.status_code == 201, created.content
    assert [q["name"] for q in api.get(f"{EPCIS}/queries").json()] == ["alpha", "zeta"]
    one = api.get(f"{EPCIS}/queries/alpha").json()
    assert (one["name"], one["query"]) == ("alpha", {"EQ_bizStep": ["inspecting"]})
    missing = api.get(f"{EPCIS}/queries/nothing")
    assert missing.status_code == 404 and missing.json()["type"] == "epcisException:NoSuchNameException"
    assert api.get(f"{EPCIS}/queries/alpha/events").status_code == 200
    assert api.get(f"{EPCIS}/queries/nothing/events").status_code == 404
    assert selectors.named_query(actor=inspector, name="nothing") is None


def test_subscriptions_are_read_under_their_query_and_a_bad_id_is_no_such_subscription() -> None:
    inspector = personas.inspector_gz()
    api = Api(inspector)
    for name in ("alpha", "beta"):
        api.post(f"{EPCIS}/queries", {"name": name, "query": {}})
    made = api.post(f"{EPCIS}/queries/alpha/subscriptions", {"dest": "http://x.test/", "stream": True})
    assert made.status_code == 201, made.content
    sid = made.json()["subscriptionID"]
    listed = api.get(f"{EPCIS}/queries/alpha/subscriptions").json()
    assert [(s["subscriptionID"], s["queryName"]) for s in listed] == [(sid, "alpha")]
    assert api.get(f"{EPCIS}/queries/beta/subscriptions").json() == []
    assert api.get(f"{EPCIS}/queries/alpha/subscriptions/{sid}").json()["subscriptionID"] == sid
    for path in (
        f"beta/subscriptions/{sid}",
        "alpha/subscriptions/not-a-uuid",
        f"alpha/subscriptions/{uuid.uuid4()}",
    ):
        answer = api.get(f"{EPCIS}/queries/{path}")
        assert answer.status_code == 404, path
        assert answer.json()["type"] == "epcisException:NoSuchSubscriptionException"
    assert api.delete(f"{EPCIS}/queries/alpha/subscriptions/not-a-uuid").status_code == 404
    assert Subscription.objects.get().status == "active"
    assert selectors.subscription(actor=inspector, query_name="alpha", subscription_id="x") is None


def test_the_alert_worklist_filters_and_keeps_to_the_inspectors_area() -> None:
    api = Api(personas.inspector_gz())
    own = alert("gz-1", "GZ", declaration_number="GZ1")
    seal = alert("gz-2", "GZ", kind="seal_mismatch", declaration_number="GZ2")
    everyone = alert("none-1", None)
    elsewhere = alert("sz-1", "SZ")
    ids = [a["id"] for a in api.get(f"{TRACE}/alerts").json()["results"]]
    assert sorted(ids) == sorted([own.pk, seal.pk, everyone.pk])
    assert ids == [
        a.pk for a in sorted([own, seal, everyone], key=lambda a: (a.raised_at, a.pk), reverse=True)
    ]
    assert [a["id"] for a in api.get(f"{TRACE}/alerts?kind=seal_mismatch").json()["results"]] == [seal.pk]
    assert [a["id"] for a in api.get(f"{TRACE}/alerts?declaration=GZ1").json()["results"]] == [own.pk]
    assert api.get(f"{TRACE}/alerts?status=resolved").json()["results"] == []
    assert api.get(f"{TRACE}/alerts/{own.pk}").json()["declaration_number"] == "GZ1"
    hidden = api.get(f"{TRACE}/alerts/{elsewhere.pk}")
    assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"


def test_places_are_listed_in_hierarchy_order_and_by_kind() -> None:
    actor = system_actor()
    port = services.location_save(
        actor=actor, uri="urn:epc:id:sgln:6901234.00010.0", name="皇岗口岸", kind="port"
    )
    lane = services.location_save(
        actor=actor, uri="urn:epc:id:sgln:6901234.00010.1", name="1号通道", kind="gate", parent_uri=port.uri
    )
    api = Api(personas.inspector_gz())
    assert [p["uri"] for p in api.get(f"{TRACE}/locations").json()] == [port.uri, lane.uri]
    assert [p["uri"] for p in api.get(f"{TRACE}/locations?kind=gate").json()] == [lane.uri]
    assert list(selectors.locations(actor=actor, kind="gate")) == [lane]


@pytest.mark.parametrize(
    "path",
    [
        f"{EPCIS}/events",
        f"{EPCIS}/queries",
        f"{EPCIS}/queries/alpha",
        f"{EPCIS}/queries/alpha/events",
        f"{EPCIS}/queries/alpha/subscriptions",
        f"{EPCIS}/queries/alpha/subscriptions/{uuid.UUID(int=1)}",
        f"{EPCIS}/trace?epc=urn:epc:id:sgtin:6901234.00001.1",
        f"{TRACE}/alerts",
        f"{TRACE}/alerts/1",
        f"{TRACE}/locations",
    ],
)
def test_without_the_permission_a_read_answers_403_in_the_error_envelope(path: str) -> None:
    answer = Api(personas.nobody()).get(path)
    assert answer.status_code == 403
    assert answer.json() == {
        "code": "permission_denied",
        "message": "You do not have permission to do this.",
        "fields": {},
    }
