"""Enqueueing mail and relaying it. Callers (matchmaking digests, scheduler booking mail) call
``message_enqueue`` inside the transaction that makes the change; ``outbox_relay`` sends after commit.

The relay, and what it does with each answer:

1. Recover claims abandoned by a killed worker (``outbox_recover``).
2. Claim due pending rows (``select_for_update(skip_locked=True)`` on PostgreSQL; on SQLite the IMMEDIATE
   transaction serialises), mark them ``sending`` under a fresh claim token, commit.
3. Re-check each row at send time: suppression, guardian consent, opt-out (``block_reason``) →
   ``suppressed``. Render the rest.
4. Per request, outside any transaction: mark the rows "request started" (still ours?), send, record.
   202 → sent with X-Message-Id; 429 → pending, not before X-RateLimit-Reset; 5xx or connection
   refused → pending after an exponential back-off with jitter (failed after MAX_ATTEMPTS); 400 → failed,
   never retried (the innocent rows of a batch go again without the guilty ones); no answer (read
   timeout) → unknown, never resent blindly. A 429, 5xx or timeout ends the run; the rest of the claim
   goes back to pending untouched.

The relay never sleeps and never retries inline: a retry is a later ``next_attempt_at``, picked up by the
next run (Celery beat, every minute), so it is the same in an eager task, a worker and ``send_outbox``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.utils import timezone

from students.models import GuardianConsent

from .models import OutboxMessage, Suppression
from .rendering import Envelope, envelope_render
from .transports import Outcome, Transport, transport_from_settings

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status
CLAIM_SIZE = 1000
MAX_ATTEMPTS = 10
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=1)
# A row in ``sending`` whose claim is older than this belongs to a worker that died: far longer than any
# request can take (the HTTP timeout), so a live worker is never mistaken for a dead one.
DEFAULT_CLAIM_TIMEOUT = dt.timedelta(minutes=15)


def message_enqueue(
    *,
    key: str,
    category: str,
    to: str,
    language: str,
    context: Mapping[str, Any],
    student_id: int | None = None,
    attachments: Sequence[Mapping[str, str]] = (),
) -> OutboxMessage | None:
    """Queue one message under a dedupe key; ``None`` when that key was queued before (never twice).

    Must run inside the caller's transaction, so the message exists if and only if the change does.
    """
    if category not in OutboxMessage.Category.values:
        raise ValueError(f"unknown mail category {category!r}")
    try:
        # A savepoint, so a duplicate key does not spoil the caller's transaction.
        with transaction.atomic():
            return OutboxMessage.objects.create(
                dedupe_key=key,
                category=category,
                to_email=to,
                language=language if language in ("vi", "en") else "vi",
                context=dict(context),
                student_id=student_id,
                attachments=[dict(a) for a in attachments],
            )
    except IntegrityError:
        if OutboxMessage.objects.filter(dedupe_key=key).exists():
            return None
        raise


@dataclass(frozen=True, slots=True)
class Mail:
    """One message for ``messages_enqueue``: ``message_enqueue``'s arguments."""

    key: str
    category: str
    to: str
    language: str
    context: Mapping[str, Any]
    student_id: int | None = None
    attachments: Sequence[Mapping[str, str]] = ()


ENQUEUE_BATCH = 1000


def copy_insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    conflict: str = "",
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """``INSERT INTO model's table (columns) … [conflict] [RETURNING returning]`` for many rows, on
    PostgreSQL: the rows go through COPY into a temporary table, then one ``INSERT … SELECT`` in the order
    given (so primary keys follow it, as with ``bulk_create``). Values as the database takes them (JSON as
    text). Returns the ``returning`` columns of the rows inserted.

    Why: Django binds parameters on the client, quoting each one in Python; for a province's mail
    (hundreds of thousands of rows with a JSON context each) that quoting was most of the cost of
    queueing it. COPY sends the rows as they are."""
    if connection.vendor != "postgresql":
        raise NotImplementedError("copy_insert is for PostgreSQL; use bulk_create elsewhere")
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    staging = f"_copy_{uuid.uuid4().hex[:12]}"
    tail = f" RETURNING {', '.join(connection.ops.quote_name(c) for c in returning)}" if returning else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
            f"SELECT 0::bigint AS _position, {names} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {staging} (_position, {names}) FROM STDIN") as copy:
            for position, row in enumerate(rows):
                copy.write_row((position, *row))
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging} ORDER BY _position {conflict}{tail}"
        )
        inserted = cursor.fetchall() if returning else []
        cursor.execute(f"DROP TABLE {staging}")
    return [tuple(row) for row in inserted]


