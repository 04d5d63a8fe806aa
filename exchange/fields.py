"""Parsers for the values of the CSV contract (DESIGN.md, "Data exchange format").

Each parser takes the cell's text (already NFC-normalised, stripped and free of control characters, see
``clean``) and returns a value or raises ``FieldError`` with a reason a school secretary can act on. The
reasons are translated (English is the source text) in the language active when the file is read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

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
# Unicode category Cc (C0 controls, DEL, C1 controls), and the lone surrogates by which a file's bytes
# that its encoding does not define arrive (read with errors="surrogateescape").
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\udc80-\udcff]")
_MULTILINE_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\udc80-\udcff]")  # tab and LF are text there

MAX_PATTERN_DAYS = 366
MAX_FREE_TIMES = 1000  # intervals in one ``available`` cell, after patterns are expanded


class FieldError(ValueError):
    """A cell's value is not acceptable; the message is the reason."""


Parser = Callable[[str], Any]


def clean(value: str, *, multiline: bool = False, encoding: str = "UTF-8") -> str:
    """``value`` without control characters, or ``FieldError`` naming the first one.

    PostgreSQL refuses a NUL in text (a DataError, i.e. a 500), and no other control character belongs
    in a name, an id or an email. Free text that may span lines (``multiline``) keeps tab and line feed;
    Windows line ends (CR LF) and lone CRs become a line feed there. A byte the file's ``encoding`` does
    not define is refused here too, so that it is reported with its line and column.
    """
    if value.isprintable():  # the fast path: almost every cell
        return value
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        found = _MULTILINE_CONTROL.search(value)
    else:
        found = _CONTROL.search(value)
    if found is None:
        return value
    char = found.group()
    position = found.start() + 1
    if "\udc80" <= char <= "\udcff":
        raise FieldError(
            _("contains the byte 0x%(byte)02X (character %(position)d), which is not valid %(encoding)s")
            % {"byte": ord(char) - 0xDC00, "position": position, "encoding": encoding}
        )
    if char in "\n\r":
        raise FieldError(
            _("contains a line break (character %(position)d); this column takes one line") % {"position": position}
        )
    if char == "\t":
        raise FieldError(
            _("contains a tab (character %(position)d); this column takes one line") % {"position": position}
        )
    code = f"U+{ord(char):04X}" + (" NUL" if char == "\x00" else "")
    raise FieldError(
        _("contains the control character %(code)s (character %(position)d), which is not text")
        % {"code": code, "position": position}
    )


def text(max_length: int) -> Parser:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise FieldError(
                _("too long (%(length)d characters, at most %(maximum)d)")
                % {"length": len(value), "maximum": max_length}
            )
        return value

    return parse


def email(value: str) -> str:
    if not _EMAIL.match(value) or len(value) > 254:
        raise FieldError(_("%(value)s is not a valid email address") % {"value": repr(value)})
    return value.lower()


def url(value: str) -> str:
    if not _URL.match(value):
        raise FieldError(_("%(value)s is not a valid web address") % {"value": repr(value)})
    return value if value.lower().startswith(("http://", "https://")) else f"https://{value}"


def boolean(value: str) -> bool:
    folded = value.strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise FieldError(_("%(value)s is not a boolean (use true/false, 1/0, yes/no, có/không)") % {"value": repr(value)})


def integer(minimum: int, maximum: int | None = None) -> Parser:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise FieldError(_("%(value)s is not a whole number") % {"value": repr(value)}) from None
        if number < minimum:
            raise FieldError(
                _("%(number)d is below the minimum of %(minimum)d") % {"number": number, "minimum": minimum}
            )
        if maximum is not None and number > maximum:
            raise FieldError(
                _("%(number)d is above the maximum of %(maximum)d") % {"number": number, "maximum": maximum}
            )
        return number

    return parse


# A date as schools write it: day first, then month, then a four-digit year (05/09/2010, 5/9/2010,
# 05-09-2010, 05.09.2010). Never month first: 09/25/2010 is refused, not read as 25 September.
_DAY_FIRST = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{2,4})")
_DATE_TEXT = r"(?:\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{4})"


