from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from openciq.lims import selectors


def laboratory_work(request: Any) -> tuple[str, dict[str, Any]] | None:
    """Dashboard: what waits in the user's laboratories (each count is one bounded query)."""
    user = request.user
    if not user.has_perm("lims.view_sample"):
        return None
    counts = [
        (_("to receive"), selectors.reception_worklist(actor=user).count(), "lims.receive_sample"),
        (_("to verify"), selectors.verifier_worklist(actor=user).count(), "lims.verify_analysis"),
        (_("to publish"), selectors.to_publish(actor=user).count(), "lims.publish_sample"),
        (_("overdue"), selectors.overdue_samples(actor=user).count(), "lims.view_sample"),
    ]
    return "lims/widgets/laboratory_work.html", {
        "counts": [(label, n) for label, n, perm in counts if user.has_perm(perm)],
    }
