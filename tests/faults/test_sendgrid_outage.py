"""SendGrid answers 5xx for a while, then recovers: the worker's relay backs off, the messages wait in
the outbox, and after the recovery each reaches SendGrid exactly once; none is failed, lost or resent."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from notifications.models import OutboxMessage
from notifications.tasks import outbox_relay
from scheduler.services import booking_request
from tests import factories as f
from tests.fakes.sendgrid_server import Answer

from .conftest import Stack, wait_for

# django_db: the suite's test database exists (the private one is copied from it); the test itself runs on
# the private one (the stack fixture).
pytestmark = [pytest.mark.fault, pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
Status = OutboxMessage.Status
OUTAGE = [Answer(500), Answer(503), Answer(502)]


def test_mail_waits_out_a_sendgrid_outage_and_each_message_is_sent_once(stack: Stack) -> None:
    session = f.SessionFactory(capacity=10)
    bookings = [
        booking_request(
            session_id=session.pk,
            student_id=f.StudentFactory(birth_date=dt.date(2006, 1, 1)).pk,
            now=f.OCT1 - dt.timedelta(days=10),
        )
        for _ in range(8)
    ]
    messages = OutboxMessage.objects.filter(category="booking_confirmed")
    assert messages.count() == len(bookings)
    stack.sendgrid.script(*OUTAGE)
    stack.start_worker()

    # Celery beat's relay tick, every half second instead of every minute.
    def all_sent() -> bool:
        if messages.filter(status=Status.SENT).count() == len(bookings):
            return True
        outbox_relay.delay()
        time.sleep(0.5)
        return False

    wait_for(all_sent, "every confirmation to be sent after the outage", timeout=60)

    requests = stack.sendgrid.requests
    assert [r.status for r in requests[: len(OUTAGE)]] == [500, 503, 502]
    # Each 5xx ended its relay run, and its messages waited for their back-off: nothing was hammered.
    assert len(requests) == len(OUTAGE) + len(bookings)
    delivered = stack.sendgrid.delivered()
    assert set(delivered) == set(messages.values_list("pk", flat=True))
    assert set(delivered.values()) == {1}, "a message reached SendGrid twice"
    assert not messages.exclude(status=Status.SENT).exists()
    first = messages.get(pk=requests[0].outbox_ids[0])
    assert first.attempts >= 2 and first.last_error == ""
