from __future__ import annotations

from typing import Any

from openciq.core import selectors


def recent_activity(request: Any) -> tuple[str, dict[str, Any]]:
    """Dashboard: the user's own latest changes."""
    return "core/widgets/recent_activity.html", {"events": selectors.actor_recent_events(actor=request.user)}
