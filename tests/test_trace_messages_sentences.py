"""Refusals, hold reasons and page texts of the trace flows are whole sentences with their values
inside (no translated piece put into another sentence, no lowercase pieces joined with "; "):
the container trip's refusal per step, the vegetables gate's findings and seal alert, the
vegetables pages' pesticide, loading, decision, receipt and declaration lines; and the gate's
comparison run by hand needs the inspector's permission like every other service."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import dateformat, timezone, translation

from openciq.core.errors import PermissionDeniedError, TransitionNotAllowed
from openciq.trace.containers import services as container_services
from openciq.trace.containers.models import Trip
from openciq.trace.models import SupervisionAlert
from openciq.trace.vegetables import gate
from openciq.trace.vegetables import services as veg_services
from openciq.trace.vegetables.models import Shipment
from tests.containers_fixtures import ContainerWorld, container_world, refresh
from tests.vegetables_fixtures import VegWorld, veg_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def english_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page(client: Client, name: str, *args: Any) -> str:
    response = client.get(reverse(f"vegetables:{name}", args=args))
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def shown(moment: Any, fmt: str = "Y-m-d H:i") -> str:
    return dateformat.format(timezone.localtime(moment), fmt)


# --- Container trips: one refusal per step ------------------------------------------------------


@pytest.mark.parametrize(
    ("verb", "sentence"),
    [
        ("open", "it cannot be opened with authority in that state."),
        ("clear", "it cannot be cleared in that state."),
        ("cancel", "it cannot be cancelled in that state."),
        ("inspect", "it cannot be inspected in that state."),
    ],
)
def test_a_trip_step_refused_in_its_state_says_so_in_one_sentence(verb: str, sentence: str) -> None:
    w: ContainerWorld = container_world()
    trip = w.seal()
    Trip.objects.filter(pk=trip.pk).update(status="cleared")
    trip = refresh(trip)
    with pytest.raises(TransitionNotAllowed) as refused:
        container_services.check(trip, verb)
    assert refused.value.message == f"Trip {trip.number} is “Cleared”; {sentence}"
    assert refused.value.fields == {"status": ["cleared"]}


def test_clearing_a_sealed_trip_is_refused_by_the_service_in_one_sentence() -> None:
    w: ContainerWorld = container_world()
    trip = w.seal()
    with pytest.raises(TransitionNotAllowed) as refused:
        container_services.trip_clear(actor=w.inspector, trip_id=trip.pk)
    assert refused.value.message == f"Trip {trip.number} is “Sealed”; it cannot be cleared in that state."
    assert refresh(trip).status == "sealed"


# --- The vegetables gate: one sentence per finding ------------------------------------------------


def test_every_finding_of_a_gate_comparison_is_a_whole_sentence() -> None:
    result = {
        "missing": ["urn:a", "urn:b"],
        "extra": ["urn:c"],
        "lots_missing": ["L-2", "L-3"],
        "seal": "not_read",
        "labels": {"urn:a": "urn:epc:id:grai:6923456.70001.1001"},
    }
    assert gate.findings(result) == [
        "The gate did not read 2 declared crate(s): 6923456.70001.1001, urn:b.",
        "The gate read 1 undeclared crate(s): urn:c.",
        "The gate read no crate of the lot(s) L-2, L-3.",
        "The gate did not read the declared seal.",
    ]
    assert gate.describe(result) == " ".join(gate.findings(result))


@pytest.mark.parametrize(
    ("finding", "sentence"),
    [
        ("intact", ""),
        ("not_read", "The gate did not read the declared seal."),
        ("other_seal", "The gate read a seal other than the declared one."),
        ("opened", "The seal has been opened since the sealing."),
        ("reported", "The seal reader reports that the seal is not intact."),
        ("something_new", "The seal is not as declared."),
    ],
)
def test_each_seal_finding_has_its_own_sentence(finding: str, sentence: str) -> None:
    assert gate.seal_sentence(finding) == sentence
    assert gate.findings({"seal": finding}) == ([sentence] if sentence else [])


def test_a_held_truck_is_held_for_sentences_and_its_seal_alert_is_titled_in_sentences() -> None:
    w: VegWorld = veg_world()
    shipment = w.sealed_shipment(w.crates[:2])
    w.gate_read(shipment, w.crates[:1], seal="ZJ01-00077777")
    shipment = Shipment.objects.get(pk=shipment.pk)
    assert shipment.status == "held"
    reason = (
        f"The gate did not read 1 declared crate(s): {w.crates[1].label}. "
        "The gate read a seal other than the declared one."
    )
    assert shipment.held_reason == reason and shipment.decision_note == reason
    seal_alert = SupervisionAlert.objects.get(key=f"vegetables:{shipment.number}:seal")
    assert seal_alert.title == (
        f"Truck {shipment.truck_plate} is held at the gate (declaration {shipment.declaration_number}). "
        "The gate read a seal other than the declared one."
    )


def test_the_gate_comparison_by_hand_needs_the_inspectors_permission() -> None:
    w: VegWorld = veg_world()
    shipment = w.sealed_shipment(w.crates[:2])
    passage = gate.Passage(read_point_id=w.gate.pk)
    assert not w.packer.has_perm("vegetables.inspect_shipment")
    with pytest.raises(PermissionDeniedError) as refused:
        gate.gate_compare(actor=w.packer, shipment_id=shipment.pk, passage=passage)
    assert refused.value.message == "You do not have permission to do this."
    # The inspector may run it; a passage naming nothing of this truck leaves it waiting.
    kept = gate.gate_compare(actor=w.inspector, shipment_id=shipment.pk, passage=passage)
    assert kept is not None and kept.pk == shipment.pk
    assert Shipment.objects.get(pk=shipment.pk).status == "sealed"


# --- The vegetables pages ------------------------------------------------------------------------


def test_the_lot_page_says_when_the_pesticide_was_applied_in_one_sentence() -> None:
    w: VegWorld = veg_world()
    html = page(english_client(w.inspector), "lot_detail", w.lot.pk)
    applied = w.lot.last_pesticide_date.isoformat()
    assert f"{w.lot.pesticide} was last applied on {applied}; the pre-harvest interval is 7 days." in html
    unnamed = veg_services.lot_harvest(actor=w.packer, **w.lot_kwargs(pesticide=""))
    html = page(english_client(w.inspector), "lot_detail", unnamed.pk)
    assert f"A pesticide was last applied on {applied}; the pre-harvest interval is 7 days." in html


def test_the_shipment_page_gives_loading_decision_and_receipt_times_in_sentences() -> None:
    w: VegWorld = veg_world()
    shipment = w.sealed_shipment(w.crates[:2])
    w.gate_read(shipment, w.crates[:2])
    shipment = Shipment.objects.get(pk=shipment.pk)
    assert shipment.status == "released"
    client = english_client(w.inspector)
    html = page(client, "shipment_detail", shipment.pk)
    assert f"Loaded at {shown(shipment.loaded_at)}." in html
    assert f"Released at {shown(shipment.released_at)}." in html
    veg_services.shipment_receive_hk(actor=w.inspector, shipment_id=shipment.pk, market_id=w.market.pk)
    shipment = Shipment.objects.get(pk=shipment.pk)
    html = page(client, "shipment_detail", shipment.pk)
    assert f"Received in Hong Kong at {w.market} at {shown(shipment.received_at)}." in html


def test_a_held_shipment_and_the_worklist_give_the_reasons_and_the_declaration_in_sentences() -> None:
    w: VegWorld = veg_world()
    shipment = w.sealed_shipment(w.crates[:2])
    w.gate_read(shipment, w.crates[:1])
    shipment = Shipment.objects.get(pk=shipment.pk)
    client = english_client(w.inspector)
    html = page(client, "shipment_detail", shipment.pk)
    assert f"Held at {shown(shipment.held_at)}." in html
    assert f"The gate did not read 1 declared crate(s): {w.crates[1].label}." in html
    worklist = page(client, "worklist")
    assert f"Declaration {shipment.declaration_number}</div>" in worklist
    assert f"The gate did not read 1 declared crate(s): {w.crates[1].label}." in worklist
