"""Test base classes: every registered reference type gets the same page and API tests
(NetBox's ViewTestCases idea) — anonymous, unpermitted, permitted and out-of-scope users,
exactly one audit event per write, nothing stored when a request is refused — and API responses
are validated against the committed OpenAPI document (Zulip's practice).

A subclass names the object type and says how to make objects in and out of the scoped user's
area; ``tests/test_meta.py`` fails when a registered type has no such subclass.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import jsonschema
from django.conf import settings
from django.test import TestCase
from django.urls import reverse

from openciq.core.models import AuditEvent
from openciq.core.registry import ObjectType, registry
from openciq.core.services import etag_for

OPENAPI_PATH = settings.PROJECT_DIR / "docs" / "openapi.json"


@cache
def openapi_document() -> dict[str, Any]:
    return json.loads(Path(OPENAPI_PATH).read_text(encoding="utf-8"))


@cache
def _path_patterns() -> list[tuple[re.Pattern[str], str]]:
    patterns = []
    for template in openapi_document()["paths"]:
        regex = (
            "^"
            + re.sub(r"\{[^}]+\}", r"[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
            + "$"
        )
        patterns.append((re.compile(regex), template))
    return patterns


def assert_matches_openapi(method: str, path: str, response: Any) -> None:
    """The response's status and body are what the committed OpenAPI document promises."""
    path = urlsplit(path).path
    document = openapi_document()
    template = next((t for rx, t in _path_patterns() if rx.match(path)), None)
    assert template is not None, f"{path} is not in the OpenAPI document"
    operation = document["paths"][template][method.lower()]
    spec = operation["responses"].get(str(response.status_code))
    assert spec is not None, f"{method} {template} does not document status {response.status_code}"
    content = spec.get("content", {}).get("application/json")
    if content is None:
        return
    schema = {**content["schema"], "components": document["components"]}
    jsonschema.validate(response.json(), schema, cls=jsonschema.Draft202012Validator)


class ObjectTypeTestCase(TestCase):
    """Base for one registered reference type; subclasses set the class attributes below."""

    object_type_label: ClassVar[str] = ""  # "app.model"
    # Form data (page) and JSON payload (API) for a valid new object, and one field to change.
    create_data: ClassVar[dict[str, Any]] = {}
    update_field: ClassVar[tuple[str, Any]] = ("", "")
    # A field that makes the create data invalid, with its bad value.
    invalid_field: ClassVar[tuple[str, Any]] = ("", "")

    __test__ = False  # only subclasses run

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.__test__ = bool(cls.object_type_label)

    # Subclasses provide these ------------------------------------------------------------------
    @classmethod
    def make_in_scope(cls) -> Any:
        raise NotImplementedError

    @classmethod
    def make_out_of_scope(cls) -> Any | None:
        """An object the scoped user must not see; ``None`` for types without a scope."""
        return None

    @classmethod
    def permitted_user(cls) -> Any:
        """A user with every permission on the type, limited to a scope."""
        raise NotImplementedError

    @classmethod
    def unpermitted_user(cls) -> Any:
        raise NotImplementedError

    def create_payload(self) -> dict[str, Any]:
        """The API payload for a new object (defaults to the form data)."""
        return dict(self.create_data)

    # Shared machinery ------------------------------------------------------------------------
    @classmethod
    def setUpTestData(cls) -> None:
        cls.ot: ObjectType = registry.object_types[cls.object_type_label]
        cls.user = cls.permitted_user()
        cls.other = cls.unpermitted_user()
        cls.obj = cls.make_in_scope()
        cls.hidden = cls.make_out_of_scope()

    def url(self, action: str, **kwargs: Any) -> str:
        return reverse(self.ot.url_name(action), kwargs=kwargs or None)

    def api_url(self, pk: int | None = None) -> str:
        base = f"/api/v1/{self.ot.app_label}/{self.ot.path}/"
        return f"{base}{pk}/" if pk is not None else base

    def audit_count(self) -> int:
        return AuditEvent.objects.count()

    def model_count(self) -> int:
        return self.ot.model._default_manager.count()

    def api(self, method: str, path: str, user: Any = None, **kwargs: Any) -> Any:
        if user is not None:
            self.client.force_login(user)
        call = getattr(self.client, method.lower())
        if "json" in kwargs:
            kwargs = {
                "data": json.dumps(kwargs.pop("json"), default=str),
                "content_type": "application/json",
                **kwargs,
            }
        response = call(path, **kwargs)
        assert_matches_openapi(method, path, response)
        return response


