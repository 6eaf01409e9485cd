"""Westgard multirules on the newest control value, and the Levey-Jennings chart coordinates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from openciq.lims.westgard import (
    RULE_LABELS,
    RULES,
    Violation,
    chart_points,
    chart_y,
    evaluate,
    rejects,
    z_scores,
)

MEAN, SD = 100.0, 2.0


def at(*z: float) -> list[float]:
    """Control values at the given z-scores around mean 100, SD 2."""
    return [MEAN + score * SD for score in z]


def fired(values: list[float]) -> dict[str, tuple[int, ...]]:
    return {v.rule: v.points for v in evaluate(values, mean=MEAN, sd=SD)}


def test_rule_codes_and_labels_are_stable() -> None:
    assert RULES == ("1_2s", "1_3s", "2_2s", "R_4s", "4_1s", "10_x")
    with translation.override("en"):
        assert str(RULE_LABELS["1_3s"]) == "One control value beyond 3 SD"


def test_values_within_one_sd_fire_nothing() -> None:
    assert evaluate(at(0.5, -0.5, 0.9, -0.9, 0), mean=MEAN, sd=SD) == []


def test_an_empty_series_fires_nothing() -> None:
    assert evaluate([], mean=MEAN, sd=SD) == []


def test_1_2s_alone_is_a_warning_not_a_rejection() -> None:
    violations = evaluate(at(0, 2.5), mean=MEAN, sd=SD)
    assert violations == [Violation("1_2s", False, (1,))]
    assert not rejects(violations)


def test_exactly_2_sd_is_not_beyond_2_sd() -> None:
    assert evaluate(at(0, 2), mean=MEAN, sd=SD) == []
    assert evaluate(at(0, -2), mean=MEAN, sd=SD) == []


def test_decimal_limits_are_compared_exactly() -> None:
    values = [Decimal("10.1"), Decimal("10.3")]  # 10.3 is exactly mean + 2 SD
    assert evaluate(values, mean=Decimal("10.1"), sd=Decimal("0.1")) == []
    assert evaluate([*values, Decimal("10.31")], mean=Decimal("10.1"), sd=Decimal("0.1"))[0].rule == "1_2s"


def test_1_3s_rejects_and_is_also_a_1_2s() -> None:
    violations = evaluate(at(0, -3.1), mean=MEAN, sd=SD)
    assert [(v.rule, v.rejects, v.points) for v in violations] == [
        ("1_2s", False, (1,)),
        ("1_3s", True, (1,)),
    ]
    assert rejects(violations)
    assert fired(at(0, 3)) == {"1_2s": (1,)}  # exactly 3 SD is not beyond it


def test_1_3s_on_an_older_point_is_history() -> None:
    assert fired(at(3.5, 0)) == {}


@pytest.mark.parametrize("side", [1, -1])
def test_2_2s_two_consecutive_beyond_2_sd_on_one_side(side: int) -> None:
    assert fired(at(0, 2.2 * side, 2.1 * side)) == {"1_2s": (2,), "2_2s": (1, 2)}


def test_2_2s_does_not_fire_when_the_pair_does_not_end_at_the_newest_value() -> None:
    assert fired(at(2.2, 2.1, 0)) == {}
    assert fired(at(2.2, 1.9)) == {}


def test_r_4s_one_above_plus_2_sd_then_one_below_minus_2_sd() -> None:
    assert fired(at(0, 2.1, -2.1)) == {"1_2s": (2,), "R_4s": (1, 2)}
    assert fired(at(0, -2.1, 2.1)) == {"1_2s": (2,), "R_4s": (1, 2)}


def test_r_4s_does_not_fire_on_an_older_pair_or_a_range_short_of_4_sd() -> None:
    assert fired(at(2.1, -2.1, 0)) == {}
    assert fired(at(2.1, -1.9)) == {}


@pytest.mark.parametrize("side", [1, -1])
def test_4_1s_four_consecutive_beyond_1_sd_on_one_side(side: int) -> None:
    assert fired(at(0, *(1.5 * side for _ in range(4)))) == {"4_1s": (1, 2, 3, 4)}


def test_4_1s_does_not_fire_when_the_run_ends_before_the_newest_value() -> None:
    assert fired(at(1.5, 1.5, 1.5, 1.5, 0.5)) == {}
    assert fired(at(1.5, 1.5, 1.0, 1.5)) == {}  # exactly 1 SD breaks the run


@pytest.mark.parametrize("side", [1, -1])
def test_10_x_ten_consecutive_on_one_side_of_the_mean(side: int) -> None:
    assert fired(at(-side * 0.5, *(0.5 * side for _ in range(10)))) == {"10_x": tuple(range(1, 11))}


def test_10_x_needs_ten_values_ending_at_the_newest() -> None:
    assert fired(at(*(0.5 for _ in range(9)))) == {}
    assert fired(at(*(0.5 for _ in range(10)), -0.5)) == {}
    assert fired(at(*(0.5 for _ in range(5)), 0, *(0.5 for _ in range(4)))) == {}  # on the mean


def test_ten_values_alternating_sides_fire_nothing() -> None:
    assert evaluate(at(*(0.8 * (-1) ** i for i in range(10))), mean=MEAN, sd=SD) == []


def test_several_rules_fire_together() -> None:
    values = at(*(0.5 for _ in range(6)), 1.2, 1.3, 2.5, 3.5)
    assert fired(values) == {
        "1_2s": (9,),
        "1_3s": (9,),
        "2_2s": (8, 9),
        "4_1s": (6, 7, 8, 9),
        "10_x": tuple(range(10)),
    }


@pytest.mark.parametrize("sd", [0, -1.0, Decimal("0")])
def test_sd_must_be_positive(sd: float | Decimal) -> None:
    with pytest.raises(ValueError, match="standard deviation"):
        evaluate(at(0), mean=MEAN, sd=sd)


def test_non_finite_values_are_refused() -> None:
    with pytest.raises(ValueError):
        evaluate([float("nan")], mean=MEAN, sd=SD)
    with pytest.raises(ValueError):
        evaluate([Decimal("Infinity")], mean=MEAN, sd=SD)


def test_z_scores() -> None:
    assert z_scores([Decimal("98"), 101.0, 106], mean=MEAN, sd=SD) == [-1.0, 0.5, 3.0]


def test_chart_y_spans_mean_plus_minus_4_sd_and_clamps() -> None:
    assert chart_y(0, height=200) == 100.0
    assert chart_y(4, height=200) == 0.0
    assert chart_y(-4, height=200) == 200.0
    assert chart_y(2, height=200) == 50.0
    assert chart_y(9, height=200) == 0.0
    assert chart_y(-9, height=200) == 200.0


def test_chart_points_put_each_value_in_the_middle_of_its_slot() -> None:
    points = chart_points(at(0, 2, -4, 6), mean=MEAN, sd=SD, width=400, height=200)
    assert points == [(50.0, 100.0), (150.0, 50.0), (250.0, 200.0), (350.0, 0.0)]


def test_chart_points_of_no_values() -> None:
    assert chart_points([], mean=MEAN, sd=SD, width=400, height=200) == []


def test_chart_points_refuse_an_empty_chart() -> None:
    with pytest.raises(ValueError):
        chart_points(at(0), mean=MEAN, sd=SD, width=0, height=200)
