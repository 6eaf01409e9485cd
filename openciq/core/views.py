"""Generic CRUD pages for registered reference types, the home dashboard, search and audit log.

Convention for htmx: an invalid form is re-rendered with status 200 (full page or partial alike).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django_tables2 import RequestConfig

from openciq.core import selectors, services, tabular
from openciq.core.errors import NotFoundError, ServiceError
from openciq.core.forms import ImportForm, bulk_edit_form_class
from openciq.core.registry import ObjectType, registry


class ObjectTypeView(LoginRequiredMixin, View):
    """Base for the generic pages; ``object_type`` is set by :func:`object_type_urls`."""

    object_type: ObjectType = None  # type: ignore[assignment]  # set by as_view()
    action = "view"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not request.user.has_perm(self.object_type.perm(self.action)):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, pk: Any, action: str | None = None) -> Any:
        try:
            return selectors.object_get(
                actor=self.request.user, object_type=self.object_type, pk=pk, action=action or self.action
            )
        except NotFoundError as exc:
            raise Http404 from exc

    def context(self, **extra: Any) -> dict[str, Any]:
        ot = self.object_type
        user = self.request.user
        return {
            "object_type": ot,
            "verbose_name": ot.model._meta.verbose_name,
            "verbose_name_plural": ot.model._meta.verbose_name_plural,
            "can_add": user.has_perm(ot.perm("add")),
            "can_change": user.has_perm(ot.perm("change")),
            "can_delete": user.has_perm(ot.perm("delete")),
            "active_section": ot.section,
            **extra,
        }


class ObjectListView(ObjectTypeView):
    def get(self, request: HttpRequest) -> HttpResponse:
        ot = self.object_type
        queryset = selectors.object_list(actor=request.user, object_type=ot)
        filterset = ot.filterset(request.GET or None, queryset=queryset)
        rows = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
        export = request.GET.get("export")
        if export in tabular.CONTENT_TYPES:
            return self.export(rows, export)
        table = ot.table(rows)
        RequestConfig(request, paginate={"per_page": page_size(request)}).configure(table)
        context = self.context(table=table, filterset=filterset, bulk_form=bulk_edit_form_class(ot)())
        template = "core/partials/object_list_results.html" if request.htmx else "core/object_list.html"
        return render(request, template, context)

    def export(self, rows: Any, fmt: str) -> HttpResponse:
        ot = self.object_type
        table = ot.table(rows[: settings.OPENCIQ_MAX_EXPORT_ROWS])
        exported = list(table.as_values(exclude_columns=("pk",)))
        content = tabular.write_rows(fmt, exported[0], exported[1:])
        response = HttpResponse(content, content_type=tabular.CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{ot.path}.{fmt}"'
        return response


def bounded_int(raw: str | None, default: int, low: int, high: int) -> int:
    """A number from a query parameter, ``default`` when absent or not a number, within bounds."""
    try:
        value = int(raw) if raw else default
    except ValueError:
        value = default
    return max(low, min(high, value))


def page_size(request: HttpRequest) -> int:
    """The ``per_page`` a list request asks for: the configured default, never past the maximum."""
    return bounded_int(
        request.GET.get("per_page"), settings.OPENCIQ_PAGE_SIZE, 1, settings.OPENCIQ_MAX_PAGE_SIZE
    )


class ObjectDetailView(ObjectTypeView):
    def get(self, request: HttpRequest, pk: Any) -> HttpResponse:
        obj = self.get_object(pk)
        fields = [
            (f.verbose_name, _display(obj, f))
            for f in obj._meta.concrete_fields
            if not f.primary_key and f.name not in ("created_at", "updated_at")
        ]
        ot = self.object_type
        extra = ot.detail_context(request, obj) if ot.detail_context else {}
        template = ot.detail_template or "core/object_detail.html"
        return render(request, template, self.context(object=obj, fields=fields, **extra))


def _display(obj: Any, field: Any) -> Any:
    display = getattr(obj, f"get_{field.name}_display", None)
    if callable(display):
        return display()
    value = getattr(obj, field.name)
    return "—" if value in (None, "") else value


class ObjectHistoryView(ObjectTypeView):
    def get(self, request: HttpRequest, pk: Any) -> HttpResponse:
        obj = self.get_object(pk)
        events = selectors.object_history(obj=obj)
        template = "core/partials/history.html" if request.htmx else "core/object_history.html"
        return render(request, template, self.context(object=obj, events=events))


class ObjectEditView(ObjectTypeView):
    """Add (no ``pk``) or edit. The edit form carries the ETag it was read at."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.action = "change" if "pk" in kwargs else "add"
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, pk: Any = None) -> HttpResponse:
        obj = self.get_object(pk) if pk is not None else None
        form = self.object_type.form(instance=obj, actor=request.user)
        return self.show(form, obj)

    def post(self, request: HttpRequest, pk: Any = None) -> HttpResponse:
        obj = self.get_object(pk) if pk is not None else None
        form = self.object_type.form(data=request.POST, files=request.FILES, instance=obj, actor=request.user)
        if not form.is_valid():
            return self.show(form, obj)
        try:
            if obj is None:
                obj = services.object_create(actor=request.user, object_type=self.object_type, form=form)
                messages.success(request, _("Created %(object)s.") % {"object": obj})
            else:
                obj = services.object_update(
                    actor=request.user,
                    object_type=self.object_type,
                    form=form,
                    if_match=request.POST.get("_etag") or None,
                )
                messages.success(request, _("Saved %(object)s.") % {"object": obj})
        except ServiceError as exc:
            _add_service_errors(form, exc)
            return self.show(form, obj)
        return redirect(self.object_type.url_name("detail"), pk=obj.pk)

    def show(self, form: Any, obj: Any) -> HttpResponse:
        etag = services.etag_for(obj) if obj is not None else ""
        return render(
            request=self.request,
            template_name="core/object_edit.html",
            context=self.context(form=form, object=obj, etag=etag),
        )


