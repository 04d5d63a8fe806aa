"""rounds.services: one active round of a kind; finished or lost rounds stop blocking the next."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import User
from matchmaking.models import MatchRound
from rounds.models import RoundJob
from rounds.services import ROUND_TIMEOUT, RoundBusy, jobs_settle, round_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser() -> User:
    return User.objects.create(username="org", role=User.Role.ORGANISER)


def test_a_second_start_while_one_is_queued_is_refused(organiser, settings):
    settings.CELERY_BROKER_URL = "memory://"  # the first round stays queued: no worker takes it
    first = round_start(kind="scheduling", requested_by=organiser, mode="stable")
    assert first.status == RoundJob.Status.QUEUED

    with pytest.raises(RoundBusy):
        round_start(kind="scheduling", requested_by=organiser)
    assert RoundJob.objects.count() == 1


def test_a_round_of_the_other_kind_may_start_meanwhile(organiser, settings):
    settings.CELERY_BROKER_URL = "memory://"
    round_start(kind="scheduling", requested_by=organiser)

    job = round_start(kind="matchmaking", requested_by=organiser, k=5)

    assert job.kind == "matchmaking"
    assert RoundJob.objects.count() == 2


def test_without_a_broker_a_round_runs_to_the_end_and_the_next_may_start(organiser):
    first = round_start(kind="matchmaking", requested_by=organiser, k=5)
    assert first.status == RoundJob.Status.DONE
    assert first.match_round is not None and first.match_round.status == MatchRound.Status.DONE

    second = round_start(kind="matchmaking", requested_by=organiser, k=5)

    assert second.pk != first.pk and second.status == RoundJob.Status.DONE


def test_a_job_whose_worker_was_lost_fails_and_stops_blocking(organiser, settings):
    settings.CELERY_BROKER_URL = "memory://"
    lost = round_start(kind="scheduling", requested_by=organiser)
    RoundJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - ROUND_TIMEOUT - dt.timedelta(minutes=1))

    again = round_start(kind="scheduling", requested_by=organiser)

    lost.refresh_from_db()
    assert lost.status == RoundJob.Status.FAILED and "lost" in lost.error
    assert again.status == RoundJob.Status.QUEUED


def test_settling_copies_a_finished_matchmaking_round_onto_its_job(organiser):
    match_round = MatchRound.objects.create(model_version="default", now=timezone.now())
    job = RoundJob.objects.create(kind="matchmaking", status="running", match_round=match_round)
    assert jobs_settle() == 0  # still running

    MatchRound.objects.filter(pk=match_round.pk).update(status="failed", error="boom")

    assert jobs_settle() == 1
    job.refresh_from_db()
    assert job.status == RoundJob.Status.FAILED and job.error == "boom"
