"""Enqueueing mail. Callers (matchmaking digests, scheduler booking mail) call ``message_enqueue`` inside
the transaction that makes the change; the relay sends after commit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction

from .models import OutboxMessage


def message_enqueue(
    *,
    key: str,
    category: str,
    to: str,
    language: str,
    context: Mapping[str, Any],
    student_id: int | None = None,
    attachments: Sequence[Mapping[str, str]] = (),
) -> OutboxMessage | None:
    """Queue one message under a dedupe key; ``None`` when that key was queued before (never twice).

    Must run inside the caller's transaction, so the message exists if and only if the change does.
    """
    try:
        # A savepoint, so a duplicate key does not spoil the caller's transaction.
        with transaction.atomic():
            return OutboxMessage.objects.create(
                dedupe_key=key,
                category=category,
                to_email=to,
                language=language if language in ("vi", "en") else "vi",
                context=dict(context),
                student_id=student_id,
                attachments=[dict(a) for a in attachments],
            )
    except IntegrityError:
        if OutboxMessage.objects.filter(dedupe_key=key).exists():
            return None
        raise
