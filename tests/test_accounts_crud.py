"""Generic page and API tests for org units and users."""

from __future__ import annotations

from typing import Any

from openciq.accounts.models import OrgUnit
from tests import factories as f
from tests.crud import CrudTests


class OrgUnitCrudTests(CrudTests):
    object_type_label = "accounts.orgunit"
    update_field = ("name_en", "Inspection division")
    invalid_field = ("kind", "galaxy")

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.create_data = {
            "code": "GZ-NEW",
            "name_zh": "新科室",
            "kind": "department",
            "parent": OrgUnit.objects.get(code="GZ").pk,
            "is_active": "on",
        }

    def create_payload(self) -> dict[str, Any]:
        return {**self.create_data, "is_active": True}

    @classmethod
    def make_in_scope(cls) -> Any:
        return f.OrgUnitFactory()


class UserCrudTests(CrudTests):
    object_type_label = "accounts.user"
    update_field = ("display_name", "王检验员")
    invalid_field = ("username", "has spaces!")

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.create_data = {
            "username": "newcomer",
            "display_name": "新同事",
            "org_unit": OrgUnit.objects.get(code="GZ").pk,
            "roles": ["branch_inspector"],
            "is_active": "on",
        }

    def create_payload(self) -> dict[str, Any]:
        return {**self.create_data, "is_active": True}

    @classmethod
    def make_in_scope(cls) -> Any:
        return f.UserFactory()

    @classmethod
    def make_out_of_scope(cls) -> Any:
        return f.UserFactory(org_unit=f.unit("SZ"))
