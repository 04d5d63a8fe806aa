"""Settings for the Celery worker that the SIGKILL test starts: the project's, with a claim timeout of one
second, so the restarted worker recovers the killed worker's claim without waiting 15 minutes."""

from __future__ import annotations

from config.settings import *  # noqa: F403

OUTBOX_CLAIM_TIMEOUT = 1
