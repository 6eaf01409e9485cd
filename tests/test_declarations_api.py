"""The declarations API: the whole flow without a page, checked against the OpenAPI document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from openciq.accounts.models import OrgUnit
from openciq.accounts.services import token_create
from openciq.core.testing import assert_matches_openapi
from openciq.declarations.models import Declaration, IdempotencyKey
from tests import personas
from tests.declaration_fixtures import World, force_draw, world

pytestmark = pytest.mark.django_db
BASE = "/api/v1/declarations"
EPHYTO = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "sps" / "SPSCertificateContent.xml"


@pytest.fixture(autouse=True)
def signing_key(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("OPENCIQ_SIGNING_KEY_FILE", str(tmp_path / "keys" / "certificate-signing.pem"))


class Api:
    """A client holding one user's Bearer token; every answer is checked against the document."""

    def __init__(self, user: Any) -> None:
        _token, secret = token_create(actor=user, user=user, name="tests")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def call(self, method: str, path: str, body: Any = None, status: int = 200, **headers: Any) -> Any:
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs.update(data=json.dumps(body, default=str), content_type="application/json")
        response = getattr(self.client, method)(path, **kwargs)
        assert response.status_code == status, response.content
        assert_matches_openapi(method, path, response)
        return (
            response.json() if response.get("Content-Type", "").startswith("application/json") else response
        )


def payload(w: World, **overrides: Any) -> dict[str, Any]:
    header = w.header(**overrides)
    line = w.line()
    line["origin_premises"] = w.premises.pk
    return {**header, "lines": [line]}


def test_the_whole_flow_through_the_api(monkeypatch: Any) -> None:
    w = world("C")
    force_draw(monkeypatch, 0.0)
    enterprise, inspector = Api(w.enterprise_user), Api(w.inspector)
    created = enterprise.call(
        "post", f"{BASE}/declarations/", payload(w), status=201, **{"Idempotency-Key": "k-1"}
    )
    pk = created["id"]
    assert created["status"] == "draft" and created["lines"][0]["hs_code"] == "070490"
    assert enterprise.call("post", f"{BASE}/declarations/{pk}/submit")["status"] == "submitted"
    assert inspector.call("post", f"{BASE}/declarations/{pk}/accept")["status"] == "sampling"
    risk = inspector.call("get", f"{BASE}/declarations/{pk}/risk")
    assert risk["mode"] == "sampling" and risk["replay_matches"] is True and risk["draw"] == 0.0
    enterprise.call("get", f"{BASE}/declarations/{pk}/risk", status=403)  # scores are not disclosed
    worklist = inspector.call("get", f"{BASE}/orders/")
    order = next(o for o in worklist["results"] if o["declaration"]["id"] == pk)
    inspector.call("post", f"{BASE}/orders/{order['id']}/start")
    inspector.call(
        "post",
        f"{BASE}/orders/{order['id']}/record",
        {"checklist": [{"item": "包装", "result": "ok"}], "findings": "货证相符"},
    )
    lab = OrgUnit.objects.get(code="LAB-FOOD").pk
    sample = inspector.call(
        "post",
        f"{BASE}/orders/{order['id']}/samples",
        {"laboratory": lab, "sample_description": "菜心 2 kg", "tests": "农药残留"},
        status=201,
    )
    inspector.call(
        "post", f"{BASE}/samples/{sample['id']}/result", {"result": "conform", "result_summary": "未检出"}
    )
    inspector.call("post", f"{BASE}/orders/{order['id']}/complete", {"result": "conform"})
    assert (
        inspector.call("post", f"{BASE}/declarations/{pk}/decide", {"conformity": "conform"})["status"]
        == "conform"
    )
    release = inspector.call("post", f"{BASE}/declarations/{pk}/release")
    assert release["number"].startswith("R") and release["electronic"] is False
    timeline = enterprise.call("get", f"{BASE}/declarations/{pk}/timeline")
    assert [s["verb"] for s in timeline] == ["submit", "accept", "assess", "decide", "release"]
    certificates = enterprise.call("get", f"{BASE}/certificates/")["results"]
    assert len(certificates) == 1 and certificates[0]["status"] == "valid"
    cert = certificates[0]
    signed = enterprise.client.get(f"{BASE}/certificates/{cert['id']}/signed").content
    anonymous = Client()
    verified = anonymous.post(
        f"{BASE}/certificates/verify", data=signed, content_type="application/json"
    ).json()
    assert verified["valid"] is True and verified["certificate_status"] == "valid"
    tampered = signed.replace(b"1200.000", b"1300.000", 1)
    refused = anonymous.post(
        f"{BASE}/certificates/verify", data=tampered, content_type="application/json"
    ).json()
    assert refused == {**refused, "valid": False, "reason": "bad_signature"}
    keys = anonymous.get(f"{BASE}/certificates/keys").json()
    assert keys["keys"][0]["kid"] == cert["key_id"] and keys["keys"][0]["crv"] == "Ed25519"
    public = anonymous.get(cert["verify_url"].split("testserver", 1)[1])
    assert public.status_code == 200


