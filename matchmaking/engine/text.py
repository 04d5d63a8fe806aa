"""Text normalisation, accent folding and the TF-IDF space shared by participants and opportunities.

Features are scikit-learn's: word 1–2-grams and ``CountVectorizer(analyzer="char_wb",
ngram_range=(3, 5))``, weighted as ``TfidfTransformer(sublinear_tf=True)`` weights them (a test holds
the two equal). They are computed token by token, because at 120,000 documents the per-document
Python loops of scikit-learn's analysers dominate everything else:

1. each text is normalised (NFC, case-folded) and tokenised once; the folded form of a document is
   its tokens folded one by one, so folding costs one call per *distinct* token;
2. a char_wb n-gram never crosses a word boundary, so a document's char n-gram counts are its
   document×token counts times a token×n-gram matrix built once over the distinct tokens;
3. four blocks (words and chars, NFC and the second form: folded, English words stemmed), each TF-IDF
   weighted and L2-normalised, are stacked
   with equal weight and the rows renormalised, so a dot product of two rows is their cosine; the
   bilingual lexicon's concepts (``lexicon.py``) may be put beside them (``tfidf_pair``).

In the folded blocks, a word typed without accents that is also the folding of an accented word of
the corpus counts only within its bigrams (``_forms``). Words that carry a sentence rather than its
subject ("em muốn tìm hiểu về", "I want") do not count at all, in any block (``stopwords.py``).
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from . import stopwords

# Word characters, keeping a trailing + or # so that "C++" and "C#" stay themselves.
TOKEN_RE = re.compile(r"\w+[+#]*")
# A document's builder puts a name (an opportunity's organisation) between these two private-use marks;
# its tokens are then ``Tokenised.named``. They are never tokens themselves, nor in anyone's text.
NAME_OPEN, NAME_CLOSE = "\ue000", "\ue001"
# What separates a text's parts: a line break, or a stop, comma, semicolon, colon, question or
# exclamation mark before a space. A phrase of the vocabulary or the lexicon never spans one: the
# title's last words and the description's first ("… cho học sinh" / "Học HTML …") are not "sinh học"
# (biology), nor two items of a list one phrase. "node.js" and "3.5" hold no break.
BREAK_RE = re.compile(f"\\n|[.,;:!?](?=\\s|{NAME_CLOSE}|$)")
_PIECE_RE = re.compile(f"{TOKEN_RE.pattern}|{BREAK_RE.pattern}|[{NAME_OPEN}{NAME_CLOSE}]")
# Every combining-mark block; Vietnamese tone and vowel marks live in U+0300–U+036F.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# A bound on what one document may cost; longer texts are cut (a 10,000-character essay still counts).
MAX_CHARS = 20_000
CHAR_NGRAMS = (3, 5)
# Features in more than 4% of the documents (and more than 1,000 of them) are dropped, as scikit-learn's
# max_df does: in Vietnamese the commonest syllables' n-grams are in nearly every text, carry little
# information (low idf) and, being in so many pairs, make the similarity products dense. On the
# benchmark world the features between 4% and 5% were 387 of 38,000 but half the products' work;
# dropping them left the labelled set's ranking inside that world as it was (bench/text_pruning.py).
MAX_DF = 0.04
MAX_DF_FLOOR = 1000


def normalise(text: str) -> str:
    """NFC, case-folded (then NFC again: case folding can decompose, e.g. "İ")."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text[:MAX_CHARS]).casefold())


def fold(text: str) -> str:
    """Accent-fold normalised text: "trí tuệ nhân tạo" → "tri tue nhan tao", "đà nẵng" → "da nang"."""
    stripped = _COMBINING.sub("", unicodedata.normalize("NFD", text))
    # đ is a letter of its own, not d plus a mark, so NFD leaves it alone.
    return unicodedata.normalize("NFC", stripped.replace("đ", "d"))


# The five Vietnamese tone marks (the other marks make letters of their own: â, ơ, ư…).
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def accent_key(token: str) -> str:
    """A normalised token with its tone mark moved to the end, so that the two spellings that put it on
    different vowels ("hoá" and "hóa", "thuỷ" and "thủy") are one key, and words that fold alike but
    are written differently ("được", to get, and "dược", pharmacy) are two."""
    decomposed = unicodedata.normalize("NFD", token)
    tones = "".join(c for c in decomposed if c in _TONES)
    if not tones:
        return token
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES)) + tones


