"""Statements of conformity under simple and guarded acceptance (ILAC-G8:09/2019)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openciq.lims.decision import GUARDED, SIMPLE, Outcome, evaluate, expanded_uncertainty

D = Decimal
CONFORM, NOT_CONFORM, INCONCLUSIVE = Outcome.CONFORM, Outcome.NOT_CONFORM, Outcome.INCONCLUSIVE


def judge(
    value: str,
    *,
    low: str | None = None,
    high: str | None = None,
    u: str = "0",
    rule: str = GUARDED,
    censored: bool = False,
) -> Outcome:
    return evaluate(
        D(value),
        low=None if low is None else D(low),
        high=None if high is None else D(high),
        uncertainty=D(u),
        rule=rule,
        censored=censored,
    )


def test_outcome_values_are_stable() -> None:
    assert [o.value for o in Outcome] == ["conform", "not_conform", "inconclusive"]


# expanded_uncertainty


@pytest.mark.parametrize(
    ("value", "relative", "floor", "expected"),
    [
        ("0.50", "20", None, "0.1"),
        ("-0.50", "20", None, "0.1"),  # of the magnitude
        ("0.50", None, "0.02", "0.02"),
        ("0.50", "20", "0.02", "0.1"),  # the relative term is larger
        ("0.05", "20", "0.02", "0.02"),  # near the LOQ the floor is larger
        ("0.50", None, None, "0"),
        ("0", "20", None, "0"),
    ],
)
def test_expanded_uncertainty_is_the_larger_of_relative_and_floor(
    value: str, relative: str | None, floor: str | None, expected: str
) -> None:
    result = expanded_uncertainty(
        D(value),
        relative_percent=None if relative is None else D(relative),
        floor=None if floor is None else D(floor),
    )
    assert result == D(expected)


@pytest.mark.parametrize(("relative", "floor"), [("-1", None), (None, "-0.01")])
def test_expanded_uncertainty_refuses_negative_parameters(relative: str | None, floor: str | None) -> None:
    with pytest.raises(ValueError):
        expanded_uncertainty(
            D("1"),
            relative_percent=None if relative is None else D(relative),
            floor=None if floor is None else D(floor),
        )


# simple acceptance: the value alone, on the limit conforms, never inconclusive


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.49", CONFORM), ("0.50", CONFORM), ("0.5000001", NOT_CONFORM), ("0.51", NOT_CONFORM)],
)
def test_simple_acceptance_against_a_maximum(value: str, expected: Outcome) -> None:
    assert judge(value, high="0.50", u="0.10", rule=SIMPLE) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [("9.99", NOT_CONFORM), ("10.0", CONFORM), ("10.01", CONFORM)]
)
def test_simple_acceptance_against_a_minimum(value: str, expected: Outcome) -> None:
    assert judge(value, low="10.0", u="1", rule=SIMPLE) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("6.4", NOT_CONFORM), ("6.5", CONFORM), ("7.0", CONFORM), ("8.5", CONFORM), ("8.6", NOT_CONFORM)],
)
def test_simple_acceptance_within_a_range(value: str, expected: Outcome) -> None:
    assert judge(value, low="6.5", high="8.5", u="0.2", rule=SIMPLE) == expected


# guarded acceptance, w = U: maximum 0.50, U = 0.10


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.30", CONFORM),
        ("0.40", CONFORM),  # value + U exactly on the limit
        ("0.41", INCONCLUSIVE),
        ("0.50", INCONCLUSIVE),  # exactly on the limit
        ("0.59", INCONCLUSIVE),
        ("0.60", INCONCLUSIVE),  # value - U exactly on the limit: the interval still touches it
        ("0.61", NOT_CONFORM),
    ],
)
def test_guarded_acceptance_against_a_maximum(value: str, expected: Outcome) -> None:
    assert judge(value, high="0.50", u="0.10") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("8.9", NOT_CONFORM),
        ("9.0", INCONCLUSIVE),  # value + U exactly on the limit
        ("10.0", INCONCLUSIVE),
        ("11.0", CONFORM),  # value - U exactly on the limit
        ("12", CONFORM),
    ],
)
def test_guarded_acceptance_against_a_minimum(value: str, expected: Outcome) -> None:
    assert judge(value, low="10.0", u="1.0") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("6.2", NOT_CONFORM),
        ("6.3", INCONCLUSIVE),  # value + U on the lower limit
        ("6.7", CONFORM),  # value - U on the lower limit
        ("7.5", CONFORM),
        ("8.3", CONFORM),  # value + U on the upper limit
        ("8.7", INCONCLUSIVE),  # value - U on the upper limit
        ("8.8", NOT_CONFORM),
    ],
)
def test_guarded_acceptance_within_a_range(value: str, expected: Outcome) -> None:
    assert judge(value, low="6.5", high="8.5", u="0.2") == expected


def test_guarded_acceptance_is_inconclusive_when_the_interval_is_wider_than_the_range() -> None:
    assert judge("7.5", low="7.0", high="8.0", u="1.0") == INCONCLUSIVE


def test_guarded_acceptance_with_no_uncertainty_is_simple_acceptance() -> None:
    for value in ("0.49", "0.50", "0.51"):
        assert judge(value, high="0.50", u="0") == judge(value, high="0.50", u="0.1", rule=SIMPLE)


def test_a_range_may_be_a_single_value() -> None:
    assert judge("5", low="5", high="5", rule=SIMPLE) == CONFORM
    assert judge("5", low="5", high="5", u="0.1") == INCONCLUSIVE


@pytest.mark.parametrize("rule", [SIMPLE, GUARDED])
def test_no_limit_at_all_conforms(rule: str) -> None:
    assert judge("123", u="5", rule=rule) == CONFORM
    assert judge("123", u="5", rule=rule, censored=True) == CONFORM


# censored results: "< value", the true value is at most value


@pytest.mark.parametrize("rule", [SIMPLE, GUARDED])
@pytest.mark.parametrize(
    ("value", "low", "high", "expected"),
    [
        ("0.01", None, "0.05", CONFORM),
        ("0.05", None, "0.05", CONFORM),  # LOQ exactly on the maximum
        ("0.1", None, "0.05", INCONCLUSIVE),  # the method cannot see down to the maximum
        ("5", "10", None, NOT_CONFORM),
        ("10", "10", None, INCONCLUSIVE),  # the true value may sit on the minimum
        ("15", "10", None, INCONCLUSIVE),
        ("5", "6.5", "8.5", NOT_CONFORM),
        ("7", "6.5", "8.5", INCONCLUSIVE),
        ("9", "6.5", "8.5", INCONCLUSIVE),
    ],
)
def test_censored_results(
    rule: str, value: str, low: str | None, high: str | None, expected: Outcome
) -> None:
    assert judge(value, low=low, high=high, u="0.5", rule=rule, censored=True) == expected


def test_a_censored_result_carries_no_uncertainty_interval() -> None:
    # uncensored, 0.04 ± 0.02 straddles 0.05; "<0.04" lies wholly under it
    assert judge("0.04", high="0.05", u="0.02") == INCONCLUSIVE
    assert judge("0.04", high="0.05", u="0.02", censored=True) == CONFORM


# refusals


def test_an_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="rule"):
        judge("1", high="2", rule="shared_risk")


def test_an_unknown_rule_is_refused_even_without_limits() -> None:
    with pytest.raises(ValueError):
        judge("1", rule="")


def test_a_lower_limit_above_the_upper_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="lower limit"):
        judge("1", low="3", high="2")


def test_a_negative_uncertainty_is_refused() -> None:
    with pytest.raises(ValueError):
        judge("1", high="2", u="-0.1")


def test_a_non_finite_value_is_refused() -> None:
    with pytest.raises(ValueError):
        judge("NaN", high="2")
