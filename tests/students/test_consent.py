"""Guardian consent: asked by email with a signed link, given on the guardian's page, withdrawn at will,
and honoured by the mail relay at send time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from notifications.models import OutboxMessage
from notifications.services import message_enqueue, outbox_relay
from privacy.consent import (
    CONSENT_LINK_DAYS,
    ConsentError,
    consent_give,
    consent_link_make,
    consent_request_send,
    consent_withdraw,
)
from students.models import GuardianConsent, Student
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet_mail(settings: Any, tmp_path: Path) -> None:
    """Mail to a private directory; a cheap password hasher for the world's users."""
    settings.MAIL_DIR = tmp_path / "mail"
    settings.SENDGRID_API_KEY = ""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def minor(world: Any) -> Student:
    return f.StudentFactory(
        school=world.school, full_name="Phạm Minh Anh", guardian_email="Me@Parents.example.vn"
    )


def consent_path(student: Student, **kwargs: Any) -> str:
    return f"/guardian/consent/{consent_link_make(student=student, **kwargs)}/"


def test_the_request_mails_the_guardian_a_signed_link_once_a_day(minor: Student) -> None:
    message = consent_request_send(student_id=minor.pk)

    assert message is not None and message.category == "consent_request"
    assert message.to_email == "Me@Parents.example.vn" and message.student_id == minor.pk
    url = message.context["consent_url"]
    assert url.startswith("http://127.0.0.1:8000/guardian/consent/")
    assert Client().get(url.removeprefix("http://127.0.0.1:8000")).status_code == 200
    assert consent_request_send(student_id=minor.pk) is None  # asked today already
    outbox_relay()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT  # to the guardian, though the student has no consent


def test_no_request_is_sent_for_an_adult_or_a_student_with_consent(world: Any) -> None:
    assert consent_request_send(student_id=world.adult.pk) is None
    assert consent_request_send(student_id=world.student.pk) is None
    assert not OutboxMessage.objects.exists()


def test_a_request_needs_a_guardian_address(world: Any) -> None:
    orphan = f.StudentFactory(school=world.school, guardian_email="")

    with pytest.raises(ConsentError):
        consent_request_send(student_id=orphan.pk)


def test_the_guardian_page_speaks_the_students_language_or_the_one_chosen(
    minor: Student, client: Client
) -> None:
    url = consent_path(minor)

    assert "Sự đồng ý cho Phạm Minh Anh" in client.get(url).content.decode()
    assert "Consent for Phạm Minh Anh" in client.get(url + "?lang=en").content.decode()


def test_agreeing_on_the_page_records_consent_with_the_links_evidence(minor: Student, client: Client) -> None:
    url = consent_path(minor)
    token_id = signing.loads(url.split("/")[3], salt="students.guardian-consent")["n"]

    response = client.post(url, {"action": "give"})

    assert response.status_code == 302
    consent = GuardianConsent.objects.get(student=minor)
    assert consent.method == GuardianConsent.Method.EMAIL_LINK and consent.withdrawn_at is None
    assert token_id in consent.evidence and "issued" in consent.evidence
    assert consent.guardian_email == "me@parents.example.vn"
    assert consent.recorded_by == "guardian:me@parents.example.vn"
    assert "Your consent is on record" in client.get(url + "?lang=en").content.decode()


def test_agreeing_twice_keeps_one_consent(minor: Student, client: Client) -> None:
    url = consent_path(minor)

    client.post(url, {"action": "give"})
    client.post(url, {"action": "give"})

    assert GuardianConsent.objects.filter(student=minor).count() == 1


def test_an_expired_link_cannot_give_consent_but_can_still_withdraw_it(
    minor: Student, client: Client
) -> None:
    old = timezone.now() - dt.timedelta(days=CONSENT_LINK_DAYS + 1)
    url = consent_path(minor, now=old)

    refused = client.post(url, {"action": "give"})

    assert refused.status_code == 410 and not GuardianConsent.objects.filter(student=minor).exists()
    consent_give(student_id=minor.pk, method="paper_form", evidence="form 12", recorded_by="coordinator")
    client.post(url, {"action": "withdraw"})
    assert GuardianConsent.objects.get(student=minor).withdrawn_at is not None


def test_a_forged_link_or_one_for_a_replaced_guardian_address_is_refused(
    minor: Student, client: Client
) -> None:
    url = consent_path(minor)
    minor.guardian_email = "new.guardian@parents.example.vn"
    minor.save()

    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "give"}).status_code == 404
    assert client.get("/guardian/consent/forged:token/").status_code == 404
    assert not GuardianConsent.objects.filter(student=minor).exists()


def test_a_withdrawal_on_the_page_stops_mail_already_queued(world: Any, client: Client) -> None:
    student = world.student  # a minor whose guardian consented
    student.guardian_email = "parent@mail.example.vn"
    student.save()
    queued = message_enqueue(
        key="booking-reminder:9",
        category="booking_reminder",
        to=student.email,
        language="vi",
        context={"participant_name": "Mai"},
        student_id=student.pk,
    )
    assert queued is not None

    client.post(consent_path(student), {"action": "withdraw"})

    consent = GuardianConsent.objects.get(student=student)
    assert consent.withdrawn_at is not None and "withdrawn" in consent.evidence
    outbox_relay()
    queued.refresh_from_db()
    assert queued.status == OutboxMessage.Status.SUPPRESSED


def test_withdrawing_keeps_the_record_and_consent_can_be_given_again(minor: Student) -> None:
    first = consent_give(student_id=minor.pk, method="email_link", evidence="link 1")

    assert consent_withdraw(student_id=minor.pk, recorded_by="guardian") == 1
    assert consent_withdraw(student_id=minor.pk) == 0
    second = consent_give(student_id=minor.pk, method="email_link", evidence="link 2")

    assert second.pk != first.pk
    assert list(GuardianConsent.objects.filter(student=minor, withdrawn_at__isnull=True)) == [second]
    assert GuardianConsent.objects.filter(student=minor).count() == 2
