"""What every pig service does: check the permission (the system actor passes), lock the row in
the actor's scope, check the transition, refuse naming the field, take times people give, find
pigs by either number, and capture the step's EPCIS events (all or none)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from openciq.accounts.services import is_system_actor
from openciq.core.errors import (
    NotFoundError,
    ServiceError,
    TransitionNotAllowed,
    ValidationFailed,
)
from openciq.core.permissions import require_permission
from openciq.trace import services as trace_services
from openciq.trace.choices import CaptureSource, CaptureStatus, ErrorBehaviour
from openciq.trace.pigs import epcis
from openciq.trace.pigs.choices import TagStatus
from openciq.trace.pigs.models import Animal, EarTag, Farm

M = TypeVar("M", bound=Model)

CLOCK_SLACK = dt.timedelta(minutes=5)  # a device's or a form's clock ahead of ours


class EventsRefused(ServiceError):
    """The repository refused an event this flow built: a bug, never the user's input."""

    code = "epcis_refused"
    status = 500


def require(actor: Any, perm: str) -> None:
    """The permission, or the system actor (the seeder, device ingest), which acts for the bureau."""
    require_permission(actor, perm, exempt=is_system_actor)


def lock(model: type[M], actor: Any, pk: Any) -> M:
    """The row, locked for this transaction; "not found" when it is outside the actor's scope."""
    manager: Any = model._default_manager
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFoundError(_("Not found.")) from None
    if not is_system_actor(actor) and not manager.in_scope(actor).filter(pk=pk).exists():
        raise NotFoundError(_("Not found."))
    obj: M | None = manager.select_for_update(of=("self",)).filter(pk=pk).first()
    if obj is None:
        raise NotFoundError(_("Not found."))
    return obj


def check(obj: Any, verb: str) -> None:
    """Refuse ``verb`` unless the object's state allows it (``transitions`` on the model)."""
    allowed_from, _to = type(obj).transitions[verb]
    if obj.status not in allowed_from:
        raise TransitionNotAllowed(
            _("%(object)s is %(state)s; this is not possible in that state.")
            % {"object": str(obj), "state": obj.get_status_display()},
            fields={"status": [obj.status]},
        )


def refuse(errors: Mapping[str, list[str]], message: str | None = None) -> None:
    if errors:
        raise ValidationFailed(message or _("Please correct the marked fields."), fields=errors)


def moment(value: dt.datetime | None, errors: dict[str, list[str]], name: str) -> dt.datetime:
    """A time a person or device gave (now when absent), refused when it lies in the future."""
    now = timezone.now()
    if value is None:
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SLACK:
        errors.setdefault(name, []).append(_("This time lies in the future."))
    return value


def emit(actor: Any, events: Sequence[dict[str, Any]]) -> list[str]:
    """Capture the step's events (all or none) and return their eventIDs."""
    if not events:
        return []
    job = trace_services.capture_events(
        actor=actor,
        events=list(events),
        namespaces=epcis.NAMESPACES,
        error_behaviour=ErrorBehaviour.ROLLBACK,
        source=CaptureSource.SUPERVISION,
    )
    if job.status != CaptureStatus.SUCCEEDED or job.stored_count != len(events):
        problems = "; ".join(f"{e.get('path')}: {e.get('message')}" for e in job.errors[:5])
        if problems:
            message = _("The traceability repository refused this step's events: %(problems)s") % {
                "problems": problems
            }
        else:
            message = _(
                "The traceability repository refused this step's events: %(n)d of them are stored already."
            ) % {"n": job.duplicate_count}
        raise EventsRefused(message)
    return [str(event["eventID"]) for event in events]


def choice(value: str, choices: Any, errors: dict[str, list[str]], name: str) -> None:
    if value not in choices.values:
        errors.setdefault(name, []).append(_("Choose one of the offered values."))


def find_animals(
    farm: Farm | None, numbers: Sequence[str], errors: dict[str, list[str]], name: str = "animals"
) -> list[Animal]:
    """Pigs by either of their numbers (China ear-tag or any of their ISO 11784 tags), on
    ``farm`` when one is given; every number that finds no pig is named in ``errors``."""
    wanted = list(dict.fromkeys(re.sub(r"[\s-]", "", n) for n in numbers if n and n.strip()))
    if not wanted:
        errors.setdefault(name, []).append(_("List at least one pig."))
        return []
    rows = Animal.objects.select_related("farm__location").filter(
        Q(cn_number__in=wanted) | Q(tags__iso_number__in=wanted)
    )
    if farm is not None:
        rows = rows.filter(farm=farm)
    found = {a.pk: a for a in rows.distinct().order_by("id")}
    known = {a.cn_number for a in found.values()} | set(
        EarTag.objects.filter(animal_id__in=list(found), iso_number__in=wanted).values_list(
            "iso_number", flat=True
        )
    )
    unknown = [n for n in wanted if n not in known]
    if unknown:
        listed = {"numbers": ", ".join(unknown[:20])}
        if farm is not None:
            message = _("No pig on this farm has the number(s) %(numbers)s.") % listed
        else:
            message = _("No registered pig has the number(s) %(numbers)s.") % listed
        errors.setdefault(name, []).append(message)
    return list(found.values())


def active_tags(animal_ids: Sequence[int]) -> dict[int, list[EarTag]]:
    """Pig id → its tags in use."""
    found: dict[int, list[EarTag]] = {pk: [] for pk in animal_ids}
    for tag in EarTag.objects.filter(animal_id__in=list(animal_ids), status=TagStatus.ACTIVE).order_by("id"):
        found[tag.animal_id].append(tag)
    return found
