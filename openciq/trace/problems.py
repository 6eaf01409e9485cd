"""What is wrong with a captured document, said so a sender can fix it.

Every layer that reads an EPCIS document (JSON schema, XML schema, CBV and business rules, the
identifier translator) reports what it finds as :class:`Issue` values: where (a path into the
document as it was sent) and what. The capture service turns them into one RFC 7807 problem.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One finding. ``path`` points into the document as sent: a JSON Pointer for JSON
    (``/epcisBody/eventList/0/action``), a path of element names for XML
    (``/EPCISDocument/EPCISBody/EventList/ObjectEvent[1]/action``). ``rule`` is a short stable
    code a program can act on (``schema``, ``cbv``, ``ilmd_on_add_only``, ``duplicate`` ...)."""

    path: str
    message: str
    rule: str = "invalid"
    #: ``error`` refuses the document; ``warning`` is accepted and recorded on the capture job
    #: (a documented leniency, e.g. ``persistentDisposition`` on an AggregationEvent).
    severity: str = "error"

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message, "rule": self.rule, "severity": self.severity}


def errors(issues: Iterable[Issue]) -> list[Issue]:
    return [issue for issue in issues if issue.severity == "error"]


def warnings(issues: Iterable[Issue]) -> list[Issue]:
    return [issue for issue in issues if issue.severity == "warning"]


class DocumentInvalid(ValueError):
    """A document (or one event) that cannot be captured; carries every issue found."""

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues = list(issues)
        first = self.issues[0] if self.issues else Issue("", "invalid document")
        super().__init__(f"{first.path}: {first.message}")


def pointer(*parts: str | int) -> str:
    """A JSON Pointer (RFC 6901) from path parts: ``pointer("epcisBody", "eventList", 0)``."""
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in parts)
    return "/" + "/".join(escaped)
