from __future__ import annotations

from typing import Any

from openciq.masterdata import selectors


def enterprise_classes(request: Any) -> tuple[str, dict[str, Any]] | None:
    """Dashboard: enterprises in the user's scope by class; class D is the watch list."""
    if not request.user.has_perm("masterdata.view_enterprise"):
        return None
    counts = selectors.enterprise_class_counts(actor=request.user)
    return "masterdata/widgets/enterprise_classes.html", {
        "counts": [(c, counts.get(c, 0)) for c in "ABCD"],
        "total": sum(counts.values()),
    }
