"""The generic REST API for registered reference types, and the one error envelope.

This module deliberately has no ``from __future__ import annotations``: django-ninja reads the
annotations of the handlers built here at run time.
"""

import base64
import binascii
import datetime as dt
import decimal
from collections.abc import Callable
from typing import Any, Literal

import django_filters
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ConfigDict, create_model

from openciq.core import selectors, services
from openciq.core.errors import NotFoundError, ServiceError, ValidationFailed
from openciq.core.registry import ObjectType


class ErrorOut(Schema):
    """The one error envelope of the API."""

    code: str
    message: str
    fields: dict[str, list[str]] = {}


class InSchema(Schema):
    """Base for ``<Model>In`` and ``<Model>Patch``: unknown fields are rejected, not ignored."""

    model_config = ConfigDict(extra="forbid")


class Brief(Schema):
    id: int
    code: str
    name: str


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 412: ErrorOut}


def operations(router: Router, prefix: str) -> Callable[..., Any]:
    """The route decorator of an app's named endpoints: ``operation(method, path, name, response,
    summary, **extra)`` registers ``path`` on ``router`` with ``<prefix>_<name>`` as operation id
    and URL name, the given responses plus the error envelope's, and ``summary``."""

    def operation(
        method: str, path: str, name: str, response: dict[int, Any], summary: str, **extra: Any
    ) -> Any:
        return getattr(router, method)(
            path,
            response={**response, **ERRORS},
            operation_id=f"{prefix}_{name}",
            url_name=f"{prefix}_{name}",
            summary=summary,
            **extra,
        )

    return operation


def require(request: HttpRequest, perm: str) -> None:
    """The API side of a permission check: 403 (``permission_denied`` in the error envelope)
    unless the authenticated user holds ``perm`` (``<app>.<codename>``), before any work is done.
    The service the endpoint calls checks again (``core.permissions.require_permission``)."""
    if not request.auth.has_perm(perm):  # type: ignore[attr-defined]
        raise PermissionDenied


def error_response(
    api: Any,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "fields": fields or {}}, status=status
    )


