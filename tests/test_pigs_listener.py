"""The capture listener: tags read at a farm's loading channel while a batch is loading there are
recorded against it, whatever carried the reads (a real ``capture_events`` from a device, a
``capture_document`` through the EPCIS API); reads elsewhere, before loading or after it are not."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from openciq.accounts.services import system_actor
from openciq.trace import identifiers
from openciq.trace import services as trace_services
from openciq.trace.pigs import epcis, services
from openciq.trace.pigs.models import ChannelRead
from tests.pigs_fixtures import PigWorld, channel_reads, pig_world, uri_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def pw() -> PigWorld:
    return pig_world()


def test_device_reads_at_the_channel_are_recorded_against_the_loading_batch(pw: PigWorld) -> None:
    pigs = pw.herd(2)
    batch = pw.loading(pigs)
    job = channel_reads(pw.farm, [uri_of(pigs[0])])
    assert job.stored_count == 1
    read = ChannelRead.objects.get(batch=batch)
    assert (read.uri, read.event.read_point_id) == (uri_of(pigs[0]), pw.farm.loading_channel_id)
    # The same tag read again keeps its first read.
    channel_reads(pw.farm, [uri_of(pigs[0]), uri_of(pigs[1])], when=timezone.now() + dt.timedelta(seconds=5))
    assert ChannelRead.objects.filter(batch=batch).count() == 2
    assert ChannelRead.objects.get(batch=batch, uri=uri_of(pigs[0])).read_at == read.read_at


def test_an_epcis_document_posted_through_the_api_path_is_recorded_too(pw: PigWorld) -> None:
    pig = pw.tag()
    batch = pw.loading([pig])
    event = epcis.channel_read(
        channel=pw.farm.loading_channel.uri, tag_uris=[uri_of(pig)], when=timezone.now()
    )
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": timezone.now().isoformat(),
        "epcisBody": {"eventList": [event]},
    }
    job = trace_services.capture_document(
        actor=pw.inspector, data=json.dumps(document).encode(), media_type="application/ld+json"
    )
    assert (job.status, job.stored_count) == ("succeeded", 1)
    assert list(ChannelRead.objects.filter(batch=batch).values_list("uri", flat=True)) == [uri_of(pig)]


def test_reads_while_no_batch_is_loading_or_elsewhere_are_not_recorded(pw: PigWorld) -> None:
    pig = pw.tag()
    batch = pw.declare([pig])  # declared, the channel not opened yet
    channel_reads(pw.farm, [uri_of(pig)])
    assert not ChannelRead.objects.exists()
    services.batch_start_loading(actor=pw.inspector, batch_id=batch.pk)
    trace_services.capture_events(
        actor=system_actor(),
        events=[
            epcis.channel_read(
                channel=identifiers.place("gate", "HUANGGANG-3"), tag_uris=[uri_of(pig)], when=timezone.now()
            )
        ],
        source="mqtt",
    )
    assert not ChannelRead.objects.exists()


def test_a_readers_buffer_from_before_loading_is_left_out(pw: PigWorld) -> None:
    pig = pw.tag()
    batch = pw.loading([pig])
    channel_reads(pw.farm, [uri_of(pig)], when=timezone.now() - dt.timedelta(hours=2))
    assert not ChannelRead.objects.filter(batch=batch).exists()


def test_reads_after_reconciliation_belong_to_no_batch(pw: PigWorld) -> None:
    pig, late = pw.herd(2)
    batch = pw.loading([pig])
    channel_reads(pw.farm, [uri_of(pig)])
    services.batch_reconcile(actor=pw.inspector, batch_id=batch.pk)
    channel_reads(pw.farm, [uri_of(late)])
    assert list(ChannelRead.objects.values_list("uri", flat=True)) == [uri_of(pig)]
