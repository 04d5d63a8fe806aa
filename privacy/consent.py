"""Guardian consent workflows: ask the guardian by email, record consent, withdraw it.

Nothing is mailed to (or booked for) a student under 18 without an active ``GuardianConsent``. The relay
re-checks consent at send time, so a withdrawal stops even mail queued before it. The request itself is
sent through the notifications outbox (the one place mail leaves from).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F, TextField, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboxMessage
from notifications.services import message_enqueue
from students.models import GuardianConsent, Student

CONSENT_SALT = "students.guardian-consent"
# How long a guardian may take to give consent through a link. Withdrawing works with any of our links.
CONSENT_LINK_DAYS = 14


class ConsentError(Exception):
    """A consent workflow cannot proceed; the message says why, for a coordinator to read."""


@dataclass(frozen=True)
class ConsentLink:
    """What a guardian's signed link stands for."""

    student_id: int
    guardian_email: str
    token_id: str
    issued_at: dt.datetime

    def expired(self, now: dt.datetime) -> bool:
        return now - self.issued_at > dt.timedelta(days=CONSENT_LINK_DAYS)


def consent_link_make(*, student: Student, now: dt.datetime | None = None) -> str:
    issued = now or timezone.now()
    payload = {
        "s": student.pk,
        "g": student.guardian_email.lower(),
        "n": secrets.token_hex(8),
        "t": int(issued.timestamp()),
    }
    return signing.dumps(payload, salt=CONSENT_SALT, compress=True)


def consent_link_read(token: str) -> ConsentLink:
    """Check the signature (not the age: see ``ConsentLink.expired``); ``signing.BadSignature`` if forged."""
    data = signing.loads(token, salt=CONSENT_SALT)
    try:
        return ConsentLink(
            student_id=int(data["s"]),
            guardian_email=str(data["g"]),
            token_id=str(data["n"]),
            issued_at=dt.datetime.fromtimestamp(int(data["t"]), tz=dt.UTC),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise signing.BadSignature("malformed consent link") from error


def consent_request_send(*, student_id: int, now: dt.datetime | None = None) -> OutboxMessage | None:
    """Mail the student's guardian a signed link to give consent. At most one request per student per day;
    ``None`` when nothing needs asking (an adult, consent already on record, or already asked today)."""
    now = now or timezone.now()
    student = Student.objects.select_related("school").get(pk=student_id)
    consented = GuardianConsent.objects.filter(student=student, withdrawn_at__isnull=True).exists()
    if not student.is_minor(timezone.localdate(now)) or consented:
        return None
    if not student.guardian_email:
        raise ConsentError(f"{student.external_id} has no guardian email on record")
    token = consent_link_make(student=student, now=now)
    with transaction.atomic():
        return message_enqueue(
            key=f"consent-request:{student.pk}:{timezone.localdate(now).isoformat()}",
            category=OutboxMessage.Category.CONSENT_REQUEST,
            to=student.guardian_email,
            language=student.language,
            context={
                "student_name": student.full_name,
                "school_name": student.school.name,
                "consent_url": settings.SITE_URL + reverse("students:guardian_consent", args=[token]),
                "expires_days": CONSENT_LINK_DAYS,
            },
            student_id=student.pk,
        )


def consent_give(
    *,
    student_id: int,
    method: str,
    guardian_email: str = "",
    evidence: str = "",
    recorded_by: str = "",
    now: dt.datetime | None = None,
) -> GuardianConsent:
    """Record a guardian's consent. Idempotent: when consent is already active, that record is returned."""
    with transaction.atomic():
        # Lock the student so two clicks on the same link serialise; the partial unique constraint
        # (one active consent per student) backs this up.
        Student.objects.select_for_update().get(pk=student_id)
        active = GuardianConsent.objects.filter(student_id=student_id, withdrawn_at__isnull=True).first()
        if active is not None:
            return active
        return GuardianConsent.objects.create(
            student_id=student_id,
            guardian_email=guardian_email,
            method=method,
            evidence=evidence,
            recorded_by=recorded_by,
            given_at=now or timezone.now(),
        )


def consent_give_by_link(*, link: ConsentLink, now: dt.datetime | None = None) -> GuardianConsent:
    """The guardian clicked "I agree" on the page their signed link opened."""
    now = now or timezone.now()
    if link.expired(now):
        raise ConsentError("this consent link has expired; ask the school for a new one")
    return consent_give(
        student_id=link.student_id,
        method=GuardianConsent.Method.EMAIL_LINK,
        guardian_email=link.guardian_email,
        evidence=f"signed email link {link.token_id} issued {link.issued_at.isoformat()}, "
        f"used {now.isoformat()}",
        recorded_by=f"guardian:{link.guardian_email}",
        now=now,
    )


def consent_withdraw(*, student_id: int, recorded_by: str = "", now: dt.datetime | None = None) -> int:
    """Withdraw the active consent (the record stays, as evidence). Returns 1, or 0 if none was active.

    Mail already queued for the student is stopped by the relay's send-time check, not here.
    """
    now = now or timezone.now()
    note = f"; withdrawn {now.isoformat()}" + (f" by {recorded_by}" if recorded_by else "")
    return GuardianConsent.objects.filter(student_id=student_id, withdrawn_at__isnull=True).update(
        withdrawn_at=now, evidence=Concat(F("evidence"), Value(note), output_field=TextField())
    )
