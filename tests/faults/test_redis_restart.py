"""Redis (the broker and, as in production, the cache) crashes and comes back while students book seats
over the API: every booking answered 201 is stored, none beyond a session's capacity, and each booking's
confirmation reaches SendGrid exactly once, through a worker that reconnects by itself (or, in the one
case where kombu ends it, the one the supervisor starts again: ``_supervise``). A round started
during the outage fails at once, and the next one runs."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerUnreachable
from rest_framework.test import APIClient

from accounts.models import User
from notifications.models import OutboxMessage
from notifications.tasks import outbox_relay
from rounds.models import ACTIVE, RoundJob
from rounds.services import jobs_settle, round_start
from scheduler.models import Booking
from tests import factories as f

from .conftest import Stack, wait_for

# django_db: the suite's test database exists (the private one is copied from it); the test itself runs on
# the private one (the stack fixture).
pytestmark = [pytest.mark.fault, pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
CAPACITY = 4
SESSIONS = 3
STUDENTS = 24  # eight bookers for each session of four seats


def _supervise(stack: Stack) -> None:
    """What compose.yaml's `restart: unless-stopped` does for the worker service. A worker reconnects by
    itself, except in one case that is kombu's: when the broker vanishes while the worker acknowledges a
    task, restoring the unacknowledged messages fails ("Unrecoverable error: AttributeError ... 'hostname'"
    in ``restore_unacked``) and the worker exits (it did once in three CI runs). Any other exit fails the
    test; that one is restarted, as in production, and nothing may be sent twice for it."""
    n = len(stack.workers) - 1
    if stack.workers[n].poll() is None:
        return
    log = stack.worker_log(n)
    assert "Unrecoverable error" in log and "restore_unacked" in log, log[-3000:]
    stack.start_worker()


def _sign_in(user: User, address: str) -> APIClient:
    client = APIClient(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
    answer = client.post(reverse("api:auth-token"), {"username": user.username, "password": PASSWORD}, format="json")
    assert answer.status_code == 200, answer.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    return client


def _book(clients: list[tuple[APIClient, int]]) -> list[tuple[int, int, Any]]:
    """Book concurrently (four at a time, as four web processes would); (session, status, body) each."""

    def one(pair: tuple[APIClient, int]) -> tuple[int, int, Any]:
        client, session = pair
        try:
            answer = client.post(reverse("api:booking-list"), {"session": session}, format="json")
            return session, answer.status_code, answer.json()
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, clients))


def test_bookings_go_on_through_a_redis_crash_and_every_confirmation_is_sent_once(stack: Stack) -> None:
    opportunity = f.OpportunityFactory(title="Tham quan nhà máy")
    sessions = [
        f.SessionFactory(opportunity=opportunity, capacity=CAPACITY, starts_at=f.OCT1 + dt.timedelta(days=d))
        for d in range(SESSIONS)
    ]
    school = f.SchoolFactory()
    users = [
        f.UserFactory(
            role=User.Role.STUDENT,
            student=f.StudentFactory(school=school, birth_date=dt.date(2006, 1, 1)),  # adults: no consent needed
        )
        for _ in range(STUDENTS)
    ]
    clients = [(_sign_in(u, f"10.0.{n // 200}.{n % 200 + 1}"), sessions[n % SESSIONS].pk) for n, u in enumerate(users)]
    stack.start_worker()
    wait_for(lambda: "ready." in stack.worker_log(0), "the worker to be ready")
    third = STUDENTS // 3

    answers = _book(clients[:third])
    stack.redis.crash()
    # Celery beat's tick for the relay cannot reach the broker: that tick is lost, the mail is not (it is
    # in the outbox table).
    with pytest.raises(BrokerUnreachable):
        outbox_relay.delay()
    answers += _book(clients[third : 2 * third])  # no booking needs Redis
    # Signing in counts attempts in the cache: while it is away the answer is a JSON 503 with Retry-After,
    # neither a 500 nor an attempt let through uncounted.
    late = APIClient(REMOTE_ADDR="10.1.0.1", HTTP_ACCEPT_LANGUAGE="en")
    login = {"username": users[0].username, "password": PASSWORD}
    refused = late.post(reverse("api:auth-token"), login, format="json")
    assert refused.status_code == 503 and refused["Retry-After"] == "30", refused.content
    assert "try again" in refused.json()["detail"]
    # A round started meanwhile (the organiser's page calls this service) cannot queue its tasks: the job
    # says so at once, instead of staying queued and refusing every new round for two hours.
    for kind in (RoundJob.Kind.MATCHMAKING, RoundJob.Kind.SCHEDULING):
        failed = round_start(kind=kind, requested_by=None)
        assert failed.status == RoundJob.Status.FAILED and "could not be queued" in failed.error, failed.error
    stack.redis.start()
    assert late.post(reverse("api:auth-token"), login, format="json").status_code == 200
    answers += _book(clients[2 * third :])
    outbox_relay.delay()  # the next tick, on the restarted broker

    statuses = sorted({status for _, status, _ in answers})
    assert statuses == [201, 409], answers
    assert all("full" in body["detail"] for _, status, body in answers if status == 409)
    booked = sorted(body["id"] for _, status, body in answers if status == 201)
    assert booked == sorted(Booking.objects.values_list("pk", flat=True)), "a booking answered 201 was lost"
    assert len(booked) == SESSIONS * CAPACITY
    for session in sessions:
        assert Booking.objects.filter(session=session).active().count() <= CAPACITY

    confirmations = OutboxMessage.objects.filter(category="booking_confirmed")

    def all_sent() -> bool:
        _supervise(stack)
        return confirmations.filter(status=OutboxMessage.Status.SENT).count() == len(booked)

    wait_for(all_sent, "every confirmation to be sent by the reconnected worker", timeout=60)
    assert stack.workers[-1].poll() is None, "no worker is running after the broker's crash"
    keys = sorted(confirmations.values_list("dedupe_key", flat=True))
    assert keys == sorted(f"booking-confirmed:{pk}:0" for pk in booked)  # one each, none lost
    delivered = stack.sendgrid.delivered()
    assert set(delivered) == set(confirmations.values_list("pk", flat=True))
    assert set(delivered.values()) == {1}, "a confirmation reached SendGrid twice"

    # The rounds refused during the outage can be started again at once, and run on the reconnected worker.
    for kind in (RoundJob.Kind.MATCHMAKING, RoundJob.Kind.SCHEDULING):
        job = round_start(kind=kind, requested_by=None)

        def finished(pk: int = job.pk) -> bool:
            jobs_settle()
            return RoundJob.objects.get(pk=pk).status not in ACTIVE

        wait_for(finished, f"the {kind} round after the outage", timeout=60)
        job.refresh_from_db()
        assert job.status == RoundJob.Status.DONE, job.error
