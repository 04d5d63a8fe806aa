"""Learning the blend weights from feedback, and the rule that promotes a new model.

1. Each feedback row is the engine's feature vector of a shown pair (text, topic, kind, distance,
   freshness) with a label: 1 accepted or clicked, 0 declined or not interested.
2. A logistic regression (scikit-learn) on those features; its coefficients, clipped at zero (the score
   must grow with every feature) and normalised to sum to 1, are the new ``Weights``. Features the
   model finds useless get weight 0; if all do, the defaults stay.
3. Promotion: the candidate replaces the current weights only when its nDCG@10 on held-out feedback
   (participants the fit never saw) is no worse than the current weights' on the same rows.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from .evaluate import ndcg_at_k
from .model import FEATURES, Weights


@dataclass(frozen=True, slots=True)
class Example:
    participant: str
    item: str
    features: Mapping[str, float]
    label: int


def matrix(examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([[float(e.features.get(name, 0.0)) for name in FEATURES] for e in examples], dtype=np.float64)
    y = np.array([e.label for e in examples], dtype=np.int64)
    return x.reshape(len(examples), len(FEATURES)), y


def fit_weights(examples: Sequence[Example], *, version: str) -> Weights | None:
    """Weights learned from labelled examples; ``None`` when the labels cannot teach anything."""
    x, y = matrix(examples)
    if len(set(y.tolist())) < 2:
        return None
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(x, y)
    coefficients = np.clip(model.coef_[0], 0.0, None)
    if coefficients.sum() <= 0:
        return None
    coefficients = coefficients / coefficients.sum()
    return Weights(**{name: float(c) for name, c in zip(FEATURES, coefficients, strict=True)}, version=version)


def held_out(participant: str, share: float = 0.3) -> bool:
    """A stable split by participant (the same participant is always on the same side)."""
    digest = hashlib.sha256(participant.encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def ndcg_of(weights: Weights, examples: Sequence[Example], k: int = 10) -> float:
    """Mean nDCG@k of each participant's feedback items re-ranked by ``weights``."""
    by_participant: dict[str, list[Example]] = defaultdict(list)
    for e in examples:
        by_participant[e.participant].append(e)
    w = weights.normalised().as_array()
    scores = []
    for participant in sorted(by_participant):
        items = by_participant[participant]
        relevant = {e.item for e in items if e.label}
        if not relevant:
            continue
        x, _ = matrix(items)
        order = sorted(range(len(items)), key=lambda i: (-float(x[i] @ w), items[i].item))
        scores.append(ndcg_at_k([items[i].item for i in order], relevant, k))
    return float(np.mean(scores)) if scores else 0.0


def should_promote(candidate: Weights, current: Weights, held_out_examples: Sequence[Example], k: int = 10) -> bool:
    return ndcg_of(candidate, held_out_examples, k) >= ndcg_of(current, held_out_examples, k)
