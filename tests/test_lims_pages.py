"""The laboratory pages: who sees what, every action through its form and service, refusals
shown next to the field they name with nothing changed, and query counts that do not grow with
the rows (Django test client).

Assertions look for element ids and data attributes rather than words, so that they hold in
both languages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openciq.declarations import services as declaration_services
from openciq.declarations.models import InspectionOrder
from openciq.lims import reports, services
from openciq.lims.models import Analysis, CustodyEvent, Report, Sample, Worksheet
from tests import personas
from tests.declaration_fixtures import world as declaration_world
from tests.lims_fixtures import LabWorld, lab_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files(settings: Any, tmp_path: Any) -> None:
    """Reports go to a temporary folder, not the project's ``var/``."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def lw() -> LabWorld:
    return lab_world()


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"lims:{name}", args=args)


def routine(sample: Sample, code: str | None = None) -> list[Analysis]:
    rows = sample.analyses.filter(kind="routine").order_by("service__code", "id")
    return list(rows.filter(service__code=code) if code else rows)


def enter_all(lw: LabWorld, worksheet: Worksheet, results: dict[str, str], control: str = "0.101") -> None:
    """Results for every analysis on the worksheet: routine by service code, blank ND, control."""
    for a in worksheet.analyses.select_related("service").filter(status="assigned").order_by("id"):
        value = {"routine": results.get(a.service.code, "0.02"), "blank": "ND", "control": control}[a.kind]
        services.analysis_submit(actor=lw.analyst, analysis_id=a.pk, result=value, unit="mg/kg")


def verified_sample(lw: LabWorld) -> Sample:
    sample = lw.received_sample()
    enter_all(lw, lw.worksheet([sample]), {"CHLORPYRIFOS": "0.02", "CYPERMETHRIN": "0.10"})
    for a in routine(sample):
        services.analysis_verify(actor=lw.analyst_2, analysis_id=a.pk)
    sample.refresh_from_db()
    assert sample.status == "verified"
    return sample


def failed_worksheet(lw: LabWorld) -> Worksheet:
    """A run whose control lies 20 SD off the mean: QC failed, the instrument blocked."""
    worksheet = lw.worksheet([lw.received_sample()])
    enter_all(lw, worksheet, {}, control="0.200")
    worksheet.refresh_from_db()
    assert worksheet.qc_status == "failed"
    return worksheet


# --- Who sees what ----------------------------------------------------------------------------