def date(value: str) -> dt.date:
    """``YYYY-MM-DD`` (ISO), or ``DD/MM/YYYY`` day first (``/``, ``-`` or ``.`` between, the same twice).

    A date never depends on a guess: a four-digit year first is ISO, last is day-month-year; a month
    above 12 or a two-digit year is refused with the reason, never swapped or completed.
    """
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    elif found := _DAY_FIRST.fullmatch(value):
        day, month, year = int(found[1]), int(found[3]), found[4]
        if len(year) != 4:
            raise FieldError(
                _("%(value)s has a two-digit year: write all four digits (DD/MM/YYYY)") % {"value": repr(value)}
            )
        if not 1 <= month <= 12:
            raise FieldError(
                _("%(value)s is not a date: there is no month %(month)d (write the day first, DD/MM/YYYY)")
                % {"value": repr(value), "month": month}
            )
        try:
            return dt.date(int(year), month, day)
        except ValueError:
            # The form is right, the day is not (31/02): say so, rather than "write DD/MM/YYYY" again.
            raise FieldError(
                _("%(value)s is not a date: month %(month)d of %(year)s has no day %(day)d")
                % {"value": repr(value), "month": month, "year": year, "day": day}
            ) from None
    raise FieldError(_("%(value)s is not a date (write DD/MM/YYYY, day first, or YYYY-MM-DD)") % {"value": repr(value)})


_DAY_FIRST_DATETIME = re.compile(r"(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})(?:[T ]|\s+)(\d{1,2}:\d{2}.*)")


def datetime(value: str) -> dt.datetime:
    """ISO 8601, or a day-first date and a time (``01/10/2030 08:00``); without an offset the time is
    in Asia/Ho_Chi_Minh."""
    if found := _DAY_FIRST_DATETIME.fullmatch(value):
        day = date(found[1])
        clock = found[2] if found[2][1] != ":" else f"0{found[2]}"  # 8:00 -> 08:00
        value_iso = f"{day.isoformat()}T{clock}"
    else:
        value_iso = value
    try:
        if not re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", value_iso):
            raise ValueError
        parsed = dt.datetime.fromisoformat(value_iso)
    except ValueError:
        raise FieldError(
            _("%(value)s is not a datetime (ISO 8601, e.g. 2026-10-01T08:00+07:00, or 01/10/2026 08:00)")
            % {"value": repr(value)}
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    return parsed


_TIME_TEXT = r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?"
_STAMP = rf"{_DATE_TEXT}[T ]\s*{_TIME_TEXT}"
_INTERVAL = re.compile(rf"\s*(?P<start>{_STAMP})\s*/\s*(?P<end>{_STAMP})\s*")


def interval(value: str) -> tuple[dt.datetime, dt.datetime]:
    """``START/END``; either side may be ISO or day first (``01/10/2030 08:00/01/10/2030 11:00``)."""
    if found := _INTERVAL.fullmatch(value):
        start_text, sep, end_text = found["start"], "/", found["end"]
    else:
        start_text, sep, end_text = value.partition("/")
    if not sep:
        raise FieldError(_("%(value)s is not an interval START/END") % {"value": repr(value)})
    start, end = datetime(start_text.strip()), datetime(end_text.strip())
    if end <= start:
        raise FieldError(_("interval %(value)s ends before it starts") % {"value": repr(value)})
    return start, end


# --- free times: START/END intervals and daily patterns -------------------------------------------------

_PATTERN = re.compile(
    rf"(?P<first>{_DATE_TEXT})(?:\s*\.\.\s*(?P<last>{_DATE_TEXT}))?"
    r"(?:\s+(?P<days>[a-z0-9]+(?:\s*[-,]\s*[a-z0-9]+)*))?"
    r"\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})"
)
# English three-letter names and the Vietnamese thứ 2 … thứ 7, chủ nhật (t2 … t7, cn); Monday is 0.
_WEEKDAYS = {
    **{name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{f"t{i + 2}": i for i in range(6)},
    "cn": 6,
}


def _weekdays(spec: str, item: str) -> frozenset[int]:
    days: set[int] = set()
    for part in spec.replace(" ", "").split(","):
        first, _sep, last = part.partition("-")
        if first not in _WEEKDAYS or (last and last not in _WEEKDAYS):
            raise FieldError(
                _("unknown day %(day)s in %(item)s (use mon … sun or t2 … t7, cn, e.g. mon-fri)")
                % {"day": repr(part), "item": repr(item)}
            )
        a, b = _WEEKDAYS[first], _WEEKDAYS[last or first]
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])  # fri-mon wraps
    return frozenset(days)


