"""With a broker, `matchmake` splits participants into shards, one Celery task each, run by a real
worker; the published lists equal the single-process run. Needs PostgreSQL and Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import current_app
from django.conf import settings
from django.db import connection
from django.test import override_settings

from matchmaking.models import Match, MatchRound, OpportunityMatch
from matchmaking.services import matchmake

from .test_rounds import NOW, lists, small_world

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[str]:
    """A real `celery worker` on the test database, listening on a queue of its own."""
    queue = f"test-shards-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    credentials = f"{db['USER']}:{db['PASSWORD'] or ''}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
         "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    # The settings route each kind of task to a queue of its own (matchmaking, scheduling, mail), shared
    # by every run on this broker: send them all to this worker's queue instead. update() (not setting
    # the attribute) makes Celery rebuild its router.
    previous = current_app.conf.task_routes
    current_app.conf.update(task_routes={"*": {"queue": queue}})
    try:
        yield queue
    finally:
        current_app.conf.update(task_routes=previous)
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_shards_on_a_real_worker_equal_the_single_process_run(worker: str) -> None:
    small_world()
    with override_settings(CELERY_BROKER_URL=""):
        matchmake(k=3, shards=1, now=NOW)  # in process, the reference
    single = lists()
    single_opportunity_side = sorted(OpportunityMatch.objects.values_list("opportunity_id", "rank", "student_id"))

    summary = matchmake(k=3, shards=3, now=NOW, timeout=120)

    done = MatchRound.objects.get(pk=summary.round_id)
    assert done.shards_total == 3 and done.shards_done == 3 and done.status == MatchRound.Status.DONE
    assert lists() == single
    assert sorted(OpportunityMatch.objects.values_list("opportunity_id", "rank", "student_id")) == (
        single_opportunity_side
    )
    assert Match.objects.count() == sum(len(v) for v in single.values())


def test_the_workers_shards_share_the_english_vectors_through_the_database(worker: str) -> None:
    from matchmaking import services
    from matchmaking.embeddings import english_texts
    from matchmaking.engine.encoder import text_key
    from matchmaking.models import TextEmbedding

    from .test_embeddings import english_world

    english_world()
    summary = matchmake(k=3, shards=2, now=NOW, timeout=120)
    assert MatchRound.objects.get(pk=summary.round_id).status == MatchRound.Status.DONE
    # The worker's process encoded the English texts and stored them for everyone.
    assert set(TextEmbedding.objects.values_list("key", flat=True)) == {text_key(t) for t in english_texts()}
    sharded = lists()

    services._RERANKER = None  # this process has encoded nothing: it reads the worker's vectors
    with override_settings(CELERY_BROKER_URL=""):
        matchmake(k=3, shards=1, now=NOW)
    stage = services.configured_reranker()
    assert stage is not None and stage.cache.encoded == 0
    assert lists() == sharded
