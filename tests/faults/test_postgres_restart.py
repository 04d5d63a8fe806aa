"""The private PostgreSQL restarted (``pg_ctl restart -m fast``: every session terminated, its open
transaction rolled back) while a round is publishing: readers see the old lists or the new ones, never a
mix, and the round's interrupted task runs again and completes the round."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connections
from django.test import override_settings

from matchmaking.models import Match, MatchRound, OpportunityMatch, StagedMatch
from matchmaking.services import matchmake, round_start
from rounds.models import RoundJob
from rounds.services import round_start as job_start
from scheduler.models import Booking
from tests.matchmaking.test_rounds import NOW, lists, small_world

from .conftest import Stack, wait_for

# django_db: the suite's test database exists (the private one is copied from it); the test itself runs on
# the private one (the stack fixture).
pytestmark = [pytest.mark.fault, pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _lists_now() -> dict[str, list[tuple[str, int, float]]]:
    connections.close_all()  # this process's connection died with the server
    return lists()


def test_a_restart_of_postgresql_while_a_round_publishes_leaves_no_half_and_the_round_completes(
    stack: Stack,
) -> None:
    small_world()
    with override_settings(CELERY_BROKER_URL=""):
        matchmake(k=3, shards=1, now=NOW)
        new = lists()  # what the round under test must publish
        matchmake(k=1, shards=1, now=NOW)  # shorter lists: old and new differ
    old = lists()
    assert old != new
    stack.start_worker()

    lock = stack.pg.connect()
    try:
        # The shard that completes the round publishes in its own transaction: it replaces the lists, and
        # this lock stops it there, with its staged rows and shard count written but not committed.
        lock.execute("BEGIN")
        lock.execute(f"LOCK TABLE {Match._meta.db_table} IN EXCLUSIVE MODE")
        match_round = round_start(k=3, shards=3, now=NOW)
        wait_for(lambda: stack.sessions_waiting_on_a_lock() >= 1, "the last shard to start publishing", timeout=60)
        assert MatchRound.objects.get(pk=match_round.pk).shards_done == 2
        stack.pg.restart("fast")
    finally:
        try:
            lock.close()
        except psycopg.Error:
            pass

    during = _lists_now()
    assert during in (old, new), "readers saw a half-published round"
    wait_for(
        lambda: MatchRound.objects.values_list("status", flat=True).get(pk=match_round.pk) != "running",
        "the round to finish after the restart",
        timeout=60,
    )
    done = MatchRound.objects.get(pk=match_round.pk)
    assert done.status == MatchRound.Status.DONE, f"{done.status}: {done.error}"
    assert done.shards_done == 3
    assert lists() == new
    assert Match.objects.count() == sum(len(v) for v in new.values())
    assert OpportunityMatch.objects.exists() and not StagedMatch.objects.exists()


def test_a_restart_of_postgresql_during_a_scheduling_round_leaves_no_proposal_and_the_round_runs_again(
    stack: Stack,
) -> None:
    small_world()
    with override_settings(CELERY_BROKER_URL=""):
        matchmake(k=3, shards=1, now=NOW)
    stack.start_worker()

    lock = stack.pg.connect()
    try:
        # The round writes its proposals in one transaction; this lock stops the first write.
        lock.execute("BEGIN")
        lock.execute(f"LOCK TABLE {Booking._meta.db_table} IN EXCLUSIVE MODE")
        job = job_start(kind=RoundJob.Kind.SCHEDULING, requested_by=None)
        wait_for(lambda: stack.sessions_waiting_on_a_lock() >= 1, "the scheduling round to write", timeout=60)
        stack.pg.restart("fast")
    finally:
        try:
            lock.close()
        except psycopg.Error:
            pass

    connections.close_all()
    wait_for(
        lambda: RoundJob.objects.values_list("status", flat=True).get(pk=job.pk) in ("done", "failed"),
        "the scheduling job to finish after the restart",
        timeout=60,
    )
    finished = RoundJob.objects.get(pk=job.pk)
    assert finished.status == RoundJob.Status.DONE, finished.error
    proposed = Booking.objects.filter(status=Booking.Status.PROPOSED)
    assert proposed.exists()
    assert finished.report["proposed"] == proposed.count()
