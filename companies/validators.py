"""Validators of the text people type, attached to model fields so that every face (ModelForms, DRF
model serializers) refuses the same input with a message naming the field.

Control characters (NUL, escape, form feed …) have no place in anything a person reads, and a line
break in a title or a name would break the calendar line it ends up in: single-line text refuses every
control character, free text (descriptions, interests) keeps line breaks and tabs only. The CSV
contract applies the same rule row by row (``exchange.fields``).
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_FREE_TEXT_ALLOWED = frozenset("\n\r\t")


def _first_control(value: str, allowed: frozenset[str]) -> str | None:
    for ch in value:
        if unicodedata.category(ch) == "Cc" and ch not in allowed:
            return ch
    return None


def validate_single_line(value: str) -> None:
    ch = _first_control(value or "", frozenset())
    if ch is not None:
        raise ValidationError(
            _("Must be one line, without control characters (found %(char)s)."),
            code="control_character",
            params={"char": repr(ch)},
        )


def validate_free_text(value: str) -> None:
    ch = _first_control(value or "", _FREE_TEXT_ALLOWED)
    if ch is not None:
        raise ValidationError(
            _("Must not contain control characters (found %(char)s)."),
            code="control_character",
            params={"char": repr(ch)},
        )
