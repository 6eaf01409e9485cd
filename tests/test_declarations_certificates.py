"""Certificates: issued on release, signed, verifiable offline, revoked and replaced with
history; foreign ePhytos imported without losing content."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from openciq.core.errors import ConflictError, TransitionNotAllowed, ValidationFailed
from openciq.core.models import AuditEvent
from openciq.declarations import certificates, services, signing, sps
from openciq.declarations.models import Certificate, Declaration
from tests import personas
from tests.declaration_fixtures import World, force_draw, world

pytestmark = pytest.mark.django_db

EPHYTO = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "sps" / "SPSCertificateContent.xml"


@pytest.fixture(autouse=True)
def signing_key(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("OPENCIQ_SIGNING_KEY_FILE", str(tmp_path / "keys" / "certificate-signing.pem"))


@pytest.fixture
def released(monkeypatch: Any) -> tuple[World, Declaration]:
    w = world("A")
    force_draw(monkeypatch, 0.999)
    declaration = w.draft()
    services.declaration_submit(actor=w.enterprise_user, declaration_id=declaration.pk)
    declaration.refresh_from_db()
    assert declaration.status == "released"
    return w, declaration


def ephyto() -> bytes:
    if not EPHYTO.exists():
        pytest.skip("../shared/conformance/sps is absent: the real ePhyto example is not available")
    return EPHYTO.read_bytes()


def test_the_release_issues_a_signed_sps_certificate_with_the_declarations_data(released: Any) -> None:
    _w, declaration = released
    certificate = declaration.certificates.get()
    assert certificate.status == "valid" and certificate.direction == "export"
    data = sps.certificate_from_xml(certificate.xml.encode())
    assert data.id == certificate.number
    assert (data.type_code, data.status_code) == ("851", "70")
    assert data.consignment.consignor.name == "广州绿源蔬菜出口有限公司"
    assert data.consignment.consignor.type_code == declaration.enterprise.uscc
    assert data.consignment.import_country.id == "HK"
    assert [e.id for e in data.consignment.transport_equipment] == ["CSQU3054383"]
    item = data.consignment.trade_line_items[0]
    assert item.classifications[0].class_code == "070490"
    assert (item.net_weight.value, item.net_weight.unit) == ("1200.000", "KGM")
    assert item.origin_countries[0].subdivisions[0].name == "从化蔬菜种植基地"
    assert certificate.data == data.to_dict()
    result = signing.verify_document(certificate.signed_document)
    assert result.valid and result.certificate_number == certificate.number
    assert result.key_id == certificate.key_id


def test_the_signed_file_fails_verification_after_one_byte_of_the_payload_changes(released: Any) -> None:
    _w, declaration = released
    signed = declaration.certificates.get().signed_document
    document = json.loads(signed)
    document["payload"] = document["payload"].replace("1200.000", "1900.000", 1)
    forged = json.dumps(document, ensure_ascii=False)
    result = certificates.verify_uploaded(forged.encode())
    assert not result.valid
    assert result.reason == "bad_signature"
    assert "signature" in result.message


def test_verification_reports_what_became_of_our_certificate(released: Any) -> None:
    w, declaration = released
    certificate = declaration.certificates.get()
    assert certificates.verify_uploaded(certificate.signed_document.encode()).certificate_status == "valid"
    certificates.certificate_revoke(actor=w.inspector, certificate_id=certificate.pk, reason="误签")
    result = certificates.verify_uploaded(certificate.signed_document.encode())
    assert result.valid is True  # the signature is still genuine ...
    assert result.certificate_status == "revoked"  # ... but the certificate no longer stands


def test_replacing_keeps_the_chain_and_the_new_certificate_names_the_old_one(released: Any) -> None:
    w, declaration = released
    old = declaration.certificates.get()
    new = certificates.certificate_replace(actor=w.inspector, certificate_id=old.pk, reason="收货人变更")
    old.refresh_from_db()
    assert (old.status, old.status_reason) == ("replaced", "收货人变更")
    assert new.replaces_id == old.pk and new.status == "valid"
    notes = {n.subject: n.content for n in sps.certificate_from_xml(new.xml.encode()).notes}
    assert notes["ADRPN"] == old.number
    assert notes["ADRPR"] == "收货人变更"
    assert set(
        AuditEvent.objects.filter(object_id__in=[str(old.pk), str(new.pk)]).values_list("action", flat=True)
    ) >= {
        "declarations.certificate_replaced",
        "declarations.certificate_issued",
    }


def test_a_revoked_certificate_cannot_be_revoked_or_replaced_again(released: Any) -> None:
    w, declaration = released
    certificate = declaration.certificates.get()
    certificates.certificate_revoke(actor=w.inspector, certificate_id=certificate.pk, reason="误签")
    for call in (certificates.certificate_revoke, certificates.certificate_replace):
        with pytest.raises(TransitionNotAllowed) as caught:
            call(actor=w.inspector, certificate_id=certificate.pk, reason="再次")
        assert caught.value.fields == {"status": ["revoked"]}
    assert Certificate.objects.count() == 1


def test_revoking_needs_a_reason(released: Any) -> None:
    w, declaration = released
    with pytest.raises(ValidationFailed) as caught:
        certificates.certificate_revoke(
            actor=w.inspector, certificate_id=declaration.certificates.get().pk, reason=""
        )
    assert "reason" in caught.value.fields


def test_a_second_valid_certificate_of_the_same_kind_is_refused(released: Any) -> None:
    w, declaration = released
    with pytest.raises(ConflictError):
        certificates.certificate_issue(actor=w.inspector, declaration_id=declaration.pk, kind="phytosanitary")
    health = certificates.certificate_issue(actor=w.inspector, declaration_id=declaration.pk, kind="health")
    assert sps.certificate_from_xml(health.xml.encode()).type_code == "852"


def test_certificates_are_issued_for_released_declarations_only() -> None:
    w = world("C")
    declaration = w.draft()
    with pytest.raises(TransitionNotAllowed) as caught:
        certificates.certificate_issue(actor=w.inspector, declaration_id=declaration.pk, kind="conformity")
    assert caught.value.fields == {"status": ["draft"]}


def test_the_real_ephyto_imports_completely_into_a_read_only_record() -> None:
    personas.org_tree()
    xml = ephyto()
    inspector = personas.inspector_gz()
    certificate = certificates.certificate_import(actor=inspector, xml=xml)
    assert (certificate.number, certificate.kind, certificate.direction, certificate.status) == (
        "123ABC",
        "phytosanitary",
        "import",
        "valid",
    )
    assert certificate.tree == sps.parse_tree(xml)  # nothing of the document is lost
    assert certificate.data == sps.certificate_from_xml(xml).to_dict()
    assert certificate.data["consignment"]["consignor"]["name"] == "Juan Perez"
    assert len(certificate.data["consignment"]["trade_line_items"]) == 2
    with pytest.raises(TransitionNotAllowed):
        certificates.certificate_revoke(
            actor=personas.system_admin(), certificate_id=certificate.pk, reason="x"
        )
    with pytest.raises(ConflictError):
        certificates.certificate_import(actor=inspector, xml=xml)


def test_our_certificate_exported_and_imported_gives_back_the_same_data(released: Any) -> None:
    w, declaration = released
    ours = declaration.certificates.get()
    received = certificates.certificate_import(actor=w.inspector, xml=ours.xml.encode())
    assert received.data == ours.data
    assert received.number == ours.number and received.direction == "import"


def test_a_file_that_is_not_an_sps_certificate_is_refused_naming_the_file() -> None:
    personas.org_tree()
    with pytest.raises(ValidationFailed) as caught:
        certificates.certificate_import(actor=personas.inspector_gz(), xml=b"<html><body>hi</body></html>")
    assert "file" in caught.value.fields
    assert Certificate.objects.count() == 0


def test_the_certificate_pdf_shows_what_was_signed(released: Any) -> None:
    _w, declaration = released
    certificate = declaration.certificates.get()
    view = certificates.certificate_view(certificate)
    assert view.number == certificate.number
    assert view.consignor.name == "广州绿源蔬菜出口有限公司"
    assert [(line.hs_code, str(line.quantity), line.unit, line.lot) for line in view.lines] == [
        ("070490", "1200.000", "KGM", "L-001")
    ]
    assert [c.number for c in view.containers] == ["CSQU3054383"]
    body = certificates.certificate_pdf(certificate=certificate, verify_url="https://ciq.example/verify/x/")
    assert body.startswith(b"%PDF-")


def test_an_expired_certificate_verifies_by_signature_but_says_it_has_expired(released: Any) -> None:
    import datetime as dt

    from django.test import Client
    from django.utils import timezone

    _w, declaration = released
    certificate = declaration.certificates.get()
    Certificate.objects.filter(pk=certificate.pk).update(
        valid_until=timezone.localdate() - dt.timedelta(days=1)
    )
    result = certificates.verify_uploaded(certificate.signed_document.encode())
    assert result.valid is True and result.certificate_status == "expired"
    page = Client().get(f"/declarations/verify/{certificate.verify_token}/")
    assert page.status_code == 200 and 'data-status="expired"' in page.content.decode()


def test_the_pdf_view_carries_the_certifying_statement_in_both_languages(released: Any) -> None:
    _w, declaration = released
    view = certificates.certificate_view(declaration.certificates.get())
    assert view.statement_zh.startswith("兹证明") and "quarantine pests" in view.statement_en