def tokens(normalised: str) -> list[str]:
    return TOKEN_RE.findall(normalised)


@dataclass(frozen=True, slots=True)
class Tokenised:
    """Every document's tokens as ids into ``vocab`` (NFC) and ``folded_vocab``, flat with offsets."""

    ids: np.ndarray  # int64, all documents' NFC token ids one after another
    offsets: np.ndarray  # document d's tokens are ids[offsets[d]:offsets[d + 1]]
    vocab: list[str]
    folded_ids: np.ndarray  # same positions, ids into folded_vocab
    folded_vocab: list[str]
    # Same positions: a break (``BREAK_RE``) stands between this token and the one before it in its
    # document. None: no breaks known (phrases may span any two tokens).
    breaks: np.ndarray | None = None
    # Same positions: the token is part of a name its document marked (``NAME_OPEN``); None: no names.
    named: np.ndarray | None = None

    def part(self, start: int, stop: int) -> Tokenised:
        """Documents [start, stop) alone, sharing this corpus's vocabularies (and its arrays: views)."""
        first, last = int(self.offsets[start]), int(self.offsets[stop])
        offsets = self.offsets[start : stop + 1] - first
        breaks = None if self.breaks is None else self.breaks[first:last]
        named = None if self.named is None else self.named[first:last]
        return Tokenised(
            self.ids[first:last], offsets, self.vocab, self.folded_ids[first:last], self.folded_vocab, breaks, named
        )

    def with_folded(self, folded_ids: np.ndarray, folded_vocab: list[str]) -> Tokenised:
        """The same tokens, breaks and names with other folded forms (the lexicon's stemmed or bare passes)."""
        return Tokenised(self.ids, self.offsets, self.vocab, folded_ids, folded_vocab, self.breaks, self.named)

    @staticmethod
    def spans(flags: np.ndarray | None, at: np.ndarray, length: np.ndarray) -> np.ndarray:
        """Whether any of the tokens [at, at + length) of each occurrence is flagged (``breaks``, ``named``)."""
        if flags is None or not len(at) or not flags.any():
            return np.zeros(len(at), dtype=bool)
        seen = np.concatenate(([0], np.cumsum(flags)))  # flags before each position
        return seen[at + length] > seen[at]

    def doc_tokens(self, d: int, *, folded: bool) -> list[str]:
        ids, vocab = (self.folded_ids, self.folded_vocab) if folded else (self.ids, self.vocab)
        return [vocab[i] for i in ids[self.offsets[d] : self.offsets[d + 1]]]


@dataclass(frozen=True, slots=True)
class TokenPart:
    """The tokens of some consecutive documents: their vocabulary (first occurrence first) and its
    folded forms, every token as an id into it, and each document's number of tokens."""

    vocab: list[str]
    folded: list[str]
    ids: np.ndarray
    lengths: np.ndarray
    breaks: np.ndarray  # bool, per token: a break stands before it in its document (``Tokenised.breaks``)
    named: np.ndarray  # bool, per token: it is part of a marked name (``Tokenised.named``)


def tokenise(texts: Sequence[str]) -> Tokenised:
    """Every document's tokens, the vocabularies in order of first occurrence."""
    return joined([token_part(texts)])


def joined(parts: Sequence[TokenPart]) -> Tokenised:
    """The parts' documents, in order, as one corpus (the same as tokenising them all at once).

    A token first seen in a later part comes after every token of the earlier ones, in the order of
    its first occurrence there: the order of the whole corpus."""
    vocab: list[str] = []
    folded: list[str] = []
    index: dict[str, int] = {}
    ids = []
    for part in parts:
        remap = np.empty(len(part.vocab), dtype=np.int64)
        for i, (token, token_folded) in enumerate(zip(part.vocab, part.folded, strict=True)):
            at = index.get(token)
            if at is None:
                at = index[token] = len(vocab)
                vocab.append(token)
                folded.append(token_folded)
            remap[i] = at
        ids.append(remap[part.ids])
    all_ids = np.concatenate(ids)
    breaks = np.concatenate([part.breaks for part in parts])
    named = np.concatenate([part.named for part in parts])
    lengths = np.concatenate([part.lengths for part in parts])
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    folded_vocab = list(dict.fromkeys(folded))
    folded_index = {t: i for i, t in enumerate(folded_vocab)}
    to_folded = np.array([folded_index[t] for t in folded], dtype=np.int64)
    folded_ids = to_folded[all_ids] if len(all_ids) else all_ids
    return Tokenised(all_ids, offsets, vocab, folded_ids, folded_vocab, breaks, named)


