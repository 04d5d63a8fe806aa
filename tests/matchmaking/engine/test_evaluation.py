"""Ranking-quality metrics on hand-made lists whose values can be worked out by hand."""

from __future__ import annotations

import math

from matchmaking.engine.evaluate import evaluate
from matchmaking.engine.types import Rec, Recommendations


def rec(p: str, o: str, rank: int) -> Rec:
    return Rec(p, o, 0.5, rank, (), {})


def test_it_computes_ndcg_recall_mrr_coverage_and_the_share_served() -> None:
    recs = Recommendations(
        for_participants={"p1": [rec("p1", "a", 1), rec("p1", "b", 2)], "p2": [rec("p2", "c", 1)], "p3": []},
        for_opportunities={o: [] for o in "abcd"},
    )
    truth = {"p1": {"b"}, "p2": {"c", "d"}, "p3": set()}
    m = evaluate(recs, truth, k=10)
    assert m.judged == 2  # p3 has nothing relevant
    assert math.isclose(m.recall, (1 + 0.5) / 2)
    assert math.isclose(m.mrr, (1 / 2 + 1) / 2)
    ideal_p2 = 1 + 1 / math.log2(3)
    assert math.isclose(m.ndcg, (1 / math.log2(3) + 1 / ideal_p2) / 2)
    assert m.coverage == 3 / 4
    assert m.with_recommendations == 2 / 3


def test_it_accepts_plain_ranked_lists_and_a_subset_of_participants() -> None:
    ranked = {"p1": ["a", "b"], "p2": ["c"]}
    m = evaluate(ranked, {"p1": {"a"}, "p2": {"x"}}, k=1, participants=["p1"], opportunities=["a", "b", "c"])
    assert (m.ndcg, m.recall, m.mrr, m.judged) == (1.0, 1.0, 1.0, 1)
    assert m.coverage == 1 / 3
