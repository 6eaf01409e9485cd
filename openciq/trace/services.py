"""Writes of the EPCIS repository: capture of documents, single events and device reads.

Every capture goes through the same path whatever carried it (the REST API, a reader posting over
HTTP, the MQTT ingest, the supervision services): parse, the schema layer, the CBV and business
rules, canonical form and event hash, de-duplication, one set-based write, one capture job and one
audit record. ``rollback`` (the standard's default) stores nothing when any event is wrong;
``proceed`` stores the events that are right and reports the others.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openciq.accounts.services import is_system_actor
from openciq.core import audit
from openciq.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ServiceError,
    TransitionNotAllowed,
    ValidationFailed,
)
from openciq.trace import capture, validation, xmlcodec
from openciq.trace import query_params as qp
from openciq.trace.choices import (
    AlertSeverity,
    AlertStatus,
    CaptureSource,
    CaptureStatus,
    ErrorBehaviour,
    LocationKind,
    SubscriptionStatus,
)
from openciq.trace.models import CaptureJob, Event, Location, NamedQuery, Subscription, SupervisionAlert
from openciq.trace.problems import DocumentInvalid, Issue, errors, warnings

JSON_TYPES = ("application/json", "application/ld+json")
XML_TYPES = ("application/xml", "text/xml")
_EVENT_PATH = re.compile(r"^(/epcisBody/(?:eventList|queryResults/resultsBody/eventList)/(\d+))(?:/|$)")
_MAX_REPORTED = 200  # issues kept on a capture job; the count says how many there were


def capture_limit() -> int:
    """Events per capture document (advertised as ``GS1-EPCIS-Capture-Limit``)."""
    return int(getattr(settings, "EPCIS_CAPTURE_LIMIT", 10_000))


def capture_size_limit() -> int:
    """Bytes per capture document (advertised as ``GS1-EPCIS-Capture-File-Size-Limit``)."""
    return int(getattr(settings, "EPCIS_CAPTURE_SIZE_LIMIT", 20 * 1024 * 1024))


class CaptureTooLarge(ServiceError):
    code = "capture_too_large"
    status = 413


class UnsupportedMediaType(ServiceError):
    code = "unsupported_media_type"
    status = 415


class DuplicateEvent(ConflictError):
    """``POST /events`` with an event already stored: the standard's 409."""

    code = "duplicate_event"

    def __init__(self, event: Event) -> None:
        super().__init__(_("This event is already in the repository: %(id)s") % {"id": event.public_id})
        self.event = event


def _require_capture(actor: Any, source: str) -> None:
    if is_system_actor(actor) and source in (
        CaptureSource.MQTT,
        CaptureSource.SEED,
        CaptureSource.SUPERVISION,
    ):
        return
    if not actor.has_perm("trace.add_event"):
        raise PermissionDeniedError(_("You may not capture EPCIS events."))


def media_kind(media_type: str) -> str:
    """``json`` or ``xml`` from a Content-Type header (parameters ignored)."""
    base = (media_type or "application/json").split(";", 1)[0].strip().lower()
    if base in JSON_TYPES or base.endswith("+json"):
        return "json"
    if base in XML_TYPES or base.endswith("+xml"):
        return "xml"
    raise UnsupportedMediaType(
        _(
            "EPCIS documents are accepted as application/json, application/ld+json or application/xml, not %(type)s."
        )
        % {"type": base}
    )


def _read_json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DocumentInvalid(
            [Issue("", _("The body is not JSON: %(error)s") % {"error": exc}, "json")]
        ) from None


def _event_list(doc: Mapping[str, Any]) -> tuple[str, list[Any]]:
    body = doc.get("epcisBody") or {}
    if "eventList" in body:
        return "/epcisBody/eventList", list(body.get("eventList") or [])
    results = (body.get("queryResults") or {}).get("resultsBody") or {}
    return "/epcisBody/queryResults/resultsBody/eventList", list(results.get("eventList") or [])


