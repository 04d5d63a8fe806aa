"""Starting a round, and keeping the job rows true to the work they stand for.

``round_start`` is the one way to start a round from a face: it refuses a second one of the same kind
while one is queued or running. The refusal does not rest on a check-then-insert (two transactions
can both see "nothing running" and both insert): the database's partial unique constraint
``round_job_one_active_per_kind`` admits one active job per kind, and the loser's insert fails.

A matchmaking job follows its ``MatchRound`` (shards finish on workers, and the last one publishes);
``jobs_settle`` copies the round's outcome onto the job. A job still active after ``ROUND_TIMEOUT`` lost
its worker: it is marked failed, so it no longer blocks the next round.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from matchmaking.broker import BROKER_ERRORS
from matchmaking.models import MatchRound
from matchmaking.services import RoundRunning
from matchmaking.services import round_start as match_round_start
from scheduler.models import AllocationMode

from .models import ACTIVE, RoundJob
from .tasks import schedule_round

logger = logging.getLogger(__name__)

ROUND_TIMEOUT = dt.timedelta(hours=2)


class RoundBusy(Exception):
    """A round of this kind is already queued or running; the message says so for a person."""


def jobs_settle(*, now: dt.datetime | None = None) -> int:
    """Bring active jobs up to date: a finished matchmaking round finishes its job; a stale job fails."""
    now = now or timezone.now()
    changed = 0
    active = RoundJob.objects.filter(status__in=ACTIVE).select_related("match_round")
    for job in active:
        match_round = job.match_round
        if match_round is not None and match_round.status != MatchRound.Status.RUNNING:
            status = RoundJob.Status.DONE if match_round.status == MatchRound.Status.DONE else RoundJob.Status.FAILED
            changed += RoundJob.objects.filter(pk=job.pk, status__in=ACTIVE).update(
                status=status, error=match_round.error, finished_at=match_round.finished_at or now
            )
        elif job.created_at < now - ROUND_TIMEOUT:
            changed += RoundJob.objects.filter(pk=job.pk, status__in=ACTIVE).update(
                status=RoundJob.Status.FAILED, error="no progress for too long: the worker was lost", finished_at=now
            )
    return changed


def _schedule_enqueue(*, job_id: int) -> None:
    """After commit: queue the scheduling job's task. A broker that cannot be reached fails the job at
    once, with the reason on it; left queued without a task, it would refuse every new scheduling round
    until ROUND_TIMEOUT."""
    try:
        schedule_round.delay(job_id=job_id)
    except BROKER_ERRORS as error:
        logger.error("scheduling job %s: its task could not be queued: %r", job_id, error)
        RoundJob.objects.filter(pk=job_id, status=RoundJob.Status.QUEUED).update(
            status=RoundJob.Status.FAILED,
            error=f"its task could not be queued (the broker is unreachable): {error!r}"[:2000],
            finished_at=timezone.now(),
        )


def round_start(
    *, kind: str, requested_by: User | None, k: int = 10, mode: str = AllocationMode.OPTIMAL
) -> RoundJob:
    """Start a matchmaking or scheduling round; ``RoundBusy`` if one of that kind is queued or running.

    A scheduling round runs as a task after commit (eagerly without a broker). A matchmaking round's
    shards run on workers with a broker; without one they run here, before this returns.
    """
    if kind not in RoundJob.Kind.values:
        raise ValueError(f"unknown round kind {kind!r}")
    if kind == RoundJob.Kind.SCHEDULING and mode not in AllocationMode.values:
        raise ValueError(f"unknown allocation mode {mode!r}")
    jobs_settle()
    try:
        with transaction.atomic():
            job = RoundJob.objects.create(
                kind=kind,
                k=k if kind == RoundJob.Kind.MATCHMAKING else None,
                mode=mode if kind == RoundJob.Kind.SCHEDULING else "",
                status=RoundJob.Status.RUNNING if kind == RoundJob.Kind.MATCHMAKING else RoundJob.Status.QUEUED,
                requested_by=requested_by,
            )
            if kind == RoundJob.Kind.SCHEDULING:
                transaction.on_commit(lambda: _schedule_enqueue(job_id=job.pk))
    except IntegrityError:
        busy = _("A %(kind)s round is already queued or running.") % {"kind": RoundJob.Kind(kind).label}
        raise RoundBusy(busy) from None
    if kind == RoundJob.Kind.MATCHMAKING:
        try:
            match_round = match_round_start(k=k)
        except RoundRunning as running:  # started from the command line meanwhile: this job never ran
            RoundJob.objects.filter(pk=job.pk).delete()
            raise RoundBusy(str(running)) from None
        except Exception as error:  # the round row says failed too; the job must not stay "running"
            RoundJob.objects.filter(pk=job.pk).update(
                status=RoundJob.Status.FAILED, error=repr(error)[:2000], finished_at=timezone.now()
            )
        else:
            RoundJob.objects.filter(pk=job.pk).update(match_round=match_round, started_at=match_round.started_at)
            jobs_settle()
    job.refresh_from_db()
    return job
