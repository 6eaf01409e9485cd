"""What the browser tests share: Debian's Chromium driven by Playwright, where screenshots go, and
signing in through the real login page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("OPENCIQ_TEST_ARTIFACTS", "test-artifacts"))

# pytestmark of every browser test module
MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (./scripts/test installs it)"
    ),
]


@pytest.fixture
def browser(live_server: Any) -> Iterator[Any]:
    """A headless Chromium for one test (the live server runs in-process)."""
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


def new_page(browser: Any, errors: list[str] | None = None, width: int = 1366) -> Any:
    """A Chinese-language page; console errors (CSP violations among them) go to ``errors``."""
    page = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN").new_page()
    page.set_default_timeout(15000)
    if errors is not None:
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return page


def sign_in(browser: Any, base: str, username: str, password: str, errors: list[str] | None = None) -> Any:
    page = new_page(browser, errors)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")
    return page


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
