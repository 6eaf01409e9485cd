"""Service errors: stable codes that views turn into form errors and the API into 4xx answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """A refused operation. ``code`` is stable; ``message`` is translated for the user."""

    code: ClassVar[str] = "invalid"
    status: ClassVar[int] = 400
    default_message: ClassVar[object] = _("The request was refused.")

    def __init__(
        self, message: object | None = None, *, fields: Mapping[str, Sequence[object]] | None = None
    ) -> None:
        self.message = str(message) if message is not None else str(self.default_message)
        self.fields: dict[str, list[str]] = {k: [str(m) for m in v] for k, v in (fields or {}).items()}
        super().__init__(self.message)


class ValidationFailed(ServiceError):
    code = "validation_failed"
    status = 400


class PermissionDeniedError(ServiceError):
    code = "permission_denied"
    status = 403


class NotFoundError(ServiceError):
    code = "not_found"
    status = 404


class ConflictError(ServiceError):
    """Another action changed the object first (a concurrent transition or a stale edit)."""

    code = "conflict"
    status = 409


class PreconditionFailed(ServiceError):
    """An ``If-Match`` header named a version that is no longer current."""

    code = "precondition_failed"
    status = 412


class TransitionNotAllowed(ConflictError):
    code = "transition_not_allowed"
