"""The live-pig pages: who sees what (scope: 404 outside it, 403 without the permission), every
action through its form and service, refusals shown next to the field they name with nothing
changed, and query counts that do not grow with the pigs (Django test client).

Assertions look for element ids and data attributes rather than words, so that they hold in
both languages."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openciq.trace.models import SupervisionAlert
from openciq.trace.pigs import services
from openciq.trace.pigs.models import Animal, Farm, LoadingBatch, TagRange, Treatment
from tests import personas
from tests.pigs_fixtures import RANGE_START, PigWorld, channel_reads, iso_of, pig_world, uri_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def pw() -> PigWorld:
    return pig_world()


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"pigs:{name}", args=args)


def mismatch_batch(pw: PigWorld) -> tuple[LoadingBatch, list[Animal]]:
    pigs = pw.herd(3)
    batch = pw.loading(pigs)
    channel_reads(pw.farm, [uri_of(pigs[0]), uri_of(pigs[1])])
    return services.batch_reconcile(actor=pw.inspector, batch_id=batch.pk), pigs


# --- Access --------------------------------------------------------------------------------------


def test_pages_need_sign_in_and_permission(pw: PigWorld) -> None:
    assert Client().get(url("worklist")).status_code == 302
    nobody = client_for(personas.nobody())
    for name in ("worklist", "farm_list", "animal_list", "batch_list"):
        assert nobody.get(url(name)).status_code == 403, name


def test_inspector_sees_only_the_farms_of_their_office(pw: PigWorld) -> None:
    client = client_for(pw.inspector)
    page = client.get(url("farm_list")).content.decode()
    assert pw.farm.registration_number in page and pw.other_farm.registration_number not in page
    assert client.get(url("farm_detail", pw.other_farm.pk)).status_code == 404


def test_farm_manager_sees_their_farm_and_cannot_register_farms(pw: PigWorld) -> None:
    client = client_for(pw.manager)
    assert client.get(url("farm_detail", pw.farm.pk)).status_code == 200
    assert client.get(url("farm_detail", pw.other_farm.pk)).status_code == 404
    assert client.get(url("farm_register")).status_code == 403


# --- Farms and ranges ---------------------------------------------------------------------------


def test_register_a_farm_through_the_form(pw: PigWorld) -> None:
    client = client_for(pw.inspector)
    data = {
        "registration_number": "4401hkp099",
        "name_zh": "从化供港生猪养殖场",
        "enterprise": pw.farm.enterprise_id,
        "org_unit": pw.farm.org_unit_id,
        "county_code": "440117",
        "capacity": "3000",
    }
    response = client.post(url("farm_register"), data)
    farm = Farm.objects.get(registration_number="4401HKP099")
    assert response.status_code == 302 and response["Location"] == url("farm_detail", farm.pk)


def test_a_refused_farm_shows_the_field_and_stores_nothing(pw: PigWorld) -> None:
    client = client_for(pw.inspector)
    data = {
        "registration_number": "4401HKP098",
        "name_zh": "x",
        "enterprise": pw.farm.enterprise_id,
        "org_unit": pw.farm.org_unit_id,
        "county_code": "440000",
        "capacity": "0",
    }
    response = client.post(url("farm_register"), data)
    assert response.status_code == 200
    assert 'data-error-for="county_code"' in response.content.decode()
    assert not Farm.objects.filter(registration_number="4401HKP098").exists()


def test_farm_page_shows_ranges_and_an_overlapping_issue_is_refused_on_its_field(pw: PigWorld) -> None:
    client = client_for(pw.inspector)
    page = client.get(url("farm_detail", pw.farm.pk)).content.decode()
    assert f'data-range="{pw.tag_range.first_printed}"' in page
    response = client.post(
        url("range_issue", pw.farm.pk),
        {"country": "156", "first_national_id": RANGE_START + 5, "last_national_id": RANGE_START + 50},
    )
    assert response.status_code == 200
    assert 'data-error-for="first_national_id"' in response.content.decode()
    assert TagRange.objects.count() == 1
    response = client.post(
        url("range_issue", pw.farm.pk), {"country": "985", "first_national_id": 1, "last_national_id": 100}
    )
    assert response.status_code == 302


# --- Pigs ----------------------------------------------------------------------------------------


def test_tag_a_pig_through_the_form_and_a_refusal_names_the_number(pw: PigWorld) -> None:
    client = client_for(pw.manager)
    cn, iso = pw.numbers()
    data = {
        "farm": pw.farm.pk,
        "cn_number": "144030700000001",
        "iso_number": iso,
        "sex": "male",
        "breed": "杜洛克 Duroc",
        "birth_date": "2026-01-10",
    }
    refused = client.post(url("animal_tag"), data)
    assert refused.status_code == 200 and 'data-error-for="cn_number"' in refused.content.decode()
    response = client.post(url("animal_tag"), {**data, "cn_number": cn})
    animal = Animal.objects.get(cn_number=cn)
    assert response["Location"] == url("animal_detail", animal.pk)


def test_pig_page_shows_both_numbers_the_tag_history_and_the_trace_links(pw: PigWorld) -> None:
    pig = pw.tag()
    old = pig.tags.get()
    _cn, new_iso = pw.numbers()
    services.tag_replace(actor=pw.manager, tag_id=old.pk, new_iso_number=new_iso, reason="lost")
    page = client_for(pw.inspector).get(url("animal_detail", pig.pk)).content.decode()
    assert pig.cn_number in page
    assert f'data-tag-row="{old.iso_number}"' in page and f'data-tag-row="{new_iso}"' in page
    assert reverse("trace:trace") + "?epc=" in page and 'id="lifetime-trace"' in page


def test_look_up_a_pig_by_either_number(pw: PigWorld) -> None:
    pig = pw.tag()
    client = client_for(pw.inspector)
    for number in (pig.cn_number, iso_of(pig)):
        response = client.get(url("animal_lookup"), {"number": number})
        assert response["Location"] == url("animal_detail", pig.pk)
    assert client.get(url("animal_lookup"), {"number": "144018399999999"}).status_code == 404


def test_animal_list_filters_by_number(pw: PigWorld) -> None:
    first, second = pw.herd(2)
    page = client_for(pw.inspector).get(url("animal_list"), {"number": iso_of(second)}).content.decode()
    assert f'data-animal="{second.cn_number}"' in page and f'data-animal="{first.cn_number}"' not in page


def test_replace_a_tag_and_record_a_death_through_their_forms(pw: PigWorld) -> None:
    pig = pw.tag()
    client = client_for(pw.manager)
    _cn, new_iso = pw.numbers()
    tag = pig.tags.get()
    refused = client.post(
        url("tag_replace", pig.pk), {"tag": tag.pk, "reason": "lost", "new_iso_number": "156000000000001"}
    )
    assert 'data-error-for="new_iso_number"' in refused.content.decode()
    client.post(url("tag_replace", pig.pk), {"tag": tag.pk, "reason": "lost", "new_iso_number": new_iso})
    assert pig.tags.get(status="active").iso_number == new_iso
    client.post(url("animal_death", pig.pk), {"cause": "injury", "note": "fell"})
    pig.refresh_from_db()
    assert pig.status == "dead"


def test_record_a_treatment_from_pasted_numbers(pw: PigWorld) -> None:
    pigs = pw.herd(2)
    response = client_for(pw.manager).post(
        url("treatment_record"),
        {
            "farm": pw.farm.pk,
            "kind": "medication",
            "product": "阿莫西林 Amoxicillin",
            "product_batch": "AMX-1",
            "dose": "15 mg/kg",
            "route": "oral",
            "withdrawal_days": "14",
            "veterinarian": "李兽医",
            "animals": f"{pigs[0].cn_number}\n{iso_of(pigs[1])}",
        },
    )
    assert response.status_code == 302
    assert Treatment.objects.get().animals.count() == 2


# --- Batches -------------------------------------------------------------------------------------


def test_declaring_a_pig_inside_withdrawal_is_refused_on_the_animals_field(pw: PigWorld) -> None:
    pig = pw.tag()
    services.treatment_record(
        actor=pw.manager,
        data=services.TreatmentInput(
            farm_id=pw.farm.pk,
            kind="medication",
            product="x",
            product_batch="b",
            dose="1",
            route="oral",
            veterinarian="v",
            animals=[pig.cn_number],
            withdrawal_days=10,
        ),
    )
    response = client_for(pw.manager).post(
        url("batch_declare"),
        {
            "farm": pw.farm.pk,
            "declaration_number": "440100226000123456",
            "truck_plate": "粤Z1234港",
            "planned_at": "2026-12-01T08:00",
            "animals": pig.cn_number,
        },
    )
    assert response.status_code == 200 and 'data-error-for="animals"' in response.content.decode()
    assert not LoadingBatch.objects.exists()


def test_batch_page_highlights_the_missing_and_the_extra_tags(pw: PigWorld) -> None:
    pigs = pw.herd(2)
    stranger = pw.tag()
    batch = pw.loading(pigs)
    channel_reads(pw.farm, [uri_of(pigs[0]), uri_of(stranger)])
    services.batch_reconcile(actor=pw.inspector, batch_id=batch.pk)
    page = client_for(pw.inspector).get(url("batch_detail", batch.pk)).content.decode()
    assert f'data-declared="{pigs[1].cn_number}" class="table-danger" data-missing="1"' in page
    assert f'data-extra="{iso_of(stranger)}"' in page
    assert 'data-alert-kind="loading_mismatch"' in page and "data-resolve-form" in page


def test_loading_batch_page_shows_reads_as_they_come(pw: PigWorld) -> None:
    pigs = pw.herd(2)
    batch = pw.loading(pigs)
    channel_reads(pw.farm, [uri_of(pigs[0])])
    page = client_for(pw.inspector).get(url("batch_detail", batch.pk)).content.decode()
    assert 'data-count="read">1<' in page and 'data-count="missing">1<' in page


def test_release_is_refused_while_the_alert_is_open_then_resolve_and_release(pw: PigWorld) -> None:
    batch, _pigs = mismatch_batch(pw)
    client = client_for(pw.inspector)
    refused = client.post(url("batch_action", batch.pk, "release"))
    assert refused.status_code == 200 and 'id="refusal"' in refused.content.decode()
    alert = batch.alerts.get()
    blank = client.post(url("batch_alert_resolve", batch.pk, alert.pk), {f"a{alert.pk}-resolution": " "})
    assert 'data-error-for="resolution"' in blank.content.decode()
    client.post(
        url("batch_alert_resolve", batch.pk, alert.pk), {f"a{alert.pk}-resolution": "Pig stays on the farm"}
    )
    assert SupervisionAlert.objects.get(pk=alert.pk).status == "resolved"
    response = client.post(url("batch_action", batch.pk, "release"))
    assert response.status_code == 302
    assert LoadingBatch.objects.get(pk=batch.pk).status == "released"


def test_hold_a_reconciled_batch_through_its_form(pw: PigWorld) -> None:
    pig = pw.tag()
    batch = pw.loading([pig])
    channel_reads(pw.farm, [uri_of(pig)])
    services.batch_reconcile(actor=pw.inspector, batch_id=batch.pk)
    client = client_for(pw.inspector)
    assert 'data-action="hold"' in client.get(url("batch_detail", batch.pk)).content.decode()
    refused = client.post(url("batch_hold", batch.pk), {"reason": ""})
    assert 'data-error-for="reason"' in refused.content.decode()
    assert client.post(url("batch_hold", batch.pk), {"reason": "tags look tampered"}).status_code == 302
    assert LoadingBatch.objects.get(pk=batch.pk).status == "mismatch"


def test_the_farm_manager_cannot_release(pw: PigWorld) -> None:
    batch, _pigs = mismatch_batch(pw)
    assert client_for(pw.manager).post(url("batch_action", batch.pk, "release")).status_code == 403


def test_record_the_hong_kong_receipt_through_its_form(pw: PigWorld) -> None:
    pigs = pw.herd(2)
    batch = pw.loading(pigs)
    channel_reads(pw.farm, [uri_of(p) for p in pigs])
    services.batch_reconcile(actor=pw.inspector, batch_id=batch.pk)
    services.batch_release(actor=pw.inspector, batch_id=batch.pk)
    client = client_for(pw.inspector)
    refused = client.post(url("batch_receive", batch.pk), {"read_numbers": "12AB"})
    assert 'data-error-for="read_numbers"' in refused.content.decode()
    client.post(url("batch_receive", batch.pk), {"read_numbers": iso_of(pigs[0])})
    page = client.get(url("batch_detail", batch.pk)).content.decode()
    assert 'data-receipt="missing"' in page and 'data-not-received="1"' in page


def test_worklist_lists_batches_by_what_they_wait_for_and_the_open_alerts(pw: PigWorld) -> None:
    batch, _pigs = mismatch_batch(pw)
    waiting = pw.declare(pw.herd(1))
    page = client_for(pw.inspector).get(url("worklist")).content.decode()
    held = page.split('id="held"')[1].split('id="to-release"')[0]
    assert f'data-batch="{batch.number}"' in held
    assert f'data-batch="{waiting.number}"' in page.split('id="declared"')[1]
    alert = batch.alerts.get()
    assert f'data-alert="{alert.pk}"' in page and url("batch_detail", batch.pk) in page


# --- Query counts --------------------------------------------------------------------------------


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    return len(context.captured_queries)


def test_batch_page_and_pig_list_queries_do_not_grow_with_the_pigs(pw: PigWorld) -> None:
    client = client_for(pw.inspector)
    small = pw.loading(pw.herd(2), declaration="4401002260000001")
    services.batch_reconcile(actor=pw.inspector, batch_id=small.pk)
    services.batch_cancel(actor=pw.inspector, batch_id=small.pk, reason="x")
    large = pw.loading(pw.herd(8), declaration="4401002260000002")
    services.batch_reconcile(actor=pw.inspector, batch_id=large.pk)
    assert _queries(client, url("batch_detail", small.pk)) == _queries(client, url("batch_detail", large.pk))
    before = _queries(client, url("animal_list"))
    pw.herd(5)
    assert _queries(client, url("animal_list")) == before
