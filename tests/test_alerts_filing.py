"""Food-packaging filings: the services, their transition table, permissions, scope, numbering
and audit (see openciq.alerts.services)."""

from __future__ import annotations

import datetime as dt
import re
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from openciq.alerts import selectors, services
from openciq.alerts.choices import FilingStatus, FilingVerb
from openciq.alerts.models import (
    FILING_TRANSITIONS,
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
from openciq.core.models import AuditEvent, Counter
from tests import factories as f
from tests import personas
from tests.alerts_factories import PackagingFilingFactory, application, gz_enterprise, member_of

pytestmark = pytest.mark.django_db

S, V = FilingStatus, FilingVerb

# The life cycle as the bureau describes it; the code's table must say exactly this.
EXPECTED_TABLE = {
    "submit": ({"draft"}, "submitted"),
    "review": ({"submitted"}, "under_review"),
    "approve": ({"submitted", "under_review"}, "approved"),
    "refuse": ({"submitted", "under_review"}, "refused"),
    "suspend": ({"approved"}, "suspended"),
    "reinstate": ({"suspended"}, "approved"),
    "revoke": ({"approved", "suspended"}, "revoked"),
    "withdraw": ({"draft", "submitted"}, "withdrawn"),
}
ACTIONS = {
    "submit": "alerts.filing_submitted",
    "review": "alerts.filing_review_started",
    "approve": "alerts.filing_approved",
    "refuse": "alerts.filing_refused",
    "suspend": "alerts.filing_suspended",
    "reinstate": "alerts.filing_reinstated",
    "revoke": "alerts.filing_revoked",
    "withdraw": "alerts.filing_withdrawn",
}
NAMED_SERVICES = {
    "submit": services.filing_submit,
    "review": services.filing_review_start,
    "approve": services.filing_approve,
    "refuse": services.filing_refuse,
    "suspend": services.filing_suspend,
    "reinstate": services.filing_reinstate,
    "revoke": services.filing_revoke,
    "withdraw": services.filing_withdraw,
}
PAIRS = [(status, verb) for status in S.values for verb in V.values]


def state(filing: PackagingFiling) -> tuple[Any, ...]:
    """Everything a refused request must leave as it was."""
    filing = PackagingFiling.objects.get(pk=filing.pk)
    return (
        audit.snapshot(filing),
        filing.updated_at,
        FilingTransition.objects.filter(filing=filing).count(),
        AuditEvent.objects.count(),
        list(Counter.objects.values_list("name", "value")),
    )


def test_transition_table_is_the_specified_life_cycle() -> None:
    actual = {verb: (set(src), dst) for verb, (src, dst) in FILING_TRANSITIONS.items()}
    assert actual == EXPECTED_TABLE
    assert PackagingFiling.transitions is FILING_TRANSITIONS
    assert services.ACTIONS == ACTIONS
    assert {v: s.__name__ for v, s in services.TRANSITION_SERVICES.items()} == {
        v: s.__name__ for v, s in NAMED_SERVICES.items()
    }


@pytest.mark.parametrize(("status", "verb"), PAIRS, ids=[f"{s}-{v}" for s, v in PAIRS])
def test_every_state_and_verb_pair_moves_or_is_refused_without_change(status: str, verb: str) -> None:
    admin = personas.system_admin()
    filing = PackagingFilingFactory(status=status)
    allowed_from, to_status = EXPECTED_TABLE[verb]
    reason = "整改不到位" if verb in ("refuse", "suspend", "revoke") else ""
    if status in allowed_from:
        events = AuditEvent.objects.count()
        moved = NAMED_SERVICES[verb](actor=admin, filing_id=filing.pk, reason=reason)
        assert moved.status == to_status
        assert PackagingFiling.objects.get(pk=filing.pk).status == to_status
        assert AuditEvent.objects.count() == events + 1
        event = AuditEvent.objects.order_by("-id").first()
        assert (event.action, event.actor_id, event.object_id) == (ACTIONS[verb], admin.pk, str(filing.pk))
        assert event.changes["status"] == {"before": status, "after": to_status}
        step = FilingTransition.objects.get(filing=filing)
        assert (step.verb, step.from_status, step.to_status, step.actor_id, step.reason) == (
            verb,
            status,
            to_status,
            admin.pk,
            reason,
        )
    else:
        before = state(filing)
        with pytest.raises(TransitionNotAllowed) as info:
            NAMED_SERVICES[verb](actor=admin, filing_id=filing.pk, reason=reason or "x")
        assert info.value.status == 409 and info.value.code == "transition_not_allowed"
        assert info.value.fields == {"status": [status]}
        assert str(S(status).label) in info.value.message
        assert state(filing) == before


def test_the_whole_flow_from_application_to_certificate_number() -> None:
    enterprise = gz_enterprise()
    applicant = member_of(enterprise)
    inspector = personas.inspector_gz()
    filing = services.filing_create(actor=applicant, **application(enterprise))
    assert (filing.status, filing.org_unit.code, filing.number) == ("draft", "GZ", None)
    assert filing.categories == ["plastic", "paper"]  # canonical order
    services.filing_submit(actor=applicant, filing_id=filing.pk)
    services.filing_review_start(actor=inspector, filing_id=filing.pk)
    approved = services.filing_approve(actor=inspector, filing_id=filing.pk, reason="材料齐全")
    today = timezone.localdate()
    assert approved.number == f"GZ-FCM-{today.year}-0001"
    assert approved.valid_until == add_years(today, 3)
    assert approved.decided_by == inspector and approved.applied_at is not None
    steps = list(selectors.filing_steps(filing=approved).values_list("verb", "from_status", "to_status"))
    assert steps == [
        ("", "", "draft"),
        ("submit", "draft", "submitted"),
        ("review", "submitted", "under_review"),
        ("approve", "under_review", "approved"),
    ]
    actions = list(
        AuditEvent.objects.filter(object_id=str(filing.pk), action__startswith="alerts.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "alerts.filing_created",
        "alerts.filing_submitted",
        "alerts.filing_review_started",
        "alerts.filing_approved",
    ]
    event = AuditEvent.objects.order_by("-id").first()
    assert event.changes["number"] == {"before": None, "after": approved.number}
    assert event.changes["reason"] == {"before": None, "after": "材料齐全"}


def test_refusal_keeps_its_reasons_and_suspension_keeps_the_number() -> None:
    admin = personas.system_admin()
    refused = services.filing_refuse(
        actor=admin, filing_id=PackagingFilingFactory(status="submitted").pk, reason="  原料证明不全 "
    )
    assert (refused.refusal_reasons, refused.number, refused.decided_by) == ("原料证明不全", None, admin)
    approved = PackagingFilingFactory(status="approved", valid_until=dt.date(2029, 1, 1))
    suspended = services.filing_suspend(actor=admin, filing_id=approved.pk, reason="抽检不合格")
    reinstated = services.filing_reinstate(actor=admin, filing_id=approved.pk)
    assert suspended.number == reinstated.number == approved.number
    assert reinstated.valid_until == dt.date(2029, 1, 1)


def test_numbers_count_per_branch_and_year_and_never_repeat() -> None:
    admin = personas.system_admin()
    year = timezone.localdate().year
    gz = [PackagingFilingFactory(status="submitted") for _ in range(3)]
    sz = PackagingFilingFactory(status="submitted", enterprise=gz_enterprise(org_unit=f.unit("SZ")))
    numbers = [services.filing_approve(actor=admin, filing_id=x.pk).number for x in [*gz, sz]]
    assert numbers == [
        f"GZ-FCM-{year}-0001",
        f"GZ-FCM-{year}-0002",
        f"GZ-FCM-{year}-0003",
        f"SZ-FCM-{year}-0001",
    ]
    assert all(re.fullmatch(r"[A-Z]{2,3}-FCM-\d{4}-\d{4}", n) for n in numbers)
    counters = dict(Counter.objects.filter(name__startswith="filing:").values_list("name", "value"))
    assert counters == {f"filing:GZ:{year}": 3, f"filing:SZ:{year}": 1}


def test_number_counter_starts_again_each_year() -> None:
    personas.org_tree()
    gz = f.unit("GZ")
    with audit.scope(), transaction.atomic():
        first_2025 = next_filing_number(org_unit=gz, year=2025)
        second_2025 = next_filing_number(org_unit=gz, year=2025)
        first_2026 = next_filing_number(org_unit=gz, year=2026)
        audit.record(actor=personas.system_admin(), action="tests.numbers_taken")
    assert (first_2025, second_2025, first_2026) == (
        "GZ-FCM-2025-0001",
        "GZ-FCM-2025-0002",
        "GZ-FCM-2026-0001",
    )
    counters = dict(Counter.objects.filter(name__startswith="filing:").values_list("name", "value"))
    assert counters == {"filing:GZ:2025": 2, "filing:GZ:2026": 1}


@pytest.mark.parametrize("verb", ["refuse", "suspend", "revoke"])
def test_missing_reason_names_the_field_and_changes_nothing(verb: str) -> None:
    admin = personas.system_admin()
    start = "submitted" if verb == "refuse" else "approved"
    filing = PackagingFilingFactory(status=start)
    before = state(filing)
    with pytest.raises(ValidationFailed) as info:
        NAMED_SERVICES[verb](actor=admin, filing_id=filing.pk, reason="   ")
    assert list(info.value.fields) == ["reason"]
    assert state(filing) == before


@pytest.mark.parametrize(
    ("persona", "verb", "start"),
    [
        ("lab_analyst", "approve", "submitted"),
        ("enterprise_user", "approve", "submitted"),
        ("enterprise_user", "review", "submitted"),
        ("inspector_gz", "submit", "draft"),
        ("inspector_gz", "withdraw", "submitted"),
        ("bureau_leader", "revoke", "approved"),
    ],
)
def test_wrong_role_is_refused_and_nothing_changes(persona: str, verb: str, start: str) -> None:
    actor = getattr(personas, persona)()
    filing = PackagingFilingFactory(status=start)
    if persona == "enterprise_user":
        f.MembershipFactory(user=actor, enterprise=filing.enterprise)
    before = state(filing)
    with pytest.raises(PermissionDeniedError):
        NAMED_SERVICES[verb](actor=actor, filing_id=filing.pk, reason="x")
    assert state(filing) == before


def test_out_of_scope_filings_are_not_found() -> None:
    gz_filing = PackagingFilingFactory(status="submitted")
    other = PackagingFilingFactory(status="draft")
    applicant = member_of(other.enterprise)
    inspector_sz = personas.inspector_sz()
    before = state(gz_filing)
    with pytest.raises(NotFoundError):
        services.filing_approve(actor=inspector_sz, filing_id=gz_filing.pk)
    with pytest.raises(NotFoundError):
        services.filing_withdraw(actor=applicant, filing_id=gz_filing.pk)
    with pytest.raises(NotFoundError):
        selectors.filing_get(actor=inspector_sz, pk=gz_filing.pk)
    assert state(gz_filing) == before


def test_scope_inspector_sees_branch_enterprise_user_own_leader_all() -> None:
    gz_filing = PackagingFilingFactory()
    sz_filing = PackagingFilingFactory(enterprise=gz_enterprise(org_unit=f.unit("SZ")))
    applicant = member_of(sz_filing.enterprise)
    assert list(selectors.filing_list(actor=personas.inspector_gz())) == [gz_filing]
    assert list(selectors.filing_list(actor=applicant)) == [sz_filing]
    assert set(selectors.filing_list(actor=personas.bureau_leader())) == {gz_filing, sz_filing}
    assert list(selectors.filing_list(actor=personas.lab_analyst())) == []


def test_scope_follows_the_enterprise_when_it_moves_branch() -> None:
    filing = PackagingFilingFactory(status="approved")
    inspector_sz = personas.inspector_sz()
    assert not selectors.filing_list(actor=inspector_sz).exists()
    with audit.scope():
        from openciq.masterdata.models import Enterprise

        enterprise = Enterprise.objects.get(pk=filing.enterprise_id)
        enterprise.org_unit = f.unit("SZ")
        with transaction.atomic():
            enterprise.save()
            audit.record(actor=personas.system_admin(), action="tests.enterprise_moved", obj=enterprise)
    assert list(selectors.filing_list(actor=inspector_sz)) == [filing]


def test_actions_offered_are_the_allowed_ones_for_the_actor() -> None:
    filing = PackagingFilingFactory(status="submitted")
    applicant = member_of(filing.enterprise)
    assert selectors.filing_actions(actor=personas.inspector_gz(), filing=filing) == [
        "review",
        "approve",
        "refuse",
    ]
    assert selectors.filing_actions(actor=applicant, filing=filing) == ["withdraw"]
    assert selectors.filing_actions(actor=personas.bureau_leader(), filing=filing) == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"annual_capacity": Decimal("0")}, "annual_capacity"),
        ({"annual_capacity": Decimal("-5")}, "annual_capacity"),
        ({"annual_capacity": "lots"}, "annual_capacity"),
        ({"categories": []}, "categories"),
        ({"categories": ["plastic", "asbestos"]}, "categories"),
        ({"production_address": "  "}, "production_address"),
        ({"contact_phone": ""}, "contact_phone"),
    ],
)
def test_bad_application_names_the_field_and_stores_nothing(overrides: dict[str, Any], field: str) -> None:
    enterprise = gz_enterprise()
    applicant = member_of(enterprise)
    counts = (PackagingFiling.objects.count(), FilingTransition.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed) as info:
        services.filing_create(actor=applicant, **application(enterprise, **overrides))
    assert field in info.value.fields
    assert (
        PackagingFiling.objects.count(),
        FilingTransition.objects.count(),
        AuditEvent.objects.count(),
    ) == counts