def token_part(texts: Sequence[str]) -> TokenPart:
    """The tokens of these documents, to be ``joined`` with the parts before and after them."""
    docs = [_PIECE_RE.findall(normalise(t)) for t in texts]  # tokens, breaks and names' marks
    pieces = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    flat = [t for d in docs for t in d]
    seen = list(dict.fromkeys(flat))
    index = {t: i for i, t in enumerate(seen)}
    piece_ids = np.fromiter(map(index.__getitem__, flat), dtype=np.int64, count=len(flat))
    mark = np.array([{NAME_OPEN: 1, NAME_CLOSE: -1}.get(t, 0) for t in seen], dtype=np.int64)
    is_break = np.fromiter((BREAK_RE.fullmatch(t) is not None for t in seen), dtype=bool, count=len(seen))
    not_token = is_break | (mark != 0)
    word = ~not_token[piece_ids]
    at = np.flatnonzero(word)
    doc_of = np.repeat(np.arange(len(docs)), pieces)
    breaks_so_far = np.cumsum(is_break[piece_ids])  # one between two words of a document raises it
    after_break = np.zeros(len(at), dtype=bool)
    after_break[1:] = (breaks_so_far[at[1:]] > breaks_so_far[at[:-1]]) & (doc_of[at[1:]] == doc_of[at[:-1]])
    named = np.cumsum(mark[piece_ids])[at] > 0 if len(at) else np.zeros(0, dtype=bool)  # between the marks
    renumber = np.cumsum(~not_token) - 1  # the tokens' ids among themselves, in order of first occurrence
    vocab = [t for t, gone in zip(seen, not_token.tolist(), strict=True) if not gone]
    lengths = np.bincount(doc_of[at], minlength=len(docs)).astype(np.int64)
    return TokenPart(vocab, [fold(t) for t in vocab], renumber[piece_ids[at]], lengths, after_break, named)


def _csr_counts(cols: np.ndarray, indptr: np.ndarray, width: int) -> sparse.csr_matrix:
    """Counts from occurrences already grouped by row (documents keep their tokens in order)."""
    counts = sparse.csr_matrix((np.ones(len(cols)), cols.astype(np.int32), indptr), shape=(len(indptr) - 1, width))
    counts.sum_duplicates()  # a per-row sort in C: much cheaper than a global one
    return counts


def _bigram_counts(ids: np.ndarray, offsets: np.ndarray, n_vocab: int) -> sparse.csr_matrix:
    """Bigram counts; a bigram never crosses a document boundary."""
    lengths = np.diff(offsets)
    rows = np.repeat(np.arange(len(lengths)), lengths)
    same_doc = rows[:-1] == rows[1:]
    keys = ids[:-1][same_doc] * n_vocab + ids[1:][same_doc]
    ordered = np.sort(keys)
    distinct = ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(keys) else keys
    bigram_ptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(np.maximum(lengths - 1, 0), out=bigram_ptr[1:])
    return _csr_counts(np.searchsorted(distinct, keys), bigram_ptr, len(distinct))


def _row_pointers(rows: np.ndarray, n_rows: int) -> np.ndarray:
    """CSR row pointers of entries already grouped by row."""
    pointers = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=pointers[1:])
    return pointers


