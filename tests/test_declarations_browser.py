"""The export supervision flow in headless Chromium (Debian's package), driven by Playwright:
an enterprise user fills in and submits a declaration; the draw sends it to sampling; an
inspector finds it on the worklist, starts the order, asks the laboratory for a test (the
laboratory's side runs through its services and reports back), completes the order, decides conform and releases the batch. Screenshots of the
form, the worklist, the order and the declaration with its risk explanation go to
``test-artifacts/``."""

from __future__ import annotations

import datetime as dt

import pytest
from PIL import Image

from openciq.declarations.models import Declaration, InspectionOrder, SampleRequest
from tests import declarations_factories as df
from tests import factories as f
from tests import personas
from tests.browser import MARKS, new_page, shot, sign_in
from tests.lims_fixtures import lab_world

pytestmark = MARKS


@pytest.mark.django_db(transaction=True)
def test_declaration_from_entry_to_release(
    browser, live_server, clean_audit_log, settings, tmp_path, monkeypatch
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.OPENCIQ_CERTIFICATE_DIR = tmp_path / "keys"
    monkeypatch.setattr("openciq.declarations.services.draw_random", lambda: 0.0)  # the draw picks sampling
    personas.org_tree()
    world = df.World()
    company = personas.persona("company_ui", "enterprise_user", None, password="Company-2026-gz")
    f.MembershipFactory(user=company, enterprise=world.enterprise)
    personas.persona("inspector_ui", "branch_inspector", "GZ", password="Inspect-2026-gz")
    base = live_server.url
    errors: list[str] = []  # console errors, Content-Security-Policy violations among them

    # The enterprise fills in a declaration with one container and one line, and submits it.
    page = sign_in(browser, base, "company_ui", "Company-2026-gz", errors)
    page.goto(f"{base}/declarations/declarations/add/")
    page.select_option("#id_port", str(world.port.pk))
    page.select_option("#id_destination", str(world.country.pk))
    page.select_option("#id_transport_mode", "1")
    page.fill("#id_means_of_transport", "COSCO SHIPPING ARIES 052E")
    page.fill("#id_containers", df.CONTAINER)
    page.fill("#id_planned_shipment_date", (dt.date.today() + dt.timedelta(days=5)).isoformat())
    page.fill("#id_consignee_name", "Tokyo Fresh Foods Co., Ltd.")
    page.select_option("#id_certificate_kind", "phytosanitary")
    page.select_option("#id_lines-0-product", str(world.product.pk))
    page.fill("#id_lines-0-description", "新鲜大蒜 Fresh garlic")
    page.fill("#id_lines-0-quantity", "1200")
    page.select_option("#id_lines-0-unit", "KGM")
    page.fill("#id_lines-0-net_weight_kg", "1200")
    page.fill("#id_lines-0-value_usd", "1850.00")
    page.fill("#id_lines-0-lot", "L2026-11")
    shot(page, "declarations-form.png")
    page.locator("button.btn-primary[name=_save]").click()
    page.locator('form[action$="/submit/"] button').click()
    page.locator('.alert-success[role="alert"]').wait_for()
    declaration = Declaration.objects.get()
    assert declaration.status == "sampling"
    assert page.locator("#risk").count() == 0  # scores are not shown to enterprises
    page.close()

    # The inspector finds it on the worklist and works the sampling order.
    page = sign_in(browser, base, "inspector_ui", "Inspect-2026-gz", errors)
    page.goto(f"{base}/declarations/worklist/")
    assert declaration.number in page.locator("#results").inner_text()
    shot(page, "declarations-worklist.png")
    order = InspectionOrder.objects.get(declaration=declaration)
    page.locator(f'a[href$="/orders/{order.pk}/"]').first.click()
    page.locator('form[action$="/start/"] button').click()
    page.locator("#id_check-0-item").wait_for()
    page.select_option("#id_check-3-result", "ok")
    page.fill("#id_check-3-note", "铅封 Seal CN1234567 intact")
    page.fill("#id_findings", "货证相符 Goods match the documents.")
    page.locator('form[action$="/record/"] button[type=submit]').click()
    page.locator('.alert-success[role="alert"]').wait_for()
    photo = tmp_path / "seal.png"
    Image.new("RGB", (640, 480), (40, 90, 160)).save(photo)
    page.set_input_files("#id_photo-image", str(photo))
    page.fill("#id_photo-caption", "铅封 Seal CN1234567")
    page.locator('form[action$="/photos/"] button[type=submit]').click()
    page.locator('.alert-success[role="alert"]').wait_for()
    page.select_option("#id_sample-laboratory", str(f.unit("LAB-FOOD").pk))
    page.fill("#id_sample-sample_description", "大蒜 3 头 / 3 bulbs of garlic")
    page.fill("#id_sample-tests", "农药残留 Pesticide residues (GB 2763)")
    page.locator('form[action$="/samples/"] button[type=submit]').click()
    sample = SampleRequest.objects.get()
    # The laboratory takes the request (its system's reference appears), tests the garlic for
    # lead and publishes its report, which records the result here.
    assert sample.external_ref.startswith("S")
    assert page.locator(f"#id_result{sample.pk}-result").count() == 0  # not typed in by hand
    lab_world().answer(sample, {"CYPERMETHRIN": "0.05"})
    page.reload()
    samples_card = page.locator("#samples").inner_text()
    assert "Conform" in samples_card or "合格" in samples_card
    shot(page, "declarations-order.png")
    page.select_option("#id_complete-result", "conform")
    page.locator('form[action$="/complete/"] button[type=submit]').click()
    page.locator('.alert-success[role="alert"]').wait_for()
    assert InspectionOrder.objects.get(pk=order.pk).status == "done"

    # The declaration: decide conform, release.
    page.goto(f"{base}/declarations/declarations/{declaration.pk}/")
    page.select_option("#id_decide-conformity", "conform")
    page.locator('form[action$="/decide/"] button[type=submit]').click()
    page.locator('.alert-success[role="alert"]').wait_for()
    page.locator('form[action$="/release/"] button').click()
    page.locator('.alert-success[role="alert"]').wait_for()
    declaration.refresh_from_db()
    assert declaration.status == "released"
    assert page.locator("#risk .alert-success").count() == 1  # the replay gives the same outcome
    shot(page, "declarations-detail.png")
    page.get_by_role("link", name="查看变更历史").click()  # the audit history, loaded by htmx
    page.locator("#history table").wait_for()

    # The release issued the phytosanitary certificate it asked for: its QR page says valid.
    certificate = declaration.certificates.get()
    page.goto(f"{base}/declarations/certificates/{certificate.pk}/")
    verify_url = page.locator("a[href*='/declarations/verify/']").first.get_attribute("href")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="签名文件").click()
    signed = tmp_path / "signed.ociq.json"
    download_info.value.save_as(signed)
    page.close()
    public = new_page(browser, errors, width=1000)  # nobody signed in
    public.goto(verify_url)
    assert public.locator("[data-status=valid]").count() == 1
    assert certificate.number in public.content()
    shot(public, "declarations-certificate-verify.png")

    # The signed file verifies by signature; one changed byte makes it fail.
    public.goto(f"{base}/declarations/verify/")
    public.set_input_files("input[type=file]", str(signed))
    public.locator("form button[type=submit]").click()
    assert public.locator("[data-result=valid]").count() == 1
    tampered = tmp_path / "tampered.ociq.json"
    tampered.write_bytes(signed.read_bytes().replace(b"1200.000", b"1200.001", 1))
    public.set_input_files("input[type=file]", str(tampered))
    public.locator("form button[type=submit]").click()
    assert public.locator("[data-result=invalid]").count() == 1
    shot(public, "declarations-certificate-tampered.png")
    assert errors == []
