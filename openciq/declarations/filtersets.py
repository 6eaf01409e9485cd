"""FilterSets: the declaration list's (shared with the API, so the names stay simple) and the
worklist's, sample requests' and certificates' filters on their pages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openciq.accounts.models import org_scope_q
from openciq.core.filtersets import OpenciqFilterSet
from openciq.declarations.choices import (
    CertificateDirection,
    CertificateKind,
    CertificateStatus,
    DeclarationStatus,
    InspectionMode,
    OrderStatus,
    SampleResult,
    SampleStatus,
)
from openciq.declarations.models import Certificate, Declaration, InspectionOrder, SampleRequest
from openciq.masterdata.models import Country, Enterprise, Port

# A whole declaration number (``GZ2026E0000001``) is looked up by its unique index; anything
# shorter is a substring search.
WHOLE_NUMBER = re.compile(r"[A-Z]{2,8}\d{4}E\d{7}")
# Above this many enterprises a drop-down is too long to use (and to send); the filter then
# takes the enterprise's id, which the enterprise links in the list carry.
ENTERPRISE_SELECT_LIMIT = 500


def _enterprises(request: Any) -> QuerySet[Enterprise]:
    """The enterprises the user may see (all of them for the API's validation without a request)."""
    user = getattr(request, "user", None)
    return Enterprise.objects.in_scope(user) if user is not None else Enterprise.objects.all()


def _ports(request: Any) -> QuerySet[Port]:
    """The ports of the user's area."""
    queryset = Port.objects.filter(is_active=True)
    user = getattr(request, "user", None)
    return queryset.filter(org_scope_q(user)) if user is not None else queryset


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class DeclarationFilterSet(OpenciqFilterSet):
    q = None  # the number filter is the search
    status = django_filters.ChoiceFilter(choices=DeclarationStatus.choices, label=_("status"))
    enterprise = django_filters.ModelChoiceFilter(queryset=_enterprises, label=_("enterprise"))
    port = django_filters.ModelChoiceFilter(
        queryset=Port.objects.filter(is_active=True), label=_("port of exit")
    )
    destination = django_filters.ModelChoiceFilter(
        queryset=Country.objects.filter(is_active=True), label=_("destination country")
    )
    inspection_mode = django_filters.ChoiceFilter(choices=InspectionMode.choices, label=_("inspection mode"))
    number = django_filters.CharFilter(method="filter_number", label=_("number contains"))
    submitted_after = django_filters.DateFilter(
        method="filter_submitted_after",
        label=_("submitted on or after"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    submitted_before = django_filters.DateFilter(
        method="filter_submitted_before",
        label=_("submitted on or before"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Declaration
        fields = [
            "status",
            "enterprise",
            "port",
            "destination",
            "inspection_mode",
            "number",
            "submitted_after",
            "submitted_before",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.form.fields["enterprise"]
        if self.request is not None and field.queryset.count() > ENTERPRISE_SELECT_LIMIT:
            field.widget = forms.NumberInput(attrs={"class": "form-control", "min": 1})
            field.help_text = _("The enterprise's number; the enterprise links in the list fill it in.")

    def filter_number(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip().upper()
        if not value:
            return queryset
        if WHOLE_NUMBER.fullmatch(value):
            return queryset.filter(number=value)
        return queryset.filter(number__contains=value)

    def filter_submitted_after(self, queryset: QuerySet[Any], name: str, value: dt.date) -> QuerySet[Any]:
        return queryset.filter(submitted_at__gte=_local_midnight(value))

    def filter_submitted_before(self, queryset: QuerySet[Any], name: str, value: dt.date) -> QuerySet[Any]:
        return queryset.filter(submitted_at__lt=_local_midnight(value + dt.timedelta(days=1)))


class WorklistFilterSet(OpenciqFilterSet):
    q = None
    port = django_filters.ModelChoiceFilter(queryset=_ports, label=_("port"))
    status = django_filters.ChoiceFilter(
        choices=[
            (OrderStatus.OPEN, OrderStatus.OPEN.label),
            (OrderStatus.IN_PROGRESS, OrderStatus.IN_PROGRESS.label),
        ],
        label=_("status"),
    )
    kind = django_filters.ChoiceFilter(
        choices=[c for c in InspectionMode.choices if c[0] != InspectionMode.RELEASE], label=_("kind")
    )
    assigned = django_filters.ChoiceFilter(
        choices=[("me", _("Assigned to me")), ("unassigned", _("Unassigned"))],
        method="filter_assigned",
        label=_("assignee"),
    )

    class Meta:
        model = InspectionOrder
        fields: list[str] = []

    def filter_assigned(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value == "me":
            return queryset.filter(assigned_to_id=self.request.user.pk)
        return queryset.filter(assigned_to__isnull=True)


class SampleRequestFilterSet(OpenciqFilterSet):
    q = None
    status = django_filters.ChoiceFilter(choices=SampleStatus.choices, label=_("status"))
    result = django_filters.ChoiceFilter(choices=SampleResult.choices, label=_("result"))
    declaration = django_filters.CharFilter(
        field_name="declaration__number", lookup_expr="startswith", label=_("declaration number")
    )

    class Meta:
        model = SampleRequest
        fields: list[str] = []


class CertificateFilterSet(OpenciqFilterSet):
    q = None
    status = django_filters.ChoiceFilter(choices=CertificateStatus.choices, label=_("status"))
    kind = django_filters.ChoiceFilter(choices=CertificateKind.choices, label=_("kind"))
    direction = django_filters.ChoiceFilter(choices=CertificateDirection.choices, label=_("direction"))
    number = django_filters.CharFilter(lookup_expr="startswith", label=_("number starts with"))

    class Meta:
        model = Certificate
        fields: list[str] = []
