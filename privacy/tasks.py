"""A school's "invite every student" run, on a worker (``privacy.invitations``)."""

from __future__ import annotations

import logging
from contextlib import suppress

from celery import Task, shared_task

from matchmaking.broker import BROKER_ERRORS
from matchmaking.services import DATABASE_GONE
from matchmaking.tasks import DATABASE_RETRIES, retry_delay

logger = logging.getLogger(__name__)

# A task does this many seconds of a run, then queues the rest as a new task: a school of any size stays
# far from the queue's time limit, and other work on the queue gets its turn between two parts.
RUN_PART_SECONDS = 60.0


@shared_task(
    bind=True,
    name="privacy.tasks.students_invite_run",
    ignore_result=True,
    acks_late=True,
    max_retries=DATABASE_RETRIES,
)
def students_invite_run(self: Task, *, run_id: int) -> None:
    """Do a minute of the run, and queue the rest. Run twice (a redelivery after a lost worker), it
    resumes after the last chunk that committed."""
    from .invitations import run_fail, students_invite_continue

    try:
        run = students_invite_continue(run_id=run_id, budget=RUN_PART_SECONDS)
    except DATABASE_GONE as error:
        # The chunk in hand rolled back with the connection; the ones before it stay done.
        if self.request.retries >= DATABASE_RETRIES:
            with suppress(*DATABASE_GONE):
                run_fail(run_id, f"the database stayed unreachable: {error!r}")
            raise
        logger.warning("invitation run %s: the database went away (%s); retrying", run_id, error)
        raise self.retry(exc=error, countdown=retry_delay(self.request.retries)) from None
    except Exception as error:
        run_fail(run_id, repr(error))
        raise
    if run.active:
        try:
            students_invite_run.delay(run_id=run_id)
        except BROKER_ERRORS as error:
            run_fail(run_id, f"its next part could not be queued (the broker is unreachable): {error!r}")
