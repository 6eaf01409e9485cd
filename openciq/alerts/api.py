"""The alerts API: food-packaging filings. Drafts are created and changed here; every step of the
life cycle is its own POST (``/packaging-filings/{id}/approve`` …) calling the same service as the
page.

No ``from __future__ import annotations``: django-ninja reads the handlers' annotations at run time.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from openciq.alerts import selectors, services
from openciq.alerts.choices import FilingVerb
from openciq.alerts.filtersets import PackagingFilingFilterSet
from openciq.alerts.models import PackagingFiling
from openciq.alerts.schemas import (
    FilingTransitionIn,
    FilingTransitionOut,
    PackagingFilingFilters,
    PackagingFilingIn,
    PackagingFilingList,
    PackagingFilingOut,
    PackagingFilingPatch,
)
from openciq.core.api import ERRORS, paginate
from openciq.core.errors import NotFoundError, ValidationFailed

PATH = "/packaging-filings"
LIST_PARAMS = set(PackagingFilingFilters.model_fields) | {"limit", "offset", "cursor"}


def _require(request: HttpRequest, permission: str) -> None:
    if not request.auth.has_perm(permission):
        raise PermissionDenied


def _get(request: HttpRequest, pk: int) -> PackagingFiling:
    try:
        return selectors.filing_get(actor=request.auth, pk=pk)
    except NotFoundError as exc:
        raise Http404 from exc


def _add_transition(router: Router, verb: FilingVerb) -> None:
    required = verb in services.REASON_REQUIRED

    @router.post(
        f"{PATH}/{{int:pk}}/{verb.value}",
        response={200: PackagingFilingOut, **ERRORS},
        operation_id=f"alerts_packagingfiling_{verb.value}",
        url_name=f"alerts_packagingfiling_{verb.value}",
        summary=f"{verb.label.capitalize()} a food-packaging filing"
        + (" (a reason is required)" if required else ""),
        description=f"Permission `{services.permission_for(verb.value)}`. Answers 409 "
        "`transition_not_allowed` when the filing's current state (in `fields.status`) does not allow it.",
    )
    def transition(request: HttpRequest, pk: int, payload: FilingTransitionIn | None = None) -> Any:
        reason = payload.reason if payload is not None else ""
        return services.filing_transition(actor=request.auth, filing_id=pk, verb=verb.value, reason=reason)


def build() -> Router:
    router = Router(tags=["alerts"])

    @router.get(
        f"{PATH}/",
        response={200: PackagingFilingList, **ERRORS},
        operation_id="alerts_packagingfiling_list",
        url_name="alerts_packagingfiling_list",
        summary="List food-packaging filings",
    )
    def list_filings(
        request: HttpRequest,
        filters: Query[PackagingFilingFilters],
        limit: int = Query(settings.OPENCIQ_PAGE_SIZE, ge=1, le=settings.OPENCIQ_MAX_PAGE_SIZE),
        offset: int = Query(0, ge=0),
        cursor: str | None = None,
    ) -> Any:
        _require(request, "alerts.view_packagingfiling")
        unknown = sorted(set(request.GET) - LIST_PARAMS)
        if unknown:
            raise ValidationFailed(
                _("Unknown query parameter."), fields={u: [_("Unknown parameter.")] for u in unknown}
            )
        filterset = PackagingFilingFilterSet(
            filters.model_dump(mode="json", exclude_none=True),
            queryset=selectors.filing_list(actor=request.auth),
        )
        if not filterset.is_valid():
            raise ValidationFailed(_("The filters are not valid."), fields=dict(filterset.errors))
        return paginate(request, filterset.qs, limit, offset, cursor)

    @router.get(
        f"{PATH}/{{int:pk}}/",
        response={200: PackagingFilingOut, **ERRORS},
        operation_id="alerts_packagingfiling_retrieve",
        url_name="alerts_packagingfiling_retrieve",
        summary="Get one food-packaging filing",
    )
    def retrieve(request: HttpRequest, pk: int) -> Any:
        return _get(request, pk)

    @router.post(
        f"{PATH}/",
        response={201: PackagingFilingOut, **ERRORS},
        operation_id="alerts_packagingfiling_create",
        url_name="alerts_packagingfiling_create",
        summary="Apply: create a food-packaging filing as a draft",
    )
    def create(request: HttpRequest, response: HttpResponse, payload: PackagingFilingIn) -> Any:
        data = payload.model_dump()
        filing = services.filing_create(actor=request.auth, enterprise_id=data.pop("enterprise"), **data)
        response["Location"] = reverse("api:alerts_packagingfiling_retrieve", kwargs={"pk": filing.pk})
        return Status(201, selectors.filing_get(actor=request.auth, pk=filing.pk))

    @router.patch(
        f"{PATH}/{{int:pk}}/",
        response={200: PackagingFilingOut, **ERRORS},
        operation_id="alerts_packagingfiling_partial_update",
        url_name="alerts_packagingfiling_partial_update",
        summary="Change a draft food-packaging filing (409 once it is submitted)",
    )
    def partial_update(request: HttpRequest, pk: int, payload: PackagingFilingPatch) -> Any:
        services.filing_update(actor=request.auth, filing_id=pk, **payload.model_dump(exclude_unset=True))
        return _get(request, pk)

    @router.get(
        f"{PATH}/{{int:pk}}/steps/",
        response={200: list[FilingTransitionOut], **ERRORS},
        operation_id="alerts_packagingfiling_steps",
        url_name="alerts_packagingfiling_steps",
        summary="The timeline of a food-packaging filing, oldest step first",
    )
    def steps(request: HttpRequest, pk: int) -> Any:
        return list(selectors.filing_steps(filing=_get(request, pk)))

    @router.post(
        f"{PATH}/{{int:pk}}/renew",
        response={201: PackagingFilingOut, **ERRORS},
        operation_id="alerts_packagingfiling_renew",
        url_name="alerts_packagingfiling_renew",
        summary="Start the renewal of an approved filing (a new draft with the same data)",
    )
    def renew(request: HttpRequest, response: HttpResponse, pk: int) -> Any:
        filing = services.filing_renew(actor=request.auth, filing_id=pk)
        response["Location"] = reverse("api:alerts_packagingfiling_retrieve", kwargs={"pk": filing.pk})
        return Status(201, selectors.filing_get(actor=request.auth, pk=filing.pk))

    for verb in FilingVerb:
        _add_transition(router, verb)
    return router
