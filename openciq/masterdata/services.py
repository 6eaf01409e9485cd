"""Writes on master data beyond generic CRUD."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from openciq.accounts.services import is_system_actor
from openciq.core import audit
from openciq.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    TransitionNotAllowed,
    ValidationFailed,
)
from openciq.masterdata.choices import ClassChangeStatus, EnterpriseClass
from openciq.masterdata.models import Enterprise, EnterpriseClassChange


@audit.audited
def enterprise_reclassify_propose(
    *, actor: Any, enterprise_id: int, to_class: str, reason: str
) -> EnterpriseClassChange:
    """Propose a new classification (A/B/C/D) for an enterprise, with the reason.

    Permission ``masterdata.reclassify_enterprise`` (or the system actor, which proposes a
    downgrade when the risk rules see too many non-conformities), the enterprise in scope, no
    other open proposal. A second person approves it (:func:`enterprise_reclassify_decide`).
    Audit ``masterdata.enterprise_reclassification_proposed``.
    """
    if not (is_system_actor(actor) or actor.has_perm("masterdata.reclassify_enterprise")):
        raise PermissionDeniedError()
    visible = (
        Enterprise.objects.all() if is_system_actor(actor) else Enterprise.objects.restrict(actor, "view")
    )
    enterprise = visible.select_for_update().filter(pk=enterprise_id).first()
    if enterprise is None:
        raise NotFoundError()
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    if to_class not in EnterpriseClass.values:
        errors["to_class"] = [_("Choose A, B, C or D.")]
    elif to_class == enterprise.classification:
        errors["to_class"] = [_("The enterprise is already in this class.")]
    if not reason:
        errors["reason"] = [_("Say why the classification changes.")]
    if errors:
        raise ValidationFailed(_("The classification was not changed."), fields=errors)
    if enterprise.class_changes.filter(status=ClassChangeStatus.PROPOSED).exists():
        raise ConflictError(
            _("A classification change of this enterprise is already waiting for approval."),
            fields={"to_class": [_("Decide the open proposal first.")]},
        )
    change = EnterpriseClassChange.objects.create(
        enterprise=enterprise,
        from_class=enterprise.classification,
        to_class=to_class,
        reason=reason,
        changed_by=actor,
    )
    audit.record_change(
        actor=actor,
        action="masterdata.enterprise_reclassification_proposed",
        obj=change,
        before=None,
    )
    return change


@audit.audited
def enterprise_reclassify_decide(
    *, actor: Any, change_id: int, approve: bool, note: str = ""
) -> EnterpriseClassChange:
    """Approve (the class changes now) or reject a proposed classification change.

    Permission ``masterdata.approve_enterpriseclasschange``; nobody approves their own proposal.
    Audit ``masterdata.enterprise_reclassified`` (with the before/after class and the reason)
    or ``masterdata.enterprise_reclassification_rejected``. Risk assessment reads the new class
    from the next decision on.
    """
    if not actor.has_perm("masterdata.approve_enterpriseclasschange"):
        raise PermissionDeniedError()
    change: EnterpriseClassChange | None = (
        EnterpriseClassChange.objects.select_for_update()
        .filter(pk=change_id, enterprise__in=Enterprise.objects.restrict(actor, "view"))
        .first()
    )
    if change is None:
        raise NotFoundError()
    if change.status != ClassChangeStatus.PROPOSED:
        raise TransitionNotAllowed(
            _("This proposal was already %(state)s.") % {"state": change.get_status_display()},
            fields={"status": [change.status]},
        )
    if change.changed_by_id == actor.pk:
        raise PermissionDeniedError(_("A proposal is approved or rejected by someone else than its author."))
    if not approve and not note.strip():
        raise ValidationFailed(
            _("The proposal was not rejected."), fields={"note": [_("Say why the proposal is rejected.")]}
        )
    before_change = audit.snapshot(change)
    change.status = ClassChangeStatus.APPROVED if approve else ClassChangeStatus.REJECTED
    change.decided_by, change.decided_at, change.decision_note = actor, timezone.now(), note.strip()
    change.save()
    if not approve:
        audit.record_change(
            actor=actor,
            action="masterdata.enterprise_reclassification_rejected",
            obj=change,
            before=before_change,
        )
        return change
    enterprise = Enterprise.objects.select_for_update().get(pk=change.enterprise_id)
    before = audit.snapshot(enterprise)
    change.from_class = enterprise.classification
    change.save(update_fields=["from_class", "updated_at"])
    enterprise.classification = change.to_class
    enterprise.save(update_fields=["classification", "updated_at"])
    audit.record(
        actor=actor,
        action="masterdata.enterprise_reclassified",
        obj=enterprise,
        changes={
            **audit.diff(before, audit.snapshot(enterprise)),
            "reason": {"before": None, "after": change.reason},
            "proposal": {"before": None, "after": change.pk},
        },
    )
    return change
