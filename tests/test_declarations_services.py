"""Declaration services: drafts, the life cycle, risk decisions, inspection work, sampling."""

from __future__ import annotations

import re
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from openciq.accounts.models import OrgUnit
from openciq.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    TransitionNotAllowed,
    ValidationFailed,
)
from openciq.core.models import AuditEvent
from openciq.declarations import services
from openciq.declarations.models import (
    ComplianceState,
    Declaration,
    DeclarationLine,
    InspectionOrder,
    RiskDecision,
    RiskRuleSet,
)
from openciq.declarations.risk import DEFAULT_PARAMS
from tests import personas
from tests.declaration_fixtures import World, force_draw, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> World:
    return world("C")


def actions_of(declaration: Declaration) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            object_id=str(declaration.pk), action__startswith="declarations.declaration_"
        )
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- Drafts ------------------------------------------------------------------------------------


def test_a_draft_gets_a_branch_and_year_number_and_totals(w: World) -> None:
    declaration = services.declaration_create(
        actor=w.enterprise_user,
        header=w.header(),
        lines=[w.line(), w.line(value_usd="500", net_weight_kg="300")],
    )
    assert re.fullmatch(r"GZ\d{4}E\d{7}", declaration.number)
    assert declaration.status == "draft"
    assert declaration.org_unit.code == "GZ"
    declaration.refresh_from_db()
    assert declaration.total_value_usd == Decimal("2000.00")
    assert declaration.total_net_weight_kg == Decimal("1500.000")
    assert list(declaration.lines.values_list("line_no", "hs_code")) == [(1, "070490"), (2, "070490")]
    assert actions_of(declaration) == ["declarations.declaration_created"]
    second = w.draft()
    assert int(second.number[-7:]) == int(declaration.number[-7:]) + 1