def test_enterprise_user_files_only_for_own_enterprise() -> None:
    own, other = gz_enterprise(), gz_enterprise()
    applicant = member_of(own)
    count = PackagingFiling.objects.count()
    with pytest.raises(ValidationFailed) as info:
        services.filing_create(actor=applicant, **application(other))
    assert list(info.value.fields) == ["enterprise"]
    assert PackagingFiling.objects.count() == count
    inactive = gz_enterprise(is_active=False)
    f.MembershipFactory(user=applicant, enterprise=inactive)
    with pytest.raises(ValidationFailed) as info:
        services.filing_create(actor=applicant, **application(inactive))
    assert list(info.value.fields) == ["enterprise"]


def test_inspector_may_not_apply() -> None:
    enterprise = gz_enterprise()
    with pytest.raises(PermissionDeniedError):
        services.filing_create(actor=personas.inspector_gz(), **application(enterprise))


def test_draft_edit_is_audited_with_before_and_after_and_a_no_op_records_nothing() -> None:
    enterprise = gz_enterprise()
    applicant = member_of(enterprise)
    filing = services.filing_create(actor=applicant, **application(enterprise))
    services.filing_update(actor=applicant, filing_id=filing.pk, annual_capacity="4000", categories=["metal"])
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "alerts.filing_updated"
    assert event.changes == {
        "annual_capacity": {"before": "3500.00", "after": "4000.00"},
        "categories": {"before": ["plastic", "paper"], "after": ["metal"]},
    }
    events = AuditEvent.objects.count()
    services.filing_update(actor=applicant, filing_id=filing.pk, annual_capacity="4000.00")
    assert AuditEvent.objects.count() == events


