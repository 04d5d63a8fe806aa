"""`demo` end to end on a small world, twice: the second run duplicates nothing."""
from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from companies.models import Opportunity
from matchmaking.models import Feedback, Match, RankerModel
from notifications.models import OutboxMessage
from scheduler.models import Booking
from students.models import Student


def counts() -> dict[str, int]:
    return {
        "students": Student.objects.count(),
        "opportunities": Opportunity.objects.count(),
        "matches": Match.objects.count(),
        "feedback": Feedback.objects.count(),
        "bookings": Booking.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "current models": RankerModel.objects.filter(is_current=True).count(),
    }


@pytest.mark.django_db(transaction=True)
def test_the_demo_runs_the_pipeline_and_a_second_run_duplicates_nothing(tmp_path: Path, settings) -> None:
    settings.MAIL_DIR = tmp_path / "mail"
    out = StringIO()

    call_command("demo", students=80, stdout=out)

    text = out.getvalue()
    first = counts()
    assert first["students"] == 80
    assert first["matches"] > 0 and first["bookings"] > 0 and first["outbox"] > 0
    assert "Matchmaking" in text and "Scheduling" in text and "Email" in text
    assert "runserver" in text
    assert any((tmp_path / "mail").iterdir())  # the mail of the sample world, on disk

    call_command("demo", students=80, stdout=StringIO())

    second = counts()
    assert second == first


@pytest.mark.django_db(transaction=True)
def test_the_default_demo_shows_proposals_with_their_waitlists(tmp_path: Path, settings) -> None:
    # 300 students, as `make demo` runs it: enough for some internships to fill up (at 80 none do).
    settings.MAIL_DIR = tmp_path / "mail"
    out = StringIO()

    call_command("demo", stdout=out)

    text = out.getvalue()
    assert Booking.objects.filter(status=Booking.Status.PROPOSED).exists()
    assert Booking.objects.filter(status=Booking.Status.WAITLISTED).exists()
    assert "waitlist #1: " in text
