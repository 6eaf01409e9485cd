"""The container alarms beyond the seal's own: a read off the trip's route (raised by the capture
listener, blocking, holding the declaration), a trip standing too long at one place and a trip not
read for too long (found by time by the sweep, ``openciq trace watch``, warnings that hold
nothing). Raised exactly when they should be, once per trip and kind while open, again for a new
stop or silence once resolved; handled by whom the other alarms are handled by."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from openciq.accounts.services import system_actor
from openciq.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from openciq.core.models import AuditEvent
from openciq.declarations import holds
from openciq.trace import identifiers
from openciq.trace import services as trace_services
from openciq.trace.containers import selectors, services, watch
from openciq.trace.containers.models import Trip
from openciq.trace.models import Event, Location, SupervisionAlert
from tests import personas
from tests.containers_fixtures import (
    CONTAINERS,
    DECLARATION,
    ContainerWorld,
    capture_reads,
    container_world,
    read,
    refresh,
)

pytestmark = pytest.mark.django_db
MIN = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def w() -> ContainerWorld:
    return container_world()


def _alerts(trip: Trip, kind: str | None = None) -> list[SupervisionAlert]:
    rows = SupervisionAlert.objects.filter(key__startswith=services.alert_key(trip)).order_by("id")
    return list(rows.filter(kind=kind) if kind else rows)


def _place(kind: str, code: str, name: str, parent: Location | None = None) -> Location:
    return trace_services.location_save(
        actor=system_actor(),
        uri=identifiers.place(kind, code),
        name=name,
        kind=kind,
        parent_uri=parent.uri if parent else None,
    )


def _seal_via(w: ContainerWorld, checkpoints: list[Location], n: int = 0) -> Trip:
    """A trip from the yard to the Huanggang gate through ``checkpoints``."""
    data = services.TripInput(
        declaration_number=DECLARATION,
        container_number=CONTAINERS[n],
        seal_id=w.seals[n].seal_id,
        plate="粤Z·A1234港",
        origin_port_id=w.origin.pk,
        destination_port_id=w.destination.pk,
        sealing_location_id=w.yard.pk,
        arrival_location_id=w.gate.pk,
        checkpoint_ids=[c.pk for c in checkpoints],
    )
    return services.trip_seal(actor=w.sealer, data=data)


def _at(w: ContainerWorld, trip: Trip, place: Location, when: dt.datetime, **extra: Any) -> None:
    """An intact read of the trip's container and seal at ``place`` at ``when``."""
    capture_reads(
        w, [read(place, trip.container.uri, trip.seal.uri, when=when, seal_status="sealed", **extra)]
    )


# --- Route deviation (the capture listener) ---------------------------------------------------------


def test_a_read_off_the_route_raises_a_blocking_route_deviation(w: ContainerWorld) -> None:
    trip = w.seal()
    _at(w, trip, w.checkpoint, trip.sealed_at + 30 * MIN)
    assert refresh(trip).status == "in_transit" and not _alerts(trip)
    _at(w, trip, w.depot, trip.sealed_at + 70 * MIN)
    trip = refresh(trip)
    (alert,) = _alerts(trip)
    assert (alert.kind, alert.blocking, alert.severity, alert.declaration_number) == (
        "route_deviation",
        True,
        "medium",
        DECLARATION,
    )
    assert alert.org_unit.code == "SZ" and alert.subject == trip.container.uri
    assert alert.details["place"] == "中山某堆场" and alert.details["trip_id"] == trip.pk
    assert alert.event.read_point_id == w.depot.pk
    assert trip.status == "alarm" and trip.alarm_at is not None
    assert (trip.last_read_location_id, trip.seal.status) == (w.depot.pk, "sealed")  # the seal is intact
    held = Event.objects.get(biz_step="holding", epcs__epc__uri=trip.container.uri)
    doc = json.loads(held.document)
    assert doc["ociq:alarm"] == "route_deviation" and doc["readPoint"] == {"id": w.depot.uri}
    assert "disposition" not in doc  # no seal mismatch: a hold, no more
    raised = AuditEvent.objects.filter(action="trace.alert_raised", object_id=str(alert.pk))
    assert raised.count() == 1 and raised.get().actor == system_actor()


