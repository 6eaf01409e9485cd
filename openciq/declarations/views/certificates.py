"""Certificates: the list, the page and its downloads, issue, import, revoke and replace; and the
public pages (verification, public keys) that need no sign-in.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openciq.core.actions import run_service
from openciq.declarations import selectors
from openciq.declarations.filtersets import CertificateFilterSet
from openciq.declarations.forms import (
    CertificateImportForm,
    CertificateIssueForm,
    ReasonForm,
    VerifyUploadForm,
)
from openciq.declarations.models import Certificate
from openciq.declarations.tables import CertificateTable
from openciq.declarations.views._common import (
    SECTION,
    _form,
    _found,
    _list_page,
    _require,
    _upload,
)
from openciq.declarations.views.declarations import _detail_context

# --- Certificates -----------------------------------------------------------------------------


def _certificates() -> Any:
    """The certificate services (imported late: the module may be deployed after these pages)."""
    from openciq.declarations import certificates

    return certificates


@login_required
def certificate_list(request: HttpRequest) -> HttpResponse:
    _require(request, "declarations.view_certificate")
    can_import = request.user.has_perm("declarations.import_certificate")
    return _list_page(
        request,
        selectors.certificate_list(actor=request.user),
        CertificateTable,
        title=_("Certificates"),
        filterset_class=CertificateFilterSet,
        add_url=reverse("declarations:certificate_import") if can_import else "",
        add_label=_("Import a received certificate"),
    )


def _certificate_context(request: HttpRequest, certificate: Certificate, **forms_: Any) -> dict[str, Any]:
    return {
        "object": certificate,
        "replaced_by": getattr(certificate, "replaced_by", None),
        "can_revoke": certificate.status == "valid"
        and certificate.direction == "export"
        and request.user.has_perm("declarations.revoke_certificate"),
        "change_forms": [
            (
                "revoke",
                forms_.get("revoke") or _form(ReasonForm, prefix="revoke"),
                _("Revoke"),
                "btn-outline-danger",
            ),
            (
                "replace",
                forms_.get("replace") or _form(ReasonForm, prefix="replace"),
                _("Replace"),
                "btn-outline-warning",
            ),
        ],
        "verify_url": request.build_absolute_uri(
            reverse("declarations:certificate_verify_public", args=[certificate.verify_token])
        ),
        **SECTION,
    }


@login_required
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "declarations.view_certificate")
    certificate = _found(selectors.certificate_get, request, pk=pk)
    return render(request, "declarations/certificate.html", _certificate_context(request, certificate))


def _download(content: str | bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "declarations.view_certificate")
    certificate = _found(selectors.certificate_get, request, pk=pk)
    verify_url = request.build_absolute_uri(
        reverse("declarations:certificate_verify_public", args=[certificate.verify_token])
    )
    pdf = _certificates().certificate_pdf(
        certificate=certificate, verify_url=verify_url, language=get_language() or settings.LANGUAGE_CODE
    )
    return _download(pdf, "application/pdf", f"{certificate.number}.pdf")


@login_required
def certificate_xml(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "declarations.view_certificate")
    certificate = _found(selectors.certificate_get, request, pk=pk)
    return _download(certificate.xml, "application/xml; charset=utf-8", f"{certificate.number}.xml")


@login_required
def certificate_signed(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "declarations.view_certificate")
    certificate = _found(selectors.certificate_get, request, pk=pk)
    if not certificate.signed_document:
        raise Http404
    return _download(certificate.signed_document, "application/json", f"{certificate.number}.ociq.json")


@login_required
@require_POST
def certificate_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a certificate for a released declaration (from the declaration's page)."""
    _require(request, "declarations.issue_certificate")
    declaration = _found(selectors.declaration_get, request, pk=pk)
    form = _form(CertificateIssueForm, request.POST, prefix="issue")
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        issue = _certificates().certificate_issue
        certificate = run_service(
            form, lambda: issue(actor=request.user, declaration_id=declaration.pk, kind=kind)
        )
        if certificate is not None:
            messages.success(
                request, _("Certificate %(number)s was issued.") % {"number": certificate.number}
            )
            return redirect("declarations:certificate_detail", pk=certificate.pk)
    return render(request, "declarations/declaration.html", _detail_context(request, declaration, issue=form))


@login_required
def certificate_import(request: HttpRequest) -> HttpResponse:
    """Keep a certificate a foreign authority sent us (an SPS certificate XML file)."""
    _require(request, "declarations.import_certificate")
    form = _form(CertificateImportForm, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and (data := _upload(form)) is not None:
        certificate = run_service(
            form, lambda: _certificates().certificate_import(actor=request.user, xml=data)
        )
        if certificate is not None:
            messages.success(
                request, _("Certificate %(number)s was imported.") % {"number": certificate.number}
            )
            return redirect("declarations:certificate_detail", pk=certificate.pk)
    return render(request, "declarations/certificate_import.html", {"form": form, **SECTION})


def _certificate_change(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    _require(request, "declarations.revoke_certificate")
    certificate = _found(selectors.certificate_get, request, pk=pk)
    form = _form(ReasonForm, request.POST, prefix=verb)
    if form.is_valid():
        service = getattr(_certificates(), f"certificate_{verb}")
        reason = form.cleaned_data["reason"]
        result = run_service(
            form, lambda: service(actor=request.user, certificate_id=certificate.pk, reason=reason)
        )
        if result is not None:
            done = (
                _("The certificate was revoked.") if verb == "revoke" else _("The certificate was replaced.")
            )
            messages.success(request, done)
            return redirect("declarations:certificate_detail", pk=result.pk)
    context = _certificate_context(request, certificate, **{verb: form})
    return render(request, "declarations/certificate.html", context)


@login_required
@require_POST
def certificate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    return _certificate_change(request, pk, "revoke")


@login_required
@require_POST
def certificate_replace(request: HttpRequest, pk: int) -> HttpResponse:
    return _certificate_change(request, pk, "replace")


# --- Public verification (no sign-in) ---------------------------------------------------------


def certificate_verify_public(request: HttpRequest, token: Any) -> HttpResponse:
    """What the QR code on a certificate opens: its status and key data, nothing else."""
    certificate = selectors.certificate_public(token=token)
    if certificate is None:
        return render(request, "declarations/verify_public.html", {"certificate": None}, status=404)
    declaration = certificate.declaration
    context = {
        "certificate": certificate,
        "status": _certificates().public_status(certificate),
        "replaced_by": getattr(certificate, "replaced_by", None),
        "consignor": declaration.enterprise.name if declaration else "",
        "destination": declaration.destination.name if declaration else "",
        "goods": list(declaration.lines.only("description", "quantity", "unit")) if declaration else [],
    }
    return render(request, "declarations/verify_public.html", context)


def certificate_verify_upload(request: HttpRequest) -> HttpResponse:
    """Anyone may check whether a signed certificate file carries our valid signature."""
    form = _form(VerifyUploadForm, request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid() and (data := _upload(form)) is not None:
        result = _certificates().verify_uploaded(data)
    return render(request, "declarations/verify_upload.html", {"form": form, "result": result})


def public_keys(request: HttpRequest) -> JsonResponse:
    from openciq.declarations import signing

    return JsonResponse(signing.public_jwks())
