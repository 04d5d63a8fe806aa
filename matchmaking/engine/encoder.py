"""An optional second stage: a static English text encoder re-orders English candidates.

Off unless a ``Reranker`` is passed to ``recommend`` (``rerank=``); the project does not depend on any
encoder (docs/relevance.md, "Static embeddings", says why: the measured gain, the licence question of
the weights, the dependencies). With one:

1. The exact search finds each English participant's top ``depth`` (30) candidates above the floor
   instead of k (a per-row k in ``topk.TopK``); everyone else's top k and opportunities' lists are
   searched and built as without it.
2. For an English participant, the English opportunities among them are re-ordered among
   themselves by relevance' = (1 − λ) × relevance + λ × max(0, cosine of the encoder's vectors),
   × the pair's context, ties by id. They take the places the engine gave English opportunities,
   so every other opportunity keeps its place and the encoder never compares two languages (it reads
   English only). Then each list is cut to k. A pair's score stays the engine's.

The encoder is static (model2vec-style): a table of token vectors, a text's vector the mean of its
tokens' rows, so a text costs microseconds, not a transformer's hundreds of milliseconds. Vectors are
centred on the run's mean English vector (what all English texts share says nothing about a pair)
and kept by the SHA-256 of the text they encode (``EmbeddingCache``): a later round encodes only the
texts that changed.

``wordllama_encoder`` reads the ``l2_supercat`` table that ships inside the ``wordllama`` wheel
(0.4.0.post1: 32,000 Llama 2 tokens × 256 dimensions), with ``tokenizers`` and ``safetensors``;
nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .topk import Result, rank_within

if TYPE_CHECKING:
    from .types import Opportunity, Participant
    from .vectors import Model

Encode = Callable[[list[str]], np.ndarray]

WEIGHT = 0.2  # λ: the largest of 0.1–0.7 that lost nothing on any labelled set (docs/relevance.md)
DEPTH = 30
LANGUAGE = "en"
MAX_CHARS = 1500
MAX_TOKENS = 512
CHUNK = 65536


def participant_text(p: Participant) -> str:
    return f"{p.text}\n{' ; '.join(p.topics)}"


def opportunity_text(o: Opportunity) -> str:
    return f"{o.title}\n{o.description}"[:MAX_CHARS]


class EmbeddingCache:
    """Unit vectors by the SHA-256 of the text encoded; ``path`` (.npz) keeps them between processes."""

    def __init__(self, encode: Encode, path: Path | None = None) -> None:
        self.encode, self.path = encode, path
        self.vectors: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            with np.load(path) as stored:
                self.vectors = {key: stored[key] for key in stored.files}
        self.encoded = 0  # texts encoded by this cache (not found in it)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self.vectors}
        if missing:
            rows = np.asarray(self.encode(list(missing.values())), dtype=np.float32)
            rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
            self.vectors.update(zip(missing, rows, strict=True))
            self.encoded += len(missing)
            if self.path is not None:
                np.savez(self.path, **self.vectors)  # type: ignore[arg-type]  # keys are hex digests
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self.vectors[k] for k in keys])


@dataclass
class Reranker:
    """The second stage (module doc): ``weight`` is λ, ``depth`` the candidates searched per participant."""

    cache: EmbeddingCache
    weight: float = WEIGHT
    depth: int = DEPTH
    language: str = LANGUAGE
    stats: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.weight <= 1.0:
            raise ValueError(f"weight must be within [0, 1], not {self.weight}")
        if self.depth < 1:
            raise ValueError(f"depth must be at least 1, not {self.depth}")

    def apply(self, built: Model, forward: Result, k: int) -> Result:
        """Participants' candidates (grouped by row, in rank order) re-ordered and cut to k."""
        rows, cols, raw = forward.rows, forward.cols, forward.raw
        in_p = np.array([p.language == self.language for p in built.participants], dtype=bool)
        in_o = np.array([o.language == self.language for o in built.opportunities], dtype=bool)
        english = in_p[rows] & in_o[cols] if len(rows) else np.zeros(0, dtype=bool)
        position = rank_within(rows)
        if english.any() and self.weight > 0:
            q, d, at_p, at_o = self._vectors(built, in_p, in_o)
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
            cols[slots], raw[slots] = forward.cols[best], forward.raw[best]
            self.stats["reordered_rows"] = self.stats.get("reordered_rows", 0) + int(len(np.unique(p)))
        keep = position < k
        return Result(rows[keep], cols[keep], raw[keep], forward.rounds)

    def _vectors(
        self, built: Model, in_p: np.ndarray, in_o: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The run's English texts' vectors (participants', opportunities'), centred on their mean and
        unit length, and each participant's and opportunity's row in them (-1: not English)."""
        ip, io = np.flatnonzero(in_p), np.flatnonzero(in_o)
        before = self.cache.encoded
        q = self.cache.embed([participant_text(built.participants[i]) for i in ip.tolist()])
        d = self.cache.embed([opportunity_text(built.opportunities[j]) for j in io.tolist()])
        self.stats["encoded"] = self.stats.get("encoded", 0) + self.cache.encoded - before
        width = q.shape[1] if len(ip) else d.shape[1]
        q, d = q.reshape(-1, width), d.reshape(-1, width)
        mean = np.concatenate([q, d]).mean(axis=0)
        q, d = q - mean, d - mean
        q /= np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
        d /= np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-12)
        at_p, at_o = np.full(len(in_p), -1, dtype=np.int64), np.full(len(in_o), -1, dtype=np.int64)
        at_p[ip], at_o[io] = np.arange(len(ip)), np.arange(len(io))
        return q, d, at_p, at_o


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


def wordllama_reranker(cache_path: Path | None = None) -> Reranker:
    return Reranker(EmbeddingCache(wordllama_encoder(), cache_path))