def stopped(tok: Tokenised) -> np.ndarray:
    """Which token occurrences are words of a sentence rather than of its subject (``stopwords.py``):
    a stop word as written, or a syllable of a folded stop phrase within one document."""
    words = np.fromiter((t in stopwords.WORDS for t in tok.vocab), dtype=bool, count=len(tok.vocab))
    out = words[tok.ids] if len(tok.ids) else np.zeros(0, dtype=bool)
    index = {t: i for i, t in enumerate(tok.folded_vocab)}
    pairs = [(index[a], index[b]) for a, b in stopwords.PHRASES if a in index and b in index]
    if pairs and len(tok.ids) > 1:
        width = len(tok.folded_vocab)
        keys = tok.folded_ids[:-1] * width + tok.folded_ids[1:]
        hit = np.isin(keys, np.array([a * width + b for a, b in pairs], dtype=np.int64))
        across = tok.offsets[1:-1] - 1  # the last word of a document and the first of the next
        hit[across[(across >= 0) & (across < len(hit))]] = False
        out[:-1] |= hit
        out[1:] |= hit
    return out


def _char_counts(unigrams: sparse.csr_matrix, vocab: list[str]) -> sparse.csr_matrix:
    if not vocab:
        return sparse.csr_matrix((unigrams.shape[0], 0))
    # Imported here: scikit-learn takes a second to import, and every Django process imports this module
    # (the reasons' phrasing reads the topic vocabulary) while only a fit needs it.
    from sklearn.feature_extraction.text import CountVectorizer

    per_token = CountVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, lowercase=False).fit_transform(vocab)
    return (unigrams @ per_token.astype(np.float64)).tocsr()


def tfidf_weight(counts: sparse.csr_matrix) -> sparse.csr_matrix:
    """``TfidfTransformer(sublinear_tf=True, smooth_idf=True, norm="l2")`` on a count matrix without
    duplicate entries, computed on its data array (a test holds the two equal)."""
    n_docs = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    data = np.log(counts.data)
    data += 1.0
    data *= idf[counts.indices]
    lengths = np.diff(counts.indptr)
    squares = np.ones(n_docs)
    nonempty = lengths > 0
    if nonempty.any():  # reduceat over non-empty rows only: each segment ends where the next begins
        squares[nonempty] = np.add.reduceat(data * data, counts.indptr[:-1][nonempty])
    data /= np.repeat(np.sqrt(squares), lengths)
    return sparse.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)


def _blocks(tok: Tokenised, *, folding: bool) -> tuple[list[sparse.csr_matrix], np.ndarray]:
    """Per form (as written, folded): words and bigrams, then character n-grams; and the share of each
    document's words that the character n-grams read (``tfidf_pair`` weighs their blocks by it).

    - A stop word (``stopwords.py``) is taken out of the text first, as scikit-learn's ``stop_words``
      does: it counts in no block, and the words on either side of it make a bigram ("vẽ và gốm" gives
      "vẽ gốm").
    - Character n-grams are those of the words written without diacritics only (English words,
      Vietnamese typed bare). They let "programmer" meet "programming"; a Vietnamese syllable written
      with its accents does not inflect, and its pieces only met other syllables' ("ông" of "công",
      "không", "sông"): it counts whole, as a word."""
    if folding:  # a text typed bare is read as the corpus spells its word pairs (``restored_ids``)
        tok = dataclasses.replace(tok, ids=restored_ids(tok))
    counted = ~stopped(tok)
    rows = np.repeat(np.arange(len(tok.offsets) - 1), np.diff(tok.offsets))[counted]
    n_docs = len(tok.offsets) - 1
    offsets = _row_pointers(rows, n_docs)
    plain = np.fromiter((t == fold(t) for t in tok.vocab), dtype=bool, count=len(tok.vocab))[tok.ids[counted]]
    blocks = []
    for ids, vocab, alone in _forms(tok, folding=folding):
        kept = ids[counted]
        # In the folded form some occurrences count only within their bigrams (``_forms``).
        single = np.ones(len(kept), dtype=bool) if alone is None else alone[counted]
        unigrams = _csr_counts(kept[single], _row_pointers(rows[single], n_docs), len(vocab))
        blocks.append(hstack_rows([unigrams, _bigram_counts(kept, offsets, len(vocab))]))
        spelt = single & plain
        blocks.append(_char_counts(_csr_counts(kept[spelt], _row_pointers(rows[spelt], n_docs), len(vocab)), vocab))
    words = np.bincount(rows, minlength=n_docs)
    share = np.bincount(rows[plain], minlength=n_docs) / np.maximum(words, 1)
    return blocks, share