@dataclass
class Parsed:
    events: list[Any]
    base: str
    namespaces: dict[str, str]
    issues: list[Issue]


def parse_document(data: bytes, media_type: str) -> Parsed:
    """Both validation layers over a whole document; issues carry paths into it as sent."""
    if media_kind(media_type) == "xml":
        doc, issues = xmlcodec.read_document(data)
        if errors(issues) and not doc:
            return Parsed([], "", {}, issues)
        namespaces = validation.context_namespaces(doc)
        base, events = _event_list(doc)
        for index, event in enumerate(events):
            if isinstance(event, dict):
                issues += validation.check_rules(event, path=f"{base}/{index}", namespaces=namespaces)
        return Parsed(events, base, namespaces, issues)
    doc = _read_json(data)
    issues = validation.validate_document(doc)
    if not isinstance(doc, dict):
        return Parsed([], "", {}, issues)
    base, events = _event_list(doc)
    return Parsed(events, base, validation.context_namespaces(doc), issues)


def _event_index(issue: Issue) -> int | None:
    match = _EVENT_PATH.match(issue.path)
    return int(match.group(2)) if match else None


def _store(
    actor: Any, job: CaptureJob, prepared: Sequence[capture.Prepared], found: list[Issue], *, partial: bool
) -> None:
    """Write the prepared events of ``job`` (in the caller's transaction), count them and the
    duplicates (each reported as a warning), finish the job and record it."""
    result = capture.store(prepared, capture_job_id=job.pk)
    found.extend(capture.duplicate_issue(item) for item in result.duplicates)
    job.stored_count = len(result.stored)
    job.duplicate_count = len(result.duplicates)
    _finish(job, CaptureStatus.PARTIAL if partial else CaptureStatus.SUCCEEDED, found)
    audit.record(actor=actor, action="trace.capture", obj=job, changes=_summary(job))


def _finish(job: CaptureJob, status: str, found: Sequence[Issue]) -> CaptureJob:
    job.status = status
    job.errors = [issue.as_dict() for issue in errors(found)[:_MAX_REPORTED]]
    job.warnings = [issue.as_dict() for issue in warnings(found)[:_MAX_REPORTED]]
    job.finished_at = timezone.now()
    job.save()
    return job


def capture_document(
    *,
    actor: Any,
    data: bytes,
    media_type: str,
    error_behaviour: str = ErrorBehaviour.ROLLBACK,
    source: str = CaptureSource.API,
) -> CaptureJob:
    """Capture an EPCISDocument (or EPCISQueryDocument), JSON/JSON-LD or XML. Returns the capture
    job, finished: ``succeeded`` (everything stored or already there), ``failed`` (nothing stored)
    or ``partial`` (``proceed``: the valid events stored, the others reported).

    One transaction and one audit record (``trace.capture`` or ``trace.capture_failed``), as
    every service has; but the document is parsed, checked and put in canonical form before the
    transaction opens. That work reads nothing from the database and is most of a capture's
    time: outside the transaction it does not hold SQLite's write lock, so captures sent at the
    same time overlap on the processors and queue only for their writes."""
    _require_capture(actor, source)
    if len(data) > capture_size_limit():
        raise CaptureTooLarge(
            _("The document is %(size)d bytes; the limit is %(limit)d.")
            % {"size": len(data), "limit": capture_size_limit()}
        )
    try:
        parsed = parse_document(data, media_type)
    except DocumentInvalid as exc:
        parsed = Parsed([], "", {}, exc.issues)
    if len(parsed.events) > capture_limit():
        raise CaptureTooLarge(
            _("The document holds %(count)d events; the limit is %(limit)d.")
            % {"count": len(parsed.events), "limit": capture_limit()}
        )
    found = list(parsed.issues)
    bad = {_event_index(issue) for issue in errors(found)}
    refused = bool(errors(found)) and (error_behaviour == ErrorBehaviour.ROLLBACK or None in bad)
    prepared = []
    for index, event in enumerate(() if refused else parsed.events):
        if index in bad:
            continue
        path = f"{parsed.base}/{index}"
        try:
            prepared.append(capture.prepare(event, namespaces=parsed.namespaces, index=index, path=path))
        except (KeyError, TypeError, ValueError) as exc:
            found.append(Issue(path, _("This event cannot be stored: %(error)s") % {"error": exc}, "prepare"))
            bad.add(index)
    refused = refused or bool(bad and error_behaviour == ErrorBehaviour.ROLLBACK)
    with audit.scope(), transaction.atomic():
        job = CaptureJob.objects.create(
            actor=actor,
            source=source,
            error_behaviour=error_behaviour,
            media_type=media_type[:60],
            size=len(data),
            event_count=len(parsed.events),
        )
        if refused:
            _finish(job, CaptureStatus.FAILED, found)
            audit.record(actor=actor, action="trace.capture_failed", obj=job, changes=_summary(job))
            return job
        _store(actor, job, prepared, found, partial=bool(bad))
    return job


