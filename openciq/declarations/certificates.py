"""Electronic certificates: issue, revoke, replace, import, render, verify.

What we issue is a UN/CEFACT SPS certificate (``SPSCertificate:17``, the ePhyto profile) built
from a released declaration, signed with Ed25519 (``signing.py``) so a receiving authority can
verify it offline, with a public verification page its QR code opens. What we receive is kept
losslessly (the document tree and the XML as sent) in a read-only record.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from openciq.accounts.models import OrgUnit
from openciq.accounts.services import is_system_actor
from openciq.core import audit
from openciq.core.errors import ConflictError, NotFoundError, TransitionNotAllowed, ValidationFailed
from openciq.core.numbering import next_value
from openciq.declarations import pdf, signing, sps
from openciq.declarations.choices import (
    CERTIFICATE_TYPE_CODES,
    CertificateDirection,
    CertificateKind,
    CertificateStatus,
    DeclarationStatus,
)
from openciq.declarations.models import Certificate, Declaration
from openciq.declarations.services import _need_reason, _require

KIND_LETTERS = {
    CertificateKind.PHYTOSANITARY: "P",
    CertificateKind.HEALTH: "H",
    CertificateKind.CONFORMITY: "C",
}
VALIDITY_DAYS = 30
ISSUED, WITHDRAWN = "70", "40"  # SPS StatusCode values


def certificate_number(branch: OrgUnit, kind: str, year: int) -> str:
    """``GZ2026P000001``: branch, year, kind letter, a counter per branch, kind and year."""
    letter = KIND_LETTERS[CertificateKind(kind)]
    return f"{branch.code}{year}{letter}{next_value(f'certificate:{branch.code}:{letter}:{year}'):06d}"


def _text(value: str, language: str) -> sps.Text | None:
    return sps.Text(value=value, language=language) if value else None


def certificate_data(
    declaration: Declaration,
    *,
    number: str,
    kind: str,
    issued_at: dt.datetime,
    signatory: str,
    notes: tuple[sps.Note, ...] = (),
) -> sps.CertificateData:
    """The SPS certificate content for a released declaration."""
    enterprise, port, destination = declaration.enterprise, declaration.port, declaration.destination
    lines = list(declaration.lines.select_related("product", "origin_premises"))
    declarations_text = [
        sps.Note(subject="ADEDL", content=_declaration_statement(kind), language="en"),
        *(sps.Note(subject="DMCL", content=f"Lot {line.lot}") for line in lines if line.lot),
    ]
    items = tuple(
        sps.TradeLineItem(
            sequence=str(line.line_no),
            descriptions=tuple(
                t for t in (_text(line.description, "zh"), _text(line.product.name_en, "en")) if t
            ),
            production_batch_ids=(line.lot,) if line.lot else (),
            net_weight=sps.Measure(value=str(line.net_weight_kg), unit="KGM"),
            notes=(
                sps.Note(subject="OQV", content=str(line.quantity)),
                sps.Note(subject="OQU", content=line.unit),
            ),
            classifications=(sps.Classification(system_name="HS", class_code=line.hs_code),),
            origin_countries=(
                sps.Country(
                    id="CN",
                    subdivisions=(sps.SubDivision(name=line.origin_premises.name_zh, hierarchical_level="1"),)
                    if line.origin_premises
                    else (),
                ),
            ),
        )
        for line in lines
    )
    return sps.CertificateData(
        id=number,
        type_code=CERTIFICATE_TYPE_CODES[CertificateKind(kind)],
        status_code=ISSUED,
        issue_datetime=issued_at.isoformat(timespec="seconds"),
        issuer_name=declaration.org_unit.name_en or declaration.org_unit.name_zh,
        notes=(*declarations_text, *notes),
        signatory=sps.Signatory(
            actual_datetime=issued_at.isoformat(timespec="seconds"),
            issue_location=sps.Location(id=port.code, name=port.name_en or port.name_zh),
            provider=sps.Party(name=declaration.org_unit.name_zh, person_name=signatory),
        ),
        consignment=sps.Consignment(
            consignor=sps.Party(
                name=enterprise.name_zh,
                type_code=enterprise.uscc,
                type_code_list_name="NationalRegistrationNumber",
                address=sps.Address(line_one=enterprise.address or None, country_id="CN"),
            ),
            consignee=sps.Party(
                name=declaration.consignee_name or "—",
                address=sps.Address(
                    line_one=declaration.consignee_address or None, country_id=destination.code
                ),
            ),
            export_country=sps.Country(id="CN"),
            loading_base_port=sps.Location(id=port.code, name=port.name_en or port.name_zh),
            import_country=sps.Country(id=destination.code, name=destination.name_en or None),
            main_carriage_movements=(
                sps.TransportMovement(
                    mode_code=declaration.transport_mode,
                    transport_means_name=_text(declaration.means_of_transport, "zh"),
                ),
            ),
            transport_equipment=tuple(sps.TransportEquipment(id=c) for c in declaration.containers),
            trade_line_items=items,
        ),
    )


def _declaration_statement(kind: str) -> str:
    if kind == CertificateKind.PHYTOSANITARY:
        return (
            "This is to certify that the plants, plant products or other regulated articles described "
            "herein have been inspected and/or tested according to appropriate official procedures and "
            "are considered to be free from the quarantine pests specified by the importing contracting party."
        )
    if kind == CertificateKind.HEALTH:
        return "The goods described herein were inspected and found fit for human consumption."
    return "The goods described herein were inspected and found to conform to the applicable requirements."


def _store(
    actor: Any,
    declaration: Declaration,
    kind: str,
    notes: tuple[sps.Note, ...] = (),
    replaces: Certificate | None = None,
) -> Certificate:
    now = timezone.now()
    number = certificate_number(declaration.org_unit, kind, timezone.localdate().year)
    data = certificate_data(
        declaration, number=number, kind=kind, issued_at=now, signatory=str(actor), notes=notes
    )
    xml = sps.certificate_to_xml(data).decode("utf-8")
    signed = signing.sign_payload(xml, certificate_number=number)
    certificate = Certificate.objects.create(
        number=number,
        kind=kind,
        direction=CertificateDirection.EXPORT,
        declaration=declaration,
        org_unit=declaration.org_unit,
        replaces=replaces,
        issued_at=now,
        valid_until=timezone.localdate() + dt.timedelta(days=VALIDITY_DAYS),
        data=data.to_dict(),
        xml=xml,
        signed_document=signed,
        key_id=json.loads(signed)["key_id"],
    )
    audit.record_change(
        actor=actor,
        action="declarations.certificate_issued",
        obj=certificate,
        before=None,
    )
    return certificate


def issue_for_release(*, actor: Any, declaration: Declaration) -> Certificate:
    """The certificate the declaration asked for, issued as part of its release."""
    return _store(actor, declaration, declaration.certificate_kind)


@audit.audited
def certificate_issue(*, actor: Any, declaration_id: int, kind: str) -> Certificate:
    """Issue a certificate for a released declaration. Permission ``issue_certificate``.
    Refused while a valid certificate of that kind exists (replace it instead)."""
    _require(actor, "declarations.issue_certificate")
    if kind not in CertificateKind.values:
        raise ValidationFailed(
            _("The certificate was not issued."),
            fields={"kind": [_("Choose phytosanitary, health or conformity.")]},
        )
    if (
        not is_system_actor(actor)
        and not Declaration.objects.restrict(actor, "view").filter(pk=declaration_id).exists()
    ):
        raise NotFoundError(_("Not found."))
    declaration = (
        Declaration.objects.select_for_update()
        .select_related("enterprise", "port", "destination", "org_unit")
        .get(pk=declaration_id)
    )
    if declaration.status != DeclarationStatus.RELEASED:
        raise TransitionNotAllowed(
            _("Declaration %(number)s is %(state)s; certificates are issued for released batches only.")
            % {"number": declaration.number, "state": declaration.get_status_display()},
            fields={"status": [declaration.status]},
        )
    if declaration.certificates.filter(kind=kind, status=CertificateStatus.VALID).exists():
        raise ConflictError(
            _("A valid certificate of this kind exists for the declaration; replace it instead."),
            fields={"kind": [_("A valid certificate of this kind exists.")]},
        )
    return _store(actor, declaration, kind)


def _lock_ours(actor: Any, certificate_id: int) -> Certificate:
    _require(actor, "declarations.revoke_certificate")
    if not Certificate.objects.restrict(actor, "view").filter(pk=certificate_id).exists():
        raise NotFoundError(_("Not found."))
    certificate: Certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
    if certificate.direction != CertificateDirection.EXPORT:
        raise TransitionNotAllowed(
            _("Certificate %(number)s was issued by another authority; it is read-only here.")
            % {"number": certificate.number},
            fields={"direction": [certificate.direction]},
        )
    if certificate.status != CertificateStatus.VALID:
        raise TransitionNotAllowed(
            _("Certificate %(number)s is %(state)s; only a valid certificate can be revoked or replaced.")
            % {"number": certificate.number, "state": certificate.get_status_display()},
            fields={"status": [certificate.status]},
        )
    return certificate


def _retire(actor: Any, certificate: Certificate, status: str, reason: str, action: str) -> None:
    before = audit.snapshot(certificate)
    certificate.status, certificate.status_reason, certificate.revoked_at = status, reason, timezone.now()
    certificate.save()
    audit.record_change(actor=actor, action=action, obj=certificate, before=before)


@audit.audited
def certificate_revoke(*, actor: Any, certificate_id: int, reason: str) -> Certificate:
    """valid → revoked; the verification page says so from now on. Permission
    ``revoke_certificate``. Audit ``declarations.certificate_revoked``."""
    reason = _need_reason(reason)
    certificate = _lock_ours(actor, certificate_id)
    _retire(actor, certificate, CertificateStatus.REVOKED, reason, "declarations.certificate_revoked")
    return certificate


@audit.audited
def certificate_replace(*, actor: Any, certificate_id: int, reason: str) -> Certificate:
    """valid → replaced by a new certificate that names the one it replaces (SPS notes ADRP,
    ADRPN, ADRPR, ADRD). Returns the new certificate. Permission ``revoke_certificate``."""
    reason = _need_reason(reason)
    old = _lock_ours(actor, certificate_id)
    _retire(actor, old, CertificateStatus.REPLACED, reason, "declarations.certificate_replaced")
    declaration = Declaration.objects.select_related("enterprise", "port", "destination", "org_unit").get(
        pk=old.declaration_id
    )
    notes = (
        sps.Note(subject="ADRP", content="4"),
        sps.Note(subject="ADRPN", content=old.number),
        sps.Note(subject="ADRPR", content=reason),
        sps.Note(subject="ADRD", content=timezone.now().isoformat(timespec="seconds")),
    )
    return _store(actor, declaration, old.kind, notes=notes, replaces=old)


KIND_BY_TYPE_CODE = {code: kind for kind, code in CERTIFICATE_TYPE_CODES.items()} | {
    "657": CertificateKind.PHYTOSANITARY
}


@audit.audited
def certificate_import(*, actor: Any, xml: bytes) -> Certificate:
    """Keep a certificate another authority sent (an incoming ePhyto) as a read-only record:
    the whole document tree, the XML as received and the structured data. Permission
    ``import_certificate``. Audit ``declarations.certificate_imported``."""
    _require(actor, "declarations.import_certificate")
    try:
        tree = sps.parse_tree(xml)
        data = sps.certificate_from_tree(tree)
    except sps.SpsError as exc:
        raise ValidationFailed(_("The file is not an SPS certificate."), fields={"file": [str(exc)]}) from exc
    if not data.id:
        raise ValidationFailed(
            _("The file is not an SPS certificate."),
            fields={"file": [_("SPSExchangedDocument/ID is missing.")]},
        )
    if Certificate.objects.filter(direction=CertificateDirection.IMPORT, number=data.id).exists():
        raise ConflictError(
            _("Certificate %(number)s was imported before.") % {"number": data.id},
            fields={"file": [_("Already imported.")]},
        )
    issued = _parse_when(data.issue_datetime) or timezone.now()
    unit: OrgUnit | None = getattr(actor, "org_unit", None) or (
        OrgUnit.objects.filter(parent__isnull=True).order_by("id").first()
    )
    if unit is None:
        raise ValidationFailed(
            _("The certificate was not imported."), fields={"org_unit": [_("No org unit.")]}
        )
    certificate = Certificate.objects.create(
        number=data.id,
        kind=KIND_BY_TYPE_CODE.get(data.type_code or "", CertificateKind.CONFORMITY),
        direction=CertificateDirection.IMPORT,
        status=CertificateStatus.REVOKED if data.status_code == WITHDRAWN else CertificateStatus.VALID,
        org_unit=unit,
        issued_at=issued,
        data=data.to_dict(),
        tree=tree,
        xml=xml.decode("utf-8", errors="replace"),
    )
    audit.record_change(
        actor=actor,
        action="declarations.certificate_imported",
        obj=certificate,
        before=None,
    )
    return certificate


def _parse_when(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    moment = parse_datetime(value.strip())
    if moment is None:
        day = parse_date(value.strip()[:10])
        moment = dt.datetime.combine(day, dt.time()) if day else None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return moment


def public_status(certificate: Certificate) -> str:
    """valid, expired, replaced or revoked: what the verification page says."""
    if (
        certificate.status == CertificateStatus.VALID
        and certificate.valid_until
        and certificate.valid_until < timezone.localdate()
    ):
        return "expired"
    return str(certificate.status)


@dataclass(frozen=True)
class Verification:
    valid: bool
    reason: str
    message: str
    key_id: str | None
    certificate_number: str | None
    certificate_status: str | None


def verify_uploaded(data: bytes) -> Verification:
    """Check a signed certificate file against our published keys, and say what became of the
    certificate since (replaced, revoked, expired) when it is one of ours."""
    result = signing.verify_document(data)
    status = None
    if result.valid:
        ours = Certificate.objects.filter(
            direction=CertificateDirection.EXPORT, number=result.certificate_number
        ).first()
        status = public_status(ours) if ours else None
    return Verification(
        valid=result.valid,
        reason=str(result.reason),
        message=result.message,
        key_id=result.key_id,
        certificate_number=result.certificate_number,
        certificate_status=status,
    )


def certificate_view(certificate: Certificate) -> pdf.CertificateView:
    """What the PDF shows, from the certificate's own data (so it shows what was signed)."""
    data = sps.CertificateData.from_dict(certificate.data)
    c = data.consignment
    declaration = certificate.declaration
    lines = [
        pdf.CertificateLine(
            description=" / ".join(t.value for t in item.descriptions if t.value),
            hs_code=next((k.class_code or "" for k in item.classifications if k.system_name == "HS"), ""),
            quantity=Decimal(
                _note(item.notes, "OQV") or (item.net_weight.value if item.net_weight else "0") or "0"
            ),
            unit=_note(item.notes, "OQU") or "KGM",
            net_weight_kg=Decimal(
                item.net_weight.value if item.net_weight and item.net_weight.value else "0"
            ),
            origin="; ".join(s.name or "" for country in item.origin_countries for s in country.subdivisions),
            lot=", ".join(item.production_batch_ids),
        )
        for item in c.trade_line_items
    ]
    unit = certificate.org_unit
    mode = declaration.get_transport_mode_display() if declaration else ""
    return pdf.CertificateView(
        number=certificate.number,
        kind_zh=_KIND_ZH[CertificateKind(certificate.kind)],
        kind_en=str(CertificateKind(certificate.kind).label),
        status="issued" if public_status(certificate) == "valid" else public_status(certificate),
        issued_at=certificate.issued_at,
        issuer_zh=unit.name_zh,
        issuer_en=unit.name_en or unit.name_zh,
        consignor=pdf.Party(c.consignor.name or "" if c.consignor else "", _address(c.consignor)),
        consignee=pdf.Party(c.consignee.name or "" if c.consignee else "", _address(c.consignee)),
        destination_country=declaration.destination.name
        if declaration
        else (c.import_country.id or "" if c.import_country else ""),
        port_of_exit=declaration.port.name if declaration else "",
        transport_mode=str(mode),
        transport_means=declaration.means_of_transport if declaration else "",
        signatory_name=(data.signatory.provider.person_name or "")
        if data.signatory and data.signatory.provider
        else "",
        signatory_place=(data.signatory.issue_location.name or "")
        if data.signatory and data.signatory.issue_location
        else "",
        key_id=certificate.key_id,
        lines=lines,
        containers=[pdf.ContainerSeal(e.id or "", ", ".join(e.seal_ids)) for e in c.transport_equipment],
        additional_declarations=[n.content or "" for n in data.notes if n.subject == "ADEDL"],
        valid_until=certificate.valid_until,
        replaces_number=certificate.replaces.number
        if certificate.replaces_id and certificate.replaces
        else None,
        statement_zh=_STATEMENT_ZH[CertificateKind(certificate.kind)],
        statement_en=_declaration_statement(certificate.kind),
    )


_STATEMENT_ZH = {
    CertificateKind.PHYTOSANITARY: "兹证明上述植物、植物产品或其他检疫物已经按照规定程序进行检查和/或检验，"
    "被认为不带有输入方规定的检疫性有害生物。",
    CertificateKind.HEALTH: "兹证明上述货物经检验，适合人类食用。",
    CertificateKind.CONFORMITY: "兹证明上述货物经检验，符合相关要求。",
}
_KIND_ZH = {
    CertificateKind.PHYTOSANITARY: "植物检疫证书",
    CertificateKind.HEALTH: "卫生证书",
    CertificateKind.CONFORMITY: "合格证明",
}


def _note(notes: tuple[sps.Note, ...], subject: str) -> str | None:
    return next((n.content for n in notes if n.subject == subject), None)


def _address(party: sps.Party | None) -> str:
    if party is None or party.address is None:
        return ""
    a = party.address
    return ", ".join(p for p in (a.line_one, a.line_two, a.city_name) if p)


def certificate_pdf(*, certificate: Certificate, verify_url: str, language: str = "zh-hans") -> bytes:
    """The certificate as a bilingual PDF whose QR code opens ``verify_url``."""
    return pdf.render_certificate_pdf(certificate_view(certificate), verify_url=verify_url)
