"""Calendar files: one per booking and a private feed per user, read back with icalendar."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.test import Client
from django.urls import reverse

from scheduler import services
from scheduler.calendar import booking_ics
from scheduler.models import Booking, CalendarToken
from tests import factories as f

from .conftest import logged_in, make_booking

pytestmark = pytest.mark.usefixtures("clock")
Status = Booking.Status


def parse(content: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(content)


def test_a_booking_ics_reads_back_in_hanoi_time_with_its_timezone(world):
    booking = make_booking(world.student, world.session, Status.CONFIRMED)

    calendar = parse(booking_ics(Booking.objects.with_details().get(pk=booking.pk)))

    [event] = calendar.events
    assert str(event["UID"]) == f"booking-{booking.pk}@caunoi"
    assert event.start == dt.datetime(2030, 10, 1, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert event.end - event.start == dt.timedelta(hours=3)
    assert event["DTSTART"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert [str(tz["TZID"]) for tz in calendar.timezones] == ["Asia/Ho_Chi_Minh"]
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"
    assert "Thực tập AI" in str(event["SUMMARY"])


def test_the_location_is_the_companys_address_where_the_opportunity_is_in_its_province(world):
    booking = make_booking(world.student, world.session, Status.CONFIRMED)
    company = world.session.opportunity.company
    company.address = "Số 12, đường Duy Tân, Cầu Giấy"
    company.save()

    def location() -> str:
        return str(parse(booking_ics(Booking.objects.with_details().get(pk=booking.pk))).events[0]["LOCATION"])

    assert location() == "Số 12, đường Duy Tân, Cầu Giấy, Hà Nội"
    # Elsewhere than the company's province, its address is not where the session happens.
    company.province = "da-nang"
    company.save()
    assert location() == "Hà Nội"


def test_a_cancellation_keeps_the_uid_raises_the_sequence_and_says_cancelled(world):
    booking = make_booking(world.adult, world.session, Status.CONFIRMED)
    before = parse(booking_ics(Booking.objects.with_details().get(pk=booking.pk))).events[0]

    services.booking_cancel(booking_id=booking.pk)

    after = parse(booking_ics(Booking.objects.with_details().get(pk=booking.pk))).events[0]
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after["STATUS"] == "CANCELLED"


@pytest.mark.parametrize("status", [Status.DECLINED, Status.EXPIRED])
def test_a_declined_or_expired_booking_is_cancelled_in_the_calendar(world, status):
    booking = make_booking(world.adult, world.session, status)

    assert parse(booking_ics(booking)).events[0]["STATUS"] == "CANCELLED"


def test_the_participant_downloads_their_ics_and_an_outsider_gets_404(world):
    booking = make_booking(world.student, world.session, Status.CONFIRMED)
    url = reverse("scheduler:booking-ics", args=[booking.pk])

    response = logged_in(world.student_user).get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert parse(response.content).events[0]["UID"] == f"booking-{booking.pk}@caunoi"
    for user in (world.coordinator, world.staff, world.organiser):
        assert logged_in(user).get(url).status_code == 200
    for user in (world.outsider, world.other_staff):
        assert logged_in(user).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_the_feed_lists_the_users_bookings_but_not_waitlists_nor_others(world):
    mine = make_booking(world.student, world.session, Status.CONFIRMED)
    later = f.SessionFactory(starts_at=world.session.starts_at + dt.timedelta(days=1))
    make_booking(world.student, later, Status.WAITLISTED, rank=1)
    make_booking(world.adult, later, Status.CONFIRMED)
    token = services.calendar_token_issue(user=world.student_user)

    response = Client().get(reverse("scheduler:feed", args=[token.token]))

    assert response.status_code == 200
    assert [str(e["UID"]) for e in parse(response.content).events] == [mine.uid]


def test_company_staff_see_their_sessions_bookings_in_their_feed(world):
    booking = make_booking(world.adult, world.session, Status.CONFIRMED)
    elsewhere = f.SessionFactory(opportunity=f.OpportunityFactory(company=world.other_company))
    make_booking(world.student, elsewhere, Status.CONFIRMED)
    token = services.calendar_token_issue(user=world.staff)

    response = Client().get(reverse("scheduler:feed", args=[token.token]))

    assert [str(e["UID"]) for e in parse(response.content).events] == [booking.uid]


@pytest.mark.parametrize("status", [Status.PROPOSED, Status.DECLINED, Status.CANCELLED])
def test_company_staff_never_read_the_name_of_a_student_who_has_not_confirmed(world, status):
    # Their pages say "A student" until the student confirms a place; their calendar said the name.
    hidden = make_booking(world.adult, world.session, status)
    next_day = world.session.starts_at + dt.timedelta(days=1)
    later = f.SessionFactory(opportunity=world.session.opportunity, starts_at=next_day)
    shown = make_booking(world.student, later, Status.CONFIRMED)
    token = services.calendar_token_issue(user=world.staff)

    feed = parse(Client().get(reverse("scheduler:feed", args=[token.token])).content)
    download = parse(logged_in(world.staff).get(reverse("scheduler:booking-ics", args=[hidden.pk])).content)

    said = {str(e["UID"]): str(e["DESCRIPTION"]) for e in [*feed.events, *download.events]}
    assert world.adult.full_name not in said[hidden.uid] and said[hidden.uid].startswith("Một học sinh")
    assert world.student.full_name in said[shown.uid]
    # The student's own feed names the student.
    own = services.calendar_token_issue(user=world.student_user)
    mine = parse(Client().get(reverse("scheduler:feed", args=[own.token])).content)
    assert world.student.full_name in str(mine.events[0]["DESCRIPTION"])


def test_a_revoked_feed_token_is_a_404(world):
    token = services.calendar_token_issue(user=world.student_user)
    url = reverse("scheduler:feed", args=[token.token])
    assert Client().get(url).status_code == 200

    services.calendar_token_revoke(token=token)

    assert Client().get(url).status_code == 404


def test_issuing_a_new_token_revokes_the_old_one(world):
    old = services.calendar_token_issue(user=world.student_user)
    new = services.calendar_token_issue(user=world.student_user)

    assert new.token != old.token and len(new.token) >= 40
    assert Client().get(reverse("scheduler:feed", args=[old.token])).status_code == 404
    assert Client().get(reverse("scheduler:feed", args=[new.token])).status_code == 200


def test_an_unknown_feed_token_is_a_404(db):
    assert Client().get(reverse("scheduler:feed", args=["not-a-token"])).status_code == 404


def test_the_calendar_page_shows_the_feed_address_and_replaces_it_on_post(world):
    client = logged_in(world.student_user)

    page = client.get(reverse("scheduler:calendar"))
    first = CalendarToken.objects.get(user=world.student_user, revoked_at__isnull=True)
    assert f"https://caunoi.example/bookings/feed/{first.token}.ics" in page.content.decode()
    assert client.post(reverse("scheduler:calendar")).status_code == 302

    current = CalendarToken.objects.get(user=world.student_user, revoked_at__isnull=True)
    assert current.pk != first.pk


def test_the_feed_costs_two_queries_however_many_bookings_it_holds(world, django_assert_num_queries):
    for _ in range(5):
        make_booking(
            world.student, f.SessionFactory(starts_at=f.OCT1 + dt.timedelta(days=_)), Status.CONFIRMED
        )
    token = services.calendar_token_issue(user=world.student_user)

    with django_assert_num_queries(2):  # the token with its user, then the bookings with their details
        response = Client().get(reverse("scheduler:feed", args=[token.token]))

    assert len(parse(response.content).events) == 5
