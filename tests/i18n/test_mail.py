"""Mail speaks one language, the recipient's: no sentence, label, weekday or month of the other one.

The mails are made the way the product makes them (booking mail from a booking, the digest from stored
matches, the consent request from a minor's record), then rendered as the relay renders them. What the
data says (titles, names, places, reasons) is the data's own language; the check runs on the rest.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone, translation

from companies.models import Kind
from matchmaking.digests import digests_send
from matchmaking.models import Match
from notifications.models import OutboxMessage
from notifications.rendering import Envelope, datetime_display, envelope_render
from privacy.consent import consent_request_send
from scheduler.mail import booking_mail_enqueue
from scheduler.models import Booking
from students.models import Student
from tests import factories as f

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2030, 9, 30, 8, 0, tzinfo=dt.UTC)
BRAND = "Cầu Nối"
VIETNAMESE_LETTERS = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE
)
# Words of English mail, dates and labels that have no place in a Vietnamese letter.
ENGLISH_WORDS = {
    "hi", "dear", "the", "your", "you", "is", "are", "has", "and", "for", "of", "to", "please", "place", "confirm",
    "confirmed", "decline", "cancel", "cancelled", "when", "where", "online", "internship", "visit", "career",
    "talk", "contest", "calendar", "file", "tomorrow", "reminder", "unsubscribe", "preferences", "week", "new",
    "opportunity", "opportunities", "guardian", "consent", "link", "valid", "days", "mon", "tue", "wed", "thu",
    "fri", "sat", "sun", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "jan",
    "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "am", "pm",
}  # fmt: skip
DATA_KEYS_KEPT = {"kind", "status", "participant_type", "online"}  # codes: the mail must name them in words


def data_strings(value: Any) -> Iterator[str]:
    """Every piece of data a mail's context carries (not the codes it must translate)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in DATA_KEYS_KEPT:
                yield from data_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from data_strings(item)
    elif isinstance(value, str):
        yield value


def wording(envelope: Envelope, message: OutboxMessage) -> str:
    """The mail's own words: subject, text and HTML without tags, links, addresses, data and the brand."""
    text = "\n".join([envelope.subject, envelope.text, re.sub(r"<[^>]+>", " ", envelope.html)])
    text = re.sub(r"&\w+;", " ", text)
    for piece in sorted(set(data_strings(message.context)), key=len, reverse=True):
        if len(piece) > 1:
            text = text.replace(piece, " ")
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"\S+@\S+", " ", text)
    return text.replace(BRAND, " ")


def assert_only(language: str, envelope: Envelope, message: OutboxMessage) -> None:
    words = wording(envelope, message)
    if language == "en":
        found = sorted(set(VIETNAMESE_LETTERS.findall(words)))
        assert not found, f"{message.category}: Vietnamese letters {found} in English mail:\n{words}"
    else:
        found = sorted({w for w in re.findall(r"\w+", words) if w.lower() in ENGLISH_WORDS})
        assert not found, f"{message.category}: English words {found} in Vietnamese mail:\n{words}"


def student_speaking(language: str, **extra: Any) -> Student:
    return f.StudentFactory(languages=[language], birth_date=dt.date(2005, 1, 1), email_opt_in=True, **extra)


def booking_mails(student: Student, *, online_only: bool) -> list[OutboxMessage]:
    opportunity = f.OpportunityFactory(
        kind=Kind.WORKSHOP,
        title="Hội thảo hướng dẫn viên du lịch",
        province="" if online_only else "ha-noi",
        online=online_only,
    )
    session = f.SessionFactory(opportunity=opportunity)
    booking = Booking.objects.create(
        student=student,
        session=session,
        status=Booking.Status.PROPOSED,
        seats=1,
        score=0.8,
        hold_until=session.starts_at - dt.timedelta(days=2),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
    )
    categories = [c for c in OutboxMessage.Category.values if c.startswith(("booking_", "waitlist_"))]
    previous = timezone.localtime(session.starts_at - dt.timedelta(days=1)).isoformat()
    for category in categories:
        extra = {"previous_starts_at": previous} if category == OutboxMessage.Category.BOOKING_MOVED else {}
        assert booking_mail_enqueue(booking, category, **extra)
    return list(OutboxMessage.objects.filter(category__in=categories, student=student).order_by("pk"))


