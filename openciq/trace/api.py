"""The EPCIS 2.0 REST binding at /api/v1/epcis/: capture, events, named queries, subscriptions,
discovery, and OpenCIQ's trace and device ingest beside them.

EPCIS errors answer as the standard has them, RFC 7807 problems (``application/problem+json``)
whose ``type`` is the EPCIS exception and whose ``errors`` name the path of each fault in the
document as sent. No ``from __future__ import annotations``: ninja reads the annotations at run
time.
"""

import datetime as dt
import hashlib
import json
from typing import Any
from urllib.parse import quote, unquote

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from openciq.core.api import require
from openciq.core.errors import NotFoundError, ServiceError, ValidationFailed
from openciq.trace import devices, rendering, selectors, services, tracing, xmlcodec
from openciq.trace import query_params as qp
from openciq.trace.choices import ErrorBehaviour
from openciq.trace.models import CaptureJob, NamedQuery, Subscription
from openciq.trace.problems import DocumentInvalid, Issue

EPCIS_VERSION = "2.0.0"
CBV_VERSION = "2.0.0"
VENDOR_VERSION = "openciq-0.1"
PROBLEM_TYPE = "application/problem+json"
PAGE_TOKEN_LIFE = dt.timedelta(hours=1)
RAW_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/ld+json": {"schema": {"type": "object"}},
            "application/xml": {"schema": {"type": "string"}},
        },
    }
}


def _version_headers(response: HttpResponse) -> HttpResponse:
    response["GS1-EPCIS-Version"] = EPCIS_VERSION
    response["GS1-CBV-Version"] = CBV_VERSION
    response["GS1-Vendor-Version"] = VENDOR_VERSION
    return response


def problem(
    status: int, exception: str, title: str, *, detail: str = "", issues: list[Issue] | None = None
) -> HttpResponse:
    """An RFC 7807 problem; ``type`` names the EPCIS exception (``epcisException:...``)."""
    body: dict[str, Any] = {"type": f"epcisException:{exception}", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if issues:
        body["errors"] = [issue.as_dict() for issue in issues]
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_TYPE)
    return _version_headers(response)


def json_response(body: Any, *, status: int = 200, content_type: str = "application/json") -> HttpResponse:
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=content_type)
    return _version_headers(response)


def _service_problem(exc: ServiceError) -> HttpResponse:
    exception = {
        400: "ValidationException",
        403: "SecurityException",
        404: "NoSuchResourceException",
        409: "ConflictException",
        413: "CaptureLimitExceededException",
        415: "UnsupportedMediaTypeException",
    }.get(exc.status, "ImplementationException")
    return problem(exc.status, exception, exc.message)


def _invalid(exc: DocumentInvalid) -> HttpResponse:
    first = exc.issues[0] if exc.issues else Issue("", _("The document is not valid."))
    return problem(
        400,
        "ValidationException",
        _("The document is not a valid EPCIS 2.0 document."),
        detail=f"{first.path or '/'}: {first.message}",
        issues=exc.issues,
    )


def job_out(job: CaptureJob) -> dict[str, Any]:
    """The standard's capture-job resource, with OpenCIQ's counts beside it."""
    return {
        "captureID": str(job.capture_id),
        "createdAt": rendering.iso(job.created_at),
        "finishedAt": rendering.iso(job.finished_at) if job.finished_at else None,
        "running": job.running,
        "success": job.success,
        "status": job.status,
        "captureErrorBehaviour": job.error_behaviour,
        "source": job.source,
        "eventCount": job.event_count,
        "storedCount": job.stored_count,
        "duplicateCount": job.duplicate_count,
        "errors": job.errors,
        "warnings": job.warnings,
    }


