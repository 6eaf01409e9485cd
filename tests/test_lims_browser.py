"""The laboratory in headless Chromium (Debian's package), driven by Playwright: an inspector's
sample request is received at the counter, planned on a worksheet with a blank and a control,
its results typed in by the analyst, verified by a second analyst, published by the laboratory
head as a PDF report; the inspector's order page shows the result and links the report. A run
whose control fails QC cannot be verified; an invalidated sample leaves a retest and its history.
Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import make_password

from openciq.accounts.models import User
from openciq.lims import services
from openciq.lims.models import Analysis, Report, Sample, Worksheet
from tests.browser import MARKS, shot, sign_in
from tests.lims_fixtures import LabWorld, lab_world

pytestmark = MARKS
PASSWORD = "Lab-2026-food"


def _passwords(*users: User) -> None:
    # The personas have no password; the browser signs in through the real login page.
    User.objects.filter(pk__in=[u.pk for u in users]).update(password=make_password(PASSWORD))


def _ok(page: Any) -> None:
    page.locator('.alert-success[role="alert"]').first.wait_for()


def _type_results(page: Any, worksheet: Worksheet, results: dict[str, str]) -> None:
    """Type each open row's result (routine by service code, QC by kind) and press Enter."""
    for analysis in worksheet.analyses.select_related("service").order_by("id"):
        value = results[analysis.service.code if analysis.kind == "routine" else analysis.kind]
        page.locator(f'form[data-result-form="{analysis.pk}"] input[name$="result"]').fill(value)
        page.locator(f'form[data-result-form="{analysis.pk}"] input[name$="result"]').press("Enter")
        page.wait_for_load_state()


def _plan(page: Any, base: str, lw: LabWorld) -> Worksheet:
    page.goto(f"{base}/lims/worklist/")
    page.locator(f'form[data-method="{lw.method.code}"] button[type=submit]').click()
    page.select_option('select[name="instrument"]', str(lw.instrument.pk))
    page.select_option('select[name="analyst"]', str(lw.analyst.pk))
    page.locator(f'input[name="blanks"][value="{lw.blank.pk}"]').check()
    page.locator(f'input[name="controls"][value="{lw.control.pk}"]').check()
    page.locator("form[method=post] .card-footer button[type=submit]").click()
    _ok(page)
    return Worksheet.objects.order_by("-id").first()


@pytest.mark.django_db(transaction=True)
def test_sample_request_to_published_report_qc_failure_and_invalidation(
    browser: Any, live_server: Any, clean_audit_log: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    lw = lab_world()
    inspector = lw.declarations.inspector
    _passwords(lw.receptionist, lw.analyst, lw.analyst_2, lw.head, inspector)
    base = live_server.url
    errors: list[str] = []

    # An inspector asks the food laboratory to test choy sum for chlorpyrifos.
    request = lw.sample_request(tests="毒死蜱 Chlorpyrifos")
    sample = Sample.objects.get(sample_request=request)

    # Reception: the sample is on the worklist; receiving it starts the clock.
    page = sign_in(browser, base, lw.receptionist.username, PASSWORD, errors)
    page.goto(f"{base}/lims/worklist/")
    page.locator(f'form[action$="/samples/{sample.pk}/receive/"] button').click()
    _ok(page)
    assert Sample.objects.get(pk=sample.pk).status == "received"
    page.close()

    # The laboratory head plans a worksheet with a blank and a control.
    head = sign_in(browser, base, lw.head.username, PASSWORD, errors)
    worksheet = _plan(head, base, lw)
    assert worksheet.analyses.filter(kind="routine").count() == 1

    # The analyst types the results: the control is in, QC passes.
    page = sign_in(browser, base, lw.analyst.username, PASSWORD, errors)
    page.goto(f"{base}/lims/worksheets/{worksheet.pk}/")
    _type_results(page, worksheet, {"CHLORPYRIFOS": "0.020", "blank": "ND", "control": "0.102"})
    assert page.locator("#qc-banner").get_attribute("data-qc") == "passed"
    shot(page, "lims-worksheet.png")
    # Their own result: no verify button for them.
    page.goto(f"{base}/lims/worklist/")
    assert page.locator('form[action$="/verify/"]').count() == 0
    page.close()

    # A second analyst verifies.
    page = sign_in(browser, base, lw.analyst_2.username, PASSWORD, errors)
    page.goto(f"{base}/lims/worklist/")
    routine = Analysis.objects.get(worksheet=worksheet, kind="routine")
    page.locator(f'form[action$="/analyses/{routine.pk}/verify/"] button').click()
    _ok(page)
    assert Sample.objects.get(pk=sample.pk).status == "verified"
    page.close()

    # The head publishes; the report is a PDF.
    head.goto(f"{base}/lims/worklist/")
    head.locator(f'form[action$="/samples/{sample.pk}/publish/"] button').click()
    _ok(head)
    report = Report.objects.get(sample=sample)
    head.goto(f"{base}/lims/samples/{sample.pk}/")
    shot(head, "lims-sample.png")
    pdf = head.request.get(f"{base}/lims/samples/{sample.pk}/report/")
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    # The inspector sees the result on the order and opens the report.
    page = sign_in(browser, base, inspector.username, PASSWORD, errors)
    page.goto(f"{base}/declarations/orders/{request.order_id}/")
    card = page.locator("#samples").inner_text()
    assert "合格" in card and report.number in card
    assert page.request.get(f"{base}/lims/sample-requests/{request.pk}/report/").body().startswith(b"%PDF")
    page.close()

    # A second sample: the control is 8 SD high, QC fails and nothing can be verified.
    second = lw.register("CHLORPYRIFOS")
    services.sample_receive(actor=lw.receptionist, sample_id=second.pk)
    failed = _plan(head, base, lw)
    page = sign_in(browser, base, lw.analyst.username, PASSWORD, errors)
    page.goto(f"{base}/lims/worksheets/{failed.pk}/")
    _type_results(page, failed, {"CHLORPYRIFOS": "0.020", "blank": "ND", "control": "0.140"})
    assert page.locator("#qc-banner").get_attribute("data-qc") == "failed"
    shot(page, "lims-worksheet-qc-failed.png")
    page.close()
    page = sign_in(browser, base, lw.analyst_2.username, PASSWORD, errors)
    page.goto(f"{base}/lims/worksheets/{failed.pk}/")
    assert page.locator("[data-verify]").count() == 0
    page.close()
    assert Sample.objects.get(pk=second.pk).status == "to_be_verified"

    # The head invalidates the published sample: a retest, and the original stays visible.
    head.goto(f"{base}/lims/samples/{sample.pk}/")
    head.locator('button[data-bs-target="#action-invalidate"]').click()
    head.locator('#action-invalidate textarea[name$="reason"]').fill("样品标签错误 Mislabelled")
    head.locator("#action-invalidate button[type=submit]").click()
    _ok(head)
    retest = Sample.objects.get(retest_of=sample)
    head.goto(f"{base}/lims/samples/{sample.pk}/")
    assert head.locator("#invalidated").count() == 1
    assert retest.number in head.locator("#relatives").inner_text()
    assert "0.020" in head.locator("#analyses").inner_text()
    shot(head, "lims-sample-invalidated.png")
    assert not [e for e in errors if "Content Security Policy" in e], errors
