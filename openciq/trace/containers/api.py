"""The container e-seal API at /api/v1/containers/: the container and seal registers, sealed trips
and their actions, and the clearance-time figures, through the same selectors and services as the
pages. Alerts are worked at /api/v1/trace/alerts/. No ``from __future__ import annotations``:
ninja reads the annotations at run time."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from openciq.core.api import filterset_schema, operations, paginate, require
from openciq.core.errors import ValidationFailed
from openciq.trace.containers import selectors, services
from openciq.trace.containers.filtersets import ContainerFilterSet, SealFilterSet, TripFilterSet
from openciq.trace.containers.models import Trip
from openciq.trace.containers.schemas import (
    ClearanceOut,
    ContainerIn,
    ContainerOut,
    ContainerPage,
    SealIn,
    SealOut,
    SealPage,
    SealRetireIn,
    TripCancelIn,
    TripIn,
    TripInspectIn,
    TripOpenIn,
    TripOut,
    TripPage,
)

router = Router(tags=["containers"])
PAGE = Query(settings.OPENCIQ_PAGE_SIZE, ge=1, le=settings.OPENCIQ_MAX_PAGE_SIZE)
OFFSET = Query(0, ge=0, le=10000)
TripFilters = filterset_schema(TripFilterSet, "TripFilters")
ContainerFilters = filterset_schema(ContainerFilterSet, "ContainerFilters")
SealFilters = filterset_schema(SealFilterSet, "SealFilters")


_operation = operations(router, "containers")


def _page(
    request: HttpRequest,
    filterset_class: Any,
    schema: Any,
    filters: Any,
    queryset: Any,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    unknown = sorted(set(request.GET) - set(schema.model_fields) - {"limit", "offset"})
    if unknown:
        raise ValidationFailed(
            _("Unknown query parameter."), fields={u: [_("Unknown parameter.")] for u in unknown}
        )
    filterset = filterset_class(filters.model_dump(exclude_none=True), queryset=queryset)
    if not filterset.is_valid():
        raise ValidationFailed(_("The filters are not valid."), fields=dict(filterset.errors))
    return paginate(request, filterset.qs, limit, offset, None, with_count=False)


def _trip(request: HttpRequest, pk: int) -> Trip:
    require(request, "containers.view_trip")
    trip = selectors.trip_get(actor=request.auth, pk=pk)
    if trip is None:
        raise Http404
    return trip


def build() -> Router:
    _register_routes()
    _trip_routes()
    return router


def _register_routes() -> None:
    @_operation("get", "/containers/", "container_list", {200: ContainerPage}, "List containers by number")
    def container_list(
        request: HttpRequest,
        filters: Query[ContainerFilters],  # type: ignore[valid-type]
        limit: int = PAGE,
        offset: int = OFFSET,
    ) -> Any:
        require(request, "containers.view_container")
        rows = selectors.containers(actor=request.auth)
        return _page(request, ContainerFilterSet, ContainerFilters, filters, rows, limit, offset)

    @_operation(
        "get", "/containers/{int:pk}/", "container_retrieve", {200: ContainerOut}, "Get one container"
    )
    def container_retrieve(request: HttpRequest, pk: int) -> Any:
        require(request, "containers.view_container")
        container = selectors.container_get(actor=request.auth, pk=pk)
        if container is None:
            raise Http404
        return container

    @_operation(
        "post",
        "/containers/",
        "container_register",
        {201: ContainerOut},
        "Register a container by its ISO 6346 number",
    )
    def container_register(request: HttpRequest, response: HttpResponse, payload: ContainerIn) -> Any:
        container = services.container_register(
            actor=request.auth,
            number=payload.number,
            size_type=payload.size_type,
            enterprise_id=payload.enterprise,
        )
        response["Location"] = reverse("api:containers_container_retrieve", kwargs={"pk": container.pk})
        return Status(201, container)

    @_operation(
        "get", "/seals/", "seal_list", {200: SealPage}, "List electronic seals with their state and battery"
    )
    def seal_list(
        request: HttpRequest,
        filters: Query[SealFilters],  # type: ignore[valid-type]
        limit: int = PAGE,
        offset: int = OFFSET,
    ) -> Any:
        require(request, "containers.view_seal")
        rows = selectors.seals(actor=request.auth)
        return _page(request, SealFilterSet, SealFilters, filters, rows, limit, offset)

    @_operation("get", "/seals/{int:pk}/", "seal_retrieve", {200: SealOut}, "Get one electronic seal")
    def seal_retrieve(request: HttpRequest, pk: int) -> Any:
        require(request, "containers.view_seal")
        seal = selectors.seal_get(actor=request.auth, pk=pk)
        if seal is None:
            raise Http404
        return seal

    @_operation(
        "post", "/seals/", "seal_register", {201: SealOut}, "Take an electronic seal into the register"
    )
    def seal_register(request: HttpRequest, response: HttpResponse, payload: SealIn) -> Any:
        seal = services.seal_register(
            actor=request.auth,
            seal_id=payload.seal_id,
            model=payload.model,
            reusable=payload.reusable,
            org_unit_id=payload.org_unit,
        )
        response["Location"] = reverse("api:containers_seal_retrieve", kwargs={"pk": seal.pk})
        return Status(201, selectors.seal_get(actor=request.auth, pk=seal.pk))

    @_operation(
        "post",
        "/seals/{int:pk}/retire",
        "seal_retire",
        {200: SealOut},
        "Take a seal out of use, with a reason",
    )
    def seal_retire(request: HttpRequest, pk: int, payload: SealRetireIn) -> Any:
        return services.seal_retire(actor=request.auth, seal_pk=pk, reason=payload.reason)


def _trip_routes() -> None:
    @_operation(
        "get",
        "/trips/",
        "trip_list",
        {200: TripPage},
        "List sealed trips, newest first, with seal state, battery and open alarm; no total count",
    )
    def trip_list(
        request: HttpRequest,
        filters: Query[TripFilters],  # type: ignore[valid-type]
        limit: int = PAGE,
        offset: int = OFFSET,
    ) -> Any:
        require(request, "containers.view_trip")
        rows = selectors.trips(actor=request.auth)
        return _page(request, TripFilterSet, TripFilters, filters, rows, limit, offset)

    @_operation("get", "/trips/{int:pk}/", "trip_retrieve", {200: TripOut}, "Get one trip with its alerts")
    def trip_retrieve(request: HttpRequest, pk: int) -> Any:
        return _trip(request, pk)

    @_operation(
        "post",
        "/trips/",
        "trip_seal",
        {201: TripOut},
        "Seal a container for a crossing: records the seal association and the closed container",
    )
    def trip_seal(request: HttpRequest, response: HttpResponse, payload: TripIn) -> Any:
        data = services.TripInput(
            declaration_number=payload.declaration_number,
            container_number=payload.container_number,
            seal_id=payload.seal_id,
            plate=payload.plate,
            origin_port_id=payload.origin_port,
            destination_port_id=payload.destination_port,
            sealing_location_id=payload.sealing_location,
            arrival_location_id=payload.arrival_location,
            checkpoint_ids=payload.checkpoints,
            enterprise_id=payload.enterprise,
            size_type=payload.size_type,
        )
        trip = services.trip_seal(actor=request.auth, data=data)
        response["Location"] = reverse("api:containers_trip_retrieve", kwargs={"pk": trip.pk})
        return Status(201, _trip(request, trip.pk))

    @_operation(
        "post",
        "/trips/{int:pk}/open",
        "trip_open",
        {200: TripOut},
        "Open the container with authority at the destination (its seal is removed; no alarm)",
    )
    def trip_open(request: HttpRequest, pk: int, payload: TripOpenIn) -> Any:
        _trip(request, pk)
        services.trip_open_authorised(actor=request.auth, trip_id=pk, note=payload.note)
        return _trip(request, pk)

    @_operation(
        "post",
        "/trips/{int:pk}/inspect",
        "trip_inspect",
        {200: TripOut},
        "Record the inspection: conformant or not",
    )
    def trip_inspect(request: HttpRequest, pk: int, payload: TripInspectIn) -> Any:
        _trip(request, pk)
        services.trip_inspect(actor=request.auth, trip_id=pk, result=payload.result, note=payload.note)
        return _trip(request, pk)

    @_operation(
        "post",
        "/trips/{int:pk}/clear",
        "trip_clear",
        {200: TripOut},
        "Release the container; refused while a blocking alert is open; records the clearance time",
    )
    def trip_clear(request: HttpRequest, pk: int) -> Any:
        _trip(request, pk)
        services.trip_clear(actor=request.auth, trip_id=pk)
        return _trip(request, pk)

    @_operation(
        "post",
        "/trips/{int:pk}/cancel",
        "trip_cancel",
        {200: TripOut},
        "Call the crossing off, with a reason",
    )
    def trip_cancel(request: HttpRequest, pk: int, payload: TripCancelIn) -> Any:
        _trip(request, pk)
        services.trip_cancel(actor=request.auth, trip_id=pk, reason=payload.reason)
        return _trip(request, pk)

    @_operation(
        "get",
        "/clearance",
        "clearance",
        {200: list[ClearanceOut]},
        "Median and 90th-percentile clearance time per destination port and month",
    )
    def clearance(request: HttpRequest, since: dt.date, until: dt.date) -> Any:
        require(request, "containers.view_trip")
        if since > until:
            raise ValidationFailed(
                _("The period is not valid."), fields={"until": [_("The end must not be before the start.")]}
            )
        return selectors.clearance_stats(actor=request.auth, since=since, until=until)
