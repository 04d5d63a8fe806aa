from __future__ import annotations

import numpy as np

from matchmaking.engine.topk import ranking_order


def test_it_orders_candidates_as_a_three_key_lexsort_with_ties_and_repeats() -> None:
    rng = np.random.default_rng(3)
    for _ in range(100):
        n = int(rng.integers(0, 500))
        row = np.sort(rng.integers(0, int(rng.integers(1, 20)), n))
        raw = rng.integers(0, int(rng.integers(1, 12)), n) / 2.0**32  # few values: many ties
        tie = rng.integers(0, int(rng.integers(1, 10)), n)
        got, want = ranking_order(row, raw, tie), np.lexsort((tie, -raw, row))
        for key in (row, raw, tie):
            assert np.array_equal(key[got], key[want])