def test_the_route_is_the_yard_the_checkpoints_the_gate_and_what_is_inside_them(w: ContainerWorld) -> None:
    booth = _place("checkpoint", "DG-CP-07-B2", "东莞卡口 7 号 2 号亭", parent=w.checkpoint)
    bay = _place("yard", "GZ-HP-01-BAY4", "黄埔堆场 4 区", parent=w.yard)
    trip = w.seal()
    t = trip.sealed_at
    _at(w, trip, bay, t + 5 * MIN)
    _at(w, trip, w.checkpoint, t + 30 * MIN)
    _at(w, trip, booth, t + 35 * MIN)
    capture_reads(w, [read(w.lane, trip.container.uri, when=t + 90 * MIN, biz_step="arriving")])
    trip = refresh(trip)
    assert trip.status == "arrived" and not _alerts(trip)
    # The gate itself is on the route; a place around a route stop is not.
    other = _seal_via(w, [booth], n=1)
    _at(w, other, w.checkpoint, other.sealed_at + 30 * MIN)
    (alert,) = _alerts(other)
    assert alert.kind == "route_deviation" and alert.details["place"] == "东莞卡口 7"


def test_a_read_without_a_place_is_no_deviation(w: ContainerWorld) -> None:
    trip = w.seal()
    capture_reads(w, [read(None, trip.container.uri, trip.seal.uri, seal_status="sealed")])
    assert not _alerts(trip) and refresh(trip).status == "sealed"


def test_an_opening_off_the_route_is_one_seal_opened_alarm(w: ContainerWorld) -> None:
    trip = w.seal()
    capture_reads(w, [read(w.depot, trip.container.uri, disposition="container_open")])
    (alert,) = _alerts(refresh(trip))
    assert alert.kind == "seal_opened" and "中山某堆场" in alert.title
    # A later intact read off the route is a deviation of its own (the opening is another fact).
    _at(w, trip, w.depot, trip.sealed_at + 60 * MIN)
    assert [a.kind for a in _alerts(trip)] == ["seal_opened", "route_deviation"]


def test_one_open_deviation_at_a_time_and_a_new_one_after_it_is_resolved(w: ContainerWorld) -> None:
    trip = w.seal()
    t = trip.sealed_at
    _at(w, trip, w.depot, t + 40 * MIN)
    _at(w, trip, w.depot, t + 45 * MIN)
    (first,) = _alerts(trip)
    trace_services.alert_resolve(
        actor=w.inspector, alert_id=first.pk, resolution="Driver took a detour around a closed road."
    )
    assert holds.reasons(DECLARATION) == []
    _at(w, trip, w.depot, t + 50 * MIN)
    second = _alerts(trip)[-1]
    assert second.pk != first.pk and (second.kind, second.status) == ("route_deviation", "open")
    assert holds.reasons(DECLARATION) == [second.title]


def test_a_blocking_route_deviation_holds_the_declarations_release(w: ContainerWorld) -> None:
    trip = w.seal()
    _at(w, trip, w.depot, trip.sealed_at + 40 * MIN)
    (alert,) = _alerts(trip)
    # What declaration_release asks before it releases: the reasons the declaration is held.
    assert holds.reasons(DECLARATION) == [alert.title]
    assert holds.reasons("530120260000099999") == []
    _at(w, trip, w.gate, trip.sealed_at + 90 * MIN)
    assert refresh(trip).status == "alarm" and refresh(trip).arrived_at is not None
    with pytest.raises(ValidationFailed) as refused:
        services.trip_clear(actor=w.inspector, trip_id=trip.pk)
    assert refused.value.fields["alerts"] == [alert.title]


# --- Dwell and loss of signal (the sweep) ------------------------------------------------------------