def test_an_idempotent_resubmission_returns_the_first_declaration() -> None:
    w = world("C")
    api = Api(w.enterprise_user)
    first = api.call("post", f"{BASE}/declarations/", payload(w), status=201, **{"Idempotency-Key": "same"})
    again = api.call("post", f"{BASE}/declarations/", payload(w), status=200, **{"Idempotency-Key": "same"})
    assert again["id"] == first["id"]
    assert Declaration.objects.count() == 1 and IdempotencyKey.objects.count() == 1
    other = api.call(
        "post",
        f"{BASE}/declarations/",
        payload(w, contract_ref="X"),
        status=409,
        **{"Idempotency-Key": "same"},
    )
    assert other["code"] == "conflict" and "Idempotency-Key" in other["fields"]
    assert Declaration.objects.count() == 1


def test_bad_input_answers_400_naming_the_field_and_stores_nothing() -> None:
    w = world("C")
    api = Api(w.enterprise_user)
    body = payload(w, containers=["CSQU3054384"])
    body["lines"][0]["quantity"] = "-1"
    answer = api.call("post", f"{BASE}/declarations/", body, status=400)
    assert answer["code"] == "validation_failed"
    assert {"containers", "lines[0].quantity"} <= set(answer["fields"])
    unknown = api.call("post", f"{BASE}/declarations/", {**payload(w), "colour": "red"}, status=400)
    assert "colour" in unknown["fields"]
    assert Declaration.objects.count() == 0


def test_a_transition_from_the_wrong_state_is_409_naming_the_state() -> None:
    w = world("C")
    api = Api(w.inspector)
    created = api.call("post", f"{BASE}/declarations/", payload(w), status=201)
    answer = api.call("post", f"{BASE}/declarations/{created['id']}/release", status=409)
    assert answer["code"] == "transition_not_allowed" and answer["fields"] == {"status": ["draft"]}


def test_out_of_scope_declarations_answer_404_and_lists_hide_them() -> None:
    w = world("C")
    created = Api(w.enterprise_user).call("post", f"{BASE}/declarations/", payload(w), status=201)
    other = Api(personas.inspector_sz())
    other.call("get", f"{BASE}/declarations/{created['id']}/", status=404)
    other.call("post", f"{BASE}/declarations/{created['id']}/submit", status=404)
    assert other.call("get", f"{BASE}/declarations/")["results"] == []
    listed = Api(w.inspector).call("get", f"{BASE}/declarations/?status=draft")
    assert [d["number"] for d in listed["results"]] == [created["number"]]
    assert listed["count"] is None


def test_anonymous_requests_get_401() -> None:
    response = Client().get(f"{BASE}/declarations/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_the_real_ephyto_imports_through_the_api() -> None:
    if not EPHYTO.exists():
        pytest.skip("../shared/conformance/sps is absent: the real ePhyto example is not available")
    personas.org_tree()
    api = Api(personas.inspector_gz())
    response = api.client.post(
        f"{BASE}/certificates/import", data=EPHYTO.read_bytes(), content_type="application/xml"
    )
    assert response.status_code == 201
    assert_matches_openapi("post", f"{BASE}/certificates/import", response)
    body = response.json()
    assert body["number"] == "123ABC" and body["direction"] == "import"
    assert body["data"]["consignment"]["import_country"]["id"] == "EC"


def test_rule_versions_through_the_api() -> None:
    personas.org_tree()
    admin = Api(personas.system_admin())
    active = admin.call("get", f"{BASE}/risk-rule-sets/")
    assert active == [] or active[0]["status"] == "active"
    from openciq.declarations.risk import DEFAULT_PARAMS

    draft = admin.call(
        "post", f"{BASE}/risk-rule-sets/", {"params": DEFAULT_PARAMS, "note": "v2"}, status=201
    )
    assert draft["status"] == "draft"
    bad = admin.call("put", f"{BASE}/risk-rule-sets/{draft['id']}/", {"params": {"bands": []}}, status=400)
    assert "params" in bad["fields"]
    assert admin.call("post", f"{BASE}/risk-rule-sets/{draft['id']}/activate")["status"] == "active"


def test_documents_are_attached_to_drafts_and_downloaded_within_scope() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    w = world("C")
    api = Api(w.enterprise_user)
    created = api.call("post", f"{BASE}/declarations/", payload(w), status=201)
    path = f"{BASE}/declarations/{created['id']}/attachments"
    invoice = SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 invoice", content_type="application/pdf")
    response = api.client.post(path, data={"title": "商业发票", "file": invoice})
    assert response.status_code == 201, response.content
    assert_matches_openapi("post", path, response)
    attachment = response.json()
    assert attachment["title"] == "商业发票" and attachment["filename"].endswith(".pdf")
    download = api.client.get(f"{BASE}/attachments/{attachment['id']}/file")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 invoice"
    assert (
        Api(personas.inspector_sz()).client.get(f"{BASE}/attachments/{attachment['id']}/file").status_code
        == 404
    )
    script = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    refused = api.client.post(path, data={"title": "x", "file": script})
    assert refused.status_code == 400 and "file" in refused.json()["fields"]