@pytest.mark.parametrize(
    ("header", "line", "field"),
    [
        ({"containers": ["CSQU3054384"]}, {}, "containers"),
        ({"containers": ["NOT-A-BOX"]}, {}, "containers"),
        ({"transport_mode": "9"}, {}, "transport_mode"),
        ({}, {"hs_code": "07049"}, "lines[0].hs_code"),
        ({}, {"hs_code": "0809100000"}, "lines[0].hs_code"),
        ({}, {"quantity": "0"}, "lines[0].quantity"),
        ({}, {"quantity": "many"}, "lines[0].quantity"),
        ({}, {"unit": "bags"}, "lines[0].unit"),
        ({}, {"origin_premises": ""}, "lines[0].origin_premises"),
        ({"planned_shipment_date": "tomorrow"}, {}, "planned_shipment_date"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    w: World, header: dict[str, Any], line: dict[str, Any], field: str
) -> None:
    before = (Declaration.objects.count(), DeclarationLine.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed) as caught:
        services.declaration_create(
            actor=w.enterprise_user, header=w.header(**header), lines=[w.line(**line)]
        )
    assert field in caught.value.fields
    assert (
        Declaration.objects.count(),
        DeclarationLine.objects.count(),
        AuditEvent.objects.count(),
    ) == before


def test_a_machine_part_needs_no_origin_premises(w: World) -> None:
    declaration = services.declaration_create(
        actor=w.enterprise_user,
        header=w.header(),
        lines=[w.line(product=w.machine_part.pk, origin_premises="", description="阀门")],
    )
    assert declaration.lines.get().origin_premises is None


def test_a_declaration_without_lines_is_refused(w: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.declaration_create(actor=w.enterprise_user, header=w.header(), lines=[])
    assert "lines" in caught.value.fields


def test_an_enterprise_user_cannot_declare_for_another_enterprise(w: World) -> None:
    from tests import factories as f

    other = f.EnterpriseFactory()
    with pytest.raises(ValidationFailed) as caught:
        services.declaration_create(
            actor=w.enterprise_user, header=w.header(enterprise=other.pk), lines=[w.line()]
        )
    assert "enterprise" in caught.value.fields


def test_a_user_without_the_permission_cannot_declare(w: World) -> None:
    with pytest.raises(PermissionDeniedError):
        services.declaration_create(actor=personas.nobody(), header=w.header(), lines=[w.line()])


def test_only_drafts_and_returned_declarations_can_be_edited(w: World, monkeypatch: Any) -> None:
    declaration = w.draft()
    services.declaration_update(
        actor=w.enterprise_user,
        declaration_id=declaration.pk,
        header=w.header(contract_ref="C-2"),
        lines=[w.line()],
    )
    assert Declaration.objects.get(pk=declaration.pk).contract_ref == "C-2"
    services.declaration_submit(actor=w.enterprise_user, declaration_id=declaration.pk)
    with pytest.raises(TransitionNotAllowed) as caught:
        services.declaration_update(
            actor=w.enterprise_user,
            declaration_id=declaration.pk,
            header=w.header(contract_ref="C-3"),
            lines=[w.line()],
        )
    assert caught.value.fields == {"status": ["submitted"]}
    assert Declaration.objects.get(pk=declaration.pk).contract_ref == "C-2"


def test_out_of_scope_declarations_are_not_found(w: World) -> None:
    declaration = w.draft()
    with pytest.raises(NotFoundError):
        services.declaration_submit(actor=personas.inspector_sz(), declaration_id=declaration.pk)


# --- The life cycle ---------------------------------------------------------------------------


def test_a_class_a_enterprise_is_released_electronically_at_once(monkeypatch: Any) -> None:
    w = world("A")
    force_draw(monkeypatch, 0.999)
    declaration = w.draft()
    services.declaration_submit(actor=w.enterprise_user, declaration_id=declaration.pk)
    declaration.refresh_from_db()
    assert declaration.status == "released"
    assert declaration.inspection_mode == "release"
    assert declaration.conformity == "conform"
    assert declaration.release_record.electronic is True
    assert declaration.release_record.number == f"R{declaration.number}"
    assert list(declaration.steps.values_list("verb", "to_status")) == [
        ("submit", "submitted"),
        ("accept", "accepted"),
        ("assess", "conform"),
        ("release", "released"),
    ]
    assert actions_of(declaration) == [
        "declarations.declaration_created",
        "declarations.declaration_submitted",
        "declarations.declaration_accepted",
        "declarations.declaration_assessed",
        "declarations.declaration_released",
    ]
    # the phytosanitary certificate it asked for is issued with the release
    assert declaration.certificates.get().kind == "phytosanitary"


def test_a_class_c_declaration_waits_for_acceptance_then_is_routed_by_risk(
    w: World, monkeypatch: Any
) -> None:
    force_draw(monkeypatch, 0.0)
    declaration = w.draft()
    services.declaration_submit(actor=w.enterprise_user, declaration_id=declaration.pk)
    assert Declaration.objects.get(pk=declaration.pk).status == "submitted"
    services.declaration_accept(actor=w.inspector, declaration_id=declaration.pk)
    declaration.refresh_from_db()
    assert declaration.status == "sampling"
    decision = RiskDecision.objects.get(declaration=declaration)
    assert decision.mode == "sampling"
    assert decision.draw == 0.0
    assert decision.rule_set.version == 1
    assert {f["key"] for f in decision.factors} == {
        "enterprise_class",
        "product_risk",
        "history",
        "signals",
        "destination",
    }
    assert sum(f["points"] for f in decision.factors) == decision.score == declaration.risk_score
    assert services.risk_replay(decision)["matches"] is True
    order = InspectionOrder.objects.get(declaration=declaration)
    assert (order.kind, order.status, order.port_id) == ("sampling", "open", w.port.pk)


def test_returning_needs_a_reason_and_the_corrected_declaration_can_be_resubmitted(w: World) -> None:
    declaration = w.draft()
    services.declaration_submit(actor=w.enterprise_user, declaration_id=declaration.pk)
    with pytest.raises(ValidationFailed) as caught:
        services.declaration_return(actor=w.inspector, declaration_id=declaration.pk, reason="  ")
    assert "reason" in caught.value.fields
    services.declaration_return(actor=w.inspector, declaration_id=declaration.pk, reason="发票号与合同不符")
    assert declaration.steps.last().reason == "发票号与合同不符"
    services.declaration_update(
        actor=w.enterprise_user,
        declaration_id=declaration.pk,
        header=w.header(invoice_ref="INV-002"),
        lines=[w.line()],
    )
    services.declaration_submit(actor=w.enterprise_user, declaration_id=declaration.pk)
    assert Declaration.objects.get(pk=declaration.pk).status == "submitted"


def test_the_full_inspection_and_sampling_path_ends_in_release(w: World, monkeypatch: Any) -> None:
    force_draw(monkeypatch, 0.0)
    declaration = w.draft()
    services.declaration_submit(actor=w.enterprise_user, declaration_id=declaration.pk)
    services.declaration_accept(actor=w.inspector, declaration_id=declaration.pk)
    order = InspectionOrder.objects.get(declaration=declaration)
    with pytest.raises(ConflictError):
        services.declaration_decide(actor=w.inspector, declaration_id=declaration.pk, conformity="conform")
    services.order_start(actor=w.inspector, order_id=order.pk)
    services.order_record(
        actor=w.inspector,
        order_id=order.pk,
        checklist=[{"item": "包装完好", "result": "ok", "note": ""}],
        findings="货证相符",
    )
    with pytest.raises(ValidationFailed) as caught:
        services.order_complete(actor=w.inspector, order_id=order.pk, result="conform")
    assert "samples" in caught.value.fields
    lab = OrgUnit.objects.get(code="LAB-FOOD")
    sample = services.sample_request_create(
        actor=w.inspector,
        order_id=order.pk,
        laboratory_id=lab.pk,
        sample_description="菜心 2 kg",
        tests="农药残留",
    )
    assert sample.status == "requested"
    services.sample_result_record(
        actor=w.inspector,
        sample_request_id=sample.pk,
        result="conform",
        result_summary="未检出",
        external_ref="LAB-1",
    )
    services.order_complete(actor=w.inspector, order_id=order.pk, result="conform")
    services.declaration_decide(actor=w.inspector, declaration_id=declaration.pk, conformity="conform")
    record = services.declaration_release(actor=w.inspector, declaration_id=declaration.pk)
    declaration.refresh_from_db()
    assert declaration.status == "released"
    assert record.electronic is False
    state = ComplianceState.objects.get(enterprise=w.enterprise, hs_heading="0704")
    assert (state.level, state.consecutive_conform) == ("normal", 1)


def test_not_conform_needs_reasons_and_disposal_and_steps_up_the_controls(w: World, monkeypatch: Any) -> None:
    force_draw(monkeypatch, 0.05)
    declaration = w.draft()
    services.declaration_submit(actor=w.enterprise_user, declaration_id=declaration.pk)
    services.declaration_accept(actor=w.inspector, declaration_id=declaration.pk)
    declaration.refresh_from_db()
    order = declaration.orders.get()
    services.order_start(actor=w.inspector, order_id=order.pk)
    services.order_complete(actor=w.inspector, order_id=order.pk, result="not_conform", findings="发现虫害")
    with pytest.raises(ValidationFailed) as caught:
        services.declaration_decide(
            actor=w.inspector, declaration_id=declaration.pk, conformity="not_conform"
        )
    assert set(caught.value.fields) == {"reasons", "disposal"}
    services.declaration_decide(
        actor=w.inspector,
        declaration_id=declaration.pk,
        conformity="not_conform",
        reasons="虫害",
        disposal="destroy",
    )
    declaration.refresh_from_db()
    assert (declaration.status, declaration.disposal) == ("rejected", "destroy")
    assert ComplianceState.objects.get(enterprise=w.enterprise, hs_heading="0704").level == "intensified"
    # the next declaration of the same heading meets the intensified level
    force_draw(monkeypatch, 0.45)
    nxt = w.draft()
    services.declaration_submit(actor=w.enterprise_user, declaration_id=nxt.pk)
    services.declaration_accept(actor=w.inspector, declaration_id=nxt.pk)
    decision = RiskDecision.objects.get(declaration=nxt)
    assert decision.inputs["control_level"] == "intensified"
    assert decision.inputs["history_nonconform"] == 1
    assert decision.physical_rate >= 0.5
    assert decision.mode == "sampling"


def test_too_many_rejections_propose_a_downgrade_that_a_person_approves(w: World, monkeypatch: Any) -> None:
    from openciq.masterdata.models import EnterpriseClassChange
    from openciq.masterdata.services import enterprise_reclassify_decide

    force_draw(monkeypatch, 0.05)
    rules = services.active_rule_set()
    RiskRuleSet.objects.filter(pk=rules.pk).update(params={**rules.params, "downgrade_min_batches": 2})
    for _ in range(2):
        declaration = w.draft()
        services.declaration_submit(actor=w.enterprise_user, declaration_id=declaration.pk)
        services.declaration_accept(actor=w.inspector, declaration_id=declaration.pk)
        order = Declaration.objects.get(pk=declaration.pk).orders.get()
        services.order_start(actor=w.inspector, order_id=order.pk)
        if order.kind == "sampling":
            sample = services.sample_request_create(
                actor=w.inspector,
                order_id=order.pk,
                laboratory_id=OrgUnit.objects.get(code="LAB-FOOD").pk,
                sample_description="菜心",
                tests="农残",
            )
            services.sample_result_record(
                actor=w.inspector, sample_request_id=sample.pk, result="not_conform", result_summary="超标"
            )
        services.order_complete(actor=w.inspector, order_id=order.pk, result="not_conform", findings="虫害")
        services.declaration_decide(
            actor=w.inspector,
            declaration_id=declaration.pk,
            conformity="not_conform",
            reasons="虫害",
            disposal="destroy",
        )
    proposal = EnterpriseClassChange.objects.get(enterprise=w.enterprise)
    assert (proposal.status, proposal.from_class, proposal.to_class) == ("proposed", "C", "D")
    assert proposal.changed_by.username == "system"
    assert declaration.number in proposal.reason  # names the latest rejected batch
    enterprise_reclassify_decide(actor=personas.bureau_leader(), change_id=proposal.pk, approve=True)
    w.enterprise.refresh_from_db()
    assert w.enterprise.classification == "D"
    force_draw(monkeypatch, 0.7)
    nxt = w.draft()
    services.declaration_submit(actor=w.enterprise_user, declaration_id=nxt.pk)
    services.declaration_accept(actor=w.inspector, declaration_id=nxt.pk)
    decision = RiskDecision.objects.get(declaration=nxt)
    assert decision.inputs["enterprise_class"] == "D"
    assert decision.physical_rate >= 0.8


def test_an_open_risk_signal_raises_the_score_of_matching_declarations(w: World, monkeypatch: Any) -> None:
    force_draw(monkeypatch, 0.999)
    admin = personas.system_admin()
    services.risk_signal_open(
        actor=admin,
        source="alerts",
        reference="W-2026-0001",
        title="菜心农残超标",
        points=25,
        hs_prefix="0704",
    )
    declaration = w.draft()
    services.declaration_submit(actor=w.enterprise_user, declaration_id=declaration.pk)
    services.declaration_accept(actor=w.inspector, declaration_id=declaration.pk)
    factors = {f["key"]: f for f in RiskDecision.objects.get(declaration=declaration).factors}
    assert factors["signals"]["points"] == 25
    assert factors["signals"]["detail"]["signals"][0]["reference"] == "alerts:W-2026-0001"
    services.risk_signal_close(actor=admin, source="alerts", reference="W-2026-0001")
    later = w.draft()
    services.declaration_submit(actor=w.enterprise_user, declaration_id=later.pk)
    services.declaration_accept(actor=w.inspector, declaration_id=later.pk)
    assert {f["key"]: f["points"] for f in RiskDecision.objects.get(declaration=later).factors}[
        "signals"
    ] == 0


def test_a_new_rule_version_is_used_once_activated_and_old_decisions_keep_theirs(
    w: World, monkeypatch: Any
) -> None:
    force_draw(monkeypatch, 0.999)
    admin = personas.system_admin()
    first = w.draft()
    services.declaration_submit(actor=w.enterprise_user, declaration_id=first.pk)
    services.declaration_accept(actor=w.inspector, declaration_id=first.pk)
    stricter = {**DEFAULT_PARAMS, "class_points": {"A": 0, "B": 10, "C": 60, "D": 80}}
    draft = services.risk_rule_set_create(actor=admin, params=stricter, note="C stricter")
    assert draft.version == 2 and draft.status == "draft"
    services.risk_rule_set_activate(actor=admin, rule_set_id=draft.pk)
    assert RiskRuleSet.objects.get(version=1).status == "retired"
    with pytest.raises(TransitionNotAllowed):
        services.risk_rule_set_update(actor=admin, rule_set_id=draft.pk, params=DEFAULT_PARAMS)
    second = w.draft()
    services.declaration_submit(actor=w.enterprise_user, declaration_id=second.pk)
    services.declaration_accept(actor=w.inspector, declaration_id=second.pk)
    old, new = RiskDecision.objects.get(declaration=first), RiskDecision.objects.get(declaration=second)
    assert (old.rule_set.version, new.rule_set.version) == (1, 2)
    assert new.score > old.score
    assert services.risk_replay(old)["matches"] and services.risk_replay(new)["matches"]


def test_invalid_rules_are_refused_naming_params(w: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.risk_rule_set_create(actor=personas.system_admin(), params={"class_points": {}})
    assert "params" in caught.value.fields
    assert RiskRuleSet.objects.filter(version__gt=1).count() == 0


def test_enterprise_users_cannot_cancel_a_declaration_under_inspection(w: World, monkeypatch: Any) -> None:
    force_draw(monkeypatch, 0.05)
    declaration = w.draft()
    services.declaration_submit(actor=w.enterprise_user, declaration_id=declaration.pk)
    services.declaration_accept(actor=w.inspector, declaration_id=declaration.pk)
    with pytest.raises(TransitionNotAllowed):
        services.declaration_cancel(actor=w.enterprise_user, declaration_id=declaration.pk, reason="不发了")
    services.declaration_cancel(actor=w.inspector, declaration_id=declaration.pk, reason="企业申请撤销")
    declaration.refresh_from_db()
    assert declaration.status == "cancelled"
    assert declaration.orders.get().status == "cancelled"


# --- Every (state, verb) pair -----------------------------------------------------------------

STATES = [
    "draft",
    "submitted",
    "returned",
    "accepted",
    "document_review",
    "inspection",
    "sampling",
    "conform",
    "released",
    "rejected",
    "withdrawn",
    "cancelled",
]


def _call(verb: str, actor: Any, pk: int) -> None:
    kwargs: dict[str, Any] = {"actor": actor, "declaration_id": pk}
    if verb in {"return", "withdraw", "cancel"}:
        kwargs["reason"] = "测试"
    if verb == "decide":
        kwargs["conformity"] = "conform"
    getattr(services, f"declaration_{verb}")(**kwargs)


DISALLOWED = [
    (state, verb)
    for verb, (allowed_from, _to) in sorted(Declaration.transitions.items())
    for state in STATES
    if state not in allowed_from
]


def test_the_transition_table_allows_exactly_the_documented_pairs() -> None:
    allowed = {(s, v) for v, (frm, _to) in Declaration.transitions.items() for s in frm}
    assert len(allowed) + len(DISALLOWED) == len(STATES) * len(Declaration.transitions)
    assert ("conform", "release") in allowed and ("released", "release") not in allowed
    assert ("submitted", "accept") in allowed and ("draft", "accept") not in allowed


@pytest.mark.parametrize(("state", "verb"), DISALLOWED)
def test_every_disallowed_transition_is_refused_and_changes_nothing(w: World, state: str, verb: str) -> None:
    declaration, admin = w.draft(), personas.system_admin()
    Declaration.objects.filter(pk=declaration.pk).update(status=state)
    before = AuditEvent.objects.count()
    with pytest.raises(TransitionNotAllowed) as caught:
        _call(verb, admin, declaration.pk)
    assert caught.value.fields == {"status": [state]}
    assert Declaration.objects.get(pk=declaration.pk).status == state
    assert AuditEvent.objects.count() == before


# --- Concurrency ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_of_two_concurrent_acceptances_exactly_one_wins(clean_audit_log: None, monkeypatch: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks between two connections: runs in the PostgreSQL pass of the suite")
    w = world("C")
    force_draw(monkeypatch, 0.999)
    declaration = w.draft()
    services.declaration_submit(actor=w.enterprise_user, declaration_id=declaration.pk)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept() -> None:
        try:
            barrier.wait()
            services.declaration_accept(actor=w.inspector, declaration_id=declaration.pk)
            outcomes.append("won")
        except TransitionNotAllowed:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "won"]
    assert RiskDecision.objects.filter(declaration=declaration).count() == 1
    assert declaration.steps.filter(verb="accept").count() == 1
