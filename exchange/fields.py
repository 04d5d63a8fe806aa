"""Parsers for the values of the CSV contract (DESIGN.md, "Data exchange format").

Each parser takes the cell's text (already NFC-normalised and stripped) and returns a value or raises
``FieldError`` with a reason a school secretary can act on.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import places

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

LEVELS = ("lower_secondary", "upper_secondary", "vocational", "university")
KINDS = ("internship", "visit", "career_talk", "workshop", "contest")
LANGUAGES = ("vi", "en")

_TRUE = {"true", "1", "yes", "có", "co", "x"}
_FALSE = {"false", "0", "no", "không", "khong"}
# Deliberately simple: one @, a dot in the domain, no spaces. Deliverability is SendGrid's business.
_EMAIL = re.compile(r"^[^@\s;,<>]+@[^@\s;,<>]+\.[^@\s;,<>.]{2,}$")
_URL = re.compile(r"^(https?://)?[^\s/$.?#][^\s]*\.[^\s]{2,}$", re.IGNORECASE)


class FieldError(ValueError):
    """A cell's value is not acceptable; the message is the reason."""


Parser = Callable[[str], Any]


def text(max_length: int) -> Parser:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise FieldError(f"too long ({len(value)} characters, at most {max_length})")
        return value

    return parse


def email(value: str) -> str:
    if not _EMAIL.match(value) or len(value) > 254:
        raise FieldError(f"{value!r} is not a valid email address")
    return value.lower()


def url(value: str) -> str:
    if not _URL.match(value):
        raise FieldError(f"{value!r} is not a valid web address")
    return value if value.lower().startswith(("http://", "https://")) else f"https://{value}"


def boolean(value: str) -> bool:
    folded = value.strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise FieldError(f"{value!r} is not a boolean (use true/false, 1/0, yes/no, có/không)")


def integer(minimum: int, maximum: int | None = None) -> Parser:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise FieldError(f"{value!r} is not a whole number") from None
        if number < minimum:
            raise FieldError(f"{number} is below the minimum of {minimum}")
        if maximum is not None and number > maximum:
            raise FieldError(f"{number} is above the maximum of {maximum}")
        return number

    return parse


def date(value: str) -> dt.date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise FieldError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def datetime(value: str) -> dt.datetime:
    """ISO 8601; a datetime without an offset is in Asia/Ho_Chi_Minh."""
    try:
        if not re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", value):
            raise ValueError
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise FieldError(f"{value!r} is not a datetime (ISO 8601, e.g. 2026-10-01T08:00+07:00)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    return parsed


def interval(value: str) -> tuple[dt.datetime, dt.datetime]:
    start_text, sep, end_text = value.partition("/")
    if not sep:
        raise FieldError(f"{value!r} is not an interval START/END")
    start, end = datetime(start_text.strip()), datetime(end_text.strip())
    if end <= start:
        raise FieldError(f"interval {value!r} ends before it starts")
    return start, end


def province(value: str) -> str:
    code = places.resolve(value)
    if code is None:
        raise FieldError(f"unknown province {value!r}")
    return code


def choice(allowed: tuple[str, ...], what: str) -> Parser:
    def parse(value: str) -> str:
        if value not in allowed:
            raise FieldError(f"unknown {what} {value!r} (one of: {', '.join(allowed)})")
        return value

    return parse


def items(parse_item: Parser) -> Parser:
    """A ``;``-separated list; empty items are skipped, duplicates dropped, order kept."""

    def parse(value: str) -> list[Any]:
        out: list[Any] = []
        for part in value.split(";"):
            part = part.strip()
            if part:
                item = parse_item(part)
                if item not in out:
                    out.append(item)
        return out

    return parse


def language(value: str) -> str:
    return choice(LANGUAGES, "language")(value.lower())
