"""The scoring model: relevance from the texts, then kind, distance and freshness as a multiplier.

    relevance = cosine of [text TF-IDF | lexicon concepts | topic terms]   (vectors L2-normalised)
    context   = (1 + κ·kind + δ·distance + φ·freshness) / (1 + κ + δ + φ)      in (0, 1]
    raw       = relevance × context,     score = FLOOR + (1 - FLOOR) × raw

1. The topics of a document are extra terms of its text vector, each weighted TOPIC_SCALE ×
   (w_topic / w_text) × the topic's IDF (relative to the rarest) / √(distinct words of the document),
   before the whole row is normalised. In a short text ("chips, NLP", "lập trình game") a topic is a
   large share of the vector and bridges languages and synonyms; in a long professional description
   it is one term among hundreds and cannot outvote the words (see docs/relevance.md). Each field
   of the vocabulary ("ai_data", "crafts") a document has topics in is a term too, at GROUP_SCALE of
   a topic's weight: "machine learning" and "AI tạo sinh" share a little relevance, less than two
   texts on the same topic.
2. The context multiplies the relevance: it orders relevant opportunities but never lifts an
   irrelevant one (relevance 0 stays 0) and it can change an order only between opportunities whose
   relevance is within a factor (1 + κ + δ + φ) of each other. κ, δ, φ are w_kind, w_distance,
   w_freshness divided by w_text + w_topic.
3. Below RELEVANCE_FLOOR (on raw) nothing is recommended: a list is short, or empty, rather than
   padded with near-zero matches. Above it, a pair that shares no topic and no field must have texts
   at least TEXT_EVIDENCE close: every pair listed has a reason of relevance a person can read, not
   only a kind, a place and a session (their common syllables are not one). Both are calibrated on
   the labelled sets (docs/relevance.md).

Exactness: vector entries are rounded towards zero to multiples of 2**-16 (so that no relevance
exceeds 1), so a dot product is a sum of multiples of 2**-32 and exact in any order; the context is
a sum of two multiples of 2**-16, so the product of the two is exact in float64 too. Every direction,
block size and the brute-force test agree to the last bit, and ties are broken by id without a
tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime

import numpy as np

FEATURES = ("text", "topic", "kind", "distance", "freshness")
FLOOR = 0.01
# The weight of a topic term against the text at equal w_text and w_topic (measured: docs/relevance.md).
TOPIC_SCALE = 2.0
# The weight of a field term (the vocabulary's group of a topic: "ai_data", "crafts") against a topic
# term's: neighbouring topics of one field share a little relevance (measured: docs/relevance.md).
GROUP_SCALE = 0.5
# The weight of a concept of the bilingual lexicon (``lexicon.py``) beside the words, in the units of a
# topic term's TOPIC_SCALE (measured: docs/relevance.md).
GLOSS_WEIGHT = 1.5
# Below this raw (relevance × context) a pair is never recommended (calibrated: docs/relevance.md).
RELEVANCE_FLOOR = 0.05
# With the floor on, a pair is recommended only with a reason of relevance a person can read: a topic or
# a field in common, or texts at least this close (their text cosine; calibrated: docs/relevance.md).
TEXT_EVIDENCE = 0.09
FRESHNESS_HALF_LIFE_DAYS = 30.0
FRESHNESS_UNKNOWN = 0.5
# Vector entries are rounded to multiples of 2**-QUANTUM_BITS. Products are then multiples of 2**-32
# and any sum of them below 2**20 is exact in float64, so a dot product has the same value whatever
# order its terms are added in: both directions, every block size and the brute-force test agree to
# the last bit, and ties can be broken by id without a tolerance.
QUANTUM_BITS = 16


@dataclass(frozen=True, slots=True)
class Weights:
    text: float = 0.5
    topic: float = 0.5
    kind: float = 0.3
    distance: float = 0.1
    freshness: float = 0.1
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

    def topic_strength(self) -> float:
        """The factor on topic terms in the text vectors (0 without topics, large without text)."""
        if self.topic <= 0:
            return 0.0
        return TOPIC_SCALE * self.topic / self.text if self.text > 0 else 1e6

    def context_coefficients(self) -> tuple[float, float, float]:
        """(κ, δ, φ): the context weights of kind, distance and freshness relative to the relevance."""
        similarity = self.text + self.topic
        if similarity <= 0:
            return (0.0, 0.0, 0.0)
        return (self.kind / similarity, self.distance / similarity, self.freshness / similarity)

    def to_dict(self) -> dict[str, float | str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Weights:
        values = {name: float(data.get(name, 0.0)) for name in FEATURES}  # type: ignore[arg-type]
        return cls(**values, version=str(data.get("version", "default")))


def freshness(created_at: datetime | None, now: datetime) -> float:
    """1 for an opportunity posted in the last 24 hours, halving every 30 days; 0.5 when the date is unknown.

    The age counts in whole days (24 hours elapsed): two opportunities posted the same day are equally
    fresh, so a round's scores and its ties do not depend on the instant a row was written (an import
    writes them microseconds apart, which once swapped two otherwise equal opportunities between two
    imports of the same files). Their order is then the id tie-break's."""
    if created_at is None:
        return FRESHNESS_UNKNOWN
    age_days = max((now - created_at).days, 0)
    return math.pow(0.5, age_days / FRESHNESS_HALF_LIFE_DAYS)


