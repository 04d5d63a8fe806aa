"""The bilingual lexicon (``data/lexicon.tsv``): English and Vietnamese words of work, study, skills and
fields glossed into shared concepts, so that "machine learning" and "học máy", "tai chinh" and
"finance" have a term in common.

Each concept a document names is a term beside its words (``text.gloss_terms``, weighted like a topic
term) that meets only the same concept named in the *other* language on the other side (``counts``):
the lexicon bridges languages and leaves a text in one language as it was. Phrases are matched as
``topics.Vocabulary`` matches topic names, greedy longest-first at word boundaries, in three passes
whose concepts are united:

- on the normalised tokens as written, every phrase (English ones also with a regular plural);
- on the English words reduced to their stems (``stem``: "financial", "finances" → "financ", as
  "finance"), English phrases by their stems: "financial" meets "tài chính", "programmer" and
  "programming" meet "lập trình", "analysts" meets "phân tích". A stem that two concepts' phrases
  reduce to ("market", of "market" and "marketing") glosses nothing there, though the words as
  written still gloss their own concepts;
- on the words typed without diacritics, folded, only Vietnamese phrases of two or more syllables:
  "tai chinh" is "tài chính", but a lone bare syllable is ambiguous ("gom" is gốm, pottery, or gồm,
  to include), and so is a folded phrase of two concepts ("khoa hoc": khoa học, science, or khóa
  học, course): they gloss nothing.

The file is data written by the team (its header says how); ``parse`` refuses a phrase that would
gloss two concepts, naming the line.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from .text import Tokenised, fold, normalise, tokens
from .topics import Topic, Vocabulary

DEFAULT_PATH = Path(__file__).parent / "data" / "lexicon.tsv"


@dataclass(frozen=True)
class Lexicon:
    concepts: tuple[str, ...]  # each concept's first English phrase, for people reading it
    as_written: Vocabulary  # phrase tables in the shape topic matching uses
    folded: Vocabulary
    stemmed: Vocabulary  # English phrases by their words' stems, matched on the corpus's stems
    version: str

    def counts(self, tok: Tokenised, n_left: int, *, folding: bool = True) -> sparse.csr_matrix:
        """Documents × 2·concepts, 1 where a document names a concept: the documents of the left side
        (the first ``n_left``: participants) in column c when they name it in English and n + c in
        Vietnamese, those of the right side (opportunities) the other way round. A dot product of a
        left and a right row counts only concepts named in different languages on the two sides: the
        lexicon bridges languages; within one language the words already match. Words spelt alike in
        both languages ("game", "robot") count as English: "game" meets "trò chơi" either way round,
        and "game" meets "game" through its words."""
        n_docs, n = len(tok.offsets) - 1, len(self.concepts)
        found = self.as_written.match_corpus(tok, folding=False)
        for doc, more in zip(found, self.stemmed.match_corpus(_stems(tok), folding=True), strict=True):
            doc |= more
        if folding:
            for doc, more in zip(found, self.folded.match_corpus(_unaccented(tok), folding=True), strict=True):
                doc |= more
        rows, cols = [], []
        for d, doc in enumerate(found):
            swap = d >= n_left
            for code in doc:
                concept, language = divmod(code, 3)
                if concept >= n:  # an ambiguous folded phrase: its words are taken, glossed as nothing
                    continue
                rows.append(d)  # words spelt alike in both languages count as English: see above
                cols.append(concept + n * ((language == VIETNAMESE) ^ swap))
        where = (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64))
        matrix = sparse.csr_matrix((np.ones(len(rows)), where), shape=(n_docs, 2 * n))
        matrix.sum_duplicates()
        matrix.data[:] = 1.0
        return matrix


ENGLISH, VIETNAMESE, BOTH = 0, 1, 2


def _unaccented(tok: Tokenised) -> Tokenised:
    """The corpus with only the tokens written without diacritics in its folded form: every other
    token becomes one that no phrase contains, so the folded pass reads only what was typed bare."""
    bare = np.fromiter((t == f for t, f in zip(tok.vocab, map(fold, tok.vocab), strict=True)), dtype=bool,
                       count=len(tok.vocab))  # fmt: skip
    blank = len(tok.folded_vocab)
    first_folded = np.full(len(tok.vocab), blank, dtype=np.int64)
    if len(tok.ids):
        first_folded[tok.ids] = tok.folded_ids
    mapping = np.where(bare, first_folded, blank)
    return tok.with_folded(mapping[tok.ids], [*tok.folded_vocab, "\x00"])


# English suffixes, stripped from a word (of five letters or more) in ``stem``: first an inflection, then
# up to two derivations, longest first, each only where five letters or more remain; after an agent's
# or a doctrine's suffix (-er, -ist, -ian, -ism) nothing more. Light by design: no "-ance", "-ant",
# "-ate", "-ness", "-ship" ("finance" → "fin", "important" → "import", "generative" and "general" →
# "gener", "internship" and "internal" → "intern"): a stem shared by two words of different meanings
# would gloss one as the other. -y goes only from -gy, -my, -phy, -try (biology, economy, photography,
# industry), not from "factory" (factor) or "directory" (director).
_DERIVATIONS = tuple(
    sorted(
        ["ation", "ator", "ition", "ion", "ment", "ical", "ial", "ian", "ist", "ism", "ity", "ic", "al",
         "er", "or", "gy", "my", "phy", "try", "e"],
        key=len,
        reverse=True,
    )
)  # fmt: skip
_FINAL = ("er", "or", "ator", "ist", "ian", "ism")  # "translator", as "translation": "transl"
_KEEPS_Y = {"gy": "g", "my": "m", "phy": "ph", "try": "tr"}
# Greek "-ysis" words: analysis, analyst, analytic(s), analyse, analyze share "analys".
_GREEK = ("ysis", "yses", "ytical", "ytics", "ytic", "ysts", "yst", "yze", "yse", "yz")
# Words whose ending only looks like a suffix here, found by listing the words of a general English
# vocabulary that would meet a concept by their stems: an officer is not an office, a custom not a
# customer, classical music not a class, a booking not a book, an organism not organic. Each is its own
# stem.
_NOT_DERIVED = frozenset(
    "customer officer official organic internal international classic classical booking accounting director".split()
)
STEM_MIN = 5  # letters a derivation leaves


def stem(word: str) -> str:
    """A normalised English word's light stem: "financial", "finances" → "financ" (as "finance"),
    "programmer", "programming" → "program", "analysts", "analytics" → "analys", "designers" →
    "design". A word of fewer than five letters, or with a letter outside a–z (a Vietnamese word
    as written, a number), is its own stem; a Vietnamese syllable typed bare ends in none of the
    suffixes with five letters before it ("thuat", "nghiep": Vietnamese has no final -al, -er, -ing,
    -ic, -s), so it is its own stem too.

    Not the TF-IDF's Porter2 stem (``text.english_stem``): there a stem only adds a feature beside
    the exact word, so joining "important" with "import" costs little; here a stem decides which
    concept a word glosses, so derivations that join unrelated words are never stripped."""
    if len(word) < 5 or not word.isascii() or not word.isalpha() or word in _NOT_DERIVED:
        return word
    w = _uninflected(word)
    if w in _NOT_DERIVED:
        return w
    for suffix in _GREEK:
        if w.endswith(suffix):
            return w[: -len(suffix)] + "ys"
    for _ in range(2):
        # -gy, -my, -phy, -try keep their consonant ("energy" → "energ"): one letter fewer before them
        suffix = next((s for s in _DERIVATIONS if w.endswith(s) and len(w) - len(s) >= STEM_MIN - (s in _KEEPS_Y)), "")
        if not suffix or w.endswith("eer"):  # "engineer" keeps its -er: "engine" is another word
            break
        w = w[: -len(suffix)] + _KEEPS_Y.get(suffix, "")
        if suffix in _FINAL:
            break
    w = _undoubled(w)
    return w[:-1] + "z" if w.endswith("is") else w  # optimise, optimize, optimisation: "optimiz"


def _uninflected(w: str) -> str:
    """Without a plural or verb ending: -ies → -y, -sses → -ss, -ing, -ed, -es after a sibilant, -s."""
    if w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith("sses"):
        return w[:-2]
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return _undoubled(w[: -len(suffix)])  # "programming" → "program", "planned" → "plan"
    if w.endswith("es") and w[:-2].endswith(("ss", "x", "ch", "sh")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def _undoubled(w: str) -> str:
    return w[:-1] if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouylsz" else w


def _stems(tok: Tokenised) -> Tokenised:
    """The corpus with its stems in place of its folded forms, for the stemmed pass; a token with a
    diacritic becomes one that no phrase contains."""
    stems = [stem(t) if t.isascii() else "\x00" for t in tok.vocab]
    stem_vocab = list(dict.fromkeys(stems))
    index = {s: i for i, s in enumerate(stem_vocab)}
    mapping = np.fromiter((index[s] for s in stems), dtype=np.int64, count=len(stems))
    return tok.with_folded(mapping[tok.ids], stem_vocab)


def _plurals(phrase: tuple[str, ...]) -> list[tuple[str, ...]]:
    """An English phrase with its last word in the plural (regular forms only)."""
    last = phrase[-1]
    if not last.isascii() or not last.isalpha() or len(last) < 3:
        return []
    if last.endswith("y") and last[-2] not in "aeiou":
        forms = [last[:-1] + "ies"]
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        forms = [last + "es"]
    else:
        forms = [last + "s"]
    return [(*phrase[:-1], f) for f in forms]


def parse(text: str, source: str = "lexicon") -> Lexicon:
    """A lexicon from the TSV text; raises ValueError naming the line when it is malformed or when one
    phrase would gloss two concepts."""
    concepts: list[str] = []
    written: dict[tuple[str, ...], int] = {}
    folded: dict[tuple[str, ...], int] = {}
    where: dict[int, int] = {}
    ambiguous: set[tuple[str, ...]] = set()
    ambiguous_stems: set[tuple[str, ...]] = set()
    derived: dict[tuple[str, ...], int] = {}
    stemmed: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        columns = line.split("\t")
        if len(columns) != 2:
            raise ValueError(f"{source}:{number}: expected English and Vietnamese phrases separated by one tab")
        english, vietnamese = ([p.strip() for p in c.split(";") if p.strip()] for c in columns)
        if not english or not vietnamese:
            raise ValueError(f"{source}:{number}: a concept needs at least one English and one Vietnamese phrase")
        concept = len(concepts)
        concepts.append(english[0])
        where[concept] = number
        for label, is_english in [(p, True) for p in english] + [(p, False) for p in vietnamese]:
            phrase = tuple(tokens(normalise(label)))
            if not phrase:
                raise ValueError(f"{source}:{number}: {label!r} has no word in it")
            language = ENGLISH if is_english else VIETNAMESE
            code = _claim(written, phrase, concept, language, label, where, number, source)
            derived.pop(phrase, None)
            if is_english:
                key = tuple(map(stem, phrase))
                if stemmed.setdefault(key, code) // 3 != concept:
                    ambiguous_stems.add(key)  # "market" and "marketing" both reduce to "market"
            for plural in _plurals(phrase) if is_english else []:
                if plural not in written:  # a phrase written in the lexicon wins over a derived plural
                    derived.setdefault(plural, code)
            folded_key = tuple(fold(t) for t in phrase)
            if is_english or len(folded_key) < 2:
                continue
            if folded.setdefault(folded_key, code) // 3 != concept:
                ambiguous.add(folded_key)  # "khoa hoc" is khoa học (science) or khóa học (course)
    for key, code in derived.items():
        written.setdefault(key, code)
    for key in ambiguous:  # still matched, so that its words are taken, but glossed as nothing
        folded[key] = 3 * len(concepts)
    for key in ambiguous_stems:
        stemmed[key] = 3 * len(concepts)
    # The phrase tables are used through topic matching, whose "topics" here are codes (3 × concept +
    # language, and one more for the ambiguous folded phrases): the Topic rows only name them.
    dummy = tuple(Topic(id=f"{c}/{lang}", vi=c, en=c, group="") for c in [*concepts, ""] for lang in range(3))
    version = hashlib.sha256(text.encode()).hexdigest()[:12]
    return Lexicon(
        tuple(concepts),
        Vocabulary(dummy, {}, written, {}, version),
        Vocabulary(dummy, folded, {}, {}, version),
        Vocabulary(dummy, stemmed, {}, {}, version),
        version,
    )


def _claim(table: dict[tuple[str, ...], int], key: tuple[str, ...], concept: int, language: int, label: str,
           where: dict[int, int], number: int, source: str) -> int:  # fmt: skip
    """Enter the phrase; the same words in both languages of one concept ("game") are coded BOTH
    (``counts`` treats them as English)."""
    code = table.setdefault(key, 3 * concept + language)
    if code // 3 != concept:
        raise ValueError(
            f"{source}:{number}: {label!r} ({' '.join(key)}) also glosses the concept of line {where[code // 3]}"
        )
    if code % 3 != language:
        code = table[key] = 3 * concept + BOTH
    return code


@functools.cache
def load_lexicon(path: Path = DEFAULT_PATH) -> Lexicon:
    return parse(path.read_text(encoding="utf-8"), path.name)