def _clock(value: str, item: str, *, end: bool) -> tuple[dt.time, int]:
    """A local time of day, and 1 for ``24:00`` as an end (midnight of the next day), else 0."""
    hours, minutes = (int(x) for x in value.split(":"))
    if end and (hours, minutes) == (24, 0):
        return dt.time(0, 0), 1
    if hours > 23 or minutes > 59:
        raise FieldError(
            _("%(time)s in %(item)s is not a time of day (HH:MM)") % {"time": repr(value), "item": repr(item)}
        )
    return dt.time(hours, minutes), 0


def pattern(value: str) -> list[tuple[dt.datetime, dt.datetime]]:
    """``FIRST[..LAST] [DAYS] HH:MM-HH:MM``: the window on every day from FIRST to LAST, inclusive.

    ``2030-10-01..2030-10-07 07:30-11:30`` is the mornings of 1–7 October; ``2030-10-01..2030-10-31
    mon-fri 13:00-17:00`` (or ``t2-t6``) the weekday afternoons of October; one date alone is one day.
    Times are local (Asia/Ho_Chi_Minh); a window ends after it starts on the same day (``24:00`` is
    midnight at its end). At most ``MAX_PATTERN_DAYS`` days, one interval per day.
    """
    item = value
    found = _PATTERN.fullmatch(value.strip().lower())
    if found is None:
        raise FieldError(
            _(
                "%(value)s is not a free time: write START/END (2030-10-01T08:00/2030-10-01T11:00) "
                "or days and hours (2030-10-01..2030-10-07 07:30-11:30)"
            )
            % {"value": repr(item)}
        )
    first, last = date(found["first"]), date(found["last"] or found["first"])
    if last < first:
        raise FieldError(_("%(item)s ends before it starts") % {"item": repr(item)})
    span = (last - first).days + 1
    if span > MAX_PATTERN_DAYS:
        raise FieldError(
            _("%(item)s spans %(days)d days, at most %(maximum)d")
            % {"item": repr(item), "days": span, "maximum": MAX_PATTERN_DAYS}
        )
    opens, _zero = _clock(found["start"], item, end=False)
    closes, next_day = _clock(found["end"], item, end=True)
    if not next_day and closes <= opens:
        raise FieldError(
            _("%(item)s: the hours end before they start (split a night into two items)") % {"item": repr(item)}
        )
    weekdays = _weekdays(found["days"], item) if found["days"] else None
    out = []
    for offset in range(span):
        day = first + dt.timedelta(days=offset)
        if weekdays is not None and day.weekday() not in weekdays:
            continue
        start = dt.datetime.combine(day, opens, tzinfo=LOCAL_TZ)
        end = dt.datetime.combine(day + dt.timedelta(days=next_day), closes, tzinfo=LOCAL_TZ)
        out.append((start, end))
    if not out:
        raise FieldError(_("%(item)s falls on none of its days") % {"item": repr(item)})
    return out


def free_time(value: str) -> list[tuple[dt.datetime, dt.datetime]]:
    """One item of ``available``: an interval ``START/END`` or a ``pattern``, as a list of intervals."""
    # A pattern's dates may be day first (01/10/2030..07/10/2030 07:30-11:30): a slash alone does not
    # make an interval.
    if "/" in value and _PATTERN.fullmatch(value.strip().lower()) is None:
        return [interval(value)]
    return pattern(value)


