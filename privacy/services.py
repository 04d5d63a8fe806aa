"""Privacy rights: a student's data as JSON, erasure, and the signed link through which a minor's
guardian does both.

Erasure anonymises rather than deletes: bookings stay (fill rates and attendance are counted from
them) with a participant that no longer names anyone; recommendations, the mailing history's
addresses and the free-text profile go; the address is suppressed, queued mail is stopped, standing
consent is withdrawn (its history stays), and ``erased_at`` keeps the student out of matchmaking,
scheduling and later imports of the school's roster.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

from accounts.models import AuditEntry, User
from accounts.services import audit_record
from matchmaking.embeddings import student_text_forget
from matchmaking.models import Feedback, MailedRecommendation, Match, OpportunityMatch
from matchmaking.phrasing import reasons_text
from notifications.models import OutboxMessage, Suppression
from notifications.suppressions import address_unsubscribe
from scheduler.models import Booking
from students.models import AvailabilityInterval, GuardianConsent, Student

from .consent import CONSENT_LINK_DAYS, consent_link_read

PRIVACY_SALT = "accounts.guardian-privacy"
PRIVACY_LINK_DAYS = 14
ERASED_BIRTH_DATE = dt.date(1900, 1, 1)


class PrivacyLinkError(Exception):
    """The link is forged, expired, or no longer matches the student's guardian."""


# --- the guardian's link --------------------------------------------------------------------------


def privacy_link_make(*, student: Student, now: dt.datetime | None = None) -> tuple[str, dt.datetime]:
    """A signed link to the guardian's page for downloading or erasing the student's data; and its expiry.

    It names the guardian's address, so it stops working if the school records another guardian.
    """
    issued = now or timezone.now()
    token = signing.dumps(
        {"s": student.pk, "g": student.guardian_email.lower(), "t": int(issued.timestamp())},
        salt=PRIVACY_SALT,
        compress=True,
    )
    url = settings.SITE_URL + reverse("students:guardian_privacy", args=[token])
    return url, issued + dt.timedelta(days=PRIVACY_LINK_DAYS)


def privacy_link_student(*, token: str, now: dt.datetime | None = None) -> tuple[Student, str]:
    """The student a guardian's link stands for, and the guardian's address.

    Our own privacy links are accepted, and so are the consent links the guardian was mailed
    (``students.services``): the same person, proven by the same inbox, within the same 14 days.
    """
    now = now or timezone.now()
    try:
        data = signing.loads(token, salt=PRIVACY_SALT)
        student_id, guardian, issued = int(data["s"]), str(data["g"]), int(data["t"])
        days = PRIVACY_LINK_DAYS
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        try:
            link = consent_link_read(token)
        except signing.BadSignature:
            raise PrivacyLinkError("this link is not valid") from None
        student_id, guardian, issued = link.student_id, link.guardian_email, int(link.issued_at.timestamp())
        days = CONSENT_LINK_DAYS
    if now.timestamp() - issued > days * 86400:
        raise PrivacyLinkError("this link has expired; ask the school for a new one")
    student = Student.objects.with_consent().filter(pk=student_id).first()
    if student is None or not guardian or student.guardian_email.lower() != guardian:
        raise PrivacyLinkError("this link is not valid")
    return student, guardian


# --- data and erasure -----------------------------------------------------------------------------


def _rows(qs: Any, *fields: str) -> list[dict[str, Any]]:
    return list(qs.values(*fields))


def student_data(*, student: Student) -> dict[str, Any]:
    """Everything stored about a student, as JSON-ready data (the right of access)."""
    profile = {
        field.name: getattr(student, field.attname)
        for field in Student._meta.concrete_fields
        if field.name not in ("id",)
    }
    return {
        "generated_at": timezone.now(),
        "profile": {"id": student.pk, **profile},
        "availability": _rows(student.availability.all(), "starts_at", "ends_at"),
        "consents": _rows(
            GuardianConsent.objects.filter(student=student),
            "guardian_email",
            "method",
            "evidence",
            "given_at",
            "recorded_by",
            "withdrawn_at",
        ),
        "bookings": _rows(
            Booking.objects.filter(student=student).order_by("starts_at", "pk"),
            "id",
            "status",
            "session__external_id",
            "session__opportunity__title",
            "session__opportunity__company__name",
            "starts_at",
            "ends_at",
            "created_at",
            "updated_at",
        ),
        "recommendations": [
            {**row, "reason_texts": reasons_text(row["reasons"], language=student.language)}
            for row in _rows(
                Match.objects.filter(student=student), "opportunity__external_id", "rank", "score", "reasons"
            )
        ],
        "feedback": _rows(
            Feedback.objects.filter(student=student), "opportunity__external_id", "kind", "created_at"
        ),
        "mail": _rows(
            OutboxMessage.objects.filter(student=student),
            "category",
            "to_email",
            "status",
            "created_at",
            "sent_at",
        ),
        "accounts": _rows(
            User.objects.filter(student=student), "username", "email", "date_joined", "last_login"
        ),
        "record_opened_by": _rows(
            AuditEntry.objects.filter(object_type="student", object_id=student.pk),
            "actor_name",
            "actor_role",
            "action",
            "at",
        ),
    }


def student_erase(*, student_id: int, requested_by: str, now: dt.datetime | None = None) -> None:
    """Anonymise a student on their own (or their guardian's) request. Safe to run twice."""
    now = now or timezone.now()
    with transaction.atomic():
        student = Student.objects.select_for_update().get(pk=student_id)
        addresses = {a.lower() for a in (student.email, student.guardian_email) if a and "@" in a}
        placeholder = f"erased-{student.pk}@erased.invalid"
        Student.objects.filter(pk=student.pk).update(
            full_name=f"Erased student {student.pk}",
            email=placeholder,
            guardian_email="",
            birth_date=ERASED_BIRTH_DATE,
            interests="",
            skills="",
            preferred_kinds=[],
            excluded_kinds=[],
            languages=[],
            grade=None,
            email_opt_in=False,
            erased_at=student.erased_at or now,
            updated_at=now,
        )
        AvailabilityInterval.objects.filter(student=student).delete()
        # The consent history stays as evidence; consent still standing ends with the data it covered.
        GuardianConsent.objects.filter(student=student, withdrawn_at__isnull=True).update(withdrawn_at=now)
        # Personal lists, recomputed every round anyway; feedback keeps only its anonymous features.
        Match.objects.filter(student=student).delete()
        OpportunityMatch.objects.filter(student=student).delete()
        student_text_forget(interests=student.interests or "", skills=student.skills or "")
        MailedRecommendation.objects.filter(student=student).delete()
        OutboxMessage.objects.filter(student=student, status=OutboxMessage.Status.PENDING).update(
            status=OutboxMessage.Status.SUPPRESSED, last_error="the student's data was erased on request"
        )
        OutboxMessage.objects.filter(student=student).update(to_email=placeholder, context={})
        for user in User.objects.filter(student=student):
            user.username = f"erased-{user.pk}"
            user.first_name = user.last_name = user.email = ""
            user.is_active = False
            user.set_unusable_password()
            user.save()
        AuthToken.objects.filter(user__student=student).delete()
        audit_record(actor=None, action="erase", obj=student, name=requested_by)
    # Outside the erasure's transaction: a school re-importing the old address must still not mail it.
    for address in sorted(addresses):
        address_unsubscribe(email=address, source=Suppression.Source.PREFERENCES, detail="erasure request")
