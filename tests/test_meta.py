"""Meta-tests: every registered type has its generic test class; the platform's promises hold."""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys

import pytest
from django.test import Client

import tests
from openciq.core.registry import registry
from openciq.core.testing import ObjectAPITests, ObjectViewTests
from tests import personas


def _test_classes() -> list[type]:
    classes = []
    for module_info in pkgutil.iter_modules(tests.__path__):
        if module_info.name.startswith("test_"):
            module = importlib.import_module(f"tests.{module_info.name}")
            classes += [v for v in vars(module).values() if isinstance(v, type)]
    return classes


def test_every_registered_type_has_page_and_api_test_classes() -> None:
    classes = _test_classes()
    views = {c.object_type_label for c in classes if issubclass(c, ObjectViewTests) and c.object_type_label}
    apis = {c.object_type_label for c in classes if issubclass(c, ObjectAPITests) and c.object_type_label}
    registered = set(registry.object_types)
    assert registered - views == set(), "registered types without page tests"
    assert registered - apis == set(), "registered types without API tests"


def test_production_refuses_the_default_secret_key_and_debug() -> None:
    env = {**os.environ, "OPENCIQ_ENV": "production", "OPENCIQ_ALLOWED_HOSTS": "x"}
    env.pop("OPENCIQ_SECRET_KEY", None)
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='openciq.settings'; django.setup()"
    no_key = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert no_key.returncode != 0 and "OPENCIQ_SECRET_KEY" in no_key.stderr
    env.update(OPENCIQ_SECRET_KEY="k" * 60, OPENCIQ_DEBUG="1")
    debug_on = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert debug_on.returncode != 0 and "OPENCIQ_DEBUG" in debug_on.stderr


@pytest.mark.django_db
def test_healthz_answers_200_with_the_database_vendor() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_scripts() -> None:
    response = Client().get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    )
    assert b"<script>" not in response.content


@pytest.mark.django_db
def test_chinese_is_the_default_and_the_switch_gives_english() -> None:
    user = personas.inspector_gz()
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US")
    client.force_login(user)
    assert "企业" in client.get("/masterdata/enterprises/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Enterprises" in client.get("/masterdata/enterprises/").content.decode()


@pytest.mark.django_db
def test_bearer_token_authenticates_and_revoked_token_does_not() -> None:
    from openciq.accounts.services import token_create, token_revoke

    user = personas.inspector_gz()
    token, secret = token_create(actor=user, user=user, name="ci")
    client = Client()
    assert (
        client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {secret}").json()["username"]
        == user.username
    )
    token_revoke(actor=user, token=token)
    assert client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


@pytest.mark.django_db
def test_menu_shows_only_sections_the_user_may_see() -> None:
    client = Client()
    client.force_login(personas.lab_analyst())
    page = client.get("/").content.decode()
    assert "/masterdata/enterprises/" in page
    assert "/accounts/users/" not in page and "/audit/" not in page


def _po_entries(text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of every entry of a .po file (plural forms joined)."""
    entries, current, field, fuzzy = [], {"msgid": "", "msgstr": ""}, None, False
    for line in [*text.splitlines(), ""]:
        if not line.strip():
            if field is not None:
                entries.append((current["msgid"], current["msgstr"], fuzzy))
            current, field, fuzzy = {"msgid": "", "msgstr": ""}, None, False
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith(("msgid ", "msgid_plural ")):
            field = "msgid"
            current["msgid"] += line.split(" ", 1)[1].strip('"')
        elif line.startswith("msgstr"):
            field = "msgstr"
            current["msgstr"] += line.split(" ", 1)[1].strip('"')
        elif line.startswith('"') and field:
            current[field] += line.strip('"')
    return entries


def test_every_message_has_a_chinese_translation() -> None:
    """Both languages are complete: the catalogue has no empty or fuzzy translation."""
    from pathlib import Path

    po = Path(__file__).resolve().parents[1] / "openciq" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    entries = [e for e in _po_entries(po.read_text(encoding="utf-8")) if e[0]]  # skip the header
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstr, _fuzzy in entries if not msgstr]
    fuzzy = [msgid for msgid, _msgstr, is_fuzzy in entries if is_fuzzy]
    assert untranslated == [], f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"
