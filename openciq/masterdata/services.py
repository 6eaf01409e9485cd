"""Writes on master data beyond generic CRUD."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from openciq.core import audit
from openciq.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from openciq.masterdata.choices import EnterpriseClass
from openciq.masterdata.models import Enterprise, EnterpriseClassChange


@audit.audited
def enterprise_reclassify(
    *, actor: Any, enterprise_id: int, to_class: str, reason: str
) -> EnterpriseClassChange:
    """Change an enterprise's classification (A/B/C/D) and keep the change with its reason.

    Permission ``masterdata.reclassify_enterprise`` and the enterprise in scope.
    Audit ``masterdata.enterprise_reclassified``. Risk assessment reads the new class from the
    next decision on.
    """
    if not actor.has_perm("masterdata.reclassify_enterprise"):
        raise PermissionDeniedError()
    enterprise = (
        Enterprise.objects.restrict(actor, "view").select_for_update().filter(pk=enterprise_id).first()
    )
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
    change = EnterpriseClassChange.objects.create(
        enterprise=enterprise,
        from_class=enterprise.classification,
        to_class=to_class,
        reason=reason,
        changed_by=actor,
    )
    before = audit.snapshot(enterprise)
    enterprise.classification = to_class
    enterprise.save(update_fields=["classification", "updated_at"])
    audit.record(
        actor=actor,
        action="masterdata.enterprise_reclassified",
        obj=enterprise,
        changes={
            **audit.diff(before, audit.snapshot(enterprise)),
            "reason": {"before": None, "after": reason},
        },
    )
    return change
