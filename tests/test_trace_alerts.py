"""The supervision worklist: alerts raised once, handled and resolved by an inspector, and the
hold an open blocking alert puts on its declaration's release (electronic or by hand)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from openciq.accounts.services import system_actor, token_create
from openciq.core.errors import PermissionDeniedError, TransitionNotAllowed, ValidationFailed
from openciq.core.models import AuditEvent
from openciq.declarations import holds
from openciq.declarations import services as declaration_services
from openciq.declarations.models import Declaration
from openciq.trace import services
from openciq.trace.models import SupervisionAlert
from tests import personas
from tests.declaration_fixtures import force_draw, world

pytestmark = pytest.mark.django_db


def raise_alert(number: str = "", key: str = "gate:truck-1", **extra: Any) -> SupervisionAlert:
    return services.alert_raise(
        actor=system_actor(),
        key=key,
        kind="gate_mismatch",
        title="粤Z1234港: 2 crates missing at the gate",
        subject="https://id.openciq.org/vehicle/%E7%B2%A4Z1234%E6%B8%AF",
        declaration_number=number,
        details={"missing": ["urn:epc:id:grai:6901234.00001.7"]},
        **extra,
    )


def test_an_alert_is_raised_once_per_key_and_audited() -> None:
    first = raise_alert()
    again = raise_alert()
    assert first.pk == again.pk and first.status == "open"
    assert SupervisionAlert.objects.count() == 1
    assert AuditEvent.objects.filter(action="trace.alert_raised").count() == 1


def test_an_open_blocking_alert_holds_the_declaration_until_resolved(monkeypatch: Any) -> None:
    w = world("A")
    force_draw(monkeypatch, 0.999)
    declaration = w.draft()
    alert = raise_alert(declaration.number)
    assert holds.reasons(declaration.number) == [alert.title]
    # A class A declaration would be released electronically at once; held, it waits, conform.
    declaration_services.declaration_submit(actor=w.enterprise_user, declaration_id=declaration.pk)
    declaration.refresh_from_db()
    assert declaration.status == "conform"
    with translation.override("en"), pytest.raises(TransitionNotAllowed, match="held") as refused:
        declaration_services.declaration_release(actor=w.inspector, declaration_id=declaration.pk)
    assert alert.title in str(refused.value)
    services.alert_acknowledge(actor=w.inspector, alert_id=alert.pk)
    with pytest.raises(ValidationFailed) as refused:
        services.alert_resolve(actor=w.inspector, alert_id=alert.pk, resolution="  ")
    assert "resolution" in refused.value.fields
    resolved = services.alert_resolve(
        actor=w.inspector, alert_id=alert.pk, resolution="Crates found on the next truck."
    )
    assert resolved.status == "resolved" and resolved.handled_by == w.inspector
    assert holds.reasons(declaration.number) == []
    declaration_services.declaration_release(actor=w.inspector, declaration_id=declaration.pk)
    assert Declaration.objects.get(pk=declaration.pk).status == "released"
    with pytest.raises(TransitionNotAllowed):
        services.alert_resolve(actor=w.inspector, alert_id=alert.pk, resolution="again")


def test_a_non_blocking_alert_holds_nothing() -> None:
    raise_alert("GZ2026000001", blocking=False)
    assert holds.reasons("GZ2026000001") == []


def test_only_inspectors_handle_alerts() -> None:
    alert = raise_alert()
    with pytest.raises(PermissionDeniedError):
        services.alert_acknowledge(actor=personas.bureau_leader(), alert_id=alert.pk)


def test_the_worklist_api_lists_and_resolves_alerts() -> None:
    alert = raise_alert("GZ2026000009")
    inspector = personas.inspector_gz()
    _token, secret = token_create(actor=inspector, user=inspector, name="tests")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en")
    listed = client.get("/api/v1/trace/alerts?status=open").json()
    assert [a["id"] for a in listed["results"]] == [alert.pk]
    assert listed["results"][0]["declaration_number"] == "GZ2026000009"
    refused = client.post(
        f"/api/v1/trace/alerts/{alert.pk}/resolve", {"resolution": ""}, content_type="application/json"
    )
    assert refused.status_code == 400 and "resolution" in refused.json()["fields"]
    done = client.post(
        f"/api/v1/trace/alerts/{alert.pk}/resolve",
        {"resolution": "Seal intact on re-inspection."},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    nobody = personas.nobody()
    _token, other = token_create(actor=nobody, user=nobody, name="tests")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {other}").get("/api/v1/trace/alerts").status_code == 403


def test_locations_form_a_hierarchy_for_wd_queries() -> None:
    actor = system_actor()
    port = services.location_save(
        actor=actor, uri="urn:epc:id:sgln:6901234.00010.0", name="皇岗口岸", kind="port"
    )
    lane = services.location_save(
        actor=actor, uri="urn:epc:id:sgln:6901234.00010.1", name="1号通道", kind="gate", parent_uri=port.uri
    )
    assert lane.path.startswith(port.path) and lane.parent == port
    with pytest.raises(ValidationFailed) as refused:
        services.location_save(actor=actor, uri=port.uri, kind="port", parent_uri=lane.uri)
    assert "parent_uri" in refused.value.fields


def test_the_worklist_pages_show_open_alerts_first_and_an_inspector_resolves_one() -> None:
    inspector = personas.inspector_gz()
    resolved = raise_alert("GZ2026000001", key="old")
    services.alert_resolve(actor=inspector, alert_id=resolved.pk, resolution="done")
    alert = raise_alert("GZ2026000002", key="new")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(inspector)
    page = client.get("/trace/alerts/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(f"/trace/alerts/{alert.pk}/") < html.index(f"/trace/alerts/{resolved.pk}/")
    assert client.get("/trace/alerts/?status=resolved").content.decode().count("/trace/alerts/") >= 1
    refused = client.post(f"/trace/alerts/{alert.pk}/", {"action": "resolve", "resolution": ""})
    assert refused.status_code == 200 and SupervisionAlert.objects.get(pk=alert.pk).status == "open"
    client.post(f"/trace/alerts/{alert.pk}/", {"action": "acknowledge"})
    assert SupervisionAlert.objects.get(pk=alert.pk).status == "acknowledged"
    done = client.post(
        f"/trace/alerts/{alert.pk}/", {"action": "resolve", "resolution": "Crates recounted: all there."}
    )
    assert done.status_code == 302
    assert SupervisionAlert.objects.get(pk=alert.pk).resolution == "Crates recounted: all there."
    leader = Client()
    leader.force_login(personas.bureau_leader())
    assert leader.get(f"/trace/alerts/{alert.pk}/").status_code == 200
    assert leader.post(f"/trace/alerts/{alert.pk}/", {"action": "acknowledge"}).status_code == 403
    stranger = Client()
    stranger.force_login(personas.nobody())
    assert stranger.get("/trace/alerts/").status_code == 403