def test_a_trip_standing_at_a_checkpoint_too_long_raises_a_dwell_warning(w: ContainerWorld) -> None:
    trip = w.seal()
    t = trip.sealed_at
    for minutes in range(20, 150, 20):  # read at the checkpoint from t+20 to t+140
        _at(w, trip, w.checkpoint, t + minutes * MIN)
    assert watch.sweep(now=t + 139 * MIN).raised == 0  # 119 minutes there: not yet
    result = watch.sweep(now=t + 141 * MIN)
    assert (result.checked, result.dwell, result.signal_lost) == (1, 1, 0)
    (alert,) = _alerts(trip)
    assert (alert.kind, alert.blocking, alert.severity, alert.declaration_number) == (
        "dwell",
        False,
        "medium",
        "",
    )
    assert alert.details["place"] == "东莞卡口 7" and alert.details["minutes"] == 121
    assert alert.details["limit_minutes"] == 120 and alert.org_unit.code == "SZ"
    at_checkpoint = Event.objects.filter(epcs__epc__uri=trip.container.uri, read_point=w.checkpoint)
    assert alert.event == at_checkpoint.earliest("event_time")  # the stop's first read
    assert refresh(trip).status == "in_transit" and holds.reasons(DECLARATION) == []
    raised = AuditEvent.objects.get(action="trace.alert_raised", object_id=str(alert.pk))
    assert raised.actor == system_actor() and raised.changes["kind"] == "dwell"


def test_moving_on_is_no_dwell_and_a_lane_is_the_same_stop_as_its_checkpoint(w: ContainerWorld) -> None:
    second = _place("checkpoint", "SZ-CP-01", "深圳卡口 1")
    booth = _place("checkpoint", "SZ-CP-01-B1", "深圳卡口 1 号亭", parent=second)
    trip = _seal_via(w, [w.checkpoint, second])
    t = trip.sealed_at
    _at(w, trip, w.checkpoint, t + 20 * MIN)
    _at(w, trip, w.checkpoint, t + 100 * MIN)
    _at(w, trip, second, t + 110 * MIN)
    _at(w, trip, booth, t + 150 * MIN)
    _at(w, trip, second, t + 200 * MIN)
    assert watch.sweep(now=t + 220 * MIN).raised == 0  # 110 minutes at the second checkpoint
    watch.sweep(now=t + 231 * MIN)
    (alert,) = _alerts(trip)
    assert alert.kind == "dwell" and alert.event.read_point_id == second.pk
    assert alert.details["minutes"] == 121


def test_a_silent_trip_raises_a_loss_of_signal_warning_and_no_dwell(w: ContainerWorld) -> None:
    trip = w.seal()
    t = trip.sealed_at
    _at(w, trip, w.checkpoint, t + 30 * MIN)
    assert watch.sweep(now=t + 90 * MIN).raised == 0  # an hour after the read: not more than the limit
    result = watch.sweep(now=t + 200 * MIN)  # long past the dwell limit too, but not seen standing
    assert (result.dwell, result.signal_lost) == (0, 1)
    (alert,) = _alerts(trip)
    assert (alert.kind, alert.blocking, alert.severity) == ("signal_lost", False, "high")
    assert alert.details["place"] == "东莞卡口 7" and alert.details["minutes"] == 170
    assert "东莞卡口 7" in alert.title and CONTAINERS[0][:4] in alert.title
    assert alert.event.read_point_id == w.checkpoint.pk and holds.reasons(DECLARATION) == []


def test_a_trip_seen_standing_then_silent_gets_both_warnings(w: ContainerWorld) -> None:
    trip = w.seal()
    t = trip.sealed_at
    for minutes in (20, 80, 145):
        _at(w, trip, w.checkpoint, t + minutes * MIN)
    result = watch.sweep(now=t + 230 * MIN)
    assert (result.dwell, result.signal_lost) == (1, 1)
    assert sorted(a.kind for a in _alerts(trip)) == ["dwell", "signal_lost"]


