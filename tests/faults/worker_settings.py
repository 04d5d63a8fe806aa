"""Settings for the Celery workers the fault tests start: the project's, with the waits that recovery
rests on shortened from minutes to seconds, so a test sees the recovery instead of waiting for it.

- A Redis message a killed worker had taken comes back after ``visibility_timeout`` (production: the
  longest hard time limit plus ten minutes), swept every second instead of every 100.
- A relay claim left ``sending`` by a killed worker is released after one second (production: 15 min).
- A message SendGrid answered 5xx is retried after about a second, then two… (production: 30 s, 1 min…).
"""

from __future__ import annotations

import os

from config.settings import *  # noqa: F403

OUTBOX_CLAIM_TIMEOUT = 1
OUTBOX_RETRY_BASE = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A test that must tell "given back at once" from "came back after the timeout" sets it long.
    "visibility_timeout": int(os.environ.get("FAULT_VISIBILITY_TIMEOUT", "4")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
