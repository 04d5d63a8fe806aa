"""Who must not be mailed: one-click unsubscribe, the preferences page, and SendGrid's delivery events.

Kept apart from ``services`` (enqueue and relay) because these workflows answer people and SendGrid,
while the relay answers the outbox; both read the same ``Suppression`` rows.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from students.models import Student

from .models import OutboxMessage, Suppression, WebhookEvent

logger = logging.getLogger(__name__)

Reason = Suppression.Reason
# Sources whose unsubscribes the person may undo on the preferences page. SendGrid's own unsubscribe
# lists are kept by SendGrid, so undoing those here would change nothing.
_OWN_SOURCES = (Suppression.Source.ONE_CLICK, Suppression.Source.PREFERENCES)
# What SendGrid's "dropped" reasons mean for us; other drops (duplicates, size) suppress nothing.
_DROP_REASONS = {
    "bounced address": Reason.DROPPED,
    "invalid": Reason.DROPPED,
    "spam reporting address": Reason.SPAMREPORT,
    "unsubscribed address": Reason.UNSUBSCRIBE,
}


def _normal(email: str) -> str:
    return email.strip().lower()


def address_unsubscribe(*, email: str, source: str, detail: str = "") -> bool:
    """Stop non-essential mail to an address; ``True`` the first time, ``False`` on every repeat."""
    email = _normal(email)
    with transaction.atomic():
        _, created = Suppression.objects.get_or_create(
            email=email, reason=Reason.UNSUBSCRIBE, defaults={"source": source, "detail": detail}
        )
        # The students' own flag follows, so the digest job does not even consider them.
        Student.objects.filter(email__iexact=email, email_opt_in=True).update(email_opt_in=False)
    return created


@dataclass(frozen=True)
class AddressPreferences:
    email: str
    digests: bool
    language: str
    students: int


def address_preferences(*, email: str, language: str = "vi") -> AddressPreferences:
    email = _normal(email)
    students = list(Student.objects.filter(email__iexact=email).only("email_opt_in", "languages"))
    unsubscribed = Suppression.objects.filter(
        email=email, reason__in=[Reason.UNSUBSCRIBE, Reason.GROUP_UNSUBSCRIBE]
    ).exists()
    return AddressPreferences(
        email=email,
        digests=bool(students) and all(s.email_opt_in for s in students) and not unsubscribed,
        language=students[0].language if students else language,
        students=len(students),
    )


def address_preferences_update(*, email: str, digests: bool, language: str) -> AddressPreferences:
    """Digests on or off, and the language of mail, for every student with this address."""
    email = _normal(email)
    if not digests:
        address_unsubscribe(email=email, source=Suppression.Source.PREFERENCES)
    with transaction.atomic():
        if digests:
            Suppression.objects.filter(
                email=email, reason=Reason.UNSUBSCRIBE, source__in=_OWN_SOURCES
            ).delete()
            Student.objects.filter(email__iexact=email).update(email_opt_in=True)
        if language in ("vi", "en"):
            # The mail's language only: the languages the student takes part in stay as they are.
            Student.objects.filter(email__iexact=email).update(mail_language=language, updated_at=timezone.now())
    return address_preferences(email=email, language=language)


@dataclass
class WebhookReport:
    received: int = 0
    duplicates: int = 0
    ignored: int = 0
    suppressed: int = 0
    resolved: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _suppression_reason(event: Mapping[str, Any]) -> str:
    kind = str(event.get("event", ""))
    if kind == "bounce":
        # "blocked" is a temporary refusal (a full mailbox, a busy server): SendGrid retries those.
        return "" if event.get("type") == "blocked" else Reason.BOUNCE
    if kind == "dropped":
        text = str(event.get("reason", "")).lower()
        return next((reason for needle, reason in _DROP_REASONS.items() if needle in text), "")
    if kind in (Reason.SPAMREPORT, Reason.UNSUBSCRIBE, Reason.GROUP_UNSUBSCRIBE):
        return kind
    return ""


def _event_time(event: Mapping[str, Any]) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(event["timestamp"]), tz=dt.UTC)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None


def _outbox_id(event: Mapping[str, Any]) -> int | None:
    try:
        return int(event.get("outbox_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def webhook_events_record(*, events: Iterable[Mapping[str, Any]]) -> WebhookReport:
    """Apply SendGrid's events once each, however often SendGrid repeats them.

    Suppresses bounced, dropped-as-bad, spam-reporting and unsubscribed addresses. Any event about a row
    left ``unknown`` (a request whose answer never came) proves SendGrid had it: the row becomes sent.
    """
    report = WebhookReport()
    events = [e for e in events if isinstance(e, Mapping)]
    known_rows = set(
        OutboxMessage.objects.filter(pk__in={i for e in events if (i := _outbox_id(e))}).values_list(
            "pk", flat=True
        )
    )
    for event in events:
        report.received += 1
        sg_event_id = str(event.get("sg_event_id") or "")
        email = _normal(str(event.get("email") or ""))
        if not sg_event_id:
            report.ignored += 1
            continue
        outbox_id = _outbox_id(event)
        outbox_id = outbox_id if outbox_id in known_rows else None
        with transaction.atomic():
            try:
                # The processed id is written in the same transaction as the event's effect: both or neither.
                with transaction.atomic():
                    WebhookEvent.objects.create(
                        sg_event_id=sg_event_id[:100],
                        event=str(event.get("event", ""))[:32],
                        email=email[:254],
                        outbox_message_id=outbox_id,
                        occurred_at=_event_time(event),
                    )
            except IntegrityError:
                report.duplicates += 1
                continue
            reason = _suppression_reason(event)
            if reason and email:
                if reason == Reason.UNSUBSCRIBE:
                    address_unsubscribe(email=email, source=Suppression.Source.WEBHOOK, detail=sg_event_id)
                else:
                    Suppression.objects.get_or_create(
                        email=email,
                        reason=reason,
                        defaults={
                            "source": Suppression.Source.WEBHOOK,
                            "detail": str(event.get("reason", ""))[:500],
                        },
                    )
                report.suppressed += 1
            elif event.get("event") == "group_resubscribe" and email:
                Suppression.objects.filter(email=email, reason=Reason.GROUP_UNSUBSCRIBE).delete()
            if outbox_id is not None:
                message_id = str(event.get("sg_message_id") or "").split(".")[0]
                report.resolved += OutboxMessage.objects.filter(
                    pk=outbox_id, status=OutboxMessage.Status.UNKNOWN
                ).update(
                    status=OutboxMessage.Status.SENT,
                    sent_at=_event_time(event) or timezone.now(),
                    provider_message_id=message_id,
                    last_error="confirmed by a SendGrid event",
                    updated_at=timezone.now(),
                )
    return report
