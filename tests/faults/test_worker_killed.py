"""A real Celery worker killed with SIGKILL in the middle of a matchmaking shard, and in the middle of the
weekly digest batch: the work is delivered again and completes once; nothing is published by half, no
digest is lost or queued twice, and SendGrid gets each digest once.

Each kill lands inside the task, not near it: the test holds a database lock the task needs next, waits
until PostgreSQL shows the task waiting on it, kills, then lets go.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from matchmaking.digests import CHUNK, digest_key, digest_period
from matchmaking.models import MailedRecommendation, Match, MatchRound, OpportunityMatch, StagedMatch
from matchmaking.services import matchmake, round_start
from matchmaking.tasks import digests_send
from notifications.models import OutboxMessage
from students.models import Student
from tests import factories as f
from tests.matchmaking.test_rounds import NOW, lists, small_world

from .conftest import Stack, pool_children, wait_for

# django_db: the suite's test database exists (the private one is copied from it); the test itself runs on
# the private one (the stack fixture).
pytestmark = [pytest.mark.fault, pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
Status = OutboxMessage.Status


def test_a_worker_process_killed_mid_shard_gives_the_shard_back_and_the_round_publishes_once(stack: Stack) -> None:
    small_world()
    with override_settings(CELERY_BROKER_URL=""):
        matchmake(k=3, shards=1, now=NOW)  # in this process: the lists the round must publish
    reference = lists()
    reference_opportunities = sorted(OpportunityMatch.objects.values_list("opportunity_id", "rank", "student_id"))
    # Redis's visibility timeout as in production (an hour and more): only the worker giving the message
    # back (reject on worker lost) can bring the shard back within the test's wait.
    worker = stack.start_worker(pool="prefork", visibility_timeout=3600)
    wait_for(lambda: len(pool_children(worker)) == 1, "the worker's pool process")

    with stack.pg.connect() as lock:
        # A shard takes the round row, then replaces its staged rows: the table lock stops it right there,
        # inside its transaction.
        lock.execute("BEGIN")
        lock.execute(f"LOCK TABLE {StagedMatch._meta.db_table} IN EXCLUSIVE MODE")
        match_round = round_start(k=3, shards=3, now=NOW)
        wait_for(lambda: stack.sessions_waiting_on_a_lock() >= 1, "a shard to reach the staged rows")
        # The pool process is read now, while it waits on the lock, not at start-up: under load billiard may
        # replace a new process that was slow to report itself up (worker_proc_alive_timeout), and the one
        # seen first is then gone. With one process in the pool, the one there now runs the shard.
        children = pool_children(worker)
        assert len(children) == 1, children
        child = children[0]
        stack.kill_pool_process(child)
        lock.execute("COMMIT")

    # Acknowledged late and rejected when its worker process is lost, the shard's message goes back to
    # the queue; the worker's new pool process runs it.
    wait_for(lambda: _status(match_round.pk) != MatchRound.Status.RUNNING, "the round to finish", timeout=60)
    done = MatchRound.objects.get(pk=match_round.pk)
    assert done.status == MatchRound.Status.DONE, done.error
    assert done.shards_done == 3 and done.stats["done_shards"] == [0, 1, 2]
    assert lists() == reference
    assert sorted(OpportunityMatch.objects.values_list("opportunity_id", "rank", "student_id")) == (
        reference_opportunities
    )
    assert Match.objects.count() == sum(len(v) for v in reference.values())
    assert not StagedMatch.objects.exists()
    log = stack.worker_log(0)
    assert "signal 9 (SIGKILL)" in log, log  # the shard really was running in the process killed
    assert child not in pool_children(worker)


def _status(round_id: int) -> str:
    return MatchRound.objects.values_list("status", flat=True).get(pk=round_id)


def _digest_world(students: int) -> list[int]:
    """Adults who opted in, each with two stored recommendations."""
    school = f.SchoolFactory()
    company = f.CompanyFactory()
    offers = [f.OpportunityFactory(company=company), f.OpportunityFactory(company=company)]
    made = Student.objects.bulk_create(
        [
            Student(
                external_id=f"ST-D{i:04d}",
                school=school,
                full_name=f"Nguyễn Thị {i}",
                email=f"hs{i}@mail.example.vn",
                birth_date=dt.date(2006, 1, 1),
                level=school.level,
                province="ha-noi",
                languages=["vi"],
                email_opt_in=True,
            )
            for i in range(students)
        ]
    )
    Match.objects.bulk_create(
        Match(student=s, opportunity=o, score=0.9 - 0.1 * r, rank=r + 1, reasons=["Cùng tỉnh: Hà Nội"],
              model_version="default")
        for s in made for r, o in enumerate(offers)
    )  # fmt: skip
    return sorted(s.pk for s in made)


@contextmanager
def _key_held(key: str) -> Iterator[None]:
    """Another transaction inserts ``key`` and keeps it uncommitted: whoever inserts it next waits."""
    inserted, release = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                OutboxMessage.objects.create(dedupe_key=key, category="digest", to_email="x@mail.example.vn")
                inserted.set()
                release.wait(timeout=120)
                transaction.set_rollback(True)
        except BaseException as error:  # reported by the main thread
            failure.append(error)
            inserted.set()
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    inserted.wait(timeout=30)
    try:
        assert not failure, failure
        yield
    finally:
        release.set()
        thread.join(timeout=30)


def test_a_worker_killed_mid_digest_batch_queues_and_sends_each_digest_once(stack: Stack) -> None:
    ids = _digest_world(CHUNK + 20)  # two chunks: the first commits before the kill, the second is cut
    period = digest_period(timezone.now())
    first = stack.start_worker()

    with _key_held(digest_key(ids[CHUNK + 5], period)):
        digests_send.delay()
        wait_for(lambda: stack.sessions_waiting_on_a_lock() >= 1, "the digest batch to reach its second chunk")
        queued_before_kill = OutboxMessage.objects.filter(category="digest").count()
        stack.kill_worker(first)
    assert queued_before_kill == CHUNK  # the first chunk, committed; the second rolled back with the kill

    # The killed worker had taken the message and never acknowledged it: Redis gives it to the next worker
    # after the visibility timeout (four seconds in the test's worker settings).
    stack.start_worker()
    wait_for(
        lambda: OutboxMessage.objects.filter(category="digest", status=Status.SENT).count() == len(ids),
        "every digest to be sent",
        timeout=60,
    )
    keys = list(OutboxMessage.objects.filter(category="digest").values_list("dedupe_key", flat=True))
    assert sorted(keys) == sorted(digest_key(i, period) for i in ids)  # one each: none lost, none twice
    delivered = stack.sendgrid.delivered()
    assert set(delivered) == set(OutboxMessage.objects.filter(category="digest").values_list("pk", flat=True))
    assert set(delivered.values()) == {1}, "a digest reached SendGrid twice"
    mailed = MailedRecommendation.objects.filter(student_id__in=ids)
    assert mailed.count() == 2 * len(ids)
    assert set(mailed.values_list("outbox_key", flat=True)) == set(keys)

