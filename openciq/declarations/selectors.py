"""Reads on declarations, always scoped to the acting user, ordered, with their joins."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from openciq.accounts.choices import OrgUnitKind
from openciq.accounts.models import OrgUnit
from openciq.core.errors import NotFoundError
from openciq.core.models import has_global_scope
from openciq.declarations.choices import OPEN_STATES, Conformity, DeclarationStatus, OrderStatus
from openciq.declarations.models import (
    Certificate,
    Declaration,
    DeclarationAttachment,
    InspectionOrder,
    RiskRuleSet,
    RiskSignal,
    SampleRequest,
)

# Transitions an actor may be offered on a declaration page: verb -> permission.
ACTION_PERMS = {
    "submit": "declarations.submit_declaration",
    "accept": "declarations.accept_declaration",
    "return": "declarations.accept_declaration",
    "decide": "declarations.decide_declaration",
    "release": "declarations.release_declaration",
    "withdraw": "declarations.withdraw_declaration",
    "cancel": "declarations.cancel_declaration",
}


def declaration_list(*, actor: Any) -> QuerySet[Declaration]:
    return (
        Declaration.objects.restrict(actor, "view")
        .select_related("enterprise", "port", "destination", "org_unit")
        .order_by("-id")
    )


def declaration_get(*, actor: Any, pk: Any) -> Declaration:
    try:
        return declaration_list(actor=actor).get(pk=pk)
    except (Declaration.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFoundError(_("Not found.")) from exc


def declaration_detail(*, actor: Any, declaration: Declaration) -> dict[str, Any]:
    """Everything the declaration page shows besides the header."""
    # Staff of the authority have an org unit; enterprise users do not.
    is_enterprise_side = not has_global_scope(actor) and getattr(actor, "org_unit_id", None) is None
    decision = getattr(declaration, "risk_decision", None)
    return {
        "lines": list(declaration.lines.select_related("product", "origin_premises")),
        "attachments": list(declaration.attachments.select_related("uploaded_by")),
        "timeline": list(declaration.steps.select_related("actor")),
        "orders": list(declaration.orders.select_related("port", "assigned_to").order_by("id")),
        "samples": list(declaration.sample_requests.select_related("laboratory").order_by("id")),
        "certificates": list(declaration.certificates.order_by("-id")),
        "release": getattr(declaration, "release_record", None),
        # Scores are not disclosed to enterprises (as FDA PREDICT's are not).
        "decision": None if is_enterprise_side else decision,
        "actions": declaration_actions(actor=actor, declaration=declaration),
    }


def declaration_actions(*, actor: Any, declaration: Declaration) -> list[str]:
    """Verbs the actor may perform on the declaration in its current state."""
    verbs = [
        verb
        for verb, perm in ACTION_PERMS.items()
        if declaration.status in Declaration.transitions[verb][0] and actor.has_perm(perm)
    ]
    inspection_side = actor.has_perm("declarations.decide_declaration")
    if "cancel" in verbs and not declaration.is_editable and not inspection_side:
        verbs.remove("cancel")  # enterprises cancel only what is still theirs to change
    if declaration.is_editable and actor.has_perm("declarations.change_declaration"):
        verbs.insert(0, "edit")
    return verbs


def attachment_get(*, actor: Any, pk: Any) -> DeclarationAttachment:
    """An attachment of a declaration the actor may see."""
    try:
        attachment: DeclarationAttachment = DeclarationAttachment.objects.filter(
            declaration__in=Declaration.objects.restrict(actor, "view")
        ).get(pk=pk)
        return attachment
    except (DeclarationAttachment.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFoundError(_("Not found.")) from exc


def laboratories() -> QuerySet[OrgUnit]:
    """The bureau's active laboratories, which sample requests go to."""
    return OrgUnit.objects.filter(kind=OrgUnitKind.LABORATORY, is_active=True).order_by("code")


