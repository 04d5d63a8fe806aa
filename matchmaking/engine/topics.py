"""The curated bilingual topic vocabulary (``data/topics.json``) and phrase matching onto topic ids.

A text meets a topic when one of the topic's names or synonyms occurs in it as whole words, compared
on the accent-folded, case-folded form ("lap trinh game", "Lập trình game" and "game development" all
give ``game-dev``). Matching is greedy longest-first from the left, so "lập trình game" counts as game
development and not also as programming. Acronyms ("AI", "IoT") are matched case-sensitively on the
raw text, because the folded "ai" is also the Vietnamese word for "who".
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .text import Tokenised, fold, normalise, tokens

DEFAULT_PATH = Path(__file__).parent / "data" / "topics.json"


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    vi: str
    en: str
    group: str

    def name(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


@dataclass(frozen=True)
class Vocabulary:
    topics: tuple[Topic, ...]
    # Phrase (tuple of tokens) → topic index; one table on folded tokens and one on NFC tokens (for
    # the ablation without folding).
    folded_phrases: Mapping[tuple[str, ...], int]
    exact_phrases: Mapping[tuple[str, ...], int]
    acronyms: Mapping[str, int]
    version: str

    @functools.cached_property
    def index(self) -> dict[str, int]:
        return {t.id: i for i, t in enumerate(self.topics)}

    @functools.cached_property
    def _acronym_re(self) -> re.Pattern[str] | None:
        if not self.acronyms:
            return None
        alternatives = "|".join(re.escape(a) for a in sorted(self.acronyms, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")

    def match_acronyms(self, raw: str) -> set[int]:
        pattern = self._acronym_re
        return {self.acronyms[m] for m in pattern.findall(raw)} if pattern else set()

    def match_tokens(self, toks: Sequence[str], *, folding: bool = True) -> set[int]:
        """Topics named in one tokenised, normalised text (folded tokens when ``folding``)."""
        phrases = self.folded_phrases if folding else self.exact_phrases
        found: set[int] = set()
        i, longest = 0, self._longest(phrases)
        while i < len(toks):
            for length in range(min(longest, len(toks) - i), 0, -1):
                topic = phrases.get(tuple(toks[i : i + length]))
                if topic is not None:
                    found.add(topic)
                    i += length
                    break
            else:
                i += 1
        return found

    def match_text(self, raw: str, *, folding: bool = True) -> set[int]:
        text = normalise(raw)
        toks = tokens(fold(text) if folding else text)
        return self.match_tokens(toks, folding=folding) | self.match_acronyms(raw)

    def match_entries(self, entries: Iterable[str], *, folding: bool = True) -> set[int]:
        """Topics of an explicit list: a topic id counts as itself, anything else is matched as text."""
        found: set[int] = set()
        for entry in entries:
            key = normalise(entry).strip()
            if key in self.index:
                found.add(self.index[key])
            else:
                found |= self.match_text(entry, folding=folding)
        return found

    def match_corpus(self, tok: Tokenised, *, folding: bool = True) -> list[set[int]]:
        """``match_tokens`` for every document of ``tok`` (acronyms are separate: they need raw text).

        Phrases are looked up as tuples of the corpus's token ids, and only at positions whose token
        starts some phrase, trying only the lengths such phrases have, longest first.
        """
        phrases = self.folded_phrases if folding else self.exact_phrases
        vocab, ids = (tok.folded_vocab, tok.folded_ids) if folding else (tok.vocab, tok.ids)
        index = {t: i for i, t in enumerate(vocab)}
        by_ids: dict[tuple[int, ...], int] = {}
        lengths: dict[int, list[int]] = {}
        for phrase, topic in phrases.items():
            key = tuple(index.get(t, -1) for t in phrase)
            if -1 not in key:
                by_ids[key] = topic
                lengths.setdefault(key[0], []).append(len(key))
        found: list[set[int]] = [set() for _ in range(len(tok.offsets) - 1)]
        if not len(ids) or not lengths:
            return found
        options = {first: sorted(set(ls), reverse=True) for first, ls in lengths.items()}
        can_start = np.zeros(len(vocab), dtype=bool)
        can_start[list(options)] = True
        positions = np.flatnonzero(can_start[ids])
        docs = (np.searchsorted(tok.offsets, positions, side="right") - 1).tolist()
        ends = tok.offsets[1:].tolist()
        flat = ids.tolist()
        covered_until = -1
        for pos, doc in zip(positions.tolist(), docs, strict=True):
            if pos < covered_until:
                continue
            end = ends[doc]
            for length in options[flat[pos]]:
                if pos + length <= end:
                    topic = by_ids.get(tuple(flat[pos : pos + length]))
                    if topic is not None:
                        found[doc].add(topic)
                        covered_until = pos + length
                        break
        return found

    @staticmethod
    def _longest(phrases: Mapping[tuple[str, ...], int]) -> int:
        return max((len(p) for p in phrases), default=0)


def _phrase(text: str, *, folded: bool) -> tuple[str, ...]:
    normal = normalise(text)
    return tuple(tokens(fold(normal) if folded else normal))


def build_vocabulary(raw: Mapping[str, Any]) -> Vocabulary:
    """A vocabulary from the parsed JSON; raises ValueError when one phrase would name two topics."""
    topics: list[Topic] = []
    folded: dict[tuple[str, ...], int] = {}
    exact: dict[tuple[str, ...], int] = {}
    acronyms: dict[str, int] = {}
    rows = raw["topics"]
    for i, row in enumerate(rows):
        topic = Topic(id=row["id"], vi=row["vi"], en=row["en"], group=row["group"])
        topics.append(topic)
        for label in (row["vi"], row["en"], *row.get("synonyms", ())):
            for table, key in ((folded, _phrase(label, folded=True)), (exact, _phrase(label, folded=False))):
                if not key:
                    continue
                owner = table.setdefault(key, i)
                if owner != i and table is folded:
                    raise ValueError(f"topics: {label!r} names both {rows[owner]['id']!r} and {row['id']!r}")
        for acronym in row.get("acronyms", ()):
            if acronyms.setdefault(acronym, i) != i:
                raise ValueError(f"topics: acronym {acronym!r} names two topics")
    return Vocabulary(tuple(topics), folded, exact, acronyms, str(raw.get("version", "")))


@functools.cache
def load_vocabulary(path: Path = DEFAULT_PATH) -> Vocabulary:
    return build_vocabulary(json.loads(path.read_text(encoding="utf-8")))
