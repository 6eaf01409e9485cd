"""The bureau-scale vegetables seeder (``openciq seed --scale bureau``), on a small world of the
same shape with the gate's exceptions made frequent: the counts follow the plan, a reused crate's
trace holds only the trucks of its own trips, a lot's and a truck's traces hold what they
should, the shipments agree with the gate's events, a seeded event captured again is refused as
a duplicate, the documents pass the repository's validation, a second run adds nothing, and a
plan that cannot be made is refused with nothing stored."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from typing import Any

import pytest

from openciq.accounts.services import system_actor
from openciq.core.audit import verify_chain
from openciq.core.models import AuditEvent
from openciq.core.models import Counter as NumberCounter
from openciq.trace import capture, tracing, validation
from openciq.trace import services as trace_services
from openciq.trace.choices import AlertStatus, CaptureSource, ErrorBehaviour
from openciq.trace.models import CaptureJob, Epc, Event, SupervisionAlert
from openciq.trace.problems import errors
from openciq.trace.vegetables import bulkseed, epcis
from openciq.trace.vegetables.choices import ShipmentStatus
from openciq.trace.vegetables.models import Crate, HarvestLot, PlantingBase, Plot, Shipment, ShipmentCrate

pytestmark = pytest.mark.django_db

SMALL = {"enterprises": 2, "bases": 5, "crates": 240, "trucks": 8, "shipments": 60, "years": 1}
RATES = {"missing": 0.1, "extra": 0.05, "seal_not_read": 0.05, "seal_reported": 0.05, "receipt_missing": 0.05}


def _seed(**options: Any) -> dict[str, Any]:
    return bulkseed.seed_bureau(
        rng=random.Random(2010), actor=system_actor(), rates=RATES, chunk_shipments=25, **{**SMALL, **options}
    )


def _ground() -> None:
    from openciq.accounts import seed as accounts_seed
    from openciq.masterdata import seed as masterdata_seed

    system = system_actor()
    accounts_seed.seed(scale="demo", rng=random.Random("2011:accounts"), actor=system)
    masterdata_seed.seed(scale="demo", rng=random.Random("2011:masterdata"), actor=system)


@pytest.fixture
def world() -> dict[str, Any]:
    _ground()
    return _seed()


def _documents(**filters: Any) -> list[dict[str, Any]]:
    return [json.loads(text) for text in Event.objects.filter(**filters).values_list("document", flat=True)]


def _seeded() -> Any:
    return Shipment.objects.filter(declaration_number__startswith=bulkseed.DECLARATION_PREFIX)


def test_counts_follow_the_plan(world: dict[str, Any]) -> None:
    assert (world["enterprises"], world["bases"], world["crates"], world["trucks"]) == (2, 5, 240, 8)
    assert world["shipments"] == 60 and _seeded().count() == 60
    assert PlantingBase.objects.count() == 5 and Plot.objects.count() == world["plots"] >= 10
    assert Crate.objects.count() == 240
    statuses = Counter(_seeded().values_list("status", flat=True))
    assert set(statuses) <= {ShipmentStatus.RECEIVED, ShipmentStatus.REJECTED}
    assert statuses[ShipmentStatus.RECEIVED] > statuses[ShipmentStatus.REJECTED] >= 1
    assert len(set(_seeded().values_list("truck_epc", flat=True))) <= 8
    job = CaptureJob.objects.get(source=CaptureSource.SEED)
    assert job.success and job.stored_count == world["events"]
    assert Event.objects.filter(capture_job=job).count() == world["events"]
    lines = ShipmentCrate.objects.filter(shipment__in=_seeded()).count()
    lots = HarvestLot.objects.count()
    # Per trip: packing and unpacking per crate, a commissioning per lot, loading, sealing (2),
    # the gate's read and decision, the receipt (receiving, seal off, unloading); more when held.
    assert 2 * lines + lots + 8 * 60 <= world["events"] <= 2 * lines + lots + 11 * 60
    assert MIN_LINES * 60 <= lines <= bulkseed.MAX_CRATES * 60
    assert AuditEvent.objects.filter(action="vegetables.bureau_seeded").count() == 1
    assert verify_chain()[1] is None
    uris = list(Epc.objects.values_list("uri", flat=True))
    assert len(uris) == len(set(uris))
    year = _seeded().order_by("-number").first().number[2:6]
    assert NumberCounter.objects.get(name=f"vegetables.shipment.{year}").value >= 1
    assert NumberCounter.objects.get(name=f"vegetables.lot.{year}").value >= 1
    for lot in HarvestLot.objects.all():  # each lot packed whole
        assert lot.quantity_kg == sum(line.quantity_kg for line in lot.packings.all())


MIN_LINES = bulkseed.MIN_CRATES


def _trips(crate: Crate) -> list[tuple[Shipment, dt.datetime, dt.datetime]]:
    """The crate's trips: the shipment, loaded at, unloaded at (the end of the trip's events)."""
    found = []
    for line in crate.packings.select_related("shipment").order_by("packed_at"):
        shipment = line.shipment
        (unloaded,) = Event.objects.filter(
            biz_step="unloading", type=2, document__contains=f'"ociq:shipment":"{shipment.number}"'
        ).values_list("event_time", flat=True)
        found.append((shipment, line.loaded_at, unloaded))
    return found


def test_a_reused_crates_trace_holds_only_the_trucks_of_its_own_trips(world: dict[str, Any]) -> None:
    crate = max(Crate.objects.filter(grai__contains=".0002."), key=lambda c: c.packings.count())
    trips = _trips(crate)
    assert len(trips) >= 2  # reused
    found = tracing.trace(crate.epc)
    trucks = {node.uri: node for node in found.nodes if node.relation == "container"}
    assert set(trucks) == {shipment.truck_epc for shipment, _l, _u in trips}
    # No sibling crate of any trip, and exactly the lots it carried.
    other_crates = set(Crate.objects.exclude(pk=crate.pk).values_list("epc", flat=True))
    assert not other_crates & {node.uri for node in found.nodes}
    lots = {line.lot.epc_class for line in crate.packings.select_related("lot")}
    assert {node.uri for node in found.nodes if node.relation == "content"} == lots
    # The trucks' events in the trace are those of the crate's trips, never of their other trips.
    windows = [(loaded, unloaded) for _s, loaded, unloaded in trips]
    for event in found.events:
        concerns = found.concerns[event.pk]
        if crate.epc not in concerns and set(concerns) & set(trucks):
            assert any(start <= event.event_time <= end for start, end in windows), event.document
    numbers = {shipment.number for shipment, _l, _u in trips}
    for event in found.events:
        document = json.loads(event.document)
        shipment = epcis.extension(document, "shipment")
        assert shipment is None or shipment in numbers


def test_a_lots_and_a_trucks_traces(world: dict[str, Any]) -> None:
    lot = HarvestLot.objects.order_by("id").first()
    found = tracing.trace(lot.epc_class)
    uris = {node.uri for node in found.nodes}
    lines = list(lot.packings.select_related("crate", "shipment"))
    assert {line.crate.epc for line in lines} <= uris
    assert {line.shipment.truck_epc for line in lines} <= uris
    assert any(e.event_id == lot.commissioning_event_id for e in found.events)
    shipment = _seeded().filter(status=ShipmentStatus.RECEIVED).order_by("id").first()
    truck = tracing.trace(shipment.truck_epc)
    contents = {node.uri for node in truck.nodes if node.relation == "content"}
    assert {line.crate.epc for line in shipment.crates.select_related("crate")} <= contents


def test_shipments_agree_with_the_gate_events(world: dict[str, Any]) -> None:
    outcomes: Counter[str] = Counter()
    for shipment in _seeded().select_related("gate", "packhouse", "receipt_location"):
        documents = sorted(
            _documents(document__contains=f'"ociq:shipment":"{shipment.number}"'),
            key=lambda d: (d["eventTime"], d.get("bizStep", "")),
        )
        steps = [d.get("bizStep") for d in documents]
        read = Event.objects.get(
            read_point=shipment.gate, biz_step="arriving", event_time=shipment.gate_arrived_at
        )
        assert read.public_id == shipment.gate_event_id
        assert sorted(set(json.loads(read.document)["epcList"])) == shipment.gate_read
        lines = list(shipment.crates.select_related("crate"))
        for line in lines:
            assert line.read_at_gate == (line.crate.epc in shipment.gate_read)
            assert line.loaded_at == shipment.loaded_at
        result = shipment.gate_result
        assert result["crates_declared"] == len(lines)
        alerts = list(SupervisionAlert.objects.filter(key__startswith=f"vegetables:{shipment.number}:"))
        assert all(a.status == AlertStatus.RESOLVED and a.resolution for a in alerts)
        assert steps.count("packing") == steps.count("unpacking") == len(lines)
        if result["match"]:
            outcomes["match"] += 1
            assert "holding" not in steps and shipment.held_at is None
            assert shipment.released_at < shipment.received_at
            assert not [a for a in alerts if a.blocking]
        else:
            outcomes["held"] += 1
            (holding,) = [d for d in documents if d.get("bizStep") == "holding"]
            assert holding["ociq:holdReason"] == shipment.held_reason
            kinds = {a.key.rsplit(":", 1)[1] for a in alerts if a.blocking}
            assert ("crates" in kinds) == bool(result["missing"] or result["extra"])
            assert ("seal" in kinds) == (result["seal"] != "intact")
            assert all(a.event_id == read.pk for a in alerts if a.blocking)
            assert "inspecting" in steps
        if shipment.status == ShipmentStatus.REJECTED:
            outcomes["rejected"] += 1
            assert shipment.received_at is None and shipment.released_at is None
            closing = [d for d in documents if d["type"] == "AggregationEvent" and d["action"] == "DELETE"]
            assert {d.get("disposition") for d in closing} == {"returned"}
            assert {d["readPoint"]["id"] for d in closing} == {shipment.packhouse.uri}
        else:
            assert steps[-1] == "unpacking" and "receiving" in steps and "departing" in steps
            assert shipment.receipt_location.kind == "market"
            received = [line.received for line in lines]
            missing = received.count(False)
            outcomes["receipt_missing"] += bool(missing)
            assert missing == sum(1 for a in alerts if a.key.endswith(":receipt")) <= 1
    assert outcomes["match"] > outcomes["held"] >= 3 and outcomes["rejected"] >= 1
    assert outcomes["receipt_missing"] >= 1


def test_a_seeded_event_captured_again_is_refused_as_a_duplicate(world: dict[str, Any]) -> None:
    for step in ("commissioning", "packing", "loading", "arriving", "departing", "unpacking"):
        event = (
            Event.objects.filter(biz_step=step, capture_job__source=CaptureSource.SEED).order_by("id").first()
        )
        document = json.loads(event.document)
        prepared = capture.prepare(document, namespaces=epcis.NAMESPACES, index=0, path="")
        assert prepared.hash == bytes(event.hash) and prepared.document == event.document
        before = Event.objects.count()
        job = trace_services.capture_events(
            actor=system_actor(),
            events=[document],
            namespaces=epcis.NAMESPACES,
            error_behaviour=ErrorBehaviour.ROLLBACK,
            source=CaptureSource.SUPERVISION,
        )
        assert (job.stored_count, job.duplicate_count) == (0, 1)
        assert Event.objects.count() == before


def test_a_sample_of_the_documents_passes_validation(world: dict[str, Any]) -> None:
    kinds: dict[tuple[int, int | None, str, str], int] = {}
    for pk, type_, action, step, disposition in Event.objects.filter(
        capture_job__source=CaptureSource.SEED
    ).values_list("id", "type", "action", "biz_step", "disposition"):
        kinds.setdefault((type_, action, step, disposition), pk)
    assert len(kinds) >= 15  # commissioning … holding, inspecting, returned, receiving
    for pk in kinds.values():
        document = json.loads(Event.objects.get(pk=pk).document)
        issues = validation.validate_event(document, base_path="/event", namespaces=epcis.NAMESPACES)
        assert not errors(issues), (document, issues)


def test_a_second_run_adds_nothing(world: dict[str, Any]) -> None:
    counts = (
        Event.objects.count(),
        Shipment.objects.count(),
        HarvestLot.objects.count(),
        Epc.objects.count(),
    )
    audits = AuditEvent.objects.count()
    assert _seed() == {}
    after = (Event.objects.count(), Shipment.objects.count(), HarvestLot.objects.count(), Epc.objects.count())
    assert after == counts and AuditEvent.objects.count() == audits


def test_the_same_seed_makes_the_same_plan() -> None:
    def plan() -> list[bulkseed.TripPlan]:
        rng = random.Random(8)
        firms, bases = bulkseed.world_specs(rng, enterprises=60, bases=300, crates=8_000)
        return bulkseed.plan_trips(
            rng,
            firms,
            bases,
            trips=36_500,
            trucks=800,
            first=dt.date(2021, 1, 1),
            until=dt.date(2025, 12, 31),
            rates=bulkseed.RATES,
        )

    one = plan()
    assert one == plan() and len(one) == 36_500
    # The cool season is busier than the summer.
    winter = sum(1 for p in one if p.day.month in (12, 1))
    summer = sum(1 for p in one if p.day.month in (7, 8))
    assert winter > 1.4 * summer
    held = sum(1 for p in one if p.outcome != "match")
    assert 0.01 * len(one) < held < 0.025 * len(one)
    # A crate is on one trip at a time: never packed again within two days.
    last: dict[tuple[int, int], dt.date] = {}
    for p in one[:5000]:
        for crate in p.crates:
            seen = last.get((p.enterprise, crate))
            assert seen is None or (p.day - seen).days >= bulkseed.CRATE_RETURN_DAYS
            last[(p.enterprise, crate)] = p.day


def test_a_plan_that_cannot_be_made_is_refused_and_nothing_is_stored() -> None:
    _ground()
    with pytest.raises(ValueError, match="vegetables: 100 crates are too few for 2 enterprises"):
        _seed(crates=100)
    with pytest.raises(ValueError, match="vegetables: 1 trucks cannot carry 400 trips"):
        _seed(trucks=1, shipments=400)
    assert (PlantingBase.objects.count(), Shipment.objects.count(), CaptureJob.objects.count()) == (0, 0, 0)
    assert not AuditEvent.objects.filter(action="vegetables.bureau_seeded").exists()
