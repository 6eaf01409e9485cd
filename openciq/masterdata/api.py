from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Status

from openciq.core.api import ERRORS, add_crud_routes
from openciq.core.errors import NotFoundError
from openciq.core.registry import registry
from openciq.core.selectors import object_get
from openciq.masterdata import selectors, services
from openciq.masterdata.models import Enterprise
from openciq.masterdata.schemas import ClassChangeDecisionIn, ClassChangeOut, ReclassifyIn

router = Router(tags=["masterdata"])


def build() -> Router:
    for object_type in registry.object_types_of("masterdata"):
        add_crud_routes(router, object_type)

    @router.post(
        "/enterprises/{int:pk}/reclassify",
        response={201: ClassChangeOut, **ERRORS},
        operation_id="masterdata_enterprise_reclassify",
        url_name="masterdata_enterprise_reclassify",
        summary="Propose a new classification for an enterprise, with a reason (approved by someone else)",
    )
    def reclassify(request: HttpRequest, pk: int, payload: ReclassifyIn) -> Any:
        change = services.enterprise_reclassify_propose(
            actor=request.auth, enterprise_id=pk, to_class=payload.to_class, reason=payload.reason
        )
        return Status(201, change)

    for verb, approve in (("approve", True), ("reject", False)):
        _decision_route(verb, approve)

    @router.get(
        "/enterprises/{int:pk}/class-changes/",
        response={200: list[ClassChangeOut], **ERRORS},
        operation_id="masterdata_enterprise_class_changes",
        url_name="masterdata_enterprise_class_changes",
        summary="Classification history of an enterprise",
    )
    def class_changes(request: HttpRequest, pk: int) -> Any:
        object_type = registry.object_type_for(Enterprise)
        try:
            enterprise = object_get(actor=request.auth, object_type=object_type, pk=pk)
        except NotFoundError as exc:
            raise Http404 from exc
        return list(selectors.enterprise_class_history(actor=request.auth, enterprise=enterprise))

    return router


def _decision_route(verb: str, approve: bool) -> None:
    @router.post(
        f"/class-changes/{{int:pk}}/{verb}",
        response={200: ClassChangeOut, **ERRORS},
        operation_id=f"masterdata_class_change_{verb}",
        url_name=f"masterdata_class_change_{verb}",
        summary=f"{verb.capitalize()} a proposed classification change (a note is required to reject)",
    )
    def decide(request: HttpRequest, pk: int, payload: ClassChangeDecisionIn) -> Any:
        return services.enterprise_reclassify_decide(
            actor=request.auth, change_id=pk, approve=approve, note=payload.note
        )
