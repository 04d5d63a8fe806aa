"""The week's digests cut into tasks by ranges of students (``matchmaking.tasks``): the ranges cover every
student, the tasks together queue what one run would, and a task that runs twice queues nothing again.
Celery is eager here (the embedded default): the tasks run in this process."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from matchmaking import digests
from matchmaking.digests import digest_key, digest_period, digest_ranges, digests_send, mailable_students
from matchmaking.models import MailedRecommendation
from matchmaking.tasks import digests_chunk, digests_queue
from matchmaking.tasks import digests_send as digests_send_task
from notifications.models import OutboxMessage
from students.models import Student
from tests import factories as f

from .test_digests import MONDAY, recommend

pytestmark = pytest.mark.django_db


@pytest.fixture
def students(world: Any) -> list[Student]:
    """Ten students who may be mailed, each with recommendations, and two who may not (between them)."""
    opportunities = [world.opportunity, *f.OpportunityFactory.create_batch(3, company=world.company)]
    mailable = [world.student, world.adult]
    for i in range(8):
        mailable.append(f.StudentFactory(school=world.school, birth_date=dt.date(2000, 1, 1)))
        if i in (2, 5):  # ids in the middle of the ranges that nobody may mail
            f.StudentFactory(school=world.school, birth_date=dt.date(2000, 1, 1), email_opt_in=False)
    for student in mailable:
        recommend(student, *opportunities[: 1 + student.pk % 4])
    return sorted(mailable, key=lambda s: s.pk)


def outbox() -> list[tuple[str, str, str, Any, int | None]]:
    return sorted(
        OutboxMessage.objects.filter(category="digest").values_list(
            "dedupe_key", "to_email", "language", "context", "student_id"
        )
    )


def mailed() -> list[tuple[int, int, str]]:
    return sorted(MailedRecommendation.objects.values_list("student_id", "opportunity_id", "outbox_key"))


def test_the_ranges_cover_every_id_with_at_most_size_mailable_students_each(students: list[Student]) -> None:
    ranges = digest_ranges(now=MONDAY, size=3)

    mailable = sorted(mailable_students(today=MONDAY.date()).values_list("pk", flat=True))
    assert mailable == [s.pk for s in students]
    # (0, 3rd], (3rd, 6th], (6th, 9th], (9th, ∞) holding the 10th: contiguous, no id falls between two.
    assert ranges == [(0, mailable[2]), (mailable[2], mailable[5]), (mailable[5], mailable[8]), (mailable[8], None)]
    with pytest.raises(ValueError, match="size must be at least 1"):
        digest_ranges(now=MONDAY, size=0)


def test_a_student_who_became_mailable_after_the_cut_is_in_a_range(students: list[Student]) -> None:
    ranges = digest_ranges(now=MONDAY, size=4)
    late = Student.objects.filter(email_opt_in=False).order_by("pk").first()
    assert late is not None
    Student.objects.filter(pk=late.pk).update(email_opt_in=True)
    recommend(late, students[0].matches.first().opportunity)  # type: ignore[union-attr]

    for after, upto in ranges:
        digests_chunk(now=MONDAY.isoformat(), after=after, upto=upto)

    assert OutboxMessage.objects.filter(dedupe_key=digest_key(late.pk, digest_period(MONDAY))).count() == 1


def test_the_tasks_together_queue_what_one_run_queues(students: list[Student]) -> None:
    with transaction.atomic():
        one_run = digests_send(now=MONDAY)
        expected_outbox, expected_mailed = outbox(), mailed()
        transaction.set_rollback(True)
    assert one_run.enqueued == len(students) and not outbox()

    tasks = digests_queue(now=MONDAY, size=2)

    assert tasks == 6  # five ranges of two, and the open one after the last id
    assert outbox() == expected_outbox
    assert mailed() == expected_mailed


def test_a_task_that_runs_twice_queues_nothing_the_second_time(students: list[Student]) -> None:
    after, upto = digest_ranges(now=MONDAY, size=5)[0]

    first = digests_chunk(now=MONDAY.isoformat(), after=after, upto=upto)
    before = outbox(), mailed()
    again = digests_chunk(now=(MONDAY + dt.timedelta(days=1)).isoformat(), after=after, upto=upto)

    assert first["enqueued"] == 5 and first["students"] == 5
    assert again["enqueued"] == 0 and again["already_sent"] == 5  # the same week: nothing twice
    assert (outbox(), mailed()) == before
    assert {key for key, *_ in before[0]} == {digest_key(s.pk, "2030-W40") for s in students[:5]}


def test_the_weekly_job_queues_the_tasks_and_they_run_in_process_when_eager(
    students: list[Student], mail_dir: Path
) -> None:
    digests_send_task.delay()

    assert OutboxMessage.objects.filter(category="digest").count() == len(students)
    # Each task asked the relay (eager, the file transport): every digest was written, none is pending.
    assert not OutboxMessage.objects.filter(category="digest", status="pending").exists()
    assert len(list(mail_dir.glob("*-digest.eml"))) == len(students)


def test_send_digests_with_a_broker_queues_tasks_of_task_students(
    students: list[Student], settings: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"  # Celery stays eager: the tasks run here
    settings.LANGUAGE_CODE = "en"
    monkeypatch.setattr(digests, "TASK_STUDENTS", 4)

    call_command("send_digests", "--no-send")

    out = capsys.readouterr().out
    assert "3 tasks of up to 4 students queued for the workers; the relay sends later" in out
    assert OutboxMessage.objects.filter(category="digest", status="pending").count() == len(students)
