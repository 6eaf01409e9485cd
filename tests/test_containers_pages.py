"""The container e-seal pages: the worklist with the alarms first, the trip list and its filters,
sealing from the form, the trip's page (timeline of seal events, declared against read seal,
alarms, clearance time) and its actions, alerts taken and resolved, the registers, the
clearance-time figures, and who sees what."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openciq.core.models import AuditEvent
from openciq.declarations import holds
from openciq.trace.containers import services
from openciq.trace.containers.models import Container, Seal, Trip
from openciq.trace.models import SupervisionAlert
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
BASE = "/trace/containers"


@pytest.fixture
def w() -> ContainerWorld:
    return container_world()


def client(user: Any) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


def _tampered(w: ContainerWorld, n: int = 0) -> Trip:
    trip = w.seal(n, seal=n)
    capture_reads(w, [read(w.checkpoint, trip.seal.uri, seal_status="tampered", battery=61)])
    return refresh(trip)


def _arrived(w: ContainerWorld, n: int = 0) -> Trip:
    trip = w.seal(n, seal=n)
    capture_reads(w, [read(w.gate, trip.container.uri, trip.seal.uri, seal_status="sealed")])
    return refresh(trip)


# --- Access ----------------------------------------------------------------------------------------


def test_pages_need_a_signed_in_user_with_the_permission(w: ContainerWorld) -> None:
    trip = w.seal()
    anonymous = Client()
    assert anonymous.get(f"{BASE}/trips/").status_code == 302
    nobody = client(w.nobody)
    for path in (
        "/",
        "/trips/",
        f"/trips/{trip.pk}/",
        "/containers/",
        "/seals/",
        "/clearance/",
        "/trips/new/",
    ):
        assert nobody.get(BASE + path).status_code == 403, path
    leader = client(w.leader)
    assert leader.get(f"{BASE}/trips/{trip.pk}/").status_code == 200
    assert leader.get(f"{BASE}/trips/new/").status_code == 403  # reads only


def test_a_trip_outside_the_inspectors_area_is_not_found(w: ContainerWorld) -> None:
    trip = w.seal()
    outsider = personas.persona("inspector_fs", "branch_inspector", "FS")
    assert client(outsider).get(f"{BASE}/trips/{trip.pk}/").status_code == 404
    assert trip.number not in client(outsider).get(f"{BASE}/trips/").content.decode()
    # Both ends of the trip see it: the office that sealed and the office that clears.
    assert client(w.sealer).get(f"{BASE}/trips/{trip.pk}/").status_code == 200
    assert client(w.inspector).get(f"{BASE}/trips/{trip.pk}/").status_code == 200


# --- Worklist and list ---------------------------------------------------------------------------------


def test_the_worklist_puts_the_alarms_first(w: ContainerWorld) -> None:
    tampered = _tampered(w, 0)
    waiting = _arrived(w, 1)
    page = client(w.inspector).get(f"{BASE}/").content.decode()
    alarms = page.index('id="worklist-alarms"')
    arrived = page.index('id="worklist-arrived"')
    assert alarms < page.index(f'data-trip="{tampered.number}"') < arrived
    assert 'data-action="acknowledge"' in page
    assert page.index(f'data-trip="{waiting.number}"') > arrived
    # The sealing office does not work the destination's alerts.
    assert 'data-worklist-alert="' not in client(w.sealer).get(f"{BASE}/").content.decode()


def test_the_trip_list_filters_and_pages(w: ContainerWorld) -> None:
    tampered = _tampered(w, 0)
    quiet = w.seal(1, seal=1)
    c = client(w.inspector)
    everything = c.get(f"{BASE}/trips/").content.decode()
    assert tampered.number in everything and quiet.number in everything
    assert "data-open-alarm" in everything and 'data-seal-status="tampered"' in everything
    alarm = c.get(f"{BASE}/trips/", {"alarm": "true"}).content.decode()
    assert tampered.number in alarm and quiet.number not in alarm
    by_container = c.get(f"{BASE}/trips/", {"q": "MSKU 907032 3"}, HTTP_HX_REQUEST="true")
    body = by_container.content.decode()
    assert quiet.number in body and tampered.number not in body and "<html" not in body
    first = c.get(f"{BASE}/trips/", {"per_page": 1}).content.decode()
    assert quiet.number in first and tampered.number not in first
    older = re.search(r"before=(\d+)", first)
    assert older is not None
    assert tampered.number in c.get(f"{BASE}/trips/", {"per_page": 1, "before": older[1]}).content.decode()


def test_the_trip_list_costs_the_same_queries_for_more_rows(w: ContainerWorld) -> None:
    w.seal(0, seal=0)
    c = client(w.inspector)
    c.get(f"{BASE}/trips/")
    with CaptureQueriesContext(connection) as one:
        c.get(f"{BASE}/trips/")
    w.seal(1, seal=1)
    _tampered(w, 2)
    with CaptureQueriesContext(connection) as three:
        c.get(f"{BASE}/trips/")
    assert len(three) == len(one)


# --- Sealing ------------------------------------------------------------------------------------------


def _seal_form(w: ContainerWorld, **overrides: Any) -> dict[str, Any]:
    return {
        "declaration_number": DECLARATION,
        "container_number": CONTAINERS[2],
        "seal_id": w.seals[2].seal_id,
        "plate": "粤Z·B5678港",
        "origin_port": w.origin.pk,
        "destination_port": w.destination.pk,
        "sealing_location": w.yard.pk,
        "arrival_location": w.gate.pk,
        "checkpoints": [w.checkpoint.pk],
        **overrides,
    }


def test_sealing_from_the_form_names_the_wrong_field_then_seals(w: ContainerWorld) -> None:
    c = client(w.sealer)
    form = c.get(f"{BASE}/trips/new/").content.decode()
    assert f'<option value="{w.seals[2].seal_id}">' in form  # the datalist of available seals
    refused = c.post(f"{BASE}/trips/new/", _seal_form(w, container_number="TGHU1234568"))
    assert refused.status_code == 200
    assert 'data-error-for="container_number"' in refused.content.decode()
    assert not Trip.objects.exists()
    done = c.post(f"{BASE}/trips/new/", _seal_form(w))
    trip = Trip.objects.get()
    assert done.status_code == 302 and done["Location"] == f"{BASE}/trips/{trip.pk}/"
    assert (trip.container.number, trip.seal.seal_id, trip.status) == (
        CONTAINERS[2],
        w.seals[2].seal_id,
        "sealed",
    )
    again = c.post(f"{BASE}/trips/new/", _seal_form(w, container_number=CONTAINERS[3]))
    assert re.search(r'data-error-for="seal_id">[^<]*' + trip.number, again.content.decode())


# --- The trip's page -------------------------------------------------------------------------------------


def test_the_trip_page_shows_the_timeline_the_seals_and_the_alarm(w: ContainerWorld) -> None:
    trip = w.seal()
    other = w.seals[2]
    capture_reads(
        w, [read(w.checkpoint, trip.container.uri, trip.seal.uri, seal_status="sealed", battery=70)]
    )
    capture_reads(w, [read(w.depot, trip.container.uri, other.uri, biz_step="inspecting")])
    page = client(w.inspector).get(f"{BASE}/trips/{trip.pk}/").content.decode()
    assert 'data-trip-status="alarm"' in page and 'id="held"' in page
    assert 'data-reconciliation="mismatch"' in page and other.seal_id in page
    steps = re.findall(r'data-step="([^"]*)"', page)
    assert steps == ["installing", "staging_outbound", "", "inspecting", "holding"]
    assert page.count("data-off-route") == 2  # the depot read and the hold there
    assert 'data-event-alert="seal_mismatch"' in page
    assert 'data-alert-kind="seal_mismatch"' in page and 'data-alert-status="open"' in page
    assert f'href="/trace/trace/?epc={trip.container.uri.replace(":", "%3A")}"' in page
    assert re.findall(r'data-action-form="(\w+)"', page) == ["open", "inspect", "clear", "cancel"]
    sealed_only = w.seal(1, seal=1)
    actions = client(w.inspector).get(f"{BASE}/trips/{sealed_only.pk}/").content.decode()
    assert re.findall(r'data-action-form="(\w+)"', actions) == ["cancel"]


def test_open_inspect_and_clear_from_the_trip_page(w: ContainerWorld) -> None:
    trip = _arrived(w)
    c = client(w.inspector)
    assert (
        c.post(f"{BASE}/trips/{trip.pk}/open/", {"open-note": "Seal intact, doors opened."}).status_code
        == 302
    )
    assert refresh(trip).status == "opened"
    refused = c.post(f"{BASE}/trips/{trip.pk}/inspect/", {"inspect-result": "maybe"})
    assert refused.status_code == 200 and 'data-error-for="result"' in refused.content.decode()
    ok = c.post(f"{BASE}/trips/{trip.pk}/inspect/", {"inspect-result": "conformant", "inspect-note": "OK"})
    assert ok.status_code == 302 and refresh(trip).inspection_result == "conformant"
    assert c.post(f"{BASE}/trips/{trip.pk}/clear/", {}).status_code == 302
    cleared = refresh(trip)
    assert cleared.status == "cleared" and cleared.clearance_seconds is not None
    page = c.get(f"{BASE}/trips/{trip.pk}/").content.decode()
    shown = re.search(r'id="clearance-time"><strong>([^<]+)</strong>', page)
    assert shown is not None and shown[1] != "—"


def test_clearing_a_held_trip_shows_the_alert_and_changes_nothing(w: ContainerWorld) -> None:
    trip = _tampered(w)
    (alert,) = SupervisionAlert.objects.all()
    before = AuditEvent.objects.count()
    refused = client(w.inspector).post(f"{BASE}/trips/{trip.pk}/clear/", {})
    body = refused.content.decode()
    assert refused.status_code == 200 and "data-form-errors" in body and alert.title in body
    assert refresh(trip).status == "alarm" and AuditEvent.objects.count() == before


def test_taking_and_resolving_an_alert_lifts_the_hold(w: ContainerWorld) -> None:
    trip = _tampered(w)
    (alert,) = SupervisionAlert.objects.all()
    c = client(w.inspector)
    back = f"{BASE}/trips/{trip.pk}/"
    took = c.post(f"{BASE}/alerts/{alert.pk}/acknowledge/", {"next": back})
    assert took.status_code == 302 and took["Location"] == back
    assert SupervisionAlert.objects.get().status == "acknowledged"
    empty = c.post(f"{BASE}/alerts/{alert.pk}/resolve/", {"next": back, "resolve-resolution": " "})
    assert empty.status_code == 302 and SupervisionAlert.objects.get().status == "acknowledged"
    c.post(f"{BASE}/alerts/{alert.pk}/resolve/", {"next": back, "resolve-resolution": "Cable re-seated."})
    assert SupervisionAlert.objects.get().status == "resolved" and holds.reasons(DECLARATION) == []
    assert client(w.nobody).post(f"{BASE}/alerts/{alert.pk}/acknowledge/").status_code == 403


# --- Registers and figures ----------------------------------------------------------------------------------


def test_the_registers_list_add_and_retire(w: ContainerWorld) -> None:
    c = client(w.sealer)
    bad = c.post(f"{BASE}/containers/new/", {"number": "CSQU3054384"})
    assert 'data-error-for="number"' in bad.content.decode() and not Container.objects.exists()
    made = c.post(f"{BASE}/containers/new/", {"number": "CSQU3054383", "size_type": "22G1"})
    container = Container.objects.get()
    assert made["Location"] == f"{BASE}/containers/{container.pk}/"
    assert 'data-container="CSQU3054383"' in c.get(f"{BASE}/containers/").content.decode()
    c.post(f"{BASE}/seals/new/", {"seal_id": "hk02-000777", "model": "GL-300", "reusable": "on"})
    seal = Seal.objects.get(seal_id="HK02-000777")
    listed = c.get(f"{BASE}/seals/", {"status": "available"}).content.decode()
    assert 'data-seal="HK02-000777"' in listed and 'data-seal-status="available"' in listed
    no_reason = c.post(f"{BASE}/seals/{seal.pk}/retire/", {"retire-reason": ""})
    assert 'data-error-for="reason"' in no_reason.content.decode()
    c.post(f"{BASE}/seals/{seal.pk}/retire/", {"retire-reason": "Battery spent."})
    assert Seal.objects.get(pk=seal.pk).status == "retired"
    trip = w.seal()
    assert trip.number in c.get(f"{BASE}/containers/{container.pk}/").content.decode()


def test_the_clearance_figures_give_the_median_and_the_90th_percentile(w: ContainerWorld) -> None:
    now = timezone.now()
    trips = []
    for n, minutes in enumerate([10, 20, 50]):
        trips.append(_arrived(w, n))
        services.trip_clear(actor=w.inspector, trip_id=trips[-1].pk)
        Trip.objects.filter(pk=trips[-1].pk).update(clearance_seconds=minutes * 60, cleared_at=now)
    # Each container's page gives the clearance time of its trips.
    container_page = client(w.inspector).get(f"{BASE}/containers/{trips[0].container_id}/").content.decode()
    assert re.search(r"data-clearance>10\D", container_page)
    page = client(w.inspector).get(f"{BASE}/clearance/").content.decode()
    month = timezone.localtime(now).strftime("%Y-%m")
    row = page.split(f'data-port="{w.destination.code}" data-month="{month}"')[1].split("</tr>")[0]
    assert re.search(r"data-median>20<", row) and re.search(r"data-p90>50<", row)
    since = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    later = client(w.inspector).get(f"{BASE}/clearance/", {"since": since, "until": since}).content.decode()
    assert "data-median" not in later
