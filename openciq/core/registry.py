"""The one registry. Apps fill it in ``AppConfig.ready()``; the core builds menus, URLs, API
routes, global search, dashboard widgets and seeders from it. Subsystems register; they never
patch the core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.functional import Promise


@dataclass(frozen=True)
class Section:
    """A menu section: one per subsystem."""

    key: str
    label: str | Promise
    order: int = 100
    icon: str = ""


@dataclass(frozen=True)
class ObjectType:
    """Everything the generic CRUD pages and API need to know about one reference model."""

    model: type[models.Model]
    section: str
    filterset: type
    table: type
    form: type
    schema_in: type
    schema_patch: type
    schema_out: type
    path: str  # plural kebab-case, e.g. "enterprises"
    search_fields: tuple[str, ...] = ()
    bulk_edit_fields: tuple[str, ...] = ()
    # Columns of import files, in order; foreign keys are given by the related model's natural key.
    import_fields: tuple[str, ...] = ()
    natural_keys: dict[str, str] = field(default_factory=dict)  # fk field -> related lookup field
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()  # many-to-many fields the list and API show
    ordering: tuple[str, ...] = ()  # fields the API may order by (also with "-")
    detail_template: str = ""
    # Extra context for the detail page: ``detail_context(request, obj) -> dict``.
    detail_context: Callable[[Any, Any], dict[str, Any]] | None = None
    extra_actions: tuple[tuple[str, str | Promise, str], ...] = ()  # (url name, label, permission)

    @property
    def app_label(self) -> str:
        return self.model._meta.app_label

    @property
    def model_name(self) -> str:
        return self.model._meta.model_name or ""

    @property
    def verbose_name_plural(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    @property
    def label(self) -> str:
        return f"{self.app_label}.{self.model_name}"

    def url_name(self, action: str) -> str:
        return f"{self.app_label}:{self.model_name}_{action}"

    def perm(self, action: str) -> str:
        return f"{self.app_label}.{action}_{self.model_name}"


@dataclass(frozen=True)
class MenuItem:
    section: str
    label: str | Promise
    url_name: str
    permission: str = ""
    order: int = 100


@dataclass(frozen=True)
class Widget:
    """A dashboard widget: ``render(request) -> (template, context)`` or ``None`` to hide it."""

    key: str
    render: Callable[[Any], tuple[str, dict[str, Any]] | None]
    order: int = 100


@dataclass(frozen=True)
class Seeder:
    """``run(scale=..., rng=..., actor=...)`` makes an app's demo or bureau-scale data."""

    key: str
    run: Callable[..., None]
    order: int = 100


class Registry:
    def __init__(self) -> None:
        self.sections: dict[str, Section] = {}
        self.object_types: dict[str, ObjectType] = {}
        self.menu_items: list[MenuItem] = []
        self.widgets: dict[str, Widget] = {}
        self.seeders: dict[str, Seeder] = {}
        self.api_routers: list[tuple[str, Any]] = []
        self.role_permissions: dict[str, list[str]] = {}

    def register_section(self, section: Section) -> None:
        self.sections[section.key] = section

    def register_object_type(self, object_type: ObjectType) -> None:
        if object_type.label in self.object_types:
            raise ValueError(f"{object_type.label} is registered twice")
        if object_type.section not in self.sections:
            raise ValueError(f"{object_type.label}: unknown menu section {object_type.section!r}")
        self.object_types[object_type.label] = object_type

    def register_menu_item(self, item: MenuItem) -> None:
        self.menu_items.append(item)

    def register_widget(self, widget: Widget) -> None:
        self.widgets[widget.key] = widget

    def register_seeder(self, seeder: Seeder) -> None:
        self.seeders[seeder.key] = seeder

    def register_api_router(self, prefix: str, router: Any) -> None:
        self.api_routers.append((prefix, router))

    def register_role_permissions(self, grants: dict[str, list[str]]) -> None:
        """Add a subsystem's permissions to roles (role value -> ``app.codename`` list)."""
        for role, perms in grants.items():
            self.role_permissions.setdefault(str(role), []).extend(perms)

    def object_type_for(self, model: type[models.Model]) -> ObjectType | None:
        return self.object_types.get(f"{model._meta.app_label}.{model._meta.model_name}")

    def object_types_of(self, app_label: str) -> list[ObjectType]:
        return [t for t in self.object_types.values() if t.app_label == app_label]


registry = Registry()
