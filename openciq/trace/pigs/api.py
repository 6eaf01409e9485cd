"""The live-pig API at ``/api/v1/pigs/``: farms and their ear-tag ranges, pigs (looked up by either
number), treatments, and loading batches with their actions (declare, start loading, reconcile,
release, hold, Hong Kong receipt, cancel), through the same selectors and services as the pages.
Errors answer the one envelope; an object outside the caller's area answers 404. No
``from __future__ import annotations``: ninja reads the annotations at run time."""

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from openciq.core.api import filterset_schema, operations, paginate, require
from openciq.core.errors import ValidationFailed
from openciq.trace.pigs import selectors, services
from openciq.trace.pigs.filtersets import AnimalFilterSet, FarmFilterSet, LoadingBatchFilterSet
from openciq.trace.pigs.models import Animal, Farm, LoadingBatch
from openciq.trace.pigs.schemas import (
    PigBatchIn,
    PigBatchOut,
    PigBatchPage,
    PigDeathIn,
    PigFarmIn,
    PigFarmOut,
    PigFarmPage,
    PigIn,
    PigOut,
    PigPage,
    PigReasonIn,
    PigReceiveIn,
    PigTagOut,
    PigTagRangeIn,
    PigTagRangeOut,
    PigTagReplaceIn,
    PigTreatmentIn,
    PigTreatmentOut,
    PigTreatmentPage,
)

router = Router(tags=["pigs"])
PAGE = Query(settings.OPENCIQ_PAGE_SIZE, ge=1, le=settings.OPENCIQ_MAX_PAGE_SIZE)
OFFSET = Query(0, ge=0, le=100_000)
FarmFilters = filterset_schema(FarmFilterSet, "PigFarmFilters")
AnimalFilters = filterset_schema(AnimalFilterSet, "PigFilters")
BatchFilters = filterset_schema(LoadingBatchFilterSet, "PigBatchFilters")


_operation = operations(router, "pigs")


def _actor(request: HttpRequest) -> Any:
    """The authenticated user (ninja sets ``request.auth``)."""
    return getattr(request, "auth", None)


def _filtered(request: HttpRequest, filterset_class: Any, schema: Any, filters: Any, rows: Any) -> Any:
    unknown = sorted(set(request.GET) - set(schema.model_fields) - {"limit", "offset", "cursor"})
    if unknown:
        raise ValidationFailed(
            _("Unknown query parameter."), fields={u: [_("Unknown parameter.")] for u in unknown}
        )
    filterset = filterset_class(filters.model_dump(exclude_none=True), queryset=rows)
    if not filterset.is_valid():
        raise ValidationFailed(_("The filters are not valid."), fields=dict(filterset.errors))
    return filterset.qs


def _farm(request: HttpRequest, pk: int) -> Farm:
    require(request, "pigs.view_farm")
    farm: Farm | None = selectors.farm_get(actor=_actor(request), pk=pk)
    if farm is None:
        raise Http404
    return farm


def _animal(request: HttpRequest, pk: int) -> Animal:
    require(request, "pigs.view_animal")
    animal: Animal | None = selectors.animal_get(actor=_actor(request), pk=pk)
    if animal is None:
        raise Http404
    return animal


def _batch(request: HttpRequest, pk: int) -> LoadingBatch:
    require(request, "pigs.view_loadingbatch")
    batch: LoadingBatch | None = selectors.batch_get(actor=_actor(request), pk=pk)
    if batch is None:
        raise Http404
    return batch


def build() -> Router:
    _farm_routes()
    _animal_routes()
    _treatment_routes()
    _batch_routes()
    return router


