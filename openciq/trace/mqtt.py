"""The MQTT ingest (``openciq ingest mqtt``): device reads from a broker into the EPCIS repository,
nothing lost and nothing captured twice.

Contract with the broker. The ingest subscribes at QoS 1 under a fixed client id with a persistent
session (MQTT 5: ``clean_start`` false and a session expiry; 3.1.1: ``clean_session`` false), so
the broker keeps what arrives while the ingest is away. It acknowledges a message (PUBACK, sent
by hand, in the order the messages came) only once every read in it is stored: as part of an event
committed to the database, or folded into an event committed earlier. A message that is not
acknowledged when the connection, the broker or the ingest stops is delivered again; the same
reads then give the same events, which the capture service skips as duplicates, or fold into the
stored events. A malformed message is logged, counted and acknowledged: it can never become valid,
and it must not block the ones behind it.

Folding across messages (:class:`ReadTracker`). Reads of one tag at one read point are folded
with :mod:`openciq.trace.folding`'s sliding window. An observation is captured ``window`` seconds
after its first read arrived (a tag passing a gate has usually left the field by then), or
earlier when the tag is read again after a gap of ``window`` (a new pass). Reads that arrive
later while the tag stays in the field fold into the event already stored: counted, not stored
again. Events reach the repository about ``window`` + ``batch_ms`` after the first read.

No database or broker code is in :class:`ReadTracker`, so it is tested on its own; :func:`run`
drives it from a paho-mqtt client (network thread) and the capture service (calling thread).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
import queue
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import unquote, urlsplit

from openciq.trace import devices
from openciq.trace.folding import Observation, Read, ReadFolder
from openciq.trace.problems import DocumentInvalid

log = logging.getLogger(__name__)

DEFAULT_URL = "mqtt://127.0.0.1:1883"
DEFAULT_CLIENT_ID = "openciq-ingest"
DEFAULT_TOPIC = "openciq/v1/+/+/reads"
#: How long a stored pass is remembered for folding (and read back from the repository at start).
RETENTION = 600.0
_MAX_REMEMBERED = 1_000_000  # stored passes kept at most, whatever their age
_BEHIND_MESSAGES = 200  # messages folded between two batches when storing falls behind

Key = tuple[str, str]  # (read point, epc), both canonical


# --- the tracker (pure) -------------------------------------------------------------------------


@dataclass(eq=False)
class Delivery:
    """One message as the broker delivered it, until it is acknowledged."""

    mid: int
    qos: int
    generation: int  # the connection it came on: only that connection may acknowledge it
    identity: bytes  # digest of topic and payload: the same message delivered again has the same
    pending: int = 0  # passes holding reads of this message that are not stored yet
    followers: list[Delivery] = field(default_factory=list)  # copies waiting for this one


@dataclass(eq=False)
class _Pass:
    folder: ReadFolder  # holds exactly this pass's open observation
    context: devices.DeviceMessage  # the message of the first read: read point, bizStep, device ...
    deadline: float
    deliveries: list[Delivery] = field(default_factory=list)


@dataclass
class _Stored:
    first: dt.datetime
    last: dt.datetime
    touched: float


@dataclass(frozen=True)
class Ready:
    """An observation to capture, with the messages waiting for it."""

    observation: Observation
    context: devices.DeviceMessage
    deliveries: Sequence[Delivery]


@dataclass
class IngestStats:
    """Counters of one ingest run (logged every ``stats_interval`` and at the end)."""

    messages: int = 0
    malformed: int = 0
    redelivered: int = 0  # copies of a message still being folded (a broker re-delivery)
    reads: int = 0
    folded: int = 0  # reads folded into an observation not yet stored
    folded_after_store: int = 0  # reads folded into an event already stored
    events: int = 0  # observations sent to the capture service
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0  # events the capture service refused (logged)
    batches: int = 0
    capture_ms: int = 0  # time spent in the capture service
    acks: int = 0
    connections: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class ReadTracker:
    """Folds reads across messages and keeps the acknowledgement ledger. Not thread-safe: one
    thread calls :meth:`receive`, :meth:`due`, :meth:`stored` and :meth:`ackable`. Times passed
    as ``now`` are monotonic seconds (arrival times); read times are the devices' clocks."""

    def __init__(self, window: float, stats: IngestStats | None = None) -> None:
        if window <= 0:
            raise ValueError("the folding window must be positive")
        self.window = dt.timedelta(seconds=window)
        self.hold = window
        self.stats = stats or IngestStats()
        self._open: dict[Key, _Pass] = {}
        self._deadlines: deque[tuple[float, Key, _Pass]] = deque()
        self._early: deque[Ready] = deque()  # closed by a new pass of the same tag
        self._stored: OrderedDict[Key, _Stored] = OrderedDict()
        self._ledger: deque[Delivery] = deque()
        self._folding: dict[bytes, Delivery] = {}  # identity -> message whose reads are not all stored

    @property
    def open_passes(self) -> int:
        return len(self._open) + len(self._early)

    @property
    def unacknowledged(self) -> int:
        return len(self._ledger)

    def remember(self, observations: Iterable[Observation], now: float) -> None:
        """Passes stored before (by an earlier run): reads continuing them fold into them."""
        for obs in observations:
            self._stored[(obs.read_point, obs.epc)] = _Stored(obs.first, obs.last, now)

    def receive(self, delivery: Delivery, message: devices.DeviceMessage | None, now: float) -> None:
        """Take one delivered message (``None``: malformed, to be acknowledged as it is)."""
        self._ledger.append(delivery)
        self.stats.messages += 1
        if message is None:
            self.stats.malformed += 1
            return
        original = self._folding.get(delivery.identity)
        if original is not None:
            self.stats.redelivered += 1
            delivery.pending = 1
            original.followers.append(delivery)
            return
        self._folding[delivery.identity] = delivery
        for read in message.reads:
            self._fold(read, message, delivery, now)
        self.stats.reads += len(message.reads)
        if delivery.pending == 0:
            self._release(delivery)

    def _fold(
        self, read: devices.DeviceRead, message: devices.DeviceMessage, delivery: Delivery, now: float
    ) -> None:
        key = (message.read_point, read.epc)
        stored = self._stored.get(key)
        if stored is not None and stored.first - self.window < read.at < stored.last + self.window:
            stored.last, stored.touched = max(stored.last, read.at), now
            self._stored.move_to_end(key)
            self.stats.folded_after_store += 1
            return
        current = self._open.get(key)
        if current is None:
            current = self._start(key, ReadFolder(self.window), message, now)
        closed = current.folder.add(Read(key[0], key[1], read.at))
        if closed is not None:  # read after a gap of a whole window: a new pass begins
            self._early.append(Ready(closed, current.context, current.deliveries))
            current = self._start(key, current.folder, message, now)
        elif current.deliveries:
            self.stats.folded += 1
        if not current.deliveries or current.deliveries[-1] is not delivery:
            current.deliveries.append(delivery)
            delivery.pending += 1

    def _start(self, key: Key, folder: ReadFolder, message: devices.DeviceMessage, now: float) -> _Pass:
        started = _Pass(folder, message, now + self.hold)
        self._open[key] = started
        self._deadlines.append((started.deadline, key, started))
        return started

    def due(self, now: float, limit: int) -> list[Ready]:
        """Up to ``limit`` observations ready to capture: closed by a new pass, or held for the
        window. They count as stored from now on (reads continuing them fold into them); the
        caller must store them (retrying until it can) before calling :meth:`stored`."""
        ready: list[Ready] = []
        while self._early and len(ready) < limit:
            ready.append(self._early.popleft())
        while self._deadlines and self._deadlines[0][0] <= now and len(ready) < limit:
            _deadline, key, held = self._deadlines.popleft()
            if self._open.get(key) is not held:
                continue  # closed early by a new pass
            del self._open[key]
            ready.extend(Ready(obs, held.context, held.deliveries) for obs in held.folder.flush(None))
        self._remember_ready(ready, now)
        return ready

    def drain(self, now: float) -> list[Ready]:
        """Every open observation, ready or not (the ingest is stopping)."""
        ready = list(self._early)
        for held in self._open.values():
            ready.extend(Ready(obs, held.context, held.deliveries) for obs in held.folder.flush(None))
        self._early.clear()
        self._open.clear()
        self._deadlines.clear()
        self._remember_ready(ready, now)
        return ready

    def _remember_ready(self, ready: Iterable[Ready], now: float) -> None:
        for item in ready:
            key = (item.observation.read_point, item.observation.epc)
            self._stored[key] = _Stored(item.observation.first, item.observation.last, now)
            self._stored.move_to_end(key)

    def stored(self, ready: Iterable[Ready]) -> None:
        """The observations are in the repository (or refused for good): release their messages."""
        for item in ready:
            for delivery in item.deliveries:
                delivery.pending -= 1
                if delivery.pending == 0:
                    self._release(delivery)

    def _release(self, delivery: Delivery) -> None:
        if self._folding.get(delivery.identity) is delivery:
            del self._folding[delivery.identity]
        for follower in delivery.followers:
            follower.pending -= 1

    def ackable(self) -> list[Delivery]:
        """Messages whose reads are all stored, in the order they came, up to the first one
        that is still waiting (PUBACKs go out in the order of the PUBLISHes)."""
        done = []
        while self._ledger and self._ledger[0].pending == 0:
            done.append(self._ledger.popleft())
        return done

    def forget(self, now: float) -> None:
        """Drop stored passes not read for ``RETENTION`` seconds."""
        while self._stored:
            key, oldest = next(iter(self._stored.items()))
            if oldest.touched > now - RETENTION and len(self._stored) <= _MAX_REMEMBERED:
                break
            del self._stored[key]


