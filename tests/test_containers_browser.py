"""The container e-seal flow in headless Chromium (Debian's package), driven by Playwright: a
gateway reports a tampered seal at the destination gate through the real capture pipeline; the
destination inspector finds the alarm on the worklist, takes it, opens the trip, records a
conformant inspection, resolves the alarm and clears the container, which records its clearance
time. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import make_password

from openciq.accounts.models import User
from openciq.declarations import holds
from openciq.trace.containers.models import Trip
from openciq.trace.models import SupervisionAlert
from tests.browser import MARKS, shot, sign_in
from tests.containers_fixtures import DECLARATION, capture_reads, container_world, read

pytestmark = MARKS
PASSWORD = "Seal-2026-gate"


def _ok(page: Any) -> None:
    """A success message: the previous action's may still be on the page, so each step then waits
    for what its own page shows (``wait_for``) rather than checking at once."""
    page.locator('.alert-success[role="alert"]').first.wait_for()


@pytest.mark.django_db(transaction=True)
def test_inspector_handles_a_tamper_alarm_from_the_worklist_to_clearance(
    browser: Any, live_server: Any, clean_audit_log: Any
) -> None:
    w = container_world()
    trip = w.seal()
    capture_reads(
        w, [read(w.gate, trip.container.uri, trip.seal.uri, seal_status="tampered", biz_step="arriving")]
    )
    alert = SupervisionAlert.objects.get()
    assert holds.reasons(DECLARATION) == [alert.title]
    User.objects.filter(pk=w.inspector.pk).update(password=make_password(PASSWORD))
    base = live_server.url
    errors: list[str] = []

    page = sign_in(browser, base, w.inspector.username, PASSWORD, errors)
    page.goto(f"{base}/trace/containers/")
    row = page.locator(f'[data-worklist-alert="{alert.pk}"]')
    row.wait_for()
    assert trip.number in row.inner_text()
    shot(page, "containers-worklist.png")
    row.locator('[data-action="acknowledge"]').click()
    _ok(page)
    page.wait_for_url(f"{base}/trace/containers/trips/{trip.pk}/")
    assert page.locator("#held").is_visible()
    assert page.locator('[data-event-alert="seal_tampered"]').count() == 1

    page.locator('button[data-bs-target="#action-inspect"]').click()
    form = page.locator('form[data-action-form="inspect"]')
    form.locator('input[name="inspect-result"][value="conformant"]').check()
    form.locator('textarea[name="inspect-note"]').fill("开箱查验，货物与申报相符；关锁锁杆被撬。")
    form.locator('button[type="submit"]').click()
    _ok(page)
    page.locator('[data-inspection="conformant"]').wait_for()

    page.locator(f'button[data-bs-target="#resolve-{alert.pk}"]').click()
    resolve = page.locator(f'form[data-resolve-form="{alert.pk}"]')
    resolve.locator("textarea").fill("锁杆被撬，货物查验相符，更换关锁后放行。")
    resolve.locator('button[type="submit"]').click()
    _ok(page)
    page.locator(f'[data-alert="{alert.pk}"][data-alert-status="resolved"]').wait_for()
    assert page.locator("#held").count() == 0

    page.locator('button[data-bs-target="#action-clear"]').click()
    page.locator('form[data-action-form="clear"] button[type="submit"]').click()
    _ok(page)
    page.locator('[data-trip-status="cleared"]').wait_for()
    shot(page, "containers-trip-cleared.png")

    cleared = Trip.objects.get(pk=trip.pk)
    assert cleared.status == "cleared" and cleared.clearance_seconds is not None
    assert holds.reasons(DECLARATION) == []
    assert errors == []
