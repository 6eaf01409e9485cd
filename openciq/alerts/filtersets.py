"""One FilterSet per model, used by the list page and the API alike."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from openciq.accounts.choices import OrgUnitKind
from openciq.accounts.models import OrgUnit
from openciq.alerts.choices import FilingStatus, PackagingCategory
from openciq.alerts.models import PackagingFiling
from openciq.core.filtersets import OpenciqFilterSet


class PackagingFilingFilterSet(OpenciqFilterSet):
    search_fields = ("number", "enterprise__uscc", "enterprise__name_zh", "enterprise__name_en")
    status = django_filters.ChoiceFilter(choices=FilingStatus.choices, label=_("status"))
    org_unit = django_filters.ModelChoiceFilter(
        queryset=OrgUnit.objects.filter(kind=OrgUnitKind.BRANCH), label=_("supervising branch")
    )
    category = django_filters.ChoiceFilter(
        choices=PackagingCategory.choices, method="filter_category", label=_("product category")
    )
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("enterprise"))

    class Meta:
        model = PackagingFiling
        fields = ["q", "status", "org_unit", "category", "enterprise"]

    def filter_category(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        # The categories are a JSON list; its text contains the value in quotes on both databases.
        return queryset.filter(categories__icontains=f'"{value}"') if value else queryset
