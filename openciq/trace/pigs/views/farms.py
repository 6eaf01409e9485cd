"""Registered farms: the list, registration, the farm's page with its ear-tag ranges, pigs by
state and latest batches, and issuing a range."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tables2 import RequestConfig

from openciq.core.views import page_size
from openciq.trace.pigs import selectors, services
from openciq.trace.pigs.filtersets import FarmFilterSet
from openciq.trace.pigs.forms import FarmForm, TagRangeForm
from openciq.trace.pigs.tables import FarmTable
from openciq.trace.pigs.views._common import SECTION, form_page, found, require, run


@login_required
def farm_list(request: HttpRequest) -> HttpResponse:
    """The registered farms of the user's area (93 in the bureau: counted pages are fine)."""
    require(request, "pigs.view_farm")
    rows = selectors.farms(actor=request.user)
    filterset = FarmFilterSet(request.GET or None, queryset=rows, request=request)
    if filterset.is_bound and filterset.is_valid():
        rows = filterset.qs
    table = FarmTable(rows)
    RequestConfig(request, paginate={"per_page": page_size(request)}).configure(table)
    context = {
        "title": _("Registered pig farms"),
        "filterset": filterset,
        "table": table,
        "can_add": request.user.has_perm("pigs.add_farm"),
        **SECTION,
    }
    template = (
        "pigs/partials/table_results.html" if getattr(request, "htmx", False) else "pigs/farm_list.html"
    )
    return render(request, template, context)


@login_required
def farm_register(request: HttpRequest) -> HttpResponse:
    require(request, "pigs.add_farm")
    form = FarmForm(
        request.POST if request.method == "POST" else None,
        enterprises=selectors.enterprise_choices(actor=request.user),
        offices=selectors.office_choices(actor=request.user),
    )
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        data = services.FarmInput(
            registration_number=d["registration_number"].strip().upper(),
            name_zh=d["name_zh"],
            name_en=d["name_en"],
            enterprise_id=d["enterprise"].pk,
            org_unit_id=d["org_unit"].pk,
            county_code=d["county_code"].strip(),
            address=d["address"],
            capacity=d["capacity"] or 0,
            latitude=d["latitude"],
            longitude=d["longitude"],
        )
        farm = run(form, services.farm_register, actor=request.user, data=data)
        if farm is not None:
            messages.success(
                request, _("Farm %(number)s was registered.") % {"number": farm.registration_number}
            )
            return redirect("pigs:farm_detail", pk=farm.pk)
    return form_page(request, form, title=_("Register a farm"), back_url=reverse("pigs:farm_list"))


@login_required
def farm_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "pigs.view_farm")
    farm = found(selectors.farm_get(actor=request.user, pk=pk))
    context = {
        "object": farm,
        **selectors.farm_detail(actor=request.user, farm=farm),
        "range_form": TagRangeForm() if request.user.has_perm("pigs.add_tagrange") else None,
        "can_tag": request.user.has_perm("pigs.add_animal") and farm.is_active,
        "can_treat": request.user.has_perm("pigs.add_treatment") and farm.is_active,
        "can_declare": request.user.has_perm("pigs.add_loadingbatch") and farm.is_active,
        **SECTION,
    }
    return render(request, "pigs/farm.html", context)


@login_required
def range_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a range of ear-tag numbers to the farm (refused overlaps name the first number)."""
    require(request, "pigs.add_tagrange")
    farm = found(selectors.farm_get(actor=request.user, pk=pk))
    form = TagRangeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        issued = run(
            form,
            services.tag_range_issue,
            actor=request.user,
            farm_id=farm.pk,
            country=d["country"],
            first_national_id=d["first_national_id"],
            last_national_id=d["last_national_id"],
            note=d["note"],
        )
        if issued is not None:
            messages.success(request, _("Range %(range)s was issued.") % {"range": str(issued)})
            return redirect("pigs:farm_detail", pk=farm.pk)
    return form_page(
        request,
        form,
        title=_("Issue an ear-tag range"),
        back_url=reverse("pigs:farm_detail", args=[farm.pk]),
        subject=farm,
    )
