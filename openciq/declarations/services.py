"""Writes on declarations: the life cycle, risk assessment, inspection work and sampling.

Every service is one transaction with its own audit event. A transition locks the declaration
row and checks the current state against ``Declaration.transitions``: of two concurrent actions
on one declaration exactly one wins; the other gets ``TransitionNotAllowed`` naming the state
it found. Certificates have their own module, ``certificates.py``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openciq.accounts.models import OrgUnit
from openciq.accounts.services import is_system_actor, system_actor
from openciq.core import audit
from openciq.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    TransitionNotAllowed,
    ValidationFailed,
)
from openciq.core.numbering import next_value
from openciq.declarations import holds, sampling
from openciq.declarations.choices import (
    MODE_STATUS,
    OPEN_STATES,
    Conformity,
    ControlLevel,
    DeclarationStatus,
    InspectionMode,
    OrderStatus,
    RuleSetStatus,
    SampleResult,
    SampleStatus,
)
from openciq.declarations.forms import ChecklistItemForm, DeclarationForm, DeclarationLineForm
from openciq.declarations.models import (
    ComplianceState,
    ComplianceTally,
    Declaration,
    DeclarationAttachment,
    DeclarationLine,
    DeclarationTransition,
    InspectionOrder,
    InspectionPhoto,
    ReleaseRecord,
    RiskDecision,
    RiskRuleSet,
    RiskSignal,
    SampleRequest,
)
from openciq.declarations.risk import DEFAULT_PARAMS, RiskInputs, RuleParams, evaluate, next_control_level
from openciq.masterdata.services import enterprise_reclassify_propose

PAST = {
    "submit": "submitted",
    "accept": "accepted",
    "return": "returned",
    "assess": "assessed",
    "decide": "decided",
    "release": "released",
    "withdraw": "withdrawn",
    "cancel": "cancelled",
}
# What each verb does, for messages that refuse it.
VERB_LABELS = {
    "submit": gettext_lazy("submission"),
    "accept": gettext_lazy("acceptance"),
    "return": gettext_lazy("return for correction"),
    "assess": gettext_lazy("risk assessment"),
    "decide": gettext_lazy("conformity decision"),
    "release": gettext_lazy("release"),
    "withdraw": gettext_lazy("withdrawal"),
    "cancel": gettext_lazy("cancellation"),
}
MAX_LINES = 200
_rng = random.SystemRandom()


def draw_random() -> float:
    """The random draw for physical checks, stored with each decision (tests replace it)."""
    return _rng.random()


def _require(actor: Any, perm: str) -> None:
    if not (is_system_actor(actor) or (actor.is_authenticated and actor.has_perm(perm))):
        raise PermissionDeniedError(_("You do not have permission to do this."))


def _lock(actor: Any, declaration_id: int) -> Declaration:
    """The declaration, locked for this transaction; 404 when it is outside the actor's scope."""
    if (
        not is_system_actor(actor)
        and not Declaration.objects.restrict(actor, "view").filter(pk=declaration_id).exists()
    ):
        raise NotFoundError(_("Not found."))
    declaration: Declaration | None = (
        Declaration.objects.select_for_update().filter(pk=declaration_id).first()
    )
    if declaration is None:
        raise NotFoundError(_("Not found."))
    return declaration


def _check_transition(declaration: Declaration, verb: str) -> None:
    allowed_from, _to = Declaration.transitions[verb]
    if declaration.status not in allowed_from:
        raise TransitionNotAllowed(
            _("Declaration %(number)s is %(state)s; %(action)s is not possible in that state.")
            % {
                "number": declaration.number,
                "state": declaration.get_status_display(),
                "action": VERB_LABELS[verb],
            },
            fields={"status": [declaration.status]},
        )


def _move(actor: Any, declaration: Declaration, verb: str, to: str, reason: str = "", **changes: Any) -> None:
    """Apply a checked transition: new state, timeline row and one audit event."""
    _check_transition(declaration, verb)
    before = audit.snapshot(declaration, extra=False)  # a transition does not touch the lines
    now = timezone.now()
    DeclarationTransition.objects.create(
        declaration=declaration,
        verb=verb,
        from_status=declaration.status,
        to_status=to,
        actor=actor,
        at=now,
        reason=reason,
    )
    declaration.status = to
    declaration.status_changed_at = now
    for name, value in changes.items():
        setattr(declaration, name, value)
    declaration.save()
    extra = {"reason": {"before": None, "after": reason}} if reason else {}
    audit.record(
        actor=actor,
        action=f"declarations.declaration_{PAST[verb]}",
        obj=declaration,
        changes={**audit.diff(before, audit.snapshot(declaration, extra=False)), **extra},
    )


def _need_reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why."), fields={field: [_("This field is required.")]})
    return reason


# --- Drafts -----------------------------------------------------------------------------------


def _validate(
    actor: Any, header: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], instance: Declaration | None
) -> tuple[DeclarationForm, list[DeclarationLineForm]]:
    errors: dict[str, list[str]] = {}
    form = DeclarationForm(data=dict(header), instance=instance, actor=actor)
    if not form.is_valid():
        errors.update({k: [str(m) for m in v] for k, v in form.errors.items()})
    line_forms = []
    if not lines:
        errors["lines"] = [_("A declaration needs at least one line of goods.")]
    elif len(lines) > MAX_LINES:
        errors["lines"] = [_("A declaration has at most %(n)s lines.") % {"n": MAX_LINES}]
    for index, line in enumerate(lines[:MAX_LINES]):
        line_form = DeclarationLineForm(data=dict(line), actor=actor)
        if not line_form.is_valid():
            for field, messages in line_form.errors.items():
                errors[f"lines[{index}].{field}"] = [str(m) for m in messages]
        line_forms.append(line_form)
    if errors:
        raise ValidationFailed(_("The declaration was not saved; correct the fields named."), fields=errors)
    return form, line_forms


