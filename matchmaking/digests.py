"""The weekly recommendation digest: each student who may receive mail gets the recommendations not yet
mailed to them, with the reasons, in their language.

1. Who: opted in, an address nobody suppressed, an adult or a minor with active guardian consent, and
   with stored matches. (The relay checks all of this again at send time.)
2. At most one digest per student per ISO week, however often and however concurrently the job runs: the
   outbox's unique dedupe key ``digest:<student id>:<ISO year-week>`` decides.
3. A student's non-essential mail is capped at MAIL_WEEKLY_CAP per rolling 7 days.
4. Only what is new: a recommendation counts as mailed once a digest carrying it is queued or sent
   (``MailedRecommendation``); if that digest ends suppressed or failed, it may come again. Nothing new,
   no digest.

Students go in chunks, one transaction per chunk: the digests and their ``MailedRecommendation`` rows are
written together, so a crash leaves no recommendation marked mailed without its digest.

With a broker the week's students are cut into ranges of ids (``digest_ranges``), one Celery task each on
the ``digests`` queue (``matchmaking.tasks``), so that every worker builds a share; each range is the same
``digests_send`` restricted to it. Together the ranges cover every id, so no student falls between two,
and a range that runs twice (a retry, a redelivered task) queues nothing again: rule 2.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone

from companies.models import Opportunity
from notifications.models import NON_ESSENTIAL_CATEGORIES, OutboxMessage, Suppression
from notifications.services import Mail, copy_insert, messages_insert
from students.models import ADULT_AGE, Student

from .models import MailedRecommendation, Match
from .phrasing import reasons_text

CHUNK = 500
# Students per digest task: a few chunks each, small enough that the relay (queued after each task) starts
# sending while the other tasks are still building, and that W workers share the week evenly.
TASK_STUDENTS = 2000
# A short digest is read; a long one is not. These limits also keep a digest under SendGrid's 10,000 bytes
# of substitutions, so digests can go 1,000 to a request (tests/notifications/test_templates.py checks).
MAX_ITEMS = 6
MAX_REASONS = 2
# Statuses of a digest that has gone, or may still go, out: its recommendations count as mailed.
_LIVE = [
    OutboxMessage.Status.PENDING,
    OutboxMessage.Status.SENDING,
    OutboxMessage.Status.SENT,
    OutboxMessage.Status.UNKNOWN,
]


@dataclass
class DigestReport:
    period: str
    students: int = 0
    enqueued: int = 0
    recommendations: int = 0
    already_sent: int = 0
    capped: int = 0
    nothing_new: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def digest_period(now: dt.datetime) -> str:
    year, week, _ = timezone.localdate(now).isocalendar()
    return f"{year}-W{week:02d}"


def digest_key(student_id: int, period: str) -> str:
    return f"digest:{student_id}:{period}"


def opportunity_url(external_id: str) -> str:
    return f"{settings.SITE_URL}/opportunities/{external_id}/"


def _adult_born_by(today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year - ADULT_AGE)
    except ValueError:  # 29 February
        return today.replace(year=today.year - ADULT_AGE, day=28)


def mailable_students(*, today: dt.date) -> Any:
    """Students who may receive a digest today, if they have anything new."""
    suppressed = Suppression.objects.filter(email=Lower(OuterRef("email")))
    return (
        Student.objects.active()
        .with_consent()
        .filter(email_opt_in=True)
        .exclude(email="")
        .filter(Q(birth_date__lte=_adult_born_by(today)) | Q(has_guardian_consent=True))
        .exclude(Exists(suppressed))
    )


@dataclass(frozen=True, slots=True)
class _Item:
    """What a digest says of one recommendation: plain values, not a Match with its opportunity and company
    (a province's week reads a million matches; model instances were half the cost of the digests)."""

    opportunity_id: int
    title: str
    company: str
    kind: str
    external_id: str
    reasons: Any


def _new_matches(student_ids: list[int], *, today: dt.date) -> dict[int, list[_Item]]:
    """The chunk's recommendations not yet mailed, best first, at most MAX_ITEMS each.

    Three indexed queries restricted to the chunk's students, joined here, rather than one query with
    correlated anti-joins: PostgreSQL plans those as hash joins over every digest ever sent, which made
    each chunk cost as much as the whole table.
    """
    matches = (
        Match.objects.filter(student_id__in=student_ids, opportunity__in=Opportunity.objects.published())
        .filter(Q(opportunity__apply_by__isnull=True) | Q(opportunity__apply_by__gte=today))
        .order_by("student_id", "rank")
        .values_list(
            "student_id",
            "opportunity_id",
            "opportunity__title",
            "opportunity__company__name",
            "opportunity__kind",
            "opportunity__external_id",
            "reasons",
        )
    )
    mailed = list(
        MailedRecommendation.objects.filter(student_id__in=student_ids).values_list(
            "student_id", "opportunity_id", "outbox_key"
        )
    )
    live_keys = set(
        OutboxMessage.objects.filter(
            dedupe_key__in={key for _, _, key in mailed}, status__in=_LIVE
        ).values_list("dedupe_key", flat=True)
    )
    gone_out = {(student, opportunity) for student, opportunity, key in mailed if key in live_keys}
    by_student: dict[int, list[_Item]] = defaultdict(list)
    for student_id, opportunity_id, title, company, kind, external_id, reasons in matches:
        if (student_id, opportunity_id) in gone_out:
            continue
        if len(by_student[student_id]) < MAX_ITEMS:
            by_student[student_id].append(_Item(opportunity_id, title, company, kind, external_id, reasons))
    return by_student


def _context(student: Student, matches: list[_Item], period: str) -> dict[str, Any]:
    """What the digest template is told. ``kind`` is the code: the mail names it in the reader's language
    when it is rendered (``notifications.rendering``). The reasons are phrased here, in the student's
    language (the mail's): the notifications layer below cannot phrase a matchmaking reason."""
    language = student.language
    items = [
        {
            "title": m.title,
            "company": m.company,
            "kind": m.kind,
            "reasons": reasons_text(m.reasons, language=language)[:MAX_REASONS],
            "url": opportunity_url(m.external_id),
        }
        for m in matches
    ]
    return {"student_name": student.full_name, "period": period, "items": items}


def _recent_counts(student_ids: list[int], *, now: dt.datetime) -> dict[int, int]:
    rows = (
        OutboxMessage.objects.filter(
            student_id__in=student_ids,
            category__in=NON_ESSENTIAL_CATEGORIES,
            created_at__gte=now - dt.timedelta(days=7),
        )
        .exclude(status__in=[OutboxMessage.Status.FAILED, OutboxMessage.Status.SUPPRESSED])
        .values("student_id")
        .annotate(n=Count("id"))
    )
    return {row["student_id"]: row["n"] for row in rows}


def _mark_mailed(mailed: list[tuple[Student, list[_Item]]], period: str) -> None:
    """Record what the digests carry. A recommendation mailed before in a digest that never went out
    (suppressed, failed) already has a row: it now points at this digest."""
    if connection.vendor == "postgresql":
        stamp = timezone.now()
        copy_insert(
            MailedRecommendation,
            ("student_id", "opportunity_id", "outbox_key", "mailed_at"),
            (
                (student.pk, m.opportunity_id, digest_key(student.pk, period), stamp)
                for student, matches in mailed
                for m in matches
            ),
            conflict="ON CONFLICT (student_id, opportunity_id) DO UPDATE "
            "SET outbox_key = EXCLUDED.outbox_key, mailed_at = EXCLUDED.mailed_at",
        )
        return
    MailedRecommendation.objects.bulk_create(
        [
            MailedRecommendation(
                student=student, opportunity_id=m.opportunity_id, outbox_key=digest_key(student.pk, period)
            )
            for student, matches in mailed
            for m in matches
        ],
        update_conflicts=True,
        unique_fields=["student", "opportunity"],
        update_fields=["outbox_key", "mailed_at"],
        batch_size=2000,
    )


def _write_chunk(planned: list[tuple[Student, list[_Item], dict[str, Any]]], period: str) -> tuple[int, int]:
    """Queue the chunk's digests; returns how many digests and recommendations this run queued (a
    concurrent run may have won some: their recommendations are marked by that run, not this one)."""
    with transaction.atomic():
        queued = messages_insert(
            [
                Mail(
                    key=digest_key(student.pk, period),
                    category=OutboxMessage.Category.DIGEST,
                    to=student.email,
                    language=student.language,
                    context=context,
                    student_id=student.pk,
                )
                for student, _, context in planned
            ]
        )
        won = [(student, matches) for student, matches, _ in planned if digest_key(student.pk, period) in queued]
        _mark_mailed(won, period)
    return len(won), sum(len(matches) for _, matches in won)


def digest_ranges(*, now: dt.datetime, size: int | None = None) -> list[tuple[int, int | None]]:
    """The mailable students cut into ranges of ids ``(after, upto)``: ``after < id <= upto``, the last
    range open above (``upto`` None). At most ``size`` (default TASK_STUDENTS) mailable students per range
    as of now; together the ranges cover every id, so a student who becomes mailable meanwhile still falls
    in one."""
    size = TASK_STUDENTS if size is None else size
    if size < 1:
        raise ValueError(f"size must be at least 1, not {size}")
    ids = mailable_students(today=timezone.localdate(now)).order_by("pk").values_list("pk", flat=True)
    ranges: list[tuple[int, int | None]] = []
    after, count, last = 0, 0, 0
    for pk in ids.iterator(chunk_size=10_000):
        count, last = count + 1, pk
        if count == size:
            ranges.append((after, last))
            after, count = last, 0
    ranges.append((after, None))  # the rest, and whoever comes after the last id seen
    return ranges


def digests_send(*, now: dt.datetime | None = None, after: int = 0, upto: int | None = None) -> DigestReport:
    """Queue this week's digests in the outbox (the relay sends them), for the students whose id is above
    ``after`` and at most ``upto`` (every student by default). Safe to run twice, or in two workers at once."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    period = digest_period(now)
    report = DigestReport(period=period)
    cap = settings.MAIL_WEEKLY_CAP
    students = mailable_students(today=today).only("id", "full_name", "email", "languages").order_by("pk")
    if upto is not None:
        students = students.filter(pk__lte=upto)
    last_id = after
    while True:
        chunk = list(students.filter(pk__gt=last_id)[:CHUNK])
        if not chunk:
            break
        last_id = chunk[-1].pk
        report.students += len(chunk)
        ids = [s.pk for s in chunk]
        done = set(
            OutboxMessage.objects.filter(dedupe_key__in=[digest_key(i, period) for i in ids]).values_list(
                "student_id", flat=True
            )
        )
        recent = _recent_counts(ids, now=now)
        todo = [s for s in chunk if s.pk not in done and recent.get(s.pk, 0) < cap]
        report.already_sent += sum(1 for s in chunk if s.pk in done)
        report.capped += sum(1 for s in chunk if s.pk not in done and recent.get(s.pk, 0) >= cap)
        fresh = _new_matches([s.pk for s in todo], today=today)
        planned = [(s, fresh[s.pk], _context(s, fresh[s.pk], period)) for s in todo if fresh.get(s.pk)]
        report.nothing_new += len(todo) - len(planned)
        if planned:
            queued, recommendations = _write_chunk(planned, period)
            report.enqueued += queued
            report.already_sent += len(planned) - queued
            report.recommendations += recommendations
    return report