def tables_analyze(*model_classes: type[models.Model]) -> None:
    """Refresh PostgreSQL's statistics of these tables after a bulk write, once the caller's transaction
    commits (at once outside one); nothing elsewhere.

    Why: a province's round replaces a million rows at once, and until autovacuum's next pass (a minute
    at best, never where it is off) the planner still sees the old row counts: the week's digests then
    read each chunk's matches by scanning the whole table, twice as slow as by the student index."""
    if connection.vendor != "postgresql" or not model_classes:
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in model_classes)

    def analyze() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")

    transaction.on_commit(analyze)


_OUTBOX_COLUMNS = (
    "dedupe_key", "category", "student_id", "to_email", "language", "context", "attachments", "status",
    "attempts", "next_attempt_at", "provider_message_id", "last_error", "created_at", "updated_at",
)  # fmt: skip


def messages_insert(mails: Sequence[Mail]) -> set[str]:
    """Insert these messages, each key once, skipping a key queued before; returns the keys this call
    queued. Must run inside the caller's transaction.

    On PostgreSQL through COPY (``copy_insert``), ``ON CONFLICT DO NOTHING``: a key another transaction is
    queueing at the same moment waits for it and is then skipped, so the keys returned are exactly ours.
    Elsewhere (SQLite, one writer at a time) the keys already there are read first."""
    unique: dict[str, Mail] = {}
    for mail in mails:
        if mail.category not in OutboxMessage.Category.values:
            raise ValueError(f"unknown mail category {mail.category!r}")
        unique.setdefault(mail.key, mail)
    if not unique:
        return set()
    if connection.vendor == "postgresql":
        stamp = timezone.now()
        rows = (
            (
                m.key, m.category, m.student_id, m.to, m.language if m.language in ("vi", "en") else "vi",
                json.dumps(dict(m.context)), json.dumps([dict(a) for a in m.attachments]), Status.PENDING,
                0, stamp, "", "", stamp, stamp,
            )  # fmt: skip
            for m in unique.values()
        )
        conflict = "ON CONFLICT (dedupe_key) DO NOTHING"
        inserted = copy_insert(OutboxMessage, _OUTBOX_COLUMNS, rows, conflict=conflict, returning=["dedupe_key"])
        return {key for (key,) in inserted}
    known = set(OutboxMessage.objects.filter(dedupe_key__in=list(unique)).values_list("dedupe_key", flat=True))
    fresh = [m for key, m in unique.items() if key not in known]
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                dedupe_key=m.key,
                category=m.category,
                to_email=m.to,
                language=m.language if m.language in ("vi", "en") else "vi",
                context=dict(m.context),
                student_id=m.student_id,
                attachments=[dict(a) for a in m.attachments],
            )
            for m in fresh
        ],
        ignore_conflicts=True,
    )
    return {m.key for m in fresh}


def messages_enqueue(mails: Iterable[Mail]) -> int:
    """``message_enqueue`` for many messages: a key queued before (or twice in ``mails``) is skipped, the
    rest are inserted in batches (``messages_insert``). Returns how many were queued. Must run inside the
    caller's transaction."""
    queued = 0
    batch: list[Mail] = []
    for mail in mails:
        batch.append(mail)
        if len(batch) >= ENQUEUE_BATCH:
            queued += len(messages_insert(batch))
            batch.clear()
    if batch:
        queued += len(messages_insert(batch))
    return queued


@dataclass
class RelayReport:
    transport: str
    sent: int = 0
    suppressed: int = 0
    failed: int = 0
    retrying: int = 0
    unknown: int = 0
    recovered: int = 0
    requests: int = 0
    halted: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def backoff(attempts: int) -> dt.timedelta:
    """Exponential back-off with jitter: 30 s, 1 min, 2 min, … capped at an hour, each scaled by a random
    factor in [0.5, 1] so that a crowd of failed rows does not come back in the same second. The first
    step is OUTBOX_RETRY_BASE seconds (default 30)."""
    base = dt.timedelta(seconds=getattr(settings, "OUTBOX_RETRY_BASE", BACKOFF_BASE.seconds))
    ceiling = min(BACKOFF_CAP, base * 2 ** max(attempts - 1, 0))
    return ceiling * random.uniform(0.5, 1.0)


