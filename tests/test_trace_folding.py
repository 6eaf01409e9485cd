"""Folding repeated reads of a tag at a read point into one observation."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from openciq.trace.folding import Read, ReadFolder, fold

T0 = dt.datetime(2026, 11, 27, 6, 0, tzinfo=dt.UTC)
GATE = "urn:epc:id:sgln:6901234.00001.GATE1"
WINDOW = dt.timedelta(seconds=5)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_a_burst_of_reads_of_one_pig_becomes_one_observation_with_every_read_counted() -> None:
    reads = [Read(GATE, "156000000000042", at(s / 10)) for s in range(30)]  # 30 reads in 3 s
    (obs,) = fold(reads, WINDOW)
    assert (obs.epc, obs.reads, obs.first, obs.last) == ("156000000000042", 30, at(0), at(2.9))


def test_the_window_slides_while_the_tag_stays_in_the_field() -> None:
    reads = [Read(GATE, "tag", at(s)) for s in (0, 4, 8, 12)]  # each within 5 s of the last
    (obs,) = fold(reads, WINDOW)
    assert (obs.reads, obs.first, obs.last) == (4, at(0), at(12))


def test_a_second_pass_after_the_window_is_a_second_observation() -> None:
    reads = [Read(GATE, "tag", at(0)), Read(GATE, "tag", at(1)), Read(GATE, "tag", at(7))]
    observations = list(fold(reads, WINDOW))
    assert [(o.first, o.reads) for o in observations] == [(at(0), 2), (at(7), 1)]


def test_tags_and_read_points_fold_apart() -> None:
    other_gate = "urn:epc:id:sgln:6901234.00001.GATE2"
    reads = [
        Read(GATE, "a", at(0)),
        Read(GATE, "b", at(0.1)),
        Read(other_gate, "a", at(0.2)),
        Read(GATE, "a", at(0.3)),
    ]
    observations = sorted((o.read_point, o.epc, o.reads) for o in fold(reads, WINDOW))
    assert observations == [(GATE, "a", 2), (GATE, "b", 1), (other_gate, "a", 1)]


def test_a_late_read_widens_the_observation_instead_of_opening_one() -> None:
    folder = ReadFolder(WINDOW)
    folder.add(Read(GATE, "tag", at(3)))
    folder.add(Read(GATE, "tag", at(2)))  # redelivered, older
    (obs,) = folder.flush(None)
    assert (obs.first, obs.last, obs.reads) == (at(2), at(3), 2)


def test_flush_hands_over_only_closed_windows() -> None:
    folder = ReadFolder(WINDOW)
    folder.add(Read(GATE, "early", at(0)))
    folder.add(Read(GATE, "late", at(4)))
    assert [o.epc for o in folder.flush(at(6))] == ["early"]
    assert [o.epc for o in folder.flush(None)] == ["late"]


def test_no_read_is_lost_in_a_random_stream() -> None:
    rng = random.Random(0)
    reads = sorted(
        (Read(GATE, f"tag{rng.randrange(40)}", at(rng.uniform(0, 600))) for _ in range(5000)),
        key=lambda r: r.at,
    )
    assert sum(o.reads for o in fold(reads, WINDOW)) == 5000


def test_the_window_must_be_positive() -> None:
    with pytest.raises(ValueError):
        ReadFolder(dt.timedelta(0))
