"""The live-pig API at /api/v1/pigs/: the same services as the pages (errors in the one envelope,
naming the field), scope (404 outside it), and every response checked against the OpenAPI
document the code generates (the committed ``docs/openapi.json`` is regenerated from the same
code by ``openciq openapi``)."""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from django.test import Client
from django.utils import timezone, translation

from openciq.trace.pigs.models import LoadingBatch
from tests import personas
from tests.pigs_fixtures import RANGE_START, PigWorld, channel_reads, iso_of, pig_world, uri_of

pytestmark = pytest.mark.django_db
BASE = "/api/v1/pigs"


@cache
def _document() -> dict[str, Any]:
    from openciq.api import api

    with translation.override("en"):
        document: dict[str, Any] = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1")))
    return document


def check(method: str, response: Any, path: str) -> Any:
    """The response's status and body are what the OpenAPI document promises; returns the body."""
    document = _document()
    bare = urlsplit(path).path
    template = next(
        (t for t in document["paths"] if re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(t)), bare)),
        None,
    )
    assert template is not None, f"{bare} is not in the OpenAPI document"
    spec = document["paths"][template][method]["responses"].get(str(response.status_code))
    assert spec is not None, f"{method} {template} does not document {response.status_code}"
    body = response.json()
    schema = {**spec["content"]["application/json"]["schema"], "components": document["components"]}
    jsonschema.validate(body, schema, cls=jsonschema.Draft202012Validator)
    return body


class Api:
    def __init__(self, user: Any) -> None:
        self.client = Client()
        self.client.force_login(user)

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(BASE + path, params)
        return response, check("get", response, BASE + path)

    def post(self, path: str, payload: Any = None) -> Any:
        response = self.client.post(BASE + path, json.dumps(payload or {}), content_type="application/json")
        return response, check("post", response, BASE + path)


@pytest.fixture
def pw() -> PigWorld:
    return pig_world()


def test_farms_are_listed_in_scope_and_registered_with_their_channel(pw: PigWorld) -> None:
    api = Api(pw.inspector)
    response, body = api.get("/farms/")
    assert response.status_code == 200
    assert [f["registration_number"] for f in body["results"]] == [pw.farm.registration_number]
    assert api.get(f"/farms/{pw.other_farm.pk}/")[0].status_code == 404
    payload = {
        "registration_number": "4401HKP050",
        "name_zh": "从化供港生猪养殖场",
        "enterprise": pw.farm.enterprise_id,
        "org_unit": pw.farm.org_unit_id,
        "county_code": "440117",
    }
    response, body = api.post("/farms/", payload)
    assert response.status_code == 201
    assert body["loading_channel"].endswith("/loading-channel/4401HKP050")


def test_a_refusal_answers_the_envelope_naming_the_field(pw: PigWorld) -> None:
    response, body = Api(pw.inspector).post(
        f"/farms/{pw.farm.pk}/ranges/",
        {"country": 156, "first_national_id": RANGE_START, "last_national_id": RANGE_START + 1},
    )
    assert response.status_code == 400
    assert body["code"] == "validation_failed" and "first_national_id" in body["fields"]


def test_tag_look_up_and_replace(pw: PigWorld) -> None:
    api = Api(pw.manager)
    cn, iso = pw.numbers()
    response, body = api.post(
        "/animals/",
        {
            "farm": pw.farm.pk,
            "cn_number": cn,
            "iso_number": iso,
            "sex": "female",
            "breed": "长白",
            "birth_date": "2026-01-02",
        },
    )
    assert response.status_code == 201 and body["tags"][0]["iso_number"] == iso
    pk = body["id"]
    assert api.get("/animals/lookup", number=iso)[1]["id"] == pk
    _cn, new_iso = pw.numbers()
    response, body = api.post(
        f"/animals/{pk}/replace-tag", {"tag": iso, "new_iso_number": new_iso, "reason": "damaged"}
    )
    assert response.status_code == 201
    assert (body["replaces"], body["retag"]) == (iso, 1)
    response, body = api.post(
        f"/animals/{pk}/replace-tag", {"tag": "156000000000009", "new_iso_number": new_iso, "reason": "lost"}
    )
    assert response.status_code == 400 and "tag" in body["fields"]