def _add_service_errors(form: Any, exc: ServiceError) -> None:
    for field, errs in exc.fields.items():
        for message in errs:
            form.add_error(field if field in form.fields else None, message)
    if not exc.fields:
        form.add_error(None, exc.message)


class ObjectDeleteView(ObjectTypeView):
    action = "delete"

    def get(self, request: HttpRequest, pk: Any) -> HttpResponse:
        return render(request, "core/object_delete.html", self.context(object=self.get_object(pk)))

    def post(self, request: HttpRequest, pk: Any) -> HttpResponse:
        obj = self.get_object(pk)
        try:
            services.object_delete(actor=request.user, object_type=self.object_type, pk=obj.pk)
        except ServiceError as exc:
            return render(request, "core/object_delete.html", self.context(object=obj, error=exc.message))
        messages.success(request, _("Deleted %(object)s.") % {"object": obj})
        return redirect(self.object_type.url_name("list"))


class BulkEditView(ObjectTypeView):
    action = "change"

    def post(self, request: HttpRequest) -> HttpResponse:
        ot = self.object_type
        pks = request.POST.getlist("pk")
        selected = selectors.object_list(actor=request.user, object_type=ot, action="change").filter(
            pk__in=pks
        )
        form = bulk_edit_form_class(ot)(data=request.POST if "_apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            values = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
            try:
                count = services.object_bulk_update(
                    actor=request.user, object_type=ot, pks=[o.pk for o in selected], values=values
                )
            except ServiceError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("Changed %(count)d objects.") % {"count": count})
                return redirect(ot.url_name("list"))
        return render(request, "core/object_bulk_edit.html", self.context(form=form, selected=selected))


class BulkDeleteView(ObjectTypeView):
    action = "delete"

    def post(self, request: HttpRequest) -> HttpResponse:
        ot = self.object_type
        pks = request.POST.getlist("pk")
        selected = selectors.object_list(actor=request.user, object_type=ot, action="delete").filter(
            pk__in=pks
        )
        if "_confirm" in request.POST:
            try:
                count = services.object_bulk_delete(
                    actor=request.user, object_type=ot, pks=[o.pk for o in selected]
                )
            except ServiceError as exc:
                return render(
                    request,
                    "core/object_bulk_delete.html",
                    self.context(selected=selected, error=exc.message),
                )
            messages.success(request, _("Deleted %(count)d objects.") % {"count": count})
            return redirect(ot.url_name("list"))
        return render(request, "core/object_bulk_delete.html", self.context(selected=selected))


class ObjectImportView(ObjectTypeView):
    action = "add"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "core/object_import.html", self.context(form=ImportForm()))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ImportForm(data=request.POST, files=request.FILES)
        row_errors: dict[str, list[str]] = {}
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                rows = tabular.read_rows(upload.name, upload.read())
                count = services.object_import(
                    actor=request.user,
                    object_type=self.object_type,
                    rows=rows,
                    max_rows=settings.OPENCIQ_MAX_IMPORT_ROWS,
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
                row_errors = exc.fields
            else:
                messages.success(request, _("Imported %(count)d objects.") % {"count": count})
                return redirect(self.object_type.url_name("list"))
        return render(request, "core/object_import.html", self.context(form=form, row_errors=row_errors))


def object_type_urls(object_type: ObjectType) -> list[Any]:
    """URL patterns for one registered type: ``/<app>/<path>/...``, names ``<app>:<model>_<action>``."""
    from django.urls import path

    m = object_type.model_name
    p = object_type.path

    def view(cls: type[ObjectTypeView]) -> Any:
        return cls.as_view(object_type=object_type)

    return [
        path(f"{p}/", view(ObjectListView), name=f"{m}_list"),
        path(f"{p}/add/", view(ObjectEditView), name=f"{m}_add"),
        path(f"{p}/import/", view(ObjectImportView), name=f"{m}_import"),
        path(f"{p}/bulk-edit/", view(BulkEditView), name=f"{m}_bulk_edit"),
        path(f"{p}/bulk-delete/", view(BulkDeleteView), name=f"{m}_bulk_delete"),
        path(f"{p}/<int:pk>/", view(ObjectDetailView), name=f"{m}_detail"),
        path(f"{p}/<int:pk>/edit/", view(ObjectEditView), name=f"{m}_edit"),
        path(f"{p}/<int:pk>/delete/", view(ObjectDeleteView), name=f"{m}_delete"),
        path(f"{p}/<int:pk>/history/", view(ObjectHistoryView), name=f"{m}_history"),
    ]


def app_urls(app_label: str) -> list[Any]:
    patterns: list[Any] = []
    for object_type in registry.object_types_of(app_label):
        patterns += object_type_urls(object_type)
    return patterns


# --- Shell pages ------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(reverse(settings.LOGIN_URL) + "?next=/")
    widgets = []
    for widget in sorted(registry.widgets.values(), key=lambda w: w.order):
        rendered = widget.render(request)
        if rendered is not None:
            widgets.append(rendered)
    return render(request, "core/home.html", {"widgets": widgets, "active_section": "home"})


def search(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(reverse(settings.LOGIN_URL))
    query = request.GET.get("q", "")
    results = selectors.global_search(actor=request.user, query=query)
    return render(request, "core/search.html", {"query": query, "results": results})


def audit_log(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(reverse(settings.LOGIN_URL))
    if not request.user.has_perm("core.view_auditevent"):
        raise PermissionDenied
    paginator = Paginator(selectors.audit_event_list(actor=request.user), 50)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"page": page, "active_section": "ops"})
