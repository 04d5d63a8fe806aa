"""Invitations: an account made for someone, and the mail with which they choose its password.

- A school invites its students (one, or every student it can) and its colleague coordinators; a company
  invites its colleagues. The account exists at once, without a password; the mail carries a link to the
  site's "choose a password" page (Django's password-reset token, valid ``PASSWORD_RESET_TIMEOUT``, and
  spent once a password is chosen).
- A student under 18 is invited only with an active guardian consent on record, and the relay checks it
  again when it sends (category ``account_invite`` carries the student): the same rule as all mail.
- At most one invitation a day per account (the dedupe key holds the day); a later day may send another,
  for a link that expired.
- "Invite every student who can be" is an ``InvitationRun`` done by a worker (``students_invite_start``,
  ``students_invite_continue``; eagerly, in the request, on the embedded default): a large school's
  invitations do not fit in one web request. The students page follows its progress.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.services import AccountError, account_exists, account_invited_create
from matchmaking.broker import BROKER_ERRORS
from notifications.models import OutboxMessage
from notifications.services import message_enqueue
from students.models import GuardianConsent, Student

from .models import ACTIVE, InvitationRun

logger = logging.getLogger(__name__)

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


def _waiting(school_id: int) -> QuerySet[Student]:
    """The school's students who do not sign in yet (no account, or an account without a password)."""
    return Student.objects.filter(school_id=school_id).exclude(user__password__regex=r"^[^!]")


def students_invite(*, school_id: int, invited_by: str, now: dt.datetime | None = None) -> Counter[str]:
    """``student_invite`` for every student of the school without a password yet: counts by status."""
    counts: Counter[str] = Counter()
    for student in _waiting(school_id).select_related("school").order_by("pk"):
        counts[student_invite(student=student, invited_by=invited_by, now=now).status] += 1
    return counts


# Students per transaction of a run: their invitations, the counts and the cursor commit together.
RUN_CHUNK = 100
# A run with no progress for this long lost its worker: it fails, and no longer blocks the next one.
RUN_STALE = dt.timedelta(minutes=30)


def runs_settle(*, school_id: int, now: dt.datetime | None = None) -> int:
    """Fail the school's active runs that made no progress for ``RUN_STALE``; how many."""
    now = now or timezone.now()
    return InvitationRun.objects.filter(school_id=school_id, status__in=ACTIVE, updated_at__lt=now - RUN_STALE).update(
        status=InvitationRun.Status.FAILED,
        error="no progress for too long: the worker was lost",
        finished_at=now,
        updated_at=now,
    )


def _run_enqueue(run_id: int) -> None:
    """After commit: queue the run's task (run here, at once, without a broker). A broker out of reach
    fails the run with the reason, rather than leave it queued with no task."""
    from .tasks import students_invite_run

    try:
        students_invite_run.delay(run_id=run_id)
    except BROKER_ERRORS as error:
        logger.error("invitation run %s: its task could not be queued: %r", run_id, error)
        InvitationRun.objects.filter(pk=run_id, status=InvitationRun.Status.QUEUED).update(
            status=InvitationRun.Status.FAILED,
            error=f"its task could not be queued (the broker is unreachable): {error!r}"[:2000],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )


def students_invite_start(
    *, school_id: int, invited_by: str, requested_by: User | None = None, now: dt.datetime | None = None
) -> InvitationRun:
    """Invite every student of the school who can be, on a worker. While a run of the school is queued or
    running, that run is returned (a second click starts nothing)."""
    runs_settle(school_id=school_id, now=now)
    try:
        with transaction.atomic():
            run = InvitationRun.objects.create(
                school_id=school_id,
                invited_by=invited_by,
                requested_by=requested_by,
                total=_waiting(school_id).count(),
            )
            transaction.on_commit(lambda: _run_enqueue(run.pk))
    except IntegrityError:
        active = InvitationRun.objects.filter(school_id=school_id, status__in=ACTIVE).first()
        if active is None:  # it finished between the insert and this read: start again
            return students_invite_start(school_id=school_id, invited_by=invited_by, requested_by=requested_by)
        return active
    run.refresh_from_db()
    return run


def students_invite_continue(
    *, run_id: int, budget: float | None = None, now: dt.datetime | None = None
) -> InvitationRun:
    """Go on with a run from where it stands, one chunk of students per transaction, to its end or until
    ``budget`` seconds have passed (checked after each chunk: at least one chunk is done); the run is
    returned still running in that case. Safe to call twice, even at once: each chunk locks the run, and a
    finished run is left alone."""
    deadline = None if budget is None else time.monotonic() + budget
    started = timezone.now()
    InvitationRun.objects.filter(pk=run_id, status=InvitationRun.Status.QUEUED).update(
        status=InvitationRun.Status.RUNNING, started_at=started, updated_at=started
    )
    while True:
        with transaction.atomic():
            run = InvitationRun.objects.select_for_update().get(pk=run_id)
            if run.status != InvitationRun.Status.RUNNING:
                return run
            chunk = list(
                _waiting(run.school_id).filter(pk__gt=run.cursor).select_related("school").order_by("pk")[:RUN_CHUNK]
            )
            if not chunk:
                run.status = InvitationRun.Status.DONE
                run.finished_at = timezone.now()
                run.total = max(run.total, run.done)  # students added during the run
                run.save(update_fields=["status", "finished_at", "total", "updated_at"])
                return run
            counts = Counter(run.counts)
            for student in chunk:
                counts[student_invite(student=student, invited_by=run.invited_by, now=now).status] += 1
            run.counts = dict(counts)
            run.cursor = chunk[-1].pk
            run.done += len(chunk)
            run.save(update_fields=["counts", "cursor", "done", "updated_at"])
        if deadline is not None and time.monotonic() >= deadline:
            return run


def run_fail(run_id: int, error: str) -> None:
    """The run stops here; what its committed chunks did stays done (and counted)."""
    failed = timezone.now()
    InvitationRun.objects.filter(pk=run_id, status__in=ACTIVE).update(
        status=InvitationRun.Status.FAILED, error=error[:2000], finished_at=failed, updated_at=failed
    )


def student_address(email: str) -> bool:
    """A student's own address in any school's records: never a coordinator's or company staff's account (a
    student invited as a colleague would read every student's data)."""
    return Student.objects.filter(email__iexact=email.strip()).exists()


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
    if student_address(email):
        raise AccountError("email", "this is a student's email address")
    role = User.Role.SCHOOL_COORDINATOR if school_id is not None else User.Role.COMPANY_STAFF
    with transaction.atomic():
        user = account_invited_create(
            role=role, email=email, full_name=full_name, school_id=school_id, company_id=company_id
        )
        invitation_mail(
            user=user, organisation=organisation, invited_by=invited_by, language=language or settings.LANGUAGE_CODE
        )
    return user
