"""What the pages of export supervision share: constants, form styling, how a service's refusal
shows on a form, posted rows, and the paged, filtered and exported list page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_tables2 import LazyPaginator, RequestConfig

from openciq.core import tabular
from openciq.core.errors import NotFoundError
from openciq.core.forms import style_widgets
from openciq.core.views import page_size

SECTION = {"active_section": "declarations"}
VIEW = "declarations.view_declaration"
WORK = "declarations.work_inspectionorder"
MAX_UPLOAD = 5 * 1024 * 1024


# --- Shared helpers ---------------------------------------------------------------------------


def _form(form_class: type[Any], *args: Any, **kwargs: Any) -> Any:
    """A form of ``forms.py`` with the Tabler classes on its widgets."""
    form = form_class(*args, **kwargs)
    style_widgets(form)
    return form


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _found(read: Callable[..., Any], request: HttpRequest, **kwargs: Any) -> Any:
    """A selector's object in the user's scope, or 404."""
    try:
        return read(actor=request.user, **kwargs)
    except NotFoundError as exc:
        raise Http404 from exc


def _one(queryset: Any, pk: Any) -> Any:
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def _indexed_errors(fields: dict[str, list[str]], name: str) -> dict[int, dict[str, list[str]]]:
    """``{"lines[2].hs_code": [...]}`` → ``{2: {"hs_code": [...]}}``."""
    rows: dict[int, dict[str, list[str]]] = {}
    for key, errors in fields.items():
        match = re.fullmatch(rf"{name}\[(\d+)\]\.(\w+)", key)
        if match:
            rows.setdefault(int(match[1]), {})[match[2]] = errors
    return rows


def _show_row_errors(row_forms: list[Any], fields: dict[str, list[str]], name: str) -> None:
    """Put ``name[i].field`` errors on the i-th row form (shown again unbound, with the posted values)."""
    for index, errors in _indexed_errors(fields, name).items():
        if index >= len(row_forms):
            continue
        row_forms[index].cleaned_data = {}
        for field, messages_ in errors.items():
            for message in messages_:
                row_forms[index].add_error(field if field in row_forms[index].fields else None, message)


def _posted_rows(post: Any, prefix: str, names: tuple[str, ...], limit: int) -> list[dict[str, str]]:
    try:
        count = max(0, min(limit, int(post.get(f"{prefix}-count", 0))))
    except ValueError:
        count = 0
    return [{n: post.get(f"{prefix}-{i}-{n}", "").strip() for n in names} for i in range(count)]


class ShallowPaginator(LazyPaginator):
    """Pages without ``COUNT(*)`` and not past the first ``max_rows`` rows: an ``OFFSET`` of a
    million rows costs seconds, and nobody pages that far; filters narrow the list instead."""

    max_rows = 10_000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_page = max(1, self.max_rows // self.per_page)

    def validate_number(self, number: Any) -> int:
        return min(int(super().validate_number(number)), self.max_page)

    def page(self, number: Any) -> Any:
        page = super().page(number)
        if page.number >= self.max_page:
            self._num_pages = self._final_num_pages = self.max_page
        return page


def _list_page(
    request: HttpRequest,
    rows: Any,
    table_class: type,
    *,
    title: str,
    filterset_class: type | None = None,
    lazy: bool = True,
    template: str = "declarations/list.html",
    **extra: Any,
) -> HttpResponse:
    """Filter, sort, page (page size bounded by the settings) and render, or export, a list."""
    filterset = (
        filterset_class(request.GET or None, queryset=rows, request=request) if filterset_class else None
    )
    if filterset is not None and filterset.is_bound and filterset.is_valid():
        rows = filterset.qs
    if extra.get("export") and request.GET.get("export") in tabular.CONTENT_TYPES:
        return _export(rows, table_class, request.GET["export"], extra["export"])
    table = table_class(rows)
    paginate: dict[str, Any] = {"per_page": page_size(request)}
    if lazy:
        paginate["paginator_class"] = ShallowPaginator
    RequestConfig(request, paginate=paginate).configure(table)
    context = {"table": table, "filterset": filterset, "title": title, "lazy": lazy, **SECTION, **extra}
    return render(request, "declarations/partials/list_results.html" if request.htmx else template, context)


def _export(rows: Any, table_class: type, fmt: str, name: str) -> HttpResponse:
    exported = list(table_class(list(rows[: settings.OPENCIQ_MAX_EXPORT_ROWS])).as_values())
    response = HttpResponse(
        tabular.write_rows(fmt, exported[0], exported[1:]), content_type=tabular.CONTENT_TYPES[fmt]
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _upload(form: forms.Form) -> bytes | None:
    """The uploaded file's bytes, or ``None`` with an error on the form when it is too large."""
    upload = form.cleaned_data["file"]
    if upload.size > MAX_UPLOAD:
        form.add_error("file", _("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD // 2**20})
        return None
    return bytes(upload.read())