def test_the_sweep_is_idempotent(w: ContainerWorld) -> None:
    trip = w.seal()
    _at(w, trip, w.checkpoint, trip.sealed_at + 10 * MIN)
    later = trip.sealed_at + 5 * 60 * MIN
    assert watch.sweep(now=later).raised == 1
    before = AuditEvent.objects.count()
    assert watch.sweep(now=later).raised == 0
    assert watch.sweep(now=later + 60 * MIN).raised == 0
    assert len(_alerts(trip)) == 1 and AuditEvent.objects.count() == before


def test_a_resolved_warning_is_raised_again_for_a_new_silence_only(w: ContainerWorld) -> None:
    trip = w.seal()
    t = trip.sealed_at
    _at(w, trip, w.checkpoint, t + 10 * MIN)
    watch.sweep(now=t + 80 * MIN)
    (first,) = _alerts(trip)
    trace_services.alert_acknowledge(actor=w.inspector, alert_id=first.pk)
    trace_services.alert_resolve(actor=w.inspector, alert_id=first.pk, resolution="Reader at km 42 down.")
    assert watch.sweep(now=t + 90 * MIN).raised == 0  # the same silence: resolved, not raised again
    _at(w, trip, w.checkpoint, t + 100 * MIN)  # heard from again, then silent again
    assert watch.sweep(now=t + 161 * MIN).signal_lost == 1
    alerts = _alerts(trip)
    assert [(a.kind, a.status) for a in alerts] == [("signal_lost", "resolved"), ("signal_lost", "open")]
    assert alerts[1].event.event_time > alerts[0].event.event_time


def test_a_resolved_dwell_is_raised_again_at_the_next_stop(w: ContainerWorld) -> None:
    second = _place("checkpoint", "SZ-CP-02", "深圳卡口 2")
    trip = _seal_via(w, [w.checkpoint, second])
    t = trip.sealed_at
    for minutes in (10, 60, 110, 135):
        _at(w, trip, w.checkpoint, t + minutes * MIN)
    watch.sweep(now=t + 140 * MIN)
    (first,) = _alerts(trip)
    trace_services.alert_resolve(actor=w.inspector, alert_id=first.pk, resolution="Queue at the checkpoint.")
    _at(w, trip, w.checkpoint, t + 150 * MIN)
    assert watch.sweep(now=t + 155 * MIN).raised == 0  # the same stop
    for minutes in (160, 200, 250, 285):
        _at(w, trip, second, t + minutes * MIN)
    assert watch.sweep(now=t + 290 * MIN).dwell == 1
    assert [a.status for a in _alerts(trip, "dwell")] == ["resolved", "open"]


def test_only_trips_in_transit_are_swept(w: ContainerWorld) -> None:
    sealed = w.seal(0, seal=0)  # never left the yard
    arrived = w.seal(1, seal=1)
    _at(w, arrived, w.checkpoint, arrived.sealed_at + 10 * MIN)
    _at(w, arrived, w.lane, arrived.sealed_at + 60 * MIN)
    alarmed = w.seal(2, seal=2)
    capture_reads(w, [read(w.checkpoint, alarmed.seal.uri, seal_status="tampered")])
    assert [refresh(t).status for t in (sealed, arrived, alarmed)] == ["sealed", "arrived", "alarm"]
    result = watch.sweep(now=sealed.sealed_at + 10 * 60 * MIN)
    assert (result.checked, result.raised) == (0, 0)
    assert not SupervisionAlert.objects.filter(kind__in=["dwell", "signal_lost"]).exists()


def test_the_limits_come_from_the_settings(w: ContainerWorld, settings: Any) -> None:
    assert (watch.dwell_limit(), watch.signal_limit()) == (120 * MIN, 60 * MIN)
    settings.CONTAINERS_SIGNAL_MINUTES = 15
    trip = w.seal()
    _at(w, trip, w.checkpoint, trip.sealed_at + 10 * MIN)
    assert watch.sweep(now=trip.sealed_at + 26 * MIN).signal_lost == 1
    with pytest.raises(ValueError, match="positive"):
        watch.sweep(signal=dt.timedelta(0))


