"""The pages behind the emailed confirm/decline links: signed, expiring, no login needed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import translation

from notifications.models import OutboxMessage
from scheduler.mail import response_token
from scheduler.models import Booking

from .conftest import HOLD, make_booking

pytestmark = pytest.mark.usefixtures("clock")
Status = Booking.Status


def path(url: str) -> str:
    return url.removeprefix("https://caunoi.example")


def link(booking: Booking, action: str) -> str:
    return f"/bookings/respond/{response_token(booking, action)}/"


def test_the_confirm_link_shows_a_form_and_posting_it_confirms(world):
    booking = make_booking(world.adult, world.session)
    url = link(booking, "confirm")

    page = Client().get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Yes, I will come" in page.content.decode()
    booking.refresh_from_db()
    assert booking.status == Status.PROPOSED  # a GET (a mail scanner following links) changes nothing

    done = Client().post(url, HTTP_ACCEPT_LANGUAGE="en")

    assert done.status_code == 200
    assert "Your place is confirmed" in done.content.decode()
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED


def test_the_decline_link_declines(world):
    booking = make_booking(world.adult, world.session)

    Client().post(link(booking, "decline"))

    booking.refresh_from_db()
    assert booking.status == Status.DECLINED


def test_the_links_in_the_proposal_mail_work(world):
    from scheduler.mail import booking_mail_enqueue

    booking = make_booking(world.adult, world.session)
    booking_mail_enqueue(
        Booking.objects.with_details().get(pk=booking.pk), OutboxMessage.Category.BOOKING_PROPOSED
    )
    context = OutboxMessage.objects.get().context

    assert context["hold_until"] == "2030-09-22T09:00:00+07:00"
    assert Client().post(path(context["decline_url"])).status_code == 200
    booking.refresh_from_db()
    assert booking.status == Status.DECLINED


def test_the_page_speaks_vietnamese_by_default(world):
    booking = make_booking(world.adult, world.session)
    with translation.override(None):
        page = Client().get(link(booking, "confirm"))

    assert "Xác nhận chỗ của bạn" in page.content.decode()


def test_a_tampered_link_is_rejected(world):
    booking = make_booking(world.adult, world.session)
    token = response_token(booking, "confirm")
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")

    assert Client().post(f"/bookings/respond/{forged}/").status_code == 400
    assert Client().get("/bookings/respond/garbage/").status_code == 400
    booking.refresh_from_db()
    assert booking.status == Status.PROPOSED


def test_an_expired_link_shows_a_clear_page(world, clock):
    booking = make_booking(world.adult, world.session)
    url = link(booking, "confirm")
    clock.shift(HOLD + dt.timedelta(seconds=1))

    page = Client().get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 410
    assert "This link has expired" in page.content.decode()
    assert Client().post(url).status_code == 410
    booking.refresh_from_db()
    assert booking.status == Status.PROPOSED


def test_a_link_to_a_booking_replaced_by_a_new_round_is_a_404(world):
    booking = make_booking(world.adult, world.session)
    url = link(booking, "confirm")
    booking.delete()

    assert Client().get(url).status_code == 404


def test_an_answer_the_booking_no_longer_accepts_explains_why(world):
    booking = make_booking(world.adult, world.session)
    confirm, decline = link(booking, "confirm"), link(booking, "decline")
    Client().post(confirm)

    page = Client().post(decline, HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 409
    assert "Only a proposed booking can be declined" in page.content.decode()


def test_a_minor_without_consent_cannot_confirm_through_the_link(world):
    from tests import factories as f

    minor = f.StudentFactory(school=world.school)
    booking = make_booking(minor, world.session)

    page = Client().post(link(booking, "confirm"), HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 409
    assert "guardian" in page.content.decode()


def test_the_mailed_paths_are_what_reverse_gives(world):
    from django.urls import reverse

    from scheduler.mail import booking_path

    booking = make_booking(world.adult, world.session)
    token = response_token(booking, "confirm")
    assert booking_path("scheduler:respond", token) == reverse("scheduler:respond", args=[token])
    assert booking_path("scheduler:booking-ics", booking.pk) == reverse("scheduler:booking-ics", args=[booking.pk])
    odd = "a b?c#d%e:f@g~;h"  # characters reverse quotes and characters it keeps
    assert booking_path("scheduler:respond", odd) == reverse("scheduler:respond", args=[odd])
