"""The scoring model: five features per eligible pair, blended with non-negative weights into (0, 1].

    score = FLOOR + (1 - FLOOR) × (w_text·text + w_topic·topic + w_kind·kind + w_distance·distance
                                   + w_freshness·freshness),  Σ w = 1,  every feature in [0, 1]

so every eligible pair scores at least FLOOR > 0 and at most 1. The weighted sum is computed as
one dot product of augmented vectors (see ``recommend.py``): text and topic vectors scaled by the
square roots of their weights, plus columns for kind, distance and freshness.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime

import numpy as np

FEATURES = ("text", "topic", "kind", "distance", "freshness")
FLOOR = 0.01
FRESHNESS_HALF_LIFE_DAYS = 30.0
FRESHNESS_UNKNOWN = 0.5
# Vector entries are rounded to multiples of 2**-QUANTUM_BITS. Products are then multiples of 2**-32
# and any sum of them below 2**20 is exact in float64, so a dot product has the same value whatever
# order its terms are added in: both directions, every block size and the brute-force test agree to
# the last bit, and ties can be broken by id without a tolerance.
QUANTUM_BITS = 16


@dataclass(frozen=True, slots=True)
class Weights:
    text: float = 0.45
    topic: float = 0.25
    kind: float = 0.10
    distance: float = 0.10
    freshness: float = 0.10
    version: str = "default"

    def __post_init__(self) -> None:
        values = self.as_array()
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            raise ValueError(f"weights must be finite and non-negative: {self}")

    def as_array(self) -> np.ndarray:
        return np.array([getattr(self, name) for name in FEATURES], dtype=np.float64)

    def normalised(self) -> Weights:
        """Weights summing to 1; all-zero weights fall back to text alone."""
        total = float(self.as_array().sum())
        if total <= 0:
            return replace(self, text=1.0, topic=0.0, kind=0.0, distance=0.0, freshness=0.0)
        scaled: dict[str, float] = {name: getattr(self, name) / total for name in FEATURES}
        return replace(self, **scaled)  # type: ignore[arg-type]  # mypy cannot see the keys are floats

    def without(self, *names: str) -> Weights:
        zeroed: dict[str, float] = dict.fromkeys(names, 0.0)
        return replace(self, **zeroed).normalised()  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, float | str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Weights:
        values = {name: float(data.get(name, 0.0)) for name in FEATURES}  # type: ignore[arg-type]
        return cls(**values, version=str(data.get("version", "default")))


def freshness(created_at: datetime | None, now: datetime) -> float:
    """1 for an opportunity posted now, halving every 30 days; 0.5 when the date is unknown."""
    if created_at is None:
        return FRESHNESS_UNKNOWN
    age_days = max((now - created_at).total_seconds(), 0.0) / 86400.0
    return math.pow(0.5, age_days / FRESHNESS_HALF_LIFE_DAYS)


def quantise(values: np.ndarray, bits: int = QUANTUM_BITS) -> np.ndarray:
    """Round to multiples of 2**-bits (vector entries use 16 bits, context terms the 32-bit grid)."""
    scale = float(1 << bits)
    return np.round(np.asarray(values, dtype=np.float64) * scale) / scale


def on_grid(values: np.ndarray | float) -> np.ndarray:
    """Context terms (kind, distance, freshness) on the 2**-32 grid that products of entries live on."""
    return quantise(np.asarray(values, dtype=np.float64), 2 * QUANTUM_BITS)


def score(raw: np.ndarray) -> np.ndarray:
    """The score from ``raw`` = similarity + context, both already weighted: strictly increasing in raw.

    Distinct raw values are at least 2**-32 apart, far above float64 resolution near 1, so ranking by
    score and by raw is the same.
    """
    return FLOOR + (1.0 - FLOOR) * np.asarray(raw, dtype=np.float64)
