"""Holds on release: other subsystems can stop a declaration from being released.

The traceability subsystem registers a check that answers with the open alerts holding a
declaration (a truck whose border-gate reads differ from its declaration, a container whose seal
was opened); while any check answers with a reason, ``declaration_release`` and the electronic
release refuse, naming the reasons. Declarations do not know who holds them.
"""

from __future__ import annotations

from collections.abc import Callable

HoldCheck = Callable[[str], list[str]]

_checks: list[HoldCheck] = []


def register(check: HoldCheck) -> None:
    """Called by a subsystem's ``AppConfig.ready``; ``check(declaration_number)`` returns the
    reasons the declaration is held (empty when it is not)."""
    if check not in _checks:
        _checks.append(check)


def reasons(declaration_number: str) -> list[str]:
    return [reason for check in _checks for reason in check(declaration_number)]
