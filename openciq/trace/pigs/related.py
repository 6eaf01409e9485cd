"""The live-pig loading batches under a declaration's number, for the declaration's page
(registered with ``declarations.related``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openciq.declarations.related import RelatedGroup, RelatedRecord
from openciq.trace import related
from openciq.trace.pigs import selectors
from openciq.trace.pigs.models import LoadingBatch


def declaration_batches(actor: Any, declaration_number: str) -> RelatedGroup | None:
    if not actor.has_perm("pigs.view_loadingbatch"):
        return None
    rows = selectors.batches(actor=actor).filter(declaration_number=declaration_number)
    shown, more = related.first(rows)
    if not shown:
        return None
    links = LoadingBatch.alerts.through.objects.filter(loadingbatch_id__in=[b.pk for b in shown])
    owner = dict(links.values_list("supervisionalert_id", "loadingbatch_id"))
    alerts = related.visible_open_alerts(actor).filter(pk__in=list(owner))
    by_batch = related.group_alerts(alerts, owner)
    records = tuple(
        RelatedRecord(
            number=batch.number,
            url=reverse("pigs:batch_detail", args=[batch.pk]),
            status=batch.status,
            status_label=str(batch.get_status_display()),
            summary=_pigs(batch, int(getattr(batch, "declared", 0))),
            trace_url=related.trace_url(actor, batch.vehicle_uri),
            alerts=by_batch.get(batch.pk, ()),
        )
        for batch in shown
    )
    return RelatedGroup(
        key="pigs",
        title=_("Live-pig loading batches"),
        records=records,
        order=20,
        more=more,
        list_url=related.list_url("pigs:batch_list", declaration_number),
    )


def _pigs(batch: LoadingBatch, pigs: int) -> str:
    return ngettext(
        "Farm %(farm)s, truck %(plate)s, %(pigs)d pig declared",
        "Farm %(farm)s, truck %(plate)s, %(pigs)d pigs declared",
        pigs,
    ) % {"farm": batch.farm, "plate": batch.truck_plate, "pigs": pigs}