def _summary(job: CaptureJob) -> dict[str, Any]:
    return {
        "source": job.source,
        "status": job.status,
        "events": job.event_count,
        "stored": job.stored_count,
        "duplicates": job.duplicate_count,
        "errors": len(job.errors),
    }


@audit.audited
def capture_event(*, actor: Any, data: bytes, media_type: str, source: str = CaptureSource.API) -> Event:
    """Capture one event (``POST /events``). Raises ``DocumentInvalid`` for a wrong event and
    ``DuplicateEvent`` (409) for one already stored."""
    _require_capture(actor, source)
    if media_kind(media_type) == "xml":
        event, issues = xmlcodec.read_event(data)
        namespaces = validation.context_namespaces(event) if isinstance(event, dict) else {}
        if isinstance(event, dict) and not errors(issues):
            issues += validation.check_rules(event, path="", namespaces=namespaces)
    else:
        event = _read_json(data)
        issues = validation.validate_event(event)
        namespaces = validation.context_namespaces(event) if isinstance(event, dict) else {}
    if errors(issues):
        raise DocumentInvalid(errors(issues))
    return _capture_one(
        actor=actor, event=event, namespaces=namespaces, source=source, media_type=media_type, size=len(data)
    )


def _capture_one(
    *,
    actor: Any,
    event: Mapping[str, Any],
    namespaces: Mapping[str, str],
    source: str,
    media_type: str,
    size: int,
) -> Event:
    try:
        prepared = capture.prepare(event, namespaces=namespaces, index=0, path="")
    except (KeyError, TypeError, ValueError) as exc:
        raise DocumentInvalid([Issue("", str(exc), "prepare")]) from None
    job = CaptureJob.objects.create(
        actor=actor, source=source, media_type=media_type[:60], size=size, event_count=1
    )
    result = capture.store([prepared], capture_job_id=job.pk)
    if result.duplicates:
        raise DuplicateEvent(_stored_duplicate(result.duplicates[0]))
    job.stored_count = 1
    _finish(job, CaptureStatus.SUCCEEDED, [])
    audit.record(actor=actor, action="trace.capture", obj=job, changes=_summary(job))
    return result.stored[0]


def _stored_duplicate(item: capture.Prepared) -> Event:
    found = Event.objects.filter(hash=item.hash, is_error_declaration=item.is_error_declaration).first()
    if found is None and item.event_id:
        found = Event.objects.filter(
            event_id=item.event_id, is_error_declaration=item.is_error_declaration
        ).first()
    assert found is not None
    return found


