"""The vegetables API at /api/v1/vegetables/: planting bases and plots, harvest lots, crates and
shipments with their steps, and the port inspector's worklist, through the same services and
selectors as the pages (an object outside the actor's area answers 404; refusals answer the one
error envelope naming the field). The border gate's reads are not sent here: they are EPCIS
events, captured at /api/v1/epcis/ (or over MQTT) and compared by the capture listener. No
``from __future__ import annotations``: ninja reads the annotations at run time."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from openciq.core.api import filterset_schema, operations, paginate, require
from openciq.core.errors import ValidationFailed
from openciq.trace.vegetables import selectors, services
from openciq.trace.vegetables.filtersets import (
    CrateFilterSet,
    HarvestLotFilterSet,
    PlantingBaseFilterSet,
    ShipmentFilterSet,
)
from openciq.trace.vegetables.models import Shipment
from openciq.trace.vegetables.schemas import (
    CratePage,
    CrateRefIn,
    CratesIn,
    CratesRegistered,
    HarvestLotIn,
    HarvestLotOut,
    HarvestLotPage,
    InspectionNoteIn,
    PackIn,
    PlantingBaseIn,
    PlantingBaseOut,
    PlantingBasePage,
    PlotIn,
    PlotOut,
    ReceiptIn,
    SealIn,
    ShipmentReasonIn,
    VegetableShipmentIn,
    VegetableShipmentOut,
    VegetableShipmentPage,
    VegetableWorklistOut,
)

PAGE: Any = Query(settings.OPENCIQ_PAGE_SIZE, ge=1, le=settings.OPENCIQ_MAX_PAGE_SIZE)
OFFSET: Any = Query(0, ge=0, le=10000)
BaseFilters = filterset_schema(PlantingBaseFilterSet, "PlantingBaseFilters")
LotFilters = filterset_schema(HarvestLotFilterSet, "HarvestLotFilters")
CrateFilters = filterset_schema(CrateFilterSet, "CrateFilters")
ShipmentFilters = filterset_schema(ShipmentFilterSet, "VegetableShipmentFilters")


def _actor(request: HttpRequest) -> Any:
    """The authenticated user (set by the API's authentication)."""
    return getattr(request, "auth", None)


def _found(obj: Any) -> Any:
    if obj is None:
        raise Http404
    return obj


def _page(
    request: HttpRequest, filterset_class: Any, schema: Any, filters: Any, rows: Any, limit: int, offset: int
) -> dict[str, Any]:
    """A page of a list filtered by its FilterSet (the list page's), with a total count."""
    unknown = sorted(set(request.GET) - set(schema.model_fields) - {"limit", "offset"})
    if unknown:
        raise ValidationFailed(
            _("Unknown query parameter."), fields={u: [_("Unknown parameter.")] for u in unknown}
        )
    filterset = filterset_class(filters.model_dump(exclude_none=True), queryset=rows)
    if not filterset.is_valid():
        raise ValidationFailed(_("The filters are not valid."), fields=dict(filterset.errors))
    return paginate(request, filterset.qs, limit, offset, None)


def build() -> Router:
    router = Router(tags=["vegetables"])
    operation = operations(router, "vegetables")

    _register_routes(operation)
    _shipment_routes(operation)
    return router


def _register_routes(operation: Callable[..., Any]) -> None:
    @operation(
        "get",
        "/bases/",
        "base_list",
        {200: PlantingBasePage},
        "List the planting bases registered for Hong Kong supply",
    )
    def base_list(
        request: HttpRequest,
        filters: Query[BaseFilters],  # type: ignore[valid-type]
        limit: int = PAGE,
        offset: int = OFFSET,
    ) -> Any:
        require(request, "vegetables.view_plantingbase")
        return _page(
            request,
            PlantingBaseFilterSet,
            BaseFilters,
            filters,
            selectors.bases(actor=_actor(request)),
            limit,
            offset,
        )

    @operation(
        "get",
        "/bases/{int:pk}/",
        "base_retrieve",
        {200: PlantingBaseOut},
        "Get one planting base with its plots",
    )
    def base_retrieve(request: HttpRequest, pk: int) -> Any:
        return _found(selectors.base_get(actor=_actor(request), pk=pk))

    @operation(
        "post",
        "/bases/",
        "base_register",
        {201: PlantingBaseOut},
        "Register a planting base (its place joins the trace)",
    )
    def base_register(request: HttpRequest, payload: PlantingBaseIn) -> Any:
        data = payload.model_dump()
        base = services.base_register(
            actor=_actor(request),
            enterprise_id=data.pop("enterprise"),
            org_unit_id=data.pop("org_unit"),
            **data,
        )
        return Status(201, selectors.base_get(actor=_actor(request), pk=base.pk))

    @operation("post", "/bases/{int:pk}/plots/", "plot_add", {201: PlotOut}, "Add a plot to a planting base")
    def plot_add(request: HttpRequest, pk: int, payload: PlotIn) -> Any:
        _found(selectors.base_get(actor=_actor(request), pk=pk))
        return Status(201, services.plot_add(actor=_actor(request), base_id=pk, **payload.model_dump()))

    @operation("get", "/lots/", "lot_list", {200: HarvestLotPage}, "List harvest lots, newest harvest first")
    def lot_list(
        request: HttpRequest,
        filters: Query[LotFilters],  # type: ignore[valid-type]
        limit: int = PAGE,
        offset: int = OFFSET,
    ) -> Any:
        require(request, "vegetables.view_harvestlot")
        return _page(
            request,
            HarvestLotFilterSet,
            LotFilters,
            filters,
            selectors.lots(actor=_actor(request)),
            limit,
            offset,
        )

    @operation("get", "/lots/{int:pk}/", "lot_retrieve", {200: HarvestLotOut}, "Get one harvest lot")
    def lot_retrieve(request: HttpRequest, pk: int) -> Any:
        return _found(selectors.lot_get(actor=_actor(request), pk=pk))

    @operation(
        "post",
        "/lots/",
        "lot_harvest",
        {201: HarvestLotOut},
        "Record a harvest lot and commission it in EPCIS; refused inside the pre-harvest interval",
    )
    def lot_harvest(request: HttpRequest, payload: HarvestLotIn) -> Any:
        data = payload.model_dump()
        lot = services.lot_harvest(
            actor=_actor(request), plot_id=data.pop("plot"), product_id=data.pop("product"), **data
        )
        return Status(201, selectors.lot_get(actor=_actor(request), pk=lot.pk))

    @operation("get", "/crates/", "crate_list", {200: CratePage}, "List the RFID crates")
    def crate_list(
        request: HttpRequest,
        filters: Query[CrateFilters],  # type: ignore[valid-type]
        limit: int = PAGE,
        offset: int = OFFSET,
    ) -> Any:
        require(request, "vegetables.view_crate")
        return _page(
            request,
            CrateFilterSet,
            CrateFilters,
            filters,
            selectors.crates(actor=_actor(request)),
            limit,
            offset,
        )

    @operation(
        "post",
        "/crates/",
        "crate_register",
        {201: CratesRegistered},
        "Register RFID crates in bulk (GRAIs or a serial range)",
    )
    def crate_register(request: HttpRequest, payload: CratesIn) -> Any:
        grais = payload.grais or services.grai_range(
            company_prefix=payload.company_prefix,
            asset_type=payload.asset_type,
            first_serial=payload.first_serial or 0,
            count=payload.count or 0,
        )
        crates = services.crate_register(actor=_actor(request), enterprise_id=payload.enterprise, grais=grais)
        return Status(201, {"count": len(crates), "first": crates[0].grai, "last": crates[-1].grai})


def _shipment(request: HttpRequest, pk: int) -> Shipment:
    shipment: Shipment = _found(selectors.shipment_get(actor=_actor(request), pk=pk))
    return shipment


def _shipment_routes(operation: Callable[..., Any]) -> None:
    @operation(
        "get",
        "/shipments/",
        "shipment_list",
        {200: VegetableShipmentPage},
        "List shipments (truck trips), newest first",
    )
    def shipment_list(
        request: HttpRequest,
        filters: Query[ShipmentFilters],  # type: ignore[valid-type]
        limit: int = PAGE,
        offset: int = OFFSET,
    ) -> Any:
        require(request, "vegetables.view_shipment")
        return _page(
            request,
            ShipmentFilterSet,
            ShipmentFilters,
            filters,
            selectors.shipments(actor=_actor(request)),
            limit,
            offset,
        )

    @operation(
        "get",
        "/shipments/{int:pk}/",
        "shipment_retrieve",
        {200: VegetableShipmentOut},
        "Get one shipment: declared crates, the gate comparison, the decision",
    )
    def shipment_retrieve(request: HttpRequest, pk: int) -> Any:
        return _shipment(request, pk)

    @operation(
        "post",
        "/shipments/",
        "shipment_create",
        {201: VegetableShipmentOut},
        "Open a truck trip under a declaration",
    )
    def shipment_create(request: HttpRequest, payload: VegetableShipmentIn) -> Any:
        shipment = services.shipment_create(
            actor=_actor(request),
            enterprise_id=payload.enterprise,
            port_id=payload.port,
            declaration_number=payload.declaration_number,
            truck_plate=payload.truck_plate,
        )
        return Status(201, _shipment(request, shipment.pk))

    steps: list[tuple[str, str, Any, Callable[[HttpRequest, int, Any], Any]]] = [
        ("pack", "Pack a crate with a lot (AggregationEvent ADD crate ← lot)", PackIn,
         lambda r, pk, p: services.crate_pack(actor=_actor(r), shipment_id=pk, crate=p.crate, lot_id=p.lot, quantity_kg=p.quantity_kg)),
        ("unpack", "Take a crate off a shipment still packing", CrateRefIn,
         lambda r, pk, p: services.crate_unpack(actor=_actor(r), shipment_id=pk, crate=p.crate)),
        ("load", "Load the packed crates onto the truck", None,
         lambda r, pk, p: services.shipment_load(actor=_actor(r), shipment_id=pk)),
        ("seal", "Seal the loaded truck with an e-seal", SealIn,
         lambda r, pk, p: services.shipment_seal(actor=_actor(r), shipment_id=pk, seal_id=p.seal_id)),
        ("acknowledge", "Take a held truck: its open alerts are being handled by you", None,
         lambda r, pk, p: services.shipment_acknowledge(actor=_actor(r), shipment_id=pk)),
        ("release", "Release a held truck after inspection (resolves its alerts)", InspectionNoteIn,
         lambda r, pk, p: services.shipment_release_after_inspection(actor=_actor(r), shipment_id=pk, note=p.note)),
        ("reject", "Turn a held truck back (resolves its alerts)", ShipmentReasonIn,
         lambda r, pk, p: services.shipment_reject(actor=_actor(r), shipment_id=pk, reason=p.reason)),
        ("receive", "Record the receipt in Hong Kong", ReceiptIn,
         lambda r, pk, p: services.shipment_receive_hk(actor=_actor(r), shipment_id=pk, market_id=p.market, crates_read=p.crates_read, note=p.note)),
        ("cancel", "Cancel a trip that has not reached the gate", ShipmentReasonIn,
         lambda r, pk, p: services.shipment_cancel(actor=_actor(r), shipment_id=pk, reason=p.reason)),
    ]  # fmt: skip
    for verb, summary, schema, call in steps:
        _step(operation, verb, summary, schema, call)

    @operation(
        "get",
        "/worklist",
        "worklist",
        {200: VegetableWorklistOut},
        "The port inspector's worklist: held trucks and open alerts",
    )
    def worklist(request: HttpRequest) -> Any:
        require(request, "vegetables.view_shipment")
        return selectors.worklist(actor=_actor(request))


def _step(
    operation: Callable[..., Any], verb: str, summary: str, schema: Any, call: Callable[..., Any]
) -> None:
    name = f"shipment_{verb}"
    if schema is None:

        @operation("post", f"/shipments/{{int:pk}}/{verb}", name, {200: VegetableShipmentOut}, summary)
        def plain(request: HttpRequest, pk: int) -> Any:
            _shipment(request, pk)
            call(request, pk, None)
            return _shipment(request, pk)

        return

    @operation("post", f"/shipments/{{int:pk}}/{verb}", name, {200: VegetableShipmentOut}, summary)
    def with_payload(request: HttpRequest, pk: int, payload: schema) -> Any:
        _shipment(request, pk)
        call(request, pk, payload)
        return _shipment(request, pk)