def digest_mail(student: Student) -> OutboxMessage:
    company = f.CompanyFactory(name="Công ty Du lịch Biển Xanh")
    # Stored as data, as the engine writes them: the digest phrases them in the student's language.
    reasons = [
        {"factor": "topics", "topics": ["tourism"]},
        {"factor": "session", "starts_at": "2030-10-05T01:00:00+00:00", "ends_at": "2030-10-05T04:00:00+00:00"},
    ]
    for rank, kind in enumerate(Kind.values, start=1):
        opportunity = f.OpportunityFactory(company=company, kind=kind, title=f"Cơ hội {rank}")
        Match.objects.create(
            student=student, opportunity=opportunity, score=1 - rank / 10, rank=rank, model_version="t", reasons=reasons
        )
    digests_send(now=MONDAY)
    return OutboxMessage.objects.get(category=OutboxMessage.Category.DIGEST, student=student)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_booking_mail_is_written_in_the_recipients_language_only(language: str) -> None:
    student = student_speaking(language)
    mails = booking_mails(student, online_only=False) + booking_mails(student_speaking(language), online_only=True)

    booking_categories = [c for c in OutboxMessage.Category.values if c.startswith(("booking_", "waitlist_"))]
    assert len(mails) == 2 * len(booking_categories) >= 12
    for message in mails:
        assert message.language == language
        assert_only(language, envelope_render(message), message)


@pytest.mark.parametrize(("language", "where"), [("vi", "Địa điểm: trực tuyến"), ("en", "Where: online")])
def test_an_online_session_is_said_to_be_online_in_the_readers_words(language: str, where: str) -> None:
    message = booking_mails(student_speaking(language), online_only=True)[0]

    assert where in envelope_render(message).text


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_calendar_file_of_a_booking_mail_is_in_the_recipients_language(language: str) -> None:
    confirmed = [
        m for m in booking_mails(student_speaking(language), online_only=True) if m.category == "booking_confirmed"
    ]
    ics = confirmed[0].attachments[0]["content"]

    assert {"vi": "LOCATION:Trực tuyến", "en": "LOCATION:Online"}[language] in ics
    assert {"vi": "Đã đề xuất", "en": "Proposed"}[language] in ics


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        (
            "vi",
            ["(Thực tập)", "(Tham quan doanh nghiệp)", "(Nói chuyện hướng nghiệp)", "(Hội thảo/workshop)"]
            + ["(Cuộc thi)"],
        ),
        ("en", ["(Internship)", "(Company visit)", "(Career talk)", "(Workshop)", "(Contest)"]),
    ],
)
def test_the_digest_names_each_kind_in_the_readers_language(language: str, labels: list[str]) -> None:
    message = digest_mail(student_speaking(language))
    envelope = envelope_render(message)

    for label in labels:
        assert label in envelope.text
        assert label.strip("()") in envelope.html
    assert_only(language, envelope, message)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_guardian_is_asked_in_the_students_language(language: str) -> None:
    minor = f.StudentFactory(
        languages=[language], birth_date=timezone.localdate() - dt.timedelta(days=15 * 365), guardian_email="me@x.vn"
    )
    message = consent_request_send(student_id=minor.pk)
    assert message is not None

    envelope = envelope_render(message)
    assert_only(language, envelope, message)
    assert {"vi": "hội thảo/workshop", "en": "workshops"}[language] in envelope.text


def test_a_kind_label_queued_by_an_older_release_is_shown_as_it_was_stored() -> None:
    message = OutboxMessage(
        pk=1,
        dedupe_key="k",
        category="digest",
        to_email="a@x.vn",
        language="en",
        context={"student_name": "A", "items": [{"title": "T", "company": "C", "kind": "Internship", "url": "u"}]},
    )

    assert "T — C (Internship)" in envelope_render(message).text


def test_weekdays_are_written_out_in_vietnamese_and_abbreviated_in_english() -> None:
    monday = dt.datetime(2030, 9, 30, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    week = [(monday + dt.timedelta(days=d)).isoformat() for d in range(7)]

    assert [datetime_display(day, "vi").split(",")[0] for day in week] == [
        "08:00 Thứ Hai", "08:00 Thứ Ba", "08:00 Thứ Tư", "08:00 Thứ Năm", "08:00 Thứ Sáu", "08:00 Thứ Bảy",
        "08:00 Chủ nhật",
    ]  # fmt: skip
    assert [datetime_display(day, "en")[:3] for day in week] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert datetime_display(week[1], "en") == "Tue 01 Oct 2030, 08:00"
    assert datetime_display(week[1], "vi") == "08:00 Thứ Ba, 01/10/2030"


@pytest.mark.parametrize(
    ("language", "reasons", "other"),
    [
        ("vi", ["Cùng chủ đề: du lịch", "Phù hợp buổi sáng Thứ Bảy bạn rảnh (5/10, 08:00–11:00)"], "Shared topic"),
        ("en", ["Shared topic: tourism", "Fits your free Saturday morning (5 Oct, 08:00–11:00)"], "Cùng chủ đề"),
    ],
)
def test_the_digest_gives_the_reasons_in_the_students_language(language: str, reasons: list[str], other: str) -> None:
    with translation.override({"vi": "en", "en": "vi"}[language]):  # whatever language sends the digests
        message = digest_mail(student_speaking(language))
    envelope = envelope_render(message)

    assert message.context["items"][0]["reasons"] == reasons
    for reason in reasons:
        assert reason in envelope.text and reason in envelope.html
    assert other not in envelope.text + envelope.html
