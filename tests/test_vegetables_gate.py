"""The electronic border gate, through the real capture: the gate's devices send an EPCIS
document to the capture service; the flow's listener compares the read with the declaration. A
match releases the truck electronically; a missing or undeclared crate, a seal not read or not
intact holds it, puts blocking alerts on the port inspector's worklist and holds the
declaration; the inspector then releases or turns the truck back."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from openciq.accounts.services import is_system_actor, system_actor
from openciq.core.errors import PermissionDeniedError, TransitionNotAllowed, ValidationFailed
from openciq.declarations import holds
from openciq.trace import services as trace_services
from openciq.trace.capture import canonical_identifier
from openciq.trace.choices import CaptureSource, CaptureStatus
from openciq.trace.models import Event, SupervisionAlert
from openciq.trace.vegetables import epcis, services
from openciq.trace.vegetables.gate import compare
from openciq.trace.vegetables.models import Shipment
from tests import personas
from tests.vegetables_fixtures import SEAL, VegWorld, grai, veg_world

pytestmark = pytest.mark.django_db
DECLARATION = "440300125000001"


@pytest.fixture
def w() -> VegWorld:
    return veg_world()


def reload(shipment: Shipment) -> Shipment:
    return Shipment.objects.get(pk=shipment.pk)


def steps_at_gate(shipment: Shipment) -> list[tuple[str, str]]:
    """The flow's own events at the gate for this shipment: (bizStep, disposition)."""
    found = []
    for event in Event.objects.filter(read_point=shipment.gate).order_by("event_time", "id"):
        document = json.loads(event.document)
        if document.get("ociq:shipment") == shipment.number:
            found.append((event.biz_step, event.disposition))
    return found


def alerts(shipment: Shipment) -> list[SupervisionAlert]:
    return list(
        SupervisionAlert.objects.filter(key__startswith=f"vegetables:{shipment.number}:").order_by("kind")
    )


# --- The comparison itself -------------------------------------------------------------------------


def test_compare_lists_missing_and_extra_crates_and_the_lots_left_without_a_crate() -> None:
    declared = {"c1": "L1", "c2": "L1", "c3": "L2"}
    crate = "https://id.gs1.org/8003/069234567000111001"
    result = compare(
        declared=declared, read={"c1", "c2", "seal", crate}, seal="seal", known_crates={"c1", "c2", "c3"}
    )
    assert (result.missing, result.extra, result.lots_missing) == (["c3"], [crate], ["L2"])
    assert result.seal == "intact" and not result.match


def test_compare_judges_the_seal() -> None:
    declared = {"c1": "L1"}
    seal = "https://id.openciq.org/seal/ZJ01-1"
    other = "https://id.openciq.org/seal/ZJ01-2"
    kw: dict[str, Any] = {"declared": declared, "known_crates": {"c1"}, "seal": seal}
    assert compare(read={"c1", seal}, **kw).match
    assert compare(read={"c1"}, **kw).seal == "not_read"
    assert compare(read={"c1", other}, **kw).seal == "other_seal"
    assert compare(read={"c1", seal}, seal_reported="tampered", **kw).seal == "reported"
    assert compare(read={"c1", seal}, seal_opened=True, **kw).seal == "opened"


# --- Through the capture -------------------------------------------------------------------------------


def test_a_matching_gate_read_releases_the_truck_electronically(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:4])
    job = w.gate_read(shipment, w.crates[:4])
    assert job.status == CaptureStatus.SUCCEEDED
    shipment = reload(shipment)
    assert shipment.status == "released"
    assert is_system_actor(shipment.decided_by)
    assert shipment.released_at is not None
    assert shipment.gate == w.gate
    assert shipment.gate_result["match"] is True
    assert shipment.gate_result["crates_read"] == 4
    assert list(shipment.crates.values_list("read_at_gate", flat=True)) == [True] * 4
    assert steps_at_gate(shipment) == [("departing", "in_transit")]
    assert alerts(shipment) == []
    assert holds.reasons(DECLARATION) == []


