"""Queueing many messages at once (a scheduling round's proposals): the same rules as one at a time."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from notifications.models import OutboxMessage
from notifications.services import ENQUEUE_BATCH, Mail, copy_insert, message_enqueue, messages_enqueue

pytestmark = pytest.mark.django_db


def mail(key: str, **fields: object) -> Mail:
    values: dict = {"category": OutboxMessage.Category.BOOKING_PROPOSED, "to": f"{key}@example.org", "language": "vi",
                    "context": {"n": key}, **fields}  # fmt: skip
    return Mail(key=key, **values)


def test_it_queues_each_key_once_and_skips_the_keys_queued_before():
    assert message_enqueue(key="k1", category=OutboxMessage.Category.BOOKING_PROPOSED, to="a@example.org",
                           language="vi", context={"n": "first"}) is not None  # fmt: skip

    queued = messages_enqueue([mail("k1"), mail("k2"), mail("k2", context={"n": "again"}), mail("k3")])

    assert queued == 2
    rows = {m.dedupe_key: m for m in OutboxMessage.objects.all()}
    assert sorted(rows) == ["k1", "k2", "k3"]
    assert rows["k1"].context == {"n": "first"}  # the earlier message is untouched
    assert rows["k2"].context == {"n": "k2"}  # the first of two with one key wins


def test_it_keeps_what_one_message_at_a_time_would_store():
    attachments = [{"filename": "a.ics", "content": "BEGIN:VCALENDAR", "mimetype": "text/calendar"}]
    messages_enqueue([mail("many", language="fr", attachments=attachments)])
    message_enqueue(key="one", category=OutboxMessage.Category.BOOKING_PROPOSED, to="many@example.org",
                    language="fr", context={"n": "many"}, attachments=attachments)  # fmt: skip

    many, one = OutboxMessage.objects.get(dedupe_key="many"), OutboxMessage.objects.get(dedupe_key="one")
    for field in ("category", "to_email", "language", "context", "attachments", "status", "student_id"):
        assert getattr(many, field) == getattr(one, field), field
    assert many.language == "vi"  # a language the mail is not written in falls back to Vietnamese


def test_it_writes_more_than_one_batch():
    assert messages_enqueue(mail(f"k{i}") for i in range(ENQUEUE_BATCH + 5)) == ENQUEUE_BATCH + 5
    assert OutboxMessage.objects.count() == ENQUEUE_BATCH + 5


def test_it_refuses_an_unknown_category_and_queues_nothing_of_its_batch():
    with pytest.raises(ValueError, match="unknown mail category"):
        messages_enqueue([mail("ok"), mail("bad", category="spam")])
    assert not OutboxMessage.objects.exists()


def test_a_batch_is_stored_as_one_message_at_a_time_would_store_it_with_its_dates():
    before = timezone.now()
    messages_enqueue([mail("dated", student_id=None)])
    message = OutboxMessage.objects.get(dedupe_key="dated")
    assert message.status == "pending" and message.attempts == 0 and message.sent_at is None
    after = timezone.now()
    assert all(before <= d <= after for d in (message.created_at, message.updated_at, message.next_attempt_at))
    assert message.claim_token is None and message.provider_message_id == message.last_error == ""


@pytest.mark.postgres
def test_copy_insert_keeps_the_order_given_applies_the_conflict_clause_and_returns_what_it_inserted():
    messages_enqueue([mail("b")])
    stamp = timezone.now()
    rows = [
        (key, "digest", f"{key}@example.org", "vi", "{}", "[]", "pending", 0, stamp, "", "", stamp, stamp)
        for key in "cba"
    ]
    columns = ("dedupe_key", "category", "to_email", "language", "context", "attachments", "status", "attempts",
               "next_attempt_at", "provider_message_id", "last_error", "created_at", "updated_at")  # fmt: skip

    inserted = copy_insert(
        OutboxMessage, columns, rows, conflict="ON CONFLICT (dedupe_key) DO NOTHING", returning=["dedupe_key", "id"]
    )

    assert [key for key, _ in inserted] == ["c", "a"]  # "b" was there: skipped
    by_key = dict(OutboxMessage.objects.values_list("dedupe_key", "pk"))
    assert by_key["b"] < by_key["c"] < by_key["a"]  # primary keys in the order of the rows given
    assert OutboxMessage.objects.get(dedupe_key="c").context == {}


def test_copy_insert_is_for_postgresql_only(settings):
    if connection.vendor == "postgresql":
        pytest.skip("on SQLite only")
    with pytest.raises(NotImplementedError, match="PostgreSQL"):
        copy_insert(OutboxMessage, ("dedupe_key",), [("x",)])
