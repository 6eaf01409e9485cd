"""The live-pig flow in headless Chromium (Debian's package), driven by Playwright: the inspector
opens a loading batch held in mismatch from the worklist, sees the pig the channel did not read,
resolves the alert saying what was done, and releases the batch. Screenshots go to
``test-artifacts/``."""

from __future__ import annotations

import urllib.request
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password

from openciq.accounts.models import User
from openciq.trace.pigs import services
from openciq.trace.pigs.models import LoadingBatch
from tests.browser import MARKS, shot, sign_in
from tests.pigs_fixtures import channel_reads, iso_of, pig_world, uri_of

pytestmark = MARKS
PASSWORD = "Pigs-2026-channel"


@pytest.mark.django_db(transaction=True)
def test_inspector_resolves_a_mismatch_and_releases_the_batch(
    browser: Any, live_server: Any, clean_audit_log: Any
) -> None:
    pw = pig_world()
    pigs = pw.herd(3)
    batch = pw.loading(pigs)
    channel_reads(pw.farm, [uri_of(pigs[0]), uri_of(pigs[1])])
    services.batch_reconcile(actor=pw.inspector, batch_id=batch.pk)
    User.objects.filter(pk=pw.inspector.pk).update(password=make_password(PASSWORD))
    base = live_server.url
    errors: list[str] = []
    # The server's first request builds the URL conf and the API (slow on a busy machine): let it
    # happen before the browser's page-load clock starts.
    urllib.request.urlopen(f"{base}/accounts/login/", timeout=300).read()

    page = sign_in(browser, base, pw.inspector.username, PASSWORD, errors)
    page.goto(f"{base}/trace/pigs/")
    page.locator(f'#held tr[data-batch="{batch.number}"] a').click()
    missing = page.locator(f'tr[data-missing="1"][data-declared="{pigs[2].cn_number}"]')
    missing.wait_for()
    assert iso_of(pigs[2]) in missing.inner_text()
    shot(page, "pigs-batch-mismatch.png")

    page.locator("form[data-resolve-form] textarea").fill(
        "第三头猪未装车，留在养殖场 The third pig stays on the farm."
    )
    page.locator("form[data-resolve-form] button[type=submit]").click()
    page.locator('.alert-success[role="alert"]').first.wait_for()
    page.locator('form[data-action="release"] button').click()
    page.locator('#batch-status [data-status="released"]').wait_for()
    shot(page, "pigs-batch-released.png")

    released = LoadingBatch.objects.get(pk=batch.pk)
    assert (released.status, released.loaded_count, released.released_by_id) == (
        "released",
        2,
        pw.inspector.pk,
    )
    assert errors == []
