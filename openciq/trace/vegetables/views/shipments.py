"""Truck trips: the list, opening one, its page (declared against read at the gate, the seal, the
decision and who made it, the inspector's buttons), its actions, and the port inspector's
worklist."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from openciq.accounts.services import is_system_actor
from openciq.core.actions import run_service
from openciq.trace.tables import short_identifier
from openciq.trace.vegetables import gate, selectors, services
from openciq.trace.vegetables.choices import SealFinding, ShipmentStatus
from openciq.trace.vegetables.filtersets import ShipmentFilterSet
from openciq.trace.vegetables.forms import (
    CrateForm,
    NoteForm,
    PackForm,
    ReasonForm,
    ReceiveForm,
    SealForm,
    ShipmentCreateForm,
    StyledForm,
)
from openciq.trace.vegetables.models import Shipment, short_grai
from openciq.trace.vegetables.tables import STATUS_BADGES, ShipmentTable
from openciq.trace.vegetables.views._common import SECTION, found, list_page, require


@login_required
def shipment_list(request: HttpRequest) -> HttpResponse:
    require(request, "vegetables.view_shipment")
    can_add = request.user.has_perm("vegetables.add_shipment")
    return list_page(
        request,
        title=_("Vegetable shipments"),
        rows=selectors.shipments(actor=request.user),
        filterset_class=ShipmentFilterSet,
        table_class=ShipmentTable,
        results_id="shipment-list",
        buttons=[(_("New shipment"), reverse("vegetables:shipment_create"))] if can_add else [],
    )


@login_required
def shipment_create(request: HttpRequest) -> HttpResponse:
    require(request, "vegetables.add_shipment")
    data = request.POST if request.method == "POST" else None
    form = ShipmentCreateForm(
        data, enterprises=selectors.enterprises(actor=request.user), ports=selectors.ports()
    )
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        shipment = run_service(
            form,
            services.shipment_create,
            actor=request.user,
            enterprise_id=d["enterprise"].pk,
            port_id=d["port"].pk,
            declaration_number=d["declaration_number"],
            truck_plate=d["truck_plate"],
        )
        if shipment is not None:
            messages.success(request, _("Shipment %(number)s was opened.") % {"number": shipment.number})
            return redirect("vegetables:shipment_detail", pk=shipment.pk)
    context = {
        "form": form,
        "title": _("New shipment"),
        "back": reverse("vegetables:shipment_list"),
        **SECTION,
    }
    return render(request, "vegetables/form.html", context)


# --- The actions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    label: str | Promise
    permission: str
    states: frozenset[str]
    form: Callable[..., StyledForm] | None
    call: Callable[..., Any]  # (request, shipment, cleaned data) -> service result
    done: str | Promise
    style: str = "btn-primary"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


SHIPMENT_ACTIONS: dict[str, Action] = {
    "pack": Action(
        gettext_lazy("Pack a crate"),
        "vegetables.pack_shipment",
        frozenset({ShipmentStatus.PACKING}),
        PackForm,
        lambda r, s, d: services.crate_pack(
            actor=r.user, shipment_id=s.pk, crate=d["crate"], lot_id=d["lot"], quantity_kg=d["quantity_kg"]
        ),
        gettext_lazy("The crate was packed."),
    ),
    "unpack": Action(
        gettext_lazy("Take a crate off"),
        "vegetables.pack_shipment",
        frozenset({ShipmentStatus.PACKING}),
        CrateForm,
        lambda r, s, d: services.crate_unpack(actor=r.user, shipment_id=s.pk, crate=d["crate"]),
        gettext_lazy("The crate was taken off."),
        "btn-outline-secondary",
    ),
    "load": Action(
        gettext_lazy("Load the packed crates"),
        "vegetables.pack_shipment",
        frozenset({ShipmentStatus.PACKING}),
        None,
        lambda r, s, d: services.shipment_load(actor=r.user, shipment_id=s.pk),
        gettext_lazy("The crates were loaded."),
    ),
    "seal": Action(
        gettext_lazy("Seal the truck"),
        "vegetables.seal_shipment",
        frozenset({ShipmentStatus.PACKING}),
        SealForm,
        lambda r, s, d: services.shipment_seal(actor=r.user, shipment_id=s.pk, seal_id=d["seal_id"]),
        gettext_lazy("The truck was sealed."),
    ),
    "acknowledge": Action(
        gettext_lazy("Take it: start the inspection"),
        "vegetables.inspect_shipment",
        frozenset({ShipmentStatus.HELD}),
        None,
        lambda r, s, d: services.shipment_acknowledge(actor=r.user, shipment_id=s.pk),
        gettext_lazy("The alerts are marked as being handled by you."),
        "btn-outline-primary",
    ),
    "release": Action(
        gettext_lazy("Release after inspection"),
        "vegetables.inspect_shipment",
        frozenset({ShipmentStatus.HELD}),
        NoteForm,
        lambda r, s, d: services.shipment_release_after_inspection(
            actor=r.user, shipment_id=s.pk, note=d["note"]
        ),
        gettext_lazy("The truck was released."),
        "btn-success",
    ),
    "reject": Action(
        gettext_lazy("Turn back"),
        "vegetables.inspect_shipment",
        frozenset({ShipmentStatus.HELD}),
        ReasonForm,
        lambda r, s, d: services.shipment_reject(actor=r.user, shipment_id=s.pk, reason=d["reason"]),
        gettext_lazy("The truck was turned back."),
        "btn-danger",
    ),
    "receive": Action(
        gettext_lazy("Record the Hong Kong receipt"),
        "vegetables.receive_shipment",
        frozenset({ShipmentStatus.RELEASED}),
        ReceiveForm,
        lambda r, s, d: services.shipment_receive_hk(
            actor=r.user,
            shipment_id=s.pk,
            market_id=d["market"].pk,
            crates_read=_lines(d["crates_read"]) or None,
            note=d["note"],
        ),
        gettext_lazy("The receipt was recorded."),
    ),
    "cancel": Action(
        gettext_lazy("Cancel the shipment"),
        "vegetables.cancel_shipment",
        frozenset({ShipmentStatus.PACKING, ShipmentStatus.SEALED}),
        ReasonForm,
        lambda r, s, d: services.shipment_cancel(actor=r.user, shipment_id=s.pk, reason=d["reason"]),
        gettext_lazy("The shipment was cancelled."),
        "btn-outline-danger",
    ),
}


def _form(verb: str, request: HttpRequest, shipment: Shipment, data: Any = None) -> StyledForm | None:
    action = SHIPMENT_ACTIONS[verb]
    if action.form is None:
        return None
    prefix = verb
    if verb == "pack":
        return PackForm(
            data,
            prefix=prefix,
            lots=selectors.open_lots(actor=request.user, enterprise_id=shipment.enterprise_id),
        )
    if verb == "receive":
        return ReceiveForm(data, prefix=prefix, markets=selectors.markets())
    return action.form(data, prefix=prefix)


def _verbs(request: HttpRequest, shipment: Shipment, alerts: list[Any]) -> list[str]:
    verbs = [
        verb
        for verb, action in SHIPMENT_ACTIONS.items()
        if shipment.status in action.states and request.user.has_perm(action.permission)
    ]
    if "acknowledge" in verbs and not any(alert.status == "open" for alert in alerts):
        verbs.remove("acknowledge")
    return verbs


@login_required
@require_POST
def shipment_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    action = SHIPMENT_ACTIONS.get(verb)
    if action is None:
        raise Http404
    require(request, action.permission)
    shipment = found(selectors.shipment_get(actor=request.user, pk=pk))
    form = _form(verb, request, shipment, request.POST) or StyledForm(request.POST)
    if form.is_valid():
        run_service(form, action.call, r=request, s=shipment, d=form.cleaned_data)
        if not form.errors:  # a refusal puts its messages on the form
            messages.success(request, str(action.done))
            return redirect("vegetables:shipment_detail", pk=shipment.pk)
    return _shipment_page(request, shipment, {verb: form})


# --- The shipment's page ----------------------------------------------------------------------


@login_required
def shipment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "vegetables.view_shipment")
    return _shipment_page(request, found(selectors.shipment_get(actor=request.user, pk=pk)), {})


def _gate_side(shipment: Shipment, lines: list[Any]) -> dict[str, Any]:
    """The gate's side of the comparison, as the page shows it."""
    result = shipment.gate_result or {}
    labels = {uri: short_grai(grai) for uri, grai in result.get("labels", {}).items()}
    return {
        "compared": bool(result),
        "missing": [labels.get(uri, short_identifier(uri)) for uri in result.get("missing", [])],
        "extra": [
            {"uri": uri, "label": labels.get(uri, short_identifier(uri))} for uri in result.get("extra", [])
        ],
        "lots_missing": result.get("lots_missing", []),
        "seal": result.get("seal", ""),
        "seal_label": dict(SealFinding.choices).get(result.get("seal", ""), ""),
        "seal_reported": result.get("seal_reported", ""),
        "seals_read": [short_identifier(uri) for uri in result.get("seals_read", [])],
        "crates_read": result.get("crates_read", sum(1 for line in lines if line.read_at_gate)),
    }