def capture_events(
    *,
    actor: Any,
    events: Sequence[Mapping[str, Any]],
    namespaces: Mapping[str, str] | None = None,
    error_behaviour: str = ErrorBehaviour.PROCEED,
    source: str,
) -> CaptureJob:
    """Capture events built in code (device reads, supervision steps) as one capture job: the
    same validation and storage as a document sent over the API; duplicates (a device re-sending
    what was stored) are skipped and counted, so a retry is harmless. Like
    :func:`capture_document`, the events are checked and prepared before the transaction opens;
    the job, the write and the audit record are one transaction."""
    _require_capture(actor, source)
    namespaces = dict(namespaces or {})
    found: list[Issue] = []
    prepared = []
    for index, event in enumerate(events):
        path = f"/epcisBody/eventList/{index}"
        issues = validation.validate_event(event, base_path=path, namespaces=namespaces)
        if not errors(issues):
            try:
                prepared.append(capture.prepare(event, namespaces=namespaces, index=index, path=path))
            except (KeyError, TypeError, ValueError) as exc:
                issues.append(Issue(path, str(exc), "prepare"))
        found.extend(issues)
    with audit.scope(), transaction.atomic():
        job = CaptureJob.objects.create(
            actor=actor, source=source, error_behaviour=error_behaviour, event_count=len(events)
        )
        if errors(found) and error_behaviour == ErrorBehaviour.ROLLBACK:
            _finish(job, CaptureStatus.FAILED, found)
            audit.record(actor=actor, action="trace.capture_failed", obj=job, changes=_summary(job))
            return job
        _store(actor, job, prepared, found, partial=bool(errors(found)))
    return job


# --- The inspector's worklist -----------------------------------------------------------------


@audit.audited
def alert_raise(
    *,
    actor: Any,
    key: str,
    kind: str,
    title: str,
    subject: str,
    severity: str = AlertSeverity.HIGH,
    declaration_number: str = "",
    blocking: bool = True,
    details: Mapping[str, Any] | None = None,
    event: Event | None = None,
    org_unit_id: int | None = None,
) -> SupervisionAlert:
    """Put something on the inspector's worklist, once: raising again with the same ``key``
    returns the alert already there (and re-opens nothing that was resolved). The supervision
    services call this with the system actor."""
    existing: SupervisionAlert | None = SupervisionAlert.objects.select_for_update().filter(key=key).first()
    if existing is not None:
        return existing
    alert = SupervisionAlert(
        key=key,
        kind=kind,
        severity=severity,
        title=title[:300],
        subject=subject,
        declaration_number=declaration_number,
        blocking=blocking,
        details=dict(details or {}),
        event=event,
        org_unit_id=org_unit_id,
        raised_at=timezone.now(),
        status=AlertStatus.OPEN,
    )
    alert.save()
    audit.record(
        actor=actor, action="trace.alert_raised", obj=alert, changes={"kind": kind, "subject": subject}
    )
    return alert


def _lock_alert(actor: Any, alert_id: int) -> SupervisionAlert:
    if not actor.has_perm("trace.handle_supervisionalert"):
        raise PermissionDeniedError(_("You may not handle supervision alerts."))
    alert: SupervisionAlert | None = (
        SupervisionAlert.objects.in_scope(actor).select_for_update(of=("self",)).filter(pk=alert_id).first()
    )
    if alert is None:
        raise NotFoundError(_("Not found."))
    return alert


def _alert_move(actor: Any, alert: SupervisionAlert, verb: str, **changes: Any) -> SupervisionAlert:
    allowed, to = SupervisionAlert.transitions[verb]
    if alert.status not in allowed:
        raise TransitionNotAllowed(
            _("This alert is already %(status)s.") % {"status": AlertStatus(alert.status).label}
        )
    before = audit.snapshot(alert)
    alert.status = to
    for name, value in changes.items():
        setattr(alert, name, value)
    alert.save()
    audit.record_change(actor=actor, action=f"trace.alert_{to}", obj=alert, before=before)
    return alert


@audit.audited
def alert_acknowledge(*, actor: Any, alert_id: int) -> SupervisionAlert:
    """An inspector takes the alert: it stays on the worklist, marked as being handled by them."""
    alert = _lock_alert(actor, alert_id)
    return _alert_move(actor, alert, "acknowledge", handled_by=actor)


