"""Seeding declarations: the demo's history and live work, a chunked bureau-like load, numbering,
idempotency and the shape of the history (runs on SQLite and PostgreSQL like the whole suite)."""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

import pytest
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone

from openciq.accounts import seed as accounts_seed
from openciq.accounts.models import User
from openciq.accounts.services import system_actor
from openciq.core.models import AuditEvent, Counter
from openciq.declarations import seed as declarations_seed
from openciq.declarations import selectors, services
from openciq.declarations.models import (
    ComplianceState,
    ComplianceTally,
    Declaration,
    DeclarationLine,
    ReleaseRecord,
)
from openciq.masterdata import seed as masterdata_seed
from openciq.masterdata.models import Enterprise, Premises, Product

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"^(?P<branch>[A-Z]{2,3})(?P<year>\d{4})E(?P<counter>\d{7})$")


@pytest.fixture
def actor() -> User:
    """The demo's organisation and master data, as ``openciq seed --scale demo`` makes them."""
    system = system_actor()
    accounts_seed.seed(scale="demo", rng=random.Random("2011:accounts"), actor=system)
    masterdata_seed.seed(scale="demo", rng=random.Random("2011:masterdata"), actor=system)
    return system


def seed_demo(actor: User) -> None:
    declarations_seed.seed(scale="demo", rng=random.Random("2011:declarations"), actor=actor)


def history(actor: User) -> Any:
    return Declaration.objects.filter(created_by=actor)


def counts() -> dict[str, int]:
    return {
        "declarations": Declaration.objects.count(),
        "lines": DeclarationLine.objects.count(),
        "releases": ReleaseRecord.objects.count(),
        "compliance": ComplianceState.objects.count(),
        "counters": Counter.objects.count(),
        "audit": AuditEvent.objects.filter(action="declarations.history_seeded").count(),
    }


def test_demo_seed_makes_600_decided_declarations_and_live_work_for_the_inspector(actor: User) -> None:
    seed_demo(actor)
    made = history(actor)
    assert made.count() == 600
    assert set(made.values_list("status", flat=True)) == {"released", "rejected"}
    assert (
        ReleaseRecord.objects.filter(declaration__created_by=actor).count()
        == made.filter(status="released").count()
    )
    assert 600 <= DeclarationLine.objects.filter(declaration__created_by=actor).count() <= 1800
    event = AuditEvent.objects.get(action="declarations.history_seeded")
    assert (event.changes["declarations"], event.actor_id) == (600, actor.pk)

    live = Declaration.objects.filter(contract_ref__startswith="DEMO-")
    assert live.count() == len(declarations_seed.LIVE_PLAN)
    states = set(live.values_list("status", flat=True))
    assert {"document_review", "inspection", "sampling", "submitted", "returned", "draft"} <= states
    enterprise_user = User.objects.get(username="enterprise")
    assert live.filter(status="draft", enterprise__memberships__user=enterprise_user).exists()
    inspector = User.objects.get(username="inspector")
    worklist = selectors.worklist(actor=inspector)
    assert {"onsite", "sampling"} <= set(worklist.values_list("kind", flat=True))
    in_sz = live.filter(status__in=["document_review", "inspection", "sampling"], org_unit__code="SZ")
    assert in_sz.exists()


def test_a_second_run_adds_nothing(actor: User) -> None:
    seed_demo(actor)
    first = counts()
    seed_demo(actor)
    assert counts() == first
    assert first["audit"] == 1


