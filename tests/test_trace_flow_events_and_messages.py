"""What the tidy-up of the trace flows keeps: the vegetables flow's stored events still declare
the ``ociq`` prefix in their own ``@context`` (capture adds it now; the events no longer carry
it themselves), and refusals that used to be assembled from pieces are whole sentences."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from django.utils import timezone, translation

from openciq.core.errors import ValidationFailed
from openciq.trace.choices import CaptureSource
from openciq.trace.models import Event
from openciq.trace.pigs.writing import find_animals
from openciq.trace.vegetables import epcis, services
from tests.pigs_fixtures import PigWorld, pig_world
from tests.vegetables_fixtures import VegWorld, veg_world

pytestmark = pytest.mark.django_db

OCIQ_CONTEXT = [{"ociq": "https://openciq.org/epcis/"}]


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def test_every_stored_vegetables_event_declares_the_ociq_prefix_first_in_its_own_context() -> None:
    w: VegWorld = veg_world()
    w.sealed_shipment()
    built = epcis.commissioning(
        lot="https://id.openciq.org/lot/X", number="X", kg=1, when=timezone.now(), plot="p", base="b", ilmd={}
    )
    assert "@context" not in built  # the flow leaves it to capture
    # The flow's steps (harvest, crates, packing, loading, sealing) are captured as supervision.
    events = Event.objects.filter(capture_job__source=CaptureSource.SUPERVISION)
    documents = [json.loads(event.document) for event in events]
    assert {d["type"] for d in documents} >= {"ObjectEvent", "AggregationEvent", "AssociationEvent"}
    for document in documents:
        assert next(iter(document)) == "@context"
        assert document["@context"] == OCIQ_CONTEXT
        assert any(key.startswith("ociq:") for key in document)


def test_lot_harvest_without_a_named_pesticide_refuses_in_a_whole_sentence() -> None:
    w = veg_world()
    today = timezone.localdate()
    applied = today - dt.timedelta(days=3)
    with pytest.raises(ValidationFailed) as info:
        services.lot_harvest(
            actor=w.packer,
            **w.lot_kwargs(pesticide="", last_pesticide_date=applied, pre_harvest_interval_days=7),
        )
    earliest = (applied + dt.timedelta(days=7)).isoformat()
    assert info.value.fields["harvest_date"] == [
        f"Harvested 3 days after the last pesticide application on {applied.isoformat()}: "
        f"the pre-harvest interval is 7 days, so the earliest harvest is {earliest}."
    ]


def test_find_animals_names_unknown_numbers_on_the_farm_or_in_the_register() -> None:
    w: PigWorld = pig_world()
    errors: dict[str, list[str]] = {}
    assert find_animals(w.farm, ["144018399999999"], errors) == []
    assert find_animals(None, ["144018388888888"], errors) == []
    assert errors == {
        "animals": [
            "No pig on this farm has the number(s) 144018399999999.",
            "No registered pig has the number(s) 144018388888888.",
        ]
    }