def _forms(tok: Tokenised, *, folding: bool) -> list[tuple[np.ndarray, list[str], np.ndarray | None]]:
    """(token ids, vocabulary, which occurrences count alone) of the text as written and, with folding,
    of its second form: accents folded and English words stemmed (``english_stem``), so that "lap
    trinh" meets "lập trình" and "programmer" meets "programming" there, while the first form keeps
    exact words counting twice. A word typed without accents whose letters are also the folding of an accented
    word of the corpus ("nhan": nhân, nhãn, nhắn…) is ambiguous: it meets the accented words alone only
    where written alike (in the blocks as written), and in the folded form only within a bigram ("nhan
    tao" is nhân tạo). Accented words count alone in both forms, so two accented texts, or two English
    ones, are compared as before."""
    forms: list[tuple[np.ndarray, list[str], np.ndarray | None]] = [(tok.ids, tok.vocab, None)]
    if folding:
        accented = np.fromiter((t != fold(t) for t in tok.vocab), dtype=bool, count=len(tok.vocab))
        first_folded = np.zeros(len(tok.vocab), dtype=np.int64)
        if len(tok.ids):
            first_folded[tok.ids] = tok.folded_ids
        ambiguous = np.zeros(len(tok.folded_vocab), dtype=bool)
        ambiguous[first_folded[accented]] = True
        alone_token = accented | ~ambiguous[first_folded]
        stems = [english_stem(t) for t in tok.folded_vocab]
        stem_vocab = list(dict.fromkeys(stems))
        stem_index = {t: i for i, t in enumerate(stem_vocab)}
        to_stem = np.fromiter(map(stem_index.__getitem__, stems), dtype=np.int64, count=len(stems))
        forms.append((to_stem[tok.folded_ids], stem_vocab, alone_token[tok.ids]))
    return forms


def restored_ids(tok: Tokenised) -> np.ndarray:
    """The tokens as written, but in a document typed without any diacritics each pair of adjacent words
    spelt as the corpus spells it, where the corpus spells its folded form one way only with diacritics:
    "lap trinh game" is read "lập trình game" when every text that writes "lap trinh" with its accents
    writes "lập trình". Then a bare text meets accented texts in the blocks as written too, not only in
    the folded ones, and scores as the same text typed with its accents does (a bare text scored about a
    quarter of it, below the relevance floor: "e thik lap trinh game" had no list). Pairs only, never a
    lone syllable ("ve" is vẽ, về or vé); a pair spelt two ways in the corpus ("hoc may": học máy and học
    may) stays as typed; a document with any diacritics is read as its writer spelt it."""
    ids, folded = tok.ids, tok.folded_ids
    n_docs = len(tok.offsets) - 1
    if len(ids) < 2 or n_docs < 1:
        return ids
    accented = np.fromiter((t != fold(t) for t in tok.vocab), dtype=bool, count=len(tok.vocab))[ids]
    doc = np.repeat(np.arange(n_docs), np.diff(tok.offsets))
    adjacent = doc[1:] == doc[:-1]
    if tok.breaks is not None:
        adjacent &= ~tok.breaks[1:]
    at = np.flatnonzero(adjacent)
    if not len(at):
        return ids
    n_folded, n_vocab = len(tok.folded_vocab), len(tok.vocab)
    folded_key = folded[at] * n_folded + folded[at + 1]
    spelt = accented[at] | accented[at + 1]
    # Each folded pair's distinct spellings with diacritics (sorted by folded pair), then those with one.
    key, as_written = folded_key[spelt], ids[at][spelt] * n_vocab + ids[at + 1][spelt]
    order = np.lexsort((as_written, key))
    key, as_written = key[order], as_written[order]
    distinct = np.ones(len(key), dtype=bool)
    distinct[1:] = (key[1:] != key[:-1]) | (as_written[1:] != as_written[:-1])
    key, as_written = key[distinct], as_written[distinct]
    first = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1]))) if len(key) else np.zeros(0, np.int64)
    one = np.diff(np.append(first, len(key))) == 1
    keys, spelling = key[first[one]], as_written[first[one]]
    bare = np.bincount(doc, weights=accented, minlength=n_docs) == 0
    found = bare[doc[at]] & np.isin(folded_key, keys)
    if not found.any():
        return ids
    at = at[found]
    as_spelt = spelling[np.searchsorted(keys, folded_key[found])]
    out = ids.copy()
    out[at] = as_spelt // n_vocab
    out[at + 1] = as_spelt % n_vocab
    return out


