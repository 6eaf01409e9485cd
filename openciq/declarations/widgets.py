from __future__ import annotations

from typing import Any

from openciq.declarations import selectors
from openciq.declarations.choices import DeclarationStatus


def declaration_states(request: Any) -> tuple[str, dict[str, Any]] | None:
    """Dashboard: declarations waiting in each open state of the user's area."""
    if not request.user.has_perm("declarations.view_declaration"):
        return None
    counts = selectors.status_counts(actor=request.user)
    states = [
        DeclarationStatus.SUBMITTED,
        DeclarationStatus.DOCUMENT_REVIEW,
        DeclarationStatus.INSPECTION,
        DeclarationStatus.SAMPLING,
        DeclarationStatus.CONFORM,
    ]
    return "declarations/widgets/declaration_states.html", {
        "counts": [(state, state.label, counts.get(state, 0)) for state in states],
    }
