"""Working-day arithmetic with holidays and make-up working days.

The 2026 calendar below is ILLUSTRATIVE test data, not the State Council's notice: National Day
week off from Thursday 1 to Thursday 8 October 2026, with Sunday 27 September and Saturday
10 October as make-up working days.
"""

from __future__ import annotations

import datetime
import random

import pytest

from openciq.core.workdays import add_working_days, is_working_day, working_days_between

date = datetime.date
NATIONAL_DAY_2026: dict[datetime.date, bool] = {
    **{date(2026, 10, day): False for day in range(1, 9)},
    date(2026, 9, 27): True,  # Sunday, worked
    date(2026, 10, 10): True,  # Saturday, worked
}
NONE: dict[datetime.date, bool] = {}


def naive_between(start: datetime.date, end: datetime.date, exceptions: dict[datetime.date, bool]) -> int:
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += is_working_day(day, exceptions)
    return count


def test_monday_to_friday_without_exceptions() -> None:
    assert [is_working_day(date(2026, 6, day), NONE) for day in range(1, 8)] == [True] * 5 + [False] * 2


def test_exceptions_override_the_week() -> None:
    assert not is_working_day(date(2026, 10, 5), NATIONAL_DAY_2026)  # a Monday off
    assert is_working_day(date(2026, 10, 10), NATIONAL_DAY_2026)  # a Saturday worked
    assert not is_working_day(date(2026, 10, 11), NATIONAL_DAY_2026)  # a Sunday as usual
    assert is_working_day(date(2026, 10, 9), NATIONAL_DAY_2026)  # a Friday as usual


def test_add_counts_from_the_day_after_start() -> None:
    assert add_working_days(date(2026, 6, 1), 1, NONE) == date(2026, 6, 2)
    assert add_working_days(date(2026, 6, 1), 5, NONE) == date(2026, 6, 8)  # Monday + 5 = next Monday
    assert add_working_days(date(2026, 6, 5), 1, NONE) == date(2026, 6, 8)  # Friday + 1 = Monday
    assert add_working_days(date(2026, 6, 6), 1, NONE) == date(2026, 6, 8)  # from a Saturday


def test_add_zero_days_is_start_or_the_next_working_day() -> None:
    assert add_working_days(date(2026, 6, 3), 0, NONE) == date(2026, 6, 3)
    assert add_working_days(date(2026, 6, 6), 0, NONE) == date(2026, 6, 8)
    assert add_working_days(date(2026, 10, 1), 0, NATIONAL_DAY_2026) == date(2026, 10, 9)
    assert add_working_days(date(2026, 10, 10), 0, NATIONAL_DAY_2026) == date(2026, 10, 10)


def test_add_over_the_national_day_holiday() -> None:
    # Wednesday 30 September: the holiday starts the next day; Friday 9 October is the first working day
    assert add_working_days(date(2026, 9, 30), 1, NATIONAL_DAY_2026) == date(2026, 10, 9)
    assert add_working_days(date(2026, 9, 30), 2, NATIONAL_DAY_2026) == date(2026, 10, 10)  # make-up Saturday
    assert add_working_days(date(2026, 9, 30), 3, NATIONAL_DAY_2026) == date(2026, 10, 12)
    # Friday 25 September + 5: Sun 27 (make-up), Mon 28, Tue 29, Wed 30, Fri 9
    assert add_working_days(date(2026, 9, 25), 5, NATIONAL_DAY_2026) == date(2026, 10, 9)
    # received during the holiday: Fri 9, Sat 10 (make-up), Mon 12, Tue 13, Wed 14
    assert add_working_days(date(2026, 10, 3), 5, NATIONAL_DAY_2026) == date(2026, 10, 14)


def test_between_over_the_national_day_holiday() -> None:
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 8), NATIONAL_DAY_2026) == 0
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 9), NATIONAL_DAY_2026) == 1
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 11), NATIONAL_DAY_2026) == 2
    # September 2026 without exceptions has 22 weekdays; the make-up Sunday adds one
    assert working_days_between(date(2026, 8, 31), date(2026, 9, 30), NATIONAL_DAY_2026) == 23
    # October 2026: 22 weekdays, 6 of them off, 1 make-up Saturday
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 31), NATIONAL_DAY_2026) == 17


def test_between_is_zero_unless_end_is_after_start() -> None:
    assert working_days_between(date(2026, 6, 3), date(2026, 6, 3), NONE) == 0
    assert working_days_between(date(2026, 6, 3), date(2026, 6, 1), NONE) == 0
    assert working_days_between(date(2026, 6, 5), date(2026, 6, 7), NONE) == 0


def test_exceptions_that_agree_with_the_week_change_nothing() -> None:
    agreeing = {date(2026, 6, 3): True, date(2026, 6, 6): False}
    assert working_days_between(date(2026, 6, 1), date(2026, 6, 30), agreeing) == 21
    assert add_working_days(date(2026, 6, 1), 21, agreeing) == date(2026, 6, 30)


def test_between_over_decades() -> None:
    # 1 January 2000 is a Saturday; 2000-2049 has 18263 days = 2609 weeks exactly, 13045 weekdays
    assert working_days_between(date(1999, 12, 31), date(2049, 12, 31), NONE) == 13045


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2026, 6, 1), -1, NONE)


def random_calendar(rng: random.Random) -> dict[datetime.date, bool]:
    """Random weekdays off and make-up weekend days over 2024-2029, with some entries that agree
    with Monday-Friday mixed in."""
    exceptions = {}
    for _ in range(120):
        day = date(2024, 1, 1) + datetime.timedelta(days=rng.randrange(6 * 365))
        weekend = day.weekday() >= 5
        exceptions[day] = rng.random() < 0.5 if weekend else rng.random() < 0.2
    return exceptions


def test_between_matches_a_day_by_day_count_on_random_spans() -> None:
    rng = random.Random(0)
    exceptions = random_calendar(rng)
    for _ in range(300):
        start = date(2024, 1, 1) + datetime.timedelta(days=rng.randrange(6 * 365))
        end = start + datetime.timedelta(days=rng.randrange(-5, 400))
        assert working_days_between(start, end, exceptions) == naive_between(start, end, exceptions)


def test_add_and_between_agree_on_random_spans() -> None:
    rng = random.Random(0)
    exceptions = random_calendar(rng)
    for _ in range(500):
        start = date(2024, 1, 1) + datetime.timedelta(days=rng.randrange(6 * 365))
        days = rng.randrange(1, 300)
        due = add_working_days(start, days, exceptions)
        assert is_working_day(due, exceptions)
        assert working_days_between(start, due, exceptions) == days
        assert working_days_between(start, due - datetime.timedelta(days=1), exceptions) == days - 1
