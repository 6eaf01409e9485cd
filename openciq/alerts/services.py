"""Writes on food-packaging enterprise filings (备案).

Every step of the life cycle is a named service, ``filing_<verb>``: it checks its own permission
(``alerts.<verb>_packagingfiling``), locks the filing row (``SELECT … FOR UPDATE``), checks the
move against :data:`~openciq.alerts.models.FILING_TRANSITIONS`, writes the filing and one
:class:`~openciq.alerts.models.FilingTransition` row, and records exactly one audit event
``alerts.filing_<past participle>`` — all in one transaction. Of two concurrent moves on the same
filing the second waits for the first and then fails with ``TransitionNotAllowed`` naming the
state the first one left.

Early warnings and the risk signals fed back to risk assessment belong to this app too, but are
not built yet; nothing here emits them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from openciq.alerts.choices import FilingStatus, FilingVerb, PackagingCategory
from openciq.alerts.models import (
    FILING_TRANSITIONS,
    VALIDITY_YEARS,
    FilingTransition,
    PackagingFiling,
    add_years,
)
from openciq.alerts.numbering import next_filing_number
from openciq.core import audit
from openciq.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    TransitionNotAllowed,
    ValidationFailed,
)
from openciq.masterdata.models import Enterprise

# Audit action of each verb.
ACTIONS: dict[str, str] = {
    FilingVerb.SUBMIT: "alerts.filing_submitted",
    FilingVerb.REVIEW: "alerts.filing_review_started",
    FilingVerb.APPROVE: "alerts.filing_approved",
    FilingVerb.REFUSE: "alerts.filing_refused",
    FilingVerb.SUSPEND: "alerts.filing_suspended",
    FilingVerb.REINSTATE: "alerts.filing_reinstated",
    FilingVerb.REVOKE: "alerts.filing_revoked",
    FilingVerb.WITHDRAW: "alerts.filing_withdrawn",
}
# Verbs that must say why.
REASON_REQUIRED: frozenset[str] = frozenset({FilingVerb.REFUSE, FilingVerb.SUSPEND, FilingVerb.REVOKE})

# Fields the enterprise fills in (create and draft edits).
APPLICATION_FIELDS = (
    "categories",
    "materials",
    "production_address",
    "annual_capacity",
    "quality_certificate_number",
    "contact_name",
    "contact_phone",
)
_SKIP_ON_CLEAN = ["enterprise", "org_unit", "decided_by", "renewal_of"]

Apply = Callable[[PackagingFiling, dt.datetime], None]


def permission_for(verb: str) -> str:
    return f"alerts.{verb}_packagingfiling"


def _require(actor: Any, permission: str) -> None:
    if not actor.is_authenticated or not actor.has_perm(permission):
        raise PermissionDeniedError(_("You do not have permission to do this."))


def _lock(actor: Any, filing_id: int, action: str = "view") -> PackagingFiling:
    """The filing, locked until the transaction ends; out of scope is simply not found."""
    filing = (
        PackagingFiling.objects.restrict(actor, action)
        .select_for_update(of=("self",))
        .filter(pk=filing_id)
        .first()
    )
    if filing is None:
        raise NotFoundError(_("Not found."))
    return filing  # type: ignore[no-any-return]


def _require_in_scope(actor: Any, filing: PackagingFiling) -> None:
    if not PackagingFiling.objects.restrict(actor, "view").filter(pk=filing.pk).exists():
        raise PermissionDeniedError(_("The result would be outside your area of responsibility."))


def _step(
    filing: PackagingFiling, *, actor: Any, at: dt.datetime, verb: str, from_status: str, reason: str
) -> None:
    FilingTransition.objects.create(
        filing=filing,
        verb=verb,
        from_status=from_status,
        to_status=filing.status,
        actor=actor,
        at=at,
        reason=reason,
    )


def _status_label(status: str) -> str:
    return str(dict(FilingStatus.choices).get(status, status))


# --- The application (drafts) -----------------------------------------------------------------


def _assign(filing: PackagingFiling, values: Mapping[str, Any]) -> None:
    for name in APPLICATION_FIELDS:
        if name not in values or values[name] is None:
            continue
        value = values[name]
        if name == "categories" and isinstance(value, list | tuple):
            given = [str(v) for v in value]
            # Canonical order without repeats; unknown values are kept for the validator to name.
            value = [c for c in PackagingCategory.values if c in given] + [
                c for c in dict.fromkeys(given) if c not in PackagingCategory.values
            ]
        elif isinstance(value, str):
            value = value.strip()
        setattr(filing, name, value)


def _validate(filing: PackagingFiling) -> None:
    try:
        filing.full_clean(exclude=_SKIP_ON_CLEAN)
    except ValidationError as exc:
        fields = {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
        raise ValidationFailed(_("Please correct the errors below."), fields=fields) from exc
    # Stored with two decimals; quantizing here keeps "12" and "12.00" from looking like a change.
    filing.annual_capacity = Decimal(filing.annual_capacity).quantize(Decimal("0.01"))


def _enterprise_for(actor: Any, enterprise_id: int | None) -> Enterprise:
    enterprise = (
        Enterprise.objects.in_scope(actor).filter(pk=enterprise_id).first() if enterprise_id else None
    )
    if enterprise is None:
        message = _("Choose an enterprise you act for.")
        raise ValidationFailed(message, fields={"enterprise": [message]})
    if not enterprise.is_active:
        message = _("This enterprise is not active.")
        raise ValidationFailed(message, fields={"enterprise": [message]})
    return enterprise  # type: ignore[no-any-return]


@audit.audited
def filing_create(
    *,
    actor: Any,
    enterprise_id: int | None,
    categories: list[str],
    materials: str,
    production_address: str,
    annual_capacity: Decimal | str | int,
    contact_name: str,
    contact_phone: str,
    quality_certificate_number: str = "",
) -> PackagingFiling:
    """Start a filing as a draft for an enterprise in the actor's scope.

    Permission ``alerts.add_packagingfiling``. Audit ``alerts.filing_created``. The supervising
    branch is the enterprise's.
    """
    _require(actor, "alerts.add_packagingfiling")
    enterprise = _enterprise_for(actor, enterprise_id)
    filing = PackagingFiling(enterprise=enterprise, org_unit_id=enterprise.org_unit_id)
    values = {
        "categories": categories,
        "materials": materials,
        "production_address": production_address,
        "annual_capacity": annual_capacity,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "quality_certificate_number": quality_certificate_number,
    }
    _assign(filing, values)
    return _save_new(actor, filing)


def _save_new(actor: Any, filing: PackagingFiling) -> PackagingFiling:
    filing.status = FilingStatus.DRAFT
    _validate(filing)
    filing.save()
    _step(filing, actor=actor, at=timezone.now(), verb="", from_status="", reason="")
    _require_in_scope(actor, filing)
    changes = audit.diff(None, audit.snapshot(filing))
    audit.record(actor=actor, action="alerts.filing_created", obj=filing, changes=changes)
    return filing


@audit.audited
def filing_update(
    *,
    actor: Any,
    filing_id: int,
    categories: list[str] | None = None,
    materials: str | None = None,
    production_address: str | None = None,
    annual_capacity: Decimal | str | int | None = None,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    quality_certificate_number: str | None = None,
) -> PackagingFiling:
    """Change a draft (arguments left ``None`` stay as they are).

    Permission ``alerts.change_packagingfiling``; only drafts (``ConflictError`` otherwise).
    Audit ``alerts.filing_updated`` with the fields before and after; nothing when nothing changed.
    """
    _require(actor, "alerts.change_packagingfiling")
    filing = _lock(actor, filing_id, "change")
    if filing.status != FilingStatus.DRAFT:
        raise ConflictError(
            _("Only a draft can be edited; this filing is “%(status)s”.")
            % {"status": _status_label(filing.status)},
            fields={"status": [filing.status]},
        )
    before = audit.snapshot(filing)
    values = {
        "categories": categories,
        "materials": materials,
        "production_address": production_address,
        "annual_capacity": annual_capacity,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "quality_certificate_number": quality_certificate_number,
    }
    _assign(filing, values)
    filing.org_unit_id = filing.enterprise.org_unit_id
    _validate(filing)
    if not audit.diff(before, audit.snapshot(filing)):
        return filing
    filing.save()
    audit.record_change(actor=actor, action="alerts.filing_updated", obj=filing, before=before)
    return filing


@audit.audited
def filing_renew(*, actor: Any, filing_id: int) -> PackagingFiling:
    """Start the renewal of an approved filing: a new draft with the same application data.

    Permission ``alerts.add_packagingfiling``; the filing approved and without a renewal in
    progress. Audit ``alerts.filing_created`` (its ``renewal_of`` names the filing renewed). The
    renewal gets its own number when approved.
    """
    _require(actor, "alerts.add_packagingfiling")
    source = _lock(actor, filing_id)
    if source.status != FilingStatus.APPROVED:
        raise ConflictError(
            _("Only an approved filing can be renewed; this filing is “%(status)s”.")
            % {"status": _status_label(source.status)},
            fields={"status": [source.status]},
        )
    closed = (FilingStatus.REFUSED, FilingStatus.WITHDRAWN)
    if source.renewals.exclude(status__in=closed).exists():
        raise ConflictError(_("A renewal of this filing is already in progress."))
    enterprise = _enterprise_for(actor, source.enterprise_id)
    filing = PackagingFiling(enterprise=enterprise, org_unit_id=enterprise.org_unit_id, renewal_of=source)
    _assign(filing, {name: getattr(source, name) for name in APPLICATION_FIELDS})
    return _save_new(actor, filing)


# --- The life cycle ---------------------------------------------------------------------------


def _move(
    *, actor: Any, filing_id: int, verb: str, reason: str = "", apply: Apply | None = None
) -> PackagingFiling:
    """Check and make one move of the table; the caller is an ``@audit.audited`` service."""
    _require(actor, permission_for(verb))
    filing = _lock(actor, filing_id)
    allowed_from, to_status = FILING_TRANSITIONS[verb]
    if filing.status not in allowed_from:
        raise TransitionNotAllowed(
            _("The filing is “%(status)s”; “%(action)s” is not possible in that state.")
            % {"status": _status_label(filing.status), "action": FilingVerb(verb).label},
            fields={"status": [filing.status]},
        )
    reason = (reason or "").strip()
    if verb in REASON_REQUIRED and not reason:
        raise ValidationFailed(_("Say why."), fields={"reason": [_("This field is required.")]})
    now = timezone.now()
    before = audit.snapshot(filing)
    from_status = filing.status
    filing.status = to_status
    if apply is not None:
        apply(filing, now)
    filing.save()
    _step(filing, actor=actor, at=now, verb=verb, from_status=from_status, reason=reason)
    changes = audit.diff(before, audit.snapshot(filing))
    if reason:
        changes["reason"] = {"before": None, "after": reason}
    audit.record(actor=actor, action=ACTIONS[verb], obj=filing, changes=changes)
    return filing


@audit.audited
def filing_submit(*, actor: Any, filing_id: int, reason: str = "") -> PackagingFiling:
    """draft → submitted. Permission ``alerts.submit_packagingfiling``; audit
    ``alerts.filing_submitted``. Stamps ``applied_at`` and takes the enterprise's current branch."""

    def apply(filing: PackagingFiling, now: dt.datetime) -> None:
        filing.applied_at = now
        filing.org_unit_id = filing.enterprise.org_unit_id

    return _move(actor=actor, filing_id=filing_id, verb=FilingVerb.SUBMIT, reason=reason, apply=apply)


