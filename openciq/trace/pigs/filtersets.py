"""FilterSets of the live-pig lists, one per model, used by the list pages and by the API (whose
query parameters are generated from them). Farm choices are limited to the user's area."""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from openciq.core.filtersets import OpenciqFilterSet
from openciq.trace.pigs.choices import AnimalStatus, BatchStatus, Traceability
from openciq.trace.pigs.models import Animal, Farm, LoadingBatch


def _farms(request: Any) -> QuerySet[Farm]:
    user = getattr(request, "user", None)
    farms: QuerySet[Farm] = Farm.objects.in_scope(user) if user is not None else Farm.objects.all()
    return farms.order_by("registration_number")


class FarmFilterSet(OpenciqFilterSet):
    search_fields = ("registration_number", "name_zh", "name_en", "enterprise__name_zh", "address")

    class Meta:
        model = Farm
        fields = ["q", "is_active"]


class AnimalFilterSet(django_filters.FilterSet):  # type: ignore[misc]
    number = django_filters.CharFilter(method="by_number", label=_("China or ISO 11784 number"))
    farm = django_filters.ModelChoiceFilter(queryset=_farms, label=_("farm"))
    status = django_filters.ChoiceFilter(choices=AnimalStatus.choices, label=_("status"))
    traceability = django_filters.ChoiceFilter(choices=Traceability.choices, label=_("lifetime traceability"))

    class Meta:
        model = Animal
        fields = ["number", "farm", "status", "traceability"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from openciq.core.forms import style_widgets

        style_widgets(self.form)

    def by_number(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """A whole number (either kind) by its unique index; a part of one as a prefix."""
        text = re.sub(r"[\s-]", "", value)
        if not text:
            return queryset
        if len(text) == 15:
            return queryset.filter(Q(cn_number=text) | Q(tags__iso_number=text)).distinct()
        return queryset.filter(
            Q(cn_number__startswith=text) | Q(tags__iso_number__startswith=text)
        ).distinct()


class LoadingBatchFilterSet(OpenciqFilterSet):
    search_fields = ("number", "declaration_number", "truck_plate")
    farm = django_filters.ModelChoiceFilter(queryset=_farms, label=_("farm"))
    status = django_filters.ChoiceFilter(choices=BatchStatus.choices, label=_("status"))

    class Meta:
        model = LoadingBatch
        fields = ["q", "farm", "status"]
