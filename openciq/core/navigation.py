"""The menu, built from the registry: one section per subsystem, only what the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from openciq.core.registry import registry


@dataclass
class Entry:
    label: str
    url: str


@dataclass
class MenuSection:
    key: str
    label: str
    icon: str
    entries: list[Entry] = field(default_factory=list)


def menu_for(user: Any) -> list[MenuSection]:
    if not user.is_authenticated:
        return []
    sections = {key: MenuSection(key, str(s.label), s.icon) for key, s in registry.sections.items()}
    items: list[tuple[int, str, Entry]] = []
    for ot in registry.object_types.values():
        if user.has_perm(ot.perm("view")):
            label = str(ot.model._meta.verbose_name_plural)
            items.append((100, ot.section, Entry(label.capitalize(), reverse(ot.url_name("list")))))
    for item in registry.menu_items:
        if not item.permission or user.has_perm(item.permission):
            items.append((item.order, item.section, Entry(str(item.label), reverse(item.url_name))))
    for _order, key, entry in sorted(items, key=lambda i: i[0]):
        sections[key].entries.append(entry)
    ordered = sorted(registry.sections.values(), key=lambda s: s.order)
    return [sections[s.key] for s in ordered if sections[s.key].entries]
