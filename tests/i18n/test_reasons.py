"""A recommendation's reasons are stored as data and read in the reader's language: the same stored row
is a Vietnamese sentence on a Vietnamese page or API answer and an English one on an English one."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from matchmaking.models import Match, OpportunityMatch
from matchmaking.phrasing import reasons_text
from tests.conftest import World

from .test_mail import ENGLISH_WORDS, VIETNAMESE_LETTERS

pytestmark = pytest.mark.django_db

# What the engine stores (matchmaking.engine.reasons): facts and codes, no words.
STORED = [
    {"factor": "topics", "topics": ["ai", "game-dev"]},
    {"factor": "kind", "kind": "internship"},
    {"factor": "place", "reach": "near", "province": "bac-ninh", "province_name": "Bắc Ninh"},
    {"factor": "fresh"},
    {"factor": "session", "starts_at": "2030-10-05T01:00:00+00:00", "ends_at": "2030-10-05T04:00:00+00:00"},
]
FOR_THE_STUDENT = {
    "vi": [
        "Cùng chủ đề: lập trình game, trí tuệ nhân tạo",
        "Loại hình bạn thích: Thực tập",
        "Ở tỉnh/thành lân cận (Bắc Ninh)",
        "Mới đăng",
        "Phù hợp buổi sáng Thứ Bảy bạn rảnh (5/10, 08:00–11:00)",  # 01:00 UTC is 08:00 in Hà Nội
    ],
    "en": [
        "Shared topics: AI, game development",
        "A kind you prefer: Internship",
        "In a neighbouring province (Bắc Ninh)",
        "Newly posted",
        "Fits your free Saturday morning (5 Oct, 08:00–11:00)",
    ],
}
FOR_THE_COMPANY = {
    "vi": [
        "Một lớp 38 học sinh (Trung học phổ thông)",
        "Cùng chủ đề: lập trình game, trí tuệ nhân tạo",
        "Thích loại hình này: Thực tập",
        "Từ tỉnh/thành lân cận (Bắc Ninh)",
        "Mới đăng",
        "Rảnh cho buổi Thứ Bảy 5/10, 08:00–11:00",
    ],
    "en": [
        "A class of 38 students (Upper secondary)",
        "Shared topics: AI, game development",
        "Prefers this kind: Internship",
        "From a neighbouring province (Bắc Ninh)",
        "Newly posted",
        "Free for the session on Saturday 5 Oct, 08:00–11:00",
    ],
}
CLASS = {"factor": "class", "size": 38, "level": "upper_secondary"}
OTHER = {"vi": "en", "en": "vi"}


def assert_only(language: str, sentences: list[str]) -> None:
    """No word of the other language: no Vietnamese letter in English (the province's name is data),
    no English word in Vietnamese."""
    for sentence in sentences:
        if language == "en":
            assert not VIETNAMESE_LETTERS.search(sentence.replace("Bắc Ninh", "")), sentence
        else:
            words = set(re.findall(r"[a-z]+", sentence.lower()))
            assert not words & ENGLISH_WORDS, (sentence, words & ENGLISH_WORDS)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_same_reasons_read_as_whole_sentences_in_each_language(language: str) -> None:
    with translation.override(OTHER[language]):  # the language asked for wins over the active one
        mine = reasons_text(STORED, language=language)
        theirs = reasons_text([CLASS, *STORED], for_opportunity=True, language=language)

    assert mine == FOR_THE_STUDENT[language]
    assert theirs == FOR_THE_COMPANY[language]
    assert_only(language, mine + theirs)


FOR_THE_CLASS = {
    "vi": [
        "Cùng chủ đề: lập trình game, trí tuệ nhân tạo",
        "Loại hình lớp đã đề nghị: Thực tập",
        "Ở tỉnh/thành lân cận tỉnh của trường (Bắc Ninh)",
        "Mới đăng",
        "Phù hợp buổi sáng Thứ Bảy lớp rảnh (5/10, 08:00–11:00)",
    ],
    "en": [
        "Shared topics: AI, game development",
        "A kind the class asked for: Internship",
        "In a province next to the school's (Bắc Ninh)",
        "Newly posted",
        "Fits a Saturday morning the class is free (5 Oct, 08:00–11:00)",
    ],
}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_classs_reasons_speak_of_the_class_not_to_a_student(language: str) -> None:
    # The coordinator read "A kind you prefer", "In your province", "your free Saturday morning" for a class.
    stored = [*STORED, {"factor": "field", "fields": ["finance"]}, {"factor": "text"}]
    got = reasons_text(stored, for_class=True, language=language)
    assert got[:5] == FOR_THE_CLASS[language]
    assert got[5:] == {
        "vi": ["Thuộc lĩnh vực lớp đã hỏi: tài chính, ngân hàng và kế toán", "Gần với điều lớp đã đề nghị"],
        "en": [
            "In a field the class asked about: finance, banking and accounting",
            "Close to what the class asked for",
        ],
    }[language]
    assert_only(language, got[:5])  # (its word split reads "thu" and "to" in "Thuộc", "toán" as English)
    same = [{"factor": "place", "reach": "same", "province": "ha-noi", "province_name": "Hà Nội"}]
    assert reasons_text(same, for_class=True, language="vi") == ["Ở tỉnh/thành của trường (Hà Nội)"]


def test_three_topics_at_most_sorted_in_the_readers_language_and_one_topic_is_singular() -> None:
    many = [{"factor": "topics", "topics": ["ai", "chess", "game-dev", "tourism"]}]
    one = [{"factor": "topics", "topics": ["tourism"]}]

    assert reasons_text(many, language="en") == ["Shared topics: AI, chess, game development"]
    assert reasons_text(many, language="vi") == ["Cùng chủ đề: cờ vua, du lịch, lập trình game"]
    assert reasons_text(one, language="en") == ["Shared topic: tourism"]


def test_a_shared_field_names_the_field_in_the_readers_language_from_either_side() -> None:
    stored = [{"factor": "field", "fields": ["finance"]}]
    assert reasons_text(stored, language="vi") == ["Thuộc lĩnh vực bạn quan tâm: tài chính, ngân hàng và kế toán"]
    assert reasons_text(stored, language="en") == ["In a field you are interested in: finance, banking and accounting"]
    assert reasons_text(stored, for_opportunity=True, language="vi") == [
        "Quan tâm cùng lĩnh vực: tài chính, ngân hàng và kế toán"
    ]
    two = [{"factor": "field", "fields": ["software", "ai_data"]}]
    assert reasons_text(two, language="en") == [
        "In a field you are interested in: AI and data; software and programming"
    ]
    # A field this release does not know is left out, as any reason that cannot be phrased.
    assert reasons_text([{"factor": "field", "fields": ["not-a-field"]}], language="vi") == []


def test_old_text_reasons_are_shown_as_stored_and_what_cannot_be_phrased_is_left_out() -> None:
    stored = [
        "Cùng chủ đề: du lịch",  # written by a release that phrased reasons in the engine
        {"factor": "a factor of a later release"},
        {"factor": "kind"},  # its value is missing
        {"factor": "kind", "kind": "not-a-kind"},
        {"factor": "session", "starts_at": "2030-10-05T08:00:00", "ends_at": "2030-10-05T11:00:00"},  # naive
        {"factor": "online"},
        {"factor": "fresh"},
    ]
    assert reasons_text(stored, language="en") == ["Cùng chủ đề: du lịch", "Newly posted"]


def _matches(world: World) -> tuple[Match, OpportunityMatch]:
    match = Match.objects.create(
        student=world.student, opportunity=world.opportunity, score=0.9, rank=1, reasons=STORED, model_version="t"
    )
    row = OpportunityMatch.objects.create(
        student=world.student,
        opportunity=world.opportunity,
        score=0.9,
        rank=1,
        reasons=[CLASS, *STORED],
        model_version="t",
    )
    return match, row


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_api_speaks_the_requests_language_whatever_the_students_own(world: World, language: str) -> None:
    world.student.languages = [OTHER[language]]  # the student's saved language must not win over the request
    world.student.save()
    world.company.approved_at = world.company.created_at
    world.company.save()
    match, _ = _matches(world)
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(world.student_user)

    row = client.get(reverse("api:me-recommendations")).json()["results"][0]
    exported = client.get(reverse("api:export-recommendations"))
    lines = [json.loads(line) for line in b"".join(exported.streaming_content).decode().splitlines()]

    assert row["reasons"] == FOR_THE_STUDENT[language]
    assert row["reason_factors"] == STORED  # the data, the same in every language
    assert lines[0]["reasons"] == FOR_THE_STUDENT[language]
    assert_only(language, row["reasons"])

    organiser = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    organiser.force_authenticate(world.organiser)
    proposed = organiser.get(reverse("api:opportunity-recommendations", args=[world.opportunity.pk])).json()
    assert proposed["results"][0]["reasons"] == FOR_THE_COMPANY[language]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_students_page_speaks_the_requests_language(world: World, language: str) -> None:
    world.company.approved_at = world.company.created_at
    world.company.save()
    _matches(world)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(world.student_user)

    page = client.get(reverse("web:student-home")).content.decode()

    for sentence in FOR_THE_STUDENT[language]:
        assert sentence in page
    for sentence in FOR_THE_STUDENT[OTHER[language]]:
        assert sentence not in page
