"""A real Celery worker, killed with SIGKILL in the middle of a relay batch, then restarted: nothing is
lost and nothing reaches SendGrid twice. Needs PostgreSQL and Redis (the second suite of `make test`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from notifications.models import OutboxMessage
from notifications.tasks import outbox_relay
from tests.fakes.sendgrid_server import Answer, FakeSendGrid

from .conftest import ICS, enqueue

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
Status = OutboxMessage.Status


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def start_worker(
    fake_sendgrid: FakeSendGrid, tmp_path: Path
) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    """Start `celery -A config worker` on the test database, a private queue and the fake SendGrid."""
    db = connection.settings_dict
    credentials = f"{db['USER']}:{db['PASSWORD'] or ''}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
        "DATABASE_URL": f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "SENDGRID_API_KEY": "SG.fake-key-for-tests",
        "SENDGRID_API_HOST": fake_sendgrid.url,
    }
    workers: list[subprocess.Popen[bytes]] = []

    def start(queue: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"worker-{len(workers)}.log").open("wb")
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "-n",
                f"{queue}-{len(workers)}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "WARNING",
            ],
            cwd=ROOT,
            env={**env, "TEST_WORKER_QUEUE": queue},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


def test_a_worker_killed_mid_batch_and_restarted_loses_nothing_and_sends_nothing_twice(
    world: Any, fake_sendgrid: FakeSendGrid, start_worker: Callable[[str], Any]
) -> None:
    # Twelve confirmations (one request each, for their .ics) and a batch of five digests (one request).
    messages = [
        enqueue(
            f"booking-confirmed:{i}",
            category="booking_confirmed",
            to=f"p{i}@mail.example.vn",
            student=world.adult,
            attachments=[ICS],
        )
        for i in range(12)
    ] + [enqueue(f"digest:{i}:w", to=f"d{i}@mail.example.vn", student=world.adult) for i in range(5)]
    in_flight = threading.Event()
    # SendGrid answers three requests, then holds the fourth until the worker is dead.
    fake_sendgrid.script(Answer(202), Answer(202), Answer(202), Answer(202, hold=in_flight))
    queue = f"caunoi-test-{uuid.uuid4().hex[:8]}"

    first = start_worker(queue)
    outbox_relay.apply_async(queue=queue)
    wait_for(lambda: len(fake_sendgrid.requests) == 4, "the fourth request")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    in_flight.set()

    statuses = dict(OutboxMessage.objects.values_list("pk", "status"))
    assert sorted(statuses.values()).count(Status.SENT) == 3
    assert sorted(statuses.values()).count(Status.SENDING) == len(messages) - 3

    time.sleep(1.2)  # past the worker settings' one-second claim timeout
    start_worker(queue)
    outbox_relay.apply_async(queue=queue)
    wait_for(
        lambda: not OutboxMessage.objects.filter(status__in=[Status.PENDING, Status.SENDING]).exists(),
        "the restarted worker to finish",
    )

    delivered = fake_sendgrid.delivered()
    assert set(delivered) == {m.pk for m in messages}, "a message never reached SendGrid"
    assert set(delivered.values()) == {1}, "a message reached SendGrid twice"
    final = dict(OutboxMessage.objects.values_list("pk", "status"))
    # The one in flight when the worker died is unknown (SendGrid had it; we could not know): never resent.
    assert sorted(final.values()).count(Status.UNKNOWN) == 1
    assert sorted(final.values()).count(Status.SENT) == len(messages) - 1
    held = fake_sendgrid.requests[3].outbox_ids
    assert [final[pk] for pk in held] == [Status.UNKNOWN]