def _write_lines(declaration: Declaration, line_forms: list[DeclarationLineForm]) -> None:
    declaration.lines.all().delete()
    rows = []
    for number, line_form in enumerate(line_forms, start=1):
        line = line_form.save(commit=False)
        line.declaration = declaration
        line.line_no = number
        rows.append(line)
    DeclarationLine.objects.bulk_create(rows)
    declaration.total_value_usd = sum((r.value_usd for r in rows), Decimal(0))
    declaration.total_net_weight_kg = sum((r.net_weight_kg for r in rows), Decimal(0))
    declaration.save(update_fields=["total_value_usd", "total_net_weight_kg", "updated_at"])


def declaration_number(branch: OrgUnit, year: int) -> str:
    """``GZ2026E0000001``: branch code, year, E for export, a counter per branch and year."""
    return f"{branch.code}{year}E{next_value(f'declaration:{branch.code}:{year}'):07d}"


@audit.audited
def declaration_create(
    *, actor: Any, header: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]
) -> Declaration:
    """A new draft. Permission ``add_declaration``, the enterprise in the actor's scope.
    Audit ``declarations.declaration_created``."""
    _require(actor, "declarations.add_declaration")
    form, line_forms = _validate(actor, header, lines, None)
    declaration: Declaration = form.save(commit=False)
    declaration.org_unit = declaration.enterprise.org_unit
    declaration.number = declaration_number(declaration.org_unit, timezone.localdate().year)
    declaration.created_by = actor
    declaration.status = DeclarationStatus.DRAFT
    declaration.status_changed_at = timezone.now()
    declaration.save()
    _write_lines(declaration, line_forms)
    audit.record_change(
        actor=actor,
        action="declarations.declaration_created",
        obj=declaration,
        before=None,
    )
    return declaration


@audit.audited
def declaration_update(
    *, actor: Any, declaration_id: int, header: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]
) -> Declaration:
    """Change a draft or a returned declaration; the lines are replaced as given.
    Permission ``change_declaration``. Audit ``declarations.declaration_updated``."""
    _require(actor, "declarations.change_declaration")
    declaration = _lock(actor, declaration_id)
    if not declaration.is_editable:
        raise TransitionNotAllowed(
            _("Declaration %(number)s is %(state)s; only drafts and returned declarations can be changed.")
            % {"number": declaration.number, "state": declaration.get_status_display()},
            fields={"status": [declaration.status]},
        )
    before = audit.snapshot(declaration)
    form, line_forms = _validate(actor, header, lines, declaration)
    declaration = form.save(commit=False)
    declaration.org_unit = declaration.enterprise.org_unit
    declaration.save()
    assert isinstance(declaration, Declaration)
    _write_lines(declaration, line_forms)
    audit.record_change(
        actor=actor, action="declarations.declaration_updated", obj=declaration, before=before
    )
    return declaration


ATTACHMENT_TYPES = {".pdf", ".jpg", ".jpeg", ".png", ".xlsx", ".xls", ".docx", ".doc", ".xml", ".txt", ".csv"}


