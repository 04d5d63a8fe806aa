"""Background work of notifications: the outbox relay, run by Celery beat every minute."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from . import services
from .transports import transport_from_settings

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="notifications.tasks.outbox_relay", ignore_result=True)
def outbox_relay(self: Any) -> dict[str, Any]:
    """Send the due outbox rows once. Safe to run twice at once: the two runs claim different rows."""
    transport = transport_from_settings()
    if transport.network and self.request.is_eager:
        # An eager task runs inside whatever called it (often a web request) and Celery's eager mode
        # ignores countdowns: no network I/O here. `send_outbox` or a real worker will send these.
        logger.warning("outbox relay skipped: SendGrid is configured but Celery runs eagerly (no broker)")
        return {"skipped": "eager"}
    return services.outbox_relay(transport=transport).as_dict()
