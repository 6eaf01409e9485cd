"""The vegetable shipments under a declaration's number, for the declaration's page
(registered with ``declarations.related``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openciq.declarations.related import RelatedGroup, RelatedRecord
from openciq.trace import related
from openciq.trace.vegetables import selectors


def _prefix(number: str) -> str:
    return f"vegetables:{number}:"


def declaration_shipments(actor: Any, declaration_number: str) -> RelatedGroup | None:
    if not actor.has_perm("vegetables.view_shipment"):
        return None
    rows = selectors.shipments(actor=actor).filter(declaration_number=declaration_number)
    shown, more = related.first(rows)
    if not shown:
        return None
    keys = Q()
    for shipment in shown:
        keys |= Q(key__startswith=_prefix(shipment.number))
    alerts = list(related.visible_open_alerts(actor).filter(keys))
    owner = {
        alert.pk: shipment.pk
        for alert in alerts
        for shipment in shown
        if alert.key.startswith(_prefix(shipment.number))
    }
    by_shipment = related.group_alerts(alerts, owner)
    records = tuple(
        RelatedRecord(
            number=shipment.number,
            url=reverse("vegetables:shipment_detail", args=[shipment.pk]),
            status=shipment.status,
            status_label=str(shipment.get_status_display()),
            summary=_crates(shipment.truck_plate, int(getattr(shipment, "crate_count", 0))),
            trace_url=related.trace_url(actor, shipment.truck_epc),
            alerts=by_shipment.get(shipment.pk, ()),
        )
        for shipment in shown
    )
    return RelatedGroup(
        key="vegetables",
        title=_("Vegetable shipments"),
        records=records,
        order=10,
        more=more,
        list_url=related.list_url("vegetables:shipment_list", declaration_number),
    )


def _crates(plate: str, crates: int) -> str:
    return ngettext(
        "Truck %(plate)s, %(crates)d crate declared", "Truck %(plate)s, %(crates)d crates declared", crates
    ) % {"plate": plate, "crates": crates}