def test_only_drafts_can_be_edited() -> None:
    filing = PackagingFilingFactory(status="submitted")
    applicant = member_of(filing.enterprise)
    before = state(filing)
    with pytest.raises(ConflictError) as info:
        services.filing_update(actor=applicant, filing_id=filing.pk, materials="玻璃")
    assert info.value.fields == {"status": ["submitted"]}
    assert state(filing) == before


def test_renewal_copies_an_approved_filing_into_a_new_draft_once() -> None:
    filing = PackagingFilingFactory(status="approved", categories=["glass"])
    applicant = member_of(filing.enterprise)
    renewal = services.filing_renew(actor=applicant, filing_id=filing.pk)
    assert (renewal.status, renewal.renewal_of_id, renewal.categories, renewal.number) == (
        "draft",
        filing.pk,
        ["glass"],
        None,
    )
    assert AuditEvent.objects.order_by("-id").first().changes["renewal_of_id"] == {
        "before": None,
        "after": filing.pk,
    }
    with pytest.raises(ConflictError):
        services.filing_renew(actor=applicant, filing_id=filing.pk)
    with pytest.raises(ConflictError):
        refused = PackagingFilingFactory(status="refused", enterprise=filing.enterprise)
        services.filing_renew(actor=applicant, filing_id=refused.pk)


