"""The curated bilingual topic vocabulary (``data/topics.json``) and phrase matching onto topic ids.

A text meets a topic when one of the topic's names or synonyms occurs in it as whole words, compared
on the accent-folded, case-folded form ("lap trinh game", "Lập trình game" and "game development" all
give ``game-dev``). A word written with its diacritics must be the phrase's word, though, and not
only fold like it: "được học" (to get to study) is not "dược học" (pharmacy), "thợ máy" (a mechanic) not
"thợ may" (a tailor), "truyền thống" (tradition) not "truyền thông" (media); a word typed bare meets
every word it is the folding of (``Vocabulary.accents``), except that a phrase of one word spelt with
diacritics ("vẽ", to draw) is met only as written: typed bare, a lone syllable could be any of several
("ve" is vẽ, về or vé). Matching is greedy longest-first from the left, so "lập trình game" counts as game
development and not also as programming. Acronyms ("AI", "IoT") are matched case-sensitively on the
raw text, because the folded "ai" is also the Vietnamese word for "who".

A word that also means something else is one of its topic's ``ambiguous`` phrases ("python", a snake;
"java", a coffee). It takes part in the same longest-first match under a code of its own
(``ambiguous_code``), so that inside a longer phrase it is that phrase's, and it names the topic only where
the rest of the text has a topic of that field or of a field in the topic's ``context``, or no other
topic (``Vocabulary.kept_ambiguous``). The
``not_topics`` are phrases that name nothing: they take their words in the longest-first match, so that no
shorter phrase inside them names a topic ("tạo công ăn việc làm", to create jobs, holds "công an", police).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .text import BREAK_RE, Tokenised, accent_key, fold, normalise, tokens

DEFAULT_PATH = Path(__file__).parent / "data" / "topics.json"


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    vi: str
    en: str
    group: str
    # The topic names its whole field ("công nghệ thông tin", IT, for software; "tài chính" for finance,
    # banking and accounting): a participant who names it and nothing narrower of the field wants the
    # whole field (``vectors.topic_terms``).
    umbrella: bool = False

    def name(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


@dataclass(frozen=True, slots=True)
class Field:
    """A field of work or study that topics belong to ("finance": finance, banking, accounting…)."""

    id: str
    vi: str
    en: str
    # A field of skills every kind of work asks for (teamwork, presenting, office software): its topics
    # relate two texts, but sharing one of them alone is no reason to recommend (``evidence_columns``).
    transversal: bool = False

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
    # Every field a topic belongs to, by id, named in both languages ("fields" in topics.json).
    fields: Mapping[str, Field] = dataclasses.field(default_factory=dict)
    # A phrase that names a topic only in its context ("ambiguous" in topics.json: "python" is also a snake,
    # "java" a coffee) is in the phrase tables under ``ambiguous_code(topic)``; each such topic's fields
    # besides its own that make the context ("context"): ``kept_ambiguous``.
    context: Mapping[int, frozenset[str]] = dataclasses.field(default_factory=dict)
    # Folded phrase → how its labels are spelt, word by word as ``text.accent_key`` gives them. A text's
    # word with diacritics meets a phrase's only where it is spelt the same (the tone mark on either vowel
    # of "hoá"/"hóa"); a word typed bare meets any, but for a one-word label with diacritics, whose
    # spelling is marked ``AS_WRITTEN`` (``written_as``). A phrase missing here meets any text.
    accents: Mapping[tuple[str, ...], frozenset[tuple[str, ...]]] = dataclasses.field(default_factory=dict)

    @functools.cached_property
    def index(self) -> dict[str, int]:
        return {t.id: i for i, t in enumerate(self.topics)}

    @functools.cached_property
    def group_of(self) -> np.ndarray:
        """Each topic's field (its ``group`` in topics.json) as an index into ``field_ids``."""
        fields = {g: i for i, g in enumerate(self.field_ids)}
        return np.array([fields[t.group] for t in self.topics], dtype=np.int64)

    @functools.cached_property
    def umbrellas(self) -> np.ndarray:
        """Which topics name their whole field (``Topic.umbrella``)."""
        return np.array([t.umbrella for t in self.topics], dtype=bool)

    @functools.cached_property
    def evidence_columns(self) -> np.ndarray:
        """Which topic-term columns (the topics', then the fields', as ``vectors.topic_terms`` lays them
        out) count as a reason of relevance when two texts share them: all but a transversal field's."""
        transversal = {f.id for f in self.fields.values() if f.transversal}
        topics = [t.group not in transversal for t in self.topics]
        return np.array(topics + [g not in transversal for g in self.field_ids], dtype=bool)

    def kept_ambiguous(self, found: Iterable[int], maybe: Iterable[int]) -> set[int]:
        """Of the topics ``maybe`` that a document names only by an ambiguous phrase, those its other
        topics (``found``) confirm: one of them is in the topic's field or a field of its context. A
        document with no other topic (a student who wrote only "Python") keeps them all: "Meet the
        pythons: reptile rescue" is about animals, "em học Python và AI" about programming."""
        groups = {self.topics[t].group for t in found}
        others = {g for g in groups if not self.fields.get(g, _NO_FIELD).transversal}  # not teamwork alone
        maybe = set(maybe)
        if not others:
            return maybe
        return {t for t in maybe if self.topics[t].group in others or others & self.context.get(t, frozenset())}

    @functools.cached_property
    def field_ids(self) -> tuple[str, ...]:
        """The fields' ids in order of first use by a topic (the field terms' columns, ``group_of``)."""
        return tuple(dict.fromkeys(t.group for t in self.topics))

    @functools.cached_property
    def _acronym_re(self) -> re.Pattern[str] | None:
        if not self.acronyms:
            return None
        alternatives = "|".join(re.escape(a) for a in sorted(self.acronyms, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")

    def match_acronyms(self, raw: str) -> set[int]:
        pattern = self._acronym_re
        return {self.acronyms[m] for m in pattern.findall(raw)} if pattern else set()

    def match_tokens(
        self, toks: Sequence[str], *, folding: bool = True, written: Sequence[str] | None = None
    ) -> set[int]:
        """Topics named in one tokenised, normalised text (folded tokens when ``folding``, and then the
        same tokens as ``written``, if known, for ``written_as``), and those of its ambiguous phrases
        that the rest confirms (``kept_ambiguous``)."""
        found, maybe = self._match_tokens(toks, folding=folding, written=written)
        return found | self.kept_ambiguous(found, maybe - found) if maybe else found

    def written_as(self, phrase: tuple[str, ...], written: Sequence[str]) -> bool:
        """Whether the words of a text as written (normalised) that fold into ``phrase`` are that phrase
        as one of its labels spells it. Words typed bare, all of them, meet any spelling but a one-word
        label's with diacritics; where one of them has its diacritics, the writer types them, and each
        word must be spelt as the label spells it ("học may", to learn sewing, is not "học máy")."""
        spellings = self.accents.get(phrase)
        if not spellings:
            return True
        if all(fold(t) == t for t in written):  # typed bare
            return any(not any(s.endswith(AS_WRITTEN) for s in spelt) for spelt in spellings)
        keys = [accent_key(t) for t in written]
        return any(
            all(k == s.removesuffix(AS_WRITTEN) for k, s in zip(keys, spelt, strict=True)) for spelt in spellings
        )

    def _match_tokens(
        self, toks: Sequence[str], *, folding: bool, written: Sequence[str] | None = None
    ) -> tuple[set[int], set[int]]:
        """(topics named, topics named only by an ambiguous phrase), longest phrase first from the left."""
        phrases = self.folded_phrases if folding else self.exact_phrases
        found: set[int] = set()
        maybe: set[int] = set()
        i, longest = 0, self._longest(phrases)
        while i < len(toks):
            for length in range(min(longest, len(toks) - i), 0, -1):
                phrase = tuple(toks[i : i + length])
                code = phrases.get(phrase)
                if code is not None and folding and written is not None:
                    code = code if self.written_as(phrase, written[i : i + length]) else None
                if code is not None:
                    if code >= 0:
                        found.add(code)
                    elif code != NOTHING:
                        maybe.add(ambiguous_code(code))
                    i += length
                    break
            else:
                i += 1
        return found, maybe

    def match_text(self, raw: str, *, folding: bool = True) -> set[int]:
        found: set[int] = set()
        maybe: set[int] = set()
        for part in BREAK_RE.split(normalise(raw)):  # a phrase never spans a break, as in ``match_corpus``
            written = tokens(part)
            folded = [fold(t) for t in written] if folding else written
            named, unsure = self._match_tokens(folded, folding=folding, written=written)
            found |= named
            maybe |= unsure
        found |= self.match_acronyms(raw)
        return found | self.kept_ambiguous(found, maybe - found) if maybe else found

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
        """``match_tokens`` for every document of ``tok`` (acronyms are separate: they need raw text), but
        for the phrases within a name the document marked (``match_corpus_named``)."""
        found, _, maybe = self.match_corpus_named(tok, folding=folding)
        for doc, unsure in zip(found, maybe, strict=True):
            if unsure - doc:
                doc |= self.kept_ambiguous(doc, unsure - doc)
        return found

    def match_corpus_named(
        self, tok: Tokenised, *, folding: bool = True
    ) -> tuple[list[set[int]], list[set[int]], list[set[int]]]:
        """For every document of ``tok``: the topics its phrases name outside the names it marked; apart,
        those found only within a name (``Tokenised.named``: a phrase with a word of the name is the
        name's; an ambiguous one too, since the caller counts a name's topic only where the rest of the
        document has its field); and those named outside names only by an ambiguous phrase, for the
        caller to confirm (``kept_ambiguous``). Acronyms are separate: they need raw text.

        Each phrase becomes an integer code over the corpus's token ids (its first few tokens when
        it is long), so candidate occurrences are found with numpy, one phrase length at a time.
        Only the hits, far fewer than the tokens, go through Python: long phrases are checked in
        full, then the longest match at the leftmost free position wins, as in ``match_tokens``.
        """
        phrases = self.folded_phrases if folding else self.exact_phrases
        vocab, ids = (tok.folded_vocab, tok.folded_ids) if folding else (tok.vocab, tok.ids)
        found: list[set[int]] = [set() for _ in range(len(tok.offsets) - 1)]
        in_names: list[set[int]] = [set() for _ in found]
        maybe: list[set[int]] = [set() for _ in found]
        if not len(ids):
            return found, in_names, maybe
        index = {t: i for i, t in enumerate(vocab)}
        base = len(vocab) + 1
        fits = max(1, int(62 / np.log2(base)))  # tokens per int64 code without overflow
        listed = list(phrases.items())
        by_length: dict[int, dict[int, list[tuple[tuple[int, ...], int, int]]]] = {}
        for number, (phrase, topic) in enumerate(listed):
            key = tuple(index.get(t, -1) for t in phrase)
            if -1 in key:
                continue  # a word the corpus never uses: the phrase cannot occur
            code = 0
            for i in key[:fits]:
                code = code * base + i
            by_length.setdefault(len(key), {}).setdefault(code, []).append((key, topic, number))
        doc_end = np.repeat(tok.offsets[1:], np.diff(tok.offsets))
        positions = np.arange(len(ids))
        hit_at, hit_length, hit_topic, hit_phrase = [], [], [], []
        for length, codes in by_length.items():
            prefix = min(length, fits)
            sorted_codes = np.array(sorted(codes), dtype=np.int64)
            start = positions[positions + length <= doc_end]
            code_arr = np.zeros(len(start), dtype=np.int64)
            for i in range(prefix):
                code_arr = code_arr * base + ids[start + i]
            where = np.minimum(np.searchsorted(sorted_codes, code_arr), len(sorted_codes) - 1)
            hit = sorted_codes[where] == code_arr
            if length <= fits:  # the code is the whole phrase, and a phrase names one topic
                topic_of = np.array([codes[c][0][1] for c in sorted_codes.tolist()], dtype=np.int64)
                phrase_of = np.array([codes[c][0][2] for c in sorted_codes.tolist()], dtype=np.int64)
                hit_at.append(start[hit])
                hit_topic.append(topic_of[where[hit]])
                hit_phrase.append(phrase_of[where[hit]])
                hit_length.append(np.full(int(hit.sum()), length, dtype=np.int64))
                continue
            # longer: the code is its first tokens; check the rest
            long_hits = [
                (p_, topic, number)
                for p_, c_ in zip(start[hit].tolist(), code_arr[hit].tolist(), strict=True)
                for key, topic, number in codes[c_]
                if key == tuple(ids[p_ : p_ + length].tolist())
            ]
            hit_at.append(np.array([p_ for p_, _, _ in long_hits], dtype=np.int64))
            hit_topic.append(np.array([t_ for _, t_, _ in long_hits], dtype=np.int64))
            hit_phrase.append(np.array([n_ for _, _, n_ in long_hits], dtype=np.int64))
            hit_length.append(np.full(len(long_hits), length, dtype=np.int64))
        if not hit_at:  # no phrase of the vocabulary can occur in this corpus
            return found, in_names, maybe
        from .kernels import leftmost_longest  # numba: imported by the first corpus, not with the engine

        at, length_, topic_, phrase_ = (
            np.concatenate(parts).astype(np.int64) for parts in (hit_at, hit_length, hit_topic, hit_phrase)
        )
        # A phrase never spans a line or a stop (``text.BREAK_RE``): no break before its second token or later.
        within = ~tok.spans(tok.breaks, at + 1, length_ - 1)
        if folding and self.accents:
            within &= self._written_as_hits(tok, at, length_, phrase_, [phrase for phrase, _ in listed])
        at, length_, topic_ = at[within], length_[within], topic_[within]
        order = np.lexsort((-length_, at))  # leftmost first, the longest of those first
        at, length_, topic_ = at[order], length_[order], topic_[order]
        chosen = leftmost_longest(at, length_)
        docs = np.searchsorted(tok.offsets, at[chosen], side="right") - 1
        named = tok.spans(tok.named, at[chosen], length_[chosen])
        for d_, t_, n_ in zip(docs.tolist(), topic_[chosen].tolist(), named.tolist(), strict=True):
            if t_ >= 0:
                (in_names if n_ else found)[d_].add(t_)
            elif t_ != NOTHING:  # an ambiguous phrase; within a name, the name's rule confirms it
                (in_names if n_ else maybe)[d_].add(ambiguous_code(t_))
        for d_ in np.unique(docs[named]).tolist():
            in_names[d_] -= found[d_]
        return found, in_names, maybe

    def _written_as_hits(
        self, tok: Tokenised, at: np.ndarray, length: np.ndarray, number: np.ndarray, phrases: list[tuple[str, ...]]
    ) -> np.ndarray:
        """``written_as`` for every occurrence (its first token ``at``, its ``length``, its phrase
        ``phrases[number]``) of a folded phrase in the corpus: numpy over the occurrences, Python only
        once per distinct word and phrase."""
        keep = np.ones(len(at), dtype=bool)
        if not len(at):
            return keep
        # Each word of the corpus written at an occurrence → its spelling's number, and whether it has its
        # diacritics; a phrase's word → its spelling's number, negative where it is met only as written.
        spelt: dict[str, int] = {}

        def spelling(key: str) -> int:
            if key.endswith(AS_WRITTEN):
                return -spelt.setdefault(key[: -len(AS_WRITTEN)], len(spelt) + 1)
            return spelt.setdefault(key, len(spelt) + 1)

        covered = np.unique(tok.ids[np.repeat(at, length) + _ranks(length)])
        word_key = np.zeros(len(tok.vocab), dtype=np.int64)
        marked = np.zeros(len(tok.vocab), dtype=bool)
        for w in covered.tolist():
            word = tok.vocab[w]
            word_key[w] = spelt.setdefault(accent_key(word), len(spelt) + 1)
            marked[w] = fold(word) != word
        # Each phrase that occurs → its spellings, as rows of spelling numbers.
        used, row_of = np.unique(number, return_inverse=True)
        rows = [[tuple(map(spelling, sp)) for sp in self.accents.get(phrases[n], ())] for n in used.tolist()]
        for n in np.unique(length).tolist():
            these = np.flatnonzero(length == n)
            words_at = tok.ids[at[these, None] + np.arange(n)]  # occurrences × n
            written, bare = word_key[words_at], ~np.any(marked[words_at], axis=1)
            variants = max(1, max(len(rows[r]) for r in np.unique(row_of[these]).tolist()))
            table = np.full((len(rows), variants, n), _NEVER, dtype=np.int64)
            unconstrained = np.zeros(len(rows), dtype=bool)
            for r in np.unique(row_of[these]).tolist():
                if not rows[r]:
                    unconstrained[r] = True  # a phrase with no spellings known meets any text
                for v, sp in enumerate(rows[r]):
                    table[r, v] = sp
            spellings = table[row_of[these]]  # occurrences × variants × n
            as_spelt = np.any(np.all(written[:, None, :] == np.abs(spellings), axis=2), axis=1)
            any_spelling = np.any(np.all(spellings > 0, axis=2), axis=1)  # typed bare: any but a one-word label's
            agrees = np.where(bare, any_spelling, as_spelt)
            keep[these] = agrees | unconstrained[row_of[these]]
        return keep

    @staticmethod
    def _longest(phrases: Mapping[tuple[str, ...], int]) -> int:
        return max((len(p) for p in phrases), default=0)


_NO_FIELD = Field("", "", "")
# The topic index of a phrase that names nothing ("not_topics" in topics.json): it takes its words, so that
# no shorter phrase inside it names a topic ("tạo công ăn việc làm", jobs, holds "công an", police).
NOTHING = -1


# Ends the spelling of a one-word label with diacritics, which a word typed bare does not meet.
AS_WRITTEN = "\x00"
_NEVER = -(2**62)  # pads the spellings of ``_written_as_hits``: no word's number, and not typed bare


def _ranks(length: np.ndarray) -> np.ndarray:
    """0, 1, …, length[i] - 1 for each i, one after another: the offsets of the tokens of occurrences."""
    starts = np.repeat(np.cumsum(length) - length, length)
    return np.arange(int(length.sum())) - starts


def ambiguous_code(index: int) -> int:
    """The phrase tables' code of an ambiguous phrase of topic ``index`` (-2, -3, …), and back."""
    return -2 - index


def _phrase(text: str, *, folded: bool) -> tuple[str, ...]:
    normal = normalise(text)
    return tuple(tokens(fold(normal) if folded else normal))


def build_vocabulary(raw: Mapping[str, Any]) -> Vocabulary:
    """A vocabulary from the parsed JSON; raises ValueError when one phrase would name two topics."""
    topics: list[Topic] = []
    folded: dict[tuple[str, ...], int] = {}
    exact: dict[tuple[str, ...], int] = {}
    acronyms: dict[str, int] = {}
    context: dict[int, frozenset[str]] = {}
    accents: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    rows = raw["topics"]
    names = raw.get("fields", {})
    fields = {g: Field(g, str(n["vi"]), str(n["en"]), bool(n.get("transversal", False))) for g, n in names.items()}
    for i, row in enumerate(rows):
        topic = Topic(id=row["id"], vi=row["vi"], en=row["en"], group=row["group"], umbrella=bool(row.get("umbrella")))
        topics.append(topic)
        acronyms_here = set(row.get("acronyms", ()))
        # A name that is one of the topic's acronyms ("AI") is matched only as an acronym, in capitals.
        for label in (row["vi"], row["en"], *row.get("synonyms", ())):
            if label.strip() in acronyms_here:
                continue
            for table, key in ((folded, _phrase(label, folded=True)), (exact, _phrase(label, folded=False))):
                if not key:
                    continue
                owner = table.setdefault(key, i)
                if owner != i and table is folded:
                    raise ValueError(f"topics: {label!r} names both {rows[owner]['id']!r} and {row['id']!r}")
            _spell(accents, label)
        for acronym in row.get("acronyms", ()):
            if acronyms.setdefault(acronym, i) != i:
                raise ValueError(f"topics: acronym {acronym!r} names two topics")
        if row.get("context"):
            context[i] = frozenset(row["context"])
    if names:  # a vocabulary that names its fields names every one (a test vocabulary may name none)
        unnamed = sorted({t.group for t in topics} - set(fields))
        if unnamed:
            raise ValueError(f"topics: field {unnamed[0]!r} has no names in 'fields'")

    # After every plain phrase: an ambiguous phrase, or one that names nothing, is never also a plain one.
    def named_by(code: int) -> str:
        return "nothing" if code == NOTHING else repr(rows[code if code >= 0 else ambiguous_code(code)]["id"])

    unsure = [(label, ambiguous_code(i)) for i, row in enumerate(rows) for label in row.get("ambiguous", ())]
    for label, code in [*unsure, *((label, NOTHING) for label in raw.get("not_topics", ()))]:
        for table, key in ((folded, _phrase(label, folded=True)), (exact, _phrase(label, folded=False))):
            if (had := table.setdefault(key, code)) != code and table is folded:
                what = "in not_topics" if code == NOTHING else f"ambiguous for {named_by(code)}"
                raise ValueError(f"topics: {label!r} names {named_by(had)} and is {what}")
        _spell(accents, label)
    unknown = sorted({g for c in context.values() for g in c} - {t.group for t in topics})
    if unknown:
        raise ValueError(f"topics: context field {unknown[0]!r} is no field of any topic")
    spellings = {key: frozenset(spelt) for key, spelt in accents.items()}
    return Vocabulary(tuple(topics), folded, exact, acronyms, str(raw.get("version", "")), fields, context, spellings)


def _spell(accents: dict[tuple[str, ...], set[tuple[str, ...]]], label: str) -> None:
    """Note how ``label`` spells its folded phrase (``Vocabulary.accents``)."""
    written = tokens(normalise(label))
    key = tuple(fold(t) for t in written)
    if key and key == _phrase(label, folded=True):
        spelt = tuple(accent_key(t) for t in written)
        if len(written) == 1 and key != tuple(written):  # one word with diacritics: met only as written
            spelt = (spelt[0] + AS_WRITTEN,)
        accents.setdefault(key, set()).add(spelt)


@functools.cache
def load_vocabulary(path: Path = DEFAULT_PATH) -> Vocabulary:
    return build_vocabulary(json.loads(path.read_text(encoding="utf-8")))
