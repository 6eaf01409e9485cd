"""The registers: planting bases with their plots and lots, harvest lots, crates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openciq.core.actions import run_service
from openciq.trace.vegetables import selectors, services
from openciq.trace.vegetables.filtersets import CrateFilterSet, HarvestLotFilterSet, PlantingBaseFilterSet
from openciq.trace.vegetables.forms import BaseRegisterForm, CrateRegisterForm, LotHarvestForm, PlotForm
from openciq.trace.vegetables.tables import CrateTable, HarvestLotTable, PlantingBaseTable
from openciq.trace.vegetables.views._common import SECTION, found, list_page, require

# --- Planting bases ---------------------------------------------------------------------------


@login_required
def base_list(request: HttpRequest) -> HttpResponse:
    require(request, "vegetables.view_plantingbase")
    can_add = request.user.has_perm("vegetables.add_plantingbase")
    return list_page(
        request,
        title=_("Planting bases"),
        rows=selectors.bases(actor=request.user),
        filterset_class=PlantingBaseFilterSet,
        table_class=PlantingBaseTable,
        results_id="base-list",
        buttons=[(_("Register a planting base"), reverse("vegetables:base_register"))] if can_add else [],
    )


@login_required
def base_register(request: HttpRequest) -> HttpResponse:
    require(request, "vegetables.add_plantingbase")
    data = request.POST if request.method == "POST" else None
    form = BaseRegisterForm(data, enterprises=selectors.enterprises(actor=request.user))
    if form.is_bound and form.is_valid():
        d = dict(form.cleaned_data)
        enterprise = d.pop("enterprise")
        base = run_service(form, services.base_register, actor=request.user, enterprise_id=enterprise.pk, **d)
        if base is not None:
            messages.success(
                request, _("Planting base %(number)s was registered.") % {"number": base.registration_number}
            )
            return redirect("vegetables:base_detail", pk=base.pk)
    return render(
        request,
        "vegetables/form.html",
        {
            "form": form,
            "title": _("Register a planting base"),
            "back": reverse("vegetables:base_list"),
            **SECTION,
        },
    )


def _base_page(request: HttpRequest, base: Any, plot_form: PlotForm | None = None) -> HttpResponse:
    can_add_plot = request.user.has_perm("vegetables.add_plot")
    context = {
        "object": base,
        "plots": list(selectors.base_plots(base=base)),
        "lots": list(selectors.lots(actor=request.user).filter(base=base)[:50]),
        "plot_form": (plot_form or PlotForm()) if can_add_plot else None,
        "can_harvest": request.user.has_perm("vegetables.add_harvestlot"),
        **SECTION,
    }
    return render(request, "vegetables/planting_base.html", context)


@login_required
def base_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "vegetables.view_plantingbase")
    return _base_page(request, found(selectors.base_get(actor=request.user, pk=pk)))


@login_required
@require_POST
def plot_add(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "vegetables.add_plot")
    base = found(selectors.base_get(actor=request.user, pk=pk))
    form = PlotForm(request.POST)
    if form.is_valid():
        plot = run_service(form, services.plot_add, actor=request.user, base_id=base.pk, **form.cleaned_data)
        if plot is not None:
            messages.success(request, _("Plot %(code)s was added.") % {"code": plot.code})
            return redirect("vegetables:base_detail", pk=base.pk)
    return _base_page(request, base, form)


# --- Harvest lots -----------------------------------------------------------------------------


@login_required
def lot_list(request: HttpRequest) -> HttpResponse:
    require(request, "vegetables.view_harvestlot")
    can_add = request.user.has_perm("vegetables.add_harvestlot")
    return list_page(
        request,
        title=_("Harvest lots"),
        rows=selectors.lots(actor=request.user),
        filterset_class=HarvestLotFilterSet,
        table_class=HarvestLotTable,
        results_id="lot-list",
        buttons=[(_("Record a harvest"), reverse("vegetables:lot_harvest"))] if can_add else [],
    )


@login_required
def lot_harvest(request: HttpRequest) -> HttpResponse:
    require(request, "vegetables.add_harvestlot")
    data = request.POST if request.method == "POST" else None
    initial = {"plot": request.GET.get("plot")} if data is None else None
    form = LotHarvestForm(
        data, initial=initial, plots=selectors.plots(actor=request.user), products=selectors.products()
    )
    if form.is_bound and form.is_valid():
        d = dict(form.cleaned_data)
        plot, product = d.pop("plot"), d.pop("product")
        lot = run_service(
            form, services.lot_harvest, actor=request.user, plot_id=plot.pk, product_id=product.pk, **d
        )
        if lot is not None:
            messages.success(request, _("Harvest lot %(number)s was recorded.") % {"number": lot.number})
            return redirect("vegetables:lot_detail", pk=lot.pk)
    return render(
        request,
        "vegetables/form.html",
        {"form": form, "title": _("Record a harvest"), "back": reverse("vegetables:lot_list"), **SECTION},
    )


@login_required
def lot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "vegetables.view_harvestlot")
    lot = found(selectors.lot_get(actor=request.user, pk=pk))
    packings = list(selectors.lot_packings(lot=lot)[:500])
    trucks: dict[int, Any] = {}
    for line in packings:
        trucks.setdefault(line.shipment_id, line.shipment)
    context = {
        "object": lot,
        "packings": packings,
        "trucks": list(trucks.values()),
        "left": lot.quantity_kg - (lot.packed_kg or 0),
        **SECTION,
    }
    return render(request, "vegetables/lot.html", context)


# --- Crates -----------------------------------------------------------------------------------


@login_required
def crate_list(request: HttpRequest) -> HttpResponse:
    require(request, "vegetables.view_crate")
    rows = selectors.crates(actor=request.user)
    can_add = request.user.has_perm("vegetables.add_crate")
    return list_page(
        request,
        title=_("Crates"),
        rows=rows,
        filterset_class=CrateFilterSet,
        table_class=CrateTable,
        results_id="crate-list",
        buttons=[(_("Register crates"), reverse("vegetables:crate_register"))] if can_add else [],
    )


@login_required
def crate_register(request: HttpRequest) -> HttpResponse:
    require(request, "vegetables.add_crate")
    data = request.POST if request.method == "POST" else None
    form = CrateRegisterForm(data, enterprises=selectors.enterprises(actor=request.user))
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        grais = d["listed"] or services.grai_range(
            company_prefix=d["company_prefix"],
            asset_type=d["asset_type"] or "",
            first_serial=d["first_serial"],
            count=d["count"],
        )
        crates = run_service(
            form, services.crate_register, actor=request.user, enterprise_id=d["enterprise"].pk, grais=grais
        )
        if crates is not None:
            messages.success(request, _("%(count)d crates were registered.") % {"count": len(crates)})
            return redirect("vegetables:crate_list")
    return render(
        request,
        "vegetables/form.html",
        {"form": form, "title": _("Register crates"), "back": reverse("vegetables:crate_list"), **SECTION},
    )
