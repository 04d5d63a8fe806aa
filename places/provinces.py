"""Vietnam's 34 province-level units (in force since 1 July 2025) and a forgiving name lookup.

The table lives in ``data/provinces.json`` and is read once, on first use, so that importing this
module (from settings, models or an engine) costs nothing. Pre-2025 province names, English names and
common spellings all resolve to the unit that now contains them, because CSV files from schools and
companies will keep using the old names for years.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Province",
    "choices",
    "codes",
    "fold",
    "name",
    "neighbour_map",
    "neighbours",
    "province",
    "region",
    "resolve",
]

# Administrative words that may precede or follow a name without changing which unit it is.
_PREFIXES: tuple[tuple[str, ...], ...] = (("thanh", "pho"), ("t", "p"), ("tinh",), ("tp",))
_SUFFIXES: tuple[tuple[str, ...], ...] = (("province",), ("city",))
_NON_WORD = re.compile(r"[\W_]+")
_DATA = Path(__file__).parent / "data" / "provinces.json"


@dataclass(frozen=True, slots=True)
class Province:
    code: str
    name: str
    name_en: str
    kind: str  # "city" (centrally-run) or "province"
    region: str
    aliases: tuple[str, ...]
    former: tuple[str, ...]
    neighbours: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Table:
    by_code: dict[str, Province]
    index: dict[str, str]  # lookup key -> code


def fold(text: str) -> str:
    """Accent-fold ``text``: NFD, drop combining marks, đ/Đ → d, casefold ("Đắk Lắk" → "dak lak")."""
    decomposed = unicodedata.normalize("NFD", text)
    # Đ/đ are letters in their own right, not d plus a mark, so NFD leaves them alone.
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d").replace("Đ", "d").casefold()


def _strip_affixes(words: list[str]) -> list[str]:
    changed = True
    while changed and words:
        changed = False
        for prefix in _PREFIXES:
            if len(words) > len(prefix) and tuple(words[: len(prefix)]) == prefix:
                words = words[len(prefix) :]
                changed = True
        for suffix in _SUFFIXES:
            if len(words) > len(suffix) and tuple(words[-len(suffix) :]) == suffix:
                words = words[: -len(suffix)]
                changed = True
    return words


def _key(text: str) -> str:
    """The lookup key: folded, punctuation dropped, administrative prefixes removed, spaces removed.

    Spaces are removed, not only collapsed, so that "Hanoi", "Ha Noi" and "Daklak" meet their
    spaced forms; the table is checked at load time so that this never makes two units collide.
    """
    words = _NON_WORD.sub(" ", fold(text)).split()
    return "".join(_strip_affixes(words))


def _load() -> _Table:
    raw = json.loads(_DATA.read_text(encoding="utf-8"))
    by_code: dict[str, Province] = {}
    index: dict[str, str] = {}
    for row in raw["provinces"]:
        unit = Province(
            code=row["code"],
            name=unicodedata.normalize("NFC", row["name"]),
            name_en=row["name_en"],
            kind=row["kind"],
            region=row["region"],
            aliases=tuple(row["aliases"]),
            former=tuple(row["former"]),
            neighbours=frozenset(row["neighbours"]),
        )
        if unit.code in by_code:
            raise ValueError(f"provinces.json: duplicate code {unit.code!r}")
        by_code[unit.code] = unit
        for label in (unit.code, unit.name, unit.name_en, *unit.aliases, *unit.former):
            key = _key(label)
            owner = index.setdefault(key, unit.code)
            if owner != unit.code:
                raise ValueError(
                    f"provinces.json: {label!r} is ambiguous between {owner!r} and {unit.code!r}"
                )
    return _Table(by_code=by_code, index=index)


@functools.cache
def _table() -> _Table:
    return _load()


def province(code: str) -> Province:
    """The whole record for ``code``; KeyError for an unknown code."""
    try:
        return _table().by_code[code]
    except KeyError:
        raise KeyError(f"unknown province code {code!r}") from None


def resolve(name: str) -> str | None:
    """The code of the unit that ``name`` (current, English, alias or pre-2025 name) denotes, or None."""
    key = _key(name)
    return _table().index.get(key) if key else None


def name(code: str, lang: str = "vi") -> str:
    """The unit's display name: Vietnamese (``lang="vi"``) or English (``lang="en"``)."""
    unit = province(code)
    if lang == "vi":
        return unit.name
    if lang == "en":
        return unit.name_en
    raise ValueError(f"unsupported language {lang!r}; expected 'vi' or 'en'")


def codes() -> list[str]:
    return sorted(_table().by_code)


def neighbours(code: str) -> frozenset[str]:
    """Codes of the units sharing a land (or river) border with ``code``."""
    return province(code).neighbours


def neighbour_map() -> dict[str, frozenset[str]]:
    return {code: province.neighbours for code, province in sorted(_table().by_code.items())}


def region(code: str) -> str:
    """One of the seven socio-economic regions, e.g. "red_river_delta", "mekong_delta"."""
    return province(code).region


def choices() -> list[tuple[str, str]]:
    """(code, Vietnamese name) pairs for Django field choices, ordered by the accent-folded name."""
    units = _table().by_code.values()
    return [(p.code, p.name) for p in sorted(units, key=lambda p: (fold(p.name), p.code))]
