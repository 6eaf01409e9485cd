"""The audit log: one writer, hash-chained, append-only, and a tripwire for unaudited writes."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from openciq.accounts.services import system_actor
from openciq.core import audit
from openciq.core.models import AuditEvent
from openciq.masterdata.models import Product
from tests import factories as f
from tests.conftest import drop_audit_guard
from tests.personas import org_tree

pytestmark = pytest.mark.django_db


def _events(n: int) -> None:
    org_tree()
    for _ in range(n):
        f.ProductFactory()


def _verify() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def intruder(clean_audit_log: None) -> None:
    """Drops the append-only triggers, as an intruder with database rights would."""
    drop_audit_guard()


def test_verify_passes_on_an_untouched_chain() -> None:
    _events(3)
    code, out, _err = _verify()
    assert code == 0
    assert f"{AuditEvent.objects.count()} events" in out


def test_update_and_delete_of_audit_rows_are_refused_by_the_database() -> None:
    _events(1)
    event = AuditEvent.objects.order_by("id").first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.django_db(transaction=True)
def test_verify_names_the_first_hand_edited_row(intruder: None) -> None:
    _events(4)
    target = AuditEvent.objects.order_by("id")[2]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET object_repr = %s WHERE id = %s", ["forged", target.pk])
    code, _out, err = _verify()
    assert code == 1
    assert f"event #{target.pk}: content does not match its hash" in err


@pytest.mark.django_db(transaction=True)
def test_verify_detects_a_deleted_row_in_the_middle(intruder: None) -> None:
    _events(4)
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [ids[2]])
    code, _out, err = _verify()
    assert code == 1
    assert f"event #{ids[3]}: prev_hash does not match" in err


def test_saving_outside_an_audit_scope_trips_the_wire() -> None:
    with pytest.raises(audit.UnauditedWrite):
        Product.objects.create(hs_code="123456", name_zh="未审计", risk_category="low")
    assert not Product.objects.filter(hs_code="123456").exists()


def test_a_scope_that_writes_without_recording_trips_the_wire() -> None:
    with pytest.raises(audit.UnauditedWrite), audit.scope(), transaction.atomic():
        Product.objects.create(hs_code="654321", name_zh="未记录", risk_category="low")


def test_record_change_stores_only_changed_fields_with_actor_and_request_id() -> None:
    org_tree()
    product = f.ProductFactory(name_zh="旧名")
    before = audit.snapshot(product)
    token = audit.request_id_var.set("req-12345678")
    try:
        with audit.scope(), transaction.atomic():
            product.name_zh = "新名"
            product.save()
            event = audit.record_change(
                actor=system_actor(), action="masterdata.product_updated", obj=product, before=before
            )
    finally:
        audit.request_id_var.reset(token)
    assert event.changes == {"name_zh": {"before": "旧名", "after": "新名"}}
    assert event.request_id == "req-12345678"
    assert event.actor.username == "system"