def _farm_routes() -> None:
    @_operation(
        "get", "/farms/", "farm_list", {200: PigFarmPage}, "List the registered pig farms of your area"
    )
    def farm_list(
        request: HttpRequest,
        filters: Query[FarmFilters],  # type: ignore[valid-type]
        limit: int = PAGE,
        offset: int = OFFSET,
    ) -> Any:
        require(request, "pigs.view_farm")
        rows = _filtered(request, FarmFilterSet, FarmFilters, filters, selectors.farms(actor=_actor(request)))
        return paginate(request, rows.select_related("loading_channel"), limit, offset, None)

    @_operation("get", "/farms/{int:pk}/", "farm_retrieve", {200: PigFarmOut}, "Get one registered pig farm")
    def farm_retrieve(request: HttpRequest, pk: int) -> Any:
        return _farm(request, pk)

    @_operation(
        "post",
        "/farms/",
        "farm_register",
        {201: PigFarmOut},
        "Register a farm supplying live pigs to Hong Kong (its place and loading channel are created)",
    )
    def farm_register(request: HttpRequest, response: HttpResponse, payload: PigFarmIn) -> Any:
        data = payload.model_dump()
        farm = services.farm_register(
            actor=_actor(request),
            data=services.FarmInput(
                enterprise_id=data.pop("enterprise"), org_unit_id=data.pop("org_unit"), **data
            ),
        )
        response["Location"] = reverse("api:pigs_farm_retrieve", kwargs={"pk": farm.pk})
        return Status(201, _farm(request, farm.pk))

    @_operation(
        "get",
        "/farms/{int:pk}/ranges/",
        "range_list",
        {200: list[PigTagRangeOut]},
        "The farm's ear-tag ranges",
    )
    def range_list(request: HttpRequest, pk: int) -> Any:
        farm = _farm(request, pk)
        return list(farm.tag_ranges.order_by("country", "first_national_id"))

    @_operation(
        "post",
        "/farms/{int:pk}/ranges/",
        "range_issue",
        {201: PigTagRangeOut},
        "Issue a range of ISO 11784 numbers to the farm (no overlap with any range issued before)",
    )
    def range_issue(request: HttpRequest, pk: int, payload: PigTagRangeIn) -> Any:
        farm = _farm(request, pk)
        issued = services.tag_range_issue(actor=_actor(request), farm_id=farm.pk, **payload.model_dump())
        return Status(201, issued)


def _animal_routes() -> None:
    @_operation("get", "/animals/", "animal_list", {200: PigPage}, "List pigs, newest first; no total count")
    def animal_list(
        request: HttpRequest,
        filters: Query[AnimalFilters],  # type: ignore[valid-type]
        limit: int = PAGE,
        offset: int = OFFSET,
        cursor: str | None = None,
    ) -> Any:
        require(request, "pigs.view_animal")
        rows = _filtered(
            request, AnimalFilterSet, AnimalFilters, filters, selectors.animals(actor=_actor(request))
        )
        return paginate(request, rows, limit, offset, cursor, with_count=False)

    @_operation(
        "get",
        "/animals/lookup",
        "animal_lookup",
        {200: PigOut},
        "Find a pig by its China ear-tag or any ISO 11784 number",
    )
    def animal_lookup(request: HttpRequest, number: str) -> Any:
        require(request, "pigs.view_animal")
        animal = selectors.animal_by_number(actor=_actor(request), number=number)
        if animal is None:
            raise Http404
        return _animal(request, animal.pk)

    @_operation("get", "/animals/{int:pk}/", "animal_retrieve", {200: PigOut}, "Get one pig with its tags")
    def animal_retrieve(request: HttpRequest, pk: int) -> Any:
        return _animal(request, pk)

    @_operation(
        "post",
        "/animals/",
        "animal_tag",
        {201: PigOut},
        "Register a pig with its China number and first ISO 11784 tag",
    )
    def animal_tag(request: HttpRequest, response: HttpResponse, payload: PigIn) -> Any:
        data = payload.model_dump()
        animal = services.animal_tag(
            actor=_actor(request), data=services.TagInput(farm_id=data.pop("farm"), **data)
        )
        response["Location"] = reverse("api:pigs_animal_retrieve", kwargs={"pk": animal.pk})
        return Status(201, _animal(request, animal.pk))

    @_operation(
        "post",
        "/animals/{int:pk}/replace-tag",
        "tag_replace",
        {201: PigTagOut},
        "Replace a lost, damaged or unreadable tag; the new tag is linked to the old one",
    )
    def tag_replace(request: HttpRequest, pk: int, payload: PigTagReplaceIn) -> Any:
        animal = _animal(request, pk)
        old = animal.tags.filter(iso_number=payload.tag.replace(" ", "").replace("-", "")).first()
        if old is None:
            raise ValidationFailed(
                _("The tag was not replaced."), fields={"tag": [_("This pig has no such tag.")]}
            )
        new = services.tag_replace(
            actor=_actor(request),
            tag_id=old.pk,
            new_iso_number=payload.new_iso_number,
            reason=payload.reason,
            replaced_at=payload.replaced_at,
        )
        return Status(201, new)

    @_operation(
        "post",
        "/animals/{int:pk}/death",
        "animal_death",
        {200: PigOut},
        "Record that a pig died or was culled",
    )
    def animal_death(request: HttpRequest, pk: int, payload: PigDeathIn) -> Any:
        animal = _animal(request, pk)
        services.animal_death(actor=_actor(request), animal_id=animal.pk, **payload.model_dump())
        return _animal(request, pk)


