"""The EPCIS 2.0 event repository.

An event is stored once, as the JSON-binding document it arrived as (``document``), beside the
columns the standard's queries and OpenCIQ's trace need: type, action, times, business step,
disposition, read point and business location. Identifiers are interned: every EPC (instance or
class) and every location is one row, and an event points at them by number, so thirty million
events of a few identifiers each stay small and an identifier's history is one index range.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from openciq.accounts.models import org_scope_q
from openciq.core.models import OpenciqModel, WorkflowModel
from openciq.trace.choices import (
    Action,
    AlertKind,
    AlertSeverity,
    AlertStatus,
    CaptureSource,
    CaptureStatus,
    EpcRole,
    ErrorBehaviour,
    EventType,
    LocationKind,
    ReferenceKind,
    SubscriptionStatus,
)


class Location(OpenciqModel):
    """A place events happen at: a read point (a reader, a gate lane, a loading channel) or a
    business location (a farm, a packing house, a port). Locations form a hierarchy (farm → plot,
    port → gate → lane) so that ``WD_readPoint``/``WD_bizLocation`` find a place and everything
    inside it; a location first seen in an event is created without a parent and can be placed
    later."""

    uri = models.CharField(_("identifier"), max_length=255, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=LocationKind.choices, default=LocationKind.OTHER
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("inside"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # "/<root id>/.../<own id>/": the location and its descendants share this prefix.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["path", "id"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return self.name or self.uri


class Epc(models.Model):
    """An identifier events speak about: one thing (a crate, a pig's ear tag, a truck, a seal, a
    container: an EPC instance) or a class of things (a harvest lot: an EPC class). ``uri`` is
    the canonical form (GS1 Digital Link on id.gs1.org for GS1 keys, the URI as sent otherwise)."""

    id = models.BigAutoField(primary_key=True)
    uri = models.CharField(_("identifier"), max_length=255, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("identifier")
        verbose_name_plural = _("identifiers")

    def __str__(self) -> str:
        return self.uri


class CaptureJob(OpenciqModel):
    """One capture: an EPCIS document (or one event, or one device message) received, checked and
    stored. The standard's capture-job resource (``GET /capture/{id}``)."""

    capture_id = models.UUIDField(_("capture id"), default=uuid.uuid4, unique=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=20, choices=CaptureSource.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=CaptureStatus.choices, default=CaptureStatus.RUNNING
    )
    error_behaviour = models.CharField(
        _("on error"), max_length=10, choices=ErrorBehaviour.choices, default=ErrorBehaviour.ROLLBACK
    )
    media_type = models.CharField(_("media type"), max_length=60, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    event_count = models.PositiveIntegerField(_("events sent"), default=0)
    stored_count = models.PositiveIntegerField(_("events stored"), default=0)
    duplicate_count = models.PositiveIntegerField(_("duplicates"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("capture job")
        verbose_name_plural = _("capture jobs")

    def __str__(self) -> str:
        return str(self.capture_id)

    @property
    def running(self) -> bool:
        return self.status == CaptureStatus.RUNNING

    @property
    def success(self) -> bool:
        return self.status == CaptureStatus.SUCCEEDED


class Event(models.Model):
    """One EPCIS event as captured. Never changed once stored: a mistake is corrected by an error
    declaration (the same event again with ``errorDeclaration``) and corrective events, as the
    standard has it. ``hash`` is the CBV 2.0 event hash (SHA-256 of the canonical pre-hash
    string), unique among events and among error declarations: the same event sent twice, as JSON
    or XML, with URNs or Digital Links, is one event. ``event_id`` is kept only when the sender
    gave one; otherwise the event's ID is its hash (``ni:///sha-256;…?ver=CBV2.0``)."""

    id = models.BigAutoField(primary_key=True)
    hash = models.BinaryField(max_length=32)
    event_id = models.CharField(_("event ID"), max_length=255, null=True, blank=True)
    is_error_declaration = models.BooleanField(_("error declaration"), default=False)
    type = models.PositiveSmallIntegerField(_("event type"), choices=EventType.choices)
    action = models.PositiveSmallIntegerField(_("action"), choices=Action.choices, null=True, blank=True)
    event_time = models.DateTimeField(_("event time"))
    time_zone_offset = models.CharField(_("time zone offset"), max_length=6)
    record_time = models.DateTimeField(_("record time"))
    biz_step = models.CharField(_("business step"), max_length=255, blank=True)
    disposition = models.CharField(_("disposition"), max_length=255, blank=True)
    read_point = models.ForeignKey(
        Location,
        verbose_name=_("read point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # led by the (read_point, event_time) index below
    )
    biz_location = models.ForeignKey(
        Location,
        verbose_name=_("business location"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # led by the (biz_location, event_time) index below
    )
    capture_job = models.ForeignKey(
        CaptureJob,
        verbose_name=_("capture job"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The event in the JSON binding, as sent (keys in their canonical order), compact.
    document = models.TextField(_("document"))

    class Meta:
        ordering = ["event_time", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.UniqueConstraint(fields=["hash", "is_error_declaration"], name="trace_event_unique_hash"),
            models.UniqueConstraint(
                fields=["event_id", "is_error_declaration"],
                condition=Q(event_id__isnull=False),
                name="trace_event_unique_event_id",
            ),
        ]
        indexes = [
            models.Index(fields=["event_time", "id"], name="trace_event_time"),
            models.Index(fields=["record_time", "id"], name="trace_event_record_time"),
            models.Index(fields=["biz_step", "event_time"], name="trace_event_biz_step"),
            models.Index(fields=["disposition", "event_time"], name="trace_event_disposition"),
            models.Index(fields=["read_point", "event_time"], name="trace_event_read_point"),
            models.Index(fields=["biz_location", "event_time"], name="trace_event_biz_location"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.event_time:%Y-%m-%d %H:%M:%S}"

    @property
    def hash_uri(self) -> str:
        return f"ni:///sha-256;{bytes(self.hash).hex()}?ver=CBV2.0"

    @property
    def public_id(self) -> str:
        """The event's ID as the standard shows it: the sender's, or the hash URI."""
        return self.event_id or self.hash_uri


class EventEpc(models.Model):
    """That an identifier takes part in an event, and in which list: the index behind
    ``MATCH_epc`` and friends and behind every trace."""

    pk = models.CompositePrimaryKey("epc", "event", "role")
    epc = models.ForeignKey(Epc, on_delete=models.PROTECT, related_name="+", db_index=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="epcs", db_index=False)
    role = models.PositiveSmallIntegerField(choices=EpcRole.choices)

    class Meta:
        ordering = ["epc", "event", "role"]
        indexes = [models.Index(fields=["event"], name="trace_eventepc_event")]

    def __str__(self) -> str:
        return f"{self.epc_id} {self.get_role_display()} of {self.event_id}"


class EventReference(models.Model):
    """A business transaction, source or destination of an event (a health certificate, a bill of
    lading, the owning party, the destination location): the index behind
    ``EQ_bizTransaction_{type}``, ``EQ_source_{type}`` and ``EQ_destination_{type}``."""

    id = models.BigAutoField(primary_key=True)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="references", db_index=False)
    kind = models.PositiveSmallIntegerField(choices=ReferenceKind.choices)
    type = models.CharField(max_length=255, blank=True)
    value = models.CharField(max_length=255)

    class Meta:
        ordering = ["event", "id"]
        indexes = [
            models.Index(fields=["kind", "value"], name="trace_eventref_value"),
            models.Index(fields=["event"], name="trace_eventref_event"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.type} {self.value}"


class NamedQuery(OpenciqModel):
    """A SimpleEventQuery saved under a name (``POST /queries``), to be run again or subscribed to."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    # The query's parameters as sent, each a list of strings (the REST binding's shape).
    parameters = models.JSONField(_("parameters"), default=dict)

    class Meta:
        ordering = ["name"]
        verbose_name = _("named query")
        verbose_name_plural = _("named queries")

    def __str__(self) -> str:
        return self.name


class Subscription(OpenciqModel):
    """A webhook subscription to a named query: matching events are posted to ``dest`` as
    EPCISQueryDocuments, either as they are captured (``stream``) or on a ``schedule``. Each
    callback is signed with HMAC-SHA256 over the body (header ``GS1-Signature``) when a signature
    token is set, retried with back-off, and delivered once: ``delivered_through`` is the last
    event (by repository order) a subscriber acknowledged with a 2xx, and moves only then."""

    subscription_id = models.UUIDField(_("subscription id"), default=uuid.uuid4, unique=True, editable=False)
    query = models.ForeignKey(
        NamedQuery, verbose_name=_("query"), on_delete=models.CASCADE, related_name="subscriptions"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    dest = models.URLField(_("destination"), max_length=500)
    signature_token = models.CharField(_("signature token"), max_length=200, blank=True)
    stream = models.BooleanField(_("stream"), default=False)
    schedule = models.JSONField(_("schedule"), default=dict, blank=True)
    report_if_empty = models.BooleanField(_("report if empty"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    delivered_through = models.BigIntegerField(_("delivered through event"), default=0)
    next_run_at = models.DateTimeField(_("next delivery"), null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_delivery_at = models.DateTimeField(_("last delivery"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        ordering = ["query__name", "id"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self) -> str:
        return f"{self.query} → {self.dest}"


class Delivery(models.Model):
    """One callback attempt of a subscription: what was sent and what came back."""

    id = models.BigAutoField(primary_key=True)
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    attempted_at = models.DateTimeField(_("attempted at"))
    first_event = models.BigIntegerField(default=0)
    last_event = models.BigIntegerField(default=0)
    event_count = models.PositiveIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.subscription_id} @ {self.attempted_at:%Y-%m-%d %H:%M:%S}"

    @property
    def ok(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300


class SupervisionAlert(WorkflowModel):
    """Something the traceability system found that an inspector must look at: a truck held at
    the border gate because its reads differ from its declaration, a seal opened where no step
    allowed it, a loading batch with missing or extra ear tags, a pig inside a withdrawal period, a
    gap in a pig's lifetime record. Raised by the supervision services (once per ``key``), worked
    from the inspector's worklist, resolved with a written resolution; while it is open and
    ``blocking``, what it concerns is not released."""

    status = models.CharField(
        _("status"), max_length=32, choices=AlertStatus.choices, editable=False, db_index=True
    )
    key = models.CharField(_("key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=AlertSeverity.choices)
    title = models.CharField(_("title"), max_length=300)
    subject = models.CharField(_("concerns"), max_length=255, db_index=True)
    declaration_number = models.CharField(_("declaration"), max_length=40, blank=True, db_index=True)
    blocking = models.BooleanField(_("holds release"), default=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    event = models.ForeignKey(
        Event,
        verbose_name=_("raised by event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_at = models.DateTimeField(_("raised at"), db_index=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)

    transitions: ClassVar[dict[str, tuple[frozenset[str], str]]] = {
        "acknowledge": (frozenset({AlertStatus.OPEN}), AlertStatus.ACKNOWLEDGED),
        "resolve": (frozenset({AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED}), AlertStatus.RESOLVED),
    }

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("supervision alert")
        verbose_name_plural = _("supervision alerts")
        permissions = [("handle_supervisionalert", "Can acknowledge and resolve supervision alerts")]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return org_scope_q(actor, "org_unit__path") | Q(org_unit__isnull=True)
