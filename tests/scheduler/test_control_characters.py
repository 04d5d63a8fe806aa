"""A line break or a control character in a title must not break bookings, calendars or the clock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from scheduler import services
from scheduler.calendar import booking_ics
from scheduler.models import Booking
from tests import factories as f
from tests.scheduler.conftest import make_booking

pytestmark = pytest.mark.django_db


def test_a_title_stored_with_control_characters_still_gives_a_valid_calendar_and_expiring_holds():
    # Rows stored before the rule (or written around it) must not stop the periodic job.
    opportunity = f.OpportunityFactory(title="Tham quan\nnhà máy\x1b\x07")  # (PostgreSQL stores no NUL at all)
    session = f.SessionFactory(opportunity=opportunity)
    student = f.StudentFactory(birth_date=dt.date(2000, 1, 1))
    proposal = make_booking(student, session, Booking.Status.PROPOSED)

    ics = booking_ics(Booking.objects.with_details().get(pk=proposal.pk))
    lines = ics.decode().split("\r\n")
    summary = next(line for line in lines if line.startswith("SUMMARY:"))
    assert summary.startswith("SUMMARY:Tham quan nhà máy")
    assert not any(ord(ch) < 32 for line in lines for ch in line)

    assert services.holds_expire(now=proposal.hold_until + dt.timedelta(minutes=1)) == 1


def test_the_api_refuses_a_title_on_two_lines_naming_the_field(client, world):
    client.force_login(world.staff)
    response = client.post(
        reverse("api:opportunity-list"),
        {"external_id": "O-NL", "kind": "visit", "title": "Tham quan\nnhà máy", "description": "Một buổi",
         "province": "ha-noi"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "title" in response.json()


def test_the_api_refuses_a_nul_in_free_text_but_keeps_line_breaks(client, world):
    client.force_login(world.staff)
    url = reverse("api:opportunity-list")
    bad = {"external_id": "O-NUL", "kind": "visit", "title": "Tham quan", "description": "a\x00b", "province": "ha-noi"}
    good = {**bad, "external_id": "O-OK", "description": "Dòng một\nDòng hai"}
    assert "description" in client.post(url, bad, content_type="application/json").json()
    assert client.post(url, good, content_type="application/json").status_code == 201
