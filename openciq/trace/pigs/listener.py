"""The capture listener: tags read at a farm's loading channel while a batch is loading there are
recorded against that batch (``ChannelRead``), whatever carried the reads (MQTT, a reader posting
over HTTP, the EPCIS API). Called by ``openciq.trace.capture`` inside the capture's transaction
with every batch of newly stored events.

Cheap on everything else: events without a read point cost nothing, and a capture with read
points costs one indexed query (batches loading at those places) before it knows they are not
its concern. Reads stamped well before the batch started loading (a reader's buffer from an
earlier truck) are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from openciq.trace.choices import Action, EpcRole, EventType
from openciq.trace.models import Event, EventEpc
from openciq.trace.pigs.choices import BatchStatus
from openciq.trace.pigs.models import ChannelRead, LoadingBatch

# How far a reader's clock may lag behind the start of loading.
CLOCK_SLACK = dt.timedelta(minutes=10)


def record_channel_reads(events: Sequence[Event]) -> None:
    """Record the loading-channel reads among ``events`` against the batch loading there."""
    places = {
        e.read_point_id
        for e in events
        if e.read_point_id is not None and e.type == EventType.OBJECT and e.action == Action.OBSERVE
    }
    if not places:
        return
    batches = {
        b.loading_channel_id: b
        for b in LoadingBatch.objects.filter(status=BatchStatus.LOADING, loading_channel_id__in=places).only(
            "id", "loading_channel_id", "loading_started_at"
        )
    }
    if not batches:
        return
    mine = [
        e
        for e in events
        if e.read_point_id in batches
        and e.type == EventType.OBJECT
        and e.action == Action.OBSERVE
        and not e.is_error_declaration
        and _in_window(e, batches[e.read_point_id])
    ]
    if not mine:
        return
    by_id = {e.pk: e for e in mine}
    reads: dict[tuple[int, str], ChannelRead] = {}
    for event_id, uri in EventEpc.objects.filter(event_id__in=list(by_id), role=EpcRole.EPC).values_list(
        "event_id", "epc__uri"
    ):
        event = by_id[event_id]
        batch = batches[event.read_point_id]
        key = (batch.pk, uri)
        if key not in reads or event.event_time < reads[key].read_at:
            reads[key] = ChannelRead(batch_id=batch.pk, uri=uri, read_at=event.event_time, event_id=event.pk)
    # A tag read again (the truck's next pass, a reader repeating itself) keeps its first read.
    ChannelRead.objects.bulk_create(list(reads.values()), ignore_conflicts=True)


def _in_window(event: Event, batch: LoadingBatch) -> bool:
    started = batch.loading_started_at
    return started is None or event.event_time >= started - CLOCK_SLACK
