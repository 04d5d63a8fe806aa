"""Background jobs of the scheduler, run by Celery beat (see CELERY_BEAT_SCHEDULE in config/settings.py).

Both are safe to run twice or concurrently: expiry re-checks each hold under its lock, and reminders
are deduplicated by the outbox key booking-reminder:<booking id>:<session date>.
"""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="scheduler.tasks.reminders_send")
def reminders_send() -> int:
    """Daily: remind confirmed participants of tomorrow's sessions."""
    return services.reminders_send()


@shared_task(name="scheduler.tasks.holds_expire")
def holds_expire() -> int:
    """Every 5 minutes: lapse passed holds and offer the seats to the next on each waitlist."""
    return services.holds_expire()
