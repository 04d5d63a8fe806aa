"""A catalogue query as groups of alternatives, each phrase with its synonyms in both languages.

"lap trinh game" (typed without accents) becomes [("lap trinh", "programming", "coding", "viet code", …),
("game", "tro choi", …)]: the topic vocabulary's names and synonyms (``engine/data/topics.json``) and the
bilingual lexicon's phrases (``engine/data/lexicon.tsv``) are the synonyms, everything folded as
``companies.search`` folds an opportunity's text. Phrases are found greedy longest-first, as the engine
finds topics. Words that only carry a sentence ("em", "thích", "and", "the") are dropped unless nothing
else is left, so "Em thích robot" searches for robot.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import Q, QuerySet

from companies.search import search, words, written

from .engine.lexicon import DEFAULT_PATH as LEXICON_PATH
from .engine.text import accent_key
from .engine.topics import DEFAULT_PATH as TOPICS_PATH

# Folded; words of a request rather than of its subject.
STOP_WORDS = frozenset(
    """
    va voi cua cho la cac nhung mot em toi minh ban muon thich rat ve o tai trong de duoc co khong nay do
    hay hoac nhu thi ma vao len ra cung con se dang da hoc lam
    e thik mik mk mun vs
    a an and or of for to in on at with the i me my we our you your like want about is are be this that
    learn become curious interested dream would
    """.split()
)
# Folded phrases of a request rather than of its subject ("em muốn tìm hiểu về…", "đam mê…").
STOP_PHRASES = frozenset(
    tuple(p.split())
    for p in [
        "tim hieu", "kham pha", "quan tam", "yeu thich", "dam me", "mo uoc", "hoc hoi", "hoc tap", "trai nghiem",
        "sau nay", "tro thanh", "uoc mo",
        "explore", "discover", "learn about", "interested in", "find out",
    ]
)  # fmt: skip
LONGEST = 6  # words in the longest phrase matched


Multi = dict[tuple[str, ...], dict[tuple[str, ...], frozenset[int]]]


@functools.cache
def _vocabulary() -> dict[str, Any]:
    """topics.json, parsed once for the search's tables."""
    return json.loads(TOPICS_PATH.read_text(encoding="utf-8"))


@functools.cache
def _synonyms() -> tuple[Multi, dict[str, frozenset[int]], list[frozenset[str]]]:
    """Folded phrases of two words or more → how they are spelt (``text.accent_key``, word by word) → the
    concepts they name (``_multi``); single words as written → theirs; concept → its phrases to look for
    (as written, lower-cased; those of two words or more also folded).

    A single word is looked up and looked for only as written: folded, a Vietnamese syllable is
    ambiguous ("gom" is gốm, pottery, and gồm, to include)."""
    concepts: list[set[str]] = []
    vocabulary = _vocabulary()
    for topic in vocabulary["topics"]:
        # Its ambiguous words too ("python"): the search looks for words, and two texts with one share it.
        concepts.append({topic["vi"], topic["en"], *topic.get("synonyms", []), *topic.get("ambiguous", [])})
    # A phrase that names nothing is a concept of its own, looked for as itself: it takes its words, so
    # that "công ăn việc làm" (jobs) is not searched as "công an" (police) and its synonyms.
    concepts.extend({phrase} for phrase in vocabulary.get("not_topics", ()))
    for line in LEXICON_PATH.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#") and line.count("\t") == 1:
            concepts.append({p.strip() for column in line.split("\t") for p in column.split(";") if p.strip()})
    multi: dict[tuple[str, ...], dict[tuple[str, ...], set[int]]] = defaultdict(lambda: defaultdict(set))
    single: dict[str, set[int]] = defaultdict(set)
    phrases: list[frozenset[str]] = []
    for index, concept in enumerate(concepts):
        looked_for: set[str] = set()
        for phrase in concept:
            as_written, folded = written(phrase), words(phrase)
            if not as_written:
                continue
            looked_for.add(" ".join(as_written))
            if len(folded) > 1:
                looked_for.add(" ".join(folded))
                if len(as_written) == len(folded):
                    multi[tuple(folded)][tuple(map(accent_key, as_written))].add(index)
            else:
                single[as_written[0]].add(index)
        phrases.append(frozenset(looked_for))
    return (
        {k: {spelt: frozenset(c) for spelt, c in v.items()} for k, v in multi.items()},
        {k: frozenset(v) for k, v in single.items()},
        phrases,
    )


def _multi(multi: Multi, typed: list[str], folded: list[str]) -> frozenset[int] | None:
    """The concepts of a phrase of several words: those of every spelling when it was typed bare, else
    those of its own spelling ("được học", to get to study, is not "dược học", pharmacy), as the topic
    matcher reads it (``Vocabulary.written_as``)."""
    spellings = multi.get(tuple(folded))
    if not spellings:
        return None
    if typed == folded or len(typed) != len(folded):
        return frozenset().union(*spellings.values())
    return spellings.get(tuple(map(accent_key, typed)))


