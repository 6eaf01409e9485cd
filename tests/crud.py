"""Helpers shared by the per-type CRUD test classes."""

from __future__ import annotations

from typing import Any

from openciq.core.testing import ObjectAPITests, ObjectViewTests
from tests import personas


def all_perms(label: str) -> list[str]:
    app, model = label.split(".")
    return [f"{app}.{action}_{model}" for action in ("view", "add", "change", "delete")]


class CrudTests(ObjectViewTests, ObjectAPITests):
    """Page and API tests for one type, with a GZ-scoped manager and a user without permissions."""

    __test__ = False

    @classmethod
    def permitted_user(cls) -> Any:
        return personas.scoped_manager(
            f"manager_{cls.object_type_label.replace('.', '_')}", all_perms(cls.object_type_label)
        )

    @classmethod
    def unpermitted_user(cls) -> Any:
        return personas.nobody()
