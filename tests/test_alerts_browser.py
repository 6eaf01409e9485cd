"""Food-packaging filing in headless Chromium (Debian's package), driven by Playwright: an
enterprise user applies and submits, a branch inspector approves, and the printable certificate
shows the filing number. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from tests import factories as f
from tests import personas
from tests.alerts_factories import gz_enterprise
from tests.browser import ARTIFACTS, MARKS, sign_in

FILINGS = "/alerts/packaging-filings/"

pytestmark = MARKS


def signed_in(browser, live_server, username: str, password: str):
    return sign_in(browser, live_server.url, username, password)


@pytest.mark.django_db(transaction=True)
def test_enterprise_applies_inspector_approves_certificate_shows_number(
    browser, live_server, clean_audit_log
) -> None:
    enterprise = gz_enterprise(name_zh="广州华丰包装制品有限公司", address="广州市黄埔区科学城8号")
    applicant = personas.persona("applicant_ui", "enterprise_user", None, password="Apply-2026-pack")
    f.MembershipFactory(user=applicant, enterprise=enterprise)
    personas.persona("inspector_ui", "branch_inspector", "GZ", password="Inspect-2026-gz")

    page = signed_in(browser, live_server, "applicant_ui", "Apply-2026-pack")
    page.locator(f'nav a[href="{FILINGS}"], aside a[href="{FILINGS}"]').first.click()
    page.locator(f'a[href="{FILINGS}add/"]').click()
    page.locator("#id_enterprise").select_option(str(enterprise.pk))
    page.locator('input[name="categories"][value="plastic"]').check()
    page.locator('input[name="categories"][value="paper"]').check()
    page.locator("#id_materials").fill("聚丙烯（PP）树脂；食品级白卡纸；水性油墨")
    page.locator("#id_production_address").fill("广州市黄埔区科学城8号")
    page.locator("#id_annual_capacity").fill("0")
    page.locator("#id_contact_name").fill("陈经理")
    page.locator("#id_contact_phone").fill("020-82345678")
    page.locator("main form button[type=submit]").click()
    page.locator("#id_annual_capacity_error").wait_for()
    page.screenshot(path=str(ARTIFACTS / "alerts-filing-bad-capacity.png"), full_page=True)
    page.locator("#id_annual_capacity").fill("2400")
    page.locator("main form button[type=submit]").click()
    page.locator("#filing-timeline").wait_for()
    detail_url = page.url
    assert re.search(r"/alerts/packaging-filings/\d+/$", detail_url)
    page.locator('form[action$="/submit/"] button').click()
    page.locator('form[action$="/withdraw/"]').wait_for()
    assert page.locator('form[action$="/approve/"]').count() == 0

    inspector = signed_in(browser, live_server, "inspector_ui", "Inspect-2026-gz")
    inspector.goto(detail_url)
    inspector.locator('form[action$="/approve/"] textarea').fill("现场核查合格")
    inspector.locator('form[action$="/approve/"] button').click()
    inspector.locator(".alert-success").wait_for()
    assert inspector.locator("#filing-timeline .timeline-event").count() == 3
    inspector.screenshot(path=str(ARTIFACTS / "alerts-filing-approved.png"), full_page=True)

    inspector.locator('a[href$="/certificate/"]').click()
    number = inspector.locator("#certificate-number").inner_text()
    assert number == f"GZ-FCM-{timezone.localdate().year}-0001"
    assert "广州华丰包装制品有限公司" in inspector.locator(".filing-certificate").inner_text()
    inspector.screenshot(path=str(ARTIFACTS / "alerts-certificate.png"), full_page=True)
    inspector.emulate_media(media="print")
    assert not inspector.locator("aside.navbar-vertical").is_visible()
    inspector.screenshot(path=str(ARTIFACTS / "alerts-certificate-print.png"), full_page=True)

    page.goto(detail_url)
    assert number in page.locator("h1").inner_text()
    inspector.emulate_media(media="screen")
    inspector.goto(f"{live_server.url}{FILINGS}?status=approved")
    assert number in inspector.locator("#results table").inner_text()
    inspector.screenshot(path=str(ARTIFACTS / "alerts-filing-list.png"), full_page=True)
