"""Consent, opt-out and suppression are checked when a message is sent, not only when it is queued."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from notifications.models import OutboxMessage, Suppression
from notifications.services import outbox_relay
from students.models import GuardianConsent
from tests import factories as f
from tests.fakes.sendgrid_server import FakeSendGrid

from .conftest import enqueue

pytestmark = pytest.mark.django_db

Status = OutboxMessage.Status


def status(message: OutboxMessage) -> str:
    message.refresh_from_db()
    return message.status


def test_nothing_is_mailed_to_a_minor_without_a_guardians_consent(
    world: Any, fake_sendgrid: FakeSendGrid
) -> None:
    minor = f.StudentFactory(school=world.school)  # born 2013, no consent
    digest = enqueue("digest:m:w", to=minor.email, student=minor)
    booking = enqueue("booking-proposed:m", category="booking_proposed", to=minor.email, student=minor)

    report = outbox_relay()

    assert status(digest) == status(booking) == Status.SUPPRESSED
    assert "guardian consent" in digest.last_error
    assert report.suppressed == 2 and fake_sendgrid.requests == []


def test_a_withdrawal_stops_mail_queued_before_it(world: Any, fake_sendgrid: FakeSendGrid) -> None:
    queued = enqueue(
        "booking-reminder:1", category="booking_reminder", to=world.student.email, student=world.student
    )
    GuardianConsent.objects.filter(student=world.student).update(withdrawn_at=timezone.now())

    outbox_relay()

    assert status(queued) == Status.SUPPRESSED and fake_sendgrid.requests == []


def test_a_minor_with_consent_and_an_adult_without_are_both_mailed(
    world: Any, fake_sendgrid: FakeSendGrid
) -> None:
    minor = enqueue("digest:minor:w", to=world.student.email, student=world.student)
    adult = enqueue("digest:adult:w", to=world.adult.email, student=world.adult)

    outbox_relay()

    assert status(minor) == status(adult) == Status.SENT
    assert fake_sendgrid.delivered() == {minor.pk: 1, adult.pk: 1}


def test_a_student_turning_18_no_longer_needs_consent(world: Any, fake_sendgrid: FakeSendGrid) -> None:
    student = f.StudentFactory(school=world.school, birth_date=dt.date(2012, 6, 1))
    message = enqueue("digest:s:w", to=student.email, student=student)

    outbox_relay(now=dt.datetime(2030, 6, 1, 9, 0, tzinfo=dt.UTC))

    assert status(message) == Status.SENT


def test_an_opt_out_stops_queued_digests_but_not_booking_mail(
    world: Any, fake_sendgrid: FakeSendGrid
) -> None:
    digest = enqueue("digest:a:w", to=world.adult.email, student=world.adult)
    booking = enqueue(
        "booking-confirmed:a", category="booking_confirmed", to=world.adult.email, student=world.adult
    )
    world.adult.email_opt_in = False
    world.adult.save()

    outbox_relay()

    assert status(digest) == Status.SUPPRESSED and "opted out" in digest.last_error
    assert status(booking) == Status.SENT


def test_an_unsubscribed_address_gets_booking_mail_but_no_digest(
    world: Any, fake_sendgrid: FakeSendGrid
) -> None:
    Suppression.objects.create(email=world.adult.email.lower(), reason="unsubscribe", source="one_click")
    digest = enqueue("digest:a:w", to=world.adult.email.upper(), student=world.adult)
    booking = enqueue(
        "booking-proposed:a", category="booking_proposed", to=world.adult.email, student=world.adult
    )

    outbox_relay()

    assert status(digest) == Status.SUPPRESSED
    assert status(booking) == Status.SENT


def test_a_bounced_or_spam_reporting_address_gets_nothing(world: Any, fake_sendgrid: FakeSendGrid) -> None:
    Suppression.objects.create(email="gone@mail.example.vn", reason="bounce", source="webhook")
    Suppression.objects.create(email="angry@mail.example.vn", reason="spamreport", source="webhook")
    bounced = enqueue("booking-proposed:1", category="booking_proposed", to="gone@mail.example.vn")
    angry = enqueue("booking-proposed:2", category="booking_proposed", to="angry@mail.example.vn")

    outbox_relay()

    assert status(bounced) == status(angry) == Status.SUPPRESSED
    assert fake_sendgrid.requests == []


def test_the_consent_request_goes_to_the_guardian_of_a_minor_without_consent(
    world: Any, fake_sendgrid: FakeSendGrid
) -> None:
    minor = f.StudentFactory(school=world.school, guardian_email="me@parents.example.vn")
    request = enqueue(
        "consent-request:1",
        category="consent_request",
        to=minor.guardian_email,
        student=minor,
        context={"student_name": minor.full_name, "consent_url": "http://testserver/guardian/consent/t/"},
    )

    outbox_relay()

    assert status(request) == Status.SENT
    (sent,) = fake_sendgrid.requests
    assert sent.body["personalizations"][0]["to"] == [{"email": "me@parents.example.vn"}]