@functools.cache
def _names_nothing() -> frozenset[int]:
    """The concepts of ``_synonyms`` that are phrases naming nothing ("not_topics", after the topics)."""
    vocabulary = _vocabulary()
    first = len(vocabulary["topics"])
    return frozenset(range(first, first + len(vocabulary.get("not_topics", ()))))


def _parse(
    typed: list[str], folded: list[str], longest: int, *, parts: bool = False
) -> list[tuple[tuple[str, ...], bool, list[tuple[str, ...]]]]:
    """Groups of alternatives with whether each carries meaning (not a stop word) and the groups of its
    parts. A phrase of several words has as parts those that are phrases or words of the vocabularies
    themselves, and theirs (``parts``: "lap trinh game" has "lap trinh" and "game", "làm gốm" has "gốm",
    never a bare syllable such as "làm"), so that a text with only a part of it is found, below one with
    all of it."""
    multi, single, phrases = _synonyms()
    out: list[tuple[tuple[str, ...], bool, list[tuple[str, ...]]]] = []
    i = 0
    while i < len(typed):
        concepts: frozenset[int] | None = None
        stop = next((n for n in (3, 2, 1) if tuple(folded[i : i + n]) in STOP_PHRASES), 0)
        if stop:
            if not parts:
                out.append(((" ".join(typed[i : i + stop]),), False, []))
            i += stop
            continue
        for n in range(min(longest, len(typed) - i), 1, -1):
            concepts = _multi(multi, typed[i : i + n], folded[i : i + n])
            if concepts:
                break
        else:
            n, concepts = 1, (single.get(typed[i]) if folded[i] not in STOP_WORDS else None)
        as_typed = [" ".join(typed[i : i + n])] + ([" ".join(folded[i : i + n])] if n > 1 else [])
        alternatives = set().union(*(phrases[c] for c in concepts)) if concepts else set()
        if parts and not concepts:
            i += n
            continue
        whole = n > 1 and not (concepts and concepts <= _names_nothing())  # its words are not its parts
        found = _parse(typed[i : i + n], folded[i : i + n], n - 1, parts=True) if whole else []
        out.append((tuple(dict.fromkeys([*as_typed, *sorted(alternatives - set(as_typed))])),
                    bool(concepts) or folded[i] not in STOP_WORDS,
                    [g for group, _meaningful, theirs in found for g in (group, *theirs)]))  # fmt: skip
        i += n
    return out


def query_groups(query: str) -> list[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]]:
    """The query's phrases in the order typed, each as its group of alternatives (the first entry is what
    was typed) with the groups of its parts (``companies.search.Phrase``). Empty for a query without a
    word."""
    typed, folded = written(query), words(query)
    if len(typed) != len(folded):  # a letter whose case folding splits it: read the folded words alone
        typed = folded
    parsed = _parse(typed, folded, LONGEST)
    kept = [(group, tuple(dict.fromkeys(parts))) for group, meaningful, parts in parsed if meaningful]
    return list(dict.fromkeys(kept or [(group, tuple(dict.fromkeys(parts))) for group, _m, parts in parsed]))


def catalogue_search(qs: QuerySet, query: str) -> QuerySet:
    """Opportunities that match ``query`` (its words or their synonyms, or their company's name), with
    ``search_score``: more groups found, higher."""
    query = query.strip()
    if not query:
        return qs
    # The company's name holds the query as whole words ("FPT" in "FPT Software", not "ai" in "Mai").
    name = (
        Q(company__name__iexact=query)
        | Q(company__name__istartswith=f"{query} ")
        | Q(company__name__iendswith=f" {query}")
        | Q(company__name__icontains=f" {query} ")
    )
    return search(qs, query_groups(query), also=name)


def _named(text: str) -> Iterator[tuple[str, frozenset[int]]]:
    """The phrases of ``text`` the vocabularies know (as written) with their concepts, in order, greedy
    longest-first; phrases of a request ("tìm hiểu") and stop words are passed over."""
    typed, folded = written(text), words(text)
    if len(typed) != len(folded):
        typed = folded
    multi, single, _phrases = _synonyms()
    i = 0
    while i < len(typed):
        stop = next((n for n in (3, 2, 1) if tuple(folded[i : i + n]) in STOP_PHRASES), 0)
        if stop:
            i += stop
            continue
        for n in range(min(LONGEST, len(typed) - i), 0, -1):
            if n > 1:
                concepts = _multi(multi, typed[i : i + n], folded[i : i + n])
            else:
                concepts = single.get(typed[i]) if folded[i] not in STOP_WORDS else None
            if concepts:
                if not concepts <= _names_nothing():  # a phrase that names nothing takes its words, no more
                    yield " ".join(typed[i : i + n]), concepts
                i += n
                break
        else:
            i += 1