@audit.audited
def filing_review_start(*, actor: Any, filing_id: int, reason: str = "") -> PackagingFiling:
    """submitted → under_review. Permission ``alerts.review_packagingfiling``; audit
    ``alerts.filing_review_started``."""
    return _move(actor=actor, filing_id=filing_id, verb=FilingVerb.REVIEW, reason=reason)


@audit.audited
def filing_approve(*, actor: Any, filing_id: int, reason: str = "") -> PackagingFiling:
    """submitted/under_review → approved. Permission ``alerts.approve_packagingfiling``; audit
    ``alerts.filing_approved``. Issues the filing number (per branch and year, see
    :mod:`openciq.alerts.numbering`); valid for three years from the day of approval."""

    def apply(filing: PackagingFiling, now: dt.datetime) -> None:
        today = timezone.localdate(now)
        filing.number = next_filing_number(org_unit=filing.org_unit, year=today.year)
        filing.decided_at = now
        filing.decided_by = actor
        filing.refusal_reasons = ""
        filing.valid_until = add_years(today, VALIDITY_YEARS)

    return _move(actor=actor, filing_id=filing_id, verb=FilingVerb.APPROVE, reason=reason, apply=apply)


@audit.audited
def filing_refuse(*, actor: Any, filing_id: int, reason: str) -> PackagingFiling:
    """submitted/under_review → refused, with reasons. Permission ``alerts.refuse_packagingfiling``;
    audit ``alerts.filing_refused``."""

    def apply(filing: PackagingFiling, now: dt.datetime) -> None:
        filing.decided_at = now
        filing.decided_by = actor
        filing.refusal_reasons = reason.strip()

    return _move(actor=actor, filing_id=filing_id, verb=FilingVerb.REFUSE, reason=reason, apply=apply)


