"""What the vegetables pages share: permission checks, 404 for what is out of scope, lists with
their filters and tables, and how a refused service shows on its form."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_tables2 import RequestConfig

from openciq.core.views import page_size
from openciq.trace.views._common import found, require  # noqa: F401 - the pages of every flow check alike

SECTION = {"active_section": "trace"}


def list_page(
    request: HttpRequest,
    *,
    title: Any,
    rows: Any,
    filterset_class: type[Any],
    table_class: type[Any],
    results_id: str,
    buttons: list[tuple[Any, str]] | None = None,
    table_kwargs: dict[str, Any] | None = None,
) -> HttpResponse:
    """A filtered, sortable, paged list (the same FilterSet as the API); htmx gets the results."""
    filterset = filterset_class(request.GET or None, queryset=rows, request=request)
    if filterset.is_bound and filterset.is_valid():
        rows = filterset.qs
    table = table_class(rows, exclude=("pk",), **(table_kwargs or {}))
    RequestConfig(request, paginate={"per_page": page_size(request)}).configure(table)
    context = {
        "title": title,
        "filterset": filterset,
        "table": table,
        "results_id": results_id,
        "buttons": buttons or [],
        **SECTION,
    }
    template = (
        "vegetables/partials/results.html" if getattr(request, "htmx", False) else "vegetables/list.html"
    )
    return render(request, template, context)