def outbox_recover(*, timeout: dt.timedelta | None = None) -> int:
    """Release rows left in ``sending`` by a worker that died; returns how many.

    The rule: a row whose request had not started goes back to ``pending`` (SendGrid never saw it, and its
    old worker can no longer start it, since starting re-checks the claim); a row whose request had
    started becomes ``unknown`` (SendGrid may have it: resending could mail it twice). An unknown row
    becomes ``sent`` when the Event Webhook reports on it, or when its worker's late answer comes back.
    """
    if timeout is None:
        timeout = dt.timedelta(
            seconds=getattr(settings, "OUTBOX_CLAIM_TIMEOUT", DEFAULT_CLAIM_TIMEOUT.seconds)
        )
    stamp = timezone.now()
    stale = OutboxMessage.objects.filter(status=Status.SENDING, claimed_at__lt=stamp - timeout)
    released = stale.filter(request_started_at__isnull=True).update(
        status=Status.PENDING, claim_token=None, claimed_at=None, updated_at=stamp
    )
    lost = stale.filter(request_started_at__isnull=False).update(
        status=Status.UNKNOWN,
        last_error="the worker stopped during the request: SendGrid may or may not have this message",
        updated_at=stamp,
    )
    if released or lost:
        logger.warning("outbox: recovered %d abandoned rows to pending, %d to unknown", released, lost)
    return released + lost


def outbox_relay(
    *, now: dt.datetime | None = None, transport: Transport | None = None, limit: int | None = None
) -> RelayReport:
    """Send what is due at ``now`` (default: the current time) and record each outcome on its row."""
    now = now or timezone.now()
    transport = transport or transport_from_settings()
    report = RelayReport(transport=transport.describe())
    report.recovered = outbox_recover()
    claimed_total = 0
    while limit is None or claimed_total < limit:
        size = CLAIM_SIZE if limit is None else min(CLAIM_SIZE, limit - claimed_total)
        token = uuid.uuid4()
        ids = _claim(now=now, token=token, size=size)
        if not ids:
            break
        claimed_total += len(ids)
        halt = _deliver(ids=ids, token=token, now=now, transport=transport, report=report)
        if halt:
            report.halted = halt
            break
    return report


def _claim(*, now: dt.datetime, token: uuid.UUID, size: int) -> list[int]:
    with transaction.atomic():
        due = OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
        # skip_locked: two relays running at once claim different rows instead of waiting on each other.
        ids = list(
            due.order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:size]
        )
        if ids:
            stamp = timezone.now()
            OutboxMessage.objects.filter(id__in=ids, status=Status.PENDING).update(
                status=Status.SENDING,
                claim_token=token,
                claimed_at=stamp,
                request_started_at=None,
                updated_at=stamp,
            )
    return ids


def _ours(ids: Iterable[int], token: uuid.UUID) -> Any:
    # Every write after the claim is conditional on still holding it: a recovery may have taken the row.
    return OutboxMessage.objects.filter(
        id__in=list(ids), claim_token=token, status__in=[Status.SENDING, Status.UNKNOWN]
    )


def _finish(ids: Iterable[int], token: uuid.UUID, **fields: Any) -> int:
    return _ours(ids, token).update(updated_at=timezone.now(), **fields)


