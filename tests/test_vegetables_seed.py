"""The demo seed of the vegetables flow: every trip state present, through the real services
and the real gate decision, and a second run adds nothing."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from openciq.accounts import seed as accounts_seed
from openciq.accounts.services import system_actor
from openciq.declarations import holds
from openciq.masterdata import seed as masterdata_seed
from openciq.trace.models import Event, SupervisionAlert
from openciq.trace.vegetables import seed
from openciq.trace.vegetables.models import Crate, HarvestLot, PlantingBase, Shipment

pytestmark = pytest.mark.django_db


def test_the_demo_seed_has_a_trip_in_every_state_and_is_idempotent() -> None:
    actor = system_actor()
    accounts_seed.seed(scale="demo", rng=random.Random("2011:accounts"), actor=actor)
    masterdata_seed.seed(scale="demo", rng=random.Random("2011:masterdata"), actor=actor)
    seed.seed(scale="demo", rng=random.Random("2011:vegetables"), actor=actor)
    states = Counter(Shipment.objects.values_list("status", flat=True))
    assert set(states) == {
        "received",
        "released",
        "rejected",
        "cancelled",
        "held",
        "at_gate",
        "sealed",
        "packing",
    }
    assert states["held"] == 2
    assert PlantingBase.objects.count() == 3
    assert Crate.objects.count() == 200
    assert HarvestLot.objects.count() >= 12
    held = Shipment.objects.filter(status="held").order_by("id")
    for shipment in held:
        assert holds.reasons(shipment.declaration_number) != []
    open_alerts = SupervisionAlert.objects.filter(key__startswith="vegetables:").exclude(status="resolved")
    assert sorted(open_alerts.values_list("kind", flat=True)) == [
        "gate_mismatch",
        "receipt_mismatch",
        "seal_mismatch",
    ]
    events = Event.objects.count()
    seed.seed(scale="demo", rng=random.Random("2011:vegetables"), actor=actor)
    assert Event.objects.count() == events
    assert Shipment.objects.count() == sum(states.values())
