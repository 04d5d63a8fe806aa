"""Rounds an organiser starts over the API. A scheduling round is one call of the scheduler's service;
this task only records on its job row that it ran and what it reported."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from celery import shared_task
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from rounds.models import RoundJob


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, set | frozenset):
            return sorted(o)
        return super().default(o)


@shared_task(name="rounds.tasks.schedule_round", ignore_result=True, acks_late=True)
def schedule_round(*, job_id: int) -> None:
    """Run the scheduling round of a queued job. Safe to run twice: only a queued job is claimed."""
    from scheduler.services import round_schedule

    claimed = RoundJob.objects.filter(pk=job_id, status=RoundJob.Status.QUEUED).update(
        status=RoundJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    job = RoundJob.objects.get(pk=job_id)
    try:
        report = round_schedule(mode=job.mode)
    except Exception as error:
        RoundJob.objects.filter(pk=job_id).update(
            status=RoundJob.Status.FAILED, error=repr(error)[:2000], finished_at=timezone.now()
        )
        raise
    # The report's numbers and its fairness figures, made JSON-safe (sets, dates) on the way.
    data = json.loads(json.dumps(dataclasses.asdict(report), cls=_Encoder))
    RoundJob.objects.filter(pk=job_id).update(
        status=RoundJob.Status.DONE, report=data, finished_at=timezone.now()
    )
