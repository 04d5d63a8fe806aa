"""matchmaking.broker: with a broker and no worker, a caller learns it in seconds; with a real worker on Redis
it hears the worker answer."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import translation

from matchmaking.broker import broker_reachable, workers_reachable

from .conftest import ROOT, clean_env, once_per_run

pytestmark = once_per_run


# Redis database 12 is this area's (the other suites use 15); override for another machine.
REDIS_URL = os.environ.get("OPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")


def redis_up() -> bool:
    parts = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=2):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(
    not redis_up() and os.environ.get("REQUIRE_SERVICES") != "1", reason=f"Redis not reachable at {REDIS_URL}"
)


@pytest.fixture
def broker(settings: Any) -> str:
    settings.CELERY_BROKER_URL = REDIS_URL
    return REDIS_URL


@pytest.fixture
def worker(broker: str, tmp_path: Any) -> Iterator[str]:
    name = f"ops-test-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-n", name,
         "-Q", f"ops-test-{uuid.uuid4().hex[:8]}", "--without-gossip", "--without-mingle", "-l", "WARNING"],
        cwd=ROOT, env=clean_env(CELERY_BROKER_URL=broker), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield name
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


def test_without_a_broker_tasks_run_here_and_nothing_needs_asking(settings: Any) -> None:
    settings.CELERY_BROKER_URL = ""
    assert workers_reachable(timeout=1).ok
    assert broker_reachable(timeout=1).ok


def test_an_unreachable_broker_is_reported_at_once_without_its_password(settings: Any) -> None:
    settings.CELERY_BROKER_URL = "redis://:hunter2@127.0.0.1:1/12"  # nothing listens on port 1
    started = time.monotonic()
    with translation.override("en"):
        reach = workers_reachable(timeout=1)
    assert time.monotonic() - started < 5
    assert not reach.ok
    assert "could not be reached" in reach.message and "celery -A config worker" in reach.message
    assert "hunter2" not in reach.message
    with translation.override("vi"):
        reach = workers_reachable(timeout=1)
    assert "không kết nối được" in reach.message and "celery -A config worker" in reach.message


@needs_redis
def test_a_broker_with_no_worker_is_reported_within_the_timeout(broker: str) -> None:
    started = time.monotonic()
    with translation.override("en"):
        reach = workers_reachable(timeout=1)
    elapsed = time.monotonic() - started
    assert not reach.ok and reach.workers == ()
    assert "no Celery worker answered within 1 s" in reach.message
    assert elapsed < 5, elapsed
    assert broker_reachable(timeout=1).ok


@needs_redis
def test_a_running_worker_answers(worker: str) -> None:
    deadline = time.monotonic() + 60
    reach = workers_reachable(timeout=1)
    while not reach.ok and time.monotonic() < deadline:  # the worker takes a few seconds to start
        reach = workers_reachable(timeout=1)
    assert reach.ok, reach.message
    assert worker in reach.workers
