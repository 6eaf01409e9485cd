"""The risk engine on its own: factors, bands, the draw, step-up and step-down."""

from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from openciq.declarations.risk import DEFAULT_PARAMS, RiskInputs, RuleParams, evaluate, next_control_level


def inputs(**overrides: object) -> RiskInputs:
    base: dict[str, object] = {
        "enterprise_class": "B",
        "product_categories": ["medium"],
        "history_batches": 50,
        "history_nonconform": 1,
        "control_level": "normal",
        "control_progress": 0,
        "signals": [],
        "destination": "HK",
    }
    base.update(overrides)
    return RiskInputs(**base)  # type: ignore[arg-type]


def test_score_is_the_sum_of_each_factors_points() -> None:
    outcome = evaluate(inputs(), DEFAULT_PARAMS, 0.5)
    points = {f.key: f.points for f in outcome.factors}
    # class B 10, medium product 10, 2 % non-conform x 2 points = 4, no signal, HK 0
    assert points == {
        "enterprise_class": 10,
        "product_risk": 10,
        "history": 4,
        "signals": 0,
        "destination": 0,
    }
    assert outcome.score == 24
    assert outcome.band == "moderate"


def test_the_worst_product_category_counts() -> None:
    outcome = evaluate(inputs(product_categories=["low", "high"]), DEFAULT_PARAMS, 0.5)
    assert next(f for f in outcome.factors if f.key == "product_risk").points == 25


def test_a_new_enterprise_product_pair_gets_the_new_points_not_a_rate() -> None:
    outcome = evaluate(inputs(history_batches=2, history_nonconform=2), DEFAULT_PARAMS, 0.5)
    history = next(f for f in outcome.factors if f.key == "history")
    assert history.points == 5
    assert history.detail == {"batches": 2, "new": True}


def test_history_points_are_capped() -> None:
    outcome = evaluate(inputs(history_batches=10, history_nonconform=9), DEFAULT_PARAMS, 0.5)
    assert next(f for f in outcome.factors if f.key == "history").points == 20


def test_signals_add_their_points_up_to_the_cap() -> None:
    signals = [{"reference": "a", "title": "x", "points": 20}, {"reference": "b", "title": "y", "points": 20}]
    outcome = evaluate(inputs(signals=signals), DEFAULT_PARAMS, 0.5)
    assert next(f for f in outcome.factors if f.key == "signals").points == 30


@pytest.mark.parametrize(
    ("draw", "mode"),
    [
        (0.0, "sampling"),
        (0.029, "sampling"),
        (0.031, "onsite"),
        (0.099, "onsite"),
        (0.1, "release"),
        (0.99, "release"),
    ],
)
def test_the_draw_picks_sampling_onsite_or_the_bands_default(draw: float, mode: str) -> None:
    # moderate band: physical 10 %, of which 30 % sampling -> sampling below 0.03, on-site below 0.1
    assert evaluate(inputs(), DEFAULT_PARAMS, draw).mode == mode


def test_high_bands_review_documents_instead_of_releasing() -> None:
    outcome = evaluate(inputs(enterprise_class="D", product_categories=["high"]), DEFAULT_PARAMS, 0.95)
    assert outcome.band == "high"
    assert outcome.mode == "document"


def test_class_d_has_a_floor_of_80_percent_physical_checks() -> None:
    outcome = evaluate(
        inputs(enterprise_class="D", product_categories=["low"], history_batches=50, history_nonconform=0),
        DEFAULT_PARAMS,
        0.79,
    )
    assert outcome.physical_rate == 0.8
    assert outcome.mode in {"sampling", "onsite"}


def test_intensified_control_raises_the_rate_and_samples_every_physical_check() -> None:
    outcome = evaluate(inputs(enterprise_class="A", control_level="intensified"), DEFAULT_PARAMS, 0.49)
    assert outcome.physical_rate == 0.5
    assert outcome.sampling_rate == 0.5
    assert outcome.mode == "sampling"


def test_the_same_inputs_rules_and_draw_give_the_same_outcome() -> None:
    a = evaluate(inputs(), DEFAULT_PARAMS, 0.2)
    b = evaluate(RiskInputs.from_dict(inputs().to_dict()), copy.deepcopy(DEFAULT_PARAMS), 0.2)
    assert a == b


def test_a_draw_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="draw"):
        evaluate(inputs(), DEFAULT_PARAMS, 1.0)


def test_a_non_conformity_steps_up_to_intensified_then_ten_passes_step_down() -> None:
    level, consecutive, failures = next_control_level("normal", 5, 0, False, DEFAULT_PARAMS)
    assert (level, consecutive, failures) == ("intensified", 0, 1)
    for _ in range(9):
        level, consecutive, failures = next_control_level(level, consecutive, failures, True, DEFAULT_PARAMS)
    assert (level, consecutive) == ("intensified", 9)
    assert next_control_level(level, consecutive, failures, True, DEFAULT_PARAMS) == ("normal", 0, 0)


def test_three_failures_impose_checks_that_end_only_after_thirty_passes() -> None:
    state = ("normal", 0, 0)
    for _ in range(3):
        state = next_control_level(*state, False, DEFAULT_PARAMS)
    assert state == ("imposed", 0, 3)
    for _ in range(29):
        state = next_control_level(*state, True, DEFAULT_PARAMS)
    assert state[0] == "imposed"
    assert next_control_level(*state, True, DEFAULT_PARAMS)[0] == "normal"


def test_rules_without_a_class_or_with_unordered_bands_are_refused() -> None:
    broken = copy.deepcopy(DEFAULT_PARAMS)
    del broken["class_points"]["D"]
    with pytest.raises(ValidationError, match="class D"):
        RuleParams.model_validate(broken)
    unordered = copy.deepcopy(DEFAULT_PARAMS)
    unordered["bands"].reverse()
    with pytest.raises(ValidationError, match="rising order"):
        RuleParams.model_validate(unordered)
    unknown = {**copy.deepcopy(DEFAULT_PARAMS), "surprise": 1}
    with pytest.raises(ValidationError, match="surprise"):
        RuleParams.model_validate(unknown)
