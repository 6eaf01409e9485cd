"""How pages call a service and show its refusal: the message above the form, field messages
next to their fields; "not found" becomes 404 and "not permitted" 403."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404

from openciq.core.errors import NotFoundError, PermissionDeniedError, ServiceError, TransitionNotAllowed


def show_refusal(form: forms.BaseForm, exc: ServiceError, fields: dict[str, list[str]] | None = None) -> None:
    """Show a refusal on ``form``: its message above the form, field messages next to their
    field (or above it when the form has no such field). A ``TransitionNotAllowed`` names the
    state it found in ``fields``; its message says that already."""
    if not hasattr(form, "cleaned_data"):  # an unbound form shown again with the posted values
        form.cleaned_data = {}
    form.add_error(None, exc.message)
    if isinstance(exc, TransitionNotAllowed):
        return
    for name, errors in (exc.fields if fields is None else fields).items():
        target = name if name in form.fields else None
        for error in errors:
            if target is not None or error not in form.non_field_errors():
                form.add_error(target, error)


@contextmanager
def refusals() -> Iterator[None]:
    """A service's "not found" answers 404 and its "not permitted" 403; other refusals go on."""
    try:
        yield
    except NotFoundError as exc:
        raise Http404 from exc
    except PermissionDeniedError as exc:
        raise PermissionDenied from exc


def run_service(form: forms.BaseForm, call: Callable[..., Any], **kwargs: Any) -> Any:
    """Call a service (with ``kwargs``); on refusal put its errors on ``form`` and return ``None``."""
    try:
        with refusals():
            return call(**kwargs)
    except ServiceError as exc:
        show_refusal(form, exc)
        return None
