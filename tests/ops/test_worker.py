"""`manage.py worker`, the clock without a broker: one pass lapses holds, queues what is due and relays
the outbox; the loop runs until a signal stops it."""

from __future__ import annotations

import datetime as dt
import io
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.core.management import call_command
from django.core.management.base import CommandError

from notifications.models import OutboxMessage
from scheduler.management.commands.worker import Job, latest_moment
from scheduler.models import Booking

from .conftest import ROOT, clean_env, once_per_run

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY_10 = dt.datetime(2030, 9, 30, 10, 0, tzinfo=TZ)  # the day before the world's session (1 October)
Status = Booking.Status


def booking(participant: Any, session: Any, status: str, *, hold_until: dt.datetime | None = None) -> Booking:
    return Booking.objects.create(
        student=participant, session=session, status=status, seats=1, score=0.8, hold_until=hold_until,
        starts_at=session.starts_at, ends_at=session.ends_at,
    )


@pytest.fixture(autouse=True)
def _mail_to_files(settings: Any, tmp_path: Path) -> None:
    settings.SENDGRID_API_KEY = ""
    settings.MAIL_DIR = tmp_path / "mail"
    settings.REMINDER_HOUR = 9


def run_once() -> str:
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    return out.getvalue()


def test_one_pass_lapses_holds_reminds_and_sends_what_it_queued(world: Any, tmp_path: Path) -> None:
    lapsed = booking(world.adult, world.session, Status.PROPOSED, hold_until=MONDAY_10 - dt.timedelta(hours=1))
    confirmed = booking(world.student, world.session, Status.CONFIRMED)

    with time_machine.travel(MONDAY_10, tick=False):
        output = run_once()

    lapsed.refresh_from_db()
    assert lapsed.status == Status.EXPIRED
    assert "holds_expire=1" in output and "reminders_send=1" in output and "digests_send=" in output
    reminder = OutboxMessage.objects.get(category=OutboxMessage.Category.BOOKING_REMINDER)
    assert reminder.dedupe_key == f"booking-reminder:{confirmed.pk}:2030-10-01"
    # The relay ran last in the same pass: nothing is left pending, and the files are written.
    assert not OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).exists()
    assert len(list((tmp_path / "mail").iterdir())) == OutboxMessage.objects.count() >= 2

    # A second pass (or Celery beat doing the same) sends nothing twice.
    with time_machine.travel(MONDAY_10 + dt.timedelta(minutes=1), tick=False):
        run_once()
    assert OutboxMessage.objects.filter(category=OutboxMessage.Category.BOOKING_REMINDER).count() == 1


def test_before_the_reminder_hour_no_reminder_goes_out(world: Any) -> None:
    booking(world.student, world.session, Status.CONFIRMED)
    with time_machine.travel(MONDAY_10.replace(hour=8, minute=59), tick=False):
        output = run_once()
    assert "reminders_send" not in output and "holds_expire=0" in output
    assert not OutboxMessage.objects.filter(category=OutboxMessage.Category.BOOKING_REMINDER).exists()


def test_a_failing_job_does_not_stop_the_others_but_fails_a_single_pass(world: Any, settings: Any) -> None:
    del settings.MAIL_WEEKLY_CAP  # the digest job (due on Monday at 8) cannot run without it
    booking(world.student, world.session, Status.CONFIRMED)
    with time_machine.travel(MONDAY_10, tick=False), pytest.raises(CommandError, match="a job failed"):
        run_once()
    # The jobs before and after the digests ran: the reminder is queued and relayed.
    reminder = OutboxMessage.objects.get(category=OutboxMessage.Category.BOOKING_REMINDER)
    assert reminder.status == OutboxMessage.Status.SENT


def test_a_pass_encodes_the_english_texts_edited_since_the_last_embedding_pass(world: Any) -> None:
    from matchmaking.models import TextEmbedding

    world.opportunity.language = "en"
    world.opportunity.title = "Machine learning internship"
    world.opportunity.description = "Train and test image classifiers with our data team."
    world.opportunity.save()
    assert "texts_embed={'texts': 1, 'encoded': 1, 'forgotten': 0}" in run_once()
    assert TextEmbedding.objects.count() == 1
    assert "texts_embed={'texts': 1, 'encoded': 0, 'forgotten': 0}" in run_once()  # nothing new


def test_with_the_second_stage_off_the_clock_has_no_embedding_pass(settings: Any) -> None:
    from scheduler.management.commands.worker import jobs_from_settings

    assert "texts_embed" in [job.name for job in jobs_from_settings()]
    settings.CELERY_BEAT_SCHEDULE = {k: v for k, v in settings.CELERY_BEAT_SCHEDULE.items() if k != "embed-texts"}
    assert "texts_embed" not in [job.name for job in jobs_from_settings()]


def test_a_job_with_an_interval_is_due_once_that_much_time_has_passed() -> None:
    job = Job("embeddings", lambda now: None, every=dt.timedelta(minutes=10))
    assert job.due(MONDAY_10)  # a new clock runs it at once
    job.last = MONDAY_10
    assert not job.due(MONDAY_10 + dt.timedelta(minutes=9))
    assert job.due(MONDAY_10 + dt.timedelta(minutes=10))


def test_a_daily_job_is_due_once_per_day_after_its_hour() -> None:
    job = Job("daily", lambda now: None, crontab(minute="0", hour="9"))
    assert not job.due(MONDAY_10.replace(hour=8))
    assert job.due(MONDAY_10)
    job.last = MONDAY_10
    assert not job.due(MONDAY_10 + dt.timedelta(hours=5))
    assert job.due(MONDAY_10 + dt.timedelta(days=1))


def test_a_weekly_job_is_due_only_on_its_day() -> None:
    monday_8 = crontab(minute="0", hour="8", day_of_week="mon")
    assert latest_moment(monday_8, MONDAY_10) == MONDAY_10.replace(hour=8)
    assert latest_moment(monday_8, MONDAY_10 + dt.timedelta(days=1)) is None
    assert latest_moment(monday_8, MONDAY_10.replace(hour=7)) is None
    # The local day counts, not UTC's: 02:00 on Monday in Hanoi is still Sunday in UTC.
    assert latest_moment(crontab(minute="0", hour="1", day_of_week="mon"), MONDAY_10.replace(hour=2)) is not None


@once_per_run
def test_the_loop_runs_pass_after_pass_until_a_signal_stops_it(sqlite_copy: Path, tmp_path: Path) -> None:
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--interval", "1"],
        cwd=ROOT,
        env=clean_env(DATABASE_URL=f"sqlite:///{sqlite_copy}", MAIL_DIR=str(tmp_path / "mail")),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert worker.stdout is not None
        passes = 0
        deadline = time.monotonic() + 60
        while passes < 3 and time.monotonic() < deadline:
            line = worker.stdout.readline()
            passes += line.startswith("worker: pass at")
        assert passes == 3, "three passes within a minute"
        worker.send_signal(signal.SIGTERM)
        rest, _ = worker.communicate(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, rest
    assert "worker: stopped" in rest
