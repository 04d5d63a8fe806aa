"""The model's vectors: documents, topic sets, TF-IDF and the augmented vectors whose dot product is raw.

``build_model`` is the one place where inputs become arrays; ``recommend`` searches them and the
brute-force test scores every pair with them, so both use the same model.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy import sparse

from . import model
from .filters import Compiled
from .model import Weights
from .text import Tokenised, hstack_rows, normalise, tfidf_pair, tokenise
from .topics import Vocabulary, load_vocabulary
from .types import KINDS, Geography, Opportunity, Participant
from .workers import run_side_by_side

# Topics of this share of the documents are found in the forked process (``build_model``), which also
# builds the filter arrays, so that both processes end together (measured on the benchmark world).
FORKED_TOPICS_SHARE = 0.6


def participant_document(p: Participant) -> str:
    return f"{p.text}\n{' ; '.join(p.topics)}"


def opportunity_document(o: Opportunity) -> str:
    return f"{o.title}\n{o.description}\n{' ; '.join(o.topics)}"


def topic_sets(
    vocab: Vocabulary, tok: Tokenised, raw: Sequence[str], entries: Sequence[Sequence[str]], *, folding: bool
) -> list[frozenset[int]]:
    """Topics of each document: phrases in its tokens, acronyms in its raw text, topic ids listed."""
    found = vocab.match_corpus(tok, folding=folding)
    # Acronyms need the raw text (case matters); only documents with such a token are searched.
    lowered = {normalise(a) for a in vocab.acronyms}
    has = np.fromiter((t in lowered for t in tok.vocab), dtype=bool, count=len(tok.vocab))
    with_acronym = np.unique(np.searchsorted(tok.offsets, np.flatnonzero(has[tok.ids]), side="right") - 1)
    for d in with_acronym.tolist():
        found[d] |= vocab.match_acronyms(raw[d])
    index = vocab.index
    for doc, listed in zip(found, entries, strict=True):
        for entry in listed:
            key = entry.strip().lower()
            if key in index:
                doc.add(index[key])
    return [frozenset(doc) for doc in found]


def topic_matrix(sets: Sequence[frozenset[int]], n_topics: int) -> sparse.csr_matrix:
    indptr = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in sets], out=indptr[1:])
    indices = np.fromiter((t for s in sets for t in sorted(s)), dtype=np.int32, count=int(indptr[-1]))
    data = np.repeat(1.0 / np.sqrt(np.maximum(np.diff(indptr), 1)), np.diff(indptr))
    return sparse.csr_matrix((data, indices, indptr), shape=(len(sets), n_topics))


def similarity_vectors(text: sparse.csr_matrix, topics: sparse.csr_matrix, weights: Weights) -> sparse.csr_matrix:
    """[√w_text · text | √w_topic · topics], quantised, so that a dot product is the similarity part."""
    return _stacked(_scaled(text, np.sqrt(weights.text)), _scaled(topics, np.sqrt(weights.topic)))


def _scaled(matrix: sparse.csr_matrix, factor: float) -> sparse.csr_matrix:
    """The matrix times ``factor``, its entries quantised."""
    data = model.quantise(matrix.data.astype(np.float64) * factor)
    return sparse.csr_matrix((data, matrix.indices, matrix.indptr), shape=matrix.shape)


def _stacked(*parts: sparse.csr_matrix) -> sparse.csr_matrix:
    # A zero weight leaves stored zeros: products would loop over them for nothing.
    matrix = hstack_rows(list(parts))
    matrix.eliminate_zeros()
    return matrix


@dataclass
class Augmented:
    """Vectors whose dot product is the pair's similarity plus its kind term, and the other terms.

    participant [√w_text·text | √w_topic·topics | preferred kinds] · opportunity [√w_text·text |
    √w_topic·topics | w_kind at its kind] = w_text·text + w_topic·topic + w_kind·kind, and
    raw = that + ``pair_offsets`` (w_distance·distance + w_freshness·freshness). A block of
    participants, who share a province, adds the offset as one more column (topk.py).
    """

    participants: sparse.csr_matrix
    opportunities: sparse.csr_matrix
    kind_term: float
    near_term: float
    same_term: float
    fresh_terms: np.ndarray

    @classmethod
    def build(
        cls,
        sim_p: sparse.csr_matrix,
        sim_o: sparse.csr_matrix,
        compiled: Compiled,
        fresh: np.ndarray,
        weights: Weights,
    ) -> Augmented:
        n_o = sim_o.shape[0]
        n_kinds = len(compiled.kinds)
        kind_term = float(model.on_grid(weights.kind))
        bits = (compiled.p_preferred[:, None] >> np.arange(n_kinds)) & 1
        kinds_p = sparse.csr_matrix(bits.astype(np.float64))
        kinds_o = sparse.csr_matrix(
            (np.full(n_o, kind_term), compiled.o_kind.astype(np.int32), np.arange(n_o + 1)), shape=(n_o, n_kinds)
        )
        return cls(
            participants=_stacked(sim_p, kinds_p),
            opportunities=_stacked(sim_o, kinds_o),
            kind_term=kind_term,
            near_term=float(model.on_grid(weights.distance * 0.5)),
            same_term=float(model.on_grid(weights.distance)),
            fresh_terms=model.on_grid(weights.freshness * fresh),
        )

    def pair_offsets(self, distance: np.ndarray, opportunities: np.ndarray) -> np.ndarray:
        """Distance and freshness terms of these opportunities for participants at ``distance``."""
        dist = np.where(distance >= 1.0, self.same_term, np.where(distance > 0, self.near_term, 0.0))
        return dist + self.fresh_terms[opportunities]


def id_ranks(ids: Sequence[str]) -> np.ndarray:
    ranks = np.empty(len(ids), dtype=np.int64)
    ranks[np.argsort(np.array(ids, dtype=object), kind="stable")] = np.arange(len(ids))
    return ranks


@dataclass
class Model:
    participants: Sequence[Participant]
    opportunities: Sequence[Opportunity]
    weights: Weights
    compiled: Compiled
    vocab: Vocabulary
    sets: list[frozenset[int]]  # topics of participants, then of opportunities
    text_p: sparse.csr_matrix  # TF-IDF rows (unweighted)
    text_o: sparse.csr_matrix
    fresh: np.ndarray
    vectors: Augmented
    p_rank: np.ndarray  # tie-break ranks by id
    o_rank: np.ndarray
    o_company: np.ndarray

    def raw(self) -> np.ndarray:
        """raw for every (participant, opportunity) pair, dense (small inputs only: tests)."""
        n_p, n_o = len(self.participants), len(self.opportunities)
        p, o = np.repeat(np.arange(n_p), n_o), np.tile(np.arange(n_o), n_p)
        offsets = self.vectors.pair_offsets(self.compiled.distance_of(p, o), o).reshape(n_p, n_o)
        return (self.vectors.participants @ self.vectors.opportunities.T).toarray() + offsets


def build_model(
    participants: Sequence[Participant],
    opportunities: Sequence[Opportunity],
    *,
    now: datetime,
    geography: Geography,
    weights: Weights,
    folding: bool = True,
    use_topics: bool = True,
    timer: dict[str, float] | None = None,
    side_by_side: bool = False,
) -> Model:
    """Vectors, topic sets and filter arrays for these inputs (``weights`` already normalised);
    ``side_by_side`` shares the work with a forked process."""
    timer = timer if timer is not None else {}
    start = time.perf_counter()
    kinds = list(KINDS) + sorted({o.kind for o in opportunities} - set(KINDS))
    n_p = len(participants)
    raw = [participant_document(p) for p in participants] + [opportunity_document(o) for o in opportunities]
    tok = tokenise(raw, side_by_side=side_by_side)
    timer["tokenise"] = time.perf_counter() - start

    vocab = load_vocabulary()
    entries = [p.topics for p in participants] + [o.topics for o in opportunities]
    # The forked process finds the topics of the first documents and builds the filter arrays; this one
    # builds the TF-IDF vectors and finds the topics of the rest (shares measured to end together).
    split = int(len(raw) * FORKED_TOPICS_SHARE) if side_by_side else len(raw)

    def topics_of(start: int, stop: int) -> list[frozenset[int]]:
        if not use_topics:
            return [frozenset()] * (stop - start)
        return topic_sets(vocab, tok.part(start, stop), raw[start:stop], entries[start:stop], folding=folding)

    def text_side() -> tuple[sparse.csr_matrix, sparse.csr_matrix, list[frozenset[int]], float, float]:
        t0 = time.perf_counter()
        text_p, text_o = tfidf_pair(tok, n_p, folding=folding, dtype=np.float64)
        t1 = time.perf_counter()
        return text_p, text_o, topics_of(split, len(raw)), t1 - t0, time.perf_counter() - t1

    def other_side() -> tuple[
        list[frozenset[int]], float, Compiled, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float
    ]:
        t0 = time.perf_counter()
        sets = topics_of(0, split)
        t1 = time.perf_counter()
        compiled = Compiled.build(participants, opportunities, now, geography, kinds)
        fresh = np.array([model.freshness(o.created_at, now) for o in opportunities])
        companies = {c: i for i, c in enumerate(sorted({o.company for o in opportunities}))}
        o_company = np.array([companies[o.company] for o in opportunities], dtype=np.int64)
        p_rank, o_rank = id_ranks([p.id for p in participants]), id_ranks([o.id for o in opportunities])
        return sets, t1 - t0, compiled, fresh, o_company, p_rank, o_rank, time.perf_counter() - t1

    if side_by_side:
        here, there = run_side_by_side([text_side, other_side])
    else:
        here, there = text_side(), other_side()
    text_p, text_o, later_sets, timer["vectorise"], topics_here = here
    first_sets, topics_there, compiled, fresh, o_company, p_rank, o_rank, timer["compile"] = there
    sets = first_sets + later_sets
    timer["topics"] = topics_here + topics_there
    t0 = time.perf_counter()
    topics_all = topic_matrix(sets, len(vocab.topics))
    sim_p = similarity_vectors(text_p, topics_all[:n_p], weights)
    sim_o = similarity_vectors(text_o, topics_all[n_p:], weights)
    built = Model(
        participants=participants,
        opportunities=opportunities,
        weights=weights,
        compiled=compiled,
        vocab=vocab,
        sets=sets,
        text_p=text_p,
        text_o=text_o,
        fresh=fresh,
        vectors=Augmented.build(sim_p, sim_o, compiled, fresh, weights),
        p_rank=p_rank,
        o_rank=o_rank,
        o_company=o_company,
    )
    timer["vectors"] = time.perf_counter() - t0
    timer["build"] = time.perf_counter() - start
    return built