def _deliver(
    *, ids: list[int], token: uuid.UUID, now: dt.datetime, transport: Transport, report: RelayReport
) -> str:
    """Check, render and send one claim. Returns why the run must stop, or ""."""
    messages = list(
        OutboxMessage.objects.filter(id__in=ids, claim_token=token, status=Status.SENDING).select_related(
            "student"
        )
    )
    consented = set(
        GuardianConsent.objects.filter(
            student_id__in={m.student_id for m in messages if m.student_id}, withdrawn_at__isnull=True
        ).values_list("student_id", flat=True)
    )
    suppressions: dict[str, set[str]] = defaultdict(set)
    for email, reason in Suppression.objects.filter(
        email__in={m.to_email.lower() for m in messages}
    ).values_list("email", "reason"):
        suppressions[email].add(reason)

    today = timezone.localdate(now)
    blocked: dict[str, list[int]] = defaultdict(list)
    envelopes: list[Envelope] = []
    for message in messages:
        reason = message.block_reason(
            consent_active=message.student_id in consented,
            suppressions=suppressions.get(message.to_email.lower(), set()),
            today=today,
        )
        if reason:
            blocked[reason].append(message.pk)
            continue
        try:
            envelopes.append(envelope_render(message))
        except Exception as error:  # a template bug must fail this row, not the whole claim
            logger.exception("outbox: cannot render message %s", message.pk)
            report.failed += _finish(
                [message.pk], token, status=Status.FAILED, last_error=f"cannot render: {error}"
            )
    for reason, blocked_ids in blocked.items():
        report.suppressed += _finish(blocked_ids, token, status=Status.SUPPRESSED, last_error=reason)

    requests = transport.plan(envelopes)
    for position, request in enumerate(requests):
        outcome = _send(request, token=token, now=now, transport=transport, report=report)
        if outcome is not None and outcome.halt:
            rest = [e.outbox_id for later in requests[position + 1 :] for e in later]
            retry_at = _retry_time(outcome, now=now, attempts=1)
            _finish(
                rest,
                token,
                status=Status.PENDING,
                claim_token=None,
                claimed_at=None,
                next_attempt_at=retry_at,
            )
            return outcome.error or outcome.kind
    return ""


def _retry_time(outcome: Outcome, *, now: dt.datetime, attempts: int) -> dt.datetime:
    if outcome.kind == "rate_limited":
        # Not before SendGrid's reset, and never in the past (a missing or stale header).
        return max(outcome.retry_at or now + dt.timedelta(seconds=60), now + dt.timedelta(seconds=1))
    return now + backoff(attempts)


def _start(ids: list[int], token: uuid.UUID) -> set[int]:
    """Record that a request is about to go out for these rows, and return those still ours.

    Committed before the request, so that a recovery after a crash knows SendGrid may have them.
    """
    with transaction.atomic():
        mine = list(
            _ours(ids, token).filter(status=Status.SENDING).select_for_update().values_list("id", flat=True)
        )
        stamp = timezone.now()
        OutboxMessage.objects.filter(id__in=mine).update(
            request_started_at=stamp, attempts=F("attempts") + 1, updated_at=stamp
        )
    return set(mine)


def _send(
    request: list[Envelope], *, token: uuid.UUID, now: dt.datetime, transport: Transport, report: RelayReport
) -> Outcome | None:
    """Send one planned request and record the outcome on its rows; ``None`` if none was still ours."""
    while True:
        started = _start([e.outbox_id for e in request], token)
        request = [e for e in request if e.outbox_id in started]
        if not request:
            return None
        ids = [e.outbox_id for e in request]
        outcome = transport.send(request)
        report.requests += 1
        if outcome.kind != "rejected":
            break
        named = outcome.rejected
        guilty = ids if named is None else [ids[i] for i in sorted(named) if i < len(ids)] or ids
        report.failed += _finish(guilty, token, status=Status.FAILED, last_error=outcome.error)
        # A 400 rejects the whole request, so SendGrid has none of the others: send them again without
        # the guilty ones. Every round removes at least one row, so this ends.
        request = [e for e in request if e.outbox_id not in guilty]
        if not request:
            return outcome
    if outcome.kind == "accepted":
        report.sent += _finish(
            ids,
            token,
            status=Status.SENT,
            sent_at=timezone.now(),
            provider_message_id=outcome.message_id,
            last_error="",
        )
    elif outcome.kind == "unknown":
        report.unknown += _finish(ids, token, status=Status.UNKNOWN, last_error=outcome.error)
    else:  # rate_limited or retry
        attempts = max(_ours(ids, token).values_list("attempts", flat=True), default=1)
        if outcome.kind == "retry" and attempts >= MAX_ATTEMPTS:
            report.failed += _finish(ids, token, status=Status.FAILED, last_error=f"gave up: {outcome.error}")
        else:
            report.retrying += _finish(
                ids,
                token,
                status=Status.PENDING,
                claim_token=None,
                claimed_at=None,
                next_attempt_at=_retry_time(outcome, now=now, attempts=attempts),
                last_error=outcome.error,
            )
    return outcome
