"""FilterSets of the EPCIS repository's pages: events, capture jobs and locations.

Every event filter is one the event table has an index for (type and action ride along on the
time index), so a filtered page of thirty million events is still an index range: an identifier
goes through the identifier index (``EventEpc``) to its events, a read point through
``(read_point, event_time)``, a business step through ``(biz_step, event_time)``.

Identifiers are looked up exactly, after the capture's own canonical form (a GS1 key as EPC URN
or Digital Link finds the same events). A bare number an inspector reads off a tag or a door is
tried in the forms OpenCIQ gives such things (:mod:`openciq.trace.identifiers`): a 15-digit ear
tag, an ISO 6346 container number, an e-seal, a licence plate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from openciq.core.filtersets import OpenciqFilterSet
from openciq.trace import identifiers
from openciq.trace.animal_ids import InvalidIdentifier
from openciq.trace.capture import canonical_identifier
from openciq.trace.choices import Action, CaptureSource, CaptureStatus, EventType, LocationKind
from openciq.trace.models import CaptureJob, Epc, Event, EventEpc, Location
from openciq.trace.tables import vocabulary_choices

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local", "step": 1}, format="%Y-%m-%dT%H:%M:%S")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_MAX_LOCATIONS = 200  # read points a name may stand for (one IN list, well inside every limit)


def identifier_candidates(text: str) -> list[str]:
    """The stored forms ``text`` may stand for, most likely first: a URI or URN as written
    (canonicalised), otherwise the bureau's URI of an ear tag, container, seal or vehicle."""
    value = text.strip()
    if not value:
        return []
    if _URI.match(value):
        return [canonical_identifier(value)]
    found = [value]
    for make in (identifiers.animal, identifiers.container, identifiers.seal, identifiers.vehicle):
        try:
            found.append(make(value))
        except (InvalidIdentifier, ValueError):
            continue
    return list(dict.fromkeys(found))


def find_identifier(text: str) -> Epc | None:
    """The stored identifier ``text`` names (the first of its candidates that is stored)."""
    candidates = identifier_candidates(text)
    if not candidates:
        return None
    stored = {epc.uri: epc for epc in Epc.objects.filter(uri__in=candidates)}
    return next((stored[uri] for uri in candidates if uri in stored), None)


def locations_named(text: str) -> list[int]:
    """Ids of the locations ``text`` names (an identifier exactly, else a name exactly, else
    names containing it) and of every location inside them (``WD_readPoint``)."""
    value = text.strip()
    if not value:
        return []
    rows = (
        Location.objects.filter(uri=canonical_identifier(value))
        if _URI.match(value)
        else Location.objects.none()
    )
    if not rows.exists():
        rows = Location.objects.filter(name=value)
    if not rows.exists():
        rows = Location.objects.filter(name__icontains=value)
    paths = list(rows.values_list("path", flat=True)[:_MAX_LOCATIONS])
    return _within(paths)


def _within(paths: Iterable[str]) -> list[int]:
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    if not condition:
        return []
    return list(Location.objects.filter(condition).values_list("id", flat=True)[:_MAX_LOCATIONS])


class EventFilterSet(OpenciqFilterSet):
    """Filters of the event list; each one narrows through an index of the event table."""

    q = None  # the identifier is the search
    epc = django_filters.CharFilter(method="filter_epc", label=_("identifier"))
    type = django_filters.ChoiceFilter(choices=EventType.choices, label=_("event type"))
    action = django_filters.ChoiceFilter(choices=Action.choices, label=_("action"))
    biz_step = django_filters.ChoiceFilter(choices=vocabulary_choices("bizStep"), label=_("business step"))
    disposition = django_filters.ChoiceFilter(
        choices=vocabulary_choices("disposition"), label=_("disposition")
    )
    read_point = django_filters.CharFilter(method="filter_read_point", label=_("read point"))
    since = django_filters.DateTimeFilter(
        field_name="event_time", lookup_expr="gte", label=_("event time from"), widget=DATETIME_INPUT
    )
    until = django_filters.DateTimeFilter(
        field_name="event_time", lookup_expr="lte", label=_("event time to"), widget=DATETIME_INPUT
    )
    error_declaration = django_filters.BooleanFilter(
        field_name="is_error_declaration",
        label=_("error declarations"),
        widget=forms.Select(choices=[("", "—"), ("true", _("only")), ("false", _("none"))]),
    )

    class Meta:
        model = Event
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.form.fields["epc"].widget.attrs["placeholder"] = _(
            "EPC URN, GS1 Digital Link, URI or tag number"
        )
        self.form.fields["read_point"].widget.attrs["placeholder"] = _("identifier or name")

    def filter_epc(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """Events naming the identifier in any of their lists (``MATCH_anyEPC`` /
        ``MATCH_anyEPCClass``, exact)."""
        if not value.strip():
            return queryset
        epc = find_identifier(value)
        if epc is None:
            return queryset.none()
        return queryset.filter(pk__in=EventEpc.objects.filter(epc_id=epc.pk).values("event_id"))

    def filter_read_point(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """Events read at the location or anywhere inside it (``WD_readPoint``)."""
        if not value.strip():
            return queryset
        return queryset.filter(read_point_id__in=locations_named(value))


class CaptureJobFilterSet(OpenciqFilterSet):
    q = None
    status = django_filters.ChoiceFilter(choices=CaptureStatus.choices, label=_("status"))
    source = django_filters.ChoiceFilter(choices=CaptureSource.choices, label=_("source"))

    class Meta:
        model = CaptureJob
        fields: list[str] = []


class LocationFilterSet(OpenciqFilterSet):
    search_fields = ("uri", "name")
    kind = django_filters.ChoiceFilter(choices=LocationKind.choices, label=_("kind"))
    located = django_filters.BooleanFilter(
        field_name="latitude",
        lookup_expr="isnull",
        exclude=True,
        label=_("has coordinates"),
        widget=forms.Select(choices=[("", "—"), ("true", _("yes")), ("false", _("no"))]),
    )

    class Meta:
        model = Location
        fields = ["q", "kind", "located"]