def _shipment_page(request: HttpRequest, shipment: Shipment, refused: dict[str, Any]) -> HttpResponse:
    lines = selectors.shipment_lines(shipment=shipment)
    alerts = selectors.shipment_alerts(actor=request.user, shipment=shipment)
    actions = [
        {
            "verb": verb,
            "action": SHIPMENT_ACTIONS[verb],
            "form": refused.get(verb) or _form(verb, request, shipment),
            "open": verb in refused,
            "url": reverse("vegetables:shipment_action", args=[shipment.pk, verb]),
        }
        for verb in _verbs(request, shipment, alerts)
    ]
    offered = {entry["verb"] for entry in actions}
    # A refusal of a step no longer offered (the state moved on) is shown above the page.
    stale = [str(e) for verb, form in refused.items() if verb not in offered for e in form.non_field_errors()]
    context = {
        "object": shipment,
        "stale_errors": stale,
        "held_reason": gate.describe(shipment.gate_result) if shipment.gate_result else shipment.held_reason,
        "badge": STATUS_BADGES.get(shipment.status, ""),
        "lines": lines,
        "summary": selectors.shipment_summary(lines=lines),
        "gate": _gate_side(shipment, lines),
        "alerts": alerts,
        "electronic": shipment.decided_by is not None and is_system_actor(shipment.decided_by),
        "actions": actions,
        **SECTION,
    }
    return render(request, "vegetables/shipment.html", context)


# --- The port inspector's worklist -------------------------------------------------------------


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    require(request, "vegetables.view_shipment")
    context = selectors.worklist(actor=request.user)
    for shipment in context["held"]:
        shipment.reason = gate.describe(shipment.gate_result) if shipment.gate_result else ""
    context.update(SECTION)
    return render(request, "vegetables/worklist.html", context)
