"""Search of the catalogue: an opportunity's words as a person may type them.

A student on a phone types "lap trinh game" for "lập trình game", and a coordinator may write "robot"
or "AI" in English for a Vietnamese posting. Each opportunity keeps two texts, written whenever it is
saved (``Opportunity.save``, the import's upsert): ``search_title`` (its title) and ``search_text`` (title
and description), each its words twice, lower-cased: accent-folded, then as written (" lap trinh game
lập trình game "). A word typed without accents ("gom") meets the folded half; a word with its
accents ("gốm") meets only the same word as written, never "gồm" (to include), which folds alike.

A query is a list of phrases, each a group of alternatives (``matchmaking.search.query_groups`` adds
each phrase's synonyms in both languages) with the groups of its parts ("lập trình game": "lập trình",
"game"); a group is found when one of its alternatives starts a word of the text (or is a whole word, for
three letters or fewer). An opportunity scores, per phrase, 4 when the phrase is in its title, 2 when
only in its description, else 1 when any of its parts is anywhere; 2 more when its company's name is the
query. One part is enough to be listed; the best scores come first. A phrase's parts count once and below
the phrase: summed, "trò chơi điện tử" made a bank's "ví điện tử" ("điện tử", then "điện") weigh as much
as a whole phrase, and list it first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from places.provinces import fold

_WORD = re.compile(r"\w+")


def written(text: str) -> list[str]:
    """The words of ``text`` as written, lower-cased (NFC): "Lập trình Game!" → ["lập", "trình", "game"]."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower().replace("_", " "))


def words(text: str) -> list[str]:
    """The folded, lower-cased words of ``text``: "Lập trình Game!" → ["lap", "trinh", "game"]."""
    return _WORD.findall(fold(text).replace("_", " "))


def search_text(*parts: str) -> str:
    """What ``Opportunity.search_text`` holds for these parts (``search_title``: the title alone)."""
    joined = " ".join(part or "" for part in parts)
    folded, as_written = words(joined), written(joined)
    if not folded:
        return ""
    return f" {' '.join(folded)} {' '.join(as_written)} "


def _found(field: str, group: Sequence[str]) -> Q:
    found = Q()
    for alternative in group:
        # A word of three letters or fewer is found whole ("it" is not "itinerary", "ai" not "aim").
        needle = f" {alternative} " if len(alternative) <= 3 else f" {alternative}"
        found |= Q(**{f"{field}__contains": needle})
    return found


Group = Sequence[str]
Phrase = tuple[Group, Sequence[Group]]
"""A phrase's alternatives, and the groups of alternatives of its parts."""


def search(qs: QuerySet, phrases: Sequence[Phrase], *, also: Q | None = None) -> QuerySet:
    """``qs`` with ``search_score`` (per phrase: 4 in the title, 2 only in the description, else 1 for a
    part of it anywhere; 2 more if it meets ``also``), without those that score nothing."""
    if not phrases and also is None:
        return qs
    terms: list[Any] = []
    if also is not None:
        terms.append(Case(When(also, then=Value(2)), default=Value(0), output_field=IntegerField()))
    for group, parts in phrases:
        somewhere = Q()
        for part in parts:
            somewhere |= _found("search_text", part)  # the title is in search_text too
        whens = [
            When(_found("search_title", group), then=Value(4)),
            When(_found("search_text", group), then=Value(2)),
        ]
        if parts:
            whens.append(When(somewhere, then=Value(1)))
        terms.append(Case(*whens, default=Value(0), output_field=IntegerField()))
    score: Any = terms[0]
    for term in terms[1:]:
        score = score + term
    return qs.annotate(search_score=score).filter(search_score__gte=1)
