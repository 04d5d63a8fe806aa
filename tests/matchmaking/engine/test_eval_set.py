"""The labelled set in tests/data/eval: consistent with the filters, and the model ranks it well."""

from __future__ import annotations

import eval_world
import pytest

from matchmaking.engine.evaluate import evaluate
from matchmaking.engine.filters import qualifying_sessions
from matchmaking.engine.recommend import recommend


@pytest.fixture(scope="module")
def world():
    return eval_world.load()


@pytest.fixture(scope="module")
def truth():
    return eval_world.truth()


def metrics(world, truth, **switches):
    participants, opportunities, geography = world
    recs = recommend(participants, opportunities, now=eval_world.NOW, geography=geography, k=10, **switches)
    return recs, evaluate(recs, truth, k=10)


def test_it_has_about_sixty_participants_forty_opportunities_and_cross_language_truth(world, truth) -> None:
    participants, opportunities, _ = world
    assert len(participants) == 60 and len(opportunities) == 41
    assert set(truth) == {p.id for p in participants}
    language = {p.id: p.language for p in participants}
    cross = [
        (p, o) for p, items in truth.items() for o in items if (language[p] == "en") != o.endswith("-EN")
    ]
    assert len(cross) >= 40


def test_every_truth_pair_is_eligible_and_the_trap_never_is(world, truth) -> None:
    participants, opportunities, geography = world
    people, opps = {p.id: p for p in participants}, {o.id: o for o in opportunities}
    assert all(
        qualifying_sessions(people[p], opps[o], eval_world.NOW, geography)
        for p, os in truth.items()
        for o in os
    )
    assert not any(
        qualifying_sessions(p, opps["O-FAR-GAME"], eval_world.NOW, geography) for p in participants
    )


def test_the_full_model_ranks_better_than_text_alone(world, truth) -> None:
    _, text_only = metrics(world, truth, folding=False, use_topics=False, use_filters=False)
    recs, full = metrics(world, truth)
    assert full.ndcg > text_only.ndcg and full.recall >= 0.95 and full.with_recommendations == 1.0
    assert all(r.opportunity_id != "O-FAR-GAME" for rs in recs.for_participants.values() for r in rs)


def test_accent_folding_helps_the_students_who_type_without_diacritics(world, truth) -> None:
    unaccented = {"S02", "S05", "S08", "S11", "S14", "S17", "S20", "S23", "S26"}
    subset = {p: truth[p] for p in unaccented}
    plain = recommend(*world[:2], now=eval_world.NOW, geography=world[2], folding=False, use_topics=False)
    folded = recommend(*world[:2], now=eval_world.NOW, geography=world[2], folding=True, use_topics=False)
    assert evaluate(folded, subset).recall > evaluate(plain, subset).recall
