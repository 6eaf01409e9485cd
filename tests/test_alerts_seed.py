"""The alerts seeder: demo scale in every state, numbers as the services would give them,
one audit event per run, nothing added by a second run."""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter as Tally

import pytest
from django.utils import timezone

from openciq.accounts.services import system_actor
from openciq.alerts import services
from openciq.alerts.choices import FilingStatus
from openciq.alerts.models import FILING_TRANSITIONS, FilingTransition, PackagingFiling
from openciq.alerts.seed import seed
from openciq.core.models import AuditEvent, Counter
from openciq.core.registry import registry
from tests import personas

pytestmark = pytest.mark.django_db


def run(scale: str = "demo") -> None:
    actor = system_actor()
    for key in ("accounts", "masterdata", "alerts"):
        registry.seeders[key].run(scale=scale, rng=random.Random(f"2011:{key}"), actor=actor)


def test_demo_seed_makes_twenty_filings_in_every_state_with_consistent_timelines() -> None:
    run()
    filings = list(PackagingFiling.objects.all())
    assert len(filings) == 20
    assert set(Tally(f.status for f in filings)) == set(FilingStatus.values)
    for filing in filings:
        steps = list(FilingTransition.objects.filter(filing=filing).order_by("at", "id"))
        assert steps[0].from_status == "" and steps[-1].to_status == filing.status
        for before, after in itertools.pairwise(steps):
            allowed_from, to_status = FILING_TRANSITIONS[after.verb]
            assert after.from_status == before.to_status and after.from_status in allowed_from
            assert after.to_status == to_status and after.at >= before.at
        if filing.status in ("approved", "suspended", "revoked"):
            assert re.fullmatch(r"[A-Z]{2,3}-FCM-\d{4}-\d{4}", filing.number)
            assert filing.number.startswith(
                f"{filing.org_unit.code}-FCM-{timezone.localdate(filing.decided_at).year}-"
            )
        else:
            assert filing.number is None
    assert AuditEvent.objects.filter(action="alerts.seeded").count() == 1


def test_seed_counters_match_the_numbers_so_the_next_approval_continues_them() -> None:
    run()
    counters = dict(Counter.objects.filter(name__startswith="filing:").values_list("name", "value"))
    numbered = PackagingFiling.objects.exclude(number=None).select_related("org_unit")
    issued = Tally(f"filing:{f.org_unit.code}:{timezone.localdate(f.decided_at).year}" for f in numbered)
    assert counters and counters == dict(issued)
    submitted = PackagingFiling.objects.filter(status="submitted").select_related("org_unit").first()
    year = timezone.localdate().year
    last = counters.get(f"filing:{submitted.org_unit.code}:{year}", 0)
    number = services.filing_approve(actor=personas.system_admin(), filing_id=submitted.pk).number
    assert number == f"{submitted.org_unit.code}-FCM-{year}-{last + 1:04d}"


def test_second_run_adds_nothing_and_records_nothing() -> None:
    run()
    counts = (PackagingFiling.objects.count(), FilingTransition.objects.count(), AuditEvent.objects.count())
    seed(scale="demo", rng=random.Random(1), actor=system_actor())
    assert (
        PackagingFiling.objects.count(),
        FilingTransition.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
