"""Learned weights: fitting, the held-out split and the promotion rule."""

from __future__ import annotations

import random

import numpy as np

from matchmaking.engine.evaluate import ndcg_at_k
from matchmaking.engine.learn import Example, example_scores, fit_weights, held_out, ndcg_of, should_promote
from matchmaking.engine.model import FEATURES, FLOOR, Weights


def feedback(rng: random.Random, n: int, driver: str) -> list[Example]:
    """Participants who accept exactly when ``driver`` is high, whatever the other features are."""
    rows = []
    for i in range(n):
        for j in range(4):
            values = {name: rng.random() for name in FEATURES}
            rows.append(Example(f"p{i}", f"o{j}", values, int(values[driver] > 0.6)))
    return rows


def test_it_learns_non_negative_weights_summing_to_one_led_by_what_drives_acceptance() -> None:
    rows = feedback(random.Random(1), 200, "topic")
    weights = fit_weights(rows, version="v1")
    assert weights is not None and weights.version == "v1"
    values = weights.as_array()
    assert np.all(values >= 0) and abs(values.sum() - 1) < 1e-9
    assert max(FEATURES, key=lambda name: getattr(weights, name)) == "topic"


def test_it_takes_a_matrix_and_labels_too_and_names_the_version_after_the_result() -> None:
    rows = feedback(random.Random(2), 100, "text")
    x = [[e.features[name] for name in FEATURES] for e in rows]
    y = [e.label for e in rows]
    first, second = fit_weights(x, y), fit_weights(x, y)
    assert first == second and first is not None and first.version.startswith("lr-")


def test_it_learns_nothing_from_one_kind_of_label() -> None:
    rows = [Example("p", f"o{i}", [0.5] * 5, 1) for i in range(10)]
    assert fit_weights(rows) is None


def test_weights_survive_a_round_trip_through_json_shaped_dicts() -> None:
    weights = Weights(0.4, 0.3, 0.1, 0.1, 0.1, version="r7")
    assert Weights.from_dict(weights.to_dict()) == weights


def test_the_held_out_split_is_stable_and_about_a_fifth() -> None:
    ids = [f"S{i:05d}" for i in range(5000)]
    share = sum(held_out(i) for i in ids) / len(ids)
    assert 0.17 < share < 0.23
    assert [held_out(i) for i in ids[:50]] == [held_out(i) for i in ids[:50]]


def test_ndcg_at_k_on_known_rankings() -> None:
    assert ndcg_at_k(["a", "b", "c"], {"a"}, 10) == 1.0
    assert abs(ndcg_at_k(["b", "a"], {"a"}, 10) - 1 / np.log2(3)) < 1e-12
    assert ndcg_at_k(["b", "c"], {"a"}, 10) == 0.0
    assert ndcg_at_k(["b", "a"], {"a"}, 1) == 0.0


def test_it_promotes_weights_that_rank_held_out_feedback_at_least_as_well() -> None:
    held = feedback(random.Random(3), 60, "text")
    good = Weights(text=1, topic=0, kind=0, distance=0, freshness=0, version="good")
    bad = Weights(text=0, topic=1, kind=0, distance=0, freshness=0, version="bad")
    assert ndcg_of(good, held) > ndcg_of(bad, held)
    assert should_promote(good, bad, held)
    assert not should_promote(bad, good, held)
    assert should_promote(good, good, held)  # no worse is enough


def test_a_candidate_that_loses_on_any_labelled_set_is_not_promoted_whatever_the_feedback_says() -> None:
    held = feedback(random.Random(4), 60, "text")
    good = Weights(text=1, topic=0, kind=0, distance=0, freshness=0, version="good")
    bad = Weights(text=0, topic=1, kind=0, distance=0, freshness=0, version="bad")
    assert should_promote(good, bad, held, {"esco_ict": (0.60, 0.59), "bilingual_eval": (0.90, 0.90)})
    assert not should_promote(good, bad, held, {"esco_ict": (0.60, 0.59), "bilingual_eval": (0.89, 0.90)})


def test_feedback_biased_toward_a_kind_cannot_make_a_ranker_that_recommends_by_kind() -> None:
    # People who accept their preferred kind whatever the topic: the regression may only scale the
    # relevance by kind, so a pair with no text and no topic in common stays at the lowest score.
    rows = feedback(random.Random(5), 300, "kind")
    candidate = fit_weights(rows)
    zero_relevance = np.array([[0.0, 0.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
    relevant = np.array([[0.3, 0.3, 0.0, 0.0, 0.0]])
    for weights in [w for w in (candidate, Weights(text=0.01, topic=0.01, kind=1, distance=1, freshness=1)) if w]:
        low = example_scores(weights, zero_relevance)
        assert np.all(low == FLOOR) and np.all(example_scores(weights, relevant) > low.max())
