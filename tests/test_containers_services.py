"""The container e-seal flow's services and its capture listener, with the real capture pipeline:
registers and ISO 6346 validation, sealing (and sealing twice refused), reads from the road moving
a trip on, the alarms an unexpected opening, a tamper, a different seal and a low battery raise
(and the declaration held by them), the authorised opening that raises nothing, inspection,
clearance and its time, cancellation, and who may do what."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from openciq.core.errors import NotFoundError, PermissionDeniedError, TransitionNotAllowed, ValidationFailed
from openciq.core.models import AuditEvent
from openciq.declarations import holds
from openciq.trace import services as trace_services
from openciq.trace.containers import services, watch
from openciq.trace.containers.models import Container, Seal, Trip
from openciq.trace.models import Event, SupervisionAlert
from tests import personas
from tests.containers_fixtures import (
    CONTAINERS,
    DECLARATION,
    ContainerWorld,
    capture_reads,
    container_world,
    read,
    refresh,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Refusal messages are checked in English (the bureau's default language is Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def w() -> ContainerWorld:
    return container_world()


def _events(trip: Trip, biz_step: str) -> list[dict[str, Any]]:
    return [
        json.loads(e.document)
        for e in Event.objects.filter(epcs__epc__uri=trip.container.uri, biz_step=biz_step).distinct()
    ]


def _alerts(trip: Trip) -> list[SupervisionAlert]:
    return list(SupervisionAlert.objects.filter(key__startswith=services.alert_key(trip)).order_by("id"))


def _on_the_road(w: ContainerWorld, trip: Trip) -> None:
    capture_reads(
        w, [read(w.checkpoint, trip.container.uri, trip.seal.uri, seal_status="sealed", battery=88)]
    )


# --- Registers ---------------------------------------------------------------------------------


def test_container_register_checks_the_iso_6346_check_digit_naming_the_field(w: ContainerWorld) -> None:
    with pytest.raises(ValidationFailed) as bad_digit:
        services.container_register(actor=w.sealer, number="CSQU3054384")
    assert list(bad_digit.value.fields) == ["number"]
    assert "check digit" in bad_digit.value.fields["number"][0]
    with pytest.raises(ValidationFailed) as short:
        services.container_register(actor=w.sealer, number="CSQU305438")
    assert "11 characters" in short.value.fields["number"][0]
    with pytest.raises(ValidationFailed) as size:
        services.container_register(actor=w.sealer, number="CSQU3054383", size_type="22G")
    assert list(size.value.fields) == ["size_type"]
    assert not Container.objects.exists()

    container = services.container_register(actor=w.sealer, number="csqu 305438 3", size_type="22g1")
    assert (container.number, container.owner_code, container.size_type) == ("CSQU3054383", "CSQ", "22G1")
    assert container.uri == "urn:epc:id:bic:CSQU3054383" and str(container) == "CSQU 305438 3"
    assert AuditEvent.objects.filter(action="containers.container_registered").count() == 1
    with pytest.raises(ValidationFailed) as twice:
        services.container_register(actor=w.sealer, number="CSQU3054383")
    assert "registered already" in twice.value.fields["number"][0]


def test_seal_register_validates_the_seal_id_and_keeps_it_in_the_office(w: ContainerWorld) -> None:
    with pytest.raises(ValidationFailed) as bad:
        services.seal_register(actor=w.sealer, seal_id="no seal")
    assert list(bad.value.fields) == ["seal_id"]
    seal = services.seal_register(actor=w.sealer, seal_id="hk02-778899", reusable=False)
    assert (seal.seal_id, seal.manufacturer, seal.status) == ("HK02-778899", "HK02", "available")
    assert seal.uri == "https://id.openciq.org/seal/HK02-778899" and seal.org_unit.code == "GZ"
    with pytest.raises(PermissionDeniedError):
        services.seal_register(actor=w.nobody, seal_id="HK02-778900")


# --- Sealing -----------------------------------------------------------------------------------


def test_trip_seal_records_the_association_and_the_closed_container(w: ContainerWorld) -> None:
    trip = w.seal(size_type="45G1")
    assert trip.status == "sealed" and trip.number.startswith(f"CT{timezone.now().year}")
    assert trip.org_unit.code == "SZ"  # the destination office supervises and clears
    assert (trip.container.number, trip.container.size_type) == (CONTAINERS[0], "45G1")
    assert Seal.objects.get(pk=w.seals[0].pk).status == "sealed"
    association = Event.objects.get(type=5, epcs__epc__uri=trip.seal.uri)
    doc = json.loads(association.document)
    assert (doc["action"], doc["parentID"], doc["childEPCs"], doc["bizStep"]) == (
        "ADD",
        "urn:epc:id:bic:CSQU3054383",
        [trip.seal.uri],
        "installing",
    )
    (closed,) = _events(trip, "staging_outbound")
    assert closed["disposition"] == "container_closed" and closed["readPoint"] == {"id": w.yard.uri}
    assert closed["ociq:declarationNumber"] == DECLARATION and closed["ociq:sealStatus"] == "sealed"
    assert closed["bizTransactionList"] == [
        {"bizTransaction": f"https://id.openciq.org/declaration/{DECLARATION}"}
    ]
    assert AuditEvent.objects.filter(action="containers.trip_sealed").count() == 1
    assert not SupervisionAlert.objects.exists() and holds.reasons(DECLARATION) == []


def test_sealing_twice_is_refused_for_the_seal_and_for_the_container(w: ContainerWorld) -> None:
    trip = w.seal()
    with pytest.raises(ValidationFailed) as same_seal:
        w.seal(1, seal=0)
    assert list(same_seal.value.fields) == ["seal_id"]
    assert trip.number in same_seal.value.fields["seal_id"][0]
    with pytest.raises(ValidationFailed) as same_container:
        w.seal(0, seal=1)
    assert list(same_container.value.fields) == ["container_number"]
    assert Trip.objects.count() == 1 and Seal.objects.get(pk=w.seals[1].pk).status == "available"


def test_trip_seal_names_every_wrong_field(w: ContainerWorld) -> None:
    data = services.TripInput(
        declaration_number="",
        container_number="CSQU3054384",
        seal_id="ZZ99-1",
        plate=" ",
        origin_port_id=w.destination.pk,  # not the sealing inspector's office
        destination_port_id=w.destination.pk,
        sealing_location_id=w.gate.pk,  # a gate is not a yard
        arrival_location_id=w.gate.pk,
        checkpoint_ids=[w.yard.pk],
    )
    with pytest.raises(ValidationFailed) as refused:
        services.trip_seal(actor=w.sealer, data=data)
    assert sorted(refused.value.fields) == [
        "arrival_location",  # the same place as the sealing
        "checkpoints",
        "container_number",
        "declaration_number",
        "destination_port",
        "origin_port",
        "plate",
        "seal_id",
        "sealing_location",
    ]
    assert not Trip.objects.exists() and not Event.objects.exists()


# --- The listener through real captures -------------------------------------------------------------


def test_intact_reads_move_the_trip_on_and_record_the_seal_read(w: ContainerWorld) -> None:
    trip = w.seal()
    capture_reads(w, [read(w.yard, trip.container.uri, trip.seal.uri, seal_status="sealed")])
    assert refresh(trip).status == "sealed"  # still at the yard
    _on_the_road(w, trip)
    trip = refresh(trip)
    assert trip.status == "in_transit" and trip.departed_at is not None
    assert (trip.last_read_seal, trip.last_seal_status, trip.seal_reconciliation) == (
        trip.seal.seal_id,
        "sealed",
        "match",
    )
    assert (trip.seal.battery_percent, trip.seal.battery_low) == (88, False)
    capture_reads(w, [read(w.lane, trip.seal.uri, disposition="in_transit", biz_step="arriving")])
    trip = refresh(trip)
    assert trip.status == "arrived" and trip.arrived_at is not None  # a lane inside the gate
    assert trip.last_read_location_id == w.lane.pk
    assert not SupervisionAlert.objects.exists()
    assert AuditEvent.objects.filter(action="containers.trip_read").count() == 3


def test_an_unexpected_container_open_raises_an_alarm_and_holds_the_declaration(w: ContainerWorld) -> None:
    trip = w.seal()
    _on_the_road(w, trip)
    capture_reads(w, [read(w.depot, trip.container.uri, disposition="container_open")])
    trip = refresh(trip)
    assert trip.status == "alarm" and trip.alarm_at is not None
    assert trip.seal.status == "opened"
    (alert,) = _alerts(trip)
    assert (alert.kind, alert.blocking, alert.severity, alert.declaration_number) == (
        "seal_opened",
        True,
        "high",
        DECLARATION,
    )
    assert alert.org_unit.code == "SZ" and alert.subject == trip.container.uri
    assert alert.details["place"] == "中山某堆场" and alert.event.disposition == "container_open"
    assert holds.reasons(DECLARATION) == [alert.title]
    (held,) = _events(trip, "holding")
    assert held["ociq:alarm"] == "seal_opened" and held["readPoint"] == {"id": w.depot.uri}
    # The same state reported again does not raise a second alert while the first is open.
    capture_reads(w, [read(w.checkpoint, trip.container.uri, disposition="container_open")])
    assert len(_alerts(trip)) == 1


def test_the_listener_reads_the_extension_under_any_prefix(w: ContainerWorld) -> None:
    trip = w.seal()
    capture_reads(w, [read(w.checkpoint, trip.seal.uri, seal_status="tampered")], prefix="lock")
    trip = refresh(trip)
    (alert,) = _alerts(trip)
    assert (alert.kind, trip.status, trip.seal.status, trip.last_seal_status) == (
        "seal_tampered",
        "alarm",
        "tampered",
        "tampered",
    )
    assert holds.reasons(DECLARATION) == [alert.title]


def test_a_different_seal_read_on_the_container_is_a_seal_mismatch(w: ContainerWorld) -> None:
    trip = w.seal()
    other = w.seals[2]
    capture_reads(w, [read(w.lane, trip.container.uri, other.uri, biz_step="arriving")])
    trip = refresh(trip)
    (alert,) = _alerts(trip)
    assert (alert.kind, alert.severity, alert.blocking) == ("seal_mismatch", "medium", True)
    assert (
        alert.details["read_seals"] == [other.seal_id] and alert.details["declared_seal"] == trip.seal.seal_id
    )
    assert (trip.status, trip.last_read_seal, trip.seal_reconciliation) == (
        "alarm",
        other.seal_id,
        "mismatch",
    )
    assert trip.arrived_at is not None  # it did reach the gate
    (held,) = _events(trip, "holding")
    assert held["disposition"] == "mismatch_instance"
    assert holds.reasons(DECLARATION) == [alert.title]


def test_a_low_battery_warns_without_holding(w: ContainerWorld) -> None:
    trip = w.seal()
    capture_reads(w, [read(w.checkpoint, trip.seal.uri, seal_status="sealed", battery="12%")])
    capture_reads(w, [read(w.checkpoint, trip.seal.uri, seal_status="sealed", battery=9)])
    trip = refresh(trip)
    (alert,) = _alerts(trip)
    assert (alert.kind, alert.blocking, alert.severity, alert.declaration_number) == (
        "seal_battery",
        False,
        "low",
        "",
    )
    assert (trip.status, trip.seal.battery_percent, trip.seal.battery_low) == ("in_transit", 9, True)
    assert holds.reasons(DECLARATION) == []


def test_reads_of_other_things_and_of_earlier_trips_change_nothing(w: ContainerWorld) -> None:
    trip = w.seal()
    before = AuditEvent.objects.filter(action="containers.trip_read").count()
    early = trip.sealed_at - dt.timedelta(hours=2)
    capture_reads(
        w,
        [
            read(w.depot, trip.container.uri, disposition="container_open", when=early),
            read(w.checkpoint, "urn:epc:id:bic:MSKU9070323", disposition="container_open"),
            read(w.checkpoint, "https://id.openciq.org/vehicle/YUEZA1234"),
        ],
    )
    assert refresh(trip).status == "sealed" and not SupervisionAlert.objects.exists()
    assert AuditEvent.objects.filter(action="containers.trip_read").count() == before


def test_the_listener_says_not_mine_without_a_query(w: ContainerWorld) -> None:
    pigs = [
        Event(
            type=1,
            document=json.dumps(
                {"type": "ObjectEvent", "epcList": [f"https://id.openciq.org/iso11784/15600000000{n:04d}"]}
            ),
        )
        for n in range(500)
    ]
    with CaptureQueriesContext(connection) as queries:
        watch.on_events(pigs)
    assert len(queries) == 0


# --- At the destination ----------------------------------------------------------------------------


def _arrive(w: ContainerWorld, trip: Trip) -> Trip:
    capture_reads(
        w, [read(w.gate, trip.container.uri, trip.seal.uri, seal_status="sealed", biz_step="arriving")]
    )
    return refresh(trip)


def test_authorised_opening_raises_nothing_and_frees_the_seal(w: ContainerWorld) -> None:
    trip = _arrive(w, w.seal())
    opened = services.trip_open_authorised(actor=w.inspector, trip_id=trip.pk)
    assert opened.status == "opened" and opened.opened_by == w.inspector
    assert not SupervisionAlert.objects.exists() and holds.reasons(DECLARATION) == []
    assert Seal.objects.get(pk=trip.seal_id).status == "available"
    (unloading,) = _events(trip, "unloading")
    assert unloading["disposition"] == "container_open" and unloading["readPoint"] == {"id": w.gate.uri}
    removal = Event.objects.get(type=5, action=3, epcs__epc__uri=trip.seal.uri)
    assert json.loads(removal.document)["bizStep"] == "removing"
    assert Event.objects.filter(biz_step="decommissioning", epcs__epc__uri=trip.seal.uri).count() == 1
    # A device still reporting the opened container afterwards is not an alarm.
    capture_reads(w, [read(w.gate, trip.container.uri, disposition="container_open")])
    assert not SupervisionAlert.objects.exists()


def test_clearance_records_the_time_from_arrival_to_release(w: ContainerWorld) -> None:
    trip = _arrive(w, w.seal())
    Trip.objects.filter(pk=trip.pk).update(arrived_at=timezone.now() - dt.timedelta(minutes=42))
    services.trip_open_authorised(actor=w.inspector, trip_id=trip.pk)
    cleared = services.trip_clear(actor=w.inspector, trip_id=trip.pk)
    assert cleared.status == "cleared" and cleared.cleared_by == w.inspector
    assert 42 * 60 <= cleared.clearance_seconds < 43 * 60
    assert cleared.clearance_time == dt.timedelta(seconds=cleared.clearance_seconds)
    (released,) = _events(trip, "https://openciq.org/epcis/bizstep/clearing")
    assert released["ociq:clearanceMinutes"] == 42
    with pytest.raises(TransitionNotAllowed):
        services.trip_clear(actor=w.inspector, trip_id=trip.pk)


def test_green_lane_clearance_takes_the_seal_off(w: ContainerWorld) -> None:
    trip = _arrive(w, w.seal())
    cleared = services.trip_clear(actor=w.inspector, trip_id=trip.pk)
    assert cleared.status == "cleared" and Seal.objects.get(pk=trip.seal_id).status == "available"
    assert Event.objects.filter(biz_step="removing", epcs__epc__uri=trip.seal.uri).count() == 1
    # The seal is free for the next container.
    assert w.seal(1, seal=0).status == "sealed"


def test_clear_refuses_while_a_blocking_alert_is_open_naming_it(w: ContainerWorld) -> None:
    trip = _arrive(w, w.seal())
    capture_reads(w, [read(w.gate, trip.container.uri, trip.seal.uri, seal_status="tampered")])
    (alert,) = _alerts(trip)
    with pytest.raises(ValidationFailed) as held:
        services.trip_clear(actor=w.inspector, trip_id=trip.pk)
    assert held.value.fields["alerts"] == [alert.title] and alert.title in held.value.message
    trace_services.alert_acknowledge(actor=w.inspector, alert_id=alert.pk)
    trace_services.alert_resolve(
        actor=w.inspector, alert_id=alert.pk, resolution="Lock cable cut; goods checked."
    )
    assert holds.reasons(DECLARATION) == []
    with pytest.raises(ValidationFailed) as uninspected:
        services.trip_clear(actor=w.inspector, trip_id=trip.pk)
    assert list(uninspected.value.fields) == ["inspection_result"]
    services.trip_inspect(actor=w.inspector, trip_id=trip.pk, result="non_conformant")
    with pytest.raises(ValidationFailed):
        services.trip_clear(actor=w.inspector, trip_id=trip.pk)
    inspected = services.trip_inspect(
        actor=w.inspector, trip_id=trip.pk, result="conformant", note="Re-checked."
    )
    assert [e["disposition"] for e in _events(trip, "inspecting")] == ["non_conformant", "conformant"]
    assert inspected.inspection_note == "Re-checked."
    cleared = services.trip_clear(actor=w.inspector, trip_id=trip.pk)
    assert cleared.status == "cleared" and Seal.objects.get(pk=trip.seal_id).status == "tampered"


def test_inspect_refuses_a_result_that_is_not_a_cbv_disposition(w: ContainerWorld) -> None:
    trip = _arrive(w, w.seal())
    with pytest.raises(ValidationFailed) as refused:
        services.trip_inspect(actor=w.inspector, trip_id=trip.pk, result="fine")
    assert list(refused.value.fields) == ["result"]


def test_cancel_takes_the_seal_off_and_needs_a_reason(w: ContainerWorld) -> None:
    trip = w.seal()
    with pytest.raises(ValidationFailed) as no_reason:
        services.trip_cancel(actor=w.sealer, trip_id=trip.pk, reason=" ")
    assert list(no_reason.value.fields) == ["reason"]
    cancelled = services.trip_cancel(actor=w.sealer, trip_id=trip.pk, reason="Sealed the wrong container.")
    assert cancelled.status == "cancelled" and Seal.objects.get(pk=trip.seal_id).status == "available"
    with pytest.raises(TransitionNotAllowed):
        services.trip_cancel(actor=w.sealer, trip_id=trip.pk, reason="again")


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        ("sealed", {"cancel"}),
        ("in_transit", {"cancel"}),
        ("arrived", {"open", "inspect", "clear", "cancel"}),
        ("alarm", {"open", "inspect", "clear", "cancel"}),
        ("opened", {"inspect", "clear", "cancel"}),
        ("cleared", set()),
        ("cancelled", set()),
    ],
)
def test_the_transition_table(w: ContainerWorld, status: str, allowed: set[str]) -> None:
    trip = w.seal()
    Trip.objects.filter(pk=trip.pk).update(status=status)
    trip = refresh(trip)
    found = set()
    for verb in ("open", "inspect", "clear", "cancel"):
        try:
            services.check(trip, verb)
        except TransitionNotAllowed:
            continue
        found.add(verb)
    assert found == allowed


def test_actions_outside_the_actors_area_answer_not_found(w: ContainerWorld) -> None:
    trip = _arrive(w, w.seal())
    outsider = personas.persona("inspector_fs", "branch_inspector", "FS")
    with pytest.raises(NotFoundError):
        services.trip_open_authorised(actor=outsider, trip_id=trip.pk)
    with pytest.raises(PermissionDeniedError):
        services.trip_clear(actor=w.leader, trip_id=trip.pk)
    assert refresh(trip).status == "arrived"
