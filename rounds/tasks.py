"""Rounds an organiser starts over the API. A scheduling round is one call of the scheduler's service;
this task only records on its job row that it ran and what it reported."""

from __future__ import annotations

import dataclasses
import json
import logging
from contextlib import suppress
from typing import Any

from celery import Task, shared_task
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from matchmaking.services import DATABASE_GONE
from matchmaking.tasks import DATABASE_RETRIES, retry_delay
from rounds.models import RoundJob

logger = logging.getLogger(__name__)


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, set | frozenset):
            return sorted(o)
        return super().default(o)


@shared_task(
    bind=True, name="rounds.tasks.schedule_round", ignore_result=True, acks_late=True, max_retries=DATABASE_RETRIES
)
def schedule_round(self: Task, *, job_id: int) -> None:
    """Run the scheduling round of a queued job. Safe to run twice: only a queued job is claimed, or the
    job this very task claimed before the database went away (its retries)."""
    from scheduler.services import round_schedule

    now = timezone.now()
    claimed = RoundJob.objects.filter(pk=job_id, status=RoundJob.Status.QUEUED).update(
        status=RoundJob.Status.RUNNING, started_at=now
    )
    if not claimed and self.request.retries:
        claimed = RoundJob.objects.filter(pk=job_id, status=RoundJob.Status.RUNNING).update(started_at=now)
    if not claimed:
        return
    job = RoundJob.objects.get(pk=job_id)
    try:
        report = round_schedule(mode=job.mode)
    except DATABASE_GONE as error:
        # The round is one transaction, rolled back with the connection: nothing of it was written. Without
        # a retry the job would stay "running" and refuse every new round until ROUND_TIMEOUT.
        if self.request.retries >= DATABASE_RETRIES:
            with suppress(*DATABASE_GONE):
                _fail(job_id, f"the database stayed unreachable: {error!r}")
            raise
        logger.warning("scheduling job %s: the database went away (%s); retrying", job_id, error)
        raise self.retry(exc=error, countdown=retry_delay(self.request.retries)) from None
    except Exception as error:
        _fail(job_id, repr(error))
        raise
    # The report's numbers and its fairness figures, made JSON-safe (sets, dates) on the way.
    data = json.loads(json.dumps(dataclasses.asdict(report), cls=_Encoder))
    RoundJob.objects.filter(pk=job_id).update(
        status=RoundJob.Status.DONE, report=data, finished_at=timezone.now()
    )


def _fail(job_id: int, error: str) -> None:
    RoundJob.objects.filter(pk=job_id).update(
        status=RoundJob.Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )
