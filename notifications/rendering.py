"""Turning an outbox row into the mail a person reads: subject, text and HTML, in the row's language.

Templates live in ``templates/notifications/email/<category>.<language>.{subject.txt,txt,html}`` and are
rendered at send time from the row's JSON ``context``, so a wording fix reaches mail already queued.
A mail is a whole letter per language rather than one template of ``{% translate %}`` pieces: the two
languages order a sentence differently (and only English has plurals), and a translator reads a letter
best whole. Everything that is not the letter's own prose comes from the catalogues, rendered under
``translation.override(language)``: dates and weekday names (Django's date formatting, with the format
itself a translatable string), opportunity kinds (the model's labels), "online".
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.template.loader import get_template
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_noop, pgettext

from companies.models import Kind

from .models import OutboxMessage
from .tokens import address_token

# Context keys holding ISO datetimes; each gets a ``<key>_display`` in the reader's language.
DATETIME_KEYS = ("starts_at", "ends_at", "hold_until", "previous_starts_at")
# Django's own Vietnamese catalogue numbers the weekdays ("Thứ 3"); letters and the reasons beside them
# write them out ("Thứ Ba"). Marked here so that makemessages keeps them in this app's catalogue, whose
# entries take precedence over Django's.
WEEKDAY_NAMES = (
    gettext_noop("Monday"),
    gettext_noop("Tuesday"),
    gettext_noop("Wednesday"),
    gettext_noop("Thursday"),
    gettext_noop("Friday"),
    gettext_noop("Saturday"),
    gettext_noop("Sunday"),
)


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
    """An ISO datetime as people write it, in the site's time zone and the reader's language:
    "08:00 Thứ Ba, 01/10/2030", "Tue 01 Oct 2030, 08:00"."""
    if not isinstance(value, str):
        return _datetime_display(value, language, "")
    # The relay writes the same few session times into thousands of letters: each is formatted once per
    # process (per time zone, should the active one change).
    return _datetime_display_cached(value, language, timezone.get_current_timezone_name())


@functools.lru_cache(maxsize=8192)
def _datetime_display_cached(value: str, language: str, zone: str) -> str:
    return _datetime_display(value, language, zone)


def _datetime_display(value: Any, language: str, zone: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    local = timezone.localtime(moment)
    with translation.override(language):
        # Translators: how mail writes a date and time, in Django's date format syntax
        # (https://docs.djangoproject.com/en/5.2/ref/templates/builtins/#date). D: "Tue", l: "Tuesday".
        return formats.date_format(local, pgettext("mail datetime", "D d M Y, H:i"))


def kind_display(value: str) -> str:
    """An opportunity kind in the active language; a label stored by an older release stays as it is."""
    return _kind_display(value, translation.get_language())


@functools.lru_cache(maxsize=256)
def _kind_display(value: str, language: str | None) -> str:
    # Once per kind and language a process: a digest names six kinds, a week's digests hundreds of thousands.
    return str(Kind(value).label) if value in Kind.values else value


def unsubscribe_url(email: str, language: str, *, token: str | None = None) -> str:
    token = token or address_token(email=email, language=language)
    return settings.SITE_URL + reverse("notifications:unsubscribe", args=[token])


def preferences_url(email: str, language: str, *, token: str | None = None) -> str:
    token = token or address_token(email=email, language=language)
    return settings.SITE_URL + reverse("notifications:preferences", args=[token])


def envelope_render(message: OutboxMessage) -> Envelope:
    language = message.language if message.language in ("vi", "en") else "vi"
    with translation.override(language):
        return _render(message, language)


def _render(message: OutboxMessage, language: str) -> Envelope:
    context: dict[str, Any] = dict(message.context)
    for key in DATETIME_KEYS:
        if context.get(key):
            context[f"{key}_display"] = datetime_display(context[key], language)
    if isinstance(context.get("items"), list):
        context["items"] = [
            {**item, "kind": kind_display(str(item.get("kind", "")))} if isinstance(item, dict) else item
            for item in context["items"]
        ]
    if context.get("location") == "online":
        # Booking mail queued before "online" became a flag of its own.
        context["location"], context["online"] = "", True
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
