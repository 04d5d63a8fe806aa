"""Background work of matchmaking: shard tasks for `matchmake` and the weekly digest job."""
from __future__ import annotations

import logging
from contextlib import suppress

from celery import Task, shared_task

from matchmaking.digests import digests_send as _digests_send
from notifications.tasks import outbox_relay

logger = logging.getLogger(__name__)


# A shard interrupted by the database going away runs again after 1, 2, 4 … 60 s: about five minutes
# of retries before the round is given up as failed.
DATABASE_RETRIES = 10


def retry_delay(retries: int) -> int:
    return int(min(2**retries, 60))


@shared_task(
    bind=True, name="matchmaking.tasks.round_shard", ignore_result=True, acks_late=True, max_retries=DATABASE_RETRIES
)
def round_shard(self: Task, *, round_id: int, shard: int) -> None:
    """One shard of a matchmaking round. Safe to run twice (its staged rows are replaced)."""
    from matchmaking.services import DATABASE_GONE, round_fail, round_shard_run

    try:
        round_shard_run(round_id=round_id, shard=shard)
    except DATABASE_GONE as error:
        # Its transaction rolled back with the connection: without a retry the round would never
        # complete (nor fail: it would block the next round until ROUND_TIMEOUT).
        if self.request.retries >= DATABASE_RETRIES:
            with suppress(*DATABASE_GONE):
                round_fail(round_id=round_id, error=f"the database stayed unreachable: {error!r}")
            raise
        logger.warning("round %s shard %s: the database went away (%s); retrying", round_id, shard, error)
        raise self.retry(exc=error, countdown=retry_delay(self.request.retries)) from None


# --- The weekly digest ----------------------------------------------------------------------------


@shared_task(name="matchmaking.tasks.digests_send", ignore_result=True)
def digests_send() -> dict[str, object]:
    """Celery beat, weekly: queue the digests, then ask the relay to send them. Safe to run twice."""
    report = _digests_send()
    if report.enqueued:
        outbox_relay.delay()
    return report.as_dict()
