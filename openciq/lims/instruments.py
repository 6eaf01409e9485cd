"""When an instrument may produce results (ISO/IEC 17025 §6.4): in service, calibrated on the
day, quality control not failed."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from openciq.lims.models import Instrument, InstrumentCalibration


def calibration_valid_until(instrument: Instrument, on: dt.date) -> dt.date | None:
    """The end of the calibration that covers ``on``, or ``None`` if none does."""
    calibration = (
        InstrumentCalibration.objects.filter(
            instrument=instrument, calibrated_on__lte=on, valid_until__gte=on
        )
        .order_by("-valid_until")
        .first()
    )
    return calibration.valid_until if calibration else None


def instrument_problems(instrument: Instrument, on: dt.date) -> list[str]:
    """Why ``instrument`` may not be used on ``on``; empty when it may."""
    problems: list[str] = []
    if not instrument.is_active or instrument.out_of_service:
        problems.append(_("Instrument %(code)s is out of service.") % {"code": instrument.code})
    if calibration_valid_until(instrument, on) is None:
        problems.append(
            _("Instrument %(code)s has no calibration valid on %(day)s.")
            % {"code": instrument.code, "day": on.isoformat()}
        )
    if instrument.qc_blocked_at is not None:
        problems.append(
            _("Instrument %(code)s is blocked by a quality-control failure: %(reason)s")
            % {"code": instrument.code, "reason": instrument.qc_block_reason}
        )
    return problems
