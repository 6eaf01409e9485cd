"""The vegetables flow's services: the registers, harvest lots with the pre-harvest interval,
crates, and a truck trip from packing to the Hong Kong receipt; refusals name their field, each
write leaves one audit record of its own, and every step is in the EPCIS repository."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from openciq.core.errors import NotFoundError, PermissionDeniedError, TransitionNotAllowed, ValidationFailed
from openciq.core.models import AuditEvent
from openciq.trace.capture import canonical_identifier
from openciq.trace.models import Event, EventEpc, Location
from openciq.trace.vegetables import epcis, services
from openciq.trace.vegetables.models import Crate, HarvestLot, Shipment
from tests import personas
from tests.vegetables_fixtures import GATE_URI, SEAL, VegWorld, grai, veg_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are compared as written (in English; Chinese is the default language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def w() -> VegWorld:
    return veg_world()


def refused(call: Any, **kwargs: Any) -> dict[str, list[str]]:
    """The fields a service refused, by name."""
    with pytest.raises(ValidationFailed) as info:
        call(**kwargs)
    return info.value.fields


def events_of(identifier: str) -> list[dict[str, Any]]:
    """The stored events naming an identifier, oldest first, as JSON documents."""
    rows = Event.objects.filter(epcs__epc__uri=identifier).distinct().order_by("event_time", "id")
    return [json.loads(row.document) for row in rows]


def audit_actions(since: int) -> list[str]:
    return list(AuditEvent.objects.filter(pk__gt=since).order_by("id").values_list("action", flat=True))


def last_audit() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


# --- Planting bases and plots -------------------------------------------------------------------


def test_base_register_places_the_base_in_the_trace_and_audits_once(w: VegWorld) -> None:
    mark = last_audit()
    base = services.base_register(
        actor=w.inspector,
        registration_number="4403GC0002",
        name_zh="增城供港蔬菜基地",
        enterprise_id=w.enterprise.pk,
        area_ha="12.5",
        registered_on=dt.date(2024, 5, 1),
        latitude="23.29",
        longitude="113.83",
    )
    assert base.org_unit == w.enterprise.org_unit
    assert base.location.uri == "https://id.openciq.org/planting-base/4403GC0002"
    assert (base.location.kind, base.location.latitude) == ("farm", Decimal("23.290000"))
    assert audit_actions(mark).count("vegetables.base_registered") == 1


def test_base_register_refuses_a_taken_registration_number_and_a_bad_prefix(w: VegWorld) -> None:
    fields = refused(
        services.base_register,
        actor=w.inspector,
        registration_number="4403GC0001",
        name_zh="重复",
        enterprise_id=w.enterprise.pk,
        area_ha="5",
        registered_on=dt.date(2024, 1, 1),
        gs1_company_prefix="12AB",
        latitude="95",
        longitude="114",
    )
    assert set(fields) == {"registration_number", "gs1_company_prefix", "latitude"}


def test_base_register_needs_the_permission_and_an_enterprise_in_scope(w: VegWorld) -> None:
    with pytest.raises(PermissionDeniedError):
        services.base_register(
            actor=w.packer,
            registration_number="X1",
            name_zh="x",
            enterprise_id=w.enterprise.pk,
            area_ha="1",
            registered_on=dt.date(2024, 1, 1),
        )
    fields = refused(
        services.base_register,
        actor=w.inspector,  # Shenzhen: the other enterprise is supervised by Guangzhou
        registration_number="X1",
        name_zh="x",
        enterprise_id=w.other_enterprise.pk,
        area_ha="1",
        registered_on=dt.date(2024, 1, 1),
    )
    assert list(fields) == ["enterprise"]


def test_plot_lies_inside_its_base_and_plots_may_not_outgrow_it(w: VegWorld) -> None:
    plot = services.plot_add(actor=w.inspector, base_id=w.base.pk, code="b2", crop="芥蓝", area_ha="30")
    assert plot.code == "B2"
    assert plot.location.parent == w.base.location
    assert plot.location.path.startswith(w.base.location.path)
    fields = refused(
        services.plot_add, actor=w.inspector, base_id=w.base.pk, code="C3", crop="菜心", area_ha="3"
    )
    assert list(fields) == ["area_ha"]  # 8 + 30 of 40 ha are used
    assert list(
        refused(services.plot_add, actor=w.inspector, base_id=w.base.pk, code="A1", crop="x", area_ha="1")
    ) == ["code"]


# --- Harvest lots ----------------------------------------------------------------------------------


def test_lot_harvest_commissions_the_lot_with_its_harvest_facts(w: VegWorld) -> None:
    lot = w.lot
    assert lot.number.startswith(f"VL{timezone.localdate().year}")
    assert lot.epc_class == f"https://id.openciq.org/lot/{lot.number}"
    (event,) = Event.objects.filter(event_id=lot.commissioning_event_id)
    document = json.loads(event.document)
    assert (document["type"], document["action"], event.biz_step, event.disposition) == (
        "ObjectEvent",
        "ADD",
        "commissioning",
        "active",
    )
    assert document["quantityList"] == [{"epcClass": lot.epc_class, "quantity": 600.0, "uom": "KGM"}]
    assert document["ilmd"]["ociq:plantingBase"] == "4403GC0001"
    assert document["ilmd"]["ociq:plot"] == "A1"
    assert document["ilmd"]["ociq:preHarvestIntervalDays"] == 7
    assert event.read_point == w.plot.location and event.biz_location == w.base.location


def test_lot_harvest_refuses_a_harvest_inside_the_pre_harvest_interval_naming_the_harvest_date(
    w: VegWorld,
) -> None:
    before = HarvestLot.objects.count()
    today = timezone.localdate()
    fields = refused(
        services.lot_harvest,
        actor=w.packer,
        **w.lot_kwargs(last_pesticide_date=today - dt.timedelta(days=3), pre_harvest_interval_days=7),
    )
    assert list(fields) == ["harvest_date"]
    assert (today - dt.timedelta(days=3) + dt.timedelta(days=7)).isoformat() in fields["harvest_date"][0]
    assert HarvestLot.objects.count() == before


def test_lot_harvest_refuses_a_pesticide_date_after_the_harvest_and_a_missing_interval(w: VegWorld) -> None:
    today = timezone.localdate()
    fields = refused(
        services.lot_harvest,
        actor=w.packer,
        **w.lot_kwargs(harvest_date=today - dt.timedelta(days=1), last_pesticide_date=today),
    )
    assert list(fields) == ["last_pesticide_date"]
    fields = refused(services.lot_harvest, actor=w.packer, **w.lot_kwargs(pre_harvest_interval_days=None))
    assert list(fields) == ["pre_harvest_interval_days"]


def test_lot_with_a_gtin_is_an_lgtin_under_the_bases_company_prefix(w: VegWorld) -> None:
    base = services.base_register(
        actor=w.inspector,
        registration_number="4403GC0009",
        name_zh="有条码的基地",
        enterprise_id=w.enterprise.pk,
        area_ha="10",
        registered_on=dt.date(2024, 1, 1),
        gs1_company_prefix="6923456",
    )
    plot = services.plot_add(actor=w.inspector, base_id=base.pk, code="P1", crop="菜心", area_ha="5")
    lot = services.lot_harvest(actor=w.packer, **w.lot_kwargs(plot_id=plot.pk, gtin="06923456000018"))
    assert lot.gtin == "06923456000018"
    assert lot.epc_class == f"https://id.gs1.org/01/06923456000018/10/{lot.number}"
    other_prefix = refused(
        services.lot_harvest, actor=w.packer, **w.lot_kwargs(plot_id=plot.pk, gtin="06901234000016")
    )
    assert list(other_prefix) == ["gtin"]
    bad_check_digit = refused(
        services.lot_harvest, actor=w.packer, **w.lot_kwargs(plot_id=plot.pk, gtin="06923456000014")
    )
    assert bad_check_digit == {"gtin": ["The check digit is wrong."]}


def test_lot_harvest_on_a_plot_out_of_scope_is_not_found(w: VegWorld) -> None:
    stranger = personas.persona("stranger", "enterprise_user", None)
    with pytest.raises(NotFoundError):
        services.lot_harvest(actor=stranger, **w.lot_kwargs())


# --- Crates --------------------------------------------------------------------------------------


def test_crate_register_in_bulk_commissions_the_tags_with_one_audit_record(w: VegWorld) -> None:
    mark = last_audit()
    crates = services.crate_register(
        actor=w.packer,
        enterprise_id=w.enterprise.pk,
        grais=services.grai_range(company_prefix="69234567", asset_type="0001", first_serial=2001, count=50),
    )
    assert len(crates) == 50
    assert crates[0].epc == canonical_identifier(grai(2001))
    assert audit_actions(mark).count("vegetables.crates_registered") == 1
    (commissioning,) = [e for e in events_of(crates[0].epc) if e.get("bizStep") == "commissioning"]
    assert len(commissioning["epcList"]) == 50


def test_crate_register_names_bad_and_duplicate_grais_by_line(w: VegWorld) -> None:
    fields = refused(
        services.crate_register,
        actor=w.packer,
        enterprise_id=w.enterprise.pk,
        grais=[grai(3001), "urn:epc:id:sgtin:69234567.0001.1", grai(3001), w.crates[0].grai],
    )
    messages = fields["grais"]
    assert messages[0].startswith("Line 2")
    assert messages[1].startswith("Line 3")
    assert w.crates[0].grai in messages[2]
    assert not Crate.objects.filter(epc=canonical_identifier(grai(3001))).exists()


# --- A trip ------------------------------------------------------------------------------------


def test_a_trip_is_recorded_in_epcis_from_packing_to_sealing(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:2])
    assert shipment.status == "sealed"
    crate = w.crates[0]
    steps = [
        (e["type"], e.get("action"), e.get("bizStep"), e.get("disposition")) for e in events_of(crate.epc)
    ]
    assert steps == [
        ("ObjectEvent", "ADD", "commissioning", "active"),
        ("AggregationEvent", "ADD", "packing", None),
        ("AggregationEvent", "ADD", "loading", "in_transit"),
    ]
    truck = [(e["type"], e.get("bizStep"), e.get("disposition")) for e in events_of(shipment.truck_epc)]
    assert truck == [
        ("AggregationEvent", "loading", "in_transit"),
        ("AssociationEvent", "staging_outbound", None),
        ("ObjectEvent", "staging_outbound", "container_closed"),
    ]
    loading = events_of(shipment.truck_epc)[0]
    assert loading["bizTransactionList"] == [
        {"type": "cert", "bizTransaction": "https://id.openciq.org/declaration/440300125000001"}
    ]
    packing = events_of(crate.epc)[1]
    assert packing["parentID"] == crate.epc
    assert packing["childQuantityList"] == [{"epcClass": w.lot.epc_class, "quantity": 20.0, "uom": "KGM"}]


def test_shipment_create_refuses_a_truck_on_another_open_trip(w: VegWorld) -> None:
    first = w.new_shipment(plate="粤Z0001港")
    fields = refused(
        services.shipment_create,
        actor=w.packer,
        enterprise_id=w.enterprise.pk,
        port_id=w.port.pk,
        declaration_number="D-2",
        truck_plate="粤Z 0001港",
    )
    assert list(fields) == ["truck_plate"]
    assert first.number in fields["truck_plate"][0]


def test_crate_pack_refuses_a_crate_already_on_another_open_shipment(w: VegWorld) -> None:
    first = w.new_shipment()
    services.crate_pack(
        actor=w.packer, shipment_id=first.pk, crate=w.crates[0].grai, lot_id=w.lot.pk, quantity_kg="20"
    )
    second = w.new_shipment(declaration="D-2")
    fields = refused(
        services.crate_pack,
        actor=w.packer,
        shipment_id=second.pk,
        crate=w.crates[0].grai,
        lot_id=w.lot.pk,
        quantity_kg="20",
    )
    assert list(fields) == ["crate"]
    assert first.number in fields["crate"][0]
    assert not second.crates.exists()


def test_crate_pack_refuses_more_than_is_left_of_the_lot_and_a_stranger_crate(w: VegWorld) -> None:
    shipment = w.new_shipment()
    services.crate_pack(
        actor=w.packer, shipment_id=shipment.pk, crate=w.crates[0].grai, lot_id=w.lot.pk, quantity_kg="590"
    )
    fields = refused(
        services.crate_pack,
        actor=w.packer,
        shipment_id=shipment.pk,
        crate=w.crates[1].grai,
        lot_id=w.lot.pk,
        quantity_kg="20",
    )
    assert list(fields) == ["quantity_kg"]
    assert "10" in fields["quantity_kg"][0]
    assert list(
        refused(
            services.crate_pack,
            actor=w.packer,
            shipment_id=shipment.pk,
            crate=grai(9999),
            lot_id=w.lot.pk,
            quantity_kg="1",
        )
    ) == ["crate"]


def test_a_crate_is_free_again_once_its_trip_is_cancelled(w: VegWorld) -> None:
    first = w.sealed_shipment(w.crates[:2])
    services.shipment_cancel(actor=w.packer, shipment_id=first.pk, reason="车辆故障 Truck broke down")
    second = w.new_shipment(declaration="D-2")
    line = services.crate_pack(
        actor=w.packer, shipment_id=second.pk, crate=w.crates[0].grai, lot_id=w.lot.pk, quantity_kg="20"
    )
    assert line.shipment == second
    steps = [(e["type"], e.get("action"), e.get("bizStep")) for e in events_of(w.crates[0].epc)]
    assert steps[-3:] == [
        ("AggregationEvent", "DELETE", "unloading"),
        ("AggregationEvent", "DELETE", "unpacking"),
        ("AggregationEvent", "ADD", "packing"),
    ]
    assert Shipment.objects.get(pk=first.pk).status == "cancelled"


def test_crate_unpack_takes_a_loaded_crate_off_the_truck(w: VegWorld) -> None:
    shipment = w.new_shipment()
    services.crate_pack(
        actor=w.packer, shipment_id=shipment.pk, crate=w.crates[0].grai, lot_id=w.lot.pk, quantity_kg="20"
    )
    services.shipment_load(actor=w.packer, shipment_id=shipment.pk)
    services.crate_unpack(actor=w.packer, shipment_id=shipment.pk, crate=w.crates[0].epc)
    assert not shipment.crates.exists()
    steps = [(e.get("action"), e.get("bizStep")) for e in events_of(w.crates[0].epc)][-2:]
    assert steps == [("DELETE", "unloading"), ("DELETE", "unpacking")]


def test_sealing_twice_is_refused_and_changes_nothing(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:1])
    count = Event.objects.count()
    with pytest.raises(TransitionNotAllowed) as info:
        services.shipment_seal(actor=w.packer, shipment_id=shipment.pk, seal_id="ZJ01-00099999")
    assert info.value.fields == {"status": ["Sealed"]}
    assert Shipment.objects.get(pk=shipment.pk).seal_id == SEAL
    assert Event.objects.count() == count


def test_sealing_needs_loaded_crates_and_a_well_formed_free_seal(w: VegWorld) -> None:
    shipment = w.new_shipment()
    assert set(
        refused(services.shipment_seal, actor=w.packer, shipment_id=shipment.pk, seal_id="bad seal")
    ) == {
        "crates",
        "seal_id",
    }
    services.crate_pack(
        actor=w.packer, shipment_id=shipment.pk, crate=w.crates[0].grai, lot_id=w.lot.pk, quantity_kg="20"
    )
    assert list(refused(services.shipment_seal, actor=w.packer, shipment_id=shipment.pk, seal_id=SEAL)) == [
        "crates"
    ]
    w.sealed_shipment(w.crates[1:2], declaration="D-2", seal="ZJ01-00000777")
    services.shipment_load(actor=w.packer, shipment_id=shipment.pk)
    fields = refused(services.shipment_seal, actor=w.packer, shipment_id=shipment.pk, seal_id="zj01-00000777")
    assert list(fields) == ["seal_id"]


def test_packing_is_refused_once_sealed(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:1])
    with pytest.raises(TransitionNotAllowed):
        services.crate_pack(
            actor=w.packer, shipment_id=shipment.pk, crate=w.crates[1].grai, lot_id=w.lot.pk, quantity_kg="20"
        )


def test_another_enterprises_user_cannot_see_or_pack_the_shipment(w: VegWorld) -> None:
    shipment = w.new_shipment()
    stranger = personas.persona("stranger", "enterprise_user", None)
    with pytest.raises(NotFoundError):
        services.crate_pack(
            actor=stranger, shipment_id=shipment.pk, crate=w.crates[0].grai, lot_id=w.lot.pk, quantity_kg="1"
        )


def test_each_step_of_a_trip_writes_one_audit_record_of_its_own(w: VegWorld) -> None:
    mark = last_audit()
    shipment = w.sealed_shipment(w.crates[:2])
    own = [a for a in audit_actions(mark) if a.startswith("vegetables.")]
    assert own == [
        "vegetables.shipment_created",
        "vegetables.crate_packed",
        "vegetables.crate_packed",
        "vegetables.shipment_loaded",
        "vegetables.shipment_sealed",
    ]
    assert shipment.status == "sealed"


def test_the_steps_happen_at_the_packing_house_of_the_enterprise(w: VegWorld) -> None:
    shipment = w.new_shipment()
    place = Location.objects.get(uri=epcis.packhouse_uri(w.enterprise.uscc))
    assert shipment.packhouse == place and place.kind == "packhouse"
    assert place.uri != GATE_URI


def test_event_references_point_at_stored_events(w: VegWorld) -> None:
    shipment = w.new_shipment()
    line = services.crate_pack(
        actor=w.packer, shipment_id=shipment.pk, crate=w.crates[0].grai, lot_id=w.lot.pk, quantity_kg="20"
    )
    event = Event.objects.get(event_id=line.packing_event_id)
    parent = EventEpc.objects.get(event=event, role=2)
    assert parent.epc.uri == w.crates[0].epc
