"""The demo seed: farms, pigs and a loading batch in every state with their EPCIS events and open
alerts for the worklist; a second run adds nothing."""

from __future__ import annotations

import random

import pytest

from openciq.accounts.models import OrgUnit
from openciq.accounts.services import system_actor
from openciq.trace.models import Event, SupervisionAlert
from openciq.trace.pigs import seed
from openciq.trace.pigs.choices import BatchStatus
from openciq.trace.pigs.models import Animal, Farm, LoadingBatch
from tests import personas
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_makes_every_batch_state_and_is_idempotent() -> None:
    personas.org_tree()
    for unit in ("GZ", "HZ", "QY", "HY"):
        EnterpriseFactory(kind="farm", org_unit=OrgUnit.objects.get(code=unit))
    seed.seed(scale="demo", rng=random.Random(2011), actor=system_actor())
    assert Farm.objects.count() == 4
    assert Animal.objects.count() == sum(plan.pigs + seed.SOWS for plan in seed.FARMS)
    assert set(LoadingBatch.objects.values_list("status", flat=True)) == set(BatchStatus.values)
    assert set(SupervisionAlert.objects.values_list("kind", flat=True)) >= {
        "loading_mismatch",
        "withdrawal",
        "receipt_mismatch",
        "traceability_gap",
    }
    events = Event.objects.count()
    seed.seed(scale="demo", rng=random.Random(2011), actor=system_actor())
    assert (Farm.objects.count(), Event.objects.count()) == (4, events)
