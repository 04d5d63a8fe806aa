"""Ranking quality against known relevant pairs: nDCG@k, recall@k, MRR, coverage.

Binary relevance. A participant with no relevant opportunity in the truth is left out of the
per-participant averages (there is nothing to find), but counts for coverage and for the share of
participants with at least one recommendation.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Metrics:
    k: int
    ndcg: float
    recall: float
    mrr: float
    coverage: float  # share of opportunities recommended to someone
    with_recommendations: float  # share of participants with at least one recommendation
    judged: int  # participants with at least one relevant opportunity

    def as_dict(self) -> dict[str, float | int]:
        return {
            "k": self.k,
            "ndcg": self.ndcg,
            "recall": self.recall,
            "mrr": self.mrr,
            "coverage": self.coverage,
            "with_recommendations": self.with_recommendations,
            "judged": self.judged,
        }


def dcg(relevances: Sequence[float]) -> float:
    return sum(rel / math.log2(i + 2) for i, rel in enumerate(relevances))


def ndcg_at_k(ranked: Sequence[str], relevant: Set[str], k: int) -> float:
    """nDCG of one ranked list; 0 when nothing is relevant."""
    if not relevant:
        return 0.0
    gains = [1.0 if item in relevant else 0.0 for item in ranked[:k]]
    ideal = dcg([1.0] * min(len(relevant), k))
    return dcg(gains) / ideal


def evaluate(
    ranked: Mapping[str, Sequence[str]],
    truth: Mapping[str, Set[str]],
    *,
    k: int,
    participants: Sequence[str],
    opportunities: Sequence[str],
) -> Metrics:
    """``ranked``: participant → opportunity ids, best first. ``truth``: participant → relevant ids."""
    judged = [p for p in participants if truth.get(p)]
    ndcgs, recalls, rrs = [], [], []
    for p in judged:
        top = list(ranked.get(p, ()))[:k]
        relevant = truth[p]
        ndcgs.append(ndcg_at_k(top, relevant, k))
        recalls.append(len(relevant.intersection(top)) / min(len(relevant), k))
        rrs.append(next((1.0 / (i + 1) for i, item in enumerate(top) if item in relevant), 0.0))
    shown = {o for p in participants for o in list(ranked.get(p, ()))[:k]}
    n = len(judged) or 1
    return Metrics(
        k=k,
        ndcg=sum(ndcgs) / n,
        recall=sum(recalls) / n,
        mrr=sum(rrs) / n,
        coverage=len(shown & set(opportunities)) / (len(opportunities) or 1),
        with_recommendations=sum(1 for p in participants if ranked.get(p)) / (len(participants) or 1),
        judged=len(judged),
    )
