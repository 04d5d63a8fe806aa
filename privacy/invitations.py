"""Invitations: an account made for someone, and the mail with which they choose its password.

- A school invites its students (one, or every student it can) and its colleague coordinators; a company
  invites its colleagues. The account exists at once, without a password; the mail carries a link to the
  site's "choose a password" page (Django's password-reset token, valid ``PASSWORD_RESET_TIMEOUT``, and
  spent once a password is chosen).
- A student under 18 is invited only with an active guardian consent on record, and the relay checks it
  again when it sends (category ``account_invite`` carries the student): the same rule as all mail.
- At most one invitation a day per account (the dedupe key holds the day); a later day may send another,
  for a link that expired.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.services import AccountError, account_exists, account_invited_create
from notifications.models import OutboxMessage
from notifications.services import message_enqueue
from students.models import GuardianConsent, Student

# What an invitation of a student came to (``StudentInvite.status``).
INVITED = "invited"  # an account was made (or was waiting) and the mail is queued
ALREADY_TODAY = "already_today"  # invited earlier today: not again
HAS_ACCOUNT = "has_account"  # signs in already (has chosen a password)
NO_EMAIL = "no_email"  # the school has no address for the student
NEEDS_CONSENT = "needs_consent"  # under 18 without a guardian's consent on record


@dataclass(frozen=True)
class StudentInvite:
    status: str
    user: User | None = None


def invite_days() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)


def invitation_mail(
    *, user: User, organisation: str, invited_by: str, language: str, now: dt.datetime | None = None
) -> OutboxMessage | None:
    """Queue the invitation of ``user`` (who has no password yet); None if one went today already."""
    now = now or timezone.now()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    url = settings.SITE_URL + reverse("web:password-reset-confirm", args=[uid, token])
    return message_enqueue(
        key=f"account-invite:{user.pk}:{timezone.localdate(now).isoformat()}",
        category=OutboxMessage.Category.ACCOUNT_INVITE,
        to=user.email,
        language=language,
        context={
            "person_name": user.get_full_name(),
            "username": user.get_username(),
            "organisation": organisation,
            "invited_by": invited_by,
            "role": user.role,
            "password_url": url,
            "expires_days": invite_days(),
            "sign_in_url": settings.SITE_URL + reverse("web:login"),
        },
        student_id=user.student_id,
    )


def student_invite(*, student: Student, invited_by: str, now: dt.datetime | None = None) -> StudentInvite:
    """Give ``student`` an account and mail its invitation, if the rules allow (see the module)."""
    now = now or timezone.now()
    if not student.email:
        return StudentInvite(NO_EMAIL)
    with transaction.atomic():
        Student.objects.select_for_update().filter(pk=student.pk).first()  # two clicks: one account
        user = User.objects.filter(student=student).first()
        if user is not None and user.has_usable_password():
            return StudentInvite(HAS_ACCOUNT, user)
        minor = student.is_minor(timezone.localdate(now))
        if minor and not GuardianConsent.objects.filter(student=student, withdrawn_at__isnull=True).exists():
            return StudentInvite(NEEDS_CONSENT, user)
        if user is None:
            user = account_invited_create(
                role=User.Role.STUDENT,
                email=student.email,
                full_name=student.full_name,
                username_fallback=student.external_id,
                student_id=student.pk,
            )
        elif user.email.lower() != student.email.lower():
            user.email = student.email.lower()  # the school corrected the address since
            user.save(update_fields=["email"])
        sent = invitation_mail(
            user=user, organisation=student.school.name, invited_by=invited_by, language=student.language, now=now
        )
    return StudentInvite(INVITED if sent else ALREADY_TODAY, user)


def students_invite(*, school_id: int, invited_by: str, now: dt.datetime | None = None) -> Counter[str]:
    """``student_invite`` for every student of the school without a password yet: counts by status."""
    counts: Counter[str] = Counter()
    waiting = Student.objects.filter(school_id=school_id).exclude(user__password__regex=r"^[^!]")
    for student in waiting.select_related("school").order_by("pk"):
        counts[student_invite(student=student, invited_by=invited_by, now=now).status] += 1
    return counts


def colleague_invite(
    *,
    email: str,
    full_name: str,
    invited_by: str,
    organisation: str,
    school_id: int | None = None,
    company_id: int | None = None,
    language: str = "",
) -> User:
    """A coordinator of the same school, or a staff member of the same company: account and invitation."""
    if account_exists(email):
        raise AccountError("email", "an account with this email address already exists")
    role = User.Role.SCHOOL_COORDINATOR if school_id is not None else User.Role.COMPANY_STAFF
    with transaction.atomic():
        user = account_invited_create(
            role=role, email=email, full_name=full_name, school_id=school_id, company_id=company_id
        )
        invitation_mail(
            user=user, organisation=organisation, invited_by=invited_by, language=language or settings.LANGUAGE_CODE
        )
    return user
