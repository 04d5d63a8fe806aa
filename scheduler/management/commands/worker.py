"""`manage.py worker`: the clock of the embedded default, where no Celery beat or worker runs.

Every pass: lapse passed holds (offering their seats to the waitlists), queue the day-before reminders
and the weekly digests when their time in CELERY_BEAT_SCHEDULE has come, encode the English texts edited
since the last embedding pass when MATCHMAKING_EMBED_INTERVAL has passed (with the second stage on), then
relay the outbox, so that what the pass queued goes out in the same pass. Each job is safe to run twice,
so this may run beside a real Celery beat (or a second copy of itself) without sending anything twice;
it only adds work.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from celery.schedules import crontab
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from matchmaking.digests import digests_send
from matchmaking.embeddings import texts_embed
from notifications.services import outbox_relay
from scheduler.services import holds_expire, reminders_send

logger = logging.getLogger(__name__)


def latest_moment(schedule: crontab, now: dt.datetime) -> dt.datetime | None:
    """The latest time today (in the project's time zone) at or before ``now`` that ``schedule`` names,
    or None if it names none. Day-of-month and month are ignored: our schedules do not use them."""
    local = timezone.localtime(now)
    if local.isoweekday() % 7 not in schedule.day_of_week:  # crontab counts Sunday as 0
        return None
    moments = [
        local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        for hour in schedule.hour
        for minute in schedule.minute
    ]
    passed = [moment for moment in moments if moment <= local]
    return max(passed) if passed else None


@dataclass
class Job:
    name: str
    run: Callable[[dt.datetime], Any]
    schedule: crontab | None = None  # None: every pass (or every ``every``)
    last: dt.datetime | None = field(default=None)
    every: dt.timedelta | None = None  # at most once per this interval

    def due(self, now: dt.datetime) -> bool:
        if self.every is not None:
            return self.last is None or now - self.last >= self.every
        if self.schedule is None:
            return True
        moment = latest_moment(self.schedule, now)
        # A process that starts after today's time runs the job once: it is deduplicated, and a reminder
        # late is better than none.
        return moment is not None and (self.last is None or self.last < moment)


def _relay(now: dt.datetime) -> Any:
    return outbox_relay().as_dict()


def _holds(now: dt.datetime) -> Any:
    return holds_expire(now=now)


def _reminders(now: dt.datetime) -> Any:
    return reminders_send(now=now)


def _digests(now: dt.datetime) -> Any:
    return digests_send(now=now).as_dict()


def _embeddings(now: dt.datetime) -> Any:
    return texts_embed(now=now)


def jobs_from_settings() -> list[Job]:
    beat = settings.CELERY_BEAT_SCHEDULE
    # Order matters: the relay last, so that mail queued by the others leaves in the same pass.
    jobs = [
        Job("holds_expire", _holds),
        Job("reminders_send", _reminders, beat["booking-reminders"]["schedule"]),
        Job("digests_send", _digests, beat["send-digests"]["schedule"]),
    ]
    if "embed-texts" in beat:  # the second stage is on and its pass has an interval
        jobs.append(Job("texts_embed", _embeddings, every=dt.timedelta(seconds=beat["embed-texts"]["schedule"])))
    return [*jobs, Job("outbox_relay", _relay)]


class Command(BaseCommand):
    help = (
        "Run the periodic jobs without Celery: hold expiry and the outbox relay every pass, reminders "
        "daily at REMINDER_HOUR, digests at DIGEST_DAY_OF_WEEK/DIGEST_HOUR, the English texts' embeddings "
        "every MATCHMAKING_EMBED_INTERVAL seconds. Loops until interrupted "
        "(Ctrl-C or SIGTERM); --once makes one pass. Safe beside a real Celery beat."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit (non-zero if a job failed)")
        parser.add_argument(
            "--interval", type=int, default=None, help="seconds between passes (default: WORKER_INTERVAL, 60)"
        )

    def handle(self, *args: Any, once: bool, interval: int | None, **options: Any) -> None:
        seconds = settings.WORKER_INTERVAL if interval is None else interval
        if seconds < 1:
            raise CommandError("--interval must be at least 1 second")
        jobs = jobs_from_settings()
        if once:
            if not self.run_pass(jobs):
                raise CommandError("a job failed (see the log above)")
            return
        stop = threading.Event()

        def _stop(signum: int, frame: FrameType | None) -> None:
            self.stdout.write(f"worker: signal {signum}, stopping after this pass")
            stop.set()

        previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        self.stdout.write(f"worker: a pass every {seconds} s until interrupted")
        self.stdout.flush()
        try:
            while not stop.is_set():
                # A long-lived process must not keep a connection the database has dropped or aged out.
                close_old_connections()
                self.run_pass(jobs)
                close_old_connections()
                stop.wait(seconds)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("worker: stopped")

    def run_pass(self, jobs: list[Job]) -> bool:
        """Run every due job once; a failing job is logged and the others still run."""
        ok = True
        results = []
        for job in jobs:
            now = timezone.now()
            if not job.due(now):
                continue
            try:
                outcome = job.run(now)
            except Exception:  # one job's failure must not stop the clock for the others
                logger.exception("worker: %s failed", job.name)
                results.append(f"{job.name}=FAILED")
                ok = False
                continue
            job.last = now
            results.append(f"{job.name}={outcome}")
        self.stdout.write(f"worker: pass at {timezone.localtime():%Y-%m-%d %H:%M:%S}: " + "; ".join(results))
        self.stdout.flush()
        return ok
