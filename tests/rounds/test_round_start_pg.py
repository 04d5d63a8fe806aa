"""Starting rounds on PostgreSQL with real concurrent transactions: two starts give one round."""

from __future__ import annotations

import pytest

from accounts.models import User
from rounds.models import RoundJob
from rounds.services import RoundBusy, round_start
from tests.scheduler.test_concurrency_pg import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queued_only(settings):
    """A broker nobody consumes (kombu's in-memory transport): the scheduling task and the shards stay
    queued, so both starts see the first round still active, however fast the machine."""
    from celery import current_app

    settings.CELERY_BROKER_URL = "memory://"
    saved = current_app.conf.broker_url, current_app.conf.task_always_eager
    current_app.conf.broker_url, current_app.conf.task_always_eager = "memory://", False
    yield
    current_app.conf.broker_url, current_app.conf.task_always_eager = saved


@pytest.mark.parametrize("kind", ["scheduling", "matchmaking"])
def test_two_organisers_starting_a_round_at_once_get_one_round_and_one_refusal(kind, queued_only):
    organisers = [User.objects.create(username=f"org{i}", role=User.Role.ORGANISER) for i in range(2)]

    results = at_once([lambda o=o: round_start(kind=kind, requested_by=o) for o in organisers])

    assert sum(isinstance(r, RoundJob) for r in results) == 1
    assert sum(isinstance(r, RoundBusy) for r in results) == 1
    assert RoundJob.objects.filter(kind=kind).count() == 1
