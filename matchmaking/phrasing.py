"""Reasons in words: the engine's reasons (data, ``matchmaking.engine.reasons``) phrased through the
catalogues, in the language active where they are read (or the one asked for).

Who reads decides the language: a page or an API response speaks the request's language, a digest or
an export for a participant the participant's. The same stored reason is "Cùng chủ đề: du lịch" for one
reader and "Shared topic: tourism" for another. ``for_opportunity`` phrases a reason for the company
reading its list of participants ("From the same province") rather than for the participant ("In
your province").

Dates and times are Django's formats in the reader's language, in the site's time zone
(Asia/Ho_Chi_Minh); weekday names come from the catalogues (written out, "Thứ Bảy", see
``notifications.rendering``). A reason stored as text by an older release is shown as stored; a
reason this module cannot phrase (an unknown factor, a missing value) is left out rather than shown
as code.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable
from typing import Any

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from companies.models import Kind, Level
from matchmaking.engine.topics import Topic, load_vocabulary

MAX_TOPIC_NAMES = 3


def reasons_text(
    reasons: Iterable[Any] | None,
    *,
    for_opportunity: bool = False,
    language: str | None = None,
    for_class: bool = False,
) -> list[str]:
    """Each reason as a sentence, in ``language`` (default: the active language), in order. Read by the
    participant ("your province"), by a class's coordinator (``for_class``: "the school's province") or
    by the opportunity's company (``for_opportunity``)."""
    reader = "opportunity" if for_opportunity else "class" if for_class else "participant"
    lang = language or translation.get_language() or "vi"
    texts = []
    for reason in reasons or ():
        if isinstance(reason, str):  # phrased by an older release: shown as stored
            texts.append(reason)
        elif isinstance(reason, dict):
            key = json.dumps(reason, sort_keys=True, ensure_ascii=False)
            text = _cached(key, reader, lang)
            if text:
                texts.append(text)
    return texts


def reason_text(reason: dict[str, Any], *, for_opportunity: bool = False, for_class: bool = False) -> str:
    """One reason in the active language; "" when it cannot be phrased."""
    return _phrased(reason, "opportunity" if for_opportunity else "class" if for_class else "participant")


def _phrased(reason: dict[str, Any], reader: str) -> str:
    try:
        return _PHRASERS[reason["factor"]](reason, reader)
    except (KeyError, TypeError, ValueError):
        return ""


@functools.lru_cache(maxsize=8192)
def _cached(key: str, reader: str, lang: str) -> str:
    # A round has a few thousand distinct reasons for a million pairs: an export phrases each once.
    with translation.override(lang):
        return _phrased(json.loads(key), reader)


@functools.cache
def _topics() -> dict[str, Topic]:
    return {t.id: t for t in load_vocabulary().topics}


def _topics_phrase(reason: dict[str, Any], reader: str) -> str:
    lang = translation.get_language() or "vi"
    known = _topics()
    names = sorted(known[t].name(lang) if t in known else str(t) for t in reason["topics"])[:MAX_TOPIC_NAMES]
    if not names:
        return ""
    return ngettext("Shared topic: %(topics)s", "Shared topics: %(topics)s", len(names)) % {
        "topics": ", ".join(names)
    }


@functools.cache
def _fields() -> dict[str, Any]:
    return dict(load_vocabulary().fields)


def _field_phrase(reason: dict[str, Any], reader: str) -> str:
    """A pair with no topic in common but topics of one field ("tài chính" and "ngân hàng")."""
    lang = translation.get_language() or "vi"
    known = _fields()
    names = sorted(known[f].name(lang) for f in reason["fields"] if f in known)
    if not names:
        return ""
    values = {"fields": "; ".join(names)}
    if reader == "opportunity":
        return _("Interested in the same field: %(fields)s") % values
    if reader == "class":
        return _("In a field the class asked about: %(fields)s") % values
    return _("In a field you are interested in: %(fields)s") % values


def _text_phrase(reason: dict[str, Any], reader: str) -> str:
    if reader == "opportunity":
        return _("Interests close to this opportunity")
    if reader == "class":
        return _("Close to what the class asked for")
    return _("Close to your interests")


def _kind_phrase(reason: dict[str, Any], reader: str) -> str:
    kind = str(Kind(reason["kind"]).label)
    if reader == "opportunity":
        return _("Prefers this kind: %(kind)s") % {"kind": kind}
    if reader == "class":
        return _("A kind the class asked for: %(kind)s") % {"kind": kind}
    return _("A kind you prefer: %(kind)s") % {"kind": kind}


def _place_phrase(reason: dict[str, Any], reader: str) -> str:
    for_opportunity = reader == "opportunity"
    reach = reason["reach"]
    province = reason.get("province_name") or reason.get("province") or ""
    if reach == "online":
        return _("Online — can join from anywhere") if for_opportunity else _("Online — join from anywhere")
    if reach == "same":
        template = (
            _("From the same province (%(province)s)")
            if for_opportunity
            else _("In the school's province (%(province)s)")
            if reader == "class"
            else _("In your province (%(province)s)")
        )
    elif reach == "near":
        template = (
            _("From a neighbouring province (%(province)s)")
            if for_opportunity
            else _("In a province next to the school's (%(province)s)")
            if reader == "class"
            else _("In a neighbouring province (%(province)s)")
        )
    else:
        return ""
    return template % {"province": province}


def _fresh_phrase(reason: dict[str, Any], reader: str) -> str:
    return _("Newly posted")


def _class_phrase(reason: dict[str, Any], reader: str) -> str:
    size = int(reason["size"])
    level = str(Level(reason["level"]).label)
    return ngettext(
        "A class of %(size)d student (%(level)s)", "A class of %(size)d students (%(level)s)", size
    ) % {"size": size, "level": level}


def _session_phrase(reason: dict[str, Any], reader: str) -> str:
    zone = timezone.get_default_timezone()
    start, end = dt.datetime.fromisoformat(reason["starts_at"]), dt.datetime.fromisoformat(reason["ends_at"])
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        return ""
    start, end = start.astimezone(zone), end.astimezone(zone)
    values = {
        "weekday": formats.date_format(start, "l"),
        # "3 Oct" in English, "3/10" in Vietnamese: the format is the translator's.
        "day": formats.date_format(start, pgettext("day of a session in a reason", "j M")),
        "start": formats.time_format(start, "H:i"),
        "end": formats.time_format(end, "H:i"),
    }
    if reader == "opportunity":
        return _("Free for the session on %(weekday)s %(day)s, %(start)s–%(end)s") % values
    if start.hour < 12:
        part = pgettext("part of the day", "morning")
    elif start.hour < 18:
        part = pgettext("part of the day", "afternoon")
    else:
        part = pgettext("part of the day", "evening")
    values["part"] = part
    if reader == "class":
        return _("Fits a %(weekday)s %(part)s the class is free (%(day)s, %(start)s–%(end)s)") % values
    return _("Fits your free %(weekday)s %(part)s (%(day)s, %(start)s–%(end)s)") % values


_PHRASERS = {
    "topics": _topics_phrase,
    "field": _field_phrase,
    "text": _text_phrase,
    "kind": _kind_phrase,
    "place": _place_phrase,
    "fresh": _fresh_phrase,
    "class": _class_phrase,
    "session": _session_phrase,
}
