"""Reasons in the participant's language (the opportunity side in lang_default), times in Hà Nội time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tiny import GEOGRAPHY, NOW, SATURDAY, at, class_request, opportunity, session, student

from matchmaking.engine.reasons import session_phrase
from matchmaking.engine.recommend import recommend

NAMES = {"ha-noi": "Hà Nội", "bac-ninh": "Bắc Ninh"}


def reasons_for(participant, opp, **options) -> tuple[tuple[str, ...], tuple[str, ...]]:
    recs = recommend([participant], [opp], now=NOW, geography=GEOGRAPHY, province_names=NAMES, **options)
    return recs.for_participants[participant.id][0].reasons, recs.for_opportunities[opp.id][0].reasons


def test_a_vietnamese_student_reads_vietnamese_reasons_with_the_fitting_session_last() -> None:
    mine, theirs = reasons_for(
        student(text="Em thích lập trình game", preferred_kinds=("internship",)),
        opportunity(kind="internship", title="Game development internship", created_at=NOW),
    )
    assert mine == (
        "Cùng chủ đề: lập trình game",
        "Loại hình bạn thích: thực tập",
        "Cùng tỉnh/thành (Hà Nội)",
        "Mới đăng",
        "Phù hợp buổi sáng thứ Bảy bạn rảnh (3/10, 08:00–11:00)",
    )
    assert theirs[0] == "Cùng chủ đề: lập trình game"
    assert theirs[-1] == "Rảnh cho buổi thứ Bảy 3/10, 08:00–11:00"


def test_an_english_student_reads_english_reasons() -> None:
    mine, _ = reasons_for(
        student(text="I love AI and game design", language="en"),
        opportunity(title="Lập trình game và trí tuệ nhân tạo", online=True),
    )
    assert mine[0] == "Shared topics: AI, game development"
    assert "Online — join from anywhere" in mine
    assert mine[-1] == "Fits your free Saturday morning (3 Oct, 08:00–11:00)"


def test_the_opportunity_side_speaks_the_callers_language_and_names_a_class() -> None:
    _, theirs = reasons_for(
        class_request(text="Lớp quan tâm du lịch", province="bac-ninh"),
        opportunity(kind="visit", title="Tham quan công ty du lịch", sessions=(session(capacity=40),)),
        lang_default="en",
    )
    assert theirs[0] == "A class of 35 (upper secondary)"
    assert "Shared topics: tourism" in theirs
    assert "From a neighbouring province (Bắc Ninh)" in theirs


def test_session_times_are_shown_in_vietnam_whatever_zone_they_come_in() -> None:
    start = datetime(2026, 10, 2, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội, a Friday
    end = datetime(2026, 10, 2, 4, 0, tzinfo=UTC)
    assert session_phrase(start, end, "en", False) == "Fits your free Friday morning (2 Oct, 08:00–11:00)"
    assert session_phrase(start, end, "vi", False) == "Phù hợp buổi sáng thứ Sáu bạn rảnh (2/10, 08:00–11:00)"


def test_factors_are_ordered_by_their_contribution() -> None:
    mine, _ = reasons_for(
        student(text="nấu ăn", preferred_kinds=("workshop",)),
        opportunity(title="Học nấu ăn cùng đầu bếp", province="bac-ninh"),
        weights=None,
    )
    # topic 0.25 × 1 > kind 0.10 > neighbouring province 0.10 × 0.5
    assert [r.split(":")[0].split(" (")[0] for r in mine[:3]] == [
        "Cùng chủ đề",
        "Loại hình bạn thích",
        "Ở tỉnh/thành lân cận",
    ]


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
