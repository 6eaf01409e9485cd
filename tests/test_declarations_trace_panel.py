"""A declaration's traceability panel: the container trips, vegetable shipments and pig loading
batches under its number, with their state, open alerts, and links to their pages and traces —
only what the user's scope allows — and no panel for a declaration nothing was traced under.
Declarations learn it through ``declarations.related`` (the flows register providers), never by
importing the traceability system."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from openciq.declarations import related
from openciq.declarations.models import Declaration
from openciq.trace import related as trace_related
from openciq.trace.containers import services
from openciq.trace.models import SupervisionAlert
from openciq.trace.pigs import services as pig_services
from tests import declaration_fixtures, personas
from tests.containers_fixtures import ContainerWorld, capture_reads, container_world, read
from tests.pigs_fixtures import channel_reads, pig_world, uri_of
from tests.vegetables_fixtures import veg_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _page(user: Any, declaration: Declaration) -> str:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(user)
    response = c.get(reverse("declarations:declaration_detail", args=[declaration.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _panel(page: str) -> str:
    found = re.search(r'<div class="card mb-3" id="traced">.*?\n</div>', page, re.S)
    assert found is not None, "no traceability panel"
    return found[0]


@pytest.fixture
def world() -> tuple[Declaration, ContainerWorld]:
    dw = declaration_fixtures.world()
    declaration = dw.draft()
    return declaration, container_world()


def _deviated(cw: ContainerWorld, declaration: Declaration) -> Any:
    """A trip under the declaration, read off its route: a blocking alarm of the Shenzhen office."""
    trip = cw.seal(0, seal=0, declaration=declaration.number)
    capture_reads(cw, [read(cw.depot, trip.container.uri, trip.seal.uri, seal_status="sealed")])
    return trip


def test_the_panel_lists_the_trips_with_their_state_alerts_and_links(
    world: tuple[Declaration, ContainerWorld],
) -> None:
    declaration, cw = world
    trip = _deviated(cw, declaration)
    elsewhere = cw.seal(1, seal=1)  # another declaration's trip
    panel = _panel(_page(cw.leader, declaration))
    assert re.findall(r'data-traced="([^"]+)"', panel) == [trip.number]
    assert elsewhere.number not in panel
    assert 'data-traced-group="containers"' in panel and "Sealed container trips" in panel
    assert 'data-traced-status="alarm"' in panel and "Alarm" in panel
    assert f'href="/trace/containers/trips/{trip.pk}/"' in panel
    assert f'href="/trace/trace/?epc={trip.container.uri.replace(":", "%3A")}"' in panel
    assert "Container CSQU 305438 3, seal ZJ01-00000001, truck" in panel
    (alert,) = SupervisionAlert.objects.filter(key__startswith=services.alert_key(trip))
    assert panel.count("data-traced-alert") == 1 and 'data-traced-open-alerts="1"' in panel
    assert f'href="/trace/alerts/{alert.pk}/"' in panel and "holds the declaration" in panel
    assert "Container read off its declared route" in panel


def test_the_panel_shows_only_what_the_users_scope_allows(world: tuple[Declaration, ContainerWorld]) -> None:
    declaration, cw = world
    trip = _deviated(cw, declaration)
    # The Guangzhou inspector sees the trip (it left from their port) but not the alarm, which
    # belongs to the Shenzhen office that supervises the crossing.
    panel = _panel(_page(cw.sealer, declaration))
    assert f'data-traced="{trip.number}"' in panel
    assert "data-traced-alert" not in panel and "data-traced-open-alerts" not in panel
    # The declarant sees its declaration, but the trip is not one of its enterprise's.
    declarant = declaration.created_by
    assert 'id="traced"' not in _page(declarant, declaration)
    # Someone who may see no trip at all gets nothing from the hook.
    assert not related.related(actor=cw.nobody, declaration_number=declaration.number)


def test_a_declaration_with_nothing_traced_has_no_panel(world: tuple[Declaration, ContainerWorld]) -> None:
    declaration, cw = world
    cw.seal(0, seal=0)  # a trip under another declaration number
    page = _page(cw.leader, declaration)
    assert 'id="traced"' not in page and "Traceability</h2>" not in page
    found = related.related(actor=cw.leader, declaration_number=declaration.number)
    assert not found and found.count == 0 and found.open_alerts == 0


def test_a_long_list_is_cut_and_counted(world: tuple[Declaration, ContainerWorld], monkeypatch: Any) -> None:
    declaration, cw = world
    monkeypatch.setattr(trace_related, "LIMIT", 1)
    cw.seal(0, seal=0, declaration=declaration.number)
    cw.seal(1, seal=1, declaration=declaration.number)
    (group,) = related.related(actor=cw.leader, declaration_number=declaration.number).groups
    assert (len(group.records), group.more) == (1, 1)
    panel = _panel(_page(cw.leader, declaration))
    assert 'data-traced-more="1"' in panel and f"/trace/containers/trips/?q={declaration.number}" in panel


def test_vegetable_shipments_under_the_number_with_their_gate_alert() -> None:
    vw = veg_world()
    number = "440300125000001"
    shipment = vw.sealed_shipment(vw.crates[:4], declaration=number)
    vw.gate_read(shipment, vw.crates[:3])  # a crate missing: held, alert
    vw.new_shipment(declaration="440300125000002")
    (group,) = related.related(actor=vw.inspector, declaration_number=number).groups
    (record,) = group.records
    assert (group.key, record.number, record.status) == ("vegetables", shipment.number, "held")
    assert record.url == f"/trace/vegetables/shipments/{shipment.pk}/"
    assert record.summary.endswith("4 crates declared") and record.trace_url.startswith("/trace/trace/?epc=")
    (alert,) = record.alerts
    assert alert.blocking and alert.kind_label == "Border gate reads differ from the declaration"
    # The packing enterprise follows its shipment, but neither sees alerts nor reads events.
    (mine,) = related.related(actor=vw.packer, declaration_number=number).groups
    assert [r.number for r in mine.records] == [shipment.number]
    assert mine.records[0].alerts == () and mine.records[0].trace_url == ""
    # Guangzhou's inspector is outside the Shenzhen port's area.
    assert not related.related(actor=personas.inspector_gz(), declaration_number=number)


def test_pig_loading_batches_under_the_number_with_their_mismatch() -> None:
    pw = pig_world()
    number = "440100226000777777"
    read_pig, missing = pw.herd(2)
    batch = pw.loading([read_pig, missing], declaration=number)
    channel_reads(pw.farm, [uri_of(read_pig)])
    pig_services.batch_reconcile(actor=pw.inspector, batch_id=batch.pk)
    (group,) = related.related(actor=pw.inspector, declaration_number=number).groups
    (record,) = group.records
    assert (group.key, record.number, record.status) == ("pigs", batch.number, "mismatch")
    assert record.url == f"/trace/pigs/batches/{batch.pk}/" and "2 pigs declared" in record.summary
    (alert,) = record.alerts
    assert alert.blocking and alert.url.startswith("/trace/alerts/")
    outsider = personas.inspector_sz()
    assert not related.related(actor=outsider, declaration_number=number)
