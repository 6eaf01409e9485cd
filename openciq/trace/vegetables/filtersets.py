"""One FilterSet per list: the page's filter form and the API's query parameters."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from openciq.core.filtersets import OpenciqFilterSet
from openciq.trace.vegetables.choices import ShipmentStatus
from openciq.trace.vegetables.models import Crate, HarvestLot, PlantingBase, Shipment


class PlantingBaseFilterSet(OpenciqFilterSet):
    search_fields = ("registration_number", "name_zh", "name_en", "enterprise__name_zh")
    is_active = django_filters.BooleanFilter(label=_("active"))

    class Meta:
        model = PlantingBase
        fields = ["q", "is_active"]


class HarvestLotFilterSet(OpenciqFilterSet):
    search_fields = ("number", "base__registration_number", "base__name_zh", "plot__code", "product__name_zh")
    harvested_from = django_filters.DateFilter(
        field_name="harvest_date", lookup_expr="gte", label=_("harvested from")
    )
    harvested_until = django_filters.DateFilter(
        field_name="harvest_date", lookup_expr="lte", label=_("harvested until")
    )

    class Meta:
        model = HarvestLot
        fields = ["q", "harvested_from", "harvested_until"]


class CrateFilterSet(OpenciqFilterSet):
    search_fields = ("grai", "epc")
    is_active = django_filters.BooleanFilter(label=_("in service"))

    class Meta:
        model = Crate
        fields = ["q", "is_active"]


class ShipmentFilterSet(OpenciqFilterSet):
    search_fields = ("number", "declaration_number", "truck_plate", "seal_id", "enterprise__name_zh")
    status = django_filters.ChoiceFilter(choices=ShipmentStatus.choices, label=_("status"))

    class Meta:
        model = Shipment
        fields = ["q", "status"]