def quantise(values: np.ndarray, bits: int = QUANTUM_BITS) -> np.ndarray:
    """Round to multiples of 2**-bits (vector entries use 16 bits, context terms the 32-bit grid)."""
    scale = float(1 << bits)
    return np.round(np.asarray(values, dtype=np.float64) * scale) / scale


def quantise_down(values: np.ndarray, bits: int = QUANTUM_BITS) -> np.ndarray:
    """Round towards zero to multiples of 2**-bits: a unit vector stays within the unit ball, so the dot
    product of two of them is never above 1 (rounding to nearest could give 1 + 5·10⁻⁶)."""
    scale = float(1 << bits)
    return np.trunc(np.asarray(values, dtype=np.float64) * scale) / scale


def on_grid(values: np.ndarray | float) -> np.ndarray:
    """Values on the 2**-32 grid that products of entries live on."""
    return quantise(np.asarray(values, dtype=np.float64), 2 * QUANTUM_BITS)


def context(kind: np.ndarray | float, distance: np.ndarray | float, fresh: np.ndarray | float,
            weights: Weights) -> np.ndarray:  # fmt: skip
    """The context multiplier of pairs, as the engine computes it: the kind term and the rest, each
    rounded to 2**-16 (``context_terms``), added (exact)."""
    kind_term, base = context_terms(np.asarray(distance, dtype=np.float64), np.asarray(fresh, dtype=np.float64),
                                    weights)  # fmt: skip
    return base + kind_term * np.asarray(kind, dtype=np.float64)


def context_terms(distance: np.ndarray, fresh: np.ndarray, weights: Weights) -> tuple[float, np.ndarray]:
    """(the kind term, the base) of the context: base = (1 + δ·distance + φ·freshness) / Z and the
    kind term κ / Z, Z = 1 + κ + δ + φ, each rounded to a multiple of 2**-16."""
    kappa, delta, phi = weights.context_coefficients()
    z = 1.0 + kappa + delta + phi
    base = quantise((1.0 + delta * distance + phi * fresh) / z)
    return float(quantise(np.array(kappa / z))), base


def score(raw: np.ndarray) -> np.ndarray:
    """The score from ``raw`` = relevance × context: strictly increasing in raw.

    Distinct raw values are at least 2**-48 apart, above float64 resolution near 1 (2**-52), so ranking
    by score and by raw is the same.
    """
    return FLOOR + (1.0 - FLOOR) * np.asarray(raw, dtype=np.float64)