def test_animal_list_has_no_count_and_filters_by_number(pw: PigWorld) -> None:
    first, second = pw.herd(2)
    response, body = Api(pw.inspector).get("/animals/", number=second.cn_number)
    assert body["count"] is None
    assert [row["cn_number"] for row in body["results"]] == [second.cn_number] != [first.cn_number]
    response, body = Api(pw.inspector).get("/animals/", wrong="1")
    assert response.status_code == 400 and "wrong" in body["fields"]


def test_treatment_and_death(pw: PigWorld) -> None:
    pig = pw.tag()
    api = Api(pw.manager)
    response, body = api.post(
        "/treatments/",
        {
            "farm": pw.farm.pk,
            "kind": "vaccination",
            "product": "猪瘟活疫苗",
            "product_batch": "CSF-1",
            "dose": "2 ml",
            "route": "intramuscular",
            "veterinarian": "李兽医",
            "animals": [pig.cn_number],
        },
    )
    assert (
        response.status_code == 201
        and body["animals"] == [pig.cn_number]
        and body["event_id"].startswith("urn:uuid:")
    )
    assert api.get("/treatments/")[1]["results"][0]["id"] == body["id"]
    response, body = api.post(f"/animals/{pig.pk}/death", {"cause": "disease"})
    assert (response.status_code, body["status"]) == (200, "dead")


def test_batch_flow_declare_start_reconcile_release_receive(pw: PigWorld) -> None:
    pigs = pw.herd(2)
    manager, inspector = Api(pw.manager), Api(pw.inspector)
    response, body = manager.post(
        "/batches/",
        {
            "farm": pw.farm.pk,
            "declaration_number": "440100226000999999",
            "truck_plate": "粤Z1234港",
            "planned_at": (timezone.now() + dt.timedelta(hours=2)).isoformat(),
            "animals": [p.cn_number for p in pigs],
        },
    )
    assert response.status_code == 201 and body["status"] == "declared"
    pk = body["id"]
    assert manager.post(f"/batches/{pk}/start")[0].status_code == 403
    assert inspector.post(f"/batches/{pk}/start")[1]["status"] == "loading"
    channel_reads(pw.farm, [uri_of(p) for p in pigs])
    response, body = inspector.post(f"/batches/{pk}/reconcile")
    assert body["status"] == "reconciled" and body["result"]["missing"] == []
    assert inspector.post(f"/batches/{pk}/release")[1]["loaded_count"] == 2
    response, body = inspector.post(f"/batches/{pk}/receive", {"read_numbers": [iso_of(pigs[0])]})
    assert body["status"] == "received" and body["receipt_result"]["missing"] == [iso_of(pigs[1])]
    assert [a["kind"] for a in body["alerts"]] == ["receipt_mismatch"]
    response, body = inspector.post(f"/batches/{pk}/release")
    assert response.status_code == 409 and body["code"] == "transition_not_allowed"


def test_batch_mismatch_and_cancel(pw: PigWorld) -> None:
    pigs = pw.herd(2)
    batch = pw.loading(pigs)
    channel_reads(pw.farm, [uri_of(pigs[0])])
    api = Api(pw.inspector)
    response, body = api.post(f"/batches/{batch.pk}/reconcile")
    assert body["status"] == "mismatch" and body["result"]["missing"] == [iso_of(pigs[1])]
    response, body = api.post(f"/batches/{batch.pk}/release")
    assert response.status_code == 400 and "alerts" in body["fields"]
    assert api.post(f"/batches/{batch.pk}/hold", {"reason": "x"})[0].status_code == 409
    response, body = api.post(f"/batches/{batch.pk}/cancel", {"reason": "truck broke down"})
    assert body["status"] == "cancelled"
    assert api.get("/batches/", status="cancelled")[1]["results"][0]["number"] == batch.number


def test_out_of_scope_batch_answers_404(pw: PigWorld) -> None:
    batch = pw.declare([pw.tag()])
    response, body = Api(personas.inspector_sz()).get(f"/batches/{batch.pk}/")
    assert response.status_code == 404 and body["code"] == "not_found"
    assert LoadingBatch.objects.get(pk=batch.pk).status == "declared"
