from __future__ import annotations

from typing import Any

from openciq.alerts import selectors
from openciq.alerts.choices import FilingStatus


def filings_to_review(request: Any) -> tuple[str, dict[str, Any]] | None:
    """Dashboard: food-packaging filings in the user's scope waiting for a decision."""
    user = request.user
    if not (
        user.has_perm("alerts.approve_packagingfiling") or user.has_perm("alerts.submit_packagingfiling")
    ):
        return None
    counts = selectors.filing_status_counts(actor=user)
    waiting = [FilingStatus.SUBMITTED, FilingStatus.UNDER_REVIEW]
    return "alerts/widgets/filings_to_review.html", {
        "rows": [
            (status, counts.get(status, 0))
            for status in (FilingStatus.DRAFT, *waiting, FilingStatus.APPROVED)
        ],
        "waiting": sum(counts.get(s, 0) for s in waiting),
    }