@audit.audited
def declaration_attachment_add(
    *, actor: Any, declaration_id: int, title: str, file: Any
) -> DeclarationAttachment:
    """Attach a document (contract, invoice, packing list, photo) to a declaration. Enterprise
    users attach while the declaration is a draft or returned; inspectors while it is open.
    Permission ``change_declaration``. Audit ``declarations.attachment_added``."""
    _require(actor, "declarations.change_declaration")
    declaration = _lock(actor, declaration_id)
    inspector = is_system_actor(actor) or actor.has_perm("declarations.decide_declaration")
    if not (declaration.is_editable or (inspector and declaration.status in OPEN_STATES)):
        raise TransitionNotAllowed(
            _("Declaration %(number)s is %(state)s; documents can no longer be attached.")
            % {"number": declaration.number, "state": declaration.get_status_display()},
            fields={"status": [declaration.status]},
        )
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors["title"] = [_("This field is required.")]
    name = getattr(file, "name", "") or ""
    if file is None or not name:
        errors["file"] = [_("Choose a file.")]
    elif Path(name).suffix.lower() not in ATTACHMENT_TYPES:
        errors["file"] = [_("Attach a PDF, image, office document, XML, CSV or text file.")]
    elif file.size > settings.OPENCIQ_MAX_UPLOAD_BYTES:
        errors["file"] = [
            _("The file is larger than %(mb)s MB.") % {"mb": settings.OPENCIQ_MAX_UPLOAD_BYTES // 2**20}
        ]
    if errors:
        raise ValidationFailed(_("The document was not attached."), fields=errors)
    attachment = DeclarationAttachment.objects.create(
        declaration=declaration, title=title.strip(), file=file, uploaded_by=actor
    )
    audit.record_change(
        actor=actor,
        action="declarations.attachment_added",
        obj=attachment,
        before=None,
    )
    return attachment


# --- The life cycle ---------------------------------------------------------------------------


@audit.audited
def declaration_submit(*, actor: Any, declaration_id: int) -> Declaration:
    """draft/returned → submitted. Permission ``submit_declaration``.

    Enterprises of the classes the active rules name in ``auto_accept_classes`` are accepted and
    risk-assessed at once by the system, and released electronically if the draw says so.
    """
    _require(actor, "declarations.submit_declaration")
    declaration = _lock(actor, declaration_id)
    if not declaration.lines.exists():
        raise ValidationFailed(
            _("A declaration needs at least one line of goods."), fields={"lines": [_("Add a line.")]}
        )
    _move(actor, declaration, "submit", DeclarationStatus.SUBMITTED, submitted_at=timezone.now())
    rules = active_rule_set()
    if declaration.enterprise.classification in RuleParams.model_validate(rules.params).auto_accept_classes:
        system = system_actor()
        _move(system, declaration, "accept", DeclarationStatus.ACCEPTED)
        _assess(system, declaration, rules)
    return declaration


@audit.audited
def declaration_accept(*, actor: Any, declaration_id: int) -> Declaration:
    """submitted → accepted, then the system assesses the risk and routes it.
    Permission ``accept_declaration``."""
    _require(actor, "declarations.accept_declaration")
    declaration = _lock(actor, declaration_id)
    _move(actor, declaration, "accept", DeclarationStatus.ACCEPTED)
    _assess(system_actor(), declaration, active_rule_set())
    return declaration


@audit.audited
def declaration_return(*, actor: Any, declaration_id: int, reason: str) -> Declaration:
    """submitted → returned for correction, with the reasons. Permission ``accept_declaration``."""
    _require(actor, "declarations.accept_declaration")
    reason = _need_reason(reason)
    declaration = _lock(actor, declaration_id)
    _move(actor, declaration, "return", DeclarationStatus.RETURNED, reason=reason)
    return declaration


@audit.audited
def declaration_assess(*, actor: Any, declaration_id: int) -> RiskDecision:
    """accepted → routed by risk (normally run by the system on acceptance).
    Permission ``assess_declaration``. Audit ``declarations.declaration_assessed``."""
    _require(actor, "declarations.assess_declaration")
    declaration = _lock(actor, declaration_id)
    return _assess(actor, declaration, active_rule_set())


@audit.audited
def declaration_decide(
    *, actor: Any, declaration_id: int, conformity: str, reasons: str = "", disposal: str = ""
) -> Declaration:
    """document_review/inspection/sampling → conform, or → rejected with reasons and disposal.

    Refused while an inspection order or a sample request is still open. Updates the control
    level of the enterprise for each HS heading (step up, step down). Permission
    ``decide_declaration``.
    """
    _require(actor, "declarations.decide_declaration")
    declaration = _lock(actor, declaration_id)
    _check_transition(declaration, "decide")
    errors: dict[str, list[str]] = {}
    if conformity not in Conformity.values:
        errors["conformity"] = [_("Choose conform or not conform.")]
    elif conformity == Conformity.NOT_CONFORM:
        if not reasons.strip():
            errors["reasons"] = [_("Say why the batch does not conform.")]
        if disposal not in ("rework", "destroy", "return"):
            errors["disposal"] = [_("Choose rework, destroy or return.")]
    if errors:
        raise ValidationFailed(_("The decision was not recorded."), fields=errors)
    open_orders = declaration.orders.exclude(status__in=[OrderStatus.DONE, OrderStatus.CANCELLED])
    open_samples = declaration.sample_requests.exclude(
        status__in=[SampleStatus.REPORTED, SampleStatus.CANCELLED]
    )
    if open_orders.exists() or open_samples.exists():
        raise ConflictError(
            _("Inspection orders or sample requests of this declaration are still open."),
            fields={"status": [_("Complete the open inspection orders and sample results first.")]},
        )
    _decide(actor, declaration, conformity, reasons.strip(), disposal if conformity != "conform" else "")
    return declaration


@audit.audited
def declaration_release(*, actor: Any, declaration_id: int) -> ReleaseRecord:
    """conform → released, with an electronic release record; issues the requested
    certificate. Permission ``release_declaration``."""
    _require(actor, "declarations.release_declaration")
    declaration = _lock(actor, declaration_id)
    return _release(actor, declaration, electronic=False)


@audit.audited
def declaration_withdraw(*, actor: Any, declaration_id: int, reason: str) -> Declaration:
    """submitted/accepted → withdrawn by the enterprise. Permission ``withdraw_declaration``."""
    _require(actor, "declarations.withdraw_declaration")
    reason = _need_reason(reason)
    declaration = _lock(actor, declaration_id)
    _move(actor, declaration, "withdraw", DeclarationStatus.WITHDRAWN, reason=reason)
    return declaration


@audit.audited
def declaration_cancel(*, actor: Any, declaration_id: int, reason: str) -> Declaration:
    """A draft, a returned declaration or one under inspection → cancelled; open orders and
    sample requests are cancelled with it. Permission ``cancel_declaration``."""
    _require(actor, "declarations.cancel_declaration")
    reason = _need_reason(reason)
    declaration = _lock(actor, declaration_id)
    if not declaration.is_editable and not (
        is_system_actor(actor) or actor.has_perm("declarations.decide_declaration")
    ):
        raise TransitionNotAllowed(
            _("Declaration %(number)s is under inspection; only the inspection service can cancel it now.")
            % {"number": declaration.number},
            fields={"status": [declaration.status]},
        )
    _move(actor, declaration, "cancel", DeclarationStatus.CANCELLED, reason=reason)
    now = timezone.now()
    for request in declaration.sample_requests.exclude(
        status__in=[SampleStatus.REPORTED, SampleStatus.CANCELLED]
    ):
        _set_status(actor, request, SampleStatus.CANCELLED, "declarations.sample_request_cancelled")
        sampling.handler().cancel(actor=actor, request=request)
    for order in declaration.orders.exclude(status__in=[OrderStatus.DONE, OrderStatus.CANCELLED]):
        order.status_changed_at = now
        _set_status(actor, order, OrderStatus.CANCELLED, "declarations.inspection_order_cancelled")
    return declaration


def _set_status(actor: Any, obj: Any, status: str, action: str) -> None:
    before = audit.snapshot(obj)
    obj.status = status
    obj.save()
    audit.record_change(actor=actor, action=action, obj=obj, before=before)


# --- Risk -------------------------------------------------------------------------------------


def active_rule_set() -> RiskRuleSet:
    """The active rule set; the built-in defaults become version 1 the first time."""
    rules = RiskRuleSet.objects.filter(status=RuleSetStatus.ACTIVE).first()
    if rules is None:
        rules = RiskRuleSet.objects.filter(version=1).first()
    if rules is None:
        with audit.scope():
            rules = RiskRuleSet.objects.create(
                version=1,
                status=RuleSetStatus.ACTIVE,
                params=DEFAULT_PARAMS,
                note="Built-in defaults",
                activated_at=timezone.now(),
            )
            audit.record_change(
                actor=system_actor(),
                action="declarations.risk_rule_set_activated",
                obj=rules,
                before=None,
            )
    return rules


def window_start(params: RuleParams) -> dt.date:
    """The first month of the compliance-history window (the window counts whole months)."""
    return (timezone.localdate() - dt.timedelta(days=params.history_window_days)).replace(day=1)


# The risk inputs are read on every declaration: plain SQL on indexed columns, five round trips,
# none of the ORM's query building (which cost more than the queries themselves).
_INPUT_SQL = {
    "declaration": """
        SELECT e.classification, c.code FROM declarations_declaration d
        JOIN masterdata_enterprise e ON e.id = d.enterprise_id
        JOIN masterdata_country c ON c.id = d.destination_id WHERE d.id = %s""",
    "lines": """
        SELECT l.product_id, l.hs_code, p.risk_category FROM declarations_declarationline l
        JOIN masterdata_product p ON p.id = l.product_id WHERE l.declaration_id = %s""",
    "history": """
        SELECT COALESCE(SUM(batches), 0), COALESCE(SUM(nonconform), 0) FROM declarations_compliancetally
        WHERE enterprise_id = %s AND month >= %s AND product_id IN ({products})""",
    "states": """
        SELECT level, consecutive_conform FROM declarations_compliancestate
        WHERE enterprise_id = %s AND hs_heading IN ({headings})""",
    "signals": """
        SELECT source, reference, title, points, hs_prefix FROM declarations_risksignal
        WHERE closed_at IS NULL AND (enterprise_id IS NULL OR enterprise_id = %s)
          AND (destination_id IS NULL OR destination_id = %s) ORDER BY id""",
}
_LEVEL_ORDER = {ControlLevel.NORMAL: 0, ControlLevel.INTENSIFIED: 1, ControlLevel.IMPOSED: 2}


def risk_inputs(declaration: Declaration, params: RuleParams) -> RiskInputs:
    """What the engine looks at for ``declaration`` now."""
    with connection.cursor() as cursor:
        cursor.execute(_INPUT_SQL["declaration"], [declaration.pk])
        enterprise_class, destination = cursor.fetchone()
        cursor.execute(_INPUT_SQL["lines"], [declaration.pk])
        lines = cursor.fetchall()
        products = sorted({product for product, _hs, _category in lines}) or [0]
        cursor.execute(
            _INPUT_SQL["history"].format(products=", ".join(["%s"] * len(products))),
            [declaration.enterprise_id, window_start(params), *products],
        )
        batches, nonconform = cursor.fetchone()
        headings = sorted({hs[:4] for _p, hs, _c in lines}) or [""]
        cursor.execute(
            _INPUT_SQL["states"].format(headings=", ".join(["%s"] * len(headings))),
            [declaration.enterprise_id, *headings],
        )
        states = cursor.fetchall()
        cursor.execute(_INPUT_SQL["signals"], [declaration.enterprise_id, declaration.destination_id])
        signal_rows = cursor.fetchall()
    worst = max(states, key=lambda s: (_LEVEL_ORDER[ControlLevel(s[0])], -s[1]), default=None)
    signals = [
        {"reference": f"{source}:{reference}", "title": title, "points": points}
        for source, reference, title, points, prefix in signal_rows
        if not prefix or any(hs.startswith(prefix) for _p, hs, _c in lines)
    ]
    return RiskInputs(
        enterprise_class=enterprise_class,
        product_categories=sorted({category for _p, _hs, category in lines}),
        history_batches=int(batches),
        history_nonconform=int(nonconform),
        control_level=worst[0] if worst else ControlLevel.NORMAL,
        control_progress=worst[1] if worst else 0,
        signals=signals,
        destination=destination,
    )


def risk_decide(declaration: Declaration, rules: RiskRuleSet) -> tuple[RiskDecision, RuleParams]:
    """The risk decision itself: gather the inputs, run the engine with a random draw, store the
    decision with its factors, rule version and draw. Routing it is ``_assess``'s job."""
    params = RuleParams.model_validate(rules.params)
    inputs = risk_inputs(declaration, params)
    outcome = evaluate(inputs, params, draw_random())
    decision = RiskDecision.objects.create(
        declaration=declaration,
        rule_set=rules,
        inputs=inputs.to_dict(),
        factors=outcome.factors_json(),
        score=outcome.score,
        band=outcome.band,
        physical_rate=outcome.physical_rate,
        sampling_rate=outcome.sampling_rate,
        draw=outcome.draw,
        mode=outcome.mode,
        decided_at=timezone.now(),
    )
    return decision, params


def _assess(actor: Any, declaration: Declaration, rules: RiskRuleSet) -> RiskDecision:
    decision, params = risk_decide(declaration, rules)
    mode = InspectionMode(decision.mode)
    if mode == InspectionMode.RELEASE:  # electronic release: conform and released at once
        _move(
            actor,
            declaration,
            "assess",
            DeclarationStatus.CONFORM,
            inspection_mode=mode,
            risk_score=decision.score,
            conformity=Conformity.CONFORM,
            decided_at=timezone.now(),
        )
        _update_compliance(declaration, conform=True, params=params)
        if not holds.reasons(declaration.number):  # a held declaration waits, conform, for its hold
            _release(actor, declaration, electronic=True)
        return decision
    _move(actor, declaration, "assess", MODE_STATUS[mode], inspection_mode=mode, risk_score=decision.score)
    order = InspectionOrder.objects.create(
        declaration=declaration, kind=mode, port=declaration.port, status_changed_at=timezone.now()
    )
    audit.record_change(
        actor=actor,
        action="declarations.inspection_order_created",
        obj=order,
        before=None,
    )
    return decision


def _decide(actor: Any, declaration: Declaration, conformity: str, reasons: str, disposal: str) -> None:
    to = DeclarationStatus.CONFORM if conformity == Conformity.CONFORM else DeclarationStatus.REJECTED
    _move(
        actor,
        declaration,
        "decide",
        to,
        reason=reasons,
        conformity=conformity,
        disposal=disposal,
        decision_reasons=reasons,
        decided_at=timezone.now(),
    )
    _update_compliance(declaration, conform=conformity == Conformity.CONFORM)
    if conformity == Conformity.NOT_CONFORM:
        _maybe_propose_downgrade(declaration)


NEXT_CLASS = {"A": "B", "B": "C", "C": "D"}


def _maybe_propose_downgrade(declaration: Declaration) -> None:
    """Feed non-conformities back into the enterprise's class: propose a one-class downgrade
    (approved by a person, like any reclassification) when the rolling rate is too high."""
    params = RuleParams.model_validate(active_rule_set().params)
    enterprise = declaration.enterprise
    target = NEXT_CLASS.get(enterprise.classification)
    if target is None:
        return
    since = timezone.now() - dt.timedelta(days=params.history_window_days)
    counts = dict(
        Declaration.objects.filter(enterprise_id=enterprise.pk, decided_at__gte=since)
        .values_list("conformity")
        .annotate(n=Count("id"))
    )
    batches, failed = sum(counts.values()), counts.get(Conformity.NOT_CONFORM, 0)
    if batches < params.downgrade_min_batches or 100.0 * failed / batches <= params.downgrade_rate_percent:
        return
    reason = _(
        "%(failed)s of %(batches)s batches decided in the last %(days)s days did not conform "
        "(more than %(limit)s%%); latest: %(number)s."
    ) % {
        "failed": failed,
        "batches": batches,
        "days": params.history_window_days,
        "limit": params.downgrade_rate_percent,
        "number": declaration.number,
    }
    with contextlib.suppress(ConflictError):  # a proposal is already waiting for a decision
        enterprise_reclassify_propose(
            actor=system_actor(), enterprise_id=enterprise.pk, to_class=target, reason=reason
        )


def _update_compliance(declaration: Declaration, *, conform: bool, params: RuleParams | None = None) -> None:
    params = params or RuleParams.model_validate(active_rule_set().params)
    now = timezone.now()
    lines = list(declaration.lines.all())
    month = timezone.localdate().replace(day=1)
    for product_id in sorted({line.product_id for line in lines}):
        _tally(declaration.enterprise_id, product_id, month, conform)
    for heading in sorted({line.hs_code[:4] for line in lines}):
        state, _created = ComplianceState.objects.select_for_update().get_or_create(
            enterprise_id=declaration.enterprise_id,
            hs_heading=heading,
            defaults={"level": ControlLevel.NORMAL, "changed_at": now},
        )
        level, consecutive, failures = next_control_level(
            state.level, state.consecutive_conform, state.failures, conform, params
        )
        if level != state.level:
            state.changed_at = now
        state.level, state.consecutive_conform, state.failures = level, consecutive, failures
        state.save()


def _tally(enterprise_id: int, product_id: int, month: dt.date, conform: bool) -> None:
    bump = {"batches": F("batches") + 1, "nonconform": F("nonconform") + (0 if conform else 1)}
    match = ComplianceTally.objects.filter(enterprise_id=enterprise_id, product_id=product_id, month=month)
    if match.update(**bump):
        return
    try:
        with transaction.atomic():
            ComplianceTally.objects.create(
                enterprise_id=enterprise_id,
                product_id=product_id,
                month=month,
                batches=1,
                nonconform=int(not conform),
            )
    except IntegrityError:  # created by a concurrent decision in between
        match.update(**bump)


def _release(actor: Any, declaration: Declaration, *, electronic: bool) -> ReleaseRecord:
    held = holds.reasons(declaration.number)
    if held:
        raise TransitionNotAllowed(
            _("The declaration is held and cannot be released: %(reasons)s") % {"reasons": "; ".join(held)}
        )
    _move(actor, declaration, "release", DeclarationStatus.RELEASED)
    record = ReleaseRecord.objects.create(
        declaration=declaration,
        number=f"R{declaration.number}",
        released_at=timezone.now(),
        released_by=actor,
        electronic=electronic,
    )
    if declaration.certificate_kind:
        from openciq.declarations.certificates import issue_for_release

        issue_for_release(actor=actor, declaration=declaration)
    return record


def risk_replay(decision: RiskDecision) -> dict[str, Any]:
    """Evaluate the stored inputs again under the stored rule version and draw: the same
    outcome proves the decision is explained by what is shown."""
    outcome = evaluate(RiskInputs.from_dict(decision.inputs), decision.rule_set.params, decision.draw)
    return {
        "score": outcome.score,
        "mode": outcome.mode,
        "matches": outcome.score == decision.score
        and outcome.mode == decision.mode
        and outcome.factors_json() == decision.factors,
    }


@audit.audited
def risk_rule_set_create(*, actor: Any, params: dict[str, Any], note: str = "") -> RiskRuleSet:
    """A new draft version of the rules. Permission ``add_riskruleset``."""
    _require(actor, "declarations.add_riskruleset")
    _validate_params(params)
    last = RiskRuleSet.objects.order_by("-version").values_list("version", flat=True).first() or 0
    rules = RiskRuleSet.objects.create(version=last + 1, params=params, note=note.strip())
    audit.record_change(
        actor=actor,
        action="declarations.risk_rule_set_created",
        obj=rules,
        before=None,
    )
    return rules


@audit.audited
def risk_rule_set_update(
    *, actor: Any, rule_set_id: int, params: dict[str, Any], note: str = ""
) -> RiskRuleSet:
    """Change a draft version (active and retired versions never change).
    Permission ``change_riskruleset``."""
    _require(actor, "declarations.change_riskruleset")
    rules: RiskRuleSet | None = RiskRuleSet.objects.select_for_update().filter(pk=rule_set_id).first()
    if rules is None:
        raise NotFoundError(_("Not found."))
    if rules.status != RuleSetStatus.DRAFT:
        raise TransitionNotAllowed(
            _("Version %(v)s is %(state)s; only drafts can be changed. Make a new version instead.")
            % {"v": rules.version, "state": rules.get_status_display()},
            fields={"status": [rules.status]},
        )
    _validate_params(params)
    before = audit.snapshot(rules)
    rules.params, rules.note = params, note.strip()
    rules.save()
    audit.record_change(actor=actor, action="declarations.risk_rule_set_updated", obj=rules, before=before)
    return rules


@audit.audited
def risk_rule_set_activate(*, actor: Any, rule_set_id: int) -> RiskRuleSet:
    """Draft → active; the previously active version is retired. Decisions from now on use it.
    Permission ``activate_riskruleset``."""
    _require(actor, "declarations.activate_riskruleset")
    rules: RiskRuleSet | None = RiskRuleSet.objects.select_for_update().filter(pk=rule_set_id).first()
    if rules is None:
        raise NotFoundError(_("Not found."))
    if rules.status != RuleSetStatus.DRAFT:
        raise TransitionNotAllowed(
            _("Version %(v)s is %(state)s; only a draft can be activated.")
            % {"v": rules.version, "state": rules.get_status_display()},
            fields={"status": [rules.status]},
        )
    for previous in RiskRuleSet.objects.select_for_update().filter(status=RuleSetStatus.ACTIVE):
        _set_status(actor, previous, RuleSetStatus.RETIRED, "declarations.risk_rule_set_retired")
    before = audit.snapshot(rules)
    rules.status, rules.activated_at = RuleSetStatus.ACTIVE, timezone.now()
    rules.save()
    audit.record_change(actor=actor, action="declarations.risk_rule_set_activated", obj=rules, before=before)
    return rules


def _validate_params(params: Any) -> None:
    try:
        RuleParams.model_validate(params)
    except ValueError as exc:
        raise ValidationFailed(_("The rules are not valid."), fields={"params": [str(exc)]}) from exc


@audit.audited
def risk_signal_open(
    *,
    actor: Any,
    source: str,
    reference: str,
    title: str,
    points: int,
    enterprise_id: int | None = None,
    hs_prefix: str = "",
    destination_id: int | None = None,
) -> RiskSignal:
    """Raise the risk of matching declarations (by enterprise, HS prefix, destination) until
    closed. The interface the early-warning subsystem feeds; a repeated ``(source, reference)``
    updates the open signal. Permission ``add_risksignal``."""
    _require(actor, "declarations.add_risksignal")
    if not 0 < points <= 100:
        raise ValidationFailed(
            _("The signal was not recorded."), fields={"points": [_("Give 1 to 100 points.")]}
        )
    signal: RiskSignal
    signal, created = RiskSignal.objects.select_for_update().get_or_create(
        source=source,
        reference=reference,
        defaults={"title": title, "points": points, "opened_at": timezone.now()},
    )
    before = None if created else audit.snapshot(signal)
    signal.title, signal.points, signal.closed_at = title, points, None
    signal.enterprise_id, signal.hs_prefix, signal.destination_id = enterprise_id, hs_prefix, destination_id
    signal.save()
    audit.record_change(actor=actor, action="declarations.risk_signal_opened", obj=signal, before=before)
    return signal


@audit.audited
def risk_signal_close(*, actor: Any, source: str, reference: str) -> RiskSignal:
    """Close an open signal. Permission ``change_risksignal``."""
    _require(actor, "declarations.change_risksignal")
    signal: RiskSignal | None = (
        RiskSignal.objects.select_for_update().filter(source=source, reference=reference).first()
    )
    if signal is None:
        raise NotFoundError(_("Not found."))
    before = audit.snapshot(signal)
    signal.closed_at = timezone.now()
    signal.save()
    audit.record_change(actor=actor, action="declarations.risk_signal_closed", obj=signal, before=before)
    return signal


# --- Inspection work --------------------------------------------------------------------------


def _lock_order(actor: Any, order_id: int) -> InspectionOrder:
    _require(actor, "declarations.work_inspectionorder")
    if not InspectionOrder.objects.in_scope(actor).filter(pk=order_id).exists():
        raise NotFoundError(_("Not found."))
    order: InspectionOrder = (
        InspectionOrder.objects.select_for_update().select_related("declaration").get(pk=order_id)
    )
    return order


def _order_state(order: InspectionOrder, allowed: set[str]) -> None:
    if order.status not in allowed:
        raise TransitionNotAllowed(
            _("This inspection order is %(state)s.") % {"state": order.get_status_display()},
            fields={"status": [order.status]},
        )


def _save_order(
    actor: Any, order: InspectionOrder, action: str, before: dict[str, Any], **changes: Any
) -> None:
    for name, value in changes.items():
        setattr(order, name, value)
    if "status" in changes:
        order.status_changed_at = timezone.now()
    order.save()
    audit.record_change(actor=actor, action=action, obj=order, before=before)


@audit.audited
def order_assign(*, actor: Any, order_id: int, inspector_id: int) -> InspectionOrder:
    """Give an open or started order to an inspector who may work orders at its port.
    Permission ``work_inspectionorder``. Audit ``declarations.inspection_order_assigned``."""
    order = _lock_order(actor, order_id)
    _order_state(order, {OrderStatus.OPEN, OrderStatus.IN_PROGRESS})
    inspector = inspectors_for(order).filter(pk=inspector_id).first()
    if inspector is None:
        raise ValidationFailed(
            _("The order was not assigned."),
            fields={"inspector": [_("Choose an inspector who works at this port.")]},
        )
    _save_order(
        actor, order, "declarations.inspection_order_assigned", audit.snapshot(order), assigned_to=inspector
    )
    return order


def inspectors_for(order: InspectionOrder) -> QuerySet[Any]:
    """Active users who may work orders and whose area covers the order's port (their org
    unit is the port's or one above it)."""
    from openciq.accounts.models import User

    path = order.port.org_unit.path
    covering = [path[: i + 1] for i, char in enumerate(path) if char == "/" and i > 0]
    may_work = Q(groups__permissions__codename="work_inspectionorder") | Q(
        user_permissions__codename="work_inspectionorder"
    )
    users: QuerySet[Any] = (
        User.objects.filter(may_work, is_active=True, org_unit__path__in=covering)
        .select_related("org_unit")
        .distinct()
        .order_by("username")
    )
    return users


@audit.audited
def order_start(*, actor: Any, order_id: int) -> InspectionOrder:
    """open → in progress; an unassigned order goes to the actor. Audit ``…_started``."""
    order = _lock_order(actor, order_id)
    _order_state(order, {OrderStatus.OPEN})
    _save_order(
        actor,
        order,
        "declarations.inspection_order_started",
        audit.snapshot(order),
        status=OrderStatus.IN_PROGRESS,
        assigned_to=order.assigned_to or actor,
    )
    return order


@audit.audited
def order_record(
    *, actor: Any, order_id: int, checklist: Sequence[Mapping[str, Any]], findings: str = ""
) -> InspectionOrder:
    """Record the checklist (item, result ok/not_ok/na, note) and findings of a started order.
    Audit ``declarations.inspection_order_recorded``."""
    order = _lock_order(actor, order_id)
    _order_state(order, {OrderStatus.IN_PROGRESS})
    items, errors = [], {}
    for index, raw in enumerate(checklist):
        form = ChecklistItemForm(data=dict(raw))
        if form.is_valid():
            items.append(form.cleaned_data)
        else:
            errors.update({f"checklist[{index}].{k}": [str(m) for m in v] for k, v in form.errors.items()})
    if errors:
        raise ValidationFailed(_("The inspection record was not saved."), fields=errors)
    _save_order(
        actor,
        order,
        "declarations.inspection_order_recorded",
        audit.snapshot(order),
        checklist=items,
        findings=findings.strip(),
    )
    return order


@audit.audited
def order_photo_add(*, actor: Any, order_id: int, image: Any, caption: str = "") -> InspectionPhoto:
    """Attach a photo to a started order. Audit ``declarations.inspection_photo_added``."""
    order = _lock_order(actor, order_id)
    _order_state(order, {OrderStatus.IN_PROGRESS})
    photo = InspectionPhoto.objects.create(order=order, image=image, caption=caption.strip())
    audit.record_change(
        actor=actor,
        action="declarations.inspection_photo_added",
        obj=photo,
        before=None,
    )
    return photo


@audit.audited
def order_complete(*, actor: Any, order_id: int, result: str, findings: str = "") -> InspectionOrder:
    """in progress → done with a result. A sampling order needs every sample's result first;
    a not-conform result needs findings. Audit ``declarations.inspection_order_completed``."""
    order = _lock_order(actor, order_id)
    _order_state(order, {OrderStatus.IN_PROGRESS})
    errors: dict[str, list[str]] = {}
    if result not in Conformity.values:
        errors["result"] = [_("Choose conform or not conform.")]
    findings = findings.strip() or order.findings
    if result == Conformity.NOT_CONFORM and not findings:
        errors["findings"] = [_("Describe what does not conform.")]
    if order.kind == InspectionMode.SAMPLING:
        samples = order.sample_requests.exclude(status=SampleStatus.CANCELLED)
        if not samples.exists():
            errors["samples"] = [
                _("Request at least one laboratory test before completing a sampling order.")
            ]
        elif samples.exclude(status=SampleStatus.REPORTED).exists():
            errors["samples"] = [_("Wait for every laboratory result before completing the order.")]
    if errors:
        raise ValidationFailed(_("The order was not completed."), fields=errors)
    _save_order(
        actor,
        order,
        "declarations.inspection_order_completed",
        audit.snapshot(order),
        status=OrderStatus.DONE,
        result=result,
        findings=findings,
        completed_at=timezone.now(),
    )
    return order


# --- Sampling ---------------------------------------------------------------------------------


@audit.audited
def sample_request_create(
    *,
    actor: Any,
    order_id: int,
    laboratory_id: int,
    sample_description: str,
    tests: str,
    line_id: int | None = None,
) -> SampleRequest:
    """Ask a laboratory to test a sample drawn under a started sampling order; the registered
    sample-request handler passes it on. Audit ``declarations.sample_request_created``."""
    order = _lock_order(actor, order_id)
    _order_state(order, {OrderStatus.IN_PROGRESS})
    errors: dict[str, list[str]] = {}
    if order.kind != InspectionMode.SAMPLING:
        errors["order"] = [_("Only sampling orders take laboratory samples.")]
    laboratory: OrgUnit | None = OrgUnit.objects.filter(
        pk=laboratory_id, kind="laboratory", is_active=True
    ).first()
    if laboratory is None:
        errors["laboratory"] = [_("Choose one of the bureau's laboratories.")]
    if not sample_description.strip():
        errors["sample_description"] = [_("This field is required.")]
    if not tests.strip():
        errors["tests"] = [_("This field is required.")]
    if line_id is not None and not order.declaration.lines.filter(pk=line_id).exists():
        errors["line"] = [_("This line is not part of the declaration.")]
    if errors or laboratory is None:
        raise ValidationFailed(_("The sample request was not created."), fields=errors)
    request = SampleRequest.objects.create(
        declaration=order.declaration,
        order=order,
        line_id=line_id,
        laboratory=laboratory,
        sample_description=sample_description.strip(),
        tests=tests.strip(),
    )
    request.external_ref = sampling.handler().submit(actor=actor, request=request)
    request.save(update_fields=["external_ref", "updated_at"])
    audit.record_change(
        actor=actor,
        action="declarations.sample_request_created",
        obj=request,
        before=None,
    )
    return request


def _lock_sample_request(actor: Any, sample_request_id: int) -> SampleRequest:
    if (
        not is_system_actor(actor)
        and not SampleRequest.objects.in_scope(actor).filter(pk=sample_request_id).exists()
    ):
        raise NotFoundError(_("Not found."))
    request: SampleRequest | None = (
        SampleRequest.objects.select_for_update().filter(pk=sample_request_id).first()
    )
    if request is None:
        raise NotFoundError(_("Not found."))
    return request


@audit.audited
def sample_request_receive(*, actor: Any, sample_request_id: int, external_ref: str) -> SampleRequest:
    """requested → received: the laboratory has the sample (its reference is ``external_ref``).
    Permission ``record_result_samplerequest``. Audit ``declarations.sample_request_received``."""
    _require(actor, "declarations.record_result_samplerequest")
    request = _lock_sample_request(actor, sample_request_id)
    if request.status != SampleStatus.REQUESTED:
        raise TransitionNotAllowed(
            _("This sample request is %(state)s.") % {"state": request.get_status_display()},
            fields={"status": [request.status]},
        )
    before = audit.snapshot(request)
    request.status = SampleStatus.RECEIVED
    request.external_ref = external_ref.strip() or request.external_ref
    request.save()
    audit.record_change(
        actor=actor, action="declarations.sample_request_received", obj=request, before=before
    )
    return request


@audit.audited
def sample_result_record(
    *, actor: Any, sample_request_id: int, result: str, result_summary: str, external_ref: str = ""
) -> SampleRequest:
    """The laboratory's result for a sample request: from the laboratory subsystem, or typed in
    by the inspector from the laboratory's report. A reported result may be recorded again when
    the laboratory amends its report (the audit keeps both). Permission
    ``record_result_samplerequest``. Audit ``declarations.sample_result_recorded``."""
    _require(actor, "declarations.record_result_samplerequest")
    request = _lock_sample_request(actor, sample_request_id)
    if request.status == SampleStatus.CANCELLED:
        raise TransitionNotAllowed(
            _("This sample request is %(state)s.") % {"state": request.get_status_display()},
            fields={"status": [request.status]},
        )
    errors: dict[str, list[str]] = {}
    if result not in SampleResult.values:
        errors["result"] = [_("Choose conform, not conform or inconclusive.")]
    if not result_summary.strip():
        errors["result_summary"] = [_("Summarise the laboratory's findings.")]
    if errors:
        raise ValidationFailed(_("The result was not recorded."), fields=errors)
    before = audit.snapshot(request)
    request.status, request.result = SampleStatus.REPORTED, result
    request.result_summary, request.reported_at = result_summary.strip(), timezone.now()
    request.external_ref = external_ref.strip() or request.external_ref
    request.save()
    audit.record_change(actor=actor, action="declarations.sample_result_recorded", obj=request, before=before)
    return request