# --- Who handles them, where they show ------------------------------------------------------------------


def _silent(w: ContainerWorld) -> tuple[Trip, SupervisionAlert]:
    trip = w.seal()
    _at(w, trip, w.checkpoint, trip.sealed_at + 10 * MIN)
    watch.sweep(now=trip.sealed_at + 75 * MIN)
    (alert,) = _alerts(trip)
    return refresh(trip), alert


def test_the_warnings_are_handled_like_the_other_alarms(w: ContainerWorld) -> None:
    trip, alert = _silent(w)
    with pytest.raises(PermissionDeniedError):
        trace_services.alert_acknowledge(actor=w.leader, alert_id=alert.pk)
    with pytest.raises(NotFoundError):  # the alarm belongs to the destination office
        trace_services.alert_acknowledge(actor=w.sealer, alert_id=alert.pk)
    with pytest.raises(ValidationFailed) as empty:
        trace_services.alert_resolve(actor=w.inspector, alert_id=alert.pk, resolution=" ")
    assert list(empty.value.fields) == ["resolution"]
    trace_services.alert_resolve(actor=w.inspector, alert_id=alert.pk, resolution="Driver called: tunnel.")
    assert SupervisionAlert.objects.get(pk=alert.pk).status == "resolved"
    # A non-blocking warning never stood in the way of clearance.
    _at(w, trip, w.gate, trip.sealed_at + 80 * MIN)
    assert services.trip_clear(actor=w.inspector, trip_id=trip.pk).status == "cleared"


def test_the_worklist_and_the_trip_page_show_the_warning_and_the_last_read(w: ContainerWorld) -> None:
    trip, alert = _silent(w)
    work = selectors.worklist(actor=w.inspector)
    assert [row["alert"].pk for row in work.alarms] == [alert.pk]
    outsider = personas.persona("inspector_fs", "branch_inspector", "FS")
    assert selectors.worklist(actor=outsider).alarms == []
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(w.inspector)
    page = c.get(f"/trace/containers/trips/{trip.pk}/").content.decode()
    assert 'data-alert-kind="signal_lost"' in page and 'data-event-alert="signal_lost"' in page
    assert 'id="last-read"' in page and "<span data-last-read-place>东莞卡口 7</span>" in page
    assert 'id="held"' not in page  # a warning holds nothing
    worklist = c.get("/trace/containers/").content.decode()
    assert f'data-worklist-alert="{alert.pk}"' in worklist


# --- The command ----------------------------------------------------------------------------------------


def test_the_watch_command_sweeps_once_and_refuses_bad_options(w: ContainerWorld) -> None:
    trip = w.seal()
    Trip.objects.filter(pk=trip.pk).update(sealed_at=trip.sealed_at - 4 * 60 * MIN)  # sealed 4 h ago
    trip = refresh(trip)
    _at(w, trip, w.checkpoint, trip.sealed_at + 60 * MIN)  # read 3 h ago, not since
    out = StringIO()
    call_command("trace", "watch", "--dwell-minutes", "600", stdout=out)
    assert out.getvalue().strip() == "1 trip(s) checked: 0 dwell, 1 loss-of-signal alert(s) raised"
    assert [a.kind for a in _alerts(trip)] == ["signal_lost"]
    again = StringIO()
    call_command("trace", "watch", stdout=again)
    assert "0 dwell, 0 loss-of-signal" in again.getvalue()
    for bad, option in (
        (["--interval", "0"], "--interval"),
        (["--dwell-minutes", "-5"], "--dwell-minutes"),
        (["--signal-minutes", "0"], "--signal-minutes"),
    ):
        with pytest.raises(CommandError, match=option):
            call_command("trace", "watch", *bad)
    assert len(_alerts(trip)) == 1
