"""The border gate in headless Chromium (Debian's package), driven by Playwright: a sealed truck
with four declared crates passes the electronic gate with one crate left behind; the port
inspector finds it on the vegetables worklist, opens the shipment, sees the missing crate
against the declaration, takes it, and releases it after inspection; the declaration's hold is
lifted. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import urllib.request
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password

from openciq.accounts.models import User
from openciq.declarations import holds
from openciq.trace.vegetables.models import Shipment
from tests.browser import MARKS, shot, sign_in
from tests.vegetables_fixtures import veg_world

pytestmark = MARKS
PASSWORD = "Veg-2026-gate"


@pytest.mark.django_db(transaction=True)
def test_the_inspector_finds_the_held_truck_sees_the_missing_crate_and_releases_it(
    browser: Any, live_server: Any, clean_audit_log: Any
) -> None:
    w = veg_world()
    User.objects.filter(pk=w.inspector.pk).update(password=make_password(PASSWORD))
    shipment = w.sealed_shipment(w.crates[:4], declaration="440300125000321")
    w.gate_read(shipment, w.crates[:3])
    assert holds.reasons("440300125000321") != []
    missing = w.crates[3].grai
    base = live_server.url
    errors: list[str] = []
    # The live server's first request loads the URL configuration and the API (slow on a cold
    # machine): make it before the browser's page loads, which have their own time-outs.
    urllib.request.urlopen(f"{base}/accounts/login/", timeout=300).read()

    page = sign_in(browser, base, w.inspector.username, PASSWORD, errors)
    page.goto(f"{base}/trace/vegetables/")
    row = page.locator(f'#held-trucks tr[data-shipment="{shipment.number}"]')
    row.wait_for()
    assert row.get_attribute("data-status") == "held"
    page.locator('#open-alerts [data-alert="gate_mismatch"]').wait_for()
    shot(page, "vegetables-worklist.png")

    row.get_by_role("link", name=shipment.number).click()
    page.wait_for_url(f"**/trace/vegetables/shipments/{shipment.pk}/")
    page.locator(f'#declared tr[data-crate="{missing}"][data-missing]').wait_for()
    assert page.locator(f'#missing [data-missing-crate="{w.crates[3].label}"]').is_visible()
    assert page.locator('#read [data-seal="intact"]').is_visible()
    shot(page, "vegetables-held-shipment.png")

    page.locator('form[data-action-form="acknowledge"] button').click()
    page.locator('.alert-success[role="alert"]').first.wait_for()
    page.locator('button[data-action="release"]').click()
    page.locator('form[data-action-form="release"] textarea').fill(
        "开箱查验：第4筐装车漏装，已补装，货证相符"
    )
    page.locator('form[data-action-form="release"] button[type="submit"]').click()
    page.locator('.alert-success[role="alert"]').first.wait_for()
    page.locator('[data-status="released"]').first.wait_for()
    shot(page, "vegetables-released-shipment.png")

    released = Shipment.objects.get(pk=shipment.pk)
    assert (released.status, released.decided_by_id) == ("released", w.inspector.pk)
    assert holds.reasons("440300125000321") == []
    page.goto(f"{base}/trace/vegetables/")
    assert page.locator(f'#held-trucks tr[data-shipment="{shipment.number}"]').count() == 0
    assert errors == []
