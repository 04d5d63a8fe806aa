"""Scores, features, determinism and the diversity rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tiny import GEOGRAPHY, NOW, SATURDAY, opportunity, session, student

from matchmaking.engine.model import FLOOR, Weights, freshness
from matchmaking.engine.recommend import recommend

TEXTS = ["lập trình game", "du lịch khách sạn", "game development internship", "nấu ăn", "robot", ""]


def world():
    participants = [student(f"s{i}", TEXTS[i % len(TEXTS)], preferred_kinds=("workshop",)) for i in range(8)]
    opportunities = [
        opportunity(
            f"o{j}",
            company=f"c{j % 3}",
            title=TEXTS[(j + 1) % len(TEXTS)],
            created_at=NOW - timedelta(days=j * 7),
            province=["ha-noi", "bac-ninh"][j % 2],
        )
        for j in range(12)
    ]
    return participants, opportunities


def test_every_score_is_in_the_unit_interval_and_every_feature_in_zero_one() -> None:
    recs = recommend(*world(), now=NOW, geography=GEOGRAPHY, k=12)
    every = [r for rs in recs.for_participants.values() for r in rs]
    assert every and all(FLOOR <= r.score <= 1 for r in every)
    assert all(0 <= v <= 1 for r in every for v in r.features.values())
    assert all(
        rs[i].score >= rs[i + 1].score for rs in recs.for_participants.values() for i in range(len(rs) - 1)
    )


def _per_company(recs_: list) -> dict[int, int]:
    per: dict[int, int] = {}
    for r in recs_:
        per[int(r.opportunity_id[1:]) % 3] = per.get(int(r.opportunity_id[1:]) % 3, 0) + 1
    return per


def test_a_participant_list_holds_at_most_two_opportunities_of_a_company() -> None:
    recs = recommend(*world(), now=NOW, geography=GEOGRAPHY, k=6, floor=0.0)  # every pair, padded
    for recs_ in recs.for_participants.values():
        assert max(_per_company(recs_).values()) <= 2 and len(recs_) == 6  # three companies × two


def test_a_list_the_cap_would_leave_short_is_filled_with_what_it_skipped() -> None:
    participants, opportunities = world()
    recs = recommend(participants, opportunities, now=NOW, geography=GEOGRAPHY, k=10, floor=0.0)
    for recs_ in recs.for_participants.values():
        # Three companies can fill six places two by two; the other four come from what the cap skipped,
        # each in its place by score.
        assert len(recs_) == min(10, len(opportunities)) and max(_per_company(recs_).values()) > 2
        assert [r.score for r in recs_] == sorted((r.score for r in recs_), reverse=True)


def test_the_same_input_gives_the_same_output() -> None:
    first = recommend(*world(), now=NOW, geography=GEOGRAPHY, k=5)
    second = recommend(*world(), now=NOW, geography=GEOGRAPHY, k=5, n_threads=1)
    assert first == second


def test_learned_weights_change_the_order() -> None:
    # s0 wrote "lập trình game"; o5 and o11 have it as their title (the same relevance), o5 is six
    # weeks fresher. Without a freshness weight the tie goes by id ("o11" < "o5"); with one, o5 first.
    participants, opportunities = world()
    by_text = recommend(
        participants,
        opportunities,
        now=NOW,
        geography=GEOGRAPHY,
        k=3,
        weights=Weights(text=1, topic=0, kind=0, distance=0, freshness=0, version="t"),
    )
    by_freshness = recommend(
        participants,
        opportunities,
        now=NOW,
        geography=GEOGRAPHY,
        k=3,
        weights=Weights(text=1, topic=0, kind=0, distance=0, freshness=1, version="f"),
    )
    assert by_text.weights_version == "t"
    assert [r.opportunity_id for r in by_text.for_participants["s0"]][:2] == ["o11", "o5"]
    assert [r.opportunity_id for r in by_freshness.for_participants["s0"]][:2] == ["o5", "o11"]


def test_a_participant_and_an_opportunity_see_the_same_score_for_their_pair() -> None:
    recs = recommend(*world(), now=NOW, geography=GEOGRAPHY, k=12)
    forward = {
        (r.participant_id, r.opportunity_id): r.score for rs in recs.for_participants.values() for r in rs
    }
    backward = {
        (r.participant_id, r.opportunity_id): r.score for rs in recs.for_opportunities.values() for r in rs
    }
    shared = forward.keys() & backward.keys()
    assert shared and all(forward[pair] == backward[pair] for pair in shared)


def test_a_rec_lists_the_sessions_the_participant_can_book_earliest_first() -> None:
    sunday, saturday_late = session("sun", SATURDAY + timedelta(days=1)), session("sat", SATURDAY, 14, 16)
    full = session("full", SATURDAY, 8, 10, capacity=5, taken=5)
    recs = recommend(
        [student()], [opportunity(sessions=(sunday, full, saturday_late))], now=NOW, geography=GEOGRAPHY, floor=0.0
    )
    assert recs.for_participants["s1"][0].sessions == ("sat", "sun")


def test_the_text_feature_is_the_pairs_text_cosine_recovered_from_its_score() -> None:
    from matchmaking.engine.vectors import build_model

    participants, opportunities = world()
    recs = recommend(participants, opportunities, now=NOW, geography=GEOGRAPHY, k=12, floor=0.0)
    built = build_model(participants, opportunities, now=NOW, geography=GEOGRAPHY, weights=Weights().normalised())
    cosine = (built.text_p @ built.text_o.T).toarray()
    p_index = {p.id: i for i, p in enumerate(participants)}
    o_index = {o.id: j for j, o in enumerate(opportunities)}
    pairs = [r for rs in recs.for_participants.values() for r in rs]
    assert any(r.features["text"] > 0.1 for r in pairs)
    for r in pairs:
        assert abs(r.features["text"] - cosine[p_index[r.participant_id], o_index[r.opportunity_id]]) < 2e-3


def test_opportunities_posted_the_same_day_are_equally_fresh_and_tie_by_id() -> None:
    # Written microseconds or hours apart (an import writes rows one after another), o5 and o11 are
    # equally fresh: their order is the id tie-break's, whenever the rows were written and the round run.
    participants, opportunities = world()
    for moment in (NOW - timedelta(microseconds=3), NOW - timedelta(hours=23)):
        opportunities[5] = replace(opportunities[5], created_at=moment)
        opportunities[11] = replace(opportunities[11], created_at=NOW)
        result = recommend(
            participants,
            opportunities,
            now=NOW + timedelta(minutes=7),
            geography=GEOGRAPHY,
            k=3,
            weights=Weights(text=1, topic=0, kind=0, distance=0, freshness=1, version="f"),
        )
        first, second = result.for_participants["s0"][:2]
        assert (first.opportunity_id, second.opportunity_id) == ("o11", "o5")
        assert first.score == second.score
    assert freshness(NOW - timedelta(hours=23, minutes=59), NOW) == 1.0
    assert freshness(NOW - timedelta(days=30, hours=5), NOW) == 0.5
