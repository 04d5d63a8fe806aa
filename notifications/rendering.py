"""Turning an outbox row into the mail a person reads: subject, text and HTML, in the row's language.

Templates live in ``templates/notifications/email/<category>.<language>.{subject.txt,txt,html}`` and are
rendered at send time from the row's JSON ``context``, so a wording fix reaches mail already queued.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone

from .models import OutboxMessage
from .tokens import address_token

# Context keys holding ISO datetimes; each gets a ``<key>_display`` in the reader's language.
DATETIME_KEYS = ("starts_at", "ends_at", "hold_until", "previous_starts_at")
_VI_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


@dataclass(frozen=True)
class Envelope:
    """One rendered message, ready for a transport."""

    outbox_id: int
    to: str
    category: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)
    attachments: tuple[dict[str, str], ...] = ()


def datetime_display(value: str, language: str) -> str:
    """An ISO datetime as people write it, in the site's time zone: "08:00 Thứ Tư, 01/10/2030"."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    local = timezone.localtime(moment)
    if language == "en":
        return local.strftime("%a %d %b %Y, %H:%M")
    return f"{local:%H:%M} {_VI_WEEKDAYS[local.weekday()]}, {local:%d/%m/%Y}"


def unsubscribe_url(email: str, language: str, *, token: str | None = None) -> str:
    token = token or address_token(email=email, language=language)
    return settings.SITE_URL + reverse("notifications:unsubscribe", args=[token])


def preferences_url(email: str, language: str, *, token: str | None = None) -> str:
    token = token or address_token(email=email, language=language)
    return settings.SITE_URL + reverse("notifications:preferences", args=[token])


def envelope_render(message: OutboxMessage) -> Envelope:
    language = message.language if message.language in ("vi", "en") else "vi"
    context: dict[str, Any] = dict(message.context)
    for key in DATETIME_KEYS:
        if context.get(key):
            context[f"{key}_display"] = datetime_display(context[key], language)
    context.update(
        language=language,
        site_url=settings.SITE_URL,
        to_email=message.to_email,
        attachments=[a.get("filename", "") for a in message.attachments],
    )
    headers: dict[str, str] = {}
    if not message.is_essential:
        # RFC 8058: a mail client may unsubscribe with one POST to this URL, no login, no confirmation.
        token = address_token(email=message.to_email, language=language)
        context["unsubscribe_url"] = unsubscribe_url(message.to_email, language, token=token)
        context["preferences_url"] = preferences_url(message.to_email, language, token=token)
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    base = f"notifications/email/{message.category}.{language}"
    subject = get_template(f"{base}.subject.txt").render(context)
    return Envelope(
        outbox_id=message.pk,
        to=message.to_email,
        category=message.category,
        subject=" ".join(subject.split()),
        text=get_template(f"{base}.txt").render(context).strip() + "\n",
        html=get_template(f"{base}.html").render(context),
        headers=headers,
        attachments=tuple(dict(a) for a in message.attachments),
    )
