"""Pigs: the list (paged by id over millions of rows), look-up by either number, tagging, the
pig's page (both numbers, tag history, treatments and withdrawal, batches, lifetime warnings,
events with links to the trace of each tag), tag replacement, death, treatments."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openciq.trace import services as trace_services
from openciq.trace.models import SupervisionAlert
from openciq.trace.pigs import selectors, services
from openciq.trace.pigs.choices import AnimalStatus, TagStatus
from openciq.trace.pigs.filtersets import AnimalFilterSet
from openciq.trace.pigs.forms import DeathForm, ReplaceTagForm, ResolveForm, TagForm, TreatmentForm, numbers
from openciq.trace.pigs.models import Animal
from openciq.trace.pigs.views._common import SECTION, form_page, found, id_page, require, run

VIEW_ANIMAL = "pigs.view_animal"


@login_required
def animal_list(request: HttpRequest) -> HttpResponse:
    require(request, VIEW_ANIMAL)
    rows = selectors.animals(actor=request.user)
    filterset = AnimalFilterSet(request.GET or None, queryset=rows, request=request)
    if filterset.is_bound and filterset.is_valid():
        rows = filterset.qs
    context = {
        "title": _("Pigs"),
        "filterset": filterset,
        "can_tag": request.user.has_perm("pigs.add_animal"),
        **id_page(request, rows),
        **SECTION,
    }
    template = (
        "pigs/partials/animal_results.html" if getattr(request, "htmx", False) else "pigs/animal_list.html"
    )
    return render(request, template, context)


@login_required
def animal_lookup(request: HttpRequest) -> HttpResponse:
    """A pig's page by either number (a reader's or a form's look-up); 404 when none is found."""
    require(request, VIEW_ANIMAL)
    animal = found(selectors.animal_by_number(actor=request.user, number=request.GET.get("number", "")))
    return redirect("pigs:animal_detail", pk=animal.pk)


def _farm_initial(request: HttpRequest) -> dict[str, Any]:
    farm = selectors.farm_get(actor=request.user, pk=request.GET.get("farm"))
    return {"farm": farm} if farm else {}


@login_required
def animal_tag(request: HttpRequest) -> HttpResponse:
    """Register a pig with its China ear-tag number and its first electronic tag."""
    require(request, "pigs.add_animal")
    form = TagForm(
        request.POST if request.method == "POST" else None,
        farms=selectors.farm_choices(actor=request.user),
        initial=_farm_initial(request),
    )
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        data = services.TagInput(
            farm_id=d["farm"].pk,
            cn_number=d["cn_number"],
            iso_number=d["iso_number"],
            sex=d["sex"],
            breed=d["breed"],
            birth_date=d["birth_date"],
            applied_at=d["applied_at"],
        )
        animal = run(form, services.animal_tag, actor=request.user, data=data)
        if animal is not None:
            messages.success(request, _("Pig %(number)s was registered.") % {"number": animal.cn_number})
            return redirect("pigs:animal_detail", pk=animal.pk)
    return form_page(request, form, title=_("Tag a pig"), back_url=reverse("pigs:animal_list"))


def animal_page(request: HttpRequest, animal: Animal, **forms: Any) -> HttpResponse:
    """The pig's page (again, with a refused form: ``resolve<pk>=form``)."""
    user = request.user
    detail = selectors.animal_detail(actor=user, animal=animal)
    resolvable = user.has_perm("trace.handle_supervisionalert")
    context = {
        "object": animal,
        **detail,
        "resolve_forms": {
            a.pk: forms.get(f"resolve{a.pk}") or ResolveForm(prefix=f"a{a.pk}")
            for a in detail["alerts"]
            if resolvable and a.status != "resolved"
        },
        "can_replace": user.has_perm("pigs.replace_eartag") and animal.status == AnimalStatus.ACTIVE,
        "can_record_death": user.has_perm("pigs.record_death_animal")
        and animal.status in (AnimalStatus.ACTIVE, AnimalStatus.IN_TRANSIT),
        "can_treat": user.has_perm("pigs.add_treatment") and animal.status == AnimalStatus.ACTIVE,
        **SECTION,
    }
    return render(request, "pigs/animal.html", context)