def english_stem(folded: str) -> str:
    """A word's family in the second form: an English word of four letters or more by its Porter2 stem
    (Snowball's English stemmer: "managing", "management", "manager" are "manag"), anything else as it
    is. Vietnamese syllables typed bare are letters without diacritics too, but none ends the way an
    English word inflects (their finals are c, ch, m, n, ng, nh, p, t or a vowel), so the stemmer leaves
    them alone: a test holds it on every syllable of the lexicon and the topic vocabulary. (The
    lexicon's glossing has a lighter stemmer of its own, ``lexicon.stem``: there a stem chooses a
    concept, so it must never join unrelated words.)"""
    if len(folded) < 4 or not folded.isascii() or not folded.isalpha():
        return folded
    return _stemmer().stemWord(folded)


@functools.cache
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def _frequent_dropped(counts: sparse.csr_matrix, max_df: float, min_df_cap: int) -> sparse.csr_matrix:
    """Drop columns found in more than max(max_df × documents, min_df_cap) documents (sklearn's max_df)."""
    limit = max(max_df * counts.shape[0], min_df_cap)
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    keep = df <= limit
    remap = np.full(counts.shape[1], -1, dtype=np.int64)
    remap[keep] = np.arange(int(keep.sum()))
    return _keep_columns(counts, remap)


def _shared_columns(block: sparse.csr_matrix, n_left: int) -> np.ndarray:
    """Old → new column index (-1 = dropped) keeping the columns used on both sides."""
    split = block.indptr[n_left]
    on_left = np.bincount(block.indices[:split], minlength=block.shape[1]) > 0
    on_right = np.bincount(block.indices[split:], minlength=block.shape[1]) > 0
    keep = on_left & on_right
    remap = np.full(block.shape[1], -1, dtype=np.int64)
    remap[keep] = np.arange(int(keep.sum()))
    return remap


def tfidf_pair(
    left: Sequence[str] | Tokenised,
    n_left: int | None = None,
    right: Sequence[str] | None = None,
    *,
    folding: bool = True,
    max_df: float = MAX_DF,
    min_df_cap: int = MAX_DF_FLOOR,
    dtype: type = np.float32,
    glosses: sparse.csr_matrix | None = None,
    gloss_weight: float = 1.0,
) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """L2-normalised TF-IDF rows for two corpora fitted on their union, so ``a @ b.T`` is their cosine.

    Either ``tfidf_pair(left_texts, right=right_texts)`` or ``tfidf_pair(tokenised, n_left)`` where the
    first ``n_left`` documents of ``tokenised`` are the left corpus. Columns present on only one side
    are dropped at the end: they count in each row's norm but cannot change any cross product.

    ``glosses`` (documents × concepts, ``lexicon.Lexicon.counts``) become terms beside the words,
    weighted by ``gloss_terms`` with ``gloss_weight``.
    """
    if isinstance(left, Tokenised):
        tok, split = left, int(n_left or 0)
    else:
        tok, split = tokenise([*left, *(right or ())]), len(left)
    counts, share = _blocks(tok, folding=folding)
    blocks = [tfidf_weight(_frequent_dropped(b, max_df, min_df_cap)) for b in counts]
    # Each non-empty block is a unit vector, but a block of character n-grams (every second one) reads
    # only the words written without diacritics: it weighs as the share of the document's words it
    # reads. An English text's is whole; in "làm game, lập trình Unity" it is two words of five, so the
    # pieces of "game" and "unity" do not weigh as much as all the words together (measured:
    # docs/relevance.md, fifth pass). The stacked row is then normalised.
    blocks = [_rows_scaled(b, share) if i % 2 else b for i, b in enumerate(blocks)]
    squares = sum(np.asarray(b.multiply(b).sum(axis=1)).ravel() for b in blocks)
    scale = 1.0 / np.sqrt(np.where(squares > 0, squares, 1.0))  # an empty row stays empty
    if glosses is None or gloss_weight <= 0:
        pruned = [_keep_columns(b, _shared_columns(b, split)) for b in blocks]
        stacked = hstack_rows(pruned, dtype)
        stacked.data *= np.repeat(scale.astype(dtype), np.diff(stacked.indptr))
        return split_rows(stacked, split)
    # The words' part has norm 1 (before the columns of one side are dropped, as above), the concepts
    # beside it those that can meet the other side's (named in English here and in Vietnamese there,
    # ``lexicon.Lexicon.counts``), so that texts in one language alone are compared as without them.
    blocks.append(gloss_terms(glosses, np.diff(tok.offsets), gloss_weight))
    pruned = [_keep_columns(b, _shared_columns(b, split)) for b in blocks]
    outside = np.sqrt(1.0 + np.asarray(pruned[-1].multiply(pruned[-1]).sum(axis=1)).ravel())
    scaled = [_rows_scaled(b, scale / outside) for b in pruned[:-1]] + [_rows_scaled(pruned[-1], 1.0 / outside)]
    return split_rows(hstack_rows(scaled, dtype), split)


