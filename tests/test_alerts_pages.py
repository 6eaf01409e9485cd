"""The pages of food-packaging filings: list, detail with timeline and actions, application form,
transitions by POST, certificate, menu."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from openciq.alerts import services
from openciq.alerts.models import FilingTransition, PackagingFiling
from openciq.core.models import AuditEvent
from tests import factories as f
from tests import personas
from tests.alerts_factories import PackagingFilingFactory, application, gz_enterprise, member_of

pytestmark = pytest.mark.django_db

LIST = reverse("alerts:packagingfiling_list")
ADD = reverse("alerts:packagingfiling_add")


def url(name: str, filing: PackagingFiling) -> str:
    return reverse(f"alerts:packagingfiling_{name}", kwargs={"pk": filing.pk})


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def counts() -> tuple[int, int, int]:
    return PackagingFiling.objects.count(), FilingTransition.objects.count(), AuditEvent.objects.count()


def form_data(enterprise, **overrides) -> dict:
    return {
        "enterprise": enterprise.pk,
        "categories": ["paper", "composite"],
        "materials": "白卡纸；PE 淋膜",
        "production_address": "东莞市长安镇工业园",
        "annual_capacity": "1500",
        "quality_certificate_number": "",
        "contact_name": "张经理",
        "contact_phone": "0769-8888888",
        **overrides,
    }


def test_list_shows_the_branchs_filings_to_an_inspector_and_filters_them() -> None:
    approved = PackagingFilingFactory(status="approved")
    draft = PackagingFilingFactory()
    hidden = PackagingFilingFactory(enterprise=gz_enterprise(org_unit=f.unit("SZ")))
    client = client_for(personas.inspector_gz())
    page = client.get(LIST)
    assert page.status_code == 200
    body = page.content.decode()
    assert url("detail", approved) in body and url("detail", draft) in body
    assert url("detail", hidden) not in body
    assert approved.number in body
    filtered = client.get(LIST, {"status": "approved"}, headers={"HX-Request": "true"})
    assert url("detail", approved) in filtered.content.decode()
    assert url("detail", draft) not in filtered.content.decode()
    assert "<html" not in filtered.content.decode()  # the htmx partial


def test_list_exports_csv_and_xlsx() -> None:
    approved = PackagingFilingFactory(status="approved", categories=["glass"])
    client = client_for(personas.inspector_gz())
    csv = client.get(LIST, {"export": "csv", "status": "approved"})
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    assert approved.number in lines[1] and ",glass,approved," in lines[1]
    assert client.get(LIST, {"export": "xlsx"}).content.startswith(b"PK")


def test_list_needs_login_and_the_view_permission() -> None:
    assert Client().get(LIST).status_code == 302
    assert client_for(personas.lab_analyst()).get(LIST).status_code == 403


def test_menu_has_the_risk_warning_section_for_inspectors_only() -> None:
    assert LIST in client_for(personas.inspector_gz()).get("/").content.decode()
    assert LIST not in client_for(personas.lab_analyst()).get("/").content.decode()


def test_detail_for_an_inspector_shows_status_timeline_and_review_actions() -> None:
    enterprise = gz_enterprise()
    applicant = member_of(enterprise)
    filing = services.filing_create(actor=applicant, **application(enterprise))
    services.filing_submit(actor=applicant, filing_id=filing.pk)
    client = client_for(personas.inspector_gz())
    page = client.get(url("detail", filing))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="filing-status"' in body and "bg-blue-lt" in body
    assert 'id="filing-timeline"' in body and body.count('class="timeline-event"') == 2
    for verb in ("review", "approve", "refuse"):
        assert f'action="{url(verb, filing)}"' in body
    for verb in ("submit", "withdraw", "suspend"):
        assert f'action="{url(verb, filing)}"' not in body
    assert 'name="refuse-reason"' in body and "csrfmiddlewaretoken" in body
    assert url("edit", filing) not in body and url("certificate", filing) not in body
    assert b"<script>" not in page.content


def test_detail_for_the_enterprise_user_offers_edit_submit_and_withdraw() -> None:
    filing = PackagingFilingFactory()
    client = client_for(member_of(filing.enterprise))
    body = client.get(url("detail", filing)).content.decode()
    assert url("edit", filing) in body
    assert f'action="{url("submit", filing)}"' in body and f'action="{url("withdraw", filing)}"' in body
    assert f'action="{url("approve", filing)}"' not in body


def test_detail_and_history_out_of_scope_are_404() -> None:
    filing = PackagingFilingFactory()
    client = client_for(personas.inspector_sz())
    for name in ("detail", "history", "edit", "certificate"):
        assert client.get(url(name, filing)).status_code in (403, 404)
    assert client.get(url("detail", filing)).status_code == 404
    assert client.post(url("approve", filing)).status_code == 404


def test_history_tab_lists_the_audit_events() -> None:
    enterprise = gz_enterprise()
    user = member_of(enterprise)
    client = client_for(user)
    client.post(ADD, form_data(enterprise))
    filing = PackagingFiling.objects.get()
    history = client.get(url("history", filing), headers={"HX-Request": "true"})
    assert "alerts.filing_created" in history.content.decode()


def test_enterprise_user_applies_with_the_form_and_bad_capacity_names_the_field() -> None:
    enterprise = gz_enterprise()
    client = client_for(member_of(enterprise))
    assert client.get(ADD).status_code == 200
    before = counts()
    bad = client.post(ADD, form_data(enterprise, annual_capacity="0"))
    assert bad.status_code == 200
    assert "annual_capacity" in bad.context["form"].errors
    assert 'id="id_annual_capacity_error"' in bad.content.decode()
    assert counts() == before
    response = client.post(ADD, form_data(enterprise))
    filing = PackagingFiling.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", filing)
    assert (filing.status, filing.categories, filing.annual_capacity) == (
        "draft",
        ["paper", "composite"],
        Decimal("1500.00"),
    )


def test_enterprise_user_cannot_apply_for_another_enterprise() -> None:
    own, other = gz_enterprise(), gz_enterprise()
    client = client_for(member_of(own))
    before = counts()
    response = client.post(ADD, form_data(other))
    assert response.status_code == 200 and "enterprise" in response.context["form"].errors
    assert counts() == before


def test_draft_edit_saves_and_a_submitted_filing_is_not_editable() -> None:
    filing = PackagingFilingFactory()
    client = client_for(member_of(filing.enterprise))
    response = client.post(url("edit", filing), form_data(filing.enterprise, materials="玻璃瓶"))
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.materials == "玻璃瓶"
    client.post(url("submit", filing))
    filing.refresh_from_db()
    assert filing.status == "submitted"
    before = counts()
    assert client.get(url("edit", filing)).status_code == 302
    client.post(url("edit", filing), form_data(filing.enterprise, materials="陶瓷"))
    assert counts() == before


def test_refusal_without_reason_re_renders_with_the_error_and_changes_nothing() -> None:
    filing = PackagingFilingFactory(status="under_review")
    client = client_for(personas.inspector_gz())
    before = counts()
    response = client.post(url("refuse", filing), {"refuse-reason": "  "})
    assert response.status_code == 200
    assert 'id="id_refuse-reason_error"' in response.content.decode()
    assert counts() == before
    response = client.post(url("refuse", filing), {"refuse-reason": "样品迁移量超标"})
    assert response.status_code == 302
    filing.refresh_from_db()
    assert (filing.status, filing.refusal_reasons) == ("refused", "样品迁移量超标")


def test_approval_by_post_then_a_second_approval_is_refused_with_a_message() -> None:
    filing = PackagingFilingFactory(status="submitted")
    client = client_for(personas.inspector_gz())
    assert client.post(url("approve", filing)).status_code == 302
    filing.refresh_from_db()
    assert filing.status == "approved" and filing.number.startswith("GZ-FCM-")
    before = counts()
    response = client.post(url("approve", filing), follow=True)
    assert counts() == before
    assert "alert-danger" in response.content.decode()


def test_transition_needs_its_permission_and_post() -> None:
    filing = PackagingFilingFactory(status="submitted")
    client = client_for(member_of(filing.enterprise))
    before = counts()
    assert client.post(url("approve", filing)).status_code == 403
    assert client.get(url("withdraw", filing)).status_code == 405
    assert counts() == before


def test_certificate_shows_the_number_for_approved_filings_only() -> None:
    approved = PackagingFilingFactory(status="approved")
    client = client_for(member_of(approved.enterprise))
    page = client.get(url("certificate", approved))
    assert page.status_code == 200
    body = page.content.decode()
    assert f'<strong id="certificate-number">{approved.number}</strong>' in body
    assert "alerts/certificate.css" in body and "<svg" in body
    assert b"<script>" not in page.content
    assert (
        client.get(url("certificate", PackagingFilingFactory(enterprise=approved.enterprise))).status_code
        == 404
    )


def test_renewal_button_makes_a_draft_and_opens_its_form() -> None:
    approved = PackagingFilingFactory(status="approved")
    client = client_for(member_of(approved.enterprise))
    assert url("renew", approved) in client.get(url("detail", approved)).content.decode()
    response = client.post(url("renew", approved))
    renewal = PackagingFiling.objects.get(renewal_of=approved)
    assert response.status_code == 302 and response["Location"] == url("edit", renewal)


def test_dashboard_widget_counts_filings_waiting_for_a_decision() -> None:
    PackagingFilingFactory(status="submitted")
    PackagingFilingFactory(status="under_review")
    body = client_for(personas.inspector_gz()).get("/").content.decode()
    assert f"{LIST}?status=submitted" in body


def _queries(client: Client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_list_and_detail_queries_do_not_grow_with_the_rows() -> None:
    filing = PackagingFilingFactory(status="approved")
    client = client_for(personas.inspector_gz())
    list_few, detail_few = _queries(client, LIST), _queries(client, url("detail", filing))
    for status in ("draft", "submitted", "refused", "approved"):
        PackagingFilingFactory(status=status)
    assert _queries(client, LIST) == list_few
    assert _queries(client, url("detail", filing)) == detail_few
