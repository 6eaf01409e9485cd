"""Filing numbers: ``<branch code>-FCM-<year>-<serial>``, serial counted per branch and year."""

from __future__ import annotations

from django.db import transaction

from openciq.accounts.models import OrgUnit
from openciq.alerts.models import FilingCounter

PREFIX = "FCM"  # food-contact materials


def format_number(branch_code: str, year: int, serial: int) -> str:
    return f"{branch_code}-{PREFIX}-{year}-{serial:04d}"


def next_filing_number(*, org_unit: OrgUnit, year: int) -> str:
    """Take the next number of ``org_unit`` in ``year``. Must run inside the caller's transaction.

    The counter row is locked (``SELECT … FOR UPDATE``) until the transaction ends, so two
    approvals in the same branch and year queue here and never get the same number; a rolled-back
    approval gives its number back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_filing_number must run inside a transaction")
    # get_or_create retries the read when a concurrent transaction created the row first.
    FilingCounter.objects.get_or_create(org_unit=org_unit, year=year)
    counter = FilingCounter.objects.select_for_update().get(org_unit=org_unit, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number", "updated_at"])
    return format_number(org_unit.code, year, counter.last_number)