def test_a_missing_crate_holds_the_truck_its_declaration_and_alerts_the_port_inspector(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:4])
    w.gate_read(shipment, w.crates[:3])
    shipment = reload(shipment)
    assert shipment.status == "held"
    assert w.crates[3].label in shipment.held_reason
    assert shipment.gate_result["missing"] == [w.crates[3].epc]
    assert shipment.crates.get(crate=w.crates[3]).read_at_gate is False
    (alert,) = alerts(shipment)
    assert (alert.kind, alert.blocking, alert.status, alert.severity) == (
        "gate_mismatch",
        True,
        "open",
        "high",
    )
    assert alert.declaration_number == DECLARATION
    assert alert.org_unit == w.port.org_unit
    assert alert.details["shipment"] == shipment.number
    assert alert.event is not None and alert.event.read_point == w.gate
    assert holds.reasons(DECLARATION) == [alert.title]
    assert steps_at_gate(shipment) == [("holding", "mismatch_instance")]
    # The port inspector of Shenzhen sees it on the worklist; Guangzhou's does not.
    assert SupervisionAlert.objects.restrict(w.inspector, "view").filter(pk=alert.pk).exists()
    assert not SupervisionAlert.objects.restrict(personas.inspector_gz(), "view").filter(pk=alert.pk).exists()


def test_an_undeclared_crate_holds_the_truck(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:2])
    w.gate_read(shipment, w.crates[:3])
    shipment = reload(shipment)
    assert shipment.status == "held"
    assert shipment.gate_result["extra"] == [w.crates[2].epc]
    assert shipment.gate_result["missing"] == []
    assert [a.kind for a in alerts(shipment)] == ["gate_mismatch"]


def test_a_seal_reported_opened_holds_the_truck_with_a_seal_alert(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:2])
    w.gate_read(shipment, w.crates[:2], seal_status="opened")
    shipment = reload(shipment)
    assert shipment.status == "held"
    assert shipment.gate_result["seal"] == "reported"
    (alert,) = alerts(shipment)
    assert alert.kind == "seal_mismatch"
    assert holds.reasons(DECLARATION) == [alert.title]
    assert steps_at_gate(shipment) == [("holding", "container_open")]


def test_a_seal_opened_on_the_road_holds_the_truck_although_the_gate_reads_it_intact(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:2])
    opened = {
        "type": "ObjectEvent",
        "eventTime": timezone.now().astimezone(epcis.LOCAL).isoformat(),
        "eventTimeZoneOffset": "+08:00",
        "action": "OBSERVE",
        "epcList": [epcis.seal_uri(SEAL)],
        "disposition": "container_open",
    }
    trace_services.capture_events(actor=w.others["gate_device"], events=[opened], source=CaptureSource.API)
    w.gate_read(shipment, w.crates[:2], seal_status="intact")
    shipment = reload(shipment)
    assert (shipment.status, shipment.gate_result["seal"]) == ("held", "opened")


def test_another_seal_read_is_a_seal_mismatch_and_crates_and_seal_both_alert(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:2])
    w.gate_read(shipment, w.crates[:1], seal="ZJ01-00077777")
    shipment = reload(shipment)
    assert shipment.gate_result["seal"] == "other_seal"
    assert [a.kind for a in alerts(shipment)] == ["gate_mismatch", "seal_mismatch"]
    assert len(holds.reasons(DECLARATION)) == 2


def test_a_vehicle_only_read_puts_the_truck_at_the_gate_and_the_passage_read_decides(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:2])
    arrival = timezone.now()
    w.gate_read(shipment, seal=None, seal_status=None, when=arrival)
    shipment = reload(shipment)
    assert shipment.status == "at_gate"
    assert shipment.gate_arrived_at == arrival
    assert shipment.gate_result == {}
    w.gate_read(shipment, w.crates[:2], when=arrival + dt.timedelta(seconds=20))
    shipment = reload(shipment)
    assert shipment.status == "released"
    assert shipment.gate_arrived_at == arrival


def test_reads_elsewhere_than_at_a_gate_change_nothing(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:2])
    w.gate_read(shipment, w.crates[:1], gate=w.market.uri)
    assert reload(shipment).status == "sealed"


def test_a_released_truck_read_again_at_the_gate_stays_released(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:2])
    w.gate_read(shipment, w.crates[:2])
    w.gate_read(shipment, w.crates[:1], when=timezone.now() + dt.timedelta(minutes=1))
    shipment = reload(shipment)
    assert shipment.status == "released" and alerts(shipment) == []