def _discovery(response: HttpResponse) -> HttpResponse:
    response["GS1-EPCIS-Min"] = EPCIS_VERSION
    response["GS1-EPCIS-Max"] = EPCIS_VERSION
    response["GS1-CBV-Min"] = CBV_VERSION
    response["GS1-CBV-Max"] = CBV_VERSION
    response["GS1-EPCIS-Capture-Limit"] = str(services.capture_limit())
    response["GS1-EPCIS-Capture-File-Size-Limit"] = str(services.capture_size_limit())
    response["GS1-Capture-Error-Behaviour"] = "rollback, proceed"
    response["GS1-EPC-Format"] = ", ".join(rendering.EPC_FORMATS)
    response["GS1-CBV-XML-Format"] = ", ".join(rendering.CBV_FORMATS)
    response["Allow"] = "OPTIONS, GET, POST"
    return _version_headers(response)


def build() -> Router:
    router = Router(tags=["epcis"])

    @router.api_operation(["OPTIONS"], "/", url_name="epcis_discovery", include_in_schema=False)
    def discovery(request: HttpRequest) -> HttpResponse:
        return _discovery(HttpResponse(status=204))

    @router.api_operation(["OPTIONS"], "/capture", url_name="epcis_capture_options", include_in_schema=False)
    def capture_options(request: HttpRequest) -> HttpResponse:
        return _discovery(HttpResponse(status=204))

    @router.post("/capture", url_name="epcis_capture", openapi_extra=RAW_BODY, response={202: dict})
    def capture(request: HttpRequest) -> HttpResponse:
        """Capture an EPCIS document (JSON/JSON-LD or XML). Answers 202 with the capture job's
        URL in ``Location``; the job tells whether the events were stored. Header
        ``GS1-Capture-Error-Behaviour``: ``rollback`` (default, nothing stored on any error) or
        ``proceed`` (the valid events stored)."""
        behaviour = (
            request.headers.get("GS1-Capture-Error-Behaviour", ErrorBehaviour.ROLLBACK).strip().lower()
        )
        if behaviour not in ErrorBehaviour.values:
            return problem(
                400,
                "ValidationException",
                _("GS1-Capture-Error-Behaviour must be rollback or proceed."),
                issues=[Issue("GS1-Capture-Error-Behaviour", _("Unknown value: %(v)s") % {"v": behaviour})],
            )
        try:
            job = services.capture_document(
                actor=request.user,
                data=request.body,
                media_type=request.content_type or "application/json",
                error_behaviour=behaviour,
            )
        except ServiceError as exc:
            return _service_problem(exc)
        response = json_response(job_out(job), status=202)
        response["Location"] = reverse("api:epcis_capture_job", kwargs={"capture_id": job.capture_id})
        return response

    @router.get("/capture", url_name="epcis_capture_jobs", response={200: dict})
    def capture_jobs(request: HttpRequest) -> HttpResponse:
        """Capture jobs, newest first (your own; all with the permission to view capture jobs)."""
        jobs = selectors.capture_jobs(actor=request.user)[:100]
        return json_response([job_out(job) for job in jobs])

    @router.get("/capture/{capture_id}", url_name="epcis_capture_job", response={200: dict})
    def capture_job(request: HttpRequest, capture_id: str) -> HttpResponse:
        job = selectors.capture_job(actor=request.user, capture_id=capture_id)
        if job is None:
            return problem(404, "NoSuchResourceException", _("No such capture job."))
        return json_response(job_out(job))

    @router.post("/events", url_name="epcis_events_capture", openapi_extra=RAW_BODY, response={201: dict})
    def capture_one(request: HttpRequest) -> HttpResponse:
        """Capture one event: 201 with its URL in ``Location``; 409 if it is already stored."""
        try:
            event = services.capture_event(
                actor=request.user, data=request.body, media_type=request.content_type or "application/json"
            )
        except DocumentInvalid as exc:
            return _invalid(exc)
        except services.DuplicateEvent as exc:
            response = problem(
                409, "ConflictException", _("This event is already in the repository."), detail=exc.message
            )
            response["Location"] = _event_url(exc.event.public_id)
            return response
        except ServiceError as exc:
            return _service_problem(exc)
        response = json_response(rendering.render_event(event), status=201)
        response["Location"] = _event_url(event.public_id)
        return response

    @router.get("/events", url_name="epcis_events", response={200: dict})
    def events(request: HttpRequest) -> HttpResponse:
        """SimpleEventQuery over the query string (``eventType``, ``GE_eventTime``, ``EQ_bizStep``,
        ``WD_readPoint``, ``MATCH_epc``, ``EQ_bizTransaction_{type}``, ``orderBy``, ``perPage``,
        ``nextPageToken`` ...; several values of one parameter separated by ``|``). Pages follow
        ``Link: <...>; rel="next"``; bad parameters answer the standard's exceptions."""
        require(request, "trace.view_event")
        try:
            query = qp.parse_query(request.GET)
            return _query_response(request, query, query_name="SimpleEventQuery")
        except qp.EpcisQueryError as exc:
            return _query_problem(exc)

    @router.post("/queries", url_name="epcis_queries_create", response={201: dict})
    def query_create(request: HttpRequest) -> HttpResponse:
        """Save a named query: ``{"name": "...", "query": {SimpleEventQuery parameters}}``."""
        try:
            body = json.loads(request.body or b"{}")
            if not isinstance(body, dict):
                raise qp.ValidationException("The body must be a JSON object.", parameter="body")
            named = services.query_create(
                actor=request.user, name=str(body.get("name", "")), query=body.get("query") or {}
            )
        except json.JSONDecodeError as exc:
            return problem(400, "ValidationException", _("The body is not JSON."), detail=str(exc))
        except qp.EpcisQueryError as exc:
            return _query_problem(exc)
        except ServiceError as exc:
            return _service_problem(exc)
        response = json_response(_query_out(named), status=201)
        response["Location"] = reverse("api:epcis_query", kwargs={"name": named.name})
        return response

    @router.get("/queries", url_name="epcis_queries", response={200: dict})
    def query_list(request: HttpRequest) -> HttpResponse:
        require(request, "trace.view_namedquery")
        found = selectors.named_queries(actor=request.user)[:1000]
        return json_response([_query_out(named) for named in found])

    @router.get("/queries/{name}", url_name="epcis_query", response={200: dict})
    def query_detail(request: HttpRequest, name: str) -> HttpResponse:
        require(request, "trace.view_namedquery")
        named = selectors.named_query(actor=request.user, name=name)
        if named is None:
            return problem(404, "NoSuchNameException", _("No such query."))
        return json_response(_query_out(named))

    @router.delete("/queries/{name}", url_name="epcis_query_delete", response={204: None})
    def query_delete(request: HttpRequest, name: str) -> HttpResponse:
        try:
            services.query_delete(actor=request.user, name=name)
        except ServiceError as exc:
            return _service_problem(exc)
        return _version_headers(HttpResponse(status=204))

    @router.get("/queries/{name}/events", url_name="epcis_query_events", response={200: dict})
    def query_events(request: HttpRequest, name: str) -> HttpResponse:
        """Run a named query (paging parameters from the query string)."""
        require(request, "trace.view_event")
        named = selectors.named_query(actor=request.user, name=name)
        if named is None:
            return problem(404, "NoSuchNameException", _("No such query."))
        try:
            parameters: dict[str, Any] = dict(named.parameters)
            for key in ("perPage", "nextPageToken"):
                if key in request.GET:
                    parameters[key] = request.GET[key]
            query = qp.parse_query_document({"query": parameters})
            return _query_response(request, query, query_name=named.name)
        except qp.EpcisQueryError as exc:
            return _query_problem(exc)

    @router.post("/queries/{name}/subscriptions", url_name="epcis_subscribe", response={201: dict})
    def subscribe(request: HttpRequest, name: str) -> HttpResponse:
        """Subscribe a webhook: ``{"dest": "https://...", "signatureToken": "...", "stream": true}``
        or ``{"dest": ..., "schedule": {"minute": "0/5"}}``; ``reportIfEmpty``,
        ``initialRecordTime`` optional. Callbacks carry an EPCISQueryDocument, signed in
        ``GS1-Signature`` (``sha256=<HMAC-SHA256 hex>``) when a token is given."""
        try:
            body = json.loads(request.body or b"{}")
            if not isinstance(body, dict):
                raise qp.SubscriptionControlsException("body", "The body must be a JSON object.")
            initial = body.get("initialRecordTime")
            subscription = services.subscription_create(
                actor=request.user,
                query_name=name,
                dest=str(body.get("dest", "")),
                signature_token=str(body.get("signatureToken", "")),
                stream=bool(body.get("stream", False)),
                schedule=body.get("schedule") or None,
                report_if_empty=bool(body.get("reportIfEmpty", False)),
                initial_record_time=qp.parse_time("initialRecordTime", str(initial)) if initial else None,
            )
        except json.JSONDecodeError as exc:
            return problem(400, "ValidationException", _("The body is not JSON."), detail=str(exc))
        except qp.EpcisQueryError as exc:
            return _query_problem(exc)
        except ServiceError as exc:
            return _service_problem(exc)
        response = json_response(_subscription_out(subscription), status=201)
        response["Location"] = reverse(
            "api:epcis_subscription", kwargs={"name": name, "subscription_id": subscription.subscription_id}
        )
        return response

    @router.get("/queries/{name}/subscriptions", url_name="epcis_subscriptions", response={200: dict})
    def subscriptions(request: HttpRequest, name: str) -> HttpResponse:
        require(request, "trace.view_subscription")
        found = selectors.subscriptions(actor=request.user, query_name=name)
        return json_response([_subscription_out(s) for s in found])

    @router.get(
        "/queries/{name}/subscriptions/{subscription_id}", url_name="epcis_subscription", response={200: dict}
    )
    def subscription_detail(request: HttpRequest, name: str, subscription_id: str) -> HttpResponse:
        require(request, "trace.view_subscription")
        found = selectors.subscription(actor=request.user, query_name=name, subscription_id=subscription_id)
        if found is None:
            return problem(404, "NoSuchSubscriptionException", _("No such subscription."))
        return json_response(_subscription_out(found))

    @router.delete(
        "/queries/{name}/subscriptions/{subscription_id}", url_name="epcis_unsubscribe", response={204: None}
    )
    def unsubscribe(request: HttpRequest, name: str, subscription_id: str) -> HttpResponse:
        found = selectors.subscription(actor=request.user, query_name=name, subscription_id=subscription_id)
        if found is None:
            return problem(404, "NoSuchSubscriptionException", _("No such subscription."))
        try:
            services.subscription_cancel(actor=request.user, subscription_id=str(found.subscription_id))
        except ServiceError as exc:
            return _service_problem(exc)
        return _version_headers(HttpResponse(status=204))

    @router.get("/events/{path:event_id}", url_name="epcis_event", response={200: dict})
    def event_detail(request: HttpRequest, event_id: str) -> HttpResponse:
        require(request, "trace.view_event")
        events = selectors.events_by_id(actor=request.user, event_id=unquote(event_id))
        if not events:
            return problem(404, "NoSuchResourceException", _("No such event."))
        formats = _formats(request)
        return _document_response(
            request, rendering.query_document([rendering.render_event(e, **formats) for e in events])
        )

    @router.post("/devices/{site}/{device}/reads", url_name="epcis_device_reads", response={202: dict})
    def device_reads(request: HttpRequest, site: str, device: str) -> HttpResponse:
        """A reader, gateway or loading channel posting its reads over HTTP: the same payload as
        on MQTT topic ``openciq/v1/{site}/{device}/reads``, folded within the request and captured
        through the same service (all or nothing); posting the same payload again stores nothing
        twice. Answers the capture job."""
        try:
            job = devices.ingest_payload(
                actor=request.user, topic_or_device=f"{site}/{device}", payload=request.body
            )
        except DocumentInvalid as exc:
            return _invalid(exc)
        except ServiceError as exc:
            return _service_problem(exc)
        response = json_response(job_out(job), status=202)
        response["Location"] = reverse("api:epcis_capture_job", kwargs={"capture_id": job.capture_id})
        return response

    @router.get("/trace", url_name="epcis_trace", response={200: dict})
    def trace(request: HttpRequest, epc: str) -> HttpResponse:
        """OpenCIQ's trace: every event of an identifier and of what contained it and what it
        contained, over time (``?epc=`` an EPC URN, a Digital Link or any URI)."""
        require(request, "trace.view_event")
        result = tracing.trace(epc)
        if not result.found:
            return problem(404, "NoSuchResourceException", _("No event names this identifier."))
        formats = _formats(request)
        return json_response(
            {
                "identifier": result.identifier,
                "truncated": result.truncated,
                "nodes": [
                    {
                        "identifier": node.uri,
                        "relation": node.relation,
                        "depth": node.depth,
                        "from": rendering.iso(node.window.start) if node.depth else None,
                        "until": rendering.iso(node.window.end)
                        if node.depth and node.window.end.year < 9999
                        else None,
                    }
                    for node in result.nodes
                ],
                "events": [
                    {
                        **rendering.render_event(event, **formats),
                        "ociq:concerns": result.concerns.get(event.pk, []),
                    }
                    for event in result.events
                ],
            }
        )

    return router


