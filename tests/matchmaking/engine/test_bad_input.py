"""Odd input gives fewer or no recommendations, never an error."""

from __future__ import annotations

from datetime import datetime

import pytest
from tiny import GEOGRAPHY, NOW, opportunity, session, student

from matchmaking.engine.recommend import recommend


def run(participants, opportunities, **options):
    return recommend(participants, opportunities, now=NOW, geography=GEOGRAPHY, **options)


def test_empty_interests_get_no_good_match_yet_rather_than_a_list_ranked_by_context() -> None:
    recs = run([student(text="")], [opportunity("o1", created_at=NOW), opportunity("o2")])
    assert recs.for_participants["s1"] == []  # relevance 0: freshness alone recommends nothing
    padded = run([student(text="")], [opportunity("o1", created_at=NOW), opportunity("o2")], floor=0.0)
    assert [r.opportunity_id for r in padded.for_participants["s1"]] == ["o1", "o2"]  # all at 0: by id


def test_no_availability_means_no_recommendations_either_way() -> None:
    recs = run([student(availability=())], [opportunity()])
    assert recs.for_participants == {"s1": []} and recs.for_opportunities == {"o1": []}


def test_an_opportunity_without_sessions_is_never_recommended() -> None:
    recs = run([student("s1", "lập trình game")], [opportunity("o1", title="lập trình game", sessions=())])
    assert recs.for_participants["s1"] == [] and recs.for_opportunities["o1"] == []


def test_a_ten_thousand_character_text_is_scored_like_any_other() -> None:
    essay = ("Em rất thích lập trình game và trí tuệ nhân tạo. " * 250)[:10_000]
    recs = run([student(text=essay)], [opportunity(title="Game development internship")])
    assert recs.for_participants["s1"][0].features["topic"] > 0


def test_emoji_only_text_and_unknown_topics_do_no_harm() -> None:
    recs = run(
        [student(text="🎮🤖✨", topics=("xyzzy", "🙂"))],
        [opportunity(title="🎨🎨", topics=("không-có-chủ-đề-này",))],
    )
    assert recs.for_participants["s1"] == []
    [only] = run(
        [student(text="🎮🤖✨", topics=("xyzzy", "🙂"))],
        [opportunity(title="🎨🎨", topics=("không-có-chủ-đề-này",))],
        floor=0.0,
    ).for_participants["s1"]
    assert only.features["text"] == 0.0 and only.features["topic"] == 0.0 and 0 < only.score


def test_empty_inputs_give_empty_lists() -> None:
    assert run([], [opportunity()]).for_opportunities == {"o1": []}
    assert run([student()], []).for_participants == {"s1": []}


def test_it_refuses_a_naive_now_and_a_k_below_one() -> None:
    with pytest.raises(ValueError, match="aware"):
        recommend([student()], [opportunity()], now=datetime(2026, 9, 20), geography=GEOGRAPHY)  # noqa: DTZ001
    with pytest.raises(ValueError, match="k"):
        run([student()], [opportunity()], k=0)


def test_a_session_ending_before_it_starts_is_ignored() -> None:
    broken = session()
    broken = type(broken)("bad", broken.ends_at, broken.starts_at, 30, 0)
    assert run([student()], [opportunity(sessions=(broken,))]).for_participants["s1"] == []
