"""What other subsystems know about a declaration, for its page.

The traceability system registers one provider per flow (the sealed container trips, the
vegetable shipments, the pig loading batches under the declaration's number); each answers,
for the acting user, with what that user may see of it — its records, their state, their open
alerts and links to their pages and traces — or ``None`` when the user may see none of that flow.
Declarations show what comes back and know nothing of who answers (like ``holds``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RelatedAlert:
    """An open alert of a related record, as the declaration's page lists it."""

    title: str
    kind_label: str
    severity: str  # high | medium | low
    blocking: bool
    url: str = ""


@dataclass(frozen=True)
class RelatedRecord:
    """One record of another subsystem under the declaration's number."""

    number: str
    url: str
    status: str
    status_label: str
    summary: str = ""  # e.g. the container and its seal, the truck and its crates
    trace_url: str = ""
    alerts: tuple[RelatedAlert, ...] = ()


@dataclass(frozen=True)
class RelatedGroup:
    """The records of one kind (e.g. "Sealed container trips"), in the provider's order."""

    key: str
    title: str
    records: tuple[RelatedRecord, ...]
    order: int = 100
    more: int = 0  # records left out (a provider shows a bounded number)
    list_url: str = ""  # where all of them are listed, when there are more

    @property
    def open_alerts(self) -> int:
        return sum(len(record.alerts) for record in self.records)


Provider = Callable[[Any, str], RelatedGroup | None]

_providers: list[Provider] = []


def register(provider: Provider) -> None:
    """Called by a subsystem's ``AppConfig.ready``; ``provider(actor, declaration_number)``
    answers with the records the actor may see (``None`` or an empty group for none)."""
    if provider not in _providers:
        _providers.append(provider)


@dataclass
class Related:
    groups: list[RelatedGroup] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(group.records) + group.more for group in self.groups)

    @property
    def open_alerts(self) -> int:
        return sum(group.open_alerts for group in self.groups)

    def __bool__(self) -> bool:
        return bool(self.groups)


def related(*, actor: Any, declaration_number: str) -> Related:
    """The non-empty groups the registered providers answer with for this declaration."""
    groups = [group for provider in _providers if (group := provider(actor, declaration_number))]
    return Related(sorted((g for g in groups if g.records), key=lambda g: (g.order, g.key)))