def test_numbers_are_unique_in_the_services_format_and_counters_are_advanced(actor: User) -> None:
    seed_demo(actor)
    numbers = list(Declaration.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
    highest: dict[str, int] = {}
    for number in numbers:
        match = NUMBER.match(number)
        assert match, number
        name = f"declaration:{match['branch']}:{match['year']}"
        highest[name] = max(highest.get(name, 0), int(match["counter"]))
    assert dict(Counter.objects.filter(name__in=highest).values_list("name", "value")) == highest
    releases = ReleaseRecord.objects.select_related("declaration")
    assert all(r.number == f"R{r.declaration.number}" for r in releases)


def test_a_new_declaration_continues_the_sequence(actor: User) -> None:
    seed_demo(actor)
    enterprise = Enterprise.objects.get(pk=history(actor).values_list("enterprise", flat=True).first())
    year = timezone.localdate().year
    prefix = f"{enterprise.org_unit.code}{year}E"
    last = max(
        int(n[len(prefix) :])
        for n in Declaration.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    )
    product = Product.objects.filter(hs_code__gt="15").order_by("hs_code").first()
    header = {
        "enterprise": enterprise.pk,
        "port": history(actor).values_list("port", flat=True).first(),
        "destination": history(actor).values_list("destination", flat=True).first(),
        "transport_mode": "3",
        "planned_shipment_date": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
    }
    line = {
        "product": product.pk,
        "description": product.name_zh,
        "quantity": "10",
        "unit": "H87",
        "net_weight_kg": "5",
        "value_usd": "100",
    }
    declaration = services.declaration_create(
        actor=User.objects.get(username="admin"), header=header, lines=[line]
    )
    assert declaration.number == f"{prefix}{last + 1:07d}"


def test_conformity_and_modes_follow_class_and_product_risk(actor: User) -> None:
    seed_demo(actor)
    made = history(actor)
    rejected = made.filter(status="rejected")
    assert 0.01 <= rejected.count() / made.count() <= 0.05
    assert not rejected.filter(inspection_mode="release").exists()
    assert not rejected.filter(disposal="").exists() and not rejected.filter(decision_reasons="").exists()
    assert set(rejected.values_list("conformity", flat=True)) == {"not_conform"}
    assert set(made.filter(status="released").values_list("conformity", flat=True)) == {"conform"}
    trusted = made.filter(enterprise__classification__in=["A", "B"])
    assert trusted.filter(inspection_mode="release").count() / trusted.count() > 0.6
    assert not made.filter(risk_score__isnull=True).exists()
    electronic = ReleaseRecord.objects.filter(declaration__in=made, electronic=True)
    assert electronic.count() == made.filter(status="released", inspection_mode="release").count()
    now = timezone.now()
    for d in made.only("created_at", "submitted_at", "decided_at", "status_changed_at"):
        assert d.created_at <= d.submitted_at <= d.decided_at <= d.status_changed_at < now


def test_lines_reference_existing_products_and_origins_and_add_up(actor: User) -> None:
    seed_demo(actor)
    lines = DeclarationLine.objects.filter(declaration__created_by=actor)
    assert set(lines.values_list("product", flat=True)) <= set(Product.objects.values_list("pk", flat=True))
    for line in lines.select_related("product"):
        assert line.hs_code == line.product.hs_code
        assert (line.origin_premises_id is not None) == (line.hs_code[:2] <= "14")
    origins = set(lines.exclude(origin_premises=None).values_list("origin_premises", flat=True))
    assert origins <= set(Premises.objects.values_list("pk", flat=True))
    for declaration in history(actor).prefetch_related("lines")[:100]:
        assert declaration.total_value_usd == sum(x.value_usd for x in declaration.lines.all())
        assert [x.line_no for x in declaration.lines.all()] == list(range(1, declaration.lines.count() + 1))


def test_control_levels_follow_the_last_decided_batches(actor: User) -> None:
    seed_demo(actor)
    last: dict[tuple[int, str], str] = {}
    rows = DeclarationLine.objects.filter(declaration__created_by=actor).order_by("declaration__decided_at")
    for enterprise_id, hs_code, conformity in rows.values_list(
        "declaration__enterprise", "hs_code", "declaration__conformity"
    ):
        last[(enterprise_id, hs_code[:4])] = conformity
    states = {(s.enterprise_id, s.hs_heading): s for s in ComplianceState.objects.all()}
    assert set(last) <= set(states)
    for key, conformity in last.items():
        if conformity == "not_conform":
            assert states[key].level != "normal"


def test_a_chunked_bureau_like_load_numbers_ids_and_counts_consistently(actor: User) -> None:
    summary = declarations_seed.seed_history(
        count=5000, years=5, rng=random.Random(5), actor=actor, chunk_size=1000
    )
    made = history(actor)
    assert summary["declarations"] == made.count() == 5000
    assert summary["lines"] == DeclarationLine.objects.filter(declaration__created_by=actor).count()
    assert summary["release_records"] == ReleaseRecord.objects.count() == 5000 - summary["rejected"]
    assert 0.01 <= summary["rejected"] / 5000 <= 0.05
    bounds = made.aggregate(
        low=Min("id"), high=Max("id"), first=Min("submitted_at"), last=Max("submitted_at")
    )
    assert bounds["high"] - bounds["low"] == 4999  # ids assigned in one run of chunks
    assert bounds["last"] - bounds["first"] > dt.timedelta(days=4 * 365)
    per_year = dict(made.values_list("number").annotate(n=Count("id")).values_list("number", "n"))
    assert len(per_year) == 5000
    assert ComplianceState.objects.count() == summary["compliance_states"] > 0
    # the monthly tallies the risk engine reads add up to the decided (declaration, product) pairs
    pairs = DeclarationLine.objects.filter(declaration__created_by=actor).values("declaration", "product")
    assert ComplianceTally.objects.aggregate(n=Sum("batches"))["n"] == pairs.distinct().count()
    rejected_pairs = pairs.filter(declaration__conformity="not_conform").distinct().count()
    assert ComplianceTally.objects.aggregate(n=Sum("nonconform"))["n"] == rejected_pairs
    assert declarations_seed.seed_history(count=5000, years=5, rng=random.Random(5), actor=actor) == {}
    assert AuditEvent.objects.filter(action="declarations.history_seeded").count() == 1
