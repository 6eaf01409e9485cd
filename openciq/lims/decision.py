"""Statements of conformity: a laboratory result, its uncertainty and a limit give one outcome.

ISO/IEC 17025:2017 §7.8.6 requires the laboratory to state the *decision rule* it applies and to
report conformity according to it; ILAC-G8:09/2019 describes the rules in terms of a guard band
``w`` laid inside the tolerance limits. Two rules are offered here:

* :data:`SIMPLE` — binary statement with simple acceptance (ILAC-G8 §4.2.1, w = 0): the measured
  value alone is compared with the limits, a value exactly on a limit conforms, and the outcome is
  never inconclusive;
* :data:`GUARDED` — statement with a guard band w = U (ILAC-G8 §4.2.3, the non-binary form): the
  result conforms only if the whole interval ``[value - U, value + U]`` lies inside
  ``[low, high]`` (an end exactly on a limit is inside), does not conform if that interval lies
  wholly outside, and is inconclusive otherwise — ILAC-G8's "conditional pass" and "conditional
  fail" zones together. With U = 0 it gives the same outcome as :data:`SIMPLE`.

Limits are closed: ``low ≤ true value ≤ high`` is conformity; either limit may be absent.
"""

from __future__ import annotations

import enum
from decimal import Decimal

__all__ = ["GUARDED", "RULES", "SIMPLE", "Outcome", "evaluate", "expanded_uncertainty"]

SIMPLE = "simple"
GUARDED = "guarded"
RULES = (SIMPLE, GUARDED)


class Outcome(enum.StrEnum):
    CONFORM = "conform"
    NOT_CONFORM = "not_conform"
    INCONCLUSIVE = "inconclusive"


def expanded_uncertainty(
    value: Decimal, *, relative_percent: Decimal | None, floor: Decimal | None
) -> Decimal:
    """The expanded uncertainty U of ``value`` (JCGM 100:2008 §6, usually k = 2).

    U = max(|value| x relative_percent / 100, floor), each term counted only when given; 0 when
    both are ``None``. The floor is the absolute uncertainty near the limit of quantification,
    where a relative uncertainty would shrink to nothing. Raises ``ValueError`` for a negative
    ``relative_percent`` or ``floor``.
    """
    terms = [Decimal(0)]
    if relative_percent is not None:
        if relative_percent < 0:
            raise ValueError("relative_percent must not be negative")
        terms.append(abs(value) * relative_percent / 100)
    if floor is not None:
        if floor < 0:
            raise ValueError("floor must not be negative")
        terms.append(floor)
    return max(terms)


def evaluate(
    value: Decimal,
    *,
    low: Decimal | None,
    high: Decimal | None,
    uncertainty: Decimal,
    rule: str,
    censored: bool = False,
) -> Outcome:
    """The outcome for ``value`` against ``[low, high]`` under ``rule`` (:data:`SIMPLE` or :data:`GUARDED`).

    No limit at all: :attr:`Outcome.CONFORM`. ``uncertainty`` is the expanded uncertainty U
    (:func:`expanded_uncertainty`); :data:`SIMPLE` ignores it.

    ``censored=True`` means the result was reported as "below the limit of quantification
    ``value``" (``< value``): all that is known is that the true value is at most ``value``. It
    carries no interval, so both rules decide it the same way, and uncertainty is ignored:

    * upper limit: conform when ``value ≤ high`` (everything the true value can be is within the
      limit); inconclusive when ``value > high`` (the method cannot see down to the limit);
    * lower limit: not conform when ``value < low`` (the true value is below the minimum);
      inconclusive when ``value ≥ low`` — even at ``value == low`` the true value may sit at the
      limit, so a tie does not condemn a consignment;
    * two-sided: not conform below ``low``, otherwise inconclusive (the true value may be below
      ``low``).

    Raises ``ValueError`` for an unknown rule, ``low > high``, a negative uncertainty or a
    non-finite number.
    """
    if rule not in RULES:
        raise ValueError(f"unknown decision rule {rule!r}")
    for number in (value, low, high, uncertainty):
        if number is not None and not number.is_finite():
            raise ValueError("value, limits and uncertainty must be finite numbers")
    if low is not None and high is not None and low > high:
        raise ValueError(f"the lower limit {low} is above the upper limit {high}")
    if uncertainty < 0:
        raise ValueError("uncertainty must not be negative")
    if low is None and high is None:
        return Outcome.CONFORM
    if censored:
        return _evaluate_censored(value, low=low, high=high)
    guard = uncertainty if rule == GUARDED else Decimal(0)
    lowest, highest = value - guard, value + guard
    if (low is not None and highest < low) or (high is not None and lowest > high):
        return Outcome.NOT_CONFORM
    if (low is None or lowest >= low) and (high is None or highest <= high):
        return Outcome.CONFORM
    return Outcome.INCONCLUSIVE


def _evaluate_censored(value: Decimal, *, low: Decimal | None, high: Decimal | None) -> Outcome:
    """A "< value" result: the true value lies somewhere at or below ``value``."""
    if low is not None:
        return Outcome.NOT_CONFORM if value < low else Outcome.INCONCLUSIVE
    assert high is not None
    return Outcome.CONFORM if value <= high else Outcome.INCONCLUSIVE