def may_attach(*, actor: Any, declaration: Declaration) -> bool:
    """Whether the page offers to attach a document (the service decides in the end)."""
    if not actor.has_perm("declarations.change_declaration"):
        return False
    inspection_side = actor.has_perm("declarations.decide_declaration")
    return declaration.is_editable or (inspection_side and declaration.status in OPEN_STATES)


def enterprise_history(*, actor: Any, enterprise_id: int) -> QuerySet[Declaration]:
    """An enterprise's declarations, newest first (its compliance record)."""
    return declaration_list(actor=actor).filter(enterprise_id=enterprise_id)


def enterprise_summary(*, actor: Any, enterprise_id: int) -> dict[str, int]:
    rows = (
        Declaration.objects.restrict(actor, "view")
        .filter(enterprise_id=enterprise_id, decided_at__isnull=False)
        .values_list("conformity")
        # counting a column of the (enterprise, conformity, decided_at) index, not the id, lets
        # PostgreSQL answer from the index alone
        .annotate(n=Count("conformity"))
    )
    counts = dict(rows)
    return {
        "decided": sum(counts.values()),
        "not_conform": counts.get(Conformity.NOT_CONFORM, 0),
    }


def worklist(*, actor: Any) -> QuerySet[InspectionOrder]:
    """Open and started inspection orders in the actor's ports, oldest in state first."""
    if not actor.has_perm("declarations.work_inspectionorder"):
        return InspectionOrder.objects.none()
    return (
        InspectionOrder.objects.in_scope(actor)
        .filter(status__in=[OrderStatus.OPEN, OrderStatus.IN_PROGRESS])
        .select_related("declaration", "declaration__enterprise", "port", "assigned_to")
        .order_by("status_changed_at", "id")
    )


def order_get(*, actor: Any, pk: Any) -> InspectionOrder:
    if not actor.has_perm("declarations.view_inspectionorder"):
        raise NotFoundError(_("Not found."))
    try:
        order: InspectionOrder = (
            InspectionOrder.objects.in_scope(actor)
            .select_related("declaration", "declaration__enterprise", "port", "assigned_to")
            .get(pk=pk)
        )
    except (InspectionOrder.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFoundError(_("Not found.")) from exc
    return order


def sample_request_list(*, actor: Any) -> QuerySet[SampleRequest]:
    return (
        SampleRequest.objects.restrict(actor, "view")
        .select_related("declaration", "laboratory", "order")
        .order_by("-id")
    )


def certificate_list(*, actor: Any) -> QuerySet[Certificate]:
    return (
        Certificate.objects.restrict(actor, "view").select_related("declaration", "org_unit").order_by("-id")
    )


def certificate_get(*, actor: Any, pk: Any) -> Certificate:
    try:
        return certificate_list(actor=actor).get(pk=pk)
    except (Certificate.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFoundError(_("Not found.")) from exc


def certificate_public(*, token: Any) -> Certificate | None:
    """A certificate we issued, by the token its QR code carries (no sign-in needed)."""
    try:
        return (
            Certificate.objects.filter(verify_token=token, direction="export")
            .select_related("declaration", "declaration__destination", "replaces")
            .first()
        )
    except (ValueError, TypeError):
        return None


def rule_set_list(*, actor: Any) -> QuerySet[RiskRuleSet]:
    return RiskRuleSet.objects.restrict(actor, "view").order_by("-version")


def open_signals(*, actor: Any) -> QuerySet[RiskSignal]:
    return RiskSignal.objects.restrict(actor, "view").filter(closed_at__isnull=True).order_by("-opened_at")


def status_counts(*, actor: Any) -> dict[str, int]:
    """Declarations per open state in the actor's area (dashboard)."""
    open_states = [
        DeclarationStatus.SUBMITTED,
        DeclarationStatus.DOCUMENT_REVIEW,
        DeclarationStatus.INSPECTION,
        DeclarationStatus.SAMPLING,
        DeclarationStatus.CONFORM,
    ]
    rows = (
        Declaration.objects.restrict(actor, "view")
        .filter(Q(status__in=open_states))
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return dict(rows)