class ObjectViewTests(ObjectTypeTestCase):
    """Generic page tests."""

    def test_list_redirects_anonymous_to_login(self) -> None:
        response = self.client.get(self.url("list"))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse(settings.LOGIN_URL), response["Location"])

    def test_list_is_forbidden_without_view_permission(self) -> None:
        self.client.force_login(self.other)
        self.assertEqual(self.client.get(self.url("list")).status_code, 403)

    def test_list_shows_objects_in_scope_only(self) -> None:
        self.client.force_login(self.user)
        response = self.client.get(self.url("list"), {"per_page": 500})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.url("detail", pk=self.obj.pk))
        if self.hidden is not None:
            self.assertNotContains(response, self.url("detail", pk=self.hidden.pk))

    def test_detail_of_out_of_scope_object_is_404(self) -> None:
        self.client.force_login(self.user)
        self.assertEqual(self.client.get(self.url("detail", pk=self.obj.pk)).status_code, 200)
        if self.hidden is not None:
            self.assertEqual(self.client.get(self.url("detail", pk=self.hidden.pk)).status_code, 404)
            self.assertEqual(self.client.get(self.url("edit", pk=self.hidden.pk)).status_code, 404)

    def test_add_creates_object_with_one_audit_event(self) -> None:
        self.client.force_login(self.user)
        before = self.audit_count()
        response = self.client.post(self.url("add"), self.create_data)
        self.assertEqual(
            response.status_code, 302, getattr(response, "context", {}) and response.context["form"].errors
        )
        self.assertEqual(self.audit_count(), before + 1)
        event = AuditEvent.objects.order_by("-id").first()
        self.assertEqual(event.action, f"{self.ot.app_label}.{self.ot.model_name}_created")
        self.assertEqual(event.actor_id, self.user.pk)

    def test_add_with_invalid_field_names_it_and_stores_nothing(self) -> None:
        self.client.force_login(self.user)
        field, bad = self.invalid_field
        counts = (self.model_count(), self.audit_count())
        response = self.client.post(self.url("add"), {**self.create_data, field: bad})
        self.assertEqual(response.status_code, 200)
        self.assertIn(field, response.context["form"].errors)
        self.assertEqual((self.model_count(), self.audit_count()), counts)

    def test_add_is_refused_without_permission_and_stores_nothing(self) -> None:
        self.client.force_login(self.other)
        counts = (self.model_count(), self.audit_count())
        self.assertEqual(self.client.post(self.url("add"), self.create_data).status_code, 403)
        self.assertEqual((self.model_count(), self.audit_count()), counts)

    def test_edit_records_the_change_before_and_after(self) -> None:
        self.client.force_login(self.user)
        form = self.ot.form(instance=self.obj)
        data = {name: value for name, value in _initial(form).items() if value is not None}
        field, value = self.update_field
        data[field] = value
        data["_etag"] = etag_for(self.obj)
        response = self.client.post(self.url("edit", pk=self.obj.pk), data)
        self.assertEqual(
            response.status_code, 302, getattr(response, "context", None) and response.context["form"].errors
        )
        event = AuditEvent.objects.order_by("-id").first()
        self.assertEqual(event.action, f"{self.ot.app_label}.{self.ot.model_name}_updated")
        self.assertIn(field, {k.removesuffix("_id") for k in event.changes})

    def test_delete_records_one_audit_event(self) -> None:
        self.client.force_login(self.user)
        obj = self.make_in_scope()
        before = self.audit_count()
        response = self.client.post(self.url("delete", pk=obj.pk))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(self.ot.model._default_manager.filter(pk=obj.pk).exists())
        self.assertEqual(self.audit_count(), before + 1)

    def test_history_tab_lists_audit_events(self) -> None:
        self.client.force_login(self.user)
        self.client.post(self.url("add"), self.create_data)
        created = AuditEvent.objects.order_by("-id").first()
        response = self.client.get(self.url("history", pk=created.object_id))
        self.assertContains(response, created.action)

    def test_export_csv_and_xlsx_contain_the_objects(self) -> None:
        self.client.force_login(self.user)
        csv = self.client.get(self.url("list"), {"export": "csv"})
        self.assertEqual(csv["Content-Type"], "text/csv; charset=utf-8")
        header, row = self.ot.table(self.ot.model._default_manager.filter(pk=self.obj.pk)).as_values(
            exclude_columns=("pk",)
        )
        lines = csv.content.decode("utf-8-sig").splitlines()
        self.assertEqual(lines[0], ",".join(str(h) for h in header))
        self.assertIn(",".join("" if v is None else str(v) for v in row), lines)
        xlsx = self.client.get(self.url("list"), {"export": "xlsx"})
        self.assertTrue(xlsx.content.startswith(b"PK"))

    def test_bulk_delete_removes_selected_with_one_event_each(self) -> None:
        self.client.force_login(self.user)
        objs = [self.make_in_scope(), self.make_in_scope()]
        before = self.audit_count()
        response = self.client.post(self.url("bulk_delete"), {"pk": [o.pk for o in objs], "_confirm": "1"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.audit_count(), before + 2)
        self.assertFalse(self.ot.model._default_manager.filter(pk__in=[o.pk for o in objs]).exists())


def _initial(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = value
    return data


class ObjectAPITests(ObjectTypeTestCase):
    """Generic API tests; every response is checked against docs/openapi.json."""

    def test_anonymous_gets_401_envelope(self) -> None:
        response = self.api("get", self.api_url())
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["code"], "not_authenticated")

    def test_list_returns_objects_in_scope_only(self) -> None:
        response = self.api("get", self.api_url() + "?limit=500", self.user)
        self.assertEqual(response.status_code, 200)
        ids = {row["id"] for row in response.json()["results"]}
        self.assertIn(self.obj.pk, ids)
        if self.hidden is not None:
            self.assertNotIn(self.hidden.pk, ids)

    def test_cursor_pagination_walks_every_object_once(self) -> None:
        expected = set(self.ot.model._default_manager.restrict(self.user).values_list("pk", flat=True))
        seen: list[int] = []
        url: str | None = self.api_url() + "?limit=2&cursor="
        while url:
            response = self.api("get", url, self.user)
            body = response.json()
            self.assertIsNone(body["count"])
            seen += [row["id"] for row in body["results"]]
            url = body["next"]
        self.assertEqual(sorted(seen), sorted(expected))

    def test_unknown_query_parameter_is_rejected(self) -> None:
        response = self.api("get", self.api_url() + "?colour=red", self.user)
        self.assertEqual(response.status_code, 400)
        self.assertIn("colour", response.json()["fields"])

    def test_retrieve_out_of_scope_is_404(self) -> None:
        response = self.api("get", self.api_url(self.obj.pk), self.user)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["ETag"], etag_for(self.obj))
        if self.hidden is not None:
            self.assertEqual(self.api("get", self.api_url(self.hidden.pk), self.user).status_code, 404)

    def test_create_returns_201_and_records_one_event(self) -> None:
        before = self.audit_count()
        response = self.api("post", self.api_url(), self.user, json=self.create_payload())
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(self.audit_count(), before + 1)
        self.assertEqual(response["Location"], self.api_url(response.json()["id"]))

    def test_create_with_unknown_field_is_rejected_naming_it(self) -> None:
        counts = (self.model_count(), self.audit_count())
        response = self.api(
            "post", self.api_url(), self.user, json={**self.create_payload(), "colour": "red"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("colour", response.json()["fields"])
        self.assertEqual((self.model_count(), self.audit_count()), counts)

    def test_create_with_invalid_field_names_it_and_stores_nothing(self) -> None:
        field, bad = self.invalid_field
        counts = (self.model_count(), self.audit_count())
        response = self.api("post", self.api_url(), self.user, json={**self.create_payload(), field: bad})
        self.assertEqual(response.status_code, 400)
        self.assertIn(field, response.json()["fields"])
        self.assertEqual((self.model_count(), self.audit_count()), counts)

    def test_create_without_permission_is_403_and_stores_nothing(self) -> None:
        counts = (self.model_count(), self.audit_count())
        response = self.api("post", self.api_url(), self.other, json=self.create_payload())
        self.assertEqual(response.status_code, 403)
        self.assertEqual((self.model_count(), self.audit_count()), counts)

    def test_patch_with_stale_if_match_is_412(self) -> None:
        field, value = self.update_field
        response = self.api(
            "patch",
            self.api_url(self.obj.pk),
            self.user,
            json={field: value},
            headers={"If-Match": '"stale"'},
        )
        self.assertEqual(response.status_code, 412)
        self.assertEqual(response.json()["code"], "precondition_failed")

    def test_patch_with_current_if_match_changes_the_field(self) -> None:
        field, value = self.update_field
        etag = self.api("get", self.api_url(self.obj.pk), self.user)["ETag"]
        response = self.api(
            "patch", self.api_url(self.obj.pk), self.user, json={field: value}, headers={"If-Match": etag}
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertNotEqual(response["ETag"], etag)
        event = AuditEvent.objects.order_by("-id").first()
        self.assertIn(field, {k.removesuffix("_id") for k in event.changes})

    def test_delete_returns_204_and_records_one_event(self) -> None:
        obj = self.make_in_scope()
        before = self.audit_count()
        response = self.api("delete", self.api_url(obj.pk), self.user)
        self.assertEqual(response.status_code, 204)
        self.assertEqual(self.audit_count(), before + 1)