def _query_problem(exc: qp.EpcisQueryError) -> HttpResponse:
    response = HttpResponse(
        json.dumps(exc.problem(), ensure_ascii=False), status=exc.status, content_type=PROBLEM_TYPE
    )
    return _version_headers(response)


def _token_key() -> bytes:
    return hashlib.sha256(b"openciq.trace.page-token:" + settings.SECRET_KEY.encode()).digest()


def _query_response(request: HttpRequest, query: qp.EventQuery, *, query_name: str) -> HttpResponse:
    """One page of a query as an EPCISQueryDocument, with ``Link`` to the next page."""
    after = (
        qp.decode_page_token(query.next_page_token, query, key=_token_key())
        if query.next_page_token
        else None
    )
    page = selectors.event_page(query, after=after)
    formats = _formats(request)
    document = rendering.query_document(
        [rendering.render_event(event, **formats) for event in page.events], query_name=query_name
    )
    response = _document_response(request, document)
    if page.next_position is not None:
        expires = timezone.now() + PAGE_TOKEN_LIFE
        token = qp.encode_page_token(query, page.next_position, key=_token_key(), expires_at=expires)
        params = request.GET.copy()
        params["nextPageToken"] = token
        params["perPage"] = str(query.per_page)
        response["Link"] = f'<{request.build_absolute_uri(request.path)}?{params.urlencode()}>; rel="next"'
        response["GS1-Next-Page-Token-Expires"] = rendering.iso(expires)
    return response


