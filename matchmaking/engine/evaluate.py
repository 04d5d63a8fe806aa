"""Ranking quality of recommendations against known relevant pairs.

nDCG@k, recall@k and MRR are averaged over the participants that have at least one relevant
opportunity in ``truth`` (binary relevance; a participant without a list scores 0); ``coverage`` is
the share of the catalogue's opportunities that appear in at least one list; ``with_recommendations``
is the share of participants with a non-empty list.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

from .types import Recommendations


def dcg(gains: Sequence[float]) -> float:
    return sum(gain / math.log2(i + 2) for i, gain in enumerate(gains))


def ndcg_at_k(ranked: Sequence[str], relevant: Mapping[str, float] | set[str], k: int) -> float:
    """nDCG of the first k of ``ranked``; ``relevant`` maps ids to gains (a set means gain 1 each)."""
    gains = dict.fromkeys(relevant, 1.0) if isinstance(relevant, set) else dict(relevant)
    ideal = dcg(sorted((g for g in gains.values() if g > 0), reverse=True)[:k])
    if ideal <= 0:
        return 0.0
    return dcg([gains.get(item, 0.0) for item in ranked[:k]]) / ideal


@dataclass(frozen=True)
class Metrics:
    k: int
    ndcg: float
    recall: float
    mrr: float
    coverage: float
    with_recommendations: float
    judged: int  # participants with at least one relevant opportunity

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


Evaluation = Metrics  # the name the brief uses


def evaluate(
    recs: Recommendations | Mapping[str, Sequence[str]],
    truth: Mapping[str, set[str]],
    k: int = 10,
    *,
    participants: Iterable[str] | None = None,
    opportunities: Iterable[str] | None = None,
) -> Metrics:
    """Quality of the participants' lists against ``truth`` (participant id → relevant opportunity ids).

    ``recs`` is the engine's result or a plain mapping participant id → ranked opportunity ids. The
    participants judged and the catalogue default to those of ``recs`` (for a plain mapping, the
    catalogue defaults to the opportunities that were listed); pass them to evaluate a subset, such
    as held-out participants.
    """
    if isinstance(recs, Recommendations):
        ranked = {
            pid: [r.opportunity_id for r in sorted(rs, key=lambda r: r.rank)]
            for pid, rs in recs.for_participants.items()
        }
        catalogue = list(recs.for_opportunities)
    else:
        ranked = {pid: list(ids) for pid, ids in recs.items()}
        catalogue = sorted({oid for ids in ranked.values() for oid in ids})
    who = list(participants) if participants is not None else list(ranked)
    catalogue = list(opportunities) if opportunities is not None else catalogue
    ndcgs, recalls, reciprocal = [], [], []
    for pid in who:
        relevant = set(truth.get(pid, ()))
        if not relevant:
            continue
        listed = ranked.get(pid, [])
        ndcgs.append(ndcg_at_k(listed, relevant, k))
        recalls.append(len(set(listed[:k]) & relevant) / len(relevant))
        first = next((i for i, oid in enumerate(listed[:k]) if oid in relevant), None)
        reciprocal.append(0.0 if first is None else 1.0 / (first + 1))
    shown = {oid for pid in who for oid in ranked.get(pid, [])[:k]}
    judged = len(ndcgs)
    return Metrics(
        k=k,
        ndcg=sum(ndcgs) / judged if judged else 0.0,
        recall=sum(recalls) / judged if judged else 0.0,
        mrr=sum(reciprocal) / judged if judged else 0.0,
        coverage=len(shown & set(catalogue)) / len(catalogue) if catalogue else 0.0,
        with_recommendations=sum(1 for pid in who if ranked.get(pid)) / len(who) if who else 0.0,
        judged=judged,
    )