def interest_query(text: str, *, limit: int = 100) -> str:
    """The phrases of ``text`` that the vocabularies know, as a catalogue query ("ẩm thực, sơn mài, lập
    trình game"): a student's interests, searched at once rather than at the next round. Empty when it
    names none. At most ``limit`` characters (the search box's), whole phrases only."""
    query = ""
    for phrase in dict.fromkeys(phrase for phrase, _concepts in _named(text)):
        longer = f"{query}, {phrase}" if query else phrase
        if len(longer) > limit:
            break
        query = longer
    return query


# Words and phrases (folded) in nearly every posting or interest: in common, they say nothing about why
# a pair fits.
GENERIC = frozenset(
    tuple(p.split())
    for p in [
        "hoc", "hoc sinh", "sinh vien", "cong ty", "doanh nghiep", "chuong trinh", "thuc te", "viec lam",
        "nghe", "nghe nghiep", "buoi", "tham gia", "gioi thieu", "cung", "them", "nhieu", "moi", "nguoi",
        "truong", "lop", "san pham", "dich vu", "ky su", "chuyen gia", "phat trien", "tro thanh", "mo uoc",
        "thich", "rat thich", "dac biet", "co hoi", "ky nang", "kien thuc", "co ban", "chuyen vien",
        "huong dan", "nha",
        "student", "students", "company", "program", "programme", "work", "job", "learn", "learning", "new",
        "our", "their", "about", "will", "can", "how", "what", "more",
        # the kinds of opportunity and who takes part: the kind has its own reason and its own filter
        "tham quan", "visit", "visits", "noi chuyen", "huong nghiep", "career talk", "career", "careers",
        "hoi thao", "workshop", "workshops", "cuoc thi", "contest", "competition", "thuc tap", "internship",
        "intern", "class", "classes",
    ]
)  # fmt: skip
SHARED_LONGEST = 4
# A run of words in common says something only with a word outside these.
_EMPTY_WORDS = STOP_WORDS | {w for phrase in GENERIC | STOP_PHRASES for w in phrase}


def _known(text: str) -> dict[int, str]:
    """The concepts ``text`` names (topic vocabulary and lexicon), each with its first phrase as written."""
    found: dict[int, str] = {}
    for phrase, concepts in _named(text):
        for concept in concepts:
            found.setdefault(concept, phrase)
    return found


def shared_concepts(participant: str, opportunity: str) -> list[str]:
    """The concepts both texts name (topic vocabulary and lexicon, in either language: "lập trình" meets
    "programming"), each once, in the participant's words and order; never a word of every posting."""
    theirs = _known(opportunity)
    return list(
        dict.fromkeys(
            phrase
            for concept, phrase in _known(participant).items()
            if concept in theirs and tuple(words(phrase)) not in GENERIC
        )
    )


def shared_phrases(participant: str, opportunity: str, *, limit: int = 3) -> list[str]:
    """What a participant's text and an opportunity's have in common, in the participant's words: the
    concepts both name (in either language: "lập trình" meets "programming"), then the longest runs of
    words both use ("lập trình web"; as written when typed with accents, folded when typed without;
    never words found in every posting, nor one of two letters). For a reason a person can read when
    no shared topic says it already."""
    out = shared_concepts(participant, opportunity)
    covered = {w for phrase in out for w in words(phrase)}
    their_folded, their_written = f" {' '.join(words(opportunity))} ", f" {' '.join(written(opportunity))} "
    typed, folded = written(participant), words(participant)
    if len(typed) != len(folded):
        typed = folded
    i = 0
    while i < len(typed):
        for n in range(min(SHARED_LONGEST, len(typed) - i), 0, -1):
            span, bare = typed[i : i + n], folded[i : i + n]
            if bare[0] in STOP_WORDS or bare[-1] in STOP_WORDS:
                continue
            # One word alone only if it cannot be one syllable of a Vietnamese word ("công" of "công
            # nghệ", "giao" of "giao tiếp"): a word with a letter Vietnamese does not write (f, j, w, z:
            # "figma", "java", "wordpress"). Known words ("python", "robot") are concepts, found above.
            if n == 1 and not (span[0].isascii() and len(span[0]) >= 3 and set(span[0]) & set("fjwz")):
                continue
            phrase = " ".join(span)
            found = f" {phrase} " in their_written if phrase != " ".join(bare) else f" {phrase} " in their_folded
            if found and set(bare) <= _EMPTY_WORDS:  # words of every posting or request: passed over, whole
                i += n
                break
            if found:
                if not set(bare) <= covered:
                    out.append(phrase)
                    covered |= set(bare)
                i += n
                break
        else:
            i += 1
    return list(dict.fromkeys(out))[:limit]


def in_common(reasons: Sequence[object], participant: str, opportunity: str) -> str:
    """What to add to a pair's reasons when they name no shared topic and no close text: the phrases
    the two texts share (``shared_phrases``), comma-separated; empty otherwise. Reasons stored as
    sentences by an older release are left as they are."""
    factors = [reason.get("factor") for reason in reasons if isinstance(reason, dict)]
    if len(factors) != len(reasons) or {"topics", "text"} & set(factors):
        return ""
    return ", ".join(shared_phrases(participant, opportunity))
