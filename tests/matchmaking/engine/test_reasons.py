"""Reasons as data: which factors counted, with their values, the fitting session last; no words.

The engine phrases nothing (it imports no Django); ``tests/matchmaking/test_phrasing.py`` reads these
same reasons as sentences in both languages.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tiny import GEOGRAPHY, NOW, SATURDAY, at, class_request, opportunity, session, student

from matchmaking.engine.recommend import recommend
from matchmaking.engine.types import Reason

NAMES = {"ha-noi": "Hà Nội", "bac-ninh": "Bắc Ninh"}
SATURDAY_MORNING = {
    "factor": "session",
    "starts_at": "2026-10-03T08:00:00+07:00",
    "ends_at": "2026-10-03T11:00:00+07:00",
}


def reasons_for(participant, opp, **options) -> tuple[tuple[Reason, ...], tuple[Reason, ...]]:
    recs = recommend([participant], [opp], now=NOW, geography=GEOGRAPHY, province_names=NAMES, **options)
    return recs.for_participants[participant.id][0].reasons, recs.for_opportunities[opp.id][0].reasons


def test_a_students_reasons_name_the_shared_topic_kind_place_freshness_and_the_session_last() -> None:
    mine, theirs = reasons_for(
        student(text="Em thích lập trình game", preferred_kinds=("internship",)),
        opportunity(kind="internship", title="Game development internship", created_at=NOW),
    )
    here = {"factor": "place", "reach": "same", "province": "ha-noi", "province_name": "Hà Nội"}
    assert mine == (
        {"factor": "topics", "topics": ["game-dev"]},
        {"factor": "kind", "kind": "internship"},
        here,
        {"factor": "fresh"},
        SATURDAY_MORNING,
    )
    # The company's side: the same facts without "newly posted" (the company knows when it posted).
    assert theirs == (mine[0], mine[1], here, SATURDAY_MORNING)


def test_reasons_are_the_same_data_whatever_the_participants_language() -> None:
    online = opportunity(title="Lập trình game và trí tuệ nhân tạo", online=True)
    vi, _ = reasons_for(student(text="I love AI and game design", language="vi"), online)
    en, _ = reasons_for(student(text="I love AI and game design", language="en"), online)
    assert vi == en
    assert vi[0] == {"factor": "topics", "topics": ["ai", "game-dev"]}  # two topic ids, sorted
    assert {"factor": "place", "reach": "online", "province": "", "province_name": ""} in vi


def test_the_opportunity_side_starts_with_the_class_and_names_the_classs_province() -> None:
    mine, theirs = reasons_for(
        class_request(text="Lớp quan tâm du lịch", province="bac-ninh"),
        opportunity(kind="visit", title="Tham quan công ty du lịch", sessions=(session(capacity=40),)),
    )
    assert theirs[0] == {"factor": "class", "size": 35, "level": "upper_secondary"}
    assert {"factor": "topics", "topics": ["tourism"]} in theirs
    # the class reads where the opportunity is; the company reads where the class is
    assert {"factor": "place", "reach": "near", "province": "bac-ninh", "province_name": "Bắc Ninh"} in theirs
    assert {"factor": "place", "reach": "near", "province": "ha-noi", "province_name": "Hà Nội"} in mine
    assert not any(r["factor"] == "class" for r in mine)


def test_a_session_keeps_its_instant_whatever_zone_it_comes_in() -> None:
    start = datetime(2026, 10, 3, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
    opp = opportunity(sessions=(session(),))
    opp = opp.__class__(**{**{f: getattr(opp, f) for f in opp.__slots__}, "sessions": (
        type(opp.sessions[0])("x1", start, start + timedelta(hours=3), 30),
    )})  # fmt: skip
    mine, _ = reasons_for(student(text="workshop"), opp)
    last = mine[-1]
    assert last["factor"] == "session"
    assert datetime.fromisoformat(last["starts_at"]) == start
    assert datetime.fromisoformat(last["ends_at"]) == start + timedelta(hours=3)


def test_weak_text_alone_is_no_reason_and_close_text_without_a_topic_is_one() -> None:
    # The Rubik's cube is in no topic: only the text is close.
    mine, _ = reasons_for(student(text="chơi rubik"), opportunity(title="Lớp chơi rubik cho người mới"))
    assert mine[0] == {"factor": "text"}
    assert all(r["factor"] != "topics" for r in mine)
    far, _ = reasons_for(student(text="chơi rubik"), opportunity(title="Lớp học nấu ăn"), floor=0.0)
    assert all(r["factor"] != "text" for r in far)


def test_a_pair_related_by_its_field_alone_says_which_field() -> None:
    # "tài chính, chứng khoán" (finance) and a banking talk share no topic and no word; their topics are
    # of one field, which relates them, and the reason says so before the context.
    mine, theirs = reasons_for(
        student(text="tài chính, đầu tư chứng khoán", preferred_kinds=("career_talk",)),
        opportunity(kind="career_talk", title="Careers in banking: a day at a bank", language="en"),
    )
    assert mine[0] == {"factor": "field", "fields": ["finance"]}
    assert mine[1] == {"factor": "kind", "kind": "career_talk"}
    assert theirs[0] == mine[0]
    # A shared topic says more than its field: no field reason then.
    same_topic, _ = reasons_for(student(text="ngân hàng"), opportunity(title="Careers in banking", language="en"))
    assert same_topic[0] == {"factor": "topics", "topics": ["banking"]}
    assert all(r["factor"] != "field" for r in same_topic)


def test_a_skill_of_every_students_cv_relates_no_subject_through_its_field() -> None:
    # "thuyết trình" (presenting) and "làm việc nhóm" (teamwork) are skills, not a field of study: they
    # do not relate a student to an education visit, though an education topic was once in their field.
    near, _ = reasons_for(
        student(text="thuyết trình, làm việc nhóm"),
        opportunity(title="Tham quan trường mầm non: nghề giáo viên", description="Tìm hiểu nghề giáo viên."),
        floor=0.0,
    )
    assert all(r["factor"] not in ("field", "topics") for r in near)
    # Between two skills they are a field: a teamwork student and a leadership workshop are related, and
    # say so; but a skill every work asks for is no reason to recommend on its own (the default floor).
    teamwork, leadership = student(text="làm việc nhóm"), opportunity(title="Workshop kỹ năng lãnh đạo")
    skills, _ = reasons_for(teamwork, leadership, floor=0.0)
    assert skills[0] == {"factor": "field", "fields": ["skills"]}
    assert recommend([teamwork], [leadership], now=NOW, geography=GEOGRAPHY).for_participants["s1"] == []


def test_factors_are_ordered_by_their_contribution() -> None:
    mine, _ = reasons_for(
        student(text="nấu ăn", preferred_kinds=("workshop",)),
        opportunity(title="Học nấu ăn cùng đầu bếp", province="bac-ninh"),
        weights=None,
    )
    # topic 0.25 × 1 > kind 0.10 > neighbouring province 0.10 × 0.5
    assert [r["factor"] for r in mine[:3]] == ["topics", "kind", "place"]


def test_pairs_with_the_same_reasons_share_them_and_every_reason_is_plain_json() -> None:
    recs = recommend(
        [student("s1", "nấu ăn"), student("s2", "nấu ăn")],
        [opportunity(title="Học nấu ăn")],
        now=NOW,
        geography=GEOGRAPHY,
        province_names=NAMES,
    )
    a, b = recs.for_participants["s1"][0].reasons, recs.for_participants["s2"][0].reasons
    assert a == b and all(x is y for x, y in zip(a, b, strict=True))
    assert json.loads(json.dumps(a)) == list(a)


def test_every_fitting_session_is_listed_earliest_first_however_many_there_are() -> None:
    # Sessions are keyed by a bitmask of the opportunity's sessions up to 31; past that, one by one.
    for count in (3, 40):
        sessions = tuple(
            session(f"x{n:02d}", day=SATURDAY + timedelta(days=n // 10), start=8 + n % 10, end=9 + n % 10)
            for n in reversed(range(count))
        )
        all_week = student(availability=((at(SATURDAY, 7), at(SATURDAY + timedelta(days=4), 20)),))
        mornings = student("s2", availability=((at(SATURDAY, 7), at(SATURDAY, 12)),))
        recs = recommend(
            [all_week, mornings], [opportunity(sessions=sessions)], now=NOW, geography=GEOGRAPHY, floor=0.0
        )
        everything = tuple(f"x{n:02d}" for n in range(count))
        some = everything[:4]  # 8:00 to 12:00 on Saturday
        assert recs.for_participants["s1"][0].sessions == everything
        assert recs.for_participants["s2"][0].sessions == some
        assert {r.sessions for r in recs.for_opportunities["o1"]} == {everything, some}


def test_relevance_reasons_come_before_the_context_however_small_their_contribution() -> None:
    # Six interests and a posting of five topics share one: the topic feature is 1/√30 ≈ 0.18, so its
    # contribution (× 0.5) is below being online or new (1 × 0.1 each). It is why the pair is listed
    # at all (no relevance, no listing), so it comes first, the context after.
    mine, _ = reasons_for(
        student(text="lập trình, bóng đá, nấu ăn, du lịch, âm nhạc, nhiếp ảnh"),
        opportunity(
            title="Trại hè trực tuyến",
            description="Học lập trình cùng robot, điện tử, vẽ tranh và thiết kế đồ họa.",
            online=True,
            created_at=NOW,
        ),
        weights=None,
    )
    assert [r["factor"] for r in mine] == ["topics", "place", "fresh", "session"]


def test_beauty_is_a_service_beside_hotels_not_a_field_of_medicine() -> None:
    # A nursing student was related to a make-up class through "health and medicine".
    nursing, _ = reasons_for(
        student(text="điều dưỡng, chăm sóc người bệnh"), opportunity(title="Lớp trang điểm cơ bản"), floor=0.0
    )
    assert all(r["factor"] not in ("field", "topics") for r in nursing)
    spa, _ = reasons_for(student(text="quản trị khách sạn"), opportunity(title="Thực tập tại spa"), floor=0.0)
    assert spa[0] == {"factor": "field", "fields": ["tourism"]}
