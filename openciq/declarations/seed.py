"""Declarations at demo or bureau scale (filled in by the seeding work)."""

from __future__ import annotations

import random
from typing import Any


def seed(*, scale: str, rng: random.Random, actor: Any) -> None:
    return None
