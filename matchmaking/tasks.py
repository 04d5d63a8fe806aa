"""Background work of matchmaking: shard tasks for `matchmake` and the weekly digest job."""
from __future__ import annotations

from celery import shared_task

from matchmaking.digests import digests_send as _digests_send
from notifications.tasks import outbox_relay


@shared_task(name="matchmaking.tasks.round_shard", ignore_result=True, acks_late=True)
def round_shard(*, round_id: int, shard: int) -> None:
    """One shard of a matchmaking round. Safe to run twice (its staged rows are replaced)."""
    from matchmaking.services import round_shard_run

    round_shard_run(round_id=round_id, shard=shard)


# --- The weekly digest ----------------------------------------------------------------------------


@shared_task(name="matchmaking.tasks.digests_send", ignore_result=True)
def digests_send() -> dict[str, object]:
    """Celery beat, weekly: queue the digests, then ask the relay to send them. Safe to run twice."""
    report = _digests_send()
    if report.enqueued:
        outbox_relay.delay()
    return report.as_dict()