def install_error_handlers(api: Any) -> None:
    """Every failure answers ``{"code", "message", "fields"}``."""

    @api.exception_handler(ServiceError)
    def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        return error_response(api, request, exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            loc = [
                str(p)
                for p in error.get("loc", ())
                if p not in ("body", "query", "payload", "path", "filters")
            ]
            fields.setdefault(".".join(loc) or "__all__", []).append(str(error.get("msg", "")))
        return error_response(api, request, 400, "validation_failed", _("The request is not valid."), fields)

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(api, request, 401, "not_authenticated", _("Authentication is required."))

    @api.exception_handler(PermissionDenied)
    def permission_error(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(
            api, request, 403, "permission_denied", _("You do not have permission to do this.")
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error_response(api, request, exc.status_code, "error", str(exc))


# --- Filters from the FilterSet ------------------------------------------------------------


def _filter_type(flt: Any) -> Any:
    if isinstance(flt, django_filters.ChoiceFilter):
        values = tuple(str(v) for v, _label in flt.extra.get("choices", ()))
        return Literal[values] if values else str  # type: ignore[valid-type]
    if isinstance(flt, django_filters.ModelChoiceFilter):
        return int
    if isinstance(flt, django_filters.BooleanFilter):
        return bool
    if isinstance(flt, django_filters.NumberFilter):
        return decimal.Decimal
    if isinstance(flt, django_filters.DateFilter):
        return dt.date
    return str


def filter_schema(object_type: ObjectType) -> type[Schema]:
    """Query parameters generated from the object type's FilterSet (the list page's filters)."""
    return filterset_schema(object_type.filterset, f"{object_type.model.__name__}Filters")


def filterset_schema(filterset: Any, name: str) -> type[Schema]:
    """Query parameters generated from a FilterSet, so a page and the API filter alike."""
    fields: dict[str, Any] = {}
    for key, flt in filterset.base_filters.items():
        fields[key] = (_filter_type(flt) | None, Field(None, description=str(flt.label or key)))
    return create_model(name, __base__=Schema, **fields)


# --- Pagination ---------------------------------------------------------------------------


def _encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(str(pk).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            _("The cursor is not valid."), fields={"cursor": [_("Not a valid cursor.")]}
        ) from exc


def _page_url(request: HttpRequest, **params: Any) -> str:
    query = request.GET.copy()
    for key, value in params.items():
        query[key] = str(value)
    return request.build_absolute_uri(request.path + "?" + query.urlencode())


def paginate(
    request: HttpRequest,
    queryset: Any,
    limit: int,
    offset: int,
    cursor: str | None,
    *,
    with_count: bool = True,
) -> dict[str, Any]:
    """Limit/offset with a total count, or (with ``cursor``) keyset pages by id without a count.

    ``with_count=False`` is for tables of millions of rows: ``count`` is null and the next page
    is known by fetching one row more than asked.
    """
    if not with_count and cursor is None:
        rows = list(queryset[offset : offset + limit + 1])
        next_url = _page_url(request, offset=offset + limit, limit=limit) if len(rows) > limit else None
        prev_url = _page_url(request, offset=max(0, offset - limit), limit=limit) if offset > 0 else None
        return {"count": None, "next": next_url, "previous": prev_url, "results": rows[:limit]}
    if cursor is not None:
        after = _decode_cursor(cursor)
        rows = list(queryset.order_by("pk").filter(pk__gt=after)[: limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        next_url = _page_url(request, cursor=_encode_cursor(rows[-1].pk)) if more else None
        return {"count": None, "next": next_url, "previous": None, "results": rows}
    total = queryset.count()
    rows = list(queryset[offset : offset + limit])
    next_url = _page_url(request, offset=offset + limit, limit=limit) if offset + limit < total else None
    prev_url = _page_url(request, offset=max(0, offset - limit), limit=limit) if offset > 0 else None
    return {"count": total, "next": next_url, "previous": prev_url, "results": rows}


# --- CRUD routes --------------------------------------------------------------------------


def _form_data(payload: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in payload.items():
        if value is None:
            data[key] = ""
        elif isinstance(value, dt.date | decimal.Decimal):
            data[key] = str(value)
        else:
            data[key] = value
    return data


def add_crud_routes(router: Router, object_type: ObjectType) -> None:
    """List, retrieve, create, update (PUT/PATCH with If-Match), delete for one reference type."""
    ot = object_type
    out_schema, in_schema, patch_schema = ot.schema_out, ot.schema_in, ot.schema_patch
    filters_schema = filter_schema(ot)
    list_schema = create_model(
        f"{out_schema.__name__}List",
        __base__=Schema,
        count=(int | None, None),
        next=(str | None, None),
        previous=(str | None, None),
        results=(list[out_schema], ...),  # type: ignore[valid-type]
    )
    order_values = tuple(ot.ordering) + tuple(f"-{o}" for o in ot.ordering)
    ordering_type = Literal[order_values] if order_values else str  # type: ignore[valid-type]
    allowed_params = set(filters_schema.model_fields) | {"limit", "offset", "cursor", "ordering"}
    op = f"{ot.app_label}_{ot.model_name}"
    verbose = str(ot.model._meta.verbose_name)
    form_fields = ot.form._meta.fields

    def get_object(request: HttpRequest, pk: int, action: str = "view") -> Any:
        try:
            return selectors.object_get(actor=request.auth, object_type=ot, pk=pk, action=action)
        except NotFoundError as exc:
            raise Http404 from exc

    def save(request: HttpRequest, response: HttpResponse, data: dict[str, Any], instance: Any = None) -> Any:
        form = ot.form(data=_form_data(data), instance=instance, actor=request.auth)
        if instance is None:
            obj = services.object_create(actor=request.auth, object_type=ot, form=form)
        else:
            obj = services.object_update(
                actor=request.auth, object_type=ot, form=form, if_match=request.headers.get("If-Match")
            )
        response["ETag"] = services.etag_for(obj)
        return obj

    @router.get(
        f"/{ot.path}/",
        response={200: list_schema, **ERRORS},
        operation_id=f"{op}_list",
        url_name=f"{op}_list",
        summary=f"List {verbose}",
    )
    def list_objects(
        request: HttpRequest,
        filters: Query[filters_schema],  # type: ignore[valid-type]
        limit: int = Query(settings.OPENCIQ_PAGE_SIZE, ge=1, le=settings.OPENCIQ_MAX_PAGE_SIZE),
        offset: int = Query(0, ge=0),
        cursor: str | None = None,
        ordering: ordering_type | None = None,  # type: ignore[valid-type]
    ) -> Any:
        require(request, ot.perm("view"))
        unknown = sorted(set(request.GET) - allowed_params)
        if unknown:
            raise ValidationFailed(
                _("Unknown query parameter."), fields={u: [_("Unknown parameter.")] for u in unknown}
            )
        filterset = ot.filterset(
            filters.model_dump(exclude_none=True),
            queryset=selectors.object_list(actor=request.auth, object_type=ot),
        )
        if not filterset.is_valid():
            raise ValidationFailed(_("The filters are not valid."), fields=dict(filterset.errors))
        queryset = filterset.qs
        if ordering:
            queryset = queryset.order_by(ordering, "pk")
        return paginate(request, queryset, limit, offset, cursor)

    @router.get(
        f"/{ot.path}/{{int:pk}}/",
        response={200: out_schema, **ERRORS},
        operation_id=f"{op}_retrieve",
        url_name=f"{op}_retrieve",
        summary=f"Get one {verbose}",
    )
    def retrieve(request: HttpRequest, response: HttpResponse, pk: int) -> Any:
        obj = get_object(request, pk)
        response["ETag"] = services.etag_for(obj)
        return obj

    @router.post(
        f"/{ot.path}/",
        response={201: out_schema, **ERRORS},
        operation_id=f"{op}_create",
        url_name=f"{op}_create",
        summary=f"Create a {verbose}",
    )
    def create(request: HttpRequest, response: HttpResponse, payload: in_schema) -> Any:  # type: ignore[valid-type]
        require(request, ot.perm("add"))
        obj = save(request, response, payload.model_dump())
        response["Location"] = reverse(f"api:{op}_retrieve", kwargs={"pk": obj.pk})
        return Status(201, obj)

    @router.put(
        f"/{ot.path}/{{int:pk}}/",
        response={200: out_schema, **ERRORS},
        operation_id=f"{op}_update",
        url_name=f"{op}_update",
        summary=f"Replace a {verbose} (send If-Match with the ETag you read)",
    )
    def update(request: HttpRequest, response: HttpResponse, pk: int, payload: in_schema) -> Any:  # type: ignore[valid-type]
        obj = get_object(request, pk, "change")
        return save(request, response, payload.model_dump(), obj)

    @router.patch(
        f"/{ot.path}/{{int:pk}}/",
        response={200: out_schema, **ERRORS},
        operation_id=f"{op}_partial_update",
        url_name=f"{op}_partial_update",
        summary=f"Change some fields of a {verbose}",
    )
    def partial_update(request: HttpRequest, response: HttpResponse, pk: int, payload: patch_schema) -> Any:  # type: ignore[valid-type]
        obj = get_object(request, pk, "change")
        data = model_to_dict(obj, fields=form_fields)
        data.update(payload.model_dump(exclude_unset=True))
        return save(request, response, data, obj)

    @router.delete(
        f"/{ot.path}/{{int:pk}}/",
        response={204: None, **ERRORS},
        operation_id=f"{op}_delete",
        url_name=f"{op}_delete",
        summary=f"Delete a {verbose}",
    )
    def delete(request: HttpRequest, pk: int) -> Any:
        obj = get_object(request, pk, "delete")
        services.object_delete(actor=request.auth, object_type=ot, pk=obj.pk)
        return Status(204, None)
