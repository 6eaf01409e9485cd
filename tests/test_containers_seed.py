"""Seeding the container e-seal flow at demo scale: registers, trips in every state with their
EPCIS events recorded through the real capture pipeline, open alarms on the worklist that hold
their declarations, clearance figures, a valid audit chain, and nothing added by a second run."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from django.utils import timezone

from openciq.accounts import seed as accounts_seed
from openciq.accounts.models import User
from openciq.accounts.services import system_actor
from openciq.core.audit import verify_chain
from openciq.declarations import holds
from openciq.masterdata import seed as masterdata_seed
from openciq.trace.containers import seed as containers_seed
from openciq.trace.containers import selectors
from openciq.trace.containers.models import Container, Seal, Trip
from openciq.trace.models import Event, SupervisionAlert

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor() -> User:
    """The demo's organisation and master data, as ``openciq seed --scale demo`` makes them."""
    system = system_actor()
    accounts_seed.seed(scale="demo", rng=random.Random("2011:accounts"), actor=system)
    masterdata_seed.seed(scale="demo", rng=random.Random("2011:masterdata"), actor=system)
    return system


def test_the_demo_has_trips_in_every_state_with_their_events_and_alarms(actor: User) -> None:
    containers_seed.seed(scale="demo", rng=random.Random("2011:containers"), actor=actor)
    states = Counter(Trip.objects.values_list("status", flat=True))
    assert set(states) == {"sealed", "in_transit", "arrived", "opened", "alarm", "cleared", "cancelled"}
    assert states["cleared"] == containers_seed.CLEARED and states["alarm"] == 3
    assert Seal.objects.count() == containers_seed.SEALS and Container.objects.count() == 30
    assert Event.objects.filter(biz_step="staging_outbound").count() == Trip.objects.count()
    open_alarms = SupervisionAlert.objects.filter(key__startswith="containers:", blocking=True).exclude(
        status="resolved"
    )
    assert sorted(open_alarms.values_list("kind", flat=True)) == [
        "seal_mismatch",
        "seal_opened",
        "seal_tampered",
    ]
    for alert in open_alarms:
        assert alert.title in holds.reasons(alert.declaration_number)
    assert SupervisionAlert.objects.filter(kind="seal_battery", status="open").count() == 1
    inspector = User.objects.get(username="inspector")
    work = selectors.worklist(actor=inspector)
    assert work.alarms and work.alarms[0]["alert"].blocking
    today = timezone.localdate()
    figures = selectors.clearance_stats(
        actor=User.objects.get(username="inspector_hg"), since=today - dt.timedelta(days=200), until=today
    )
    figures += selectors.clearance_stats(actor=inspector, since=today - dt.timedelta(days=200), until=today)
    assert sum(row.count for row in figures) == containers_seed.CLEARED
    assert all(row.median_minutes <= row.p90_minutes for row in figures)
    checked, broken = verify_chain()
    assert broken is None and checked > 0

    trips, events = Trip.objects.count(), Event.objects.count()
    containers_seed.seed(scale="demo", rng=random.Random("2011:containers"), actor=actor)
    assert (Trip.objects.count(), Event.objects.count()) == (trips, events)
