"""The vegetables pages (Django test client): who may open what, what each shows, every crate, lot
and truck linked to its trace, the shipment's page with declared against read at the gate, and
its actions through the same services (a refusal is shown on the form, status 200).

Assertions look for element ids and data attributes rather than words, so that they hold in
both languages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openciq.trace.vegetables import services
from openciq.trace.vegetables.models import HarvestLot, PlantingBase, Shipment
from tests import personas
from tests.vegetables_fixtures import VegWorld, veg_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> VegWorld:
    return veg_world()


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"vegetables:{name}", args=args)


def body(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def trace_href(identifier: str) -> str:
    return f"{reverse('trace:trace')}?epc={quote(identifier, safe='')}"


# --- Who may open what ------------------------------------------------------------------------------


def test_every_page_renders_for_the_port_inspector(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:2])
    client = client_for(w.inspector)
    for page in [
        url("worklist"),
        url("base_list"),
        url("base_register"),
        url("base_detail", w.base.pk),
        url("lot_list"),
        url("lot_detail", w.lot.pk),
        url("crate_list"),
        url("shipment_list"),
        url("shipment_detail", shipment.pk),
    ]:
        body(client.get(page))


def test_pages_need_their_permission(w: VegWorld) -> None:
    client = client_for(personas.nobody())
    for page in [url("worklist"), url("base_list"), url("lot_list"), url("crate_list"), url("shipment_list")]:
        assert client.get(page).status_code == 403
    assert (
        client_for(w.inspector).get(url("shipment_create")).status_code == 403
    )  # inspectors do not open trips
    assert client.get(url("base_list")).status_code == 403


def test_out_of_scope_objects_answer_404(w: VegWorld) -> None:
    shipment = w.new_shipment()
    stranger = client_for(personas.persona("stranger", "enterprise_user", None))
    assert stranger.get(url("shipment_detail", shipment.pk)).status_code == 404
    assert stranger.get(url("base_detail", w.base.pk)).status_code == 404
    assert stranger.get(url("lot_detail", w.lot.pk)).status_code == 404
    assert client_for(personas.inspector_gz()).get(url("shipment_detail", shipment.pk)).status_code == 404


def test_the_exit_ports_inspector_sees_the_lots_crates_and_base_of_the_trucks_through_the_port(
    w: VegWorld,
) -> None:
    from tests import factories as f

    port = f.PortFactory(code="CNWJ2", name_zh="文锦渡二号口岸", kind="land", org_unit=f.unit("WJ"))
    inspector = client_for(personas.persona("inspector_wj", "branch_inspector", "WJ"))
    unshipped = services.lot_harvest(actor=w.packer, **w.lot_kwargs())
    assert inspector.get(url("lot_detail", w.lot.pk)).status_code == 404
    shipment = services.shipment_create(
        actor=w.packer,
        enterprise_id=w.enterprise.pk,
        port_id=port.pk,
        declaration_number="D-WJ",
        truck_plate="粤Z5151港",
    )
    services.crate_pack(
        actor=w.packer, shipment_id=shipment.pk, crate=w.crates[0].grai, lot_id=w.lot.pk, quantity_kg="9"
    )
    body(inspector.get(url("shipment_detail", shipment.pk)))
    body(inspector.get(url("lot_detail", w.lot.pk)))
    body(inspector.get(url("base_detail", w.base.pk)))
    assert f'data-crate="{w.crates[0].grai}"' in body(inspector.get(url("crate_list")))
    assert inspector.get(url("lot_detail", unshipped.pk)).status_code == 404


def test_anonymous_users_are_sent_to_the_login_page(w: VegWorld) -> None:
    response = Client().get(url("shipment_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Lists --------------------------------------------------------------------------------------------


def test_the_shipment_list_shows_status_badges_and_filters_by_status(w: VegWorld) -> None:
    sealed = w.sealed_shipment(w.crates[:1])
    packing = w.new_shipment(declaration="D-2")
    client = client_for(w.packer)
    html = body(client.get(url("shipment_list")))
    assert f'data-shipment="{sealed.number}" data-status="sealed"' in html
    assert f'data-shipment="{packing.number}" data-status="packing"' in html
    assert 'class="badge bg-azure-lt" data-status="sealed"' in html
    filtered = body(client.get(url("shipment_list"), {"status": "packing"}, HTTP_HX_REQUEST="true"))
    assert packing.number in filtered and sealed.number not in filtered
    assert "<html" not in filtered  # htmx gets the results only


def test_the_list_pages_query_counts_do_not_grow_with_their_rows(w: VegWorld) -> None:
    client = client_for(w.inspector)

    def queries(page: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            body(client.get(page))
        return len(captured)

    w.sealed_shipment(w.crates[:1])
    few = {page: queries(page) for page in (url("shipment_list"), url("crate_list"), url("lot_list"))}
    w.sealed_shipment(w.crates[1:3], declaration="D-2", seal="ZJ01-00000002")
    w.new_shipment(declaration="D-3")
    services.lot_harvest(actor=w.packer, **w.lot_kwargs())
    for page, count in few.items():
        assert queries(page) == count, page


def test_crates_and_lots_link_to_their_trace(w: VegWorld) -> None:
    shipment = w.new_shipment()
    services.crate_pack(
        actor=w.packer, shipment_id=shipment.pk, crate=w.crates[0].grai, lot_id=w.lot.pk, quantity_kg="20"
    )
    client = client_for(w.packer)
    crates = body(client.get(url("crate_list")))
    assert trace_href(w.crates[0].epc) in crates.replace("&amp;", "&")
    assert re.search(rf'data-crate="{re.escape(w.crates[0].grai)}".*?{shipment.number}', crates, re.S)
    lots = body(client.get(url("lot_list")))
    assert trace_href(w.lot.epc_class) in lots


def test_the_lot_page_shows_the_crates_it_went_into_and_the_trucks(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:2])
    html = body(client_for(w.inspector).get(url("lot_detail", w.lot.pk)))
    assert f'data-crate="{w.crates[0].grai}"' in html and f'data-crate="{w.crates[1].grai}"' in html
    assert f'data-shipment="{shipment.number}"' in html
    assert trace_href(shipment.truck_epc) in html
    assert trace_href(w.lot.epc_class) in html


def test_the_base_page_lists_plots_and_lots_and_adds_a_plot(w: VegWorld) -> None:
    client = client_for(w.inspector)
    html = body(client.get(url("base_detail", w.base.pk)))
    assert 'data-plot="A1"' in html and f'data-lot="{w.lot.number}"' in html
    response = client.post(url("plot_add", w.base.pk), {"code": "B1", "crop": "芥蓝", "area_ha": "4"})
    assert response.status_code == 302
    assert w.base.plots.filter(code="B1").exists()
    refused = body(client.post(url("plot_add", w.base.pk), {"code": "B1", "crop": "芥蓝", "area_ha": "4"}))
    assert 'data-error-for="code"' in refused


# --- Forms ----------------------------------------------------------------------------------------------


def test_registering_a_base_through_the_page(w: VegWorld) -> None:
    client = client_for(w.inspector)
    response = client.post(
        url("base_register"),
        {
            "registration_number": "4403GC0077",
            "name_zh": "龙岗供港蔬菜基地",
            "enterprise": w.enterprise.pk,
            "area_ha": "15",
            "registered_on": "2024-06-01",
        },
    )
    base = PlantingBase.objects.get(registration_number="4403GC0077")
    assert response["Location"] == url("base_detail", base.pk)


def test_a_harvest_inside_the_pre_harvest_interval_is_refused_on_the_form(w: VegWorld) -> None:
    today = timezone.localdate()
    data = {
        "plot": w.plot.pk,
        "product": w.product.pk,
        "harvest_date": today.isoformat(),
        "quantity_kg": "300",
        "pesticide": "毒死蜱",
        "last_pesticide_date": (today - dt.timedelta(days=2)).isoformat(),
        "pre_harvest_interval_days": "7",
    }
    before = HarvestLot.objects.count()
    html = body(client_for(w.packer).post(url("lot_harvest"), data))
    assert 'data-error-for="harvest_date"' in html and "data-form-errors" in html
    assert HarvestLot.objects.count() == before


def test_registering_a_range_of_crates_through_the_page(w: VegWorld) -> None:
    client = client_for(w.packer)
    response = client.post(
        url("crate_register"),
        {
            "enterprise": w.enterprise.pk,
            "company_prefix": "69234567",
            "asset_type": "0001",
            "first_serial": "7001",
            "count": "25",
        },
    )
    assert response.status_code == 302
    assert (
        w.enterprise
        and client.get(url("crate_list"), {"q": "0001.7025"}).content.decode().count("data-crate=") == 1
    )


def test_opening_a_trip_and_packing_through_the_pages(w: VegWorld) -> None:
    client = client_for(w.packer)
    response = client.post(
        url("shipment_create"),
        {
            "enterprise": w.enterprise.pk,
            "port": w.port.pk,
            "declaration_number": "440300125009999",
            "truck_plate": "粤Z8888港",
        },
    )
    shipment = Shipment.objects.get(declaration_number="440300125009999")
    assert response["Location"] == url("shipment_detail", shipment.pk)
    page = body(client.get(url("shipment_detail", shipment.pk)))
    assert 'data-action-form="pack"' in page and 'data-action-form="seal"' in page
    pack = {"pack-crate": w.crates[0].grai, "pack-lot": w.lot.pk, "pack-quantity_kg": "20"}
    assert client.post(url("shipment_action", shipment.pk, "pack"), pack).status_code == 302
    refused = body(client.post(url("shipment_action", shipment.pk, "pack"), pack))
    assert 'data-error-for="crate"' in refused
    assert client.post(url("shipment_action", shipment.pk, "load")).status_code == 302
    assert (
        client.post(
            url("shipment_action", shipment.pk, "seal"), {"seal-seal_id": "ZJ01-00012345"}
        ).status_code
        == 302
    )
    assert Shipment.objects.get(pk=shipment.pk).status == "sealed"
    twice = body(client.post(url("shipment_action", shipment.pk, "seal"), {"seal-seal_id": "ZJ01-00012346"}))
    assert "data-form-errors" in twice


def test_an_action_the_user_may_not_take_is_forbidden(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:1])
    w.gate_read(shipment, w.crates[:0])  # crates missing: held
    assert (
        client_for(w.packer)
        .post(url("shipment_action", shipment.pk, "release"), {"release-note": "x"})
        .status_code
        == 403
    )
    assert client_for(w.packer).post(url("shipment_action", shipment.pk, "fly")).status_code == 404


# --- The shipment's page and the worklist ------------------------------------------------------------


def test_a_held_shipment_shows_declared_against_read_and_the_inspectors_buttons(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:3])
    w.gate_read(shipment, w.crates[:2], extra=[w.crates[5].grai])
    html = body(client_for(w.inspector).get(url("shipment_detail", shipment.pk)))
    assert 'id="held"' in html
    assert f'data-crate="{w.crates[2].grai}" data-read="no" class="table-danger" data-missing' in html
    assert f'data-crate="{w.crates[0].grai}" data-read="yes"' in html
    assert f'data-missing-crate="{w.crates[2].label}"' in html
    assert f'data-extra-crate="{w.crates[5].label}"' in html
    assert 'data-seal="intact"' in html
    assert 'data-alert="gate_mismatch" data-alert-status="open"' in html
    for verb in ("acknowledge", "release", "reject"):
        assert f'data-action-form="{verb}"' in html
    assert 'data-action-form="pack"' not in html
    assert trace_href(shipment.truck_epc) in html


def test_a_released_shipment_names_the_electronic_decision(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:1])
    w.gate_read(shipment, w.crates[:1])
    html = body(client_for(w.packer).get(url("shipment_detail", shipment.pk)))
    assert "data-decided-by" in html and 'data-seal="intact"' in html
    assert 'data-action-form="release"' not in html


def test_the_worklist_shows_held_trucks_and_open_alerts_and_the_inspector_releases_from_the_page(
    w: VegWorld,
) -> None:
    shipment = w.sealed_shipment(w.crates[:2])
    w.gate_read(shipment, w.crates[:1])
    client = client_for(w.inspector)
    html = body(client.get(url("worklist")))
    assert f'data-shipment="{shipment.number}" data-status="held"' in html
    assert 'data-alert="gate_mismatch" data-alert-status="open"' in html
    assert client.post(url("shipment_action", shipment.pk, "acknowledge")).status_code == 302
    refused = body(client.post(url("shipment_action", shipment.pk, "release"), {"release-note": ""}))
    assert 'data-error-for="note"' in refused
    response = client.post(
        url("shipment_action", shipment.pk, "release"), {"release-note": "查验无异常 All in order"}
    )
    assert response.status_code == 302
    assert Shipment.objects.get(pk=shipment.pk).status == "released"
    assert f'data-shipment="{shipment.number}"' not in body(client.get(url("worklist")))


def test_the_hong_kong_receipt_through_the_page(w: VegWorld) -> None:
    shipment = w.sealed_shipment(w.crates[:1])
    w.gate_read(shipment, w.crates[:1])
    client = client_for(w.inspector)
    response = client.post(url("shipment_action", shipment.pk, "receive"), {"receive-market": w.market.pk})
    assert response.status_code == 302
    assert Shipment.objects.get(pk=shipment.pk).status == "received"