def test_the_gate_decision_rides_on_reads_sent_as_xml_too(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:1])
    when = timezone.now().astimezone(epcis.LOCAL).isoformat()
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:ociq="https://openciq.org/epcis/"
    schemaVersion="2.0" creationDate="{when}">
  <EPCISBody><EventList><ObjectEvent>
    <eventTime>{when}</eventTime><eventTimeZoneOffset>+08:00</eventTimeZoneOffset>
    <epcList><epc>{shipment.truck_epc}</epc><epc>{epcis.seal_uri(SEAL)}</epc><epc>{w.crates[0].grai}</epc></epcList>
    <action>OBSERVE</action>
    <readPoint><id>{w.gate.uri}</id></readPoint>
    <ociq:sealStatus>intact</ociq:sealStatus>
  </ObjectEvent></EventList></EPCISBody>
</epcis:EPCISDocument>"""
    job = trace_services.capture_document(
        actor=w.others["gate_device"],
        data=xml.encode(),
        media_type="application/xml",
        source=CaptureSource.API,
    )
    assert job.status == CaptureStatus.SUCCEEDED, job.errors
    assert reload(shipment).status == "released"


# --- The inspector's decisions -------------------------------------------------------------------------


def held(w: VegWorld) -> Shipment:
    shipment = w.sealed_shipment(w.crates[:4])
    w.gate_read(shipment, w.crates[:3])
    return reload(shipment)


def test_the_inspector_takes_then_releases_a_held_truck_lifting_the_declarations_hold(w: VegWorld) -> None:
    shipment = held(w)
    (taken,) = services.shipment_acknowledge(actor=w.inspector, shipment_id=shipment.pk)
    assert (taken.status, taken.handled_by) == ("acknowledged", w.inspector)
    assert holds.reasons(DECLARATION) != []  # being handled still holds
    services.shipment_release_after_inspection(
        actor=w.inspector,
        shipment_id=shipment.pk,
        note="开箱查验：缺失一筐为装车漏装，货证相符 Crate left behind",
    )
    shipment = reload(shipment)
    assert (shipment.status, shipment.decided_by) == ("released", w.inspector)
    assert holds.reasons(DECLARATION) == []
    (alert,) = alerts(shipment)
    assert alert.status == "resolved" and "漏装" in alert.resolution
    assert steps_at_gate(shipment) == [
        ("holding", "mismatch_instance"),
        ("inspecting", "conformant"),
        ("departing", "in_transit"),
    ]


def test_releasing_needs_a_note_and_the_permission(w: VegWorld) -> None:
    shipment = held(w)
    with pytest.raises(ValidationFailed) as info:
        services.shipment_release_after_inspection(actor=w.inspector, shipment_id=shipment.pk, note=" ")
    assert list(info.value.fields) == ["note"]
    with pytest.raises(PermissionDeniedError):
        services.shipment_release_after_inspection(actor=w.packer, shipment_id=shipment.pk, note="ok")
    assert reload(shipment).status == "held"


def test_turning_back_a_held_truck_closes_the_trip_and_frees_its_crates(w: VegWorld) -> None:
    shipment = held(w)
    services.shipment_reject(
        actor=w.inspector, shipment_id=shipment.pk, reason="货证不符，退回 Goods do not match"
    )
    shipment = reload(shipment)
    assert shipment.status == "rejected"
    assert holds.reasons(DECLARATION) == []
    assert alerts(shipment)[0].status == "resolved"
    crate = json.loads(
        Event.objects.filter(epcs__epc__uri=w.crates[0].epc).order_by("-event_time", "-id").first().document
    )
    assert (crate["bizStep"], crate["disposition"], crate["action"]) == ("unpacking", "returned", "DELETE")
    again = w.new_shipment(declaration="D-2")
    services.crate_pack(
        actor=w.packer, shipment_id=again.pk, crate=w.crates[0].grai, lot_id=w.lot.pk, quantity_kg="5"
    )


def test_only_a_held_truck_can_be_released_after_inspection(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:1])
    with pytest.raises(TransitionNotAllowed):
        services.shipment_release_after_inspection(actor=w.inspector, shipment_id=shipment.pk, note="ok")


def test_the_hong_kong_receipt_unseals_unloads_and_empties_the_crates(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:2])
    w.gate_read(shipment, w.crates[:2])
    services.shipment_receive_hk(actor=w.inspector, shipment_id=shipment.pk, market_id=w.market.pk)
    shipment = reload(shipment)
    assert (shipment.status, shipment.receipt_location) == ("received", w.market)
    truck = [
        (e.biz_step, e.disposition, e.read_point_id)
        for e in Event.objects.filter(epcs__epc__uri=shipment.truck_epc, read_point=w.market).order_by("id")
    ]
    assert truck == [
        ("receiving", "container_open", w.market.pk),
        ("unloading", "", w.market.pk),
        ("unloading", "", w.market.pk),
    ]
    # The crates are free for the next trip.
    again = w.new_shipment(declaration="D-2")
    services.crate_pack(
        actor=w.packer, shipment_id=again.pk, crate=w.crates[0].grai, lot_id=w.lot.pk, quantity_kg="5"
    )


def test_a_crate_not_read_on_receipt_raises_a_receipt_alert_that_does_not_hold(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:2])
    w.gate_read(shipment, w.crates[:2])
    services.shipment_receive_hk(
        actor=w.inspector, shipment_id=shipment.pk, market_id=w.market.pk, crates_read=[w.crates[0].grai]
    )
    (alert,) = alerts(shipment)
    assert (alert.kind, alert.blocking, alert.details["missing"]) == (
        "receipt_mismatch",
        False,
        [w.crates[1].grai],
    )
    assert list(reload(shipment).crates.order_by("crate__grai").values_list("received", flat=True)) == [
        True,
        False,
    ]
    assert holds.reasons(DECLARATION) == []


def test_receipt_needs_a_market(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:1])
    w.gate_read(shipment, w.crates[:1])
    with pytest.raises(ValidationFailed) as info:
        services.shipment_receive_hk(actor=w.inspector, shipment_id=shipment.pk, market_id=w.gate.pk)
    assert list(info.value.fields) == ["market"]


def test_an_unregistered_grai_read_is_an_undeclared_crate(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:1])
    w.gate_read(shipment, w.crates[:1], extra=[grai(5555)])
    shipment = reload(shipment)
    assert shipment.status == "held"
    assert shipment.gate_result["extra"] == [canonical_identifier(grai(5555))]


# --- Reads from device ingest: one event per tag ------------------------------------------------


def device_reads(w: VegWorld, read_point: str, identifiers: list[str]) -> Any:
    """What a gate reader posts to the device endpoint (one event per tag after folding)."""
    from openciq.trace import devices

    when = timezone.now().astimezone(epcis.LOCAL).isoformat()
    return devices.ingest_payload(
        actor=w.others["gate_device"],
        topic_or_device="wenjindu-gate-1",
        payload={"readPoint": read_point, "reads": [{"epc": uri, "time": when} for uri in identifiers]},
    )


def test_a_passage_posted_by_a_gate_reader_tag_by_tag_is_compared_as_one(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:3])
    job = device_reads(
        w, w.gate.uri, [shipment.truck_epc, shipment.seal_epc, *(c.grai for c in w.crates[:3])]
    )
    assert job.stored_count == 5
    assert reload(shipment).status == "released"


def test_crates_read_at_a_lane_after_the_vehicle_reader_decide_for_the_truck_waiting_there(
    w: VegWorld,
) -> None:
    lane = trace_services.location_save(
        actor=system_actor(), uri=f"{w.gate.uri}/lane/2", name="2号通道", kind="gate", parent_uri=w.gate.uri
    )
    shipment = w.sealed_shipment(w.crates[:3])
    device_reads(w, w.gate.uri, [shipment.truck_epc])
    assert reload(shipment).status == "at_gate"
    device_reads(w, lane.uri, [shipment.seal_epc, *(c.grai for c in w.crates[:2])])
    shipment = reload(shipment)
    assert shipment.status == "held"
    assert shipment.gate_result["missing"] == [w.crates[2].epc]


def test_a_passage_of_another_truck_is_not_taken_for_the_truck_waiting_at_the_gate(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:2])
    device_reads(w, w.gate.uri, [shipment.truck_epc])
    device_reads(w, w.gate.uri, [epcis.truck_uri("粤Z9999港"), w.crates[5].grai])
    assert reload(shipment).status == "at_gate"
