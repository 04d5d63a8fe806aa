"""The booking buttons: a student books, a participant cancels, company staff mark attendance."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from scheduler.models import Booking
from tests import factories as f

from .conftest import logged_in, make_booking

pytestmark = pytest.mark.usefixtures("clock")
Status = Booking.Status


def test_a_student_books_a_session_from_its_page(world):
    response = logged_in(world.student_user).post(reverse("scheduler:session-book", args=[world.session.pk]))

    assert response.status_code == 201
    assert Booking.objects.get().student == world.student


def test_a_coordinator_books_for_a_class_of_their_school_only(world):
    mine = f.ClassRequestFactory(school=world.school, group_size=8)
    f.AvailabilityFactory(class_request=mine)  # free all that week
    theirs = f.ClassRequestFactory(school=world.other_school, group_size=8)
    url = reverse("scheduler:session-book", args=[world.session.pk])

    assert logged_in(world.outsider).post(url, {"class_request": mine.pk}).status_code == 404
    assert logged_in(world.coordinator).post(url, {"class_request": theirs.pk}).status_code == 404
    assert logged_in(world.coordinator).post(url, {"class_request": "x"}).status_code == 400
    assert logged_in(world.coordinator).post(url, {"class_request": mine.pk}).status_code == 201
    assert Booking.objects.get().seats == 8


def test_a_full_session_answers_409_with_the_reason(world):
    session = f.SessionFactory(opportunity=world.opportunity, capacity=1)
    make_booking(world.adult, session, Status.CONFIRMED)

    response = logged_in(world.student_user).post(
        reverse("scheduler:session-book", args=[session.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 409
    assert "This session is full." in response.content.decode()


def test_the_student_cancels_their_own_booking_and_nobody_else_can(world):
    booking = make_booking(world.student, world.session, Status.CONFIRMED)
    url = reverse("scheduler:booking-cancel", args=[booking.pk])

    for user in (world.outsider, world.staff):
        assert logged_in(user).post(url).status_code == 404
    assert logged_in(world.student_user).post(url).status_code == 200
    booking.refresh_from_db()
    assert booking.status == Status.CANCELLED


def test_staff_of_the_company_mark_attendance_and_others_cannot(world):
    booking = make_booking(world.adult, world.session, Status.CONFIRMED)
    url = reverse("scheduler:booking-attendance", args=[booking.pk])

    with time_machine.travel(world.session.starts_at + dt.timedelta(hours=1), tick=False):
        assert logged_in(world.other_staff).post(url, {"attended": "1"}).status_code == 404
        assert logged_in(world.coordinator).post(url, {"attended": "1"}).status_code == 404
        assert logged_in(world.staff).post(url, {"attended": "maybe"}).status_code == 400
        assert logged_in(world.staff).post(url, {"attended": "0"}).status_code == 200

    booking.refresh_from_db()
    assert booking.status == Status.NO_SHOW
