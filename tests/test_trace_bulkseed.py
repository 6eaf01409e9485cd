"""The bureau-scale trace seeders (``openciq seed --scale bureau``: pigs, containers), on small
worlds of the same shape: the counts follow the plan, the events are found by the trace service
and by the EPCIS query, the flows' rows agree with the events, a seeded event captured again is
refused as a duplicate, the documents pass the repository's validation, a second run adds
nothing."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client

from openciq.accounts.models import OrgUnit
from openciq.accounts.services import system_actor, token_create
from openciq.core.audit import verify_chain
from openciq.core.models import AuditEvent
from openciq.core.models import Counter as NumberCounter
from openciq.trace import capture, tracing, validation
from openciq.trace import services as trace_services
from openciq.trace.choices import CaptureSource, EpcRole, ErrorBehaviour
from openciq.trace.containers import bulkseed as containers_bulk
from openciq.trace.containers import epcis as containers_epcis
from openciq.trace.containers.choices import SealStatus, TripStatus
from openciq.trace.containers.models import Container, Seal, Trip
from openciq.trace.models import CaptureJob, Epc, Event, EventEpc, SupervisionAlert
from openciq.trace.pigs import bulkseed, epcis
from openciq.trace.pigs.choices import AnimalStatus, BatchStatus, TagStatus
from openciq.trace.pigs.models import (
    Animal,
    BatchAnimal,
    ChannelRead,
    EarTag,
    Farm,
    LoadingBatch,
    Treatment,
    animal_uri,
)
from openciq.trace.problems import errors
from tests import personas
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

SMALL = {"farms": 2, "batches": 20, "pigs": 800, "years": 1}


def _seed(**options: Any) -> dict[str, Any]:
    return bulkseed.seed_bureau(rng=random.Random(2011), actor=system_actor(), **{**SMALL, **options})


@pytest.fixture
def world() -> dict[str, Any]:
    personas.org_tree()
    for unit in ("GZ", "HZ"):
        EnterpriseFactory(kind="farm", org_unit=OrgUnit.objects.get(code=unit))
    return _seed()


def _documents(**filters: Any) -> list[dict[str, Any]]:
    return [json.loads(text) for text in Event.objects.filter(**filters).values_list("document", flat=True)]


def test_counts_follow_the_plan(world: dict[str, Any]) -> None:
    assert (world["farms"], world["batches"], world["pigs"]) == (2, 20, 800)
    assert Farm.objects.count() == 2
    assert LoadingBatch.objects.count() == 20 and Animal.objects.count() == 800
    assert set(LoadingBatch.objects.values_list("status", flat=True)) == {BatchStatus.RECEIVED}
    assert Event.objects.count() == world["events"]
    job = CaptureJob.objects.get(source=CaptureSource.SEED)
    assert job.success and job.stored_count == world["events"]
    assert not Event.objects.exclude(capture_job=job).exists()
    # About eleven events a pig: tagging (2), eight vaccinations, the channel read, and the
    # batches' and exceptions' events.
    assert 10.5 * 800 < world["events"] < 12 * 800
    dead = Animal.objects.filter(status=AnimalStatus.DEAD).count()
    assert BatchAnimal.objects.count() == 800 - dead
    assert Treatment.objects.count() == Treatment.animals.through.objects.count()
    assert Treatment.objects.filter(kind="vaccination").count() >= 8 * (800 - dead)
    assert ChannelRead.objects.count() >= 800 - dead
    assert AuditEvent.objects.filter(action="pigs.bureau_seeded").count() == 1
    assert verify_chain()[1] is None  # the farms' and ranges' audit events, the run's own
    year = LoadingBatch.objects.order_by("-number").first().number[2:6]
    assert NumberCounter.objects.get(name=f"pigs.batch.{year}").value >= 1


def test_identifiers_are_interned_once_and_numbers_are_valid(world: dict[str, Any]) -> None:
    uris = list(Epc.objects.values_list("uri", flat=True))
    assert len(uris) == len(set(uris))
    for tag in EarTag.objects.select_related("tag_range", "animal__farm")[:200]:
        assert tag.tag_range.farm_id == tag.animal.farm_id
        assert tag.tag_range.first_national_id <= int(tag.iso_number[3:]) <= tag.tag_range.last_national_id
        assert Epc.objects.filter(uri=tag.uri).exists()
    for animal in Animal.objects.select_related("farm")[:200]:
        assert animal.cn_number.startswith("1" + animal.farm.county_code) and len(animal.cn_number) == 15


def test_a_pigs_lifetime_and_a_trucks_contents_are_traced(world: dict[str, Any]) -> None:
    entry = BatchAnimal.objects.select_related("batch", "animal").order_by("id").first()
    tag = entry.animal.tags.get(status=TagStatus.ACTIVE)
    found = tracing.trace(tag.uri)
    steps = Counter(e.biz_step for e in found.events)
    assert steps["commissioning"] == 1 and steps["installing"] == 1
    assert steps[epcis.VACCINATING] == 8
    assert {"loading", "receiving", "unloading", "inspecting"} <= set(steps)
    assert any(node.uri == entry.batch.vehicle_uri for node in found.nodes)
    truck = tracing.trace(entry.batch.vehicle_uri)
    assert tag.uri in {node.uri for node in truck.nodes}


def test_a_pigs_lifetime_from_its_cn_number_holds_its_tags_journey(world: dict[str, Any]) -> None:
    """The pig's lifetime identifier (its 畜禽标识 URI) is associated with its ear tag: the tag
    stands for the pig, so the trace goes on from it to the loading, the truck and the receipt,
    as a trace from the tag does."""
    entry = BatchAnimal.objects.select_related("batch", "animal").order_by("id").first()
    tag = entry.animal.tags.get(status=TagStatus.ACTIVE)
    from_pig = tracing.trace(animal_uri(entry.animal.cn_number))
    relations = {node.uri: node.relation for node in from_pig.nodes}
    assert relations[tag.uri] == "associated"
    assert relations[entry.batch.vehicle_uri] == "container"
    steps = Counter(e.biz_step for e in from_pig.events)
    assert {"loading", "receiving", "unloading", "inspecting"} <= set(steps)
    assert steps[epcis.VACCINATING] == 8
    from_tag = tracing.trace(tag.uri)
    assert {e.pk for e in from_pig.events} == {e.pk for e in from_tag.events}


def test_a_pigs_events_are_found_by_the_query_api(world: dict[str, Any]) -> None:
    user = personas.system_admin()
    _token, secret = token_create(actor=user, user=user, name="tests")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en")
    tag = EarTag.objects.filter(animal__status=AnimalStatus.RECEIVED).order_by("id").first()
    response = client.get(f"/api/v1/epcis/events?MATCH_epc={quote(tag.uri, safe='')}&perPage=100")
    assert response.status_code == 200, response.content
    listed = response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    roles = (EpcRole.EPC, EpcRole.CHILD)  # what MATCH_epc looks at
    stored = Event.objects.filter(epcs__epc__uri=tag.uri, epcs__role__in=roles).distinct().count()
    # commissioning, installing, vaccinations, the channel read, inspecting, loading, receipt
    assert len(listed) == stored >= 14


def test_the_pig_apps_rows_agree_with_the_events(world: dict[str, Any]) -> None:
    for batch in LoadingBatch.objects.all():
        entries = list(batch.entries.select_related("animal"))
        assert batch.loaded_count == len(entries) == batch.result["declared"]
        assert all(e.loaded and e.read_at for e in entries)
        loaded = {t.uri for e in entries for t in e.animal.tags.filter(status=TagStatus.ACTIVE)}
        (aggregation,) = _documents(event_id__in=batch.event_ids, biz_step="loading")
        assert set(aggregation["childEPCs"]) == loaded
        assert aggregation["parentID"] == batch.vehicle_uri
        assert Event.objects.filter(event_id__in=batch.event_ids).count() == len(batch.event_ids)
        received = [e for e in entries if e.received_at]
        assert batch.received_count == len(received)
        assert {e.animal.status for e in received} <= {AnimalStatus.RECEIVED}
        assert len(batch.receipt_result["missing"]) == len(entries) - len(received)
    for treatment in Treatment.objects.all()[:300]:
        (document,) = _documents(event_id=treatment.event_id)
        assert document["ociq:treatment"] == treatment.pk
        (tag_uri,) = document["epcList"]  # the tag the pig wore that day (first or replacement)
        assert tag_uri in {t.uri for t in treatment.animals.get().tags.all()}
    for alert in SupervisionAlert.objects.all():
        assert alert.status == "resolved"
    for dead in Animal.objects.filter(status=AnimalStatus.DEAD)[:20]:
        assert not dead.tags.filter(status=TagStatus.ACTIVE).exists()
        assert not BatchAnimal.objects.filter(animal=dead).exists()


def test_a_seeded_event_captured_again_is_refused_as_a_duplicate(world: dict[str, Any]) -> None:
    for step in ("commissioning", epcis.VACCINATING, "loading", ""):
        event = Event.objects.filter(biz_step=step).order_by("id").first()
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
    kinds: dict[tuple[int, str, str], int] = {}
    for pk, type_, step, disposition in Event.objects.values_list("id", "type", "biz_step", "disposition"):
        kinds.setdefault((type_, step, disposition), pk)
    assert len(kinds) >= 10
    for pk in kinds.values():
        document = json.loads(Event.objects.get(pk=pk).document)
        issues = validation.validate_event(document, base_path="/event", namespaces=epcis.NAMESPACES)
        assert not errors(issues), (document, issues)
    links = EventEpc.objects.filter(event_id__in=list(kinds.values())).count()
    assert links >= len(kinds)


def test_a_second_run_adds_nothing(world: dict[str, Any]) -> None:
    counts = (
        Event.objects.count(),
        Animal.objects.count(),
        LoadingBatch.objects.count(),
        Epc.objects.count(),
    )
    assert _seed() == {}
    assert (
        Event.objects.count(),
        Animal.objects.count(),
        LoadingBatch.objects.count(),
        Epc.objects.count(),
    ) == counts


def test_the_same_seed_makes_the_same_world() -> None:
    personas.org_tree()
    farms = bulkseed.farm_specs(random.Random(5), 93)
    assert len(farms) == 93 and len({f.number for f in farms}) == 93
    assert farms[:4] == bulkseed.farm_specs(random.Random(5), 4)
    first, until = dt.date(2021, 1, 1), dt.date(2025, 12, 31)
    one = bulkseed.plan_batches(
        random.Random(1), farms, batches=68_233, pigs=2_730_000, first=first, until=until
    )
    two = bulkseed.plan_batches(
        random.Random(1), farms, batches=68_233, pigs=2_730_000, first=first, until=until
    )
    assert one == two and sum(p.pigs for p in one) == 2_730_000
    # Chinese New Year's peak: the three weeks before it are busier than the weeks after.
    cny = dt.date(2024, 2, 10)
    before = sum(1 for p in one if 0 < (cny - p.day).days <= 21)
    after = sum(1 for p in one if 0 <= (p.day - cny).days < 21)
    assert before > 1.5 * after


def test_a_plan_that_cannot_be_made_is_refused_and_nothing_is_stored() -> None:
    personas.org_tree()
    farms = bulkseed.farm_specs(random.Random(5), 2)
    with pytest.raises(ValueError, match="pigs: 100 pigs do not fill 20 batches"):
        bulkseed.plan_batches(
            random.Random(1),
            farms,
            batches=20,
            pigs=100,
            first=dt.date(2025, 1, 1),
            until=dt.date(2025, 12, 31),
        )
    with pytest.raises(ValueError, match="pigs: "):
        _seed(pigs=100)
    # No enterprise to register the farms for: refused before anything is written.
    with pytest.raises(RuntimeError, match="enterprises"):
        _seed()
    assert (Farm.objects.count(), Event.objects.count(), CaptureJob.objects.count()) == (0, 0, 0)


# --- Containers ---------------------------------------------------------------------------------


@pytest.fixture
def crossings() -> dict[str, Any]:
    from openciq.accounts import seed as accounts_seed
    from openciq.masterdata import seed as masterdata_seed

    system = system_actor()
    accounts_seed.seed(scale="demo", rng=random.Random("2011:accounts"), actor=system)
    masterdata_seed.seed(scale="demo", rng=random.Random("2011:masterdata"), actor=system)
    return containers_bulk.seed_bureau(
        rng=random.Random(7), actor=system, trips=300, seals=40, containers=100, years=1, chunk_trips=100
    )


def test_container_crossings_follow_the_plan_and_agree_with_their_events(crossings: dict[str, Any]) -> None:
    assert crossings["trips"] == 300
    trips = Trip.objects.filter(declaration_number__startswith=containers_bulk.DECLARATION_PREFIX)
    assert trips.count() == 300 and set(trips.values_list("status", flat=True)) == {TripStatus.CLEARED}
    job = CaptureJob.objects.get(source=CaptureSource.SEED)
    assert Event.objects.filter(capture_job=job).count() == crossings["events"] == job.stored_count
    assert 8 * 300 <= crossings["events"] <= 9 * 300
    for trip in trips.select_related("container", "seal")[:50]:
        assert trip.sealed_at < trip.departed_at < trip.arrived_at <= trip.cleared_at
        assert trip.clearance_seconds == int((trip.cleared_at - trip.arrived_at).total_seconds())
        assert trip.checkpoints.count() == 2 and trip.last_read_seal == trip.seal.seal_id
        documents = _documents(document__contains=f'"ociq:trip":"{trip.number}"')
        steps = [d.get("bizStep") for d in sorted(documents, key=lambda d: d["eventTime"])]
        assert steps[:2] == ["installing", "staging_outbound"] and steps[-1] == containers_epcis.CLEARING
        assert ("unloading" in steps) == (trip.opened_at is not None)
        found = tracing.trace(trip.container.uri)
        assert trip.seal.uri in {node.uri for node in found.nodes}
    assert set(Seal.objects.filter(seal_id__startswith="HKGD-3").values_list("status", flat=True)) == {
        SealStatus.AVAILABLE
    }
    # Containers registered once each, by the first trip that sealed them.
    assert Container.objects.count() == 100
    assert AuditEvent.objects.filter(action="containers.bureau_seeded").count() == 1
    assert verify_chain()[1] is None
    uris = list(Epc.objects.values_list("uri", flat=True))
    assert len(uris) == len(set(uris))


def test_container_events_pass_validation_and_are_refused_when_captured_again(
    crossings: dict[str, Any],
) -> None:
    kinds: dict[tuple[int, str, str], int] = {}
    for pk, type_, step, disposition in Event.objects.values_list("id", "type", "biz_step", "disposition"):
        kinds.setdefault((type_, step, disposition), pk)
    for pk in kinds.values():
        event = Event.objects.get(pk=pk)
        document = json.loads(event.document)
        assert not errors(validation.validate_event(document, base_path="/event", namespaces={}))
        assert capture.prepare(document, namespaces={}, index=0, path="").hash == bytes(event.hash)
    document = json.loads(Event.objects.filter(biz_step="arriving").first().document)
    job = trace_services.capture_events(actor=system_actor(), events=[document], source=CaptureSource.SEED)
    assert (job.stored_count, job.duplicate_count) == (0, 1)
    assert (
        containers_bulk.seed_bureau(
            rng=random.Random(7), actor=system_actor(), trips=300, seals=40, containers=100, years=1
        )
        == {}
    )