def test_every_page_renders_for_the_laboratory_head(lw: LabWorld) -> None:
    sample = verified_sample(lw)
    registered = lw.registered_sample()
    worksheet = Worksheet.objects.filter(analyses__sample=sample).distinct().get()
    client = client_for(lw.head)
    pages = [
        url("worklist"),
        url("sample_list"),
        url("sample_list") + "?status=verified&q=S&overdue=false",
        url("sample_register"),
        url("sample_detail", sample.pk),
        url("sample_history", sample.pk),
        url("sample_receive", registered.pk),
        url("sample_reject", registered.pk),
        url("sample_custody", sample.pk),
        url("analysis_list"),
        url("analysis_list") + f"?status=verified&sample={sample.number[:5]}",
        url("analysis_retract", routine(sample)[0].pk),
        url("worksheet_list"),
        url("worksheet_list") + "?qc_status=passed",
        url("worksheet_create"),
        url("worksheet_create") + f"?method={lw.method.pk}",
        url("worksheet_detail", worksheet.pk),
        url("worksheet_history", worksheet.pk),
        url("turnaround"),
        url("turnaround") + "?since=2020-01-01&until=2030-12-31",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
    detail = client.get(url("sample_detail", sample.pk)).content.decode()
    assert sample.number in detail and 'id="action-publish"' in detail and 'id="custody"' in detail
    listing = client.get(url("sample_list")).content.decode()
    assert f'data-sample="{sample.number}"' in listing and f'data-sample="{registered.number}"' in listing
    stats = client.get(url("turnaround")).content.decode()
    assert lw.method.code in stats


def test_lists_and_worklist_answer_htmx_with_the_results_only(lw: LabWorld) -> None:
    sample = lw.received_sample()
    client = client_for(lw.receptionist)
    response = client.get(url("sample_list"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'data-sample="{sample.number}"' in response.content.decode()
    assert "<html" not in response.content.decode()


def test_the_worklist_shows_each_role_its_sections(lw: LabWorld) -> None:
    registered = lw.registered_sample()
    sections = {
        lw.receptionist: ({"reception", "labels"}, {"queue", "to-verify", "to-publish"}),
        lw.analyst: ({"to-verify", "my-worksheets"}, {"reception", "queue", "to-publish"}),
        lw.head: ({"reception", "queue", "to-verify", "to-publish", "overdue"}, set()),
    }
    for user, (shown, hidden) in sections.items():
        page = client_for(user).get(url("worklist")).content.decode()
        for name in shown:
            assert f'id="{name}"' in page, (user, name)
        for name in hidden:
            assert f'id="{name}"' not in page, (user, name)
    page = client_for(lw.receptionist).get(url("worklist")).content.decode()
    assert f'data-sample="{registered.number}"' in page


def test_anonymous_users_are_sent_to_sign_in_and_others_refused(lw: LabWorld) -> None:
    sample = lw.received_sample()
    pages = [
        url("worklist"),
        url("sample_list"),
        url("sample_register"),
        url("sample_detail", sample.pk),
        url("analysis_list"),
        url("worksheet_list"),
        url("worksheet_create"),
        url("turnaround"),
    ]
    anonymous = Client()
    for page in pages:
        response = anonymous.get(page)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], page
    nobody = client_for(personas.nobody())
    for page in pages:
        assert nobody.get(page).status_code == 403, page
    receptionist = client_for(lw.receptionist)
    assert receptionist.get(url("worksheet_create")).status_code == 403
    assert receptionist.post(url("sample_publish", sample.pk)).status_code == 403


def test_another_laboratory_gets_404(lw: LabWorld) -> None:
    sample = verified_sample(lw)
    report = reports.sample_publish(actor=lw.head, sample_id=sample.pk)
    worksheet = Worksheet.objects.filter(laboratory=lw.laboratory).first()
    assert worksheet is not None
    analysis = routine(sample)[0]
    chem = client_for(lw.chem_analyst)
    for page in [
        url("sample_detail", sample.pk),
        url("sample_by_number", sample.number),
        url("sample_history", sample.pk),
        url("sample_label", sample.pk),
        url("sample_report", sample.pk),
        url("report_pdf", report.pk),
        url("worksheet_detail", worksheet.pk),
        url("analysis_verify", analysis.pk),
    ]:
        assert chem.get(page).status_code == 404, page
    assert chem.post(url("sample_custody", sample.pk), {"custody-kind": "stored"}).status_code == 404
    assert chem.post(url("analysis_submit", analysis.pk), {f"r{analysis.pk}-result": "1"}).status_code == 404
    listing = chem.get(url("sample_list")).content.decode()
    assert sample.number not in listing


def test_sample_by_number_redirects_to_the_sample(lw: LabWorld) -> None:
    sample = lw.registered_sample()
    response = client_for(lw.analyst).get(url("sample_by_number", sample.number))
    assert response.status_code == 302 and response["Location"] == url("sample_detail", sample.pk)


# --- Samples ------------------------------------------------------------------------------------


def test_register_by_hand_creates_the_sample_with_its_analyses(lw: LabWorld) -> None:
    client = client_for(lw.receptionist)
    data = {
        "laboratory": lw.laboratory.pk,
        "description": "芥蓝 1 kg",
        "client_name": "东莞某贸易公司",
        "hs_code": "070490",
        "destination": lw.hong_kong.pk,
        "priority": "urgent",
        "services": [lw.chlorpyrifos.pk],
    }
    response = client.post(url("sample_register"), data)
    sample = Sample.objects.get(description="芥蓝 1 kg")
    assert response.status_code == 302 and response["Location"] == url("sample_detail", sample.pk)
    assert (sample.status, sample.priority, sample.client_name) == ("registered", "urgent", "东莞某贸易公司")
    assert [a.service.code for a in sample.analyses.all()] == ["CHLORPYRIFOS"]


def test_register_without_a_client_names_the_field_and_stores_nothing(lw: LabWorld) -> None:
    before = Sample.objects.count()
    response = client_for(lw.receptionist).post(
        url("sample_register"), {"laboratory": lw.laboratory.pk, "description": "芥蓝", "priority": "normal"}
    )
    assert response.status_code == 200
    assert 'data-error-for="client_name"' in response.content.decode()
    assert Sample.objects.count() == before


def test_receive_button_receives_with_the_analyses_on_the_sample(lw: LabWorld) -> None:
    sample = lw.registered_sample()
    response = client_for(lw.receptionist).post(url("sample_receive", sample.pk), {"next": url("worklist")})
    assert response.status_code == 302 and response["Location"] == url("worklist")
    sample.refresh_from_db()
    assert sample.status == "received" and sample.due_date is not None
    assert CustodyEvent.objects.filter(sample=sample, kind="received").count() == 1


def test_receive_form_adds_services_storage_and_condition(lw: LabWorld) -> None:
    sample = lw.registered_sample(service_ids=[lw.chlorpyrifos.pk])
    client = client_for(lw.receptionist)
    form = client.get(url("sample_receive", sample.pk)).content.decode()
    assert f'value="{lw.chlorpyrifos.pk}"' in form and "checked" in form  # pre-ticked
    client.post(
        url("sample_receive", sample.pk),
        {
            "receive-services": [lw.chlorpyrifos.pk, lw.cypermethrin.pk],
            "receive-storage_location": "冷藏柜 B-1",
            "receive-condition": "完好",
        },
    )
    sample.refresh_from_db()
    assert (sample.status, sample.storage_location, sample.condition) == ("received", "冷藏柜 B-1", "完好")
    assert sorted(a.service.code for a in routine(sample)) == ["CHLORPYRIFOS", "CYPERMETHRIN"]


def test_receive_without_any_analysis_names_services_and_changes_nothing(lw: LabWorld) -> None:
    sample = lw.registered_sample(service_ids=[])
    response = client_for(lw.receptionist).post(url("sample_receive", sample.pk), {"receive-condition": "ok"})
    assert response.status_code == 200
    assert 'data-error-for="services"' in response.content.decode()
    sample.refresh_from_db()
    assert sample.status == "registered"


def test_reject_and_cancel_need_a_reason(lw: LabWorld) -> None:
    client = client_for(lw.receptionist)
    sample = lw.registered_sample()
    response = client.post(url("sample_cancel", sample.pk), {"cancel-reason": ""})
    assert response.status_code == 200 and 'data-error-for="reason"' in response.content.decode()
    sample.refresh_from_db()
    assert sample.status == "registered"
    client.post(url("sample_cancel", sample.pk), {"cancel-reason": "登记错误"})
    sample.refresh_from_db()
    assert (sample.status, sample.reason) == ("cancelled", "登记错误")
    other = lw.received_sample()
    client.post(url("sample_reject", other.pk), {"reject-reason": "包装破损"})
    other.refresh_from_db()
    assert other.status == "rejected"


def test_custody_records_a_hand_over_and_a_store(lw: LabWorld) -> None:
    sample = lw.received_sample()
    client = client_for(lw.receptionist)
    response = client.post(url("sample_custody", sample.pk), {"custody-kind": "transferred"})
    assert response.status_code == 200 and 'data-error-for="holder"' in response.content.decode()
    client.post(
        url("sample_custody", sample.pk), {"custody-kind": "transferred", "custody-holder": lw.analyst.pk}
    )
    client.post(
        url("sample_custody", sample.pk), {"custody-kind": "stored", "custody-location": "冷冻柜 C-2"}
    )
    kinds = list(
        CustodyEvent.objects.filter(sample=sample).order_by("id").values_list("kind", "holder__username")
    )
    assert kinds[-2:] == [("transferred", "lab_analyst"), ("stored", "lab_receptionist")]
    sample.refresh_from_db()
    assert sample.storage_location == "冷冻柜 C-2"
    timeline = client.get(url("sample_detail", sample.pk)).content.decode()
    assert "冷冻柜 C-2" in timeline


def test_partition_sends_a_part_to_another_laboratory(lw: LabWorld) -> None:
    from tests.lims_fixtures import make_service

    heavy_metal = make_service(lw.other_laboratory, code="PB-CHEM")
    sample = lw.received_sample()
    client = client_for(lw.head)
    assert client.get(url("sample_partition", sample.pk)).status_code == 200
    response = client.post(url("sample_partition", sample.pk), {"parts-1-laboratory": lw.other_laboratory.pk})
    assert response.status_code == 200 and 'data-error-for="services"' in response.content.decode()
    assert not sample.partitions.exists()
    response = client.post(
        url("sample_partition", sample.pk),
        {"parts-0-laboratory": lw.other_laboratory.pk, "parts-0-services": [heavy_metal.pk]},
    )
    assert response.status_code == 302
    part = sample.partitions.get()
    assert (part.number, part.laboratory, part.status) == (
        f"{sample.number}-P1",
        lw.other_laboratory,
        "received",
    )


def test_publish_then_download_the_report(lw: LabWorld) -> None:
    sample = verified_sample(lw)
    client = client_for(lw.head)
    response = client.post(url("sample_publish", sample.pk))
    assert response.status_code == 302
    sample.refresh_from_db()
    report = Report.objects.get(sample=sample)
    assert sample.status == "published"
    page = client.get(url("sample_detail", sample.pk)).content.decode()
    assert url("report_pdf", report.pk) in page
    for user in (lw.head, lw.receptionist):
        download = client_for(user).get(url("sample_report", sample.pk))
        assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
        assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_publishing_a_sample_not_verified_is_refused_with_its_state(lw: LabWorld) -> None:
    sample = lw.received_sample()
    response = client_for(lw.head).post(url("sample_publish", sample.pk))
    assert response.status_code == 200 and "data-form-errors" in response.content.decode()
    assert not Report.objects.filter(sample=sample).exists()


def test_the_inspector_of_the_declaration_downloads_the_report(lw: LabWorld) -> None:
    w = declaration_world()
    declaration = w.draft()
    declaration_services.declaration_submit(actor=w.enterprise_user, declaration_id=declaration.pk)
    draw, declaration_services.draw_random = declaration_services.draw_random, lambda: 0.0
    try:
        declaration_services.declaration_accept(actor=w.inspector, declaration_id=declaration.pk)
    finally:
        declaration_services.draw_random = draw
    order = InspectionOrder.objects.get(declaration=declaration)
    declaration_services.order_start(actor=w.inspector, order_id=order.pk)
    request = declaration_services.sample_request_create(
        actor=w.inspector,
        order_id=order.pk,
        laboratory_id=lw.laboratory.pk,
        sample_description="菜心",
        tests="毒死蜱",
    )
    sample = Sample.objects.get(sample_request=request)
    services.sample_receive(actor=lw.receptionist, sample_id=sample.pk)
    enter_all(lw, lw.worksheet([sample]), {"CHLORPYRIFOS": "0.02"})
    for a in routine(sample):
        services.analysis_verify(actor=lw.analyst_2, analysis_id=a.pk)
    reports.sample_publish(actor=lw.head, sample_id=sample.pk)
    inspector = client_for(w.inspector)
    response = inspector.get(url("sample_report", sample.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert inspector.get(url("sample_detail", sample.pk)).status_code == 403  # not laboratory staff
    outsider = client_for(personas.inspector_sz())
    assert outsider.get(url("sample_report", sample.pk)).status_code == 404


def test_invalidate_shows_the_retest_and_keeps_the_original(lw: LabWorld) -> None:
    sample = verified_sample(lw)
    reports.sample_publish(actor=lw.head, sample_id=sample.pk)
    client = client_for(lw.head)
    response = client.post(url("sample_invalidate", sample.pk), {"invalidate-reason": "质控追溯不合格"})
    assert response.status_code == 302
    retest = Sample.objects.get(retest_of=sample)
    page = client.get(url("sample_detail", sample.pk)).content.decode()
    assert 'id="invalidated"' in page and url("sample_detail", retest.pk) in page
    retest_page = client.get(url("sample_detail", retest.pk)).content.decode()
    assert url("sample_detail", sample.pk) in retest_page


def test_labels_are_pdfs(lw: LabWorld) -> None:
    sample = lw.received_sample()
    client = client_for(lw.receptionist)
    for page in (
        url("sample_label", sample.pk),
        url("sample_labels"),
        url("sample_labels") + f"?sample={sample.pk}",
    ):
        response = client.get(page)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf", page
        assert response.content.startswith(b"%PDF")


# --- Results and verification ------------------------------------------------------------------


def test_a_result_typed_on_the_sample_page_goes_to_verification(lw: LabWorld) -> None:
    sample = lw.received_sample()
    analysis = routine(sample, "CHLORPYRIFOS")[0]
    client = client_for(lw.analyst)
    page = client.get(url("sample_detail", sample.pk)).content.decode()
    assert f'data-result-form="{analysis.pk}"' in page
    prefix = f"r{analysis.pk}"
    response = client.post(
        url("analysis_submit", analysis.pk),
        {f"{prefix}-result": "0.02", f"{prefix}-unit": "mg/kg", f"{prefix}-instrument": lw.instrument.pk},
    )
    assert response.status_code == 302
    analysis.refresh_from_db()
    assert (analysis.status, analysis.value, analysis.outcome) == (
        "to_be_verified",
        Decimal("0.020000"),
        "conform",
    )


def test_a_result_in_a_wrong_unit_names_the_unit_and_stores_nothing(lw: LabWorld) -> None:
    sample = lw.received_sample()
    analysis = routine(sample, "CHLORPYRIFOS")[0]
    prefix = f"r{analysis.pk}"
    response = client_for(lw.analyst).post(
        url("analysis_submit", analysis.pk),
        {f"{prefix}-result": "12", f"{prefix}-unit": "CFU/g", f"{prefix}-instrument": lw.instrument.pk},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-error-for="unit"' in page and f'data-result-form="{analysis.pk}"' in page
    analysis.refresh_from_db()
    assert (analysis.status, analysis.result) == ("unassigned", "")


def test_verifying_your_own_result_is_refused_and_another_analyst_verifies(lw: LabWorld) -> None:
    sample = lw.received_sample()
    analysis = routine(sample, "CHLORPYRIFOS")[0]
    services.analysis_submit(
        actor=lw.analyst, analysis_id=analysis.pk, result="0.02", unit="mg/kg", instrument_id=lw.instrument.pk
    )
    worklist = client_for(lw.analyst).get(url("worklist")).content.decode()
    assert f'data-analysis="{analysis.pk}"' not in worklist  # not offered to the one who entered it
    response = client_for(lw.analyst).post(url("analysis_verify", analysis.pk))
    assert response.status_code == 200 and "data-form-errors" in response.content.decode()
    analysis.refresh_from_db()
    assert analysis.status == "to_be_verified" and not analysis.verifications.exists()
    other = client_for(lw.analyst_2)
    assert f'data-analysis="{analysis.pk}"' in other.get(url("worklist")).content.decode()
    response = other.post(url("analysis_verify", analysis.pk), {"next": url("worklist")})
    assert response.status_code == 302 and response["Location"] == url("worklist")
    analysis.refresh_from_db()
    assert analysis.status == "verified"


def test_retract_keeps_the_result_visible_with_its_retest(lw: LabWorld) -> None:
    sample = lw.received_sample()
    analysis = routine(sample, "CHLORPYRIFOS")[0]
    services.analysis_submit(
        actor=lw.analyst, analysis_id=analysis.pk, result="0.02", unit="mg/kg", instrument_id=lw.instrument.pk
    )
    client = client_for(lw.head)
    response = client.post(url("analysis_retract", analysis.pk), {"retract-reason": ""})
    assert response.status_code == 200 and 'data-error-for="reason"' in response.content.decode()
    client.post(url("analysis_retract", analysis.pk), {"retract-reason": "进样针污染"})
    analysis.refresh_from_db()
    retest = Analysis.objects.get(retest_of=analysis)
    assert analysis.status == "retracted" and retest.status == "unassigned"
    page = client.get(url("sample_detail", sample.pk)).content.decode()
    assert f'id="a{analysis.pk}"' in page and f'href="#a{retest.pk}"' in page and "data-dead" in page


def test_reject_an_analysis(lw: LabWorld) -> None:
    sample = lw.received_sample()
    analysis = routine(sample, "CYPERMETHRIN")[0]
    client_for(lw.head).post(url("analysis_reject", analysis.pk), {"reject-reason": "不适用"})
    analysis.refresh_from_db()
    assert analysis.status == "rejected"


# --- Worksheets ---------------------------------------------------------------------------------


def test_plan_a_worksheet_from_the_worklist_selection(lw: LabWorld) -> None:
    sample = lw.received_sample()
    ids = [a.pk for a in routine(sample)]
    client = client_for(lw.head)
    worklist = client.get(url("worklist")).content.decode()
    assert f'data-method="{lw.method.code}"' in worklist
    form = client.get(url("worksheet_create"), {"method": lw.method.pk, "analyses": ids}).content.decode()
    assert f'value="{ids[0]}"' in form
    response = client.post(
        url("worksheet_create"),
        {
            "method": lw.method.pk,
            "instrument": lw.instrument.pk,
            "analyst": lw.analyst.pk,
            "analyses": ids,
            "blanks": [lw.blank.pk],
            "controls": [lw.control.pk],
            "duplicates": [ids[0]],
        },
    )
    worksheet = Worksheet.objects.get()
    assert response.status_code == 302 and response["Location"] == url("worksheet_detail", worksheet.pk)
    assert sorted(worksheet.analyses.values_list("kind", flat=True)) == [
        "blank",
        "control",
        "duplicate",
        "routine",
        "routine",
    ]


def test_plan_a_worksheet_without_controls_names_them_and_plans_nothing(lw: LabWorld) -> None:
    sample = lw.received_sample()
    response = client_for(lw.head).post(
        url("worksheet_create"),
        {
            "method": lw.method.pk,
            "instrument": lw.instrument.pk,
            "analyst": lw.analyst.pk,
            "analyses": [a.pk for a in routine(sample)],
        },
    )
    assert response.status_code == 200 and 'data-error-for="controls"' in response.content.decode()
    assert not Worksheet.objects.exists()


def test_results_typed_on_the_worksheet_and_the_qc_passes(lw: LabWorld) -> None:
    sample = lw.received_sample()
    worksheet = lw.worksheet([sample])
    client = client_for(lw.analyst)
    page = client.get(url("worksheet_detail", worksheet.pk)).content.decode()
    assert 'data-qc="pending"' in page and "autofocus" in page
    for a in worksheet.analyses.order_by("id"):
        value = {"routine": "0.03", "blank": "ND", "control": "0.102"}[a.kind]
        response = client.post(
            url("analysis_submit", a.pk), {f"r{a.pk}-result": value, f"r{a.pk}-unit": "mg/kg"}
        )
        assert response.status_code == 302 and response["Location"].startswith(
            url("worksheet_detail", worksheet.pk)
        )
    worksheet.refresh_from_db()
    assert (worksheet.status, worksheet.qc_status) == ("to_be_verified", "passed")
    page = client.get(url("worksheet_detail", worksheet.pk)).content.decode()
    assert 'data-qc="passed"' in page and f'data-chart="{worksheet.analyses.get(kind="control").pk}"' in page
    assert "<svg" in page and "<circle" in page


def test_a_failed_worksheet_shows_its_flags_chart_and_retraction(lw: LabWorld) -> None:
    worksheet = failed_worksheet(lw)
    client = client_for(lw.head)
    page = client.get(url("worksheet_detail", worksheet.pk)).content.decode()
    assert 'data-qc="failed"' in page and 'data-flag="1_3s"' in page and 'data-state="reject"' in page
    assert 'id="retract"' in page
    worklist = client.get(url("worklist")).content.decode()
    assert 'id="qc-failed"' in worklist and f'data-instrument="{lw.instrument.code}"' in worklist
    routine_analysis = worksheet.analyses.filter(kind="routine").first()
    assert routine_analysis is not None
    response = client_for(lw.analyst_2).post(url("analysis_verify", routine_analysis.pk))
    assert response.status_code == 200 and "data-form-errors" in response.content.decode()
    response = client.post(url("worksheet_retract", worksheet.pk), {"retract-reason": ""})
    assert response.status_code == 200 and 'data-error-for="reason"' in response.content.decode()
    client.post(url("worksheet_retract", worksheet.pk), {"retract-reason": "质控失控，重新进样"})
    worksheet.refresh_from_db()
    assert worksheet.status == "retracted"


def test_the_head_releases_a_blocked_instrument(lw: LabWorld) -> None:
    failed_worksheet(lw)
    client = client_for(lw.head)
    response = client.post(url("instrument_release", lw.instrument.pk), {"release-note": ""})
    assert response.status_code == 200 and 'data-error-for="note"' in response.content.decode()
    lw.instrument.refresh_from_db()
    assert lw.instrument.qc_blocked_at is not None
    response = client.post(
        url("instrument_release", lw.instrument.pk),
        {"release-note": "更换衬管并重新校准", "next": url("worklist")},
    )
    assert response.status_code == 302
    lw.instrument.refresh_from_db()
    assert lw.instrument.qc_blocked_at is None
    assert client_for(lw.analyst).post(url("instrument_release", lw.instrument.pk)).status_code == 403


def test_csv_import_lists_errors_line_by_line_and_stores_nothing(lw: LabWorld) -> None:
    sample = lw.received_sample()
    worksheet = lw.worksheet([sample])
    client = client_for(lw.analyst)
    bad = lw.results_file(
        [
            (sample.number, "CHLORPYRIFOS", "0.02", "CFU/g"),
            ("S-NOPE", "CHLORPYRIFOS", "0.02", "mg/kg"),
        ]
    )
    response = client.post(
        url("worksheet_import", worksheet.pk),
        {"upload-mapping": lw.mapping.pk, "upload-file": SimpleUploadedFile("run.csv", bad, "text/csv")},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-error-for="file"' in page and page.count("<li>") >= 2
    assert not worksheet.analyses.exclude(status="assigned").exists()
    good = lw.results_file(
        [
            (sample.number, "CHLORPYRIFOS", "0.02", "mg/kg"),
            (sample.number, "CYPERMETHRIN", "0.10", "mg/kg"),
            (lw.blank.code, "CHLORPYRIFOS", "ND", "mg/kg"),
            (lw.control.code, "CHLORPYRIFOS", "0.099", "mg/kg"),
        ]
    )
    response = client.post(
        url("worksheet_import", worksheet.pk),
        {"upload-mapping": lw.mapping.pk, "upload-file": SimpleUploadedFile("run.csv", good, "text/csv")},
    )
    assert response.status_code == 302
    worksheet.refresh_from_db()
    assert (worksheet.status, worksheet.qc_status) == ("to_be_verified", "passed")


# --- Query counts -------------------------------------------------------------------------------


def _queries(client: Client, page: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    return len(queries)


def test_sample_list_and_worklist_queries_do_not_grow_with_the_rows(
    lw: LabWorld, django_assert_max_num_queries: Any
) -> None:
    def make(count: int) -> None:
        for i in range(count):
            sample = lw.registered_sample()
            if i % 2:
                services.sample_receive(actor=lw.receptionist, sample_id=sample.pk)

    make(5)
    client = client_for(lw.head)
    client.get(url("worklist"))  # warm the session and permission caches
    few = {page: _queries(client, url(page)) for page in ("sample_list", "worklist", "analysis_list")}
    make(25)
    many = {page: _queries(client, url(page)) for page in ("sample_list", "worklist", "analysis_list")}
    assert many == few
    with django_assert_max_num_queries(few["worklist"]):
        client.get(url("worklist"))


def test_home_page_counts_what_waits_in_the_laboratory(lw: LabWorld) -> None:
    """The laboratory head's dashboard: two samples to receive, one verified one to publish."""
    lw.registered_sample()
    lw.registered_sample()
    verified_sample(lw)
    client = client_for(lw.head)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # pages follow the language switch only
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Waiting in my laboratory" in html
    widget = html[html.index("Waiting in my laboratory") :]
    assert '<div class="h1 mb-0">2</div><div class="text-secondary small">to receive</div>' in widget
    assert '<div class="h1 mb-0">1</div><div class="text-secondary small">to publish</div>' in widget
    # Someone outside the laboratories sees no such card.
    assert "Waiting in my laboratory" not in client_for(personas.inspector_gz()).get("/").content.decode()
