"""The live-pig services: each rule and each refusal (naming its field), the EPCIS events each
step records, withdrawal blocking the loading, missing and extra tags flagged, the replacement
linked to the lost tag, deaths, the Hong Kong receipt and its mismatch, the batch's transition
table, and the lifetime-traceability rules."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from openciq.accounts.services import system_actor
from openciq.core.errors import NotFoundError, PermissionDeniedError, TransitionNotAllowed, ValidationFailed
from openciq.core.models import AuditEvent
from openciq.declarations import holds
from openciq.trace import identifiers, tracing
from openciq.trace import services as trace_services
from openciq.trace.choices import AlertKind, AlertStatus
from openciq.trace.models import Event, SupervisionAlert
from openciq.trace.pigs import lifetime, services
from openciq.trace.pigs.choices import BatchStatus, GapRule
from openciq.trace.pigs.models import Animal, EarTag, LoadingBatch
from tests import personas
from tests.pigs_fixtures import RANGE_START, PigWorld, channel_reads, iso_of, pig_world, uri_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def pw() -> PigWorld:
    return pig_world()


def fields_of(call: Any, **kwargs: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        call(**kwargs)
    return caught.value.fields


def events_of(uri: str) -> list[dict[str, Any]]:
    """The documents of the events naming ``uri``, oldest first."""
    return [
        json.loads(e.document) for e in Event.objects.filter(epcs__epc__uri=uri).order_by("event_time", "id")
    ]


def audits(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- Farms and ranges ---------------------------------------------------------------------------


def test_farm_register_places_the_farm_and_its_loading_channel(pw: PigWorld) -> None:
    farm = pw.farm
    assert farm.location.kind == "farm" and farm.location.uri == identifiers.place(
        "farm", farm.registration_number
    )
    assert farm.loading_channel.kind == "loading_channel"
    assert farm.loading_channel.parent_id == farm.location.pk
    assert audits("pigs.farm_registered") == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"registration_number": "x"}, "registration_number"),
        ({"name_zh": " "}, "name_zh"),
        ({"county_code": "44018"}, "county_code"),
        ({"county_code": "440000"}, "county_code"),
        ({"enterprise_id": 0}, "enterprise_id"),
        ({"latitude": 91}, "latitude"),
    ],
)
def test_farm_register_refuses_bad_input_naming_the_field(
    pw: PigWorld, change: dict[str, Any], field: str
) -> None:
    data = {
        "registration_number": "4400GZ9999",
        "name_zh": "新场",
        "enterprise_id": pw.farm.enterprise_id,
        "org_unit_id": pw.farm.org_unit_id,
        "county_code": "440183",
        **change,
    }
    assert field in fields_of(services.farm_register, actor=pw.inspector, data=services.FarmInput(**data))


def test_farm_register_refuses_a_taken_number_and_an_office_outside_the_inspectors_area(pw: PigWorld) -> None:
    data = services.FarmInput(
        registration_number=pw.farm.registration_number,
        name_zh="重复",
        enterprise_id=pw.farm.enterprise_id,
        org_unit_id=pw.other_farm.org_unit_id,
        county_code="440183",
    )
    errors = fields_of(services.farm_register, actor=pw.inspector, data=data)
    assert set(errors) == {"registration_number", "org_unit_id"}


def test_farm_register_needs_the_permission(pw: PigWorld) -> None:
    with pytest.raises(PermissionDeniedError):
        register_farm_as(pw.manager, pw)


def register_farm_as(actor: Any, pw: PigWorld) -> None:
    services.farm_register(
        actor=actor,
        data=services.FarmInput(
            registration_number="4400GZ7777",
            name_zh="x",
            enterprise_id=pw.farm.enterprise_id,
            org_unit_id=pw.farm.org_unit_id,
            county_code="440183",
        ),
    )


def test_tag_range_refuses_an_overlap_with_any_farms_range_naming_the_first_number(pw: PigWorld) -> None:
    errors = fields_of(
        services.tag_range_issue,
        actor=system_actor(),
        farm_id=pw.other_farm.pk,
        country=156,
        first_national_id=RANGE_START + 9_000,
        last_national_id=RANGE_START + 20_000,
    )
    assert pw.farm.registration_number in errors["first_national_id"][0]


@pytest.mark.parametrize(
    ("country", "first", "last", "field"),
    [
        (344, 1, 10, "country"),
        (156, 10, 1, "last_national_id"),
        (156, 0, 2**38, "last_national_id"),
        (156, 1, 2_000_000, "last_national_id"),
    ],
)
def test_tag_range_refuses_bad_numbers(pw: PigWorld, country: int, first: int, last: int, field: str) -> None:
    errors = fields_of(
        services.tag_range_issue,
        actor=pw.inspector,
        farm_id=pw.farm.pk,
        country=country,
        first_national_id=first,
        last_national_id=last,
    )
    assert field in errors


def test_tag_range_issue_accepts_a_manufacturer_code_and_answers_404_out_of_scope(pw: PigWorld) -> None:
    issued = services.tag_range_issue(
        actor=pw.inspector, farm_id=pw.farm.pk, country=985, first_national_id=1, last_national_id=500
    )
    assert (issued.first_printed, issued.size) == ("985000000000001", 500)
    with pytest.raises(NotFoundError):
        services.tag_range_issue(
            actor=pw.inspector,
            farm_id=pw.other_farm.pk,
            country=985,
            first_national_id=600,
            last_national_id=700,
        )


# --- Tagging --------------------------------------------------------------------------------


def test_animal_tag_records_commissioning_with_ilmd_and_the_association(pw: PigWorld) -> None:
    animal = pw.tag()
    tag = animal.tags.get()
    assert (tag.retag, tag.raw_hex[:1]) == (0, "8")  # animal flag set, counter 0
    docs = events_of(tag.uri)
    commissioning = next(d for d in docs if d["type"] == "ObjectEvent")
    assert (commissioning["action"], commissioning["bizStep"], commissioning["disposition"]) == (
        "ADD",
        "commissioning",
        "active",
    )
    assert commissioning["ilmd"]["ociq:cnEarTag"] == animal.cn_number
    assert commissioning["ilmd"]["ociq:farmRegistration"] == pw.farm.registration_number
    association = next(d for d in docs if d["type"] == "AssociationEvent")
    assert (association["parentID"], association["bizStep"]) == (animal.uri, "installing")
    assert animal.traceability == "traceable"
    assert audits("pigs.animal_tagged") == 1


@pytest.mark.parametrize(
    ("cn", "field_message"),
    [
        ("244018300000001", "species"),  # cattle
        ("144030700000001", "county"),  # Longgang, not the farm's county
        ("14401830000001", "format"),
    ],
)
def test_animal_tag_refuses_a_china_number_that_is_not_this_farms_pigs(
    pw: PigWorld, cn: str, field_message: str
) -> None:
    _cn, iso = pw.numbers()
    errors = fields_of(
        services.animal_tag,
        actor=pw.manager,
        data=services.TagInput(
            farm_id=pw.farm.pk,
            cn_number=cn,
            iso_number=iso,
            sex="male",
            breed="x",
            birth_date=dt.date(2025, 1, 1),
        ),
    )
    assert list(errors) == ["cn_number"]


def test_animal_tag_refuses_a_tag_outside_the_farms_ranges_and_a_used_tag(pw: PigWorld) -> None:
    first = pw.tag()
    cn, _iso = pw.numbers()
    for iso in ("156000000000001", iso_of(first), "15600"):
        errors = fields_of(
            services.animal_tag,
            actor=pw.manager,
            data=services.TagInput(
                farm_id=pw.farm.pk,
                cn_number=cn,
                iso_number=iso,
                sex="male",
                breed="x",
                birth_date=dt.date(2025, 1, 1),
            ),
        )
        assert list(errors) == ["iso_number"], iso
    assert Animal.objects.count() == 1


def test_animal_tag_refuses_a_birth_after_tagging_and_an_unknown_sex(pw: PigWorld) -> None:
    cn, iso = pw.numbers()
    errors = fields_of(
        services.animal_tag,
        actor=pw.manager,
        data=services.TagInput(
            farm_id=pw.farm.pk,
            cn_number=cn,
            iso_number=iso,
            sex="other",
            breed="",
            birth_date=timezone.localdate(),
            applied_at=timezone.now() - dt.timedelta(days=3),
        ),
    )
    assert set(errors) == {"sex", "breed", "applied_at"}


def test_enterprise_user_cannot_tag_on_another_enterprises_farm(pw: PigWorld) -> None:
    cn, iso = pw.numbers()
    with pytest.raises(NotFoundError):
        services.animal_tag(
            actor=pw.manager,
            data=services.TagInput(
                farm_id=pw.other_farm.pk,
                cn_number=cn,
                iso_number=iso,
                sex="male",
                breed="x",
                birth_date=dt.date(2025, 1, 1),
            ),
        )


# --- Treatments -----------------------------------------------------------------------------


def treat(pw: PigWorld, animals: list[Animal], days: int = 14, **extra: Any) -> Any:
    data = {
        "farm_id": pw.farm.pk,
        "kind": "medication",
        "product": "氟苯尼考注射液 Florfenicol injection",
        "product_batch": "FF2025-031",
        "dose": "20 mg/kg",
        "route": "intramuscular",
        "veterinarian": "李兽医",
        "animals": [a.cn_number for a in animals],
        "withdrawal_days": days,
        **extra,
    }
    return services.treatment_record(actor=pw.manager, data=services.TreatmentInput(**data))


def test_treatment_sets_the_withdrawal_period_and_records_one_event_for_all_pigs(pw: PigWorld) -> None:
    pigs = pw.herd(2)
    treatment = treat(pw, pigs, days=14)
    for pig in pigs:
        pig.refresh_from_db()
        assert pig.withdrawal_until == treatment.withdrawal_until
    event = Event.objects.get(event_id=treatment.event_id)
    doc = json.loads(event.document)
    assert doc["bizStep"] == "https://openciq.org/epcis/bizstep/medicating"
    assert sorted(doc["epcList"]) == sorted(uri_of(p) for p in pigs)
    assert (doc["ociq:withdrawalDays"], doc["ociq:productBatch"]) == (14, "FF2025-031")


def test_a_shorter_withdrawal_does_not_shorten_the_longer_one(pw: PigWorld) -> None:
    pig = pw.tag()
    long = treat(pw, [pig], days=28)
    treat(pw, [pig], days=0, kind="vaccination", product="猪瘟活疫苗 CSF vaccine")
    pig.refresh_from_db()
    assert pig.withdrawal_until == long.withdrawal_until


def test_treatment_refuses_unknown_pigs_and_bad_values_naming_the_fields(pw: PigWorld) -> None:
    errors = fields_of(
        services.treatment_record,
        actor=pw.manager,
        data=services.TreatmentInput(
            farm_id=pw.farm.pk,
            kind="magic",
            product="",
            product_batch="b",
            dose="1",
            route="ear",
            veterinarian="v",
            animals=["144018399999999"],
            withdrawal_days=400,
            given_at=timezone.now() + dt.timedelta(days=1),
        ),
    )
    assert set(errors) == {"kind", "product", "route", "animals", "withdrawal_days", "given_at"}


# --- Tag replacement and death ----------------------------------------------------------------


def test_tag_replace_links_the_new_tag_to_the_lost_one_with_the_counter_raised(pw: PigWorld) -> None:
    pig = pw.tag()
    old = pig.tags.get()
    _cn, new_iso = pw.numbers()
    new = services.tag_replace(actor=pw.manager, tag_id=old.pk, new_iso_number=new_iso, reason="lost")
    old.refresh_from_db()
    assert (old.status, old.removed_at is not None, old.replace_reason) == ("lost", True, "lost")
    assert (new.replaces_id, new.retag, new.animal_id) == (old.pk, 1, pig.pk)
    assert new.raw_hex != old.raw_hex and int(new.raw_hex, 16) >> 60 & 0x7 == 1
    removal = next(d for d in events_of(old.uri) if d.get("bizStep") == "removing")
    assert (removal["type"], removal["action"], removal["parentID"]) == (
        "AssociationEvent",
        "DELETE",
        pig.uri,
    )
    commissioning = next(d for d in events_of(new.uri) if d.get("bizStep") == "commissioning")
    assert commissioning["ociq:replaces"] == old.uri
    # The pig's lifetime trace reaches both devices.
    reached = {node.uri for node in tracing.trace(pig.uri).nodes}
    assert {old.uri, new.uri} <= reached


def test_tag_replace_refuses_a_tag_no_longer_in_use_and_a_bad_reason(pw: PigWorld) -> None:
    pig = pw.tag()
    old = pig.tags.get()
    _cn, iso = pw.numbers()
    services.tag_replace(actor=pw.manager, tag_id=old.pk, new_iso_number=iso, reason="damaged")
    _cn, iso2 = pw.numbers()
    errors = fields_of(
        services.tag_replace, actor=pw.manager, tag_id=old.pk, new_iso_number=iso2, reason="eaten"
    )
    assert set(errors) == {"tag_id", "reason"}


def test_animal_death_ends_the_tags_with_a_destroying_event(pw: PigWorld) -> None:
    pig = pw.tag()
    tag = pig.tags.get()
    services.animal_death(actor=pw.manager, animal_id=pig.pk, cause="disease", note="猪丹毒 erysipelas")
    pig.refresh_from_db()
    tag.refresh_from_db()
    assert (pig.status, pig.death_cause, tag.status) == ("dead", "disease", "recovered")
    death = events_of(tag.uri)[-1]
    assert (death["action"], death["bizStep"], death["disposition"], death["ociq:deathCause"]) == (
        "DELETE",
        "destroying",
        "destroyed",
        "disease",
    )
    with pytest.raises(TransitionNotAllowed):
        services.animal_death(actor=pw.manager, animal_id=pig.pk, cause="disease")


def test_animal_death_refuses_an_unknown_cause(pw: PigWorld) -> None:
    pig = pw.tag()
    assert "cause" in fields_of(services.animal_death, actor=pw.manager, animal_id=pig.pk, cause="aliens")


# --- Loading batches ----------------------------------------------------------------------------


def test_declare_refuses_pigs_inside_withdrawal_on_another_batch_or_elsewhere(pw: PigWorld) -> None:
    treated, booked, free = pw.herd(3)
    treat(pw, [treated], days=10)
    pw.declare([booked])
    errors = fields_of(
        services.batch_declare,
        actor=pw.manager,
        data=services.BatchInput(
            farm_id=pw.farm.pk,
            declaration_number="44010022600000",
            truck_plate="粤Z1234港",
            animals=[treated.cn_number, booked.cn_number, free.cn_number, "144018399999999"],
        ),
    )
    messages = " ".join(errors["animals"])
    assert treated.cn_number in messages and booked.cn_number in messages and "144018399999999" in messages
    assert free.cn_number not in messages


def test_declare_refuses_a_bad_declaration_number_and_plate(pw: PigWorld) -> None:
    pig = pw.tag()
    errors = fields_of(
        services.batch_declare,
        actor=pw.manager,
        data=services.BatchInput(
            farm_id=pw.farm.pk, declaration_number="?", truck_plate="", animals=[pig.cn_number]
        ),
    )
    assert set(errors) == {"declaration_number", "truck_plate"}


def test_channel_reads_reconcile_and_release_loads_the_truck(pw: PigWorld) -> None:
    pigs = pw.herd(3)
    batch = pw.loading(pigs)
    channel_reads(pw.farm, [uri_of(p) for p in pigs])
    batch = services.batch_reconcile(actor=pw.inspector, batch_id=batch.pk)
    assert batch.status == BatchStatus.RECONCILED
    assert batch.result["missing"] == [] and batch.result["read"] == 3
    inspecting = Event.objects.get(event_id=batch.event_ids[0])
    assert (inspecting.biz_step, inspecting.disposition) == ("inspecting", "conformant")
    batch = services.batch_release(actor=pw.inspector, batch_id=batch.pk)
    assert (batch.status, batch.loaded_count) == (BatchStatus.RELEASED, 3)
    loading = json.loads(Event.objects.get(event_id=batch.event_ids[-1]).document)
    assert (loading["type"], loading["action"], loading["bizStep"], loading["disposition"]) == (
        "AggregationEvent",
        "ADD",
        "loading",
        "in_transit",
    )
    assert loading["parentID"] == identifiers.vehicle("粤Z1234港")
    assert loading["bizTransactionList"][0]["type"] == "cert"
    assert set(Animal.objects.filter(pk__in=[p.pk for p in pigs]).values_list("status", flat=True)) == {
        "in_transit"
    }


def test_missing_and_extra_tags_are_flagged_and_hold_the_declaration(pw: PigWorld) -> None:
    read, missing = pw.herd(2)
    stranger = pw.tag()  # on the farm, not declared
    batch = pw.loading([read, missing], declaration="440100226000777777")
    channel_reads(pw.farm, [uri_of(read), uri_of(stranger)])
    batch = services.batch_reconcile(actor=pw.inspector, batch_id=batch.pk)
    assert batch.status == BatchStatus.MISMATCH
    assert batch.result["missing"] == [iso_of(missing)]
    assert batch.result["extra"] == [iso_of(stranger)]
    alert = batch.alerts.get()
    assert (alert.kind, alert.blocking, alert.declaration_number) == (
        AlertKind.LOADING_MISMATCH,
        True,
        "440100226000777777",
    )
    assert holds.reasons("440100226000777777") == [alert.title]
    extra = Event.objects.get(event_id=batch.event_ids[1])
    assert extra.disposition == "mismatch_instance"
    errors = fields_of(services.batch_release, actor=pw.inspector, batch_id=batch.pk)
    assert errors["alerts"] == [alert.title]
    # The inspector resolves: the missing pig stays on the farm, the rest is released.
    trace_services.alert_resolve(actor=pw.inspector, alert_id=alert.pk, resolution="1 pig left on the farm")
    batch = services.batch_release(actor=pw.inspector, batch_id=batch.pk)
    assert batch.loaded_count == 1
    missing.refresh_from_db()
    assert missing.status == "active"


def test_a_pig_inside_withdrawal_cannot_be_loaded(pw: PigWorld) -> None:
    pigs = pw.herd(2)
    batch = pw.loading(pigs)
    treat(pw, [pigs[0]], days=7)  # medicated after the declaration, before reconciliation
    channel_reads(pw.farm, [uri_of(p) for p in pigs])
    batch = services.batch_reconcile(actor=pw.inspector, batch_id=batch.pk)
    assert batch.status == BatchStatus.MISMATCH
    assert batch.result["withdrawal"] == [pigs[0].cn_number]
    assert [a.kind for a in batch.alerts.all()] == [AlertKind.WITHDRAWAL]
    for alert in batch.alerts.all():
        trace_services.alert_resolve(
            actor=pw.inspector, alert_id=alert.pk, resolution="withdrawn from the truck"
        )
    batch = services.batch_release(actor=pw.inspector, batch_id=batch.pk)
    assert batch.loaded_count == 1
    assert Animal.objects.get(pk=pigs[0].pk).status == "active"


def test_a_dead_pig_declared_is_flagged_not_on_the_farm(pw: PigWorld) -> None:
    pigs = pw.herd(2)
    batch = pw.loading(pigs)
    services.animal_death(actor=pw.manager, animal_id=pigs[1].pk, cause="injury")
    channel_reads(pw.farm, [uri_of(pigs[0])])
    batch = services.batch_reconcile(actor=pw.inspector, batch_id=batch.pk)
    assert batch.result["inactive"] == [pigs[1].cn_number]


def test_the_inspector_holds_a_reconciled_batch_saying_why(pw: PigWorld) -> None:
    pig = pw.tag()
    batch = pw.loading([pig], declaration="440100226000555555")
    channel_reads(pw.farm, [uri_of(pig)])
    services.batch_reconcile(actor=pw.inspector, batch_id=batch.pk)
    assert "reason" in fields_of(services.batch_hold, actor=pw.inspector, batch_id=batch.pk, reason=" ")
    batch = services.batch_hold(actor=pw.inspector, batch_id=batch.pk, reason="耳标松脱 loose tags")
    alert = batch.alerts.get()
    assert (batch.status, alert.kind, alert.blocking) == (
        BatchStatus.MISMATCH,
        AlertKind.LOADING_MISMATCH,
        True,
    )
    assert holds.reasons("440100226000555555") == [alert.title]
    holding = Event.objects.get(event_id=batch.event_ids[-1])
    assert (holding.biz_step, json.loads(holding.document)["ociq:reason"]) == (
        "holding",
        "耳标松脱 loose tags",
    )
    with pytest.raises(PermissionDeniedError):
        services.batch_hold(actor=pw.manager, batch_id=batch.pk, reason="x")


def test_only_one_batch_loads_in_a_channel_at_a_time(pw: PigWorld) -> None:
    first, second = pw.herd(2)
    pw.loading([first])
    batch = pw.declare([second])
    errors = fields_of(services.batch_start_loading, actor=pw.inspector, batch_id=batch.pk)
    assert "loading_channel" in errors


def test_hk_receipt_marks_pigs_received_and_a_difference_raises_receipt_mismatch(pw: PigWorld) -> None:
    pigs = pw.herd(3)
    batch = pw.loading(pigs)
    channel_reads(pw.farm, [uri_of(p) for p in pigs])
    services.batch_reconcile(actor=pw.inspector, batch_id=batch.pk)
    services.batch_release(actor=pw.inspector, batch_id=batch.pk)
    batch = services.batch_receive_hk(
        actor=pw.inspector, batch_id=batch.pk, read_numbers=[iso_of(pigs[0]), iso_of(pigs[1])]
    )
    assert (batch.status, batch.received_count) == (BatchStatus.RECEIVED, 2)
    assert batch.receipt_result == {"missing": [iso_of(pigs[2])], "extra": []}
    alert = SupervisionAlert.objects.get(kind=AlertKind.RECEIPT_MISMATCH)
    assert (alert.blocking, alert.status) == (False, AlertStatus.OPEN)
    unloading = json.loads(Event.objects.get(event_id=batch.event_ids[-1]).document)
    assert (unloading["type"], unloading["action"], unloading["bizStep"]) == (
        "AggregationEvent",
        "DELETE",
        "unloading",
    )
    assert Animal.objects.get(pk=pigs[0].pk).status == "received"
    assert Animal.objects.get(pk=pigs[2].pk).status == "in_transit"


def test_hk_receipt_refuses_malformed_numbers(pw: PigWorld) -> None:
    pig = pw.tag()
    batch = pw.loading([pig])
    channel_reads(pw.farm, [uri_of(pig)])
    services.batch_reconcile(actor=pw.inspector, batch_id=batch.pk)
    services.batch_release(actor=pw.inspector, batch_id=batch.pk)
    errors = fields_of(
        services.batch_receive_hk, actor=pw.inspector, batch_id=batch.pk, read_numbers=["12AB"]
    )
    assert list(errors) == ["read_numbers"]


def test_cancel_needs_a_reason_and_frees_the_pigs(pw: PigWorld) -> None:
    pig = pw.tag()
    batch = pw.declare([pig])
    assert "reason" in fields_of(services.batch_cancel, actor=pw.manager, batch_id=batch.pk, reason=" ")
    services.batch_cancel(actor=pw.manager, batch_id=batch.pk, reason="truck broke down")
    assert pw.declare([pig]).status == BatchStatus.DECLARED


VERBS = {
    "start": lambda pw, b: services.batch_start_loading(actor=pw.inspector, batch_id=b.pk),
    "reconcile": lambda pw, b: services.batch_reconcile(actor=pw.inspector, batch_id=b.pk),
    "release": lambda pw, b: services.batch_release(actor=pw.inspector, batch_id=b.pk),
    "hold": lambda pw, b: services.batch_hold(actor=pw.inspector, batch_id=b.pk, reason="x"),
    "receive": lambda pw, b: services.batch_receive_hk(actor=pw.inspector, batch_id=b.pk, read_numbers=[]),
    "cancel": lambda pw, b: services.batch_cancel(actor=pw.inspector, batch_id=b.pk, reason="x"),
}


@pytest.mark.parametrize("state", [s.value for s in BatchStatus])
@pytest.mark.parametrize("verb", list(VERBS))
def test_transition_table_refuses_every_disallowed_pair(pw: PigWorld, state: str, verb: str) -> None:
    pig = pw.tag()
    batch = pw.declare([pig])
    LoadingBatch.objects.filter(pk=batch.pk).update(status=state)
    batch.refresh_from_db()
    if state in LoadingBatch.transitions[verb][0]:
        return  # allowed pairs are exercised by the flow tests above
    with pytest.raises(TransitionNotAllowed):
        VERBS[verb](pw, batch)


def test_release_needs_the_permission(pw: PigWorld) -> None:
    pig = pw.tag()
    batch = pw.loading([pig])
    channel_reads(pw.farm, [uri_of(pig)])
    services.batch_reconcile(actor=pw.inspector, batch_id=batch.pk)
    with pytest.raises(PermissionDeniedError):
        services.batch_release(actor=pw.manager, batch_id=batch.pk)


def test_inspector_of_another_branch_does_not_find_the_batch(pw: PigWorld) -> None:
    pig = pw.tag()
    batch = pw.declare([pig])
    with pytest.raises(NotFoundError):
        services.batch_start_loading(actor=personas.inspector_sz(), batch_id=batch.pk)


# --- Lifetime traceability ----------------------------------------------------------------------


def test_silent_pig_is_at_risk_with_a_non_blocking_alert(pw: PigWorld) -> None:
    pig = pw.tag(days_old=30)
    assert lifetime.lifetime_check(actor=system_actor()).traceable == 1
    later = timezone.now() + dt.timedelta(days=lifetime.SILENT_DAYS)
    summary = lifetime.lifetime_check(actor=system_actor(), now=later)
    pig.refresh_from_db()
    assert (summary.checked, summary.at_risk) == (1, 1)
    assert pig.traceability == "at_risk"
    assert [r["rule"] for r in pig.traceability_reasons] == [GapRule.SILENT]
    alert = SupervisionAlert.objects.get(kind=AlertKind.TRACEABILITY_GAP)
    assert (alert.blocking, alert.subject) == (False, pig.uri)
    assert audits("pigs.lifetime_checked") == 2


def test_a_read_outside_the_farm_before_loading_is_a_stray_read(pw: PigWorld) -> None:
    pig = pw.tag()
    trace_services.capture_events(
        actor=system_actor(),
        events=[
            {
                "type": "ObjectEvent",
                "eventTime": timezone.now().isoformat(),
                "eventTimeZoneOffset": "+08:00",
                "action": "OBSERVE",
                "epcList": [uri_of(pig)],
                "readPoint": {"id": identifiers.place("market", "DONGGUAN-1")},
            }
        ],
        source="mqtt",
    )
    lifetime.lifetime_check(actor=system_actor())
    pig.refresh_from_db()
    assert [r["rule"] for r in pig.traceability_reasons] == [GapRule.STRAY_READ]


def test_a_replaced_tag_read_again_is_flagged(pw: PigWorld) -> None:
    pig = pw.tag()
    old = pig.tags.get()
    _cn, iso = pw.numbers()
    services.tag_replace(
        actor=pw.manager,
        tag_id=old.pk,
        new_iso_number=iso,
        reason="damaged",
        replaced_at=timezone.now() - dt.timedelta(hours=2),
    )
    channel_reads(pw.farm, [old.uri])
    lifetime.lifetime_check(actor=system_actor())
    pig.refresh_from_db()
    assert [r["rule"] for r in pig.traceability_reasons] == [GapRule.REPLACED_TAG_READ]


def test_a_pig_without_a_commissioning_event_has_lost_traceability(pw: PigWorld) -> None:
    pig = pw.tag()
    tag = pig.tags.get()
    Event.objects.filter(epcs__epc__uri=tag.uri).delete()  # as if imported without its events
    summary = lifetime.lifetime_check(actor=system_actor())
    pig.refresh_from_db()
    assert (pig.traceability, summary.lost) == ("lost", 1)


def test_loaded_and_not_received_within_a_day_is_at_risk(pw: PigWorld) -> None:
    pig = pw.tag()
    batch = pw.loading([pig])
    channel_reads(pw.farm, [uri_of(pig)])
    services.batch_reconcile(actor=pw.inspector, batch_id=batch.pk)
    services.batch_release(actor=pw.inspector, batch_id=batch.pk)
    lifetime.lifetime_check(actor=system_actor(), now=timezone.now() + dt.timedelta(hours=30))
    pig.refresh_from_db()
    assert [r["rule"] for r in pig.traceability_reasons] == [GapRule.NOT_RECEIVED]
    assert EarTag.objects.get(animal=pig).status == "active"