def test_unknown_verb_is_not_found() -> None:
    filing = PackagingFilingFactory()
    with pytest.raises(NotFoundError):
        services.filing_transition(actor=personas.system_admin(), filing_id=filing.pk, verb="delete")


def test_add_years_keeps_the_day_and_moves_29_february() -> None:
    assert add_years(dt.date(2026, 11, 27), 3) == dt.date(2029, 11, 27)
    assert add_years(dt.date(2028, 2, 29), 3) == dt.date(2031, 2, 28)


# --- Concurrency (real concurrent transactions need PostgreSQL) -------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions are tested on PostgreSQL"
)


def _race(calls: list[Any]) -> list[Any]:
    """Run the calls at the same moment, each on its own connection; return results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Any) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # collected for the assertions
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_of_two_concurrent_approvals_exactly_one_wins(clean_audit_log: None) -> None:
    inspector = personas.inspector_gz()
    filing = PackagingFilingFactory(status="submitted")
    events = AuditEvent.objects.count()
    results = _race([lambda: services.filing_approve(actor=inspector, filing_id=filing.pk)] * 2)
    winners = [r for r in results if isinstance(r, PackagingFiling)]
    losers = [r for r in results if isinstance(r, TransitionNotAllowed)]
    assert (len(winners), len(losers)) == (1, 1), results
    assert losers[0].fields == {"status": ["approved"]}
    assert AuditEvent.objects.count() == events + 1
    assert FilingTransition.objects.filter(filing=filing, verb="approve").count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_in_one_branch_get_distinct_consecutive_numbers(clean_audit_log: None) -> None:
    inspector = personas.inspector_gz()
    filings = [PackagingFilingFactory(status="submitted") for _ in range(6)]
    calls = [lambda pk=x.pk: services.filing_approve(actor=inspector, filing_id=pk) for x in filings]
    results = _race(calls)
    assert all(isinstance(r, PackagingFiling) for r in results), results
    year = timezone.localdate().year
    numbers = sorted(r.number for r in results)
    assert numbers == [f"GZ-FCM-{year}-{n:04d}" for n in range(1, 7)]
    assert Counter.objects.get(name=f"filing:GZ:{year}").value == 6