@audit.audited
def filing_suspend(*, actor: Any, filing_id: int, reason: str) -> PackagingFiling:
    """approved → suspended, with a reason. Permission ``alerts.suspend_packagingfiling``; audit
    ``alerts.filing_suspended``. The number and validity stay."""
    return _move(actor=actor, filing_id=filing_id, verb=FilingVerb.SUSPEND, reason=reason)


@audit.audited
def filing_reinstate(*, actor: Any, filing_id: int, reason: str = "") -> PackagingFiling:
    """suspended → approved. Permission ``alerts.reinstate_packagingfiling``; audit
    ``alerts.filing_reinstated``."""
    return _move(actor=actor, filing_id=filing_id, verb=FilingVerb.REINSTATE, reason=reason)


@audit.audited
def filing_revoke(*, actor: Any, filing_id: int, reason: str) -> PackagingFiling:
    """approved/suspended → revoked, with a reason. Permission ``alerts.revoke_packagingfiling``;
    audit ``alerts.filing_revoked``. Final."""
    return _move(actor=actor, filing_id=filing_id, verb=FilingVerb.REVOKE, reason=reason)


@audit.audited
def filing_withdraw(*, actor: Any, filing_id: int, reason: str = "") -> PackagingFiling:
    """draft/submitted → withdrawn by the applicant. Permission ``alerts.withdraw_packagingfiling``;
    audit ``alerts.filing_withdrawn``. Final."""
    return _move(actor=actor, filing_id=filing_id, verb=FilingVerb.WITHDRAW, reason=reason)


TRANSITION_SERVICES: dict[str, Callable[..., PackagingFiling]] = {
    FilingVerb.SUBMIT: filing_submit,
    FilingVerb.REVIEW: filing_review_start,
    FilingVerb.APPROVE: filing_approve,
    FilingVerb.REFUSE: filing_refuse,
    FilingVerb.SUSPEND: filing_suspend,
    FilingVerb.REINSTATE: filing_reinstate,
    FilingVerb.REVOKE: filing_revoke,
    FilingVerb.WITHDRAW: filing_withdraw,
}


def filing_transition(*, actor: Any, filing_id: int, verb: str, reason: str = "") -> PackagingFiling:
    """Run the named service of ``verb`` (for the page and the API, which take the verb from the URL)."""
    service = TRANSITION_SERVICES.get(verb)
    if service is None:
        raise NotFoundError(_("Not found."))
    return service(actor=actor, filing_id=filing_id, reason=reason)
