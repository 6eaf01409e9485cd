"""The main flow in headless Chromium (Debian's package), driven by Playwright: log in, open the
enterprise list, add an enterprise with a bad credit code, see the error, fix it, edit it, see
both changes in its history, switch language."""

from __future__ import annotations

import random

import pytest

from openciq.masterdata.seed import make_uscc
from tests import personas
from tests.browser import ARTIFACTS, MARKS, new_page

pytestmark = MARKS


@pytest.fixture
def page(browser):
    return new_page(browser)


@pytest.mark.django_db(transaction=True)
def test_enterprise_add_fix_edit_history_and_language(page, live_server, clean_audit_log) -> None:
    personas.persona("inspector_ui", "branch_inspector", "GZ", password="Inspect-2026-gz")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("inspector_ui")
    page.get_by_label("密码").fill("Inspect-2026-gz")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="企业", exact=True).first.click()
    page.get_by_role("link", name="新增").click()

    good = make_uscc(random.Random(5))
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    page.get_by_label("统一社会信用代码").fill(bad)
    page.get_by_label("中文名称").fill("浏览器测试有限公司")
    page.get_by_label("类型").select_option("exporter")
    page.get_by_label("主管分支局").select_option(label="GZ 广州出入境检验检疫局")
    page.get_by_role("button", name="保存").click()
    error = page.locator("#id_uscc_error")
    assert "统一社会信用代码" in error.inner_text()
    page.screenshot(path=str(ARTIFACTS / "enterprise-bad-uscc.png"), full_page=True)

    page.get_by_label("统一社会信用代码").fill(good)
    page.get_by_role("button", name="保存").click()
    page.get_by_role("heading", name="浏览器测试有限公司").wait_for()

    page.get_by_role("link", name="编辑").click()
    page.get_by_label("联系人").fill("李检验")
    page.get_by_role("button", name="保存").click()
    page.screenshot(path=str(ARTIFACTS / "enterprise-after-edit.png"), full_page=True)
    page.get_by_role("tab", name="历史记录").click()
    history = page.locator("#tab-history table")
    history.wait_for()
    text = history.inner_text()
    assert "masterdata.enterprise_created" in text and "masterdata.enterprise_updated" in text
    assert "李检验" in text and good in text
    page.screenshot(path=str(ARTIFACTS / "enterprise-history.png"), full_page=True)

    page.select_option("#language-select", "en")
    page.get_by_role("tab", name="History").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    page.screenshot(path=str(ARTIFACTS / "enterprise-english.png"), full_page=True)
