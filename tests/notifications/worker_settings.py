"""Settings for the Celery workers that the mail tests start: the project's, with a claim timeout of one
second, so the restarted worker recovers the killed worker's claim without waiting 15 minutes, and every
task the worker queues itself (the relay after a digest task) routed to the test's private queue
(TEST_WORKER_QUEUE), not to the settings' queues that every run on the broker shares."""

from __future__ import annotations

import os

from config.settings import *  # noqa: F403

OUTBOX_CLAIM_TIMEOUT = 1
if os.environ.get("TEST_WORKER_QUEUE"):
    CELERY_TASK_ROUTES = {"*": {"queue": os.environ["TEST_WORKER_QUEUE"]}}