# --- the ingest loop ----------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestOptions:
    """What ``openciq ingest mqtt`` is told (``from_environment`` reads the defaults)."""

    url: str = DEFAULT_URL
    client_id: str = DEFAULT_CLIENT_ID
    topics: tuple[str, ...] = (DEFAULT_TOPIC,)
    window: float = 2.0
    batch_ms: int = 200
    batch_size: int = 2000
    protocol: str = "5"  # or "3.1.1"
    receive_maximum: int = 65535
    session_expiry: int = 7 * 24 * 3600
    keepalive: int = 30
    max_messages: int | None = None
    idle_exit: float | None = None
    stats_interval: float = 10.0

    @classmethod
    def from_environment(cls, **given: Any) -> IngestOptions:
        """``MQTT_URL``, ``MQTT_CLIENT_ID`` and ``TRACE_FOLD_WINDOW`` (settings or environment),
        overridden by what is given (``None`` values are ignored)."""
        from django.conf import settings

        defaults: dict[str, Any] = {
            "url": getattr(settings, "MQTT_URL", None) or os.environ.get("MQTT_URL") or DEFAULT_URL,
            "client_id": getattr(settings, "MQTT_CLIENT_ID", None)
            or os.environ.get("MQTT_CLIENT_ID")
            or DEFAULT_CLIENT_ID,
            "window": float(getattr(settings, "TRACE_FOLD_WINDOW", 2.0)),
        }
        defaults.update({key: value for key, value in given.items() if value is not None})
        return cls(**defaults)


