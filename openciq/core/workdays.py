"""Working-day arithmetic on the calendar of the People's Republic of China.

Monday to Friday are working days; public holidays are days off; and the State Council's yearly
holiday notice (国务院办公厅关于节假日安排的通知) moves some weekend days to working days (调休,
make-up working days) to join a holiday into one block. Every departure from Monday-Friday is
passed in as ``exceptions``: a mapping of date → is a working day. A date not in the mapping
follows Monday-Friday; an entry that agrees with Monday-Friday changes nothing.

A time limit of N working days (工作日) runs from the day after its starting event (receipt of a
sample, of an application): the starting day itself never counts, so "5 working days after Monday
1 June 2026" is Monday 8 June 2026.

:func:`working_days_between` counts whole weeks arithmetically and then walks the exceptions only,
so its cost does not grow with the span; :func:`add_working_days` bisects on it.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Mapping

__all__ = ["add_working_days", "is_working_day", "working_days_between"]

Exceptions = Mapping[datetime.date, bool]


def is_working_day(day: datetime.date, exceptions: Exceptions) -> bool:
    """Whether ``day`` is a working day: its entry in ``exceptions``, else Monday-Friday."""
    return exceptions.get(day, _is_weekday(day))


def working_days_between(start: datetime.date, end: datetime.date, exceptions: Exceptions) -> int:
    """The number of working days in ``(start, end]``: after ``start``, up to and including ``end``.

    0 when ``end <= start``.
    """
    if end <= start:
        return 0
    correction = sum(_correction(day, working) for day, working in exceptions.items() if start < day <= end)
    return _weekdays_to(end) - _weekdays_to(start) + correction


def add_working_days(start: datetime.date, days: int, exceptions: Exceptions) -> datetime.date:
    """The due date: the ``days``-th working day after ``start`` (``start`` itself never counts).

    ``days == 0`` gives ``start`` when it is a working day, else the next working day. Raises
    ``ValueError`` for negative ``days``.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    if days == 0:
        if is_working_day(start, exceptions):
            return start
        days = 1
    calendar = _Corrections(exceptions)
    # Every 7 consecutive days hold 5 weekdays, and each exception removes at most one of them.
    removable = calendar.days_off_after(start)
    low, high = 0, 7 * (-(-(days + removable) // 5))
    while high - low > 1:  # invariant: fewer than `days` working days by low, at least by high
        middle = (low + high) // 2
        if calendar.count(start, start + datetime.timedelta(days=middle)) >= days:
            high = middle
        else:
            low = middle
    return start + datetime.timedelta(days=high)


def _is_weekday(day: datetime.date) -> bool:
    return day.weekday() < 5


def _weekdays_to(day: datetime.date) -> int:
    """Mondays to Fridays from 0001-01-01 (ordinal 1, a Monday) up to and including ``day``."""
    weeks, rest = divmod(day.toordinal(), 7)
    return 5 * weeks + min(rest, 5)


def _correction(day: datetime.date, working: bool) -> int:
    """+1 for a make-up working weekend day, -1 for a weekday off, 0 for an entry that agrees."""
    return int(working) - int(_is_weekday(day))


class _Corrections:
    """The exceptions that change something, sorted by date with running totals, for bisection."""

    def __init__(self, exceptions: Exceptions) -> None:
        changes = sorted(
            (day, _correction(day, working))
            for day, working in exceptions.items()
            if _correction(day, working)
        )
        self.days = [day for day, _change in changes]
        self.changes = [change for _day, change in changes]
        self.totals = [0]
        for change in self.changes:
            self.totals.append(self.totals[-1] + change)

    def days_off_after(self, start: datetime.date) -> int:
        first = bisect.bisect_right(self.days, start)
        return sum(1 for change in self.changes[first:] if change < 0)

    def count(self, start: datetime.date, end: datetime.date) -> int:
        """Working days in ``(start, end]`` for ``start < end``."""
        first, last = bisect.bisect_right(self.days, start), bisect.bisect_right(self.days, end)
        return _weekdays_to(end) - _weekdays_to(start) + self.totals[last] - self.totals[first]