def _treatment_routes() -> None:
    @_operation(
        "get", "/treatments/", "treatment_list", {200: PigTreatmentPage}, "List treatments, newest first"
    )
    def treatment_list(request: HttpRequest, limit: int = PAGE, offset: int = OFFSET) -> Any:
        require(request, "pigs.view_treatment")
        rows = selectors.treatments(actor=_actor(request)).prefetch_related("animals")
        return paginate(request, rows, limit, offset, None, with_count=False)

    @_operation(
        "post",
        "/treatments/",
        "treatment_record",
        {201: PigTreatmentOut},
        "Record a vaccination or medication of pigs of one farm (sets their withdrawal period)",
    )
    def treatment_record(request: HttpRequest, payload: PigTreatmentIn) -> Any:
        data = payload.model_dump()
        treatment = services.treatment_record(
            actor=_actor(request), data=services.TreatmentInput(farm_id=data.pop("farm"), **data)
        )
        return Status(201, treatment)


def _batch_routes() -> None:
    @_operation("get", "/batches/", "batch_list", {200: PigBatchPage}, "List loading batches, newest first")
    def batch_list(
        request: HttpRequest,
        filters: Query[BatchFilters],  # type: ignore[valid-type]
        limit: int = PAGE,
        offset: int = OFFSET,
    ) -> Any:
        require(request, "pigs.view_loadingbatch")
        rows = _filtered(
            request, LoadingBatchFilterSet, BatchFilters, filters, selectors.batches(actor=_actor(request))
        )
        return paginate(request, rows, limit, offset, None)

    @_operation("get", "/batches/{int:pk}/", "batch_retrieve", {200: PigBatchOut}, "Get one loading batch")
    def batch_retrieve(request: HttpRequest, pk: int) -> Any:
        return _batch(request, pk)

    @_operation(
        "post",
        "/batches/",
        "batch_declare",
        {201: PigBatchOut},
        "Declare a truckload: pigs of one farm, none inside a withdrawal period",
    )
    def batch_declare(request: HttpRequest, response: HttpResponse, payload: PigBatchIn) -> Any:
        data = payload.model_dump()
        batch = services.batch_declare(
            actor=_actor(request), data=services.BatchInput(farm_id=data.pop("farm"), **data)
        )
        response["Location"] = reverse("api:pigs_batch_retrieve", kwargs={"pk": batch.pk})
        return Status(201, _batch(request, batch.pk))

    for verb, service, summary in (
        (
            "start",
            services.batch_start_loading,
            "Open the loading channel: its reads are recorded against the batch",
        ),
        ("reconcile", services.batch_reconcile, "Compare the channel's reads with the declared pigs"),
        ("release", services.batch_release, "Release the batch: the pigs read go into the truck"),
    ):
        _batch_step(verb, service, summary)

    @_operation(
        "post",
        "/batches/{int:pk}/receive",
        "batch_receive",
        {200: PigBatchOut},
        "Record the tags read on receipt in Hong Kong; a difference raises an alert",
    )
    def batch_receive(request: HttpRequest, pk: int, payload: PigReceiveIn) -> Any:
        _batch(request, pk)
        services.batch_receive_hk(actor=_actor(request), batch_id=pk, **payload.model_dump())
        return _batch(request, pk)

    @_operation(
        "post",
        "/batches/{int:pk}/hold",
        "batch_hold",
        {200: PigBatchOut},
        "Hold a reconciled batch, saying why: a blocking alert holds its declaration",
    )
    def batch_hold(request: HttpRequest, pk: int, payload: PigReasonIn) -> Any:
        _batch(request, pk)
        services.batch_hold(actor=_actor(request), batch_id=pk, reason=payload.reason)
        return _batch(request, pk)

    @_operation(
        "post",
        "/batches/{int:pk}/cancel",
        "batch_cancel",
        {200: PigBatchOut},
        "Cancel a batch before release",
    )
    def batch_cancel(request: HttpRequest, pk: int, payload: PigReasonIn) -> Any:
        _batch(request, pk)
        services.batch_cancel(actor=_actor(request), batch_id=pk, reason=payload.reason)
        return _batch(request, pk)


def _batch_step(verb: str, service: Any, summary: str) -> None:
    @_operation("post", f"/batches/{{int:pk}}/{verb}", f"batch_{verb}", {200: PigBatchOut}, summary)
    def handler(request: HttpRequest, pk: int) -> Any:
        _batch(request, pk)
        service(actor=_actor(request), batch_id=pk)
        return _batch(request, pk)
