"""Folding repeated tag reads: a reader at a loading gate sees the same ear tag or crate tag many
times a second while it passes; the repository wants one observation per tag per pass.

A read is folded into the previous read of the same tag at the same read point when it comes
less than ``window`` after that read (the window slides: a tag that stays in the field keeps one
observation for as long as it keeps being read). The folded observation keeps the first and last
time and the number of reads, so nothing read is lost, only summarised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Read:
    """One raw read from a device."""

    read_point: str  # the reader (or antenna) identity, e.g. an SGLN of the gate
    epc: str
    at: dt.datetime


@dataclass
class Observation:
    """Reads of one tag at one read point, folded into one."""

    read_point: str
    epc: str
    first: dt.datetime
    last: dt.datetime
    reads: int = 1


class ReadFolder:
    """Folds a stream of reads. Reads may arrive slightly out of order (several antennas, MQTT
    redelivery); a read older than the observation it would join only widens it. Feed reads
    with :meth:`add`; :meth:`flush` hands over the observations whose window has closed by
    ``now`` (all of them at the end of a burst with ``flush(None)``)."""

    def __init__(self, window: dt.timedelta) -> None:
        if window <= dt.timedelta(0):
            raise ValueError("the folding window must be positive")
        self.window = window
        self._open: dict[tuple[str, str], Observation] = {}

    def add(self, read: Read) -> Observation | None:
        """Fold ``read`` in; returns the observation it closed (the same tag read again after
        the window), which is complete and can be captured."""
        key = (read.read_point, read.epc)
        current = self._open.get(key)
        if current is not None and read.at - current.last < self.window:
            current.reads += 1
            current.first, current.last = min(current.first, read.at), max(current.last, read.at)
            return None
        self._open[key] = Observation(read.read_point, read.epc, read.at, read.at)
        return current

    def flush(self, now: dt.datetime | None) -> list[Observation]:
        """Observations not read again within the window before ``now`` (or all, for ``None``),
        oldest first; they leave the folder."""
        done = [key for key, obs in self._open.items() if now is None or now - obs.last >= self.window]
        closed = [self._open.pop(key) for key in done]
        return sorted(closed, key=lambda o: (o.first, o.read_point, o.epc))


def fold(reads: Iterable[Read], window: dt.timedelta) -> Iterator[Observation]:
    """Every observation of a finite list of reads (in time order of their closing)."""
    folder = ReadFolder(window)
    for read in reads:
        closed = folder.add(read)
        if closed is not None:
            yield closed
    yield from folder.flush(None)
