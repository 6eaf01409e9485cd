"""The risk engine: a score, a band and an inspection mode, explained factor by factor.

Pure functions over plain data, so a decision can be replayed from what was stored with it:
``evaluate(inputs, params, draw)`` gives the same outcome for the same three arguments.

The score adds points per factor (enterprise class, product risk, compliance history, open
risk signals, destination). The band the score falls in gives the physical-check rate and the
share of physical checks that take samples; a random draw at that rate picks on-site
inspection or sampling, as IMSOC selects consignments (EU 2019/2129 Art. 3). Otherwise the band
says whether the batch is released electronically or its documents are reviewed. The control
level of the enterprise for the product heading sets a minimum rate: intensified after a
non-conformity until 10 consecutive conform batches, imposed after 3 until 30 (EU 2019/1873).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Band(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    max_score: int = Field(ge=0, le=100)
    physical_rate: float = Field(ge=0, le=1)
    sampling_share: float = Field(ge=0, le=1)
    document_review: bool


class ControlLevelRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_physical_rate: float = Field(ge=0, le=1)
    sampling_share: float = Field(ge=0, le=1)
    release_after: int = Field(ge=1, description="consecutive conform batches that end this level")


class RuleParams(BaseModel):
    """The editable rules of one rule-set version."""

    model_config = ConfigDict(extra="forbid")

    class_points: dict[str, int]
    product_points: dict[str, int]
    history_window_days: int = Field(ge=30, le=1825)
    history_min_batches: int = Field(ge=1)
    history_new_points: int = Field(ge=0, le=100)
    history_points_per_percent: float = Field(ge=0)
    history_max_points: int = Field(ge=0, le=100)
    signal_max_points: int = Field(ge=0, le=100)
    destination_points: dict[str, int] = {}
    bands: list[Band]
    class_min_physical_rate: dict[str, float] = {}
    intensified: ControlLevelRule
    imposed: ControlLevelRule
    imposed_after_failures: int = Field(ge=2)
    auto_accept_classes: list[str] = []
    # A rejection proposes a one-class downgrade when, over the history window, the enterprise
    # has at least this many decided batches and more than this share did not conform.
    downgrade_min_batches: int = Field(10, ge=1)
    downgrade_rate_percent: float = Field(5.0, ge=0, le=100)

    @model_validator(mode="after")
    def _check(self) -> RuleParams:
        for name in ("A", "B", "C", "D"):
            if name not in self.class_points:
                raise ValueError(f"class_points needs an entry for class {name}")
        for name in ("low", "medium", "high"):
            if name not in self.product_points:
                raise ValueError(f"product_points needs an entry for risk category {name}")
        if not self.bands:
            raise ValueError("bands must not be empty")
        limits = [b.max_score for b in self.bands]
        if limits != sorted(limits) or len(set(limits)) != len(limits):
            raise ValueError("bands must be in rising order of max_score")
        if limits[-1] != 100:
            raise ValueError("the last band must end at max_score 100")
        return self


DEFAULT_PARAMS: dict[str, Any] = {
    "class_points": {"A": 0, "B": 10, "C": 25, "D": 45},
    "product_points": {"low": 0, "medium": 10, "high": 25},
    "history_window_days": 365,
    "history_min_batches": 5,
    "history_new_points": 5,
    "history_points_per_percent": 2.0,
    "history_max_points": 20,
    "signal_max_points": 30,
    "destination_points": {"JP": 5, "KR": 5, "US": 5, "EU": 5, "HK": 0, "MO": 0},
    "bands": [
        {
            "name": "low",
            "max_score": 20,
            "physical_rate": 0.02,
            "sampling_share": 0.3,
            "document_review": False,
        },
        {
            "name": "moderate",
            "max_score": 40,
            "physical_rate": 0.1,
            "sampling_share": 0.3,
            "document_review": False,
        },
        {
            "name": "elevated",
            "max_score": 60,
            "physical_rate": 0.3,
            "sampling_share": 0.4,
            "document_review": True,
        },
        {
            "name": "high",
            "max_score": 100,
            "physical_rate": 0.8,
            "sampling_share": 0.5,
            "document_review": True,
        },
    ],
    "class_min_physical_rate": {"D": 0.8},
    "intensified": {"min_physical_rate": 0.5, "sampling_share": 1.0, "release_after": 10},
    "imposed": {"min_physical_rate": 1.0, "sampling_share": 1.0, "release_after": 30},
    "imposed_after_failures": 3,
    "auto_accept_classes": ["A", "B"],
    "downgrade_min_batches": 10,
    "downgrade_rate_percent": 5.0,
}


@dataclass(frozen=True)
class RiskInputs:
    """What the engine looked at, stored with the decision."""

    enterprise_class: str
    product_categories: list[str]
    history_batches: int
    history_nonconform: int
    control_level: str  # normal | intensified | imposed
    control_progress: int  # consecutive conform batches at that level
    signals: list[dict[str, Any]] = field(default_factory=list)  # {"reference", "title", "points"}
    destination: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RiskInputs:
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Factor:
    key: str
    detail: dict[str, Any]
    points: int


@dataclass(frozen=True)
class RiskOutcome:
    score: int
    band: str
    physical_rate: float
    sampling_share: float
    sampling_rate: float
    draw: float
    mode: str  # release | document | onsite | sampling
    factors: list[Factor]

    def factors_json(self) -> list[dict[str, Any]]:
        return [asdict(f) for f in self.factors]


_CATEGORY_ORDER = {"low": 0, "medium": 1, "high": 2}


def _factors(inputs: RiskInputs, p: RuleParams) -> list[Factor]:
    worst = max(inputs.product_categories, key=lambda c: _CATEGORY_ORDER.get(c, 0), default="low")
    if inputs.history_batches < p.history_min_batches:
        history = Factor("history", {"batches": inputs.history_batches, "new": True}, p.history_new_points)
    else:
        percent = 100.0 * inputs.history_nonconform / inputs.history_batches
        points = min(p.history_max_points, round(percent * p.history_points_per_percent))
        history = Factor(
            "history",
            {
                "batches": inputs.history_batches,
                "nonconform": inputs.history_nonconform,
                "percent": round(percent, 2),
                "window_days": p.history_window_days,
            },
            points,
        )
    signal_points = min(p.signal_max_points, sum(int(s["points"]) for s in inputs.signals))
    return [
        Factor(
            "enterprise_class", {"class": inputs.enterprise_class}, p.class_points[inputs.enterprise_class]
        ),
        Factor("product_risk", {"category": worst}, p.product_points.get(worst, 0)),
        history,
        Factor("signals", {"signals": inputs.signals}, signal_points),
        Factor(
            "destination",
            {"country": inputs.destination},
            p.destination_points.get(inputs.destination, 0),
        ),
    ]


def evaluate(inputs: RiskInputs, params: RuleParams | dict[str, Any], draw: float) -> RiskOutcome:
    """Score, band and mode for ``inputs`` under ``params`` with random ``draw`` in [0, 1)."""
    p = params if isinstance(params, RuleParams) else RuleParams.model_validate(params)
    if not 0.0 <= draw < 1.0:
        raise ValueError("draw must lie in [0, 1)")
    factors = _factors(inputs, p)
    score = max(0, min(100, sum(f.points for f in factors)))
    band = next(b for b in p.bands if score <= b.max_score)
    physical_rate, sampling_share = band.physical_rate, band.sampling_share
    class_floor = p.class_min_physical_rate.get(inputs.enterprise_class, 0.0)
    physical_rate = max(physical_rate, class_floor)
    level_rule = {"intensified": p.intensified, "imposed": p.imposed}.get(inputs.control_level)
    if level_rule is not None:
        physical_rate = max(physical_rate, level_rule.min_physical_rate)
        sampling_share = max(sampling_share, level_rule.sampling_share)
    sampling_rate = physical_rate * sampling_share
    if draw < sampling_rate:
        mode = "sampling"
    elif draw < physical_rate:
        mode = "onsite"
    elif band.document_review:
        mode = "document"
    else:
        mode = "release"
    return RiskOutcome(
        score=score,
        band=band.name,
        physical_rate=physical_rate,
        sampling_share=sampling_share,
        sampling_rate=sampling_rate,
        draw=draw,
        mode=mode,
        factors=factors,
    )


def next_control_level(
    level: str, consecutive: int, failures: int, conform: bool, params: RuleParams | dict[str, Any]
) -> tuple[str, int, int]:
    """The control level after one more decided batch: ``(level, consecutive, failures)``.

    A non-conformity steps up to intensified; ``imposed_after_failures`` of them at the
    intensified level step up to imposed. ``release_after`` consecutive conform batches step
    back down to normal.
    """
    p = params if isinstance(params, RuleParams) else RuleParams.model_validate(params)
    if not conform:
        failures += 1
        if level == "normal":
            return "intensified", 0, 1
        if failures >= p.imposed_after_failures:
            return "imposed", 0, failures
        return level, 0, failures
    consecutive += 1
    rule = {"intensified": p.intensified, "imposed": p.imposed}.get(level)
    if rule is not None and consecutive >= rule.release_after:
        return "normal", 0, 0
    return level, consecutive, failures
