"""Background work of matchmaking: shard tasks for `matchmake` and the weekly digest job."""
from __future__ import annotations

import datetime as dt
import logging
from contextlib import suppress

from celery import Task, shared_task
from django.utils import timezone

from matchmaking.digests import digest_ranges
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


def digests_queue(*, now: dt.datetime | None = None, relay: bool = True, size: int | None = None) -> int:
    """Cut this week's digests into ranges of students, one ``digests_chunk`` task each, and queue them
    for the workers (run in this process when Celery is eager). Returns how many tasks were queued.

    Every task carries the same ``now``, so all of them build the same ISO week's digests, however late one
    runs; with ``relay`` each asks the relay to send what it queued, so sending starts while later ranges
    are still being built."""
    now = now or timezone.now()
    ranges = digest_ranges(now=now, size=size)
    for after, upto in ranges:
        digests_chunk.delay(now=now.isoformat(), after=after, upto=upto, relay=relay)
    return len(ranges)


@shared_task(name="matchmaking.tasks.digests_send", ignore_result=True)
def digests_send() -> dict[str, object]:
    """Celery beat, weekly: queue this week's digests as tasks for the workers (``digests_queue``). Safe to
    run twice: the second run's tasks find every digest queued and queue nothing."""
    return {"tasks": digests_queue()}


@shared_task(name="matchmaking.tasks.digests_chunk", ignore_result=True, acks_late=True)
def digests_chunk(*, now: str, after: int, upto: int | None, relay: bool = True) -> dict[str, object]:
    """The digests of the students with ``after < id <= upto`` for the week of ``now`` (ISO 8601), then the
    relay, if any was queued. Safe to run twice, or redelivered after its worker died: the outbox's dedupe
    key queues each student's digest once."""
    report = _digests_send(now=dt.datetime.fromisoformat(now), after=after, upto=upto)
    if relay and report.enqueued:
        outbox_relay.delay()
    logger.info("digests %s (%s, %s]: %s", report.period, after, upto, report.as_dict())
    return report.as_dict()


@shared_task(name="matchmaking.tasks.texts_embed", ignore_result=True)
def texts_embed() -> dict[str, int]:
    """Encode the English texts edited since the last pass, ahead of the next round (``embeddings``)."""
    from matchmaking.embeddings import texts_embed as _texts_embed

    result = _texts_embed()
    logger.info("texts_embed: %s", result)
    return result
