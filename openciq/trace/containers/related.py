"""The sealed container trips under a declaration's number, for the declaration's page
(registered with ``declarations.related``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from openciq.declarations.related import RelatedGroup, RelatedRecord
from openciq.trace import related
from openciq.trace.containers import selectors
from openciq.trace.containers.services import alert_key


def declaration_trips(actor: Any, declaration_number: str) -> RelatedGroup | None:
    if not actor.has_perm("containers.view_trip"):
        return None
    rows = selectors.trips(actor=actor).filter(declaration_number=declaration_number)
    shown, more = related.first(rows)
    if not shown:
        return None
    keys = Q()
    for trip in shown:
        keys |= Q(key__startswith=alert_key(trip))
    alerts = related.visible_open_alerts(actor).filter(keys)
    owner = {alert.pk: alert.details.get("trip_id") for alert in alerts}
    by_trip = related.group_alerts(alerts, owner)
    records = tuple(
        RelatedRecord(
            number=trip.number,
            url=reverse("containers:trip_detail", args=[trip.pk]),
            status=trip.status,
            status_label=str(trip.get_status_display()),
            summary=_("Container %(container)s, seal %(seal)s, truck %(plate)s")
            % {"container": trip.container, "seal": trip.seal.seal_id, "plate": trip.plate},
            trace_url=related.trace_url(actor, trip.container.uri),
            alerts=by_trip.get(trip.pk, ()),
        )
        for trip in shown
    )
    return RelatedGroup(
        key="containers",
        title=_("Sealed container trips"),
        records=records,
        order=30,
        more=more,
        list_url=related.list_url("containers:trip_list", declaration_number),
    )
