"""The working-day calendar: China's public holidays and make-up working days (调休)."""

import datetime as dt
from typing import Any

from openciq.core import audit
from openciq.masterdata.models import CalendarDay

# Holiday blocks (first day, last day, Chinese name, English name, make-up working days) from the
# State Council's notices on the holidays of each year (国务院办公厅关于XXXX年部分节假日安排的通知).
HOLIDAYS: dict[int, list[tuple[str, str, str, str, tuple[str, ...]]]] = {
    2024: [  # notice of 25 October 2023
        ("2024-01-01", "2024-01-01", "元旦", "New Year's Day", ()),
        ("2024-02-10", "2024-02-17", "春节", "Spring Festival", ("2024-02-04", "2024-02-18")),
        ("2024-04-04", "2024-04-06", "清明节", "Qingming Festival", ("2024-04-07",)),
        ("2024-05-01", "2024-05-05", "劳动节", "Labour Day", ("2024-04-28", "2024-05-11")),
        ("2024-06-10", "2024-06-10", "端午节", "Dragon Boat Festival", ()),
        ("2024-09-15", "2024-09-17", "中秋节", "Mid-Autumn Festival", ("2024-09-14",)),
        ("2024-10-01", "2024-10-07", "国庆节", "National Day", ("2024-09-29", "2024-10-12")),
    ],
    2025: [  # notice of 12 November 2024 (first year of the revised holiday measures)
        ("2025-01-01", "2025-01-01", "元旦", "New Year's Day", ()),
        ("2025-01-28", "2025-02-04", "春节", "Spring Festival", ("2025-01-26", "2025-02-08")),
        ("2025-04-04", "2025-04-06", "清明节", "Qingming Festival", ()),
        ("2025-05-01", "2025-05-05", "劳动节", "Labour Day", ("2025-04-27",)),
        ("2025-05-31", "2025-06-02", "端午节", "Dragon Boat Festival", ()),
        (
            "2025-10-01",
            "2025-10-08",
            "国庆节、中秋节",
            "National Day and Mid-Autumn",
            ("2025-09-28", "2025-10-11"),
        ),
    ],
    2026: [  # notice of 4 November 2025
        ("2026-01-01", "2026-01-03", "元旦", "New Year's Day", ("2026-01-04",)),
        ("2026-02-15", "2026-02-23", "春节", "Spring Festival", ("2026-02-14", "2026-02-28")),
        ("2026-04-04", "2026-04-06", "清明节", "Qingming Festival", ()),
        ("2026-05-01", "2026-05-05", "劳动节", "Labour Day", ("2026-05-09",)),
        ("2026-06-19", "2026-06-21", "端午节", "Dragon Boat Festival", ()),
        ("2026-09-25", "2026-09-27", "中秋节", "Mid-Autumn Festival", ()),
        ("2026-10-01", "2026-10-07", "国庆节", "National Day", ("2026-09-20", "2026-10-10")),
    ],
    # ESTIMATED until the State Council publishes the 2027 notice: the 2025 rules (Spring Festival
    # 8 days from New Year's Eve, Labour Day 5, National Day 7, the others 3 or a lone Wednesday)
    # applied to 2027's dates. Replace these rows with the published ones.
    2027: [
        ("2027-01-01", "2027-01-03", "元旦", "New Year's Day", ()),
        ("2027-02-05", "2027-02-12", "春节", "Spring Festival", ("2027-01-31", "2027-02-20")),
        ("2027-04-03", "2027-04-05", "清明节", "Qingming Festival", ()),
        ("2027-05-01", "2027-05-05", "劳动节", "Labour Day", ("2027-05-08",)),
        ("2027-06-09", "2027-06-09", "端午节", "Dragon Boat Festival", ()),
        ("2027-09-15", "2027-09-15", "中秋节", "Mid-Autumn Festival", ()),
        ("2027-10-01", "2027-10-07", "国庆节", "National Day", ("2027-09-26", "2027-10-09")),
    ],
}


def calendar_days() -> dict[dt.date, tuple[bool, str]]:
    """date → (working day, name) of every day the holiday table departs from Monday-Friday on,
    and of the weekend days inside a holiday block (named, so the calendar shows the block)."""
    days: dict[dt.date, tuple[bool, str]] = {}
    for year, blocks in HOLIDAYS.items():
        for first, last, zh, en, makeup in blocks:
            name = f"{zh} / {en}" + (" (estimated)" if year == 2027 else "")
            day, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
            while day <= end:
                days[day] = (False, name)
                day += dt.timedelta(days=1)
            for worked in makeup:
                days[dt.date.fromisoformat(worked)] = (True, f"{zh}调休上班 / {en} make-up working day")
    return days


@audit.audited
def seed_calendar(*, actor: Any) -> int:
    """The holidays and make-up working days of 2024-2027; existing dates are kept (an edited
    day stays edited). Audit ``masterdata.calendar_seeded`` when something was added."""
    existing = set(CalendarDay.objects.values_list("date", flat=True))
    rows = [
        CalendarDay(date=day, is_working_day=working, name=name)
        for day, (working, name) in sorted(calendar_days().items())
        if day not in existing
    ]
    CalendarDay.objects.bulk_create(rows)
    if rows:
        audit.record(
            actor=actor,
            action="masterdata.calendar_seeded",
            changes={"days": len(rows), "from": rows[0].date.isoformat(), "to": rows[-1].date.isoformat()},
        )
    return len(rows)
