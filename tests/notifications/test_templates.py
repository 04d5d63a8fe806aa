"""Every category renders in both languages, at send time, from the row's JSON context."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from matchmaking.digests import MAX_ITEMS, MAX_REASONS
from notifications.models import OutboxMessage
from notifications.rendering import datetime_display, envelope_render
from notifications.transports import SUBSTITUTION_LIMIT, TEXT_TAG

from .conftest import BOOKING_CONTEXT, digest_context

pytestmark = pytest.mark.django_db

CONSENT_CONTEXT = {
    "student_name": "Trần Thị Mai",
    "school_name": "THPT Chu Văn An",
    "consent_url": "http://testserver/guardian/consent/abc/",
    "expires_days": 14,
}
EXPECTED_SUBJECTS = {
    ("booking_proposed", "vi"): "Mời bạn xác nhận chỗ: Thực tập AI",
    ("booking_proposed", "en"): "Please confirm your place: Thực tập AI",
    ("booking_confirmed", "vi"): "Đã xác nhận: Thực tập AI",
    ("booking_confirmed", "en"): "Confirmed: Thực tập AI",
    ("booking_reminder", "vi"): "Nhắc lịch ngày mai: Thực tập AI",
    ("booking_reminder", "en"): "Tomorrow: Thực tập AI",
    ("booking_cancelled", "vi"): "Đã hủy: Thực tập AI",
    ("booking_cancelled", "en"): "Cancelled: Thực tập AI",
    ("waitlist_offer", "vi"): "Có chỗ trống cho bạn: Thực tập AI",
    ("waitlist_offer", "en"): "A place opened up for you: Thực tập AI",
    ("consent_request", "vi"): "Xin sự đồng ý của phụ huynh cho Trần Thị Mai",
    ("consent_request", "en"): "Your consent is requested for Trần Thị Mai",
    ("digest", "vi"): "3 cơ hội mới dành cho bạn trên Cầu Nối",
    ("digest", "en"): "3 new opportunities for you on Cầu Nối",
}


def message(category: str, language: str, context: dict[str, Any] | None = None) -> OutboxMessage:
    if context is None:
        context = {"digest": digest_context(), "consent_request": CONSENT_CONTEXT}.get(
            category, BOOKING_CONTEXT
        )
    return OutboxMessage(
        pk=7,
        dedupe_key="k",
        category=category,
        to_email="mai@mail.example.vn",
        language=language,
        context=context,
    )


@pytest.mark.parametrize(("category", "language"), sorted(EXPECTED_SUBJECTS))
def test_every_category_renders_in_both_languages(category: str, language: str) -> None:
    envelope = envelope_render(message(category, language))

    assert envelope.subject == EXPECTED_SUBJECTS[category, language]
    assert envelope.text.strip() and "{{" not in envelope.text and "{%" not in envelope.text
    assert envelope.html.startswith("<!doctype html>") and f'lang="{language}"' in envelope.html
    for key in ("confirm_url", "decline_url"):
        if category in ("booking_proposed", "waitlist_offer"):
            assert BOOKING_CONTEXT[key] in envelope.text and BOOKING_CONTEXT[key] in envelope.html


def test_booking_times_are_shown_in_vietnam_time_in_the_readers_language() -> None:
    vi = envelope_render(message("booking_proposed", "vi"))
    en = envelope_render(message("booking_proposed", "en"))

    assert "Thời gian: 08:00 Thứ Ba, 01/10/2030 – 11:00 Thứ Ba, 01/10/2030" in vi.text
    assert "Vui lòng trả lời trước 17:00 Thứ Bảy, 28/09/2030" in vi.text
    assert "When: Tue 01 Oct 2030, 08:00 – Tue 01 Oct 2030, 11:00" in en.text
    # A UTC timestamp is shown in Asia/Ho_Chi_Minh.
    assert datetime_display("2030-10-01T01:00:00+00:00", "en") == "Tue 01 Oct 2030, 08:00"


def test_a_datetime_formatted_once_is_formatted_again_in_another_language_or_time_zone() -> None:
    # Formatted values are remembered per process (the relay writes the same session times many times):
    # per language and active time zone, never across them.
    moment = "2030-10-01T01:00:00+00:00"
    assert datetime_display(moment, "en") == "Tue 01 Oct 2030, 08:00"
    assert datetime_display(moment, "vi") != datetime_display(moment, "en")
    with timezone.override("UTC"):
        assert datetime_display(moment, "en") == "Tue 01 Oct 2030, 01:00"
    assert datetime_display(moment, "en") == "Tue 01 Oct 2030, 08:00"
    assert datetime_display("not a date", "en") == "not a date"


def test_the_digest_lists_each_recommendation_with_its_reasons_and_link() -> None:
    envelope = envelope_render(message("digest", "vi"))

    assert "1. Thực tập lập trình 0 — Công ty Phần mềm Sông Hồng (Thực tập)" in envelope.text
    assert "   • Cùng chủ đề: trí tuệ nhân tạo" in envelope.text
    assert "Xem và đăng ký: http://testserver/opportunities/O2/" in envelope.text
    assert '<a href="http://testserver/opportunities/O1/"' in envelope.html
    assert "<li>Cùng tỉnh: Hà Nội</li>" in envelope.html
    assert envelope.headers["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/mail/unsubscribe/")
    assert "/mail/preferences/" in envelope.text


def test_context_values_are_escaped_in_html_but_not_in_text() -> None:
    context = {**BOOKING_CONTEXT, "opportunity_title": "R&D <Robotics>"}
    envelope = envelope_render(message("booking_cancelled", "en", context))

    assert "R&amp;D &lt;Robotics&gt;" in envelope.html and "<Robotics>" not in envelope.html
    assert '"R&D <Robotics>"' in envelope.text
    assert envelope.subject == "Cancelled: R&D <Robotics>"


def test_the_longest_digest_fits_sendgrids_substitution_limit_so_it_can_be_batched() -> None:
    context = digest_context(name="Nguyễn Thị Phương Thảo", items=MAX_ITEMS)
    for item in context["items"]:
        item["title"] = "Thực tập phát triển phần mềm trí tuệ nhân tạo cho nông nghiệp thông minh vùng cao"
        item["company"] = "Công ty Cổ phần Công nghệ Nông nghiệp Thông minh Đồng bằng sông Cửu Long"
        item["reasons"] = [
            "Cùng chủ đề: trí tuệ nhân tạo, nông nghiệp công nghệ cao, dữ liệu lớn"
        ] * MAX_REASONS
    envelope = envelope_render(message("digest", "vi", context))

    size = len(TEXT_TAG.encode()) * 2 + len(envelope.text.encode()) + len(envelope.html.encode())
    assert size < SUBSTITUTION_LIMIT


def test_missing_booking_fields_are_left_out_not_printed_empty() -> None:
    context = {"participant_name": "Nam", "opportunity_title": "Tham quan", "company_name": "Biển Xanh"}
    envelope = envelope_render(message("booking_reminder", "en", context))

    assert "Where:" not in envelope.text and "When:" not in envelope.text and "None" not in envelope.text


def test_the_calendar_file_is_mentioned_only_when_it_is_attached() -> None:
    with_ics = message("booking_cancelled", "en")
    with_ics.attachments = [
        {"filename": "booking-1.ics", "content": "BEGIN:VCALENDAR", "mimetype": "text/calendar"}
    ]

    assert "Open the attached calendar file" in envelope_render(with_ics).text
    assert "attached" not in envelope_render(message("booking_cancelled", "en")).text
