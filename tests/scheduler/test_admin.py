"""The admin pages for bookings and feed tokens render, with a query count that does not grow per row."""

from __future__ import annotations

import pytest

from accounts.models import User
from scheduler import services
from scheduler.models import Booking
from tests import factories as f

from .conftest import logged_in, make_booking


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser("root", "root@caunoi.example", "pw", role=User.Role.ORGANISER)


def test_the_booking_list_renders_in_a_fixed_number_of_queries(
    world, admin_user, django_assert_max_num_queries
):
    client = logged_in(admin_user)
    make_booking(world.adult, world.session)
    make_booking(f.ClassRequestFactory(school=world.school, group_size=3), world.session)
    with django_assert_max_num_queries(12) as few:
        assert client.get("/admin/scheduler/booking/").status_code == 200
    for _ in range(10):
        make_booking(f.StudentFactory(school=world.school), world.session, Booking.Status.CONFIRMED)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/admin/scheduler/booking/?q=Nguy")

    assert response.status_code == 200


def test_the_admin_cancels_through_the_service(world, admin_user):
    booking = make_booking(world.adult, world.session, Booking.Status.CONFIRMED)

    logged_in(admin_user).post(
        "/admin/scheduler/booking/", {"action": "cancel_selected", "_selected_action": [booking.pk]}
    )

    booking.refresh_from_db()
    assert (booking.status, booking.sequence) == (Booking.Status.CANCELLED, 1)


def test_the_token_list_renders_and_revokes(world, admin_user):
    token = services.calendar_token_issue(user=world.student_user)
    client = logged_in(admin_user)

    assert client.get("/admin/scheduler/calendartoken/").status_code == 200
    client.post(
        "/admin/scheduler/calendartoken/", {"action": "revoke_selected", "_selected_action": [token.pk]}
    )

    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_admin_cannot_mark_a_session_cancelled_by_a_field(world, admin_user):
    # Cancelling mails everyone booked and ends their bookings: only session_cancel may do it.
    make_booking(world.adult, world.session, Booking.Status.CONFIRMED)
    client = logged_in(admin_user)
    page = client.get(f"/admin/companies/session/{world.session.pk}/change/").content.decode()
    assert 'name="cancelled_at' not in page and 'name="cancel_reason"' not in page

    client.post(
        f"/admin/companies/session/{world.session.pk}/change/",
        {
            "external_id": world.session.external_id,
            "opportunity": world.session.opportunity_id,
            "starts_at_0": "2030-10-01",
            "starts_at_1": "08:00:00",
            "ends_at_0": "2030-10-01",
            "ends_at_1": "11:00:00",
            "capacity": "10",
            "cancelled_at_0": "2030-09-20",
            "cancelled_at_1": "09:00:00",
            "cancel_reason": "typed in the admin",
        },
    )

    world.session.refresh_from_db()
    assert world.session.cancelled_at is None and world.session.cancel_reason == ""