@audit.audited
def alert_resolve(*, actor: Any, alert_id: int, resolution: str) -> SupervisionAlert:
    """Close the alert with what was found and done (required): the hold it put on what it
    concerns is lifted; the release itself is the declaration's own step."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationFailed(
            _("The alert was not resolved."), fields={"resolution": [_("Say what was found and done.")]}
        )
    alert = _lock_alert(actor, alert_id)
    return _alert_move(
        actor, alert, "resolve", handled_by=actor, resolution=resolution, resolved_at=timezone.now()
    )


def open_blocking_alerts(
    *, subject: str | None = None, declaration_number: str | None = None
) -> list[SupervisionAlert]:
    """Alerts still holding a subject or a declaration."""
    alerts = SupervisionAlert.objects.filter(blocking=True).exclude(status=AlertStatus.RESOLVED)
    if subject is not None:
        alerts = alerts.filter(subject=subject)
    if declaration_number is not None:
        alerts = alerts.filter(declaration_number=declaration_number)
    return list(alerts.order_by("raised_at", "id"))


# --- Locations --------------------------------------------------------------------------------


@audit.audited
def location_save(
    *,
    actor: Any,
    uri: str,
    name: str = "",
    kind: str = LocationKind.OTHER,
    parent_uri: str | None = None,
    latitude: Decimal | float | None = None,
    longitude: Decimal | float | None = None,
) -> Location:
    """Create or update a place by its identifier (EPC URN, Digital Link or URI), placing it in
    the hierarchy under ``parent_uri``. A location first seen in an event already exists (unnamed,
    at the top); this names and places it. The path of everything inside it moves with it."""
    if not (is_system_actor(actor) or actor.has_perm("trace.change_location")):
        raise PermissionDeniedError(_("You may not edit locations."))
    canonical = capture.canonical_identifier(uri)
    parent = None
    if parent_uri:
        parent = Location.objects.filter(uri=capture.canonical_identifier(parent_uri)).first()
        if parent is None:
            raise ValidationFailed(
                _("The location was not saved."), fields={"parent_uri": [_("No such location.")]}
            )
    location = Location.objects.select_for_update().filter(uri=canonical).first()
    before = audit.snapshot(location) if location is not None else None
    if location is None:
        location = Location(uri=canonical)
    if parent is not None and location.pk and parent.path.startswith(location.path):
        raise ValidationFailed(
            _("The location was not saved."), fields={"parent_uri": [_("A place cannot be inside itself.")]}
        )
    old_path = location.path
    location.name, location.kind, location.parent = name or location.name, kind, parent
    location.latitude = Decimal(str(latitude)) if latitude is not None else location.latitude
    location.longitude = Decimal(str(longitude)) if longitude is not None else location.longitude
    location.save()
    location.path = f"{parent.path if parent else '/'}{location.pk}/"
    location.save(update_fields=["path"])
    if old_path and old_path != location.path:
        for inner in Location.objects.filter(path__startswith=old_path).exclude(pk=location.pk):
            inner.path = location.path + inner.path[len(old_path) :]
            inner.save(update_fields=["path"])
    if before is None:
        audit.record(actor=actor, action="trace.location_created", obj=location, changes={"uri": canonical})
    else:
        audit.record_change(actor=actor, action="trace.location_changed", obj=location, before=before)
    return location


# --- Named queries and subscriptions ------------------------------------------------------------


@audit.audited
def query_create(*, actor: Any, name: str, query: Mapping[str, Any]) -> NamedQuery:
    """Save a SimpleEventQuery under a name (``POST /queries``); the parameters are checked now,
    so a subscription never runs a query that cannot be parsed. Raises the standard's query
    exceptions for bad parameters."""
    if not actor.has_perm("trace.add_namedquery"):
        raise PermissionDeniedError(_("You may not save queries."))
    name = (name or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,100}", name):
        raise qp.ValidationException(
            "A query name is 1 to 100 letters, digits, '_', '.' or '-'.", parameter="name"
        )
    parsed = qp.parse_query_document({"query": dict(query)})
    if NamedQuery.objects.filter(name=name).exists():
        raise ConflictError(_("A query named %(name)s exists already.") % {"name": name})
    named = NamedQuery.objects.create(name=name, owner=actor, parameters=parsed.to_parameters())
    audit.record(
        actor=actor, action="trace.query_created", obj=named, changes={"parameters": named.parameters}
    )
    return named


@audit.audited
def query_delete(*, actor: Any, name: str) -> None:
    """Delete a named query and its subscriptions (its owner or whoever may delete queries)."""
    named = NamedQuery.objects.select_for_update().filter(name=name).first()
    if named is None:
        raise NotFoundError(_("No such query."))
    if named.owner_id != actor.pk and not actor.has_perm("trace.delete_namedquery"):
        raise PermissionDeniedError(_("You may not delete this query."))
    audit.record(actor=actor, action="trace.query_deleted", obj=named, changes={"name": name})
    named.delete()


@audit.audited
def subscription_create(
    *,
    actor: Any,
    query_name: str,
    dest: str,
    signature_token: str = "",
    stream: bool = False,
    schedule: Mapping[str, Any] | None = None,
    report_if_empty: bool = False,
    initial_record_time: dt.datetime | None = None,
) -> Subscription:
    """Subscribe a webhook to a named query: ``stream`` (each newly captured matching event, soon
    after capture) or a cron-like ``schedule``. Events recorded from ``initial_record_time`` on are
    delivered (default: only those captured from now on)."""
    if not actor.has_perm("trace.add_subscription"):
        raise PermissionDeniedError(_("You may not subscribe to queries."))
    named = NamedQuery.objects.filter(name=query_name).first()
    if named is None:
        raise qp.NoSuchNameException(f"No query named {query_name!r}.", parameter="name")
    if not re.match(r"^https?://", dest or ""):
        raise qp.SubscriptionControlsException("dest", "dest must be an http(s) URL.")
    if bool(stream) == bool(schedule):
        raise qp.SubscriptionControlsException(
            "schedule", "Give either stream=true or a schedule, not both and not neither."
        )
    parsed_schedule = qp.parse_schedule(schedule) if schedule else None
    now = timezone.now()
    if initial_record_time is not None:
        high_water = (
            Event.objects.filter(record_time__lt=initial_record_time)
            .order_by("-id")
            .values_list("id", flat=True)
            .first()
        )
    else:
        high_water = Event.objects.order_by("-id").values_list("id", flat=True).first()
    subscription = Subscription.objects.create(
        query=named,
        owner=actor,
        dest=dest,
        signature_token=signature_token,
        stream=bool(stream),
        schedule=dict(schedule or {}),
        report_if_empty=report_if_empty,
        delivered_through=high_water or 0,
        next_run_at=now if stream else parsed_schedule.next_after(now) if parsed_schedule else None,
    )
    audit.record(
        actor=actor,
        action="trace.subscription_created",
        obj=subscription,
        changes={
            "query": named.name,
            "dest": dest,
            "stream": bool(stream),
            "schedule": subscription.schedule,
        },
    )
    return subscription


@audit.audited
def subscription_cancel(*, actor: Any, subscription_id: str) -> Subscription:
    subscription: Subscription | None = (
        Subscription.objects.select_for_update(of=("self",)).filter(subscription_id=subscription_id).first()
    )
    if subscription is None:
        raise NotFoundError(_("No such subscription."))
    if subscription.owner_id != actor.pk and not actor.has_perm("trace.delete_subscription"):
        raise PermissionDeniedError(_("You may not cancel this subscription."))
    before = audit.snapshot(subscription)
    subscription.status = SubscriptionStatus.CANCELLED
    subscription.next_run_at = None
    subscription.save()
    audit.record_change(actor=actor, action="trace.subscription_cancelled", obj=subscription, before=before)
    return subscription
