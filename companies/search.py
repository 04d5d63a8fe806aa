"""Search of the catalogue: an opportunity's words as a person may type them.

A student on a phone types "lap trinh game" for "lập trình game", and a coordinator may write "robot"
or "AI" in English for a Vietnamese posting. Each opportunity keeps two texts, written whenever it is
saved (``Opportunity.save``, the import's upsert): ``search_title`` (its title) and ``search_text`` (title
and description), each its words twice, lower-cased: accent-folded, then as written (" lap trinh game
lập trình game "). A word typed without accents ("gom") meets the folded half; a word with its
accents ("gốm") meets only the same word as written, never "gồm" (to include), which folds alike.

A query is a list of groups of alternatives (``matchmaking.search.query_groups`` adds each phrase's
synonyms in both languages); a group is found when one of its alternatives starts a word of the text
(or is a whole word, for three letters or fewer). An opportunity scores 2 for each group found in its
title, 1 for each found only in its description; one group is enough to be listed, and the best scores
come first.
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


def search(qs: QuerySet, groups: Sequence[Sequence[str]], *, also: Q | None = None) -> QuerySet:
    """``qs`` with ``search_score`` (2 per group found in the title, 1 per group found only in the
    description; 1 more if it meets ``also``), without those that score nothing."""
    if not groups and also is None:
        return qs
    terms: list[Any] = []
    if also is not None:
        terms.append(Case(When(also, then=Value(1)), default=Value(0), output_field=IntegerField()))
    for group in groups:
        terms.append(
            Case(
                When(_found("search_title", group), then=Value(2)),
                When(_found("search_text", group), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    score: Any = terms[0]
    for term in terms[1:]:
        score = score + term
    return qs.annotate(search_score=score).filter(search_score__gte=1)
