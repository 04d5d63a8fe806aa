"""`send_digests` with a broker: a real Celery worker builds the week's digests, one task per range of
students, and relays them; a range delivered twice (as Redis does after a worker is lost) queues and
sends nothing twice. Needs PostgreSQL and Redis (the second suite of `make test`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from celery import current_app
from django.core.management import call_command
from django.utils import timezone

from matchmaking import digests
from matchmaking.digests import digest_key, digest_period, digest_ranges
from matchmaking.models import MailedRecommendation
from matchmaking.tasks import digests_chunk
from notifications.models import OutboxMessage
from students.models import Student
from tests import factories as f
from tests.fakes.sendgrid_server import FakeSendGrid

from .test_digests import recommend
from .test_worker import start_worker, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
__all__ = ["start_worker"]  # the fixture, shared with test_worker


@pytest.fixture
def queue() -> Iterator[str]:
    """Every task to a queue of this test's own (the settings' queues are shared by every run on the
    broker); update() makes Celery rebuild its router."""
    name = f"caunoi-test-{uuid.uuid4().hex[:8]}"
    previous = current_app.conf.task_routes
    current_app.conf.update(task_routes={"*": {"queue": name}})
    try:
        yield name
    finally:
        current_app.conf.update(task_routes=previous)


def test_a_worker_builds_and_sends_each_digest_once_even_with_a_range_delivered_twice(
    world: Any,
    fake_sendgrid: FakeSendGrid,
    start_worker: Callable[[str], Any],
    queue: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opportunities = [world.opportunity, *f.OpportunityFactory.create_batch(2, company=world.company)]
    students: list[Student] = [world.student, world.adult] + [
        f.StudentFactory(school=world.school, birth_date=dt.date(2000, 1, 1)) for _ in range(10)
    ]
    for student in students:
        recommend(student, *opportunities)
    monkeypatch.setattr(digests, "TASK_STUDENTS", 5)  # read by the command, in this process
    now = timezone.now()
    ranges = digest_ranges(now=now)
    assert len(ranges) == 3  # (0, 5th], (5th, 10th], (10th, ∞)
    first_range = ranges[0]
    start_worker(queue)

    call_command("send_digests")
    # The first range again, as Redis redelivers a task whose worker died before acknowledging it. The
    # worker takes tasks in order: both copies run before the first relay queued behind them.
    digests_chunk.apply_async(
        kwargs={"now": now.isoformat(), "after": first_range[0], "upto": first_range[1]}, queue=queue
    )

    wait_for(
        lambda: OutboxMessage.objects.filter(category="digest", status="sent").count() == len(students),
        "every digest to be sent",
    )
    period = digest_period(now)
    keys = sorted(OutboxMessage.objects.filter(category="digest").values_list("dedupe_key", flat=True))
    assert keys == sorted(digest_key(s.pk, period) for s in students)  # one each: none lost, none twice
    assert MailedRecommendation.objects.count() == len(opportunities) * len(students)
    delivered = fake_sendgrid.delivered()
    assert set(delivered) == set(OutboxMessage.objects.filter(category="digest").values_list("pk", flat=True))
    assert set(delivered.values()) == {1}, "a digest reached SendGrid twice"
