"""Fixtures for the mail tests: a fake SendGrid on a random local port, and a private MAIL_DIR."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from notifications.models import OutboxMessage
from notifications.services import message_enqueue
from tests.fakes.sendgrid_server import FakeSendGrid

BOOKING_CONTEXT = {
    "participant_name": "Trần Thị Mai",
    "opportunity_title": "Thực tập AI",
    "company_name": "Công ty Phần mềm Sông Hồng",
    "starts_at": "2030-10-01T08:00:00+07:00",
    "ends_at": "2030-10-01T11:00:00+07:00",
    "location": "Tòa nhà FPT, Cầu Giấy, Hà Nội",
    "hold_until": "2030-09-28T17:00:00+07:00",
    "confirm_url": "http://testserver/bookings/b/confirm/",
    "decline_url": "http://testserver/bookings/b/decline/",
    "ics_url": "http://testserver/bookings/b/calendar.ics",
}
ICS = {
    "filename": "booking.ics",
    "content": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
    "mimetype": "text/calendar",
}


def digest_context(name: str = "Mai", items: int = 3) -> dict[str, Any]:
    return {
        "student_name": name,
        "period": "2030-W40",
        "items": [
            {
                "title": f"Thực tập lập trình {i}",
                "company": "Công ty Phần mềm Sông Hồng",
                "kind": "Thực tập",
                "reasons": ["Cùng chủ đề: trí tuệ nhân tạo", "Cùng tỉnh: Hà Nội"],
                "url": f"http://testserver/opportunities/O{i}/",
            }
            for i in range(items)
        ],
    }


def enqueue(
    key: str, *, category: str = "digest", to: str = "mai@mail.example.vn", student: Any = None, **extra: Any
) -> OutboxMessage:
    context = digest_context() if category == "digest" else BOOKING_CONTEXT
    message = message_enqueue(
        key=key,
        category=category,
        to=to,
        language=extra.pop("language", "vi"),
        context=extra.pop("context", context),
        student_id=student.pk if student is not None else None,
        attachments=extra.pop("attachments", ()),
    )
    assert message is not None
    return message


@pytest.fixture(autouse=True)
def mail_dir(settings: Any, tmp_path: Path) -> Path:
    """No test writes into the real var/mail."""
    settings.MAIL_DIR = tmp_path / "mail"
    return settings.MAIL_DIR


@pytest.fixture
def fake_sendgrid(settings: Any) -> Iterator[FakeSendGrid]:
    fake = FakeSendGrid().start()
    settings.SENDGRID_API_KEY = "SG.fake-key-for-tests"
    settings.SENDGRID_API_HOST = fake.url
    settings.SENDGRID_TIMEOUT = 0.5
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """The world's users get passwords; the default hasher costs seconds per test on these machines."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