@login_required
def animal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, VIEW_ANIMAL)
    return animal_page(request, found(selectors.animal_get(actor=request.user, pk=pk)))


@login_required
def tag_replace(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "pigs.replace_eartag")
    animal = found(selectors.animal_get(actor=request.user, pk=pk))
    tags = animal.tags.filter(status=TagStatus.ACTIVE).order_by("id")
    form = ReplaceTagForm(request.POST if request.method == "POST" else None, tags=tags)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        new = run(
            form,
            services.tag_replace,
            actor=request.user,
            tag_id=d["tag"].pk,
            new_iso_number=d["new_iso_number"],
            reason=d["reason"],
            replaced_at=d["replaced_at"],
        )
        if new is not None:
            messages.success(request, _("Tag %(number)s is on the pig.") % {"number": new.iso_number})
            return redirect("pigs:animal_detail", pk=animal.pk)
    return form_page(
        request,
        form,
        title=_("Replace an ear tag"),
        back_url=reverse("pigs:animal_detail", args=[animal.pk]),
        subject=animal,
    )


@login_required
def animal_death(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "pigs.record_death_animal")
    animal = found(selectors.animal_get(actor=request.user, pk=pk))
    form = DeathForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        done = run(
            form,
            services.animal_death,
            actor=request.user,
            animal_id=animal.pk,
            cause=d["cause"],
            note=d["note"],
            died_at=d["died_at"],
        )
        if done is not None:
            messages.success(
                request, _("The death of pig %(number)s was recorded.") % {"number": animal.cn_number}
            )
            return redirect("pigs:animal_detail", pk=animal.pk)
    return form_page(
        request,
        form,
        title=_("Record a death"),
        back_url=reverse("pigs:animal_detail", args=[animal.pk]),
        subject=animal,
    )


@login_required
def treatment_record(request: HttpRequest) -> HttpResponse:
    """Record a vaccination or medication of pigs of one farm (``?farm=`` and ``?animals=``
    pre-fill the form from a farm's or a pig's page)."""
    require(request, "pigs.add_treatment")
    initial = {**_farm_initial(request), "animals": request.GET.get("animals", "")}
    form = TreatmentForm(
        request.POST if request.method == "POST" else None,
        farms=selectors.farm_choices(actor=request.user),
        initial=initial,
    )
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        data = services.TreatmentInput(
            farm_id=d["farm"].pk,
            kind=d["kind"],
            product=d["product"],
            product_batch=d["product_batch"],
            dose=d["dose"],
            route=d["route"],
            veterinarian=d["veterinarian"],
            animals=numbers(d["animals"]),
            withdrawal_days=d["withdrawal_days"] or 0,
            given_at=d["given_at"],
        )
        treatment = run(form, services.treatment_record, actor=request.user, data=data)
        if treatment is not None:
            messages.success(
                request,
                _("The treatment of %(count)d pig(s) was recorded.") % {"count": treatment.animals.count()},
            )
            return redirect("pigs:farm_detail", pk=treatment.farm_id)
    return form_page(
        request, form, title=_("Record a vaccination or medication"), back_url=reverse("pigs:farm_list")
    )


@login_required
@require_POST
def animal_alert_resolve(request: HttpRequest, pk: int, alert_pk: int) -> HttpResponse:
    """Resolve one of the pig's lifetime warnings (the page again, with the error, if refused)."""
    require(request, "trace.handle_supervisionalert")
    animal = found(selectors.animal_get(actor=request.user, pk=pk))
    alert = found(
        SupervisionAlert.objects.restrict(request.user, "view")
        .filter(pk=alert_pk, subject=animal.uri)
        .first()
    )
    form = ResolveForm(request.POST, prefix=f"a{alert.pk}")
    if form.is_valid() and run(
        form,
        trace_services.alert_resolve,
        actor=request.user,
        alert_id=alert.pk,
        resolution=form.cleaned_data["resolution"],
    ):
        messages.success(request, _("The alert was resolved."))
        return redirect("pigs:animal_detail", pk=animal.pk)
    return animal_page(request, animal, **{f"resolve{alert.pk}": form})
