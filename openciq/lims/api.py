"""The laboratory API at /api/v1/lims/: the reference data's generic CRUD, and samples, analyses
and worksheets through the same services as the pages. Reads go through the selectors (an
object outside the actor's area answers 404), writes through the named service, errors through
the one envelope. No ``from __future__ import annotations``: ninja reads the annotations at run
time."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from openciq.core import selectors as core_selectors
from openciq.core.api import add_crud_routes, filterset_schema, operations, paginate, require
from openciq.core.errors import NotFoundError, ValidationFailed
from openciq.core.registry import registry
from openciq.lims import reports, selectors, services, worksheets
from openciq.lims.filtersets import AnalysisFilterSet, SampleFilterSet, WorksheetFilterSet
from openciq.lims.models import Analysis, Instrument, Sample, Worksheet
from openciq.lims.schemas import (
    AnalysisOut,
    AnalysisPage,
    AnalysisSubmitIn,
    CustodyEventIn,
    CustodyEventOut,
    InstrumentOut,
    InstrumentReleaseIn,
    PartitionIn,
    ReportOut,
    SampleIn,
    SampleOut,
    SamplePage,
    SampleReceiveIn,
    SampleRow,
    TransitionReasonIn,
    TurnaroundOut,
    WorksheetIn,
    WorksheetOut,
    WorksheetPage,
)

router = Router(tags=["lims"])
PAGE = Query(settings.OPENCIQ_PAGE_SIZE, ge=1, le=settings.OPENCIQ_MAX_PAGE_SIZE)
OFFSET = Query(0, ge=0, le=10000)
SampleFilters = filterset_schema(SampleFilterSet, "SampleFilters")
AnalysisFilters = filterset_schema(AnalysisFilterSet, "AnalysisFilters")
WorksheetFilters = filterset_schema(WorksheetFilterSet, "WorksheetFilters")
MAX_RESULTS_FILE_BYTES = 5 * 1024 * 1024
PDF = {
    "responses": {
        200: {
            "description": "The certificate of analysis",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


_operation = operations(router, "lims")


def _page(
    request: HttpRequest,
    filterset_class: Any,
    filters_schema: Any,
    filters: Any,
    queryset: Any,
    limit: int,
    offset: int,
    cursor: str | None,
) -> dict[str, Any]:
    """One page of a big table filtered by its FilterSet: newest first by offset, or oldest
    first by id cursor; never a total count."""
    allowed = set(filters_schema.model_fields) | {"limit", "offset", "cursor"}
    unknown = sorted(set(request.GET) - allowed)
    if unknown:
        raise ValidationFailed(
            _("Unknown query parameter."), fields={u: [_("Unknown parameter.")] for u in unknown}
        )
    filterset = filterset_class(filters.model_dump(exclude_none=True), queryset=queryset)
    if not filterset.is_valid():
        raise ValidationFailed(_("The filters are not valid."), fields=dict(filterset.errors))
    return paginate(request, filterset.qs, limit, offset, cursor, with_count=False)


def _sample(request: HttpRequest, pk: int) -> Sample:
    sample = selectors.sample_detail(actor=request.auth, pk=pk)
    if sample is None:
        raise Http404
    return sample


def _analysis(request: HttpRequest, pk: int) -> Analysis:
    analysis = selectors.analysis_detail(actor=request.auth, pk=pk)
    if analysis is None:
        raise Http404
    return analysis


def _worksheet(request: HttpRequest, pk: int) -> Worksheet:
    worksheet = selectors.worksheet_detail(actor=request.auth, pk=pk)
    if worksheet is None:
        raise Http404
    return worksheet


def _instrument(request: HttpRequest, pk: int) -> Instrument:
    object_type = registry.object_type_for(Instrument)
    try:
        instrument: Instrument = core_selectors.object_get(actor=request.auth, object_type=object_type, pk=pk)
    except NotFoundError as exc:
        raise Http404 from exc
    return instrument


def build() -> Router:
    for object_type in registry.object_types_of("lims"):
        add_crud_routes(router, object_type)
    _sample_routes()
    _analysis_routes()
    _worksheet_routes()

    @_operation(
        "post",
        "/instruments/{int:pk}/release",
        "instrument_release",
        {200: InstrumentOut},
        "Lift an instrument's quality-control block, stating the corrective action taken",
    )
    def instrument_release(request: HttpRequest, pk: int, payload: InstrumentReleaseIn) -> Any:
        _instrument(request, pk)
        worksheets.instrument_release(actor=request.auth, instrument_id=pk, note=payload.note)
        return _instrument(request, pk)

    @_operation(
        "get",
        "/turnaround",
        "turnaround",
        {200: list[TurnaroundOut]},
        "Analyses verified in a period per laboratory and method: mean turnaround (working days), share on time",
    )
    def turnaround(request: HttpRequest, since: dt.date, until: dt.date) -> Any:
        require(request, "lims.view_analysis")
        if since > until:
            raise ValidationFailed(
                _("The period is not valid."), fields={"until": [_("The end must not be before the start.")]}
            )
        return selectors.turnaround_stats(actor=request.auth, since=since, until=until)

    return router


def _sample_routes() -> None:
    @_operation(
        "get",
        "/samples/",
        "sample_list",
        {200: SamplePage},
        "List samples, newest first (or oldest first with a cursor); no total count",
    )
    def sample_list(
        request: HttpRequest,
        filters: Query[SampleFilters],  # type: ignore[valid-type]
        limit: int = PAGE,
        offset: int = OFFSET,
        cursor: str | None = None,
    ) -> Any:
        require(request, "lims.view_sample")
        queryset = selectors.samples(actor=request.auth)
        return _page(request, SampleFilterSet, SampleFilters, filters, queryset, limit, offset, cursor)

    @_operation("get", "/samples/{int:pk}/", "sample_retrieve", {200: SampleOut}, "Get one sample")
    def sample_retrieve(request: HttpRequest, pk: int) -> Any:
        return _sample(request, pk)

    @_operation(
        "post",
        "/samples/",
        "sample_register",
        {201: SampleOut},
        "Register a sample brought by hand (not from a declaration), with its analyses",
    )
    def sample_register(request: HttpRequest, response: HttpResponse, payload: SampleIn) -> Any:
        data = payload.model_dump()
        sample = services.sample_register(
            actor=request.auth,
            data=services.SampleInput(
                laboratory_id=data.pop("laboratory"),
                service_ids=data.pop("services"),
                client_id=data.pop("client"),
                product_id=data.pop("product"),
                destination_id=data.pop("destination"),
                **data,
            ),
        )
        response["Location"] = reverse("api:lims_sample_retrieve", kwargs={"pk": sample.pk})
        return Status(201, _sample(request, sample.pk))

    @_operation(
        "post",
        "/samples/{int:pk}/receive",
        "sample_receive",
        {200: SampleOut},
        "Receive a registered sample (analyses may be added); due dates are set in working days",
    )
    def sample_receive(request: HttpRequest, pk: int, payload: SampleReceiveIn) -> Any:
        _sample(request, pk)
        services.sample_receive(
            actor=request.auth,
            sample_id=pk,
            service_ids=payload.services,
            storage_location=payload.storage_location,
            condition=payload.condition,
        )
        return _sample(request, pk)

    @_operation(
        "post",
        "/samples/{int:pk}/partition",
        "sample_partition",
        {201: list[SampleRow]},
        "Split a received sample into parts, each for a laboratory with its own analyses",
    )
    def sample_partition(request: HttpRequest, pk: int, payload: PartitionIn) -> Any:
        _sample(request, pk)
        parts = [
            services.PartitionInput(
                laboratory_id=p.laboratory, service_ids=p.services, description=p.description
            )
            for p in payload.parts
        ]
        return Status(201, services.sample_partition(actor=request.auth, sample_id=pk, parts=parts))

    for verb, summary in (
        ("reject", "Reject a sample unfit for testing, with a reason; its open analyses are rejected"),
        ("cancel", "Cancel a registered sample (registered by mistake, never arrived), with a reason"),
    ):
        _sample_ending(verb, summary)

    @_operation(
        "post",
        "/samples/{int:pk}/invalidate",
        "sample_invalidate",
        {201: SampleOut},
        "Invalidate a verified or published sample, with a reason; returns the retest received in its place",
    )
    def sample_invalidate(request: HttpRequest, pk: int, payload: TransitionReasonIn) -> Any:
        _sample(request, pk)
        retest = services.sample_invalidate(actor=request.auth, sample_id=pk, reason=payload.reason)
        return Status(201, _sample(request, retest.pk))

    @_operation(
        "post",
        "/samples/{int:pk}/publish",
        "sample_publish",
        {201: ReportOut},
        "Publish a verified sample: the certificate of analysis is issued (and the declaration told)",
    )
    def sample_publish(request: HttpRequest, pk: int) -> Any:
        _sample(request, pk)
        return Status(201, reports.sample_publish(actor=request.auth, sample_id=pk))

    @_operation(
        "get",
        "/samples/{int:pk}/report",
        "sample_report",
        {200: None},
        "The latest certificate of analysis of a sample (PDF)",
        openapi_extra=PDF,
    )
    def sample_report(request: HttpRequest, pk: int) -> Any:
        sample = _sample(request, pk)
        require(request, "lims.view_report")
        report = selectors.sample_reports(sample=sample).first()
        if report is None:
            raise Http404
        return FileResponse(
            report.pdf.open("rb"),
            as_attachment=True,
            filename=f"{report.number}.pdf",
            content_type="application/pdf",
        )

    @_operation(
        "post",
        "/samples/{int:pk}/custody",
        "sample_custody",
        {201: CustodyEventOut},
        "Record a link of the chain of custody: handed over, stored, returned or disposed of",
    )
    def sample_custody(request: HttpRequest, pk: int, payload: CustodyEventIn) -> Any:
        _sample(request, pk)
        event = services.custody_record(
            actor=request.auth,
            sample_id=pk,
            kind=payload.kind,
            location=payload.location,
            note=payload.note,
            holder_id=payload.holder,
        )
        return Status(201, event)


def _sample_ending(verb: str, summary: str) -> None:
    service: Callable[..., Sample] = getattr(services, f"sample_{verb}")

    @_operation("post", f"/samples/{{int:pk}}/{verb}", f"sample_{verb}", {200: SampleOut}, summary)
    def handler(request: HttpRequest, pk: int, payload: TransitionReasonIn) -> Any:
        _sample(request, pk)
        service(actor=request.auth, sample_id=pk, reason=payload.reason)
        return _sample(request, pk)


def _analysis_routes() -> None:
    @_operation(
        "get",
        "/analyses/",
        "analysis_list",
        {200: AnalysisPage},
        "List routine analyses, newest first (or oldest first with a cursor); no total count",
    )
    def analysis_list(
        request: HttpRequest,
        filters: Query[AnalysisFilters],  # type: ignore[valid-type]
        limit: int = PAGE,
        offset: int = OFFSET,
        cursor: str | None = None,
    ) -> Any:
        require(request, "lims.view_analysis")
        queryset = selectors.analyses(actor=request.auth)
        return _page(request, AnalysisFilterSet, AnalysisFilters, filters, queryset, limit, offset, cursor)

    @_operation(
        "get",
        "/analyses/{int:pk}/",
        "analysis_retrieve",
        {200: AnalysisOut},
        "Get one analysis (routine or quality control) with its verifications",
    )
    def analysis_retrieve(request: HttpRequest, pk: int) -> Any:
        return _analysis(request, pk)

    @_operation(
        "post",
        "/analyses/{int:pk}/submit",
        "analysis_submit",
        {200: AnalysisOut},
        "Enter a result (converted to the service's unit, checked against the instrument and specification)",
    )
    def analysis_submit(request: HttpRequest, pk: int, payload: AnalysisSubmitIn) -> Any:
        _analysis(request, pk)
        services.analysis_submit(
            actor=request.auth,
            analysis_id=pk,
            result=payload.result,
            unit=payload.unit,
            instrument_id=payload.instrument,
        )
        return _analysis(request, pk)

    @_operation(
        "post",
        "/analyses/{int:pk}/verify",
        "analysis_verify",
        {200: AnalysisOut},
        "Verify a result (not your own, unless the method allows it; not while its worksheet's QC is open or failed)",
    )
    def analysis_verify(request: HttpRequest, pk: int) -> Any:
        _analysis(request, pk)
        services.analysis_verify(actor=request.auth, analysis_id=pk)
        return _analysis(request, pk)

    @_operation(
        "post",
        "/analyses/{int:pk}/retract",
        "analysis_retract",
        {201: AnalysisOut},
        "Retract a result, with a reason; returns the retest created in its place",
    )
    def analysis_retract(request: HttpRequest, pk: int, payload: TransitionReasonIn) -> Any:
        _analysis(request, pk)
        retest = services.analysis_retract(actor=request.auth, analysis_id=pk, reason=payload.reason)
        return Status(201, _analysis(request, retest.pk))

    @_operation(
        "post",
        "/analyses/{int:pk}/reject",
        "analysis_reject",
        {200: AnalysisOut},
        "Reject an analysis that will not be done (not applicable to the sample), with a reason",
    )
    def analysis_reject(request: HttpRequest, pk: int, payload: TransitionReasonIn) -> Any:
        _analysis(request, pk)
        services.analysis_reject(actor=request.auth, analysis_id=pk, reason=payload.reason)
        return _analysis(request, pk)


def _worksheet_routes() -> None:
    @_operation(
        "get",
        "/worksheets/",
        "worksheet_list",
        {200: WorksheetPage},
        "List worksheets, newest first (or oldest first with a cursor); no total count",
    )
    def worksheet_list(
        request: HttpRequest,
        filters: Query[WorksheetFilters],  # type: ignore[valid-type]
        limit: int = PAGE,
        offset: int = OFFSET,
        cursor: str | None = None,
    ) -> Any:
        require(request, "lims.view_worksheet")
        queryset = selectors.worksheets(actor=request.auth)
        return _page(request, WorksheetFilterSet, WorksheetFilters, filters, queryset, limit, offset, cursor)

    @_operation(
        "get",
        "/worksheets/{int:pk}/",
        "worksheet_retrieve",
        {200: WorksheetOut},
        "Get one worksheet with its analyses, quality-control ones and their QC findings included",
    )
    def worksheet_retrieve(request: HttpRequest, pk: int) -> Any:
        return _worksheet(request, pk)

    @_operation(
        "post",
        "/worksheets/",
        "worksheet_create",
        {201: WorksheetOut},
        "Plan a run: analyses of one method for an analyst on an instrument, with blanks, controls, duplicates",
    )
    def worksheet_create(request: HttpRequest, response: HttpResponse, payload: WorksheetIn) -> Any:
        worksheet = worksheets.worksheet_create(
            actor=request.auth,
            method_id=payload.method,
            instrument_id=payload.instrument,
            analyst_id=payload.analyst,
            analysis_ids=payload.analyses,
            blank_ids=payload.blanks,
            control_ids=payload.controls,
            duplicate_ids=payload.duplicates,
        )
        response["Location"] = reverse("api:lims_worksheet_retrieve", kwargs={"pk": worksheet.pk})
        return Status(201, _worksheet(request, worksheet.pk))

    @_operation(
        "post",
        "/worksheets/{int:pk}/import",
        "worksheet_results_import",
        {200: WorksheetOut},
        "Enter a worksheet's results from the instrument's CSV export (multipart: mapping, file); all or nothing",
    )
    def worksheet_results_import(
        request: HttpRequest, pk: int, mapping: Form[int], file: File[UploadedFile]
    ) -> Any:
        _worksheet(request, pk)
        if file.size is not None and file.size > MAX_RESULTS_FILE_BYTES:
            raise ValidationFailed(
                _("No results were imported."),
                fields={
                    "file": [
                        _("The file is larger than %(size)d MB.") % {"size": MAX_RESULTS_FILE_BYTES >> 20}
                    ]
                },
            )
        worksheets.results_import(
            actor=request.auth,
            worksheet_id=pk,
            mapping_id=mapping,
            data=file.read(),
            filename=file.name or "",
        )
        return _worksheet(request, pk)

    @_operation(
        "post",
        "/worksheets/{int:pk}/retract",
        "worksheet_retract",
        {200: WorksheetOut},
        "Retract a worksheet, with a reason: results get retests, the rest goes back to the queue",
    )
    def worksheet_retract(request: HttpRequest, pk: int, payload: TransitionReasonIn) -> Any:
        _worksheet(request, pk)
        worksheets.worksheet_retract(actor=request.auth, worksheet_id=pk, reason=payload.reason)
        return _worksheet(request, pk)
