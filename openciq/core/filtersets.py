"""Base FilterSet: a free-text ``q`` over the object type's search fields.

The same FilterSet drives the list page's filter form and the API's query parameters.
"""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _


class OpenciqFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))

    search_fields: ClassVar[tuple[str, ...]] = ()

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from openciq.core.forms import style_widgets

        style_widgets(self.form)
