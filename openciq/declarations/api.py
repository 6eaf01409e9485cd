"""The declarations API at /api/v1/declarations/: each endpoint calls the same service as the
page. No ``from __future__ import annotations``: ninja reads the annotations at run time."""

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from openciq.core.api import ERRORS, filterset_schema, paginate
from openciq.core.errors import ConflictError, NotFoundError, ServiceError, ValidationFailed
from openciq.declarations import certificates, selectors, services, signing
from openciq.declarations.filtersets import DeclarationFilterSet
from openciq.declarations.models import Declaration, IdempotencyKey
from openciq.declarations.schemas import (
    AssignIn,
    AttachmentOut,
    CertificateIssueIn,
    CertificateList,
    CertificateOut,
    CompleteIn,
    DecideIn,
    DeclarationIn,
    DeclarationList,
    DeclarationOut,
    OrderList,
    OrderOut,
    ReasonIn,
    RecordIn,
    ReleaseOut,
    RiskDecisionOut,
    RiskSignalCloseIn,
    RiskSignalIn,
    RiskSignalOut,
    RuleSetIn,
    RuleSetOut,
    SampleList,
    SampleRequestIn,
    SampleRequestOut,
    SampleResultIn,
    TransitionOut,
    VerificationOut,
)

router = Router(tags=["declarations"])
DeclarationFilters = filterset_schema(DeclarationFilterSet, "DeclarationFilters")
PAGE = Query(settings.OPENCIQ_PAGE_SIZE, ge=1, le=settings.OPENCIQ_MAX_PAGE_SIZE)


def _declaration(request: HttpRequest, pk: int) -> Declaration:
    try:
        return selectors.declaration_get(actor=request.auth, pk=pk)
    except NotFoundError as exc:
        raise Http404 from exc


