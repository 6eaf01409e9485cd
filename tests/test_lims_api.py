"""The laboratory API end to end with the real services, every answer checked against the
committed OpenAPI document: a sample from registration to its certificate of analysis, results
imported from an instrument's file, a failed run, and who may do what."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openciq.accounts.services import token_create
from openciq.core.models import AuditEvent
from openciq.core.testing import assert_matches_openapi
from openciq.lims.models import Analysis, Sample
from tests import lims_fixtures as lf
from tests import personas
from tests.lims_fixtures import LabWorld, lab_world

pytestmark = pytest.mark.django_db
BASE = "/api/v1/lims"


@pytest.fixture(autouse=True)
def media_root(tmp_path: Path, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


class Api:
    """A client holding one user's Bearer token, asking for English; every answer is checked
    against the document."""

    def __init__(self, user: Any) -> None:
        _token, secret = token_create(actor=user, user=user, name="tests")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en")

    def call(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs.update(data=json.dumps(body, default=str), content_type="application/json")
        response = getattr(self.client, method)(path, **kwargs)
        assert response.status_code == status, response.content
        assert_matches_openapi(method, path, response)
        return response.json() if response["Content-Type"].startswith("application/json") else response

    def upload(self, path: str, mapping: int, data: bytes, status: int = 200) -> Any:
        file = SimpleUploadedFile("results.csv", data, content_type="text/csv")
        response = self.client.post(path, data={"mapping": mapping, "file": file})
        assert response.status_code == status, response.content
        assert_matches_openapi("post", path, response)
        return response.json()


def register(api: Api, w: LabWorld, **overrides: Any) -> dict[str, Any]:
    body = {
        "laboratory": w.laboratory.pk,
        "description": "菜心 2 kg",
        "services": [w.chlorpyrifos.pk, w.cypermethrin.pk],
        "client_name": "广州绿源蔬菜出口有限公司",
        "hs_code": "070490",
        "destination": w.hong_kong.pk,
        **overrides,
    }
    return api.call("post", f"{BASE}/samples/", body, status=201)


def plan(api: Api, w: LabWorld, analyses: list[int], *, blank: bool = True) -> dict[str, Any]:
    body = {
        "method": w.method.pk,
        "instrument": w.instrument.pk,
        "analyst": w.analyst.pk,
        "analyses": analyses,
        "blanks": [w.blank.pk] if blank else [],
        "controls": [w.control.pk],
    }
    return api.call("post", f"{BASE}/worksheets/", body, status=201)


def by_label(worksheet: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(a["label"], a["service"]["code"]): a for a in worksheet["analyses"]}


def test_a_sample_from_registration_to_its_certificate_of_analysis() -> None:
    w = lab_world()
    reception, analyst, verifier, head = Api(w.receptionist), Api(w.analyst), Api(w.analyst_2), Api(w.head)
    created = register(reception, w)
    pk, number = created["id"], created["number"]
    assert created["status"] == "registered"
    assert sorted(a["service"]["code"] for a in created["analyses"]) == ["CHLORPYRIFOS", "CYPERMETHRIN"]

    received = reception.call("post", f"{BASE}/samples/{pk}/receive", {"storage_location": "冷藏柜 A-3"})
    assert received["status"] == "received" and received["storage_location"] == "冷藏柜 A-3"
    assert received["due_date"] is not None
    assert [c["kind"] for c in received["custody"]] == ["registered", "received"]
    routine = sorted(a["id"] for a in received["analyses"])

    sheet = plan(head, w, routine)
    assert (sheet["status"], sheet["qc_status"]) == ("open", "pending")
    assert sorted(a["kind"] for a in sheet["analyses"]) == ["blank", "control", "routine", "routine"]
    labels = by_label(sheet)
    for key, result in [
        ((number, "CHLORPYRIFOS"), "0.012"),
        ((number, "CYPERMETHRIN"), "ND"),
        (("BLK-VEG", "CHLORPYRIFOS"), "ND"),
        (("CRM-CPF", "CHLORPYRIFOS"), "0.102"),
    ]:
        entered = analyst.call("post", f"{BASE}/analyses/{labels[key]['id']}/submit", {"result": result})
        assert entered["status"] in ("to_be_verified", "verified") and entered["unit"] == "mg/kg"

    sheet = analyst.call("get", f"{BASE}/worksheets/{sheet['id']}/")
    assert (sheet["status"], sheet["qc_status"]) == ("to_be_verified", "passed")
    assert by_label(sheet)[("CRM-CPF", "CHLORPYRIFOS")]["qc_flags"] == []
    chlorpyrifos = analyst.call("get", f"{BASE}/analyses/{labels[(number, 'CHLORPYRIFOS')]['id']}/")
    assert chlorpyrifos["outcome"] == "conform" and chlorpyrifos["spec_high"] == "0.050000"
    assert chlorpyrifos["uncertainty"] is not None

    refused = analyst.call("post", f"{BASE}/analyses/{routine[0]}/verify", status=400)
    assert refused["code"] == "validation_failed" and list(refused["fields"]) == ["verifier"]
    for analysis_id in routine:
        verified = verifier.call("post", f"{BASE}/analyses/{analysis_id}/verify")
        assert verified["status"] == "verified"
        assert [v["verifier"]["username"] for v in verified["verifications"]] == ["lab_analyst_2"]
    sample = reception.call("get", f"{BASE}/samples/{pk}/")
    assert (sample["status"], sample["outcome"]) == ("verified", "conform")

    report = head.call("post", f"{BASE}/samples/{pk}/publish", status=201)
    assert report["sample"]["number"] == number and report["outcome"] == "conform"
    pdf = reception.call("get", f"{BASE}/samples/{pk}/report")
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    Api(w.chem_analyst).call("get", f"{BASE}/samples/{pk}/report", status=404)

    published = reception.call("get", f"{BASE}/samples/?status=published&q={number}")
    assert [s["number"] for s in published["results"]] == [number] and published["count"] is None
    today = timezone.localdate().isoformat()
    stats = head.call("get", f"{BASE}/turnaround?since={today}&until={today}")
    assert [(r["laboratory_code"], r["method_code"], r["count"]) for r in stats] == [
        ("LAB-FOOD", "GB23200.113", 2)
    ]

    retest = head.call("post", f"{BASE}/samples/{pk}/invalidate", {"reason": "标准溶液配制错误"}, status=201)
    assert retest["number"] == f"{number}-R1" and retest["status"] == "received"
    assert retest["retest_of"] == {"id": pk, "number": number, "status": "invalid"}
    assert reception.call("get", f"{BASE}/samples/{pk}/")["reports"][0]["withdrawn_at"] is not None


def test_results_are_imported_from_the_instruments_file_all_or_nothing() -> None:
    w = lab_world()
    sample = w.received_sample()
    sheet = w.worksheet([sample])
    analyst = Api(w.analyst)
    path = f"{BASE}/worksheets/{sheet.pk}/import"
    rows = [
        (sample.number, "CHLORPYRIFOS", "12", "ug/kg"),
        (sample.number, "CYPERMETHRIN", "0.03", "furlong"),
        ("BLK-VEG", "CHLORPYRIFOS", "ND", "mg/kg"),
        ("CRM-CPF", "CHLORPYRIFOS", "0.099", "mg/kg"),
    ]
    answer = analyst.upload(path, w.mapping.pk, w.results_file(rows), status=400)
    assert answer["code"] == "validation_failed"
    assert answer["fields"] == {"file": ["Line 3, column Unit: Unknown unit furlong."]}
    untouched = analyst.call("get", f"{BASE}/worksheets/{sheet.pk}/")
    assert {(a["status"], a["result"]) for a in untouched["analyses"]} == {("assigned", "")}
    assert not AuditEvent.objects.filter(action="lims.results_imported").exists()

    rows[1] = (sample.number, "CYPERMETHRIN", "0.03", "mg/kg")
    imported = analyst.upload(path, w.mapping.pk, w.results_file(rows))
    assert (imported["status"], imported["qc_status"]) == ("to_be_verified", "passed")
    results = {key: (a["status"], a["value"]) for key, a in by_label(imported).items()}
    assert results == {
        (sample.number, "CHLORPYRIFOS"): ("to_be_verified", "0.012000"),
        (sample.number, "CYPERMETHRIN"): ("to_be_verified", "0.030000"),
        ("BLK-VEG", "CHLORPYRIFOS"): ("verified", "0.005000"),
        ("CRM-CPF", "CHLORPYRIFOS"): ("verified", "0.099000"),
    }
    assert AuditEvent.objects.filter(action="lims.results_imported").count() == 1
    again = analyst.upload(path, w.mapping.pk, w.results_file(rows), status=409)
    assert again["fields"] == {"status": ["to_be_verified"]}


def test_a_failed_control_blocks_the_run_and_the_instrument_until_released() -> None:
    w = lab_world()
    sample = w.received_sample()
    analyst, head = Api(w.analyst), Api(w.head)
    sheet = plan(head, w, [a.pk for a in sample.analyses.all()], blank=False)
    labels = by_label(sheet)
    for key, result in [
        ((sample.number, "CHLORPYRIFOS"), "0.02"),
        ((sample.number, "CYPERMETHRIN"), "0.1"),
        (("CRM-CPF", "CHLORPYRIFOS"), "0.130"),  # 6 SD above the chart's mean
    ]:
        analyst.call("post", f"{BASE}/analyses/{labels[key]['id']}/submit", {"result": result})
    failed = analyst.call("get", f"{BASE}/worksheets/{sheet['id']}/")
    assert failed["qc_status"] == "failed"
    assert by_label(failed)[("CRM-CPF", "CHLORPYRIFOS")]["qc_flags"] == ["1_2s", "1_3s"]
    routine = labels[(sample.number, "CHLORPYRIFOS")]["id"]
    blocked = Api(w.analyst_2).call("post", f"{BASE}/analyses/{routine}/verify", status=409)
    assert "worksheet" in blocked["fields"]
    instrument = head.call("get", f"{BASE}/instruments/{w.instrument.pk}/")
    assert instrument["qc_blocked_at"] is not None

    retracted = head.call("post", f"{BASE}/worksheets/{failed['id']}/retract", {"reason": "质控失控"})
    assert retracted["status"] == "retracted"
    retests = head.call("get", f"{BASE}/analyses/?sample={sample.number}&status=unassigned")["results"]
    assert len(retests) == 2
    head.call("post", f"{BASE}/instruments/{w.instrument.pk}/release", {"note": ""}, status=400)
    released = head.call(
        "post", f"{BASE}/instruments/{w.instrument.pk}/release", {"note": "更换色谱柱并重新校准"}
    )
    assert released["qc_blocked_at"] is None and released["qc_block_reason"] == ""


def test_results_are_retracted_and_rejected_with_reasons() -> None:
    w = lab_world()
    sample = w.received_sample()
    analyst, head = Api(w.analyst), Api(w.head)
    chlorpyrifos, cypermethrin = sorted(sample.analyses.all(), key=lambda a: a.service.code)
    analyst.call(
        "post", f"{BASE}/analyses/{chlorpyrifos.pk}/submit", {"result": "0.02", "instrument": w.instrument.pk}
    )
    head.call("post", f"{BASE}/analyses/{chlorpyrifos.pk}/retract", {"reason": ""}, status=400)
    retest = head.call(
        "post", f"{BASE}/analyses/{chlorpyrifos.pk}/retract", {"reason": "称样量记录错误"}, status=201
    )
    assert retest["retest_of"] == chlorpyrifos.pk and retest["status"] == "unassigned"
    assert head.call("get", f"{BASE}/analyses/{chlorpyrifos.pk}/")["status"] == "retracted"
    rejected = head.call("post", f"{BASE}/analyses/{cypermethrin.pk}/reject", {"reason": "客户撤回该项目"})
    assert (rejected["status"], rejected["reason"]) == ("rejected", "客户撤回该项目")
    out_of_range = analyst.call(
        "post",
        f"{BASE}/analyses/{retest['id']}/submit",
        {"result": "20", "instrument": w.instrument.pk},
        status=400,
    )
    assert "measuring range" in out_of_range["fields"]["result"][0]


def test_samples_are_partitioned_kept_in_custody_rejected_and_cancelled() -> None:
    w = lab_world()
    reception = Api(w.receptionist)
    sample = w.received_sample()
    metals = lf.make_service(w.other_laboratory, code="PB-ICPMS", name_zh="铅")
    parts = reception.call(
        "post",
        f"{BASE}/samples/{sample.pk}/partition",
        {
            "parts": [
                {"laboratory": w.other_laboratory.pk, "services": [metals.pk], "description": "菜心 200 g"}
            ]
        },
        status=201,
    )
    assert [(p["number"], p["laboratory"]["code"]) for p in parts] == [(f"{sample.number}-P1", "LAB-CHEM")]
    detail = reception.call("get", f"{BASE}/samples/{sample.pk}/")
    assert [p["number"] for p in detail["partitions"]] == [f"{sample.number}-P1"]
    stored = reception.call(
        "post",
        f"{BASE}/samples/{sample.pk}/custody",
        {"kind": "stored", "location": "冷冻柜 B-1"},
        status=201,
    )
    assert (stored["kind"], stored["holder"]["username"]) == ("stored", "lab_receptionist")
    disposed = reception.call("post", f"{BASE}/samples/{sample.pk}/custody", {"kind": "disposed"}, status=400)
    assert "kind" in disposed["fields"]
    rejected = reception.call("post", f"{BASE}/samples/{sample.pk}/reject", {"reason": "包装破损，样品污染"})
    assert rejected["status"] == "rejected"
    assert {a["status"] for a in rejected["analyses"]} == {"rejected"}

    registered = register(reception, w)
    reception.call("post", f"{BASE}/samples/{registered['id']}/cancel", {"reason": " "}, status=400)
    cancelled = reception.call("post", f"{BASE}/samples/{registered['id']}/cancel", {"reason": "重复登记"})
    assert cancelled["status"] == "cancelled"
    again = reception.call("post", f"{BASE}/samples/{registered['id']}/receive", {}, status=409)
    assert again["code"] == "transition_not_allowed" and again["fields"] == {"status": ["cancelled"]}


def test_who_may_do_what() -> None:
    w = lab_world()
    sample = w.received_sample()
    analysis = sample.analyses.order_by("id").first()
    assert analysis is not None
    outsider, nobody = Api(w.chem_analyst), Api(personas.nobody())

    assert Client().get(f"{BASE}/samples/").status_code == 401
    nobody.call("get", f"{BASE}/samples/", status=403)
    nobody.call("get", f"{BASE}/analyses/", status=403)
    nobody.call("get", f"{BASE}/turnaround?since=2026-01-01&until=2026-12-31", status=403)
    assert outsider.call("get", f"{BASE}/samples/")["results"] == []
    outsider.call("get", f"{BASE}/samples/{sample.pk}/", status=404)
    outsider.call("post", f"{BASE}/samples/{sample.pk}/reject", {"reason": "x"}, status=404)
    outsider.call("post", f"{BASE}/analyses/{analysis.pk}/submit", {"result": "0.01"}, status=404)
    outsider.call("post", f"{BASE}/analyses/{analysis.pk}/verify", status=404)
    outsider.call("post", f"{BASE}/instruments/{w.instrument.pk}/release", {"note": "x"}, status=404)

    denied = Api(w.analyst).call("post", f"{BASE}/samples/{sample.pk}/reject", {"reason": "x"}, status=403)
    assert denied["code"] == "permission_denied"
    Api(w.receptionist).call("post", f"{BASE}/analyses/{analysis.pk}/submit", {"result": "0.01"}, status=403)
    plan_body = {
        "method": w.method.pk,
        "instrument": w.instrument.pk,
        "analyst": w.analyst.pk,
        "analyses": [analysis.pk],
        "controls": [w.control.pk],
    }
    Api(w.receptionist).call("post", f"{BASE}/worksheets/", plan_body, status=403)
    Api(w.analyst).call(
        "post", f"{BASE}/samples/", {"laboratory": w.laboratory.pk, "description": "x"}, status=403
    )
    assert Sample.objects.get(pk=sample.pk).status == "received"
    assert Analysis.objects.get(pk=analysis.pk).status == "unassigned"


def test_lists_filter_by_the_filtersets_and_walk_by_cursor() -> None:
    w = lab_world()
    samples = [w.received_sample(), w.received_sample(priority="urgent"), w.registered_sample()]
    reception = Api(w.receptionist)
    urgent = reception.call("get", f"{BASE}/samples/?priority=urgent")["results"]
    assert [s["id"] for s in urgent] == [samples[1].pk]
    registered = reception.call("get", f"{BASE}/samples/?status=registered")["results"]
    assert [s["id"] for s in registered] == [samples[2].pk]
    assert reception.call("get", f"{BASE}/samples/?overdue=true")["results"] == []
    today = timezone.localdate().isoformat()
    received = reception.call("get", f"{BASE}/samples/?received_after={today}&received_before={today}")
    assert sorted(s["id"] for s in received["results"]) == sorted(s.pk for s in samples[:2])
    bad = reception.call("get", f"{BASE}/samples/?colour=red", status=400)
    assert "colour" in bad["fields"]
    seen: list[int] = []
    url: str | None = f"{BASE}/samples/?limit=2&cursor="
    while url:
        page = reception.call("get", url)
        seen += [s["id"] for s in page["results"]]
        url = page["next"]
    assert seen == sorted(s.pk for s in samples)
    analyses = reception.call("get", f"{BASE}/analyses/?service={w.cypermethrin.pk}&status=unassigned")
    assert sorted(a["sample"]["number"] for a in analyses["results"]) == sorted(s.number for s in samples)
    sheet = w.worksheet(samples[:1])
    listed = reception.call("get", f"{BASE}/worksheets/?qc_status=pending&analyst={w.analyst.pk}")
    assert [s["number"] for s in listed["results"]] == [sheet.number]
    on_sheet = reception.call("get", f"{BASE}/analyses/?worksheet={sheet.pk}")["results"]
    assert len(on_sheet) == 2 and {a["worksheet"] for a in on_sheet} == {sheet.pk}


def test_list_queries_do_not_grow_with_the_rows() -> None:
    w = lab_world()
    api = Api(w.head)
    paths = [f"{BASE}/samples/", f"{BASE}/analyses/", f"{BASE}/worksheets/"]

    def queries(path: str) -> int:
        api.call("get", path)  # the token's first use is recorded once
        with CaptureQueriesContext(connection) as captured:
            api.call("get", path)
        return len(captured)

    w.worksheet([w.received_sample()])
    few = [queries(p) for p in paths]
    for _ in range(3):
        w.worksheet([w.received_sample()])
    assert [queries(p) for p in paths] == few