@dataclass(frozen=True)
class _Incoming:
    generation: int
    mid: int
    qos: int
    topic: str
    payload: bytes
    arrived: float


def broker_address(url: str) -> tuple[str, int, bool, str | None, str | None]:
    """Host, port, TLS and credentials from ``mqtt://[user:password@]host[:port]`` (``mqtts://``
    for TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl") or not parts.hostname:
        raise ValueError(f"MQTT_URL {url!r} is not mqtt://host[:port] or mqtts://host[:port]")
    tls = parts.scheme in ("mqtts", "ssl")
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return parts.hostname, parts.port or (8883 if tls else 1883), tls, user, password


class Ingest:
    """One run of the MQTT ingest. :meth:`run` returns when ``stop`` is set (SIGTERM in the
    command), after ``max_messages`` messages, or after ``idle_exit`` quiet seconds with nothing
    left to store; open observations are stored and acknowledged before it returns."""

    def __init__(self, options: IngestOptions, *, stop: threading.Event | None = None) -> None:
        self.options = options
        self.stop = stop or threading.Event()
        self.stats = IngestStats()
        self.tracker = ReadTracker(options.window, self.stats)
        self._inbox: queue.SimpleQueue[_Incoming] = queue.SimpleQueue()
        self._lock = threading.Lock()  # generation changes vs acknowledgements
        self._generation = 0
        self._connected = False
        self._client = self._make_client()
        self._actor: Any = None
        self._logged = (time.monotonic(), 0)  # when the counters were last logged, and the reads then

    # network thread ------------------------------------------------------------------------

    def _make_client(self) -> Any:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        v5 = self.options.protocol == "5"
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.options.client_id,
            protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
            clean_session=None if v5 else False,
            manual_ack=True,
        )
        host, _port, tls, user, password = broker_address(self.options.url)
        if tls:
            client.tls_set()
        if user is not None:
            client.username_pw_set(user, password)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        log.debug("MQTT client %s for %s", self.options.client_id, host)
        return client

    def _on_connect(self, client: Any, _userdata: Any, flags: Any, reason: Any, _properties: Any) -> None:
        if reason.is_failure:
            log.error("the broker refused the connection: %s", reason)
            return
        with self._lock:
            self._generation += 1
            self._connected = True
        self.stats.connections += 1
        if not flags.session_present:
            log.warning(
                "connected to %s as %s without a stored session: reads published while the ingest was away "
                "(or before its first subscription) were not kept by the broker",
                self.options.url,
                self.options.client_id,
            )
        else:
            log.info("connected to %s as %s, session resumed", self.options.url, self.options.client_id)
        client.subscribe([(topic, 1) for topic in self.options.topics])

    def _on_disconnect(
        self, _client: Any, _userdata: Any, _flags: Any, reason: Any, _properties: Any
    ) -> None:
        with self._lock:
            self._generation += 1
            self._connected = False
        if not self.stop.is_set():
            log.warning("disconnected from the broker (%s); reconnecting with back-off", reason)

    def _on_subscribe(self, _client: Any, _userdata: Any, _mid: int, reasons: Any, _properties: Any) -> None:
        refused = [str(reason) for reason in reasons if reason.is_failure]
        if refused:
            log.error(
                "the broker refused the subscription to %s: %s", ", ".join(self.options.topics), refused
            )

    def _on_message(self, _client: Any, _userdata: Any, message: Any) -> None:
        self._inbox.put(
            _Incoming(
                self._generation, message.mid, message.qos, message.topic, message.payload, time.monotonic()
            )
        )

    # calling thread --------------------------------------------------------------------------

    def run(self) -> IngestStats:
        from openciq.accounts.services import system_actor

        self._actor = system_actor()
        now = time.monotonic()
        since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=RETENTION)
        self.tracker.remember(devices.recent_observations(since=since), now)
        host, port, _tls, _user, _password = broker_address(self.options.url)
        connect: dict[str, Any] = {"keepalive": self.options.keepalive}
        if self.options.protocol == "5":
            connect.update(clean_start=False, properties=self._connect_properties())
        self._client.connect_async(host, port, **connect)
        self._client.loop_start()
        log.info(
            "ingesting %s from %s (window %.1f s)",
            ", ".join(self.options.topics),
            self.options.url,
            self.options.window,
        )
        try:
            self._loop()
        finally:
            self._finish()
        return self.stats

    def _connect_properties(self) -> Any:
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = self.options.session_expiry
        properties.ReceiveMaximum = self.options.receive_maximum
        return properties

    def _loop(self) -> None:
        """Fold what arrives; every ``batch_ms`` store one batch of due observations and
        acknowledge the messages that are complete. Behind (a full batch was due), it stores
        again at once, folding what has arrived in between."""
        tick = time.monotonic() + self.options.batch_ms / 1000
        last_message = time.monotonic()
        next_stats = time.monotonic() + self.options.stats_interval
        while not self.stop.is_set():
            if self._receive(until=tick):
                last_message = time.monotonic()
            now = time.monotonic()
            if now >= tick:
                full = self._store_due(now)
                self._acknowledge()
                self.tracker.forget(now)
                tick = now if full else now + self.options.batch_ms / 1000
            if now >= next_stats:
                self._log_stats()
                next_stats = now + self.options.stats_interval
            if self.options.max_messages is not None and self.stats.messages >= self.options.max_messages:
                break
            if not self._connected:
                last_message = now  # time away from the broker is not idle time
            idle = self.options.idle_exit
            if idle is not None and now - last_message >= idle and not self.tracker.open_passes:
                break

    def _receive(self, until: float) -> bool:
        """Fold the messages that come before ``until`` (when ``until`` has passed, those
        already waiting, up to a batch); True when any came."""
        got = 0
        limit = self.options.max_messages
        while True:
            wait = until - time.monotonic()
            try:
                incoming = self._inbox.get(timeout=wait) if wait > 0 else self._inbox.get_nowait()
            except queue.Empty:
                return got > 0
            got += 1
            self._take(incoming)
            if limit is not None and self.stats.messages >= limit:
                return True
            if time.monotonic() >= until and got >= _BEHIND_MESSAGES:
                return True

    def _take(self, incoming: _Incoming) -> None:
        identity = hashlib.blake2b(
            incoming.topic.encode() + b"\0" + incoming.payload, digest_size=16
        ).digest()
        delivery = Delivery(incoming.mid, incoming.qos, incoming.generation, identity)
        message: devices.DeviceMessage | None = None
        try:
            message = devices.parse_payload(incoming.topic, incoming.payload)
        except DocumentInvalid as exc:
            shown = "; ".join(f"{issue.path or '/'}: {issue.message}" for issue in exc.issues[:5])
            log.warning("malformed message on %s acknowledged and dropped: %s", incoming.topic, shown)
        except Exception:  # a payload the checks did not foresee must not stop the ingest
            log.exception("message on %s could not be read; acknowledged and dropped", incoming.topic)
        self.tracker.receive(delivery, message, incoming.arrived)

    def _store_due(self, now: float) -> bool:
        """Store one batch of due observations; True when the batch was full (more may be due)."""
        ready = self.tracker.due(now, self.options.batch_size)
        if ready and self._store(ready):
            self.tracker.stored(ready)
        return len(ready) >= self.options.batch_size

    def _store(self, ready: Sequence[Ready]) -> bool:
        """Capture the observations as one job; retries while the database is unavailable.
        False only when asked to stop before it succeeded."""
        from django.db import InterfaceError, OperationalError, close_old_connections

        from openciq.trace.choices import CaptureSource, ErrorBehaviour
        from openciq.trace.services import capture_events

        events = [
            event
            for item in ready
            for event in devices.events_from_observations(item.context, [item.observation])
        ]
        delay = 1.0
        while True:
            began = time.perf_counter()
            try:
                job = capture_events(
                    actor=self._actor,
                    events=events,
                    namespaces=devices.NAMESPACES,
                    error_behaviour=ErrorBehaviour.PROCEED,
                    source=CaptureSource.MQTT,
                )
                break
            except (OperationalError, InterfaceError) as exc:
                log.error(
                    "cannot store %d events (%s); retrying in %.0f s, nothing acknowledged",
                    len(events),
                    exc,
                    delay,
                )
                close_old_connections()
                if self.stop.wait(delay):
                    return False
                delay = min(delay * 2, 30.0)
            except Exception:  # a bug or an event the service cannot take: never block the queue
                log.exception(
                    "capture failed; %d events dropped and their messages acknowledged: %s",
                    len(events),
                    events,
                )
                self.stats.rejected += len(events)
                return True
        self.stats.capture_ms += round((time.perf_counter() - began) * 1000)
        self.stats.batches += 1
        self.stats.events += len(events)
        self.stats.stored += job.stored_count
        self.stats.duplicates += job.duplicate_count
        refused = len(events) - job.stored_count - job.duplicate_count
        if refused:
            self.stats.rejected += refused
            log.error(
                "capture job %s refused %d of %d events: %s",
                job.capture_id,
                refused,
                len(events),
                job.errors[:5],
            )
        return True

    def _acknowledge(self) -> None:
        done = self.tracker.ackable()
        with self._lock:
            for delivery in done:
                if delivery.qos > 0 and delivery.generation == self._generation:
                    self._client.ack(delivery.mid, delivery.qos)
                    self.stats.acks += 1

    def _finish(self) -> None:
        """Store what is open, acknowledge, disconnect."""
        try:
            stopping = time.monotonic()
            ready = self.tracker.drain(stopping)
            for start in range(0, len(ready), self.options.batch_size):
                chunk = ready[start : start + self.options.batch_size]
                if not self._store(chunk):
                    break  # stopping while the database is unavailable: not acknowledged
                self.tracker.stored(chunk)
                self._acknowledge()
            self._acknowledge()
        finally:
            self.stop.set()
            with contextlib.suppress(Exception):
                self._client.disconnect()
            self._client.loop_stop()
            self._log_stats()

    def _log_stats(self) -> None:
        s, now = self.stats, time.monotonic()
        rate = (s.reads - self._logged[1]) / max(now - self._logged[0], 1e-9)
        self._logged = (now, s.reads)
        log.info(
            "reads %d (%.0f/s), messages %d (malformed %d, redelivered %d), folded %d (+%d into stored events), "
            "events %d: stored %d, duplicates %d, refused %d; unacknowledged %d, open passes %d",
            s.reads, rate, s.messages, s.malformed, s.redelivered, s.folded, s.folded_after_store,
            s.events, s.stored, s.duplicates, s.rejected, self.tracker.unacknowledged, self.tracker.open_passes,
        )  # fmt: skip


def run(options: IngestOptions, *, stop: threading.Event | None = None) -> IngestStats:
    """Run the ingest until stopped (see :class:`Ingest`); the counters of the run."""
    return Ingest(options, stop=stop).run()


__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_TOPIC",
    "DEFAULT_URL",
    "Delivery",
    "Ingest",
    "IngestOptions",
    "IngestStats",
    "ReadTracker",
    "Ready",
    "broker_address",
    "run",
]