def _wants_xml(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return "xml" in accept and "json" not in accept.split("xml", 1)[0]


def _document_response(request: HttpRequest, document: dict[str, Any]) -> HttpResponse:
    """The EPCISQueryDocument as JSON-LD, or as XML when the client accepts XML first."""
    if not _wants_xml(request):
        return json_response(document)
    results = document["epcisBody"]["queryResults"]
    body = xmlcodec.write_events(
        results["resultsBody"]["eventList"],
        namespaces=xmlcodec.namespaces_of(document["@context"]),
        query_name=results["queryName"],
        subscription_id=results.get("subscriptionID"),
        bare_cbv_as="web_uri" if request.headers.get("GS1-CBV-XML-Format") == "Always_Web_URI" else "urn",
    )
    return _version_headers(HttpResponse(body, content_type="application/xml"))


def _query_out(named: NamedQuery) -> dict[str, Any]:
    return {"name": named.name, "query": named.parameters, "createdAt": rendering.iso(named.created_at)}


def _subscription_out(subscription: Subscription) -> dict[str, Any]:
    return {
        "subscriptionID": str(subscription.subscription_id),
        "queryName": subscription.query.name,
        "dest": subscription.dest,
        "stream": subscription.stream,
        "schedule": subscription.schedule or None,
        "reportIfEmpty": subscription.report_if_empty,
        "signed": bool(subscription.signature_token),
        "status": subscription.status,
        "createdAt": rendering.iso(subscription.created_at),
        "lastDeliveryAt": rendering.iso(subscription.last_delivery_at)
        if subscription.last_delivery_at
        else None,
        "lastError": subscription.last_error or None,
    }


def _formats(request: HttpRequest) -> dict[str, str]:
    epc_format = request.headers.get("GS1-EPC-Format", "No_Preference")
    cbv_format = request.headers.get("GS1-CBV-XML-Format", "No_Preference")
    return {
        "epc_format": epc_format if epc_format in rendering.EPC_FORMATS else "No_Preference",
        "cbv_format": cbv_format if cbv_format in rendering.CBV_FORMATS else "No_Preference",
    }


def _event_url(public_id: str) -> str:
    return reverse("api:epcis_event", kwargs={"event_id": quote(public_id, safe="")})


def build_supervision() -> Router:
    """/api/v1/trace/: the inspector's worklist of supervision alerts, and the places events
    happen at."""
    from ninja import Query

    from openciq.core.api import ERRORS, paginate
    from openciq.trace.choices import LocationKind
    from openciq.trace.schemas import AlertOut, AlertPage, AlertResolveIn, LocationIn, LocationOut

    router = Router(tags=["trace"])

    @router.get("/alerts", response={200: AlertPage, **ERRORS}, url_name="trace_alerts")
    def alert_list(
        request: HttpRequest,
        status: str | None = None,
        kind: str | None = None,
        declaration: str | None = None,
        limit: int = Query(50, ge=1, le=500),
        offset: int = Query(0, ge=0, le=100_000),
    ) -> Any:
        """Supervision alerts, newest first (open ones with ``status=open``)."""
        require(request, "trace.view_supervisionalert")
        found = selectors.alert_list(actor=request.user, status=status, kind=kind, declaration=declaration)
        return paginate(request, found, limit, offset, None)

    @router.get("/alerts/{alert_id}", response={200: AlertOut, **ERRORS}, url_name="trace_alert")
    def alert_detail(request: HttpRequest, alert_id: int) -> Any:
        require(request, "trace.view_supervisionalert")
        found = selectors.alert(actor=request.user, pk=alert_id)
        if found is None:
            raise NotFoundError(_("Not found."))
        return found

    @router.post(
        "/alerts/{alert_id}/acknowledge", response={200: AlertOut, **ERRORS}, url_name="trace_alert_ack"
    )
    def alert_acknowledge(request: HttpRequest, alert_id: int) -> Any:
        """Take the alert: it stays open, marked as handled by you."""
        return services.alert_acknowledge(actor=request.user, alert_id=alert_id)

    @router.post(
        "/alerts/{alert_id}/resolve", response={200: AlertOut, **ERRORS}, url_name="trace_alert_resolve"
    )
    def alert_resolve(request: HttpRequest, alert_id: int, payload: AlertResolveIn) -> Any:
        """Close the alert with what was found and done; its hold is lifted."""
        return services.alert_resolve(actor=request.user, alert_id=alert_id, resolution=payload.resolution)

    @router.get("/locations", response={200: list[LocationOut], **ERRORS}, url_name="trace_locations")
    def location_list(request: HttpRequest, kind: str | None = None) -> Any:
        require(request, "trace.view_location")
        return list(selectors.locations(actor=request.user, kind=kind)[:5000])

    @router.put("/locations", response={200: LocationOut, **ERRORS}, url_name="trace_location_save")
    def location_save(request: HttpRequest, payload: LocationIn) -> Any:
        """Create or update a place by its identifier and put it in the hierarchy."""
        if payload.kind not in LocationKind.values:
            raise ValidationFailed(
                _("The location was not saved."), fields={"kind": [_("Unknown kind of place.")]}
            )
        return services.location_save(
            actor=request.user,
            uri=payload.uri,
            name=payload.name,
            kind=payload.kind,
            parent_uri=payload.parent_uri,
            latitude=payload.latitude,
            longitude=payload.longitude,
        )

    return router