def availability(value: str) -> list[tuple[dt.datetime, dt.datetime]]:
    """A whole ``available`` cell: ``;``-separated free times (intervals and patterns may mix), expanded.

    The public parser of free times: the API takes the same items (``free_time`` for one). Duplicates
    are dropped, order kept; more than ``MAX_FREE_TIMES`` intervals in all is refused.
    """
    out: list[tuple[dt.datetime, dt.datetime]] = []
    # A few intervals are compared in a list (hashing an aware datetime asks its zone for the offset,
    # which costs more); a set takes over when patterns make the list long.
    seen: set[tuple[dt.datetime, dt.datetime]] | None = None
    for part in value.split(";"):
        part = part.strip()
        if not part:
            continue
        for span in free_time(part):
            if seen is None:
                if span not in out:
                    out.append(span)
                    if len(out) > 32:
                        seen = set(out)
            elif span not in seen:
                seen.add(span)
                out.append(span)
        if len(out) > MAX_FREE_TIMES:
            raise FieldError(
                _("too many free times (more than %(maximum)d once the patterns are expanded)")
                % {"maximum": MAX_FREE_TIMES}
            )
    return out


def province(value: str) -> str:
    code = places.resolve(value)
    if code is None:
        raise FieldError(_("unknown province %(value)s") % {"value": repr(value)})
    return code


def choice(allowed: tuple[str, ...], what: object) -> Parser:
    """One of ``allowed``; ``what`` names the value in the reason (a lazy translation: a parser is built
    once, at import, and reports in the language active when the file is read)."""

    def parse(value: str) -> str:
        if value not in allowed:
            raise FieldError(
                _("unknown %(what)s %(value)s (one of: %(allowed)s)")
                % {"what": what, "value": repr(value), "allowed": ", ".join(allowed)}
            )
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
    return choice(LANGUAGES, _("language"))(value.lower())


# The names a school's own files use for a level (accent-folded, see ``places.fold``): the school types
# of the Vietnamese system and their abbreviations. Primary school is not served: a clear refusal.
_LEVEL_NAMES = {
    **dict.fromkeys(("thcs", "trung hoc co so", "cap 2", "cap ii"), "lower_secondary"),
    **dict.fromkeys(("thpt", "trung hoc pho thong", "cap 3", "cap iii"), "upper_secondary"),
    **dict.fromkeys(("trung cap", "cao dang", "gdnn", "giao duc nghe nghiep"), "vocational"),
    **dict.fromkeys(("dai hoc", "dh"), "university"),
}
_PRIMARY = frozenset(("tieu hoc", "cap 1", "cap i"))


def level(value: str) -> str:
    """A level code (``lower_secondary`` …) or the Vietnamese name of the school type: ``THCS``,
    ``THPT``, ``Trung học cơ sở``, ``cấp 3``, ``trung cấp``, ``đại học`` (any case, with or without
    diacritics)."""
    key = " ".join(places.fold(value).replace(".", " ").split())
    code = key if key in LEVELS else _LEVEL_NAMES.get(key)
    if code is not None:
        return code
    if key in _PRIMARY:
        raise FieldError(
            _("%(value)s: primary school is not served (levels start at THCS, lower secondary)")
            % {"value": repr(value)}
        )
    raise FieldError(
        _(
            "unknown level %(value)s (one of: THCS or lower_secondary, THPT or upper_secondary, "
            "trung cấp or vocational, đại học or university)"
        )
        % {"value": repr(value)}
    )


def school_levels(value: str) -> list[str]:
    """The levels a school teaches, as ``schools.csv`` writes them: one level (``THCS``), or a ``;``-list
    for a combined school (``THCS;THPT``), its main level first."""
    try:
        out = items(level)(value)
    except FieldError as exc:
        if any(sep in value for sep in (",", "+", "&", "/")) or " va " in f" {places.fold(value)} ":
            # "THCS và THPT", as the school's name says it: the contract's list separator is ';'.
            raise FieldError(
                _("%(error)s; a school of several levels lists them separated by ;, e.g. THCS;THPT")
                % {"error": exc}
            ) from None
        raise
    if not out:
        raise FieldError(_("%(value)s names no level") % {"value": repr(value)})
    return out
