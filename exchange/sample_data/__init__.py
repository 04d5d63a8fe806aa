"""The vocabulary and the proportions of the sample world that ``exchange.sample`` generates: data, not logic.

- ``fields.json``: the shared pool of fields (AI, software, game development, …, crafts), each in Vietnamese
  and English: topics, roles, sites, contests, blurbs, skills, where its organisations cluster, and how much
  students of each level care about it. Interests and opportunity topics both come from here.
- ``people.json``: Vietnamese names, company brands, school names, streets, and the locales schools and
  companies sit in, with the spellings people really use for them.
- ``texts.json``: templates for titles, descriptions, interests and class requests.
- ``shape.json``: the proportions (profiles, kinds, audiences, capacities, online shares, …).

``Vocabulary`` also draws words from the data (a person's name, an address); the generator composes them.
"""

from __future__ import annotations

import functools
import json
import random
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import places

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Field:
    key: str
    weight: float  # share of organisations working in it
    affinity: tuple[float, ...]  # how much students care, per level (in LEVELS order)
    en_share: float  # share of its organisations that write in English
    factory: bool  # visits are to production sites: 16 and over
    hubs: tuple[str, ...]  # locale keys where its organisations cluster
    related: tuple[str, ...]  # keys of fields whose topics its opportunities sometimes borrow
    sector: dict[str, str]
    brand_words: tuple[str, ...]
    topics: dict[str, list[str]]
    roles: dict[str, list[str]]
    site: dict[str, str]
    contest: dict[str, str]
    blurb: dict[str, list[str]]
    skills: tuple[str, ...]


@dataclass(frozen=True)
class Locale:
    key: str
    school_weight: float
    company_weight: float
    label: str
    names: tuple[str, ...]
    name_weights: tuple[float, ...]
    districts: tuple[str, ...]
    parks: tuple[str, ...]

    def written(self, rng: random.Random) -> str:
        """The province as someone here writes it: with or without diacritics, maybe a pre-2025 name."""
        return rng.choices(self.names, self.name_weights)[0]


@dataclass(frozen=True)
class Vocabulary:
    fields: tuple[Field, ...]
    locales: tuple[Locale, ...]
    people: dict[str, Any]
    texts: dict[str, Any]
    shape: dict[str, Any]

    def person(self, rng: random.Random) -> tuple[str, str, str]:
        """(surname, middle name, given name), drawn the way Vietnamese names are distributed."""
        surnames, sex = self.people["surnames"], "m" if rng.random() < 0.5 else "f"
        surname = rng.choices([s for s, _ in surnames], [w for _, w in surnames])[0]
        given = rng.choice(self.people["given"][sex])
        middle = rng.choice(self.people["middle"][sex])
        while middle in given.split():  # no "Minh Minh"
            middle = rng.choice(self.people["middle"][sex])
        return surname, middle, given

    def address(self, rng: random.Random, locale: Locale, *, park: bool = False) -> str:
        """A street address in ``locale``, or a lot in one of its industrial parks."""
        district = rng.choice(locale.districts)
        if park and locale.parks:
            return f"Lô {rng.choice('ABCDE')}{rng.randint(1, 30)}, {rng.choice(locale.parks)}, {district}"
        return f"Số {rng.randint(1, 300)}, đường {rng.choice(self.people['streets'])}, {district}"


@functools.lru_cache(maxsize=8192)
def slug(text: str) -> str:
    """ASCII, lower case, dashes: for the local parts and domains of email addresses."""
    return re.sub(r"[^a-z0-9]+", "-", places.fold(text)).strip("-")


def without_diacritics(text: str) -> str:
    """Vietnamese as typed without an input method (marks gone, case kept), as many students write."""
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped.replace("đ", "d").replace("Đ", "D"))


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HERE / name).read_text(encoding="utf-8"))
    data.pop("_comment", None)
    return data


@functools.cache
def vocabulary() -> Vocabulary:
    people = _load("people.json")
    fields = []
    for raw in _load("fields.json")["fields"]:
        values: dict[str, Any] = {key: tuple(v) if isinstance(v, list) else v for key, v in raw.items()}
        fields.append(Field(**values))
    locales = tuple(
        Locale(
            key=raw["key"],
            school_weight=raw["school_weight"],
            company_weight=raw["company_weight"],
            label=raw["label"],
            names=tuple(name for name, _ in raw["names"]),
            name_weights=tuple(weight for _, weight in raw["names"]),
            districts=tuple(raw["districts"]),
            parks=tuple(raw["parks"]),
        )
        for raw in people.pop("locales")
    )
    return Vocabulary(tuple(fields), locales, people, _load("texts.json"), _load("shape.json"))
