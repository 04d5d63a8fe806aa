"""Learning the blend weights from feedback, and the rule that decides whether new weights go live.

An ``Example`` is the features a recommendation was shown with (``Rec.features``) and a label: 1 when
the participant accepted or clicked, 0 when they declined or said "not interested". The model is
relevance × context (``model.py``), so the regression sees the context only through the relevance:
its columns are text, topic, and s·kind, s·distance, s·freshness with s = text + topic (an
interaction, not a free term). Negative coefficients become 0. Kind, distance and freshness can then
only scale what the texts found: feedback biased toward a kind (people accept visits whatever their
topic) cannot make a ranker that recommends by kind alone. When text and topic both get 0 there is
nothing about relevance to learn, and no candidate is made.

Promotion: participants are split once and for all into training and held-out ones by a hash of
their id (``held_out``). ``should_promote`` ranks each held-out participant's judged opportunities by
the score each set of weights gives them; the candidate goes live only if its mean nDCG@10 is at
least the current weights', and, when the caller measured them, its nDCG@10 on every labelled set
too (``matchmaking/learning.py`` runs the engine on the labelled sets in tests/data).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np

from . import model
from .evaluate import ndcg_at_k
from .model import FEATURES, Weights

PROMOTION_K = 10
HELD_OUT_SHARE = 0.2


class Example(NamedTuple):
    participant: str
    item: str  # the opportunity id
    features: Mapping[str, float] | Sequence[float]  # Rec.features, or values in FEATURES order
    label: int  # 1 accepted / clicked, 0 declined / not interested


def feature_row(features: Mapping[str, float] | Sequence[float]) -> list[float]:
    if isinstance(features, Mapping):
        return [float(features.get(name, 0.0)) for name in FEATURES]
    row = [float(v) for v in features]
    if len(row) != len(FEATURES):
        raise ValueError(f"expected {len(FEATURES)} feature values ({', '.join(FEATURES)}), got {len(row)}")
    return row


def held_out(participant_id: str, share: float = HELD_OUT_SHARE) -> bool:
    """Whether this participant's feedback is kept for testing: a stable hash, the same in every run."""
    digest = hashlib.sha256(participant_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def fit_weights(
    x: Iterable[Example] | np.ndarray | Sequence[Sequence[float]],
    y: Sequence[int] | np.ndarray | None = None,
    *,
    version: str | None = None,
    c: float = 1.0,
) -> Weights | None:
    """Weights learned from feature rows ``x`` (columns in FEATURES order) and 0/1 labels ``y``, or
    from a list of ``Example`` (then ``y`` is omitted).

    Returns None when the labels are all the same or no feature gets a positive coefficient: then
    there is nothing to learn and the current weights should stay. Without ``version`` the version
    is derived from the learned values, so the same data gives the same version.
    """
    if y is None:
        examples = list(x)  # type: ignore[arg-type]
        x_arr = np.array([feature_row(e.features) for e in examples], dtype=np.float64).reshape(-1, len(FEATURES))
        y_arr = np.array([int(e.label) for e in examples], dtype=np.int64)
    else:
        x_arr, y_arr = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.int64)
    if x_arr.ndim != 2 or x_arr.shape[1] != len(FEATURES) or len(x_arr) != len(y_arr):
        raise ValueError(f"x must be n × {len(FEATURES)} ({', '.join(FEATURES)}) with one label per row")
    if len(set(y_arr.tolist())) < 2:
        return None
    # Imported here: scikit-learn takes a second to import, and the API's URLs (which every command's
    # system checks load) import this module; only a fit needs it.
    from sklearn.linear_model import LogisticRegression

    regression = LogisticRegression(C=c, max_iter=1000)
    regression.fit(interactions(x_arr), y_arr)
    coef = np.clip(regression.coef_[0], 0.0, None)
    if coef[0] + coef[1] <= 0:  # nothing about relevance was learned: keep the current weights
        return None
    values = {name: round(float(v), 6) for name, v in zip(FEATURES, coef / coef.sum(), strict=True)}
    if version is None:
        version = "lr-" + hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()[:10]
    return Weights(**values, version=version)


def interactions(x: np.ndarray) -> np.ndarray:
    """Feature rows (FEATURES order) → text, topic, s·kind, s·distance, s·freshness; s = text + topic."""
    s = np.clip(x[:, 0] + x[:, 1], 0.0, 1.0)
    return np.column_stack([x[:, 0], x[:, 1], s * x[:, 2], s * x[:, 3], s * x[:, 4]])


def example_scores(weights: Weights, x: np.ndarray) -> np.ndarray:
    """The score these weights give feature rows: relevance (the weighted mean of text and topic,
    the part of the engine's relevance that features keep) × the context."""
    w = weights.normalised()
    similarity = w.text + w.topic
    relevance = (w.text * x[:, 0] + w.topic * x[:, 1]) / similarity if similarity > 0 else np.zeros(len(x))
    return model.score(relevance * model.context(x[:, 2], x[:, 3], x[:, 4], w))


def ndcg_of(weights: Weights, examples: Iterable[Example], k: int = PROMOTION_K) -> float:
    """Mean nDCG@k over participants with at least one positive example, ranking each participant's
    examples by the score these weights give them (ties by opportunity id)."""
    rows = list(examples)
    if not rows:
        return 0.0
    scores = example_scores(weights, np.array([feature_row(e.features) for e in rows], dtype=np.float64))
    by_participant: dict[str, list[tuple[str, float, int]]] = defaultdict(list)
    for e, score in zip(rows, scores.tolist(), strict=True):
        by_participant[e.participant].append((e.item, score, int(e.label)))
    values = []
    for items in by_participant.values():
        relevant = {item for item, _, label in items if label > 0}
        if relevant:
            ranked = [item for item, _, _ in sorted(items, key=lambda t: (-t[1], t[0]))]
            values.append(ndcg_at_k(ranked, relevant, k))
    return float(np.mean(values)) if values else 0.0


def should_promote(
    candidate: Weights,
    current: Weights,
    held_out_examples: Iterable[Example],
    labelled: Mapping[str, tuple[float, float]] | None = None,
) -> bool:
    """True when the candidate loses nothing: its nDCG@10 on held-out feedback is at least the
    current weights', and so is its nDCG@10 on every labelled set (``labelled``: set name →
    (candidate's, current's), measured by the caller)."""
    rows = list(held_out_examples)
    if ndcg_of(candidate, rows) < ndcg_of(current, rows):
        return False
    return all(mine >= theirs for mine, theirs in (labelled or {}).values())
