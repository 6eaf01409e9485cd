"""FilterSets of the container e-seal flow: one per model, used by its list page and by the API
(whose query parameters are generated from them), so the two never filter differently."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from openciq.core.filtersets import OpenciqFilterSet
from openciq.masterdata.models import Port
from openciq.trace.containers.choices import SEAL_ON_STATES, SealStatus, TripStatus
from openciq.trace.containers.models import Container, Seal, Trip

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class YesNo(forms.NullBooleanSelect):
    """Any / yes / no (the stock widget says "unknown" for "any")."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.choices = [("unknown", "---------"), ("true", _("yes")), ("false", _("no"))]


def _ports(request: Any) -> QuerySet[Port]:
    return Port.objects.filter(is_active=True).order_by("code")


def _day_start(value: dt.date) -> dt.datetime:
    return dt.datetime.combine(value, dt.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


class TripFilterSet(OpenciqFilterSet):
    """Trips by number, declaration, container, plate or seal (``q``), state, office, open alarm,
    low seal battery and day of sealing (bureau time)."""

    search_fields = (
        "number",
        "declaration_number",
        "container__number",
        "plate",
        "seal__seal_id",
        "last_read_seal",
    )
    status = django_filters.ChoiceFilter(choices=TripStatus.choices, label=_("status"))
    origin_port = django_filters.ModelChoiceFilter(queryset=_ports, label=_("office of departure"))
    destination_port = django_filters.ModelChoiceFilter(queryset=_ports, label=_("office of destination"))
    alarm = django_filters.BooleanFilter(method="filter_alarm", label=_("open alarm"), widget=YesNo)
    battery_low = django_filters.BooleanFilter(
        method="filter_battery_low", label=_("seal battery low"), widget=YesNo
    )
    sealed_from = django_filters.DateFilter(
        method="filter_sealed_from", label=_("sealed from"), widget=DATE_INPUT
    )
    sealed_until = django_filters.DateFilter(
        method="filter_sealed_until", label=_("sealed until"), widget=DATE_INPUT
    )

    class Meta:
        model = Trip
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        compact = value.replace(" ", "").strip()
        return super().search(queryset, name, compact or value)

    def filter_alarm(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return queryset
        return queryset.filter(open_alarm=value)

    def filter_battery_low(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        """Trips whose seal is on and reported a low battery (or not)."""
        if value is None:
            return queryset
        low = Q(seal__battery_low=True, status__in=list(SEAL_ON_STATES))
        return queryset.filter(low) if value else queryset.exclude(low)

    def filter_sealed_from(self, queryset: QuerySet[Any], name: str, value: dt.date | None) -> QuerySet[Any]:
        return queryset.filter(sealed_at__gte=_day_start(value)) if value else queryset

    def filter_sealed_until(self, queryset: QuerySet[Any], name: str, value: dt.date | None) -> QuerySet[Any]:
        return queryset.filter(sealed_at__lt=_day_start(value + dt.timedelta(days=1))) if value else queryset


class ContainerFilterSet(OpenciqFilterSet):
    """Containers by number or owner code (``q``) and size and type code."""

    search_fields = ("number", "owner_code")
    size_type = django_filters.CharFilter(
        field_name="size_type", lookup_expr="iexact", label=_("size and type code")
    )

    class Meta:
        model = Container
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return super().search(queryset, name, value.replace(" ", ""))


class SealFilterSet(OpenciqFilterSet):
    """Seals by ID or model (``q``), state and low battery."""

    search_fields = ("seal_id", "model")
    status = django_filters.ChoiceFilter(choices=SealStatus.choices, label=_("status"))
    battery_low = django_filters.BooleanFilter(field_name="battery_low", label=_("battery low"), widget=YesNo)

    class Meta:
        model = Seal
        fields: list[str] = []


__all__ = ["ContainerFilterSet", "SealFilterSet", "TripFilterSet"]