def _rows_scaled(block: sparse.csr_matrix, factors: np.ndarray) -> sparse.csr_matrix:
    return sparse.csr_matrix((block.data * np.repeat(factors, np.diff(block.indptr)), block.indices, block.indptr),
                             shape=block.shape)  # fmt: skip


def gloss_terms(glosses: sparse.csr_matrix, lengths: np.ndarray, weight: float) -> sparse.csr_matrix:
    """The lexicon's concepts of each document as terms beside its words (whose row has norm 1): the
    concept's IDF relative to the rarest concept's × ``weight`` / √(the document's tokens + 1), the
    weighting of topic terms (``vectors.topic_terms``). In a short text a concept is a large share of
    the row; in a long description it weighs like one of its words."""
    glosses = glosses.tocsr()
    n_docs = glosses.shape[0]
    df = np.bincount(glosses.indices, minlength=glosses.shape[1])
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    idf /= max(float(idf.max(initial=1.0)), 1e-12)
    per_doc = weight / np.sqrt(np.asarray(lengths, dtype=np.float64) + 1.0)
    data = idf[glosses.indices] * np.repeat(per_doc, np.diff(glosses.indptr))
    return sparse.csr_matrix((data, glosses.indices, glosses.indptr), shape=glosses.shape)


def _keep_columns(block: sparse.csr_matrix, remap: np.ndarray) -> sparse.csr_matrix:
    """The block restricted to the columns ``remap`` keeps (-1 = dropped), renumbered."""
    if not remap.size or remap[-1] == remap.size - 1:  # remap is increasing: nothing dropped
        return block
    # scipy's column selection runs in C, several times faster than the same in numpy steps.
    return block[:, np.flatnonzero(remap >= 0)]


def hstack_rows(blocks: list[sparse.csr_matrix], dtype: type = np.float64) -> sparse.csr_matrix:
    """``sparse.hstack`` for CSR blocks with the same rows, by arithmetic on positions (no sort)."""
    n_rows = blocks[0].shape[0]
    lengths = [np.diff(b.indptr) for b in blocks]
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(sum(lengths), out=indptr[1:])
    data: np.ndarray = np.empty(int(indptr[-1]), dtype=dtype)
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    row_start, width = indptr[:-1].copy(), 0
    for block, length in zip(blocks, lengths, strict=True):
        dest = np.repeat(row_start - block.indptr[:-1], length)
        dest += np.arange(block.nnz)
        data[dest] = block.data
        indices[dest] = block.indices + width
        row_start += length
        width += block.shape[1]
    return sparse.csr_matrix((data, indices, indptr), shape=(n_rows, width))


def split_rows(matrix: sparse.csr_matrix, at: int) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Rows [:at] and [at:] as views on the same arrays (slicing a CSR matrix copies)."""
    cut = int(matrix.indptr[at])
    top = sparse.csr_matrix(
        (matrix.data[:cut], matrix.indices[:cut], matrix.indptr[: at + 1]), shape=(at, matrix.shape[1])
    )
    bottom_ptr = matrix.indptr[at:] - cut
    bottom = sparse.csr_matrix(
        (matrix.data[cut:], matrix.indices[cut:], bottom_ptr), shape=(matrix.shape[0] - at, matrix.shape[1])
    )
    return top, bottom
