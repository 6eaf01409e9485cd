"""Westgard multirule quality control of one control material on a Levey-Jennings chart.

Westgard JO, Barry PL, Hunt MR, Groth T. "A multi-rule Shewhart chart for quality control in
clinical chemistry." Clin Chem 1981;27(3):493-501. Each control value is placed by its z-score
``(value - mean) / sd`` against the target mean and SD of the control material.

Contract:

* values run oldest → newest, one control value per run; :func:`evaluate` judges only the
  NEWEST value: a multi-point rule fires only on a window that ends at it, because older
  violations were the result of earlier runs;
* "beyond k SD" is strict: a value exactly on ``mean ± k·sd`` is not beyond it, and a value
  exactly on the mean is on neither side (it ends a 10_x run). The comparison is exact (in
  rationals), so ``Decimal`` limits are not blurred by float rounding;
* every rule is evaluated independently and each one that fires is reported (a value beyond 3 SD
  reports both 1_3s and 1_2s). The 1981 flowchart examines the other rules only after a 1_2s
  warning; evaluating them unconditionally can only add 4_1s and 10_x rejections, which is the
  stricter and the usual choice of QC software;
* R_4s is applied in its simple across-runs form: the previous value beyond +2 SD and the newest
  beyond -2 SD, or the reverse.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

__all__ = [
    "RULES",
    "RULE_LABELS",
    "Violation",
    "chart_points",
    "chart_y",
    "evaluate",
    "rejects",
    "z_scores",
]

Number = Decimal | float

# rule code -> description, in the order rules are reported. Codes are stored: never change one.
RULE_LABELS: dict[str, StrPromise] = {
    "1_2s": gettext_lazy("One control value beyond 2 SD (warning)"),
    "1_3s": gettext_lazy("One control value beyond 3 SD"),
    "2_2s": gettext_lazy("Two consecutive control values beyond 2 SD on the same side"),
    "R_4s": gettext_lazy("Two consecutive control values beyond 2 SD on opposite sides"),
    "4_1s": gettext_lazy("Four consecutive control values beyond 1 SD on the same side"),
    "10_x": gettext_lazy("Ten consecutive control values on the same side of the mean"),
}
RULES = tuple(RULE_LABELS)

CHART_SD_SPAN = 4  # the chart's y axis runs from mean - 4 SD to mean + 4 SD


@dataclass(frozen=True)
class Violation:
    """One rule that the newest value violates; ``points`` index the values given, oldest first."""

    rule: str
    rejects: bool
    points: tuple[int, ...]


def z_scores(values: Sequence[Number], *, mean: Number, sd: Number) -> list[float]:
    """``(value - mean) / sd`` for each value, as floats for display and charting."""
    exact_mean, exact_sd = _exact(mean), _checked_sd(sd)
    return [float((_exact(value) - exact_mean) / exact_sd) for value in values]


def evaluate(values: Sequence[Number], *, mean: Number, sd: Number) -> list[Violation]:
    """The rules that the newest (last) value violates, in the order of :data:`RULES`.

    An empty sequence violates nothing; a rule needing more values than given does not fire.
    Raises ``ValueError`` when ``sd`` is not positive or a number is not finite.
    """
    exact_mean, exact_sd = _exact(mean), _checked_sd(sd)
    z = [(_exact(value) - exact_mean) / exact_sd for value in values]
    if not z:
        return []
    found: list[Violation] = []

    def check(rule: str, rejects: bool, count: int, holds: bool) -> None:
        if holds:
            found.append(Violation(rule, rejects, tuple(range(len(z) - count, len(z)))))

    last = z[-1]
    pair = z[-2:] if len(z) >= 2 else []
    check("1_2s", False, 1, abs(last) > 2)
    check("1_3s", True, 1, abs(last) > 3)
    check("2_2s", True, 2, bool(pair) and (min(pair) > 2 or max(pair) < -2))
    check("R_4s", True, 2, bool(pair) and (max(pair) > 2 and min(pair) < -2))
    check("4_1s", True, 4, _same_side(z, 4, 1))
    check("10_x", True, 10, _same_side(z, 10, 0))
    return found


def rejects(violations: Iterable[Violation]) -> bool:
    """Whether the run must be rejected: any violation other than the 1_2s warning."""
    return any(violation.rejects for violation in violations)


def chart_y(z: float, *, height: int) -> float:
    """The SVG y coordinate of z-score ``z`` on a chart ``height`` high (y grows downwards).

    The axis spans ±:data:`CHART_SD_SPAN` SD with the mean in the middle; beyond that a point is
    clamped to the edge. Use it to draw the ±1, 2 and 3 SD lines at the same scale as the points.
    """
    clamped = max(-CHART_SD_SPAN, min(CHART_SD_SPAN, z))
    return height / 2 - clamped * height / (2 * CHART_SD_SPAN)


def chart_points(
    values: Sequence[Number], *, mean: Number, sd: Number, width: int, height: int
) -> list[tuple[float, float]]:
    """SVG ``(x, y)`` of each value on a Levey-Jennings chart ``width`` x ``height``.

    Values are spaced evenly, each in the middle of its own slot of ``width / len(values)``, so
    no marker sits on the chart's edge; y is :func:`chart_y` of the value's z-score.
    Raises ``ValueError`` for a non-positive ``width``, ``height`` or ``sd``.
    """
    if width <= 0 or height <= 0:
        raise ValueError("width and height must be positive")
    scores = z_scores(values, mean=mean, sd=sd)
    slot = width / len(scores) if scores else 0.0
    return [((index + 0.5) * slot, chart_y(z, height=height)) for index, z in enumerate(scores)]


def _same_side(z: Sequence[Fraction], count: int, limit: int) -> bool:
    """The last ``count`` z-scores are all above ``+limit`` or all below ``-limit``."""
    if len(z) < count:
        return False
    window = z[-count:]
    return min(window) > limit or max(window) < -limit


def _exact(number: Number) -> Fraction:
    if isinstance(number, Decimal) and not number.is_finite():
        raise ValueError(f"not a finite number: {number}")
    try:
        return Fraction(number)
    except (OverflowError, ValueError):  # float inf and nan
        raise ValueError(f"not a finite number: {number}") from None


def _checked_sd(sd: Number) -> Fraction:
    exact = _exact(sd)
    if exact <= 0:
        raise ValueError(f"the standard deviation must be positive, not {sd}")
    return exact
