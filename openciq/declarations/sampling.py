"""The sample-request interface between inspection and the laboratory.

Inspection creates a :class:`~openciq.declarations.models.SampleRequest` and hands it to the
registered handler; the laboratory subsystem registers a handler that turns the request into
its own sample and later calls ``declarations.services.sample_result_record`` with the result.
Without a laboratory subsystem the default handler does nothing and the inspector records the
laboratory's result by hand through that same service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from openciq.declarations.models import SampleRequest


class SampleRequestHandler(Protocol):
    def submit(self, *, actor: Any, request: SampleRequest) -> str:
        """Pass the request on; return the laboratory's reference (or "" if it has none yet).
        Runs inside the transaction that created the request: raising undoes it."""

    def cancel(self, *, actor: Any, request: SampleRequest) -> None:
        """The request was cancelled (its declaration was cancelled)."""


class ManualEntry:
    """No laboratory system: the result is entered by hand."""

    def submit(self, *, actor: Any, request: SampleRequest) -> str:
        return ""

    def cancel(self, *, actor: Any, request: SampleRequest) -> None:
        return None


_handler: SampleRequestHandler = ManualEntry()


def register_handler(handler: SampleRequestHandler) -> None:
    """Called once by the laboratory subsystem's ``AppConfig.ready``."""
    global _handler
    _handler = handler


def handler() -> SampleRequestHandler:
    return _handler
