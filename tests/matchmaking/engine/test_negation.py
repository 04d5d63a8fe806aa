"""What a participant says they do not want is not an interest (engine/negation.py)."""

from __future__ import annotations

import pytest
from tiny import GEOGRAPHY, NOW, opportunity, student

from matchmaking.engine.negation import without_negated
from matchmaking.engine.recommend import recommend


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("Em không thích lập trình, em thích vẽ tranh", "Em \n, em thích vẽ tranh"),
        ("khong thich toan nhung thich ve", "\nnhung thich ve"),  # typed bare; "nhưng" (but) turns it
        ("Em không thích toán và lý em thích văn", "Em \nem thích văn"),  # "and" keeps it; a new wish ends it
        ("Tôi không quan tâm đến kinh doanh. Tôi thích y học", "Tôi \n. Tôi thích y học"),
        ("ghét hóa học; mê sinh học", "\n; mê sinh học"),
        ("I don't like coding, I prefer drawing", "I \n, I prefer drawing"),
        ("I hate math but I love biology", "I \nbut I love biology"),
        ("Not interested in sales. Marketing and design", "\n. Marketing and design"),
    ],
)
def test_a_clause_of_dislike_is_taken_out_to_its_end(text: str, read: str) -> None:
    assert without_negated(text) == read


@pytest.mark.parametrize(
    "text",
    [
        "Em không biết lập trình nhưng muốn học",  # can't code yet, wants to learn: no dislike
        "not only coding but also design",
        "Cha em thích sửa xe",  # "cha" is a father, not "chả" (not at all)
        "không chỉ thích lập trình mà còn thích thiết kế",  # not only … but also
        "hàng không, phi công",  # aviation: "không" alone is no cue
    ],
)
def test_what_is_no_dislike_is_read_whole(text: str) -> None:
    assert without_negated(text) == text


def test_a_student_who_dislikes_programming_is_not_offered_programming_events() -> None:
    courses = [
        opportunity("code", company="a", title="Workshop lập trình game với Unity"),
        opportunity("art", company="b", title="Thiết kế đồ họa và vẽ tranh kỹ thuật số"),
    ]
    for text in ("Em không thích lập trình, em thích vẽ tranh và thiết kế đồ họa",
                 "I don't like programming, I prefer drawing and graphic design"):  # fmt: skip
        listed = recommend([student("me", text)], courses, now=NOW, geography=GEOGRAPHY).for_participants["me"]
        assert [r.opportunity_id for r in listed] == ["art"], text
    liked = recommend([student("me", "Em thích lập trình")], courses, now=NOW, geography=GEOGRAPHY)
    assert "code" in [r.opportunity_id for r in liked.for_participants["me"]]