def _form_payload(payload: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data = payload.model_dump(mode="json")
    lines = [{k: ("" if v is None else v) for k, v in line.items()} for line in data.pop("lines")]
    return data, lines


def _declaration_out(declaration: Declaration) -> Declaration:
    return Declaration.objects.select_related("enterprise", "org_unit", "port", "destination").get(
        pk=declaration.pk
    )


def _idempotent_create(request: HttpRequest, key: str, payload: Any) -> tuple[int, Declaration]:
    body_hash = hashlib.sha256(
        json.dumps(payload.model_dump(mode="json"), sort_keys=True).encode()
    ).hexdigest()
    known = IdempotencyKey.objects.filter(user_id=request.auth.pk, key=key).first()
    if known is not None:
        if known.request_hash != body_hash:
            raise ConflictError(
                _("This Idempotency-Key was used with a different request."),
                fields={"Idempotency-Key": [_("Use a new key for a new declaration.")]},
            )
        return 200, known.declaration
    header, lines = _form_payload(payload)
    try:
        with transaction.atomic():
            declaration = services.declaration_create(actor=request.auth, header=header, lines=lines)
            IdempotencyKey.objects.create(
                user=request.auth, key=key, request_hash=body_hash, declaration=declaration
            )
    except IntegrityError:  # the same key arrived twice at once: the first one won
        known = IdempotencyKey.objects.get(user_id=request.auth.pk, key=key)
        if known.request_hash != body_hash:
            raise ConflictError(_("This Idempotency-Key was used with a different request.")) from None
        return 200, known.declaration
    return 201, declaration


def build() -> Router:
    @router.get(
        "/declarations/",
        response={200: DeclarationList, **ERRORS},
        operation_id="declarations_declaration_list",
        url_name="declarations_declaration_list",
        summary="List declarations, newest first (no total count: the table holds millions)",
    )
    def declaration_list(
        request: HttpRequest,
        filters: Query[DeclarationFilters],  # type: ignore[valid-type]
        limit: int = PAGE,
        offset: int = Query(0, ge=0, le=10000),
    ) -> Any:
        allowed = set(DeclarationFilters.model_fields) | {"limit", "offset"}
        unknown = sorted(set(request.GET) - allowed)
        if unknown:
            raise ValidationFailed(
                _("Unknown query parameter."), fields={u: [_("Unknown parameter.")] for u in unknown}
            )
        filterset = DeclarationFilterSet(
            filters.model_dump(exclude_none=True), queryset=selectors.declaration_list(actor=request.auth)
        )
        if not filterset.is_valid():
            raise ValidationFailed(_("The filters are not valid."), fields=dict(filterset.errors))
        return paginate(request, filterset.qs, limit, offset, None, with_count=False)

    @router.post(
        "/declarations/",
        response={200: DeclarationOut, 201: DeclarationOut, **ERRORS},
        operation_id="declarations_declaration_create",
        url_name="declarations_declaration_create",
        summary="Create a draft declaration (send Idempotency-Key to make a resubmission harmless)",
    )
    def declaration_create(request: HttpRequest, response: HttpResponse, payload: DeclarationIn) -> Any:
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 100:
            raise ValidationFailed(
                _("The request is not valid."), fields={"Idempotency-Key": [_("At most 100 characters.")]}
            )
        if key:
            status, declaration = _idempotent_create(request, key, payload)
        else:
            header, lines = _form_payload(payload)
            status, declaration = (
                201,
                services.declaration_create(actor=request.auth, header=header, lines=lines),
            )
        response["Location"] = reverse("api:declarations_declaration_retrieve", kwargs={"pk": declaration.pk})
        return Status(status, _declaration_out(declaration))

    @router.get(
        "/declarations/{int:pk}/",
        response={200: DeclarationOut, **ERRORS},
        operation_id="declarations_declaration_retrieve",
        url_name="declarations_declaration_retrieve",
        summary="Get one declaration with its lines",
    )
    def declaration_retrieve(request: HttpRequest, pk: int) -> Any:
        return _declaration(request, pk)

    @router.put(
        "/declarations/{int:pk}/",
        response={200: DeclarationOut, **ERRORS},
        operation_id="declarations_declaration_update",
        url_name="declarations_declaration_update",
        summary="Replace a draft or returned declaration, lines included",
    )
    def declaration_update(request: HttpRequest, pk: int, payload: DeclarationIn) -> Any:
        _declaration(request, pk)
        header, lines = _form_payload(payload)
        declaration = services.declaration_update(
            actor=request.auth, declaration_id=pk, header=header, lines=lines
        )
        return _declaration_out(declaration)

    def transition(verb: str, summary: str, with_reason: bool = False) -> None:
        service = getattr(services, f"declaration_{verb}")

        if with_reason:

            @router.post(
                f"/declarations/{{int:pk}}/{verb}",
                response={200: DeclarationOut, **ERRORS},
                operation_id=f"declarations_declaration_{verb}",
                url_name=f"declarations_declaration_{verb}",
                summary=summary,
            )
            def with_reason_handler(request: HttpRequest, pk: int, payload: ReasonIn) -> Any:
                _declaration(request, pk)
                return _declaration_out(service(actor=request.auth, declaration_id=pk, reason=payload.reason))

        else:

            @router.post(
                f"/declarations/{{int:pk}}/{verb}",
                response={200: DeclarationOut, **ERRORS},
                operation_id=f"declarations_declaration_{verb}",
                url_name=f"declarations_declaration_{verb}",
                summary=summary,
            )
            def handler(request: HttpRequest, pk: int) -> Any:
                _declaration(request, pk)
                service(actor=request.auth, declaration_id=pk)
                return _declaration_out(Declaration(pk=pk))

    transition(
        "submit", "Submit a draft or returned declaration (class A/B enterprises are assessed at once)"
    )
    transition("accept", "Accept a submitted declaration; the risk assessment routes it")
    transition("return", "Return a submitted declaration for correction, with reasons", with_reason=True)
    transition("withdraw", "Withdraw a submitted or accepted declaration", with_reason=True)
    transition("cancel", "Cancel a declaration, with a reason", with_reason=True)

    @router.post(
        "/declarations/{int:pk}/decide",
        response={200: DeclarationOut, **ERRORS},
        operation_id="declarations_declaration_decide",
        url_name="declarations_declaration_decide",
        summary="Record the conformity decision (not conform needs reasons and a disposal)",
    )
    def declaration_decide(request: HttpRequest, pk: int, payload: DecideIn) -> Any:
        _declaration(request, pk)
        services.declaration_decide(actor=request.auth, declaration_id=pk, **payload.model_dump())
        return _declaration_out(Declaration(pk=pk))

    @router.post(
        "/declarations/{int:pk}/release",
        response={200: ReleaseOut, **ERRORS},
        operation_id="declarations_declaration_release",
        url_name="declarations_declaration_release",
        summary="Release a conform declaration electronically",
    )
    def declaration_release(request: HttpRequest, pk: int) -> Any:
        _declaration(request, pk)
        return services.declaration_release(actor=request.auth, declaration_id=pk)

    @router.get(
        "/declarations/{int:pk}/risk",
        response={200: RiskDecisionOut, **ERRORS},
        operation_id="declarations_declaration_risk",
        url_name="declarations_declaration_risk",
        summary="The risk decision, factor by factor, and whether replaying it gives the same outcome",
    )
    def declaration_risk(request: HttpRequest, pk: int) -> Any:
        declaration = _declaration(request, pk)
        if not request.auth.has_perm("declarations.decide_declaration"):
            raise PermissionDenied
        decision = getattr(declaration, "risk_decision", None)
        if decision is None:
            raise Http404
        return {
            **{f: getattr(decision, f) for f in ("inputs", "factors", "score", "band", "physical_rate")},
            **{f: getattr(decision, f) for f in ("sampling_rate", "draw", "mode", "decided_at")},
            "rule_version": decision.rule_set.version,
            "replay_matches": services.risk_replay(decision)["matches"],
        }

    @router.get(
        "/declarations/{int:pk}/timeline",
        response={200: list[TransitionOut], **ERRORS},
        operation_id="declarations_declaration_timeline",
        url_name="declarations_declaration_timeline",
        summary="Every step of the declaration, oldest first",
    )
    def declaration_timeline(request: HttpRequest, pk: int) -> Any:
        return list(_declaration(request, pk).steps.select_related("actor"))

    @router.post(
        "/declarations/{int:pk}/attachments",
        response={201: AttachmentOut, **ERRORS},
        operation_id="declarations_attachment_add",
        url_name="declarations_attachment_add",
        summary="Attach a document (multipart: title, file)",
    )
    def attachment_add(request: HttpRequest, pk: int, title: Form[str], file: File[UploadedFile]) -> Any:
        _declaration(request, pk)
        return Status(
            201,
            services.declaration_attachment_add(
                actor=request.auth, declaration_id=pk, title=title, file=file
            ),
        )

    @router.get(
        "/attachments/{int:pk}/file",
        response={200: None, **ERRORS},
        operation_id="declarations_attachment_file",
        url_name="declarations_attachment_file",
        summary="Download an attached document",
    )
    def attachment_file(request: HttpRequest, pk: int) -> Any:
        try:
            attachment = selectors.attachment_get(actor=request.auth, pk=pk)
        except NotFoundError as exc:
            raise Http404 from exc
        return FileResponse(
            attachment.file.open("rb"), as_attachment=True, filename=attachment.file.name.rsplit("/", 1)[-1]
        )

    _order_routes()
    _sample_routes()
    _certificate_routes()
    _risk_routes()
    return router


def _order(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors.order_get(actor=request.auth, pk=pk)
    except NotFoundError as exc:
        raise Http404 from exc


def _order_routes() -> None:
    @router.get(
        "/orders/",
        response={200: OrderList, **ERRORS},
        operation_id="declarations_order_worklist",
        url_name="declarations_order_worklist",
        summary="The actor's worklist: open and started inspection orders, oldest in state first",
    )
    def order_worklist(request: HttpRequest, limit: int = PAGE, offset: int = Query(0, ge=0)) -> Any:
        return paginate(request, selectors.worklist(actor=request.auth), limit, offset, None)

    @router.get(
        "/orders/{int:pk}/",
        response={200: OrderOut, **ERRORS},
        operation_id="declarations_order_retrieve",
        url_name="declarations_order_retrieve",
        summary="Get one inspection order",
    )
    def order_retrieve(request: HttpRequest, pk: int) -> Any:
        return _order(request, pk)

    @router.post(
        "/orders/{int:pk}/assign",
        response={200: OrderOut, **ERRORS},
        operation_id="declarations_order_assign",
        url_name="declarations_order_assign",
        summary="Assign an inspection order to an inspector of its port",
    )
    def order_assign(request: HttpRequest, pk: int, payload: AssignIn) -> Any:
        _order(request, pk)
        return services.order_assign(actor=request.auth, order_id=pk, inspector_id=payload.inspector)

    @router.post(
        "/orders/{int:pk}/start",
        response={200: OrderOut, **ERRORS},
        operation_id="declarations_order_start",
        url_name="declarations_order_start",
        summary="Start an inspection order",
    )
    def order_start(request: HttpRequest, pk: int) -> Any:
        _order(request, pk)
        return services.order_start(actor=request.auth, order_id=pk)

    @router.post(
        "/orders/{int:pk}/record",
        response={200: OrderOut, **ERRORS},
        operation_id="declarations_order_record",
        url_name="declarations_order_record",
        summary="Record the checklist and findings of a started order",
    )
    def order_record(request: HttpRequest, pk: int, payload: RecordIn) -> Any:
        _order(request, pk)
        checklist = [item.model_dump() for item in payload.checklist]
        return services.order_record(
            actor=request.auth, order_id=pk, checklist=checklist, findings=payload.findings
        )

    @router.post(
        "/orders/{int:pk}/complete",
        response={200: OrderOut, **ERRORS},
        operation_id="declarations_order_complete",
        url_name="declarations_order_complete",
        summary="Complete an order with its result",
    )
    def order_complete(request: HttpRequest, pk: int, payload: CompleteIn) -> Any:
        _order(request, pk)
        return services.order_complete(actor=request.auth, order_id=pk, **payload.model_dump())


def _sample_routes() -> None:
    @router.post(
        "/orders/{int:pk}/samples",
        response={201: SampleRequestOut, **ERRORS},
        operation_id="declarations_sample_request_create",
        url_name="declarations_sample_request_create",
        summary="Request a laboratory test of a sample drawn under a sampling order",
    )
    def sample_request_create(request: HttpRequest, pk: int, payload: SampleRequestIn) -> Any:
        _order(request, pk)
        sample = services.sample_request_create(
            actor=request.auth,
            order_id=pk,
            laboratory_id=payload.laboratory,
            sample_description=payload.sample_description,
            tests=payload.tests,
            line_id=payload.line,
        )
        return Status(201, sample)

    @router.get(
        "/samples/",
        response={200: SampleList, **ERRORS},
        operation_id="declarations_sample_request_list",
        url_name="declarations_sample_request_list",
        summary="Sample requests in the actor's area, newest first",
    )
    def sample_request_list(request: HttpRequest, limit: int = PAGE, offset: int = Query(0, ge=0)) -> Any:
        return paginate(request, selectors.sample_request_list(actor=request.auth), limit, offset, None)

    @router.post(
        "/samples/{int:pk}/result",
        response={200: SampleRequestOut, **ERRORS},
        operation_id="declarations_sample_result_record",
        url_name="declarations_sample_result_record",
        summary="Record the laboratory's result of a sample request",
    )
    def sample_result_record(request: HttpRequest, pk: int, payload: SampleResultIn) -> Any:
        return services.sample_result_record(
            actor=request.auth,
            sample_request_id=pk,
            **{
                "result": payload.result,
                "result_summary": payload.result_summary,
                "external_ref": payload.external_ref,
            },
        )


def _certificate(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors.certificate_get(actor=request.auth, pk=pk)
    except NotFoundError as exc:
        raise Http404 from exc


def _with_url(request: HttpRequest, certificate: Any) -> Any:
    if certificate.direction == "export":
        certificate.verify_url = request.build_absolute_uri(
            reverse("declarations:certificate_verify_public", args=[certificate.verify_token])
        )
    return certificate


def _certificate_routes() -> None:
    @router.get(
        "/certificates/",
        response={200: CertificateList, **ERRORS},
        operation_id="declarations_certificate_list",
        url_name="declarations_certificate_list",
        summary="Certificates issued or received in the actor's area",
    )
    def certificate_list(request: HttpRequest, limit: int = PAGE, offset: int = Query(0, ge=0)) -> Any:
        page = paginate(request, selectors.certificate_list(actor=request.auth), limit, offset, None)
        page["results"] = [_with_url(request, c) for c in page["results"]]
        return page

    @router.get(
        "/certificates/{int:pk}/",
        response={200: CertificateOut, **ERRORS},
        operation_id="declarations_certificate_retrieve",
        url_name="declarations_certificate_retrieve",
        summary="Get one certificate",
    )
    def certificate_retrieve(request: HttpRequest, pk: int) -> Any:
        return _with_url(request, _certificate(request, pk))

    @router.get(
        "/certificates/{int:pk}/xml",
        response={200: None, **ERRORS},
        operation_id="declarations_certificate_xml",
        url_name="declarations_certificate_xml",
        summary="The UN/CEFACT SPS certificate XML",
    )
    def certificate_xml(request: HttpRequest, pk: int) -> Any:
        certificate = _certificate(request, pk)
        return HttpResponse(certificate.xml.encode(), content_type="application/xml; charset=utf-8")

    @router.get(
        "/certificates/{int:pk}/signed",
        response={200: None, **ERRORS},
        operation_id="declarations_certificate_signed",
        url_name="declarations_certificate_signed",
        summary="The signed certificate document, verifiable offline with the published keys",
    )
    def certificate_signed(request: HttpRequest, pk: int) -> Any:
        certificate = _certificate(request, pk)
        if not certificate.signed_document:
            raise Http404
        response = HttpResponse(certificate.signed_document.encode(), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{certificate.number}.ociq.json"'
        return response

    @router.post(
        "/declarations/{int:pk}/certificates",
        response={201: CertificateOut, **ERRORS},
        operation_id="declarations_certificate_issue",
        url_name="declarations_certificate_issue",
        summary="Issue a certificate for a released declaration",
    )
    def certificate_issue(request: HttpRequest, pk: int, payload: CertificateIssueIn) -> Any:
        _declaration(request, pk)
        certificate = certificates.certificate_issue(actor=request.auth, declaration_id=pk, kind=payload.kind)
        return Status(201, _with_url(request, certificate))

    @router.post(
        "/certificates/{int:pk}/revoke",
        response={200: CertificateOut, **ERRORS},
        operation_id="declarations_certificate_revoke",
        url_name="declarations_certificate_revoke",
        summary="Revoke a valid certificate, with a reason",
    )
    def certificate_revoke(request: HttpRequest, pk: int, payload: ReasonIn) -> Any:
        _certificate(request, pk)
        return _with_url(
            request,
            certificates.certificate_revoke(actor=request.auth, certificate_id=pk, reason=payload.reason),
        )

    @router.post(
        "/certificates/{int:pk}/replace",
        response={201: CertificateOut, **ERRORS},
        operation_id="declarations_certificate_replace",
        url_name="declarations_certificate_replace",
        summary="Replace a valid certificate by a new one, with a reason; the old one says so",
    )
    def certificate_replace(request: HttpRequest, pk: int, payload: ReasonIn) -> Any:
        _certificate(request, pk)
        new = certificates.certificate_replace(actor=request.auth, certificate_id=pk, reason=payload.reason)
        return Status(201, _with_url(request, new))

    @router.post(
        "/certificates/import",
        response={201: CertificateOut, **ERRORS},
        operation_id="declarations_certificate_import",
        url_name="declarations_certificate_import",
        summary="Import a foreign SPS certificate (XML body) as a read-only record",
        openapi_extra={"requestBody": {"content": {"application/xml": {"schema": {"type": "string"}}}}},
    )
    def certificate_import(request: HttpRequest) -> Any:
        return Status(201, certificates.certificate_import(actor=request.auth, xml=request.body))

    @router.post(
        "/certificates/verify",
        auth=None,
        response={200: VerificationOut, **ERRORS},
        operation_id="declarations_certificate_verify",
        url_name="declarations_certificate_verify",
        summary="Verify a signed certificate document (the body); no sign-in needed",
        openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}},
    )
    def certificate_verify(request: HttpRequest) -> Any:
        return certificates.verify_uploaded(request.body)

    @router.get(
        "/certificates/keys",
        auth=None,
        response={200: dict[str, Any]},
        operation_id="declarations_certificate_keys",
        url_name="declarations_certificate_keys",
        summary="The published public keys (JWK Set, Ed25519) that certificate signatures verify with",
    )
    def certificate_keys(request: HttpRequest) -> Any:
        return signing.public_jwks()


def _risk_routes() -> None:
    @router.get(
        "/risk-rule-sets/",
        response={200: list[RuleSetOut], **ERRORS},
        operation_id="declarations_risk_rule_set_list",
        url_name="declarations_risk_rule_set_list",
        summary="Every version of the risk rules, newest first",
    )
    def rule_set_list(request: HttpRequest) -> Any:
        if not request.auth.has_perm("declarations.view_riskruleset"):
            raise PermissionDenied
        return list(selectors.rule_set_list(actor=request.auth)[:200])

    @router.post(
        "/risk-rule-sets/",
        response={201: RuleSetOut, **ERRORS},
        operation_id="declarations_risk_rule_set_create",
        url_name="declarations_risk_rule_set_create",
        summary="Make a new draft version of the risk rules",
    )
    def rule_set_create(request: HttpRequest, payload: RuleSetIn) -> Any:
        return Status(
            201, services.risk_rule_set_create(actor=request.auth, params=payload.params, note=payload.note)
        )

    @router.put(
        "/risk-rule-sets/{int:pk}/",
        response={200: RuleSetOut, **ERRORS},
        operation_id="declarations_risk_rule_set_update",
        url_name="declarations_risk_rule_set_update",
        summary="Change a draft version of the risk rules",
    )
    def rule_set_update(request: HttpRequest, pk: int, payload: RuleSetIn) -> Any:
        return services.risk_rule_set_update(
            actor=request.auth, rule_set_id=pk, params=payload.params, note=payload.note
        )

    @router.post(
        "/risk-rule-sets/{int:pk}/activate",
        response={200: RuleSetOut, **ERRORS},
        operation_id="declarations_risk_rule_set_activate",
        url_name="declarations_risk_rule_set_activate",
        summary="Activate a draft version; the active one is retired",
    )
    def rule_set_activate(request: HttpRequest, pk: int) -> Any:
        return services.risk_rule_set_activate(actor=request.auth, rule_set_id=pk)

    @router.get(
        "/risk-signals/",
        response={200: list[RiskSignalOut], **ERRORS},
        operation_id="declarations_risk_signal_list",
        url_name="declarations_risk_signal_list",
        summary="Open risk signals",
    )
    def risk_signal_list(request: HttpRequest) -> Any:
        if not request.auth.has_perm("declarations.view_risksignal"):
            raise PermissionDenied
        return list(selectors.open_signals(actor=request.auth)[:500])

    @router.post(
        "/risk-signals/",
        response={201: RiskSignalOut, **ERRORS},
        operation_id="declarations_risk_signal_open",
        url_name="declarations_risk_signal_open",
        summary="Open (or update) a risk signal that raises matching declarations' risk",
    )
    def risk_signal_open(request: HttpRequest, payload: RiskSignalIn) -> Any:
        data = payload.model_dump()
        signal = services.risk_signal_open(
            actor=request.auth,
            source=data["source"],
            reference=data["reference"],
            title=data["title"],
            points=data["points"],
            enterprise_id=data["enterprise"],
            hs_prefix=data["hs_prefix"],
            destination_id=data["destination"],
        )
        return Status(201, signal)

    @router.post(
        "/risk-signals/close",
        response={200: RiskSignalOut, **ERRORS},
        operation_id="declarations_risk_signal_close",
        url_name="declarations_risk_signal_close",
        summary="Close a risk signal",
    )
    def risk_signal_close(request: HttpRequest, payload: RiskSignalCloseIn) -> Any:
        return services.risk_signal_close(
            actor=request.auth, source=payload.source, reference=payload.reference
        )


__all__ = ["ServiceError", "build"]
