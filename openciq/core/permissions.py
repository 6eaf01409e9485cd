"""The one permission check of the services: a Django permission, or an actor the app lets act
without one. Pages and API endpoints check the same permission first (a 403 before any work);
the service checks again, so a job, an import or a second caller cannot skip it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from openciq.core.errors import PermissionDeniedError


def require_permission(
    actor: Any,
    perm: str,
    *,
    exempt: Callable[[Any], bool] | None = None,
    message: object | None = None,
) -> None:
    """Refuse (``PermissionDeniedError``) unless ``actor`` is a signed-in, active user holding
    ``perm`` (``<app>.<codename>``).

    ``exempt`` lets an app's own actor through without the permission: the system actor of jobs,
    seeders and device ingest is inactive and holds none, and ``core`` cannot know it (it lives in
    ``accounts``), so the subsystems pass ``accounts.services.is_system_actor``. ``message`` is
    the app's translated refusal; by default "You do not have permission to do this."
    """
    if exempt is not None and exempt(actor):
        return
    if not (actor.is_authenticated and actor.is_active and actor.has_perm(perm)):
        raise PermissionDeniedError(
            message if message is not None else _("You do not have permission to do this.")
        )
