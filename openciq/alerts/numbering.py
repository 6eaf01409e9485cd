"""Filing numbers: ``<branch code>-FCM-<year>-<serial>``, serial counted per branch and year.

The serials live in the project's one counter facility (:mod:`openciq.core.numbering`), under
the name :func:`counter_name` gives.
"""

from __future__ import annotations

from openciq.accounts.models import OrgUnit
from openciq.core.numbering import next_value

PREFIX = "FCM"  # food-contact materials


def counter_name(branch_code: str, year: int) -> str:
    return f"filing:{branch_code}:{year}"


def format_number(branch_code: str, year: int, serial: int) -> str:
    return f"{branch_code}-{PREFIX}-{year}-{serial:04d}"


def next_filing_number(*, org_unit: OrgUnit, year: int) -> str:
    """Take the next number of ``org_unit`` in ``year``. Must run inside the caller's transaction.

    The counter row is locked (``SELECT … FOR UPDATE``) until the transaction ends, so two
    approvals in the same branch and year queue here and never get the same number; a rolled-back
    approval gives its number back.
    """
    serial = next_value(counter_name(org_unit.code, year))
    return format_number(org_unit.code, year, serial)
