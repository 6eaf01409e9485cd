"""Master-data rules beyond generic CRUD: identifiers, reclassification, scope, import."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from openciq.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    TransitionNotAllowed,
    ValidationFailed,
)
from openciq.core.models import AuditEvent
from openciq.masterdata.models import Enterprise, EnterpriseClassChange
from openciq.masterdata.services import enterprise_reclassify_decide, enterprise_reclassify_propose
from openciq.masterdata.validators import validate_gln, validate_uscc
from tests import factories as f
from tests import personas

pytestmark = pytest.mark.django_db


def test_uscc_with_a_wrong_check_character_is_refused_with_a_reason() -> None:
    with pytest.raises(ValidationError) as info:
        validate_uscc("91440101MA59ABCDE0")
    assert info.value.code in {"checksum", "invalid"}
    validate_uscc("91350100M000100Y43")  # a published valid example


def test_gln_needs_13_digits_and_a_valid_check_digit() -> None:
    validate_gln("5901234123457")
    for bad in ("590123412345", "5901234123458"):
        with pytest.raises(ValidationError):
            validate_gln(bad)


def test_a_reclassification_is_proposed_then_approved_by_someone_else() -> None:
    inspector, leader = personas.inspector_gz(), personas.bureau_leader()
    enterprise = f.EnterpriseFactory(classification="B")
    change = enterprise_reclassify_propose(
        actor=inspector, enterprise_id=enterprise.pk, to_class="D", reason="两次检出农残超标"
    )
    enterprise.refresh_from_db()
    assert (enterprise.classification, change.status) == ("B", "proposed")
    with pytest.raises(ConflictError):
        enterprise_reclassify_propose(
            actor=inspector, enterprise_id=enterprise.pk, to_class="C", reason="再提"
        )
    enterprise_reclassify_decide(actor=leader, change_id=change.pk, approve=True)
    enterprise.refresh_from_db()
    change.refresh_from_db()
    assert (enterprise.classification, change.from_class, change.to_class, change.status) == (
        "D",
        "B",
        "D",
        "approved",
    )
    assert change.decided_by == leader
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "masterdata.enterprise_reclassified"
    assert event.changes["classification"] == {"before": "B", "after": "D"}
    assert event.changes["reason"]["after"] == "两次检出农残超标"
    with pytest.raises(TransitionNotAllowed):
        enterprise_reclassify_decide(actor=leader, change_id=change.pk, approve=False, note="晚了")


def test_nobody_approves_their_own_proposal_and_rejection_needs_a_note() -> None:
    leader = personas.bureau_leader()
    enterprise = f.EnterpriseFactory(classification="B")
    change = enterprise_reclassify_propose(
        actor=leader, enterprise_id=enterprise.pk, to_class="A", reason="信用良好"
    )
    with pytest.raises(PermissionDeniedError):
        enterprise_reclassify_decide(actor=leader, change_id=change.pk, approve=True)
    admin = personas.system_admin()
    with pytest.raises(ValidationFailed) as info:
        enterprise_reclassify_decide(actor=admin, change_id=change.pk, approve=False, note=" ")
    assert "note" in info.value.fields
    enterprise_reclassify_decide(actor=admin, change_id=change.pk, approve=False, note="证据不足")
    enterprise.refresh_from_db()
    assert enterprise.classification == "B"
    assert EnterpriseClassChange.objects.get(pk=change.pk).status == "rejected"


def test_an_inspector_may_propose_but_not_approve() -> None:
    inspector = personas.inspector_gz()
    enterprise = f.EnterpriseFactory(classification="B")
    change = enterprise_reclassify_propose(
        actor=inspector, enterprise_id=enterprise.pk, to_class="C", reason="x"
    )
    with pytest.raises(PermissionDeniedError):
        enterprise_reclassify_decide(actor=inspector, change_id=change.pk, approve=True)


def test_reclassify_without_reason_names_the_field_and_changes_nothing() -> None:
    inspector = personas.inspector_gz()
    enterprise = f.EnterpriseFactory(classification="B")
    count = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as info:
        enterprise_reclassify_propose(actor=inspector, enterprise_id=enterprise.pk, to_class="C", reason="  ")
    assert "reason" in info.value.fields
    enterprise.refresh_from_db()
    assert enterprise.classification == "B" and AuditEvent.objects.count() == count
    assert not EnterpriseClassChange.objects.exists()


def test_reclassify_out_of_scope_is_not_found_and_without_permission_refused() -> None:
    inspector = personas.inspector_gz()
    other_branch = f.EnterpriseFactory(org_unit=f.unit("SZ"))
    with pytest.raises(NotFoundError):
        enterprise_reclassify_propose(
            actor=inspector, enterprise_id=other_branch.pk, to_class="A", reason="x"
        )
    with pytest.raises(PermissionDeniedError):
        enterprise_reclassify_propose(
            actor=personas.lab_analyst(), enterprise_id=other_branch.pk, to_class="A", reason="x"
        )


def test_enterprise_user_sees_only_own_enterprise() -> None:
    user = personas.enterprise_user()
    own = f.MembershipFactory(user=user).enterprise
    f.EnterpriseFactory()
    assert list(Enterprise.objects.restrict(user)) == [own]


def test_import_with_one_bad_row_stores_nothing_and_names_row_and_field() -> None:
    admin = personas.system_admin()
    client = Client()
    client.force_login(admin)
    good, bad = f.EnterpriseFactory.build(), f.EnterpriseFactory.build()
    content = (
        "uscc,name_zh,name_en,kind,org_unit,address,contact_name,contact_phone,registered_on\n"
        f"{good.uscc},好企业,,exporter,GZ,,,,\n"
        f"{bad.uscc[:-1]}{'1' if bad.uscc.endswith('0') else '0'},坏企业,,exporter,GZ,,,,\n"
    ).encode()
    count, events = Enterprise.objects.count(), AuditEvent.objects.count()
    upload = SimpleUploadedFile("enterprises.csv", content, content_type="text/csv")
    response = client.post("/masterdata/enterprises/import/", {"file": upload})
    assert response.status_code == 200
    errors = response.context["row_errors"]
    assert list(errors) == ["第 3 行"] or list(errors) == ["row 3"]
    assert "uscc" in " ".join(next(iter(errors.values())))
    assert (Enterprise.objects.count(), AuditEvent.objects.count()) == (count, events)


def test_import_of_good_rows_creates_them_with_one_event_each() -> None:
    admin = personas.system_admin()
    client = Client()
    client.force_login(admin)
    rows = [f.EnterpriseFactory.build() for _ in range(3)]
    body = "uscc,name_zh,kind,org_unit\n" + "".join(
        f"{r.uscc},企业{i},exporter,SZ\n" for i, r in enumerate(rows)
    )
    events = AuditEvent.objects.count()
    upload = SimpleUploadedFile("enterprises.csv", body.encode(), content_type="text/csv")
    response = client.post("/masterdata/enterprises/import/", {"file": upload})
    assert response.status_code == 302
    assert Enterprise.objects.filter(uscc__in=[r.uscc for r in rows]).count() == 3
    assert AuditEvent.objects.count() == events + 3
