"""The model's vectors: documents, topic sets, TF-IDF and the augmented vectors whose dot product is raw.

``build_model`` is the one place where inputs become arrays; ``recommend`` searches them and the
brute-force test scores every pair with them, so both use the same model.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy import sparse

from . import model
from .filters import Compiled
from .lexicon import load_lexicon
from .model import Weights
from .negation import without_negated
from .stages import OFF, Stages
from .text import NAME_CLOSE, NAME_OPEN, Tokenised, hstack_rows, normalise, tfidf_pair, tokenise
from .topics import Vocabulary, load_vocabulary
from .types import KINDS, Geography, Opportunity, Participant


def participant_document(p: Participant) -> str:
    """Interests and skills without what the participant says they do not want (``negation``), then
    the topics listed."""
    return _unmarked(f"{without_negated(p.text)}\n{' ; '.join(p.topics)}")


def opportunity_document(o: Opportunity) -> str:
    """Title, description and topics; where the title or the description names the organisation, the
    name is marked (``text.NAME_OPEN``) so that its words count as words but name no topic alone."""
    body = _unmarked(f"{o.title}\n{o.description}")
    if o.organisation.strip():
        body = _name_marked(body, o.organisation)
    return f"{body}\n{' ; '.join(o.topics)}"


def _unmarked(text: str) -> str:
    if NAME_OPEN in text or NAME_CLOSE in text:  # never in anyone's text; a pasted one means nothing
        text = text.replace(NAME_OPEN, " ").replace(NAME_CLOSE, " ")
    return text


# The legal form before or after an organisation's own name ("Công ty TNHH …", "… Co., Ltd."): a posting
# may name it with or without.
_LEGAL_BEFORE = re.compile(
    r"^(?:công ty(?: tnhh| cổ phần| cp| trách nhiệm hữu hạn)?(?: một thành viên| mtv)?|ctcp|cty|tnhh)\s+",
    re.IGNORECASE,
)
_LEGAL_AFTER = re.compile(r"[\s,]+(?:co\.?,?\s*ltd\.?|ltd\.?|jsc|inc\.?|llc|corp\.?)$", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def _name_forms(name: str) -> tuple[str, ...]:
    """The organisation ``name`` as a text may write it: whole, or without its legal form; lower case,
    single-spaced, longest first."""
    whole = " ".join(name.split())
    short = _LEGAL_AFTER.sub("", _LEGAL_BEFORE.sub("", whole))
    return tuple(sorted({_lower(f) for f in (whole, short) if f}, key=len, reverse=True))


def _lower(text: str) -> str:
    """Lower case, one character for one (``str.lower`` turns "İ" into two)."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else "".join(c.lower()[:1] for c in text)


def _name_marked(text: str, name: str) -> str:
    """``text`` with every mention of the organisation ``name`` (``_name_forms``, as whole words, in any
    case) between ``NAME_OPEN`` and ``NAME_CLOSE``. Plain string search on the lower-cased text: a
    regular expression per organisation cost a second of compiling for 5,000 organisations."""
    folded = _lower(text)
    spans: list[tuple[int, int]] = []
    for form in _name_forms(name):
        at = folded.find(form)
        while at != -1:
            end = at + len(form)
            alone = (at == 0 or not folded[at - 1].isalnum()) and (end == len(folded) or not folded[end].isalnum())
            if alone and all(end <= a or at >= b for a, b in spans):  # whole words, not inside another mention
                spans.append((at, end))
            at = folded.find(form, at + 1)
    if not spans:
        return text
    out, last = [], 0
    for a, b in sorted(spans):
        out += [text[last:a], NAME_OPEN, text[a:b], NAME_CLOSE]
        last = b
    out.append(text[last:])
    return "".join(out)


# Topics that name a kind of opportunity rather than a subject: every career talk is "hướng nghiệp"
# (career guidance), and the kind filter and the preferred kinds already weigh it. As a shared topic it
# made every career talk relevant to anyone who wrote "định hướng nghề nghiệp" (docs/relevance.md, fifth
# pass). They stay topics of the catalogue (its filter, the API); the engine does not count them.
NOT_A_SUBJECT = frozenset({"career-guidance"})


def topic_sets(
    vocab: Vocabulary, tok: Tokenised, raw: Sequence[str], entries: Sequence[Sequence[str]], *, folding: bool
) -> list[frozenset[int]]:
    """Topics of each document: phrases in its tokens, acronyms in its raw text, topic ids listed; not
    those that only name a kind of opportunity (``NOT_A_SUBJECT``).

    A topic found only within the organisation's name its document marked (``opportunity_document``)
    counts only if the rest of the document has a topic of the same field: "Công ty TNHH Đại Dương
    Xanh" (ocean) offering an accounting internship is not marine biology, while "Công ty Phần mềm
    Sông Hồng" inviting students to see its programmers at work is software engineering."""
    found, in_names, maybe = vocab.match_corpus_named(tok, folding=folding)
    # Acronyms need the raw text (case matters); only documents with such a token are searched.
    lowered = {normalise(a) for a in vocab.acronyms}
    has = np.fromiter((t in lowered for t in tok.vocab), dtype=bool, count=len(tok.vocab))
    with_acronym = np.unique(np.searchsorted(tok.offsets, np.flatnonzero(has[tok.ids]), side="right") - 1)
    for d in with_acronym.tolist():
        if NAME_OPEN in raw[d]:
            outside, inside = _name_parts(raw[d])
            found[d] |= vocab.match_acronyms(outside)
            in_names[d] |= vocab.match_acronyms(inside) - found[d]
        else:
            found[d] |= vocab.match_acronyms(raw[d])
    index = vocab.index
    for doc, listed in zip(found, entries, strict=True):
        for entry in listed:
            key = entry.strip().lower()
            if key in index:
                doc.add(index[key])
    for doc, named in zip(found, in_names, strict=True):
        if named:
            fields = {vocab.topics[t].group for t in doc}
            doc |= {t for t in named if vocab.topics[t].group in fields}
    kinds = {index[t] for t in NOT_A_SUBJECT if t in index}
    for doc, unsure in zip(found, maybe, strict=True):  # "python", "java": where the rest is about their field
        if unsure - doc:
            doc |= vocab.kept_ambiguous(doc - kinds, unsure - doc)
    return [frozenset(doc - kinds) for doc in found]


def _name_parts(raw: str) -> tuple[str, str]:
    """A document's text outside the names it marked, and the names' text."""
    pieces = re.split(f"[{NAME_OPEN}{NAME_CLOSE}]", raw)
    return " ".join(pieces[0::2]), " ".join(pieces[1::2])


def topic_terms(
    sets: Sequence[frozenset[int]],
    n_topics: int,
    lengths: np.ndarray,
    group_of: np.ndarray | None = None,
    umbrellas: np.ndarray | None = None,
    n_participants: int = 0,
) -> sparse.csr_matrix:
    """Each document's topics as terms: the topic's IDF over these documents relative to the rarest
    topic's, divided by √(the document's tokens + 1), so that a topic weighs like one of its words.

    With ``group_of`` (topic → its field in the vocabulary), each field a document has topics in is a
    term too (columns after the topics'), weighted the same way × ``model.GROUP_SCALE``, its IDF
    relative to the rarest field's: two texts on neighbouring topics of one field ("machine learning",
    "generative AI") share a little relevance, less than two texts on the same topic.

    With ``umbrellas`` (topic → whether it names its whole field: ``Topic.umbrella``), a participant
    (one of the first ``n_participants`` documents) who names a field only as a whole ("em muốn học IT,
    CNTT") has that field's term weighted as a topic, not × GROUP_SCALE: every topic of the field is
    what they asked for. Naming a narrower topic of the field too ("kế toán, tài chính") keeps the
    field at GROUP_SCALE: the narrower topic says what they want."""
    n_docs = len(sets)
    sizes = np.fromiter(map(len, sets), dtype=np.int64, count=n_docs)
    topics = np.fromiter((t for s in sets for t in sorted(s)), dtype=np.int64, count=int(sizes.sum()))
    docs = np.repeat(np.arange(n_docs), sizes)
    scale = np.ones(len(topics))
    width = n_topics
    if group_of is not None and len(group_of):
        n_fields = int(group_of.max()) + 1
        keys = np.unique(docs * n_fields + group_of[topics])  # each (document, field) once, in order
        docs = np.concatenate([docs, keys // n_fields])
        topics_before = topics
        topics = np.concatenate([topics, n_topics + keys % n_fields])
        field_scale = np.full(len(keys), model.GROUP_SCALE)
        if umbrellas is not None and umbrellas.any():
            topic_docs = docs[: len(topics_before)]
            key_of = topic_docs * n_fields + group_of[topics_before]
            umbrella = umbrellas[topics_before]
            # A participant's fields named whole and by no narrower topic weigh as a topic.
            whole = np.setdiff1d(key_of[umbrella & (topic_docs < n_participants)], key_of[~umbrella])
            field_scale[np.isin(keys, whole)] = 1.0
        scale = np.concatenate([scale, field_scale])
        width += n_fields
    order = np.argsort(docs, kind="stable")  # topics first within each document, then fields
    docs, topics, scale = docs[order], topics[order], scale[order]
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(docs, minlength=n_docs), out=indptr[1:])
    df = np.bincount(topics, minlength=width).astype(np.float64)
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    for part in (slice(0, n_topics), slice(n_topics, width)):  # topics, then fields, each to its rarest
        idf[part] /= max(float(idf[part].max(initial=1.0)), 1e-12)
    per_doc = 1.0 / np.sqrt(np.asarray(lengths, dtype=np.float64) + 1.0)
    data = idf[topics] * scale * per_doc[docs]
    return sparse.csr_matrix((data, topics.astype(np.int32), indptr), shape=(n_docs, width))


def similarity_vectors(
    text: sparse.csr_matrix, topics: sparse.csr_matrix, weights: Weights
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """[text | β · topic terms], each row L2-normalised and quantised: a dot product is the relevance.
    Returns the rows and each row's norm before normalising (``Model.text_cosines`` needs them).

    β = ``weights.topic_strength()``; without text weight the rows are the topic terms alone. The text
    rows have lost the columns found on one side only (``text.tfidf_pair``), so the normalised row is
    the cosine over the vocabulary the two sides share: measured better than keeping the full norm
    (esco_ict 0.592 vs 0.581, bilingual_eval 0.878 vs 0.845, esco_skills 0.374 vs 0.379 nDCG@10)."""
    beta = weights.topic_strength()
    if weights.text <= 0:
        matrix = topics.tocsr()
    elif beta <= 0:
        matrix = text.tocsr()
    else:
        matrix = hstack_rows([text, topics * beta])
    data = matrix.data.astype(np.float64, copy=False)
    counts = np.diff(matrix.indptr)
    squares = np.zeros(len(counts))
    nonempty = counts > 0
    if nonempty.any():
        squares[nonempty] = np.add.reduceat(data * data, matrix.indptr[:-1][nonempty])
    norms = np.sqrt(squares)
    scaled = model.quantise_down(data * np.repeat(1.0 / np.maximum(norms, 1e-12), counts))
    out = sparse.csr_matrix((scaled, matrix.indices, matrix.indptr), shape=matrix.shape)
    out.eliminate_zeros()
    return out, norms


@dataclass
class Augmented:
    """The relevance vectors and the context of pairs.

    raw = (participant row · opportunity row) × context, where context = ``base`` (of the pair's
    distance and the opportunity's freshness, the same for a block's participants, who share a
    province) + ``kind_term`` when the participant prefers the opportunity's kind (``model.py``).
    """

    participants: sparse.csr_matrix
    opportunities: sparse.csr_matrix
    weights: Weights
    kind_term: float
    fresh: np.ndarray
    p_preferred: np.ndarray  # bitmask of preferred kind indices per participant
    o_kind: np.ndarray  # kind index per opportunity

    @classmethod
    def build(
        cls,
        sim_p: sparse.csr_matrix,
        sim_o: sparse.csr_matrix,
        compiled: Compiled,
        fresh: np.ndarray,
        weights: Weights,
    ) -> Augmented:
        kind_term, _ = model.context_terms(np.zeros(0), np.zeros(0), weights)
        return cls(
            participants=sim_p,
            opportunities=sim_o,
            weights=weights,
            kind_term=kind_term,
            fresh=np.asarray(fresh, dtype=np.float64),
            p_preferred=compiled.p_preferred.astype(np.int64),
            o_kind=compiled.o_kind.astype(np.int64),
        )

    def pair_scales(self, distance: np.ndarray, opportunities: np.ndarray) -> np.ndarray:
        """The context's base of these opportunities for participants at ``distance``."""
        return model.context_terms(np.asarray(distance, dtype=np.float64), self.fresh[opportunities], self.weights)[1]

    def contexts(self, p: np.ndarray, o: np.ndarray, distance: np.ndarray) -> np.ndarray:
        """The whole context of pairs (p[i], o[i]) at ``distance``."""
        kind = (self.p_preferred[p] >> self.o_kind[o]) & 1
        return self.pair_scales(distance, o) + self.kind_term * kind


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
    topic_terms_p: sparse.csr_matrix  # β · topic terms, as they entered the relevance rows
    topic_terms_o: sparse.csr_matrix
    norms_p: np.ndarray  # each relevance row's norm before it was normalised
    norms_o: np.ndarray
    fresh: np.ndarray
    vectors: Augmented
    p_rank: np.ndarray  # tie-break ranks by id
    o_rank: np.ndarray
    o_company: np.ndarray
    # Each document's topics and fields as bits (documents × 64-bit words): [0] those that are evidence
    # of relevance (``Vocabulary.evidence_columns``), [1] all of them.
    topic_bits_p: tuple[np.ndarray, np.ndarray]
    topic_bits_o: tuple[np.ndarray, np.ndarray]

    def text_cosines(self, p: np.ndarray, o: np.ndarray, raw: np.ndarray, distance: np.ndarray) -> np.ndarray:
        """The text cosine of pairs, from their raw: relevance = raw / context = (text·text' + β²·topic
        terms·topic terms') / (norm · norm'), so the text part is what remains after the topic terms'
        (a small sparse product) once the norms are put back. Exact up to the 2**-16 rounding of the
        vectors; it avoids gathering the pairs' text rows (a million pairs × ~100 entries each)."""
        if self.weights.text <= 0:  # topics alone made the relevance: compute the text part directly
            return np.clip(np.asarray(self.text_p[p].multiply(self.text_o[o]).sum(axis=1)).ravel(), 0.0, 1.0)
        relevance = raw / self.vectors.contexts(p, o, distance)
        topical = np.asarray(self.topic_terms_p[p].multiply(self.topic_terms_o[o]).sum(axis=1)).ravel()
        return np.clip(relevance * self.norms_p[p] * self.norms_o[o] - topical, 0.0, 1.0)

    def evident(self, p: np.ndarray, o: np.ndarray, raw: np.ndarray) -> np.ndarray:
        """Which pairs (p[i], o[i]) of this ``raw`` have a reason of relevance a person can read: a topic
        or a field in common (not only teamwork or presenting: ``Vocabulary.evidence_columns``), or else
        texts at least ``model.TEXT_EVIDENCE`` close. The text cosine is ``text_cosines``'s, from raw;
        the sparse product of the topic terms is computed only for the pairs that share a topic term
        that is no evidence (a pair sharing none has no topic part in its relevance)."""
        shared = _any_common_bit(self.topic_bits_p[0], self.topic_bits_o[0], p, o)
        rest = np.flatnonzero(~shared)
        if len(rest):
            pr, orr = p[rest], o[rest]
            relevance = raw[rest] / self.vectors.contexts(pr, orr, self.compiled.distance_of(pr, orr))
            text = relevance * self.norms_p[pr] * self.norms_o[orr]
            some = np.flatnonzero(_any_common_bit(self.topic_bits_p[1], self.topic_bits_o[1], pr, orr))
            if len(some):
                a, b = pr[some], orr[some]
                text[some] -= np.asarray(self.topic_terms_p[a].multiply(self.topic_terms_o[b]).sum(axis=1)).ravel()
            shared[rest] = text >= model.TEXT_EVIDENCE
        return shared

    def raw(self) -> np.ndarray:
        """raw for every (participant, opportunity) pair, dense (small inputs only: tests)."""
        n_p, n_o = len(self.participants), len(self.opportunities)
        p, o = np.repeat(np.arange(n_p), n_o), np.tile(np.arange(n_o), n_p)
        contexts = self.vectors.contexts(p, o, self.compiled.distance_of(p, o)).reshape(n_p, n_o)
        return (self.vectors.participants @ self.vectors.opportunities.T).toarray() * contexts


@dataclass(frozen=True)
class Context:
    """Everything of the model but its vectors: the filter arrays, freshness, companies, tie ranks."""

    compiled: Compiled
    fresh: np.ndarray
    o_company: np.ndarray
    p_rank: np.ndarray
    o_rank: np.ndarray


def documents(participants: Sequence[Participant], opportunities: Sequence[Opportunity]) -> list[str]:
    """Participants' documents, then opportunities'."""
    return [participant_document(p) for p in participants] + [opportunity_document(o) for o in opportunities]


def listed_topics(participants: Sequence[Participant], opportunities: Sequence[Opportunity]) -> list[tuple[str, ...]]:
    return [p.topics for p in participants] + [o.topics for o in opportunities]


def text_rows(tok: Tokenised, n_p: int, *, folding: bool) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """The TF-IDF rows of the participants' documents (the first ``n_p``) and the opportunities',
    the bilingual lexicon's concepts a block of their own (``lexicon.py``)."""
    glosses = load_lexicon().counts(tok, n_p, folding=folding) if model.GLOSS_WEIGHT > 0 else None
    return tfidf_pair(tok, n_p, folding=folding, dtype=np.float64, glosses=glosses, gloss_weight=model.GLOSS_WEIGHT)


def document_topics(
    vocab: Vocabulary,
    tok: Tokenised,
    raw: Sequence[str],
    entries: Sequence[Sequence[str]],
    start: int,
    stop: int,
    *,
    folding: bool,
    use_topics: bool,
) -> list[frozenset[int]]:
    """The topics of documents [start, stop) (each document's alone: any split gives the same sets)."""
    if not use_topics:
        return [frozenset()] * (stop - start)
    return topic_sets(vocab, tok.part(start, stop), raw[start:stop], entries[start:stop], folding=folding)


def context_of(
    participants: Sequence[Participant], opportunities: Sequence[Opportunity], now: datetime, geography: Geography
) -> Context:
    kinds = list(KINDS) + sorted({o.kind for o in opportunities} - set(KINDS))
    companies = {c: i for i, c in enumerate(sorted({o.company for o in opportunities}))}
    return Context(
        compiled=Compiled.build(participants, opportunities, now, geography, kinds),
        fresh=np.array([model.freshness(o.created_at, now) for o in opportunities]),
        o_company=np.array([companies[o.company] for o in opportunities], dtype=np.int64),
        p_rank=id_ranks([p.id for p in participants]),
        o_rank=id_ranks([o.id for o in opportunities]),
    )


def assemble(
    participants: Sequence[Participant],
    opportunities: Sequence[Opportunity],
    *,
    weights: Weights,
    vocab: Vocabulary,
    tok: Tokenised,
    text: tuple[sparse.csr_matrix, sparse.csr_matrix],
    sets: list[frozenset[int]],
    context: Context,
) -> Model:
    """The model from its parts: the topic terms join the TF-IDF rows into the relevance vectors."""
    n_p = len(participants)
    text_p, text_o = text
    topics_all = topic_terms(
        sets, len(vocab.topics), np.diff(tok.offsets), vocab.group_of, vocab.umbrellas, n_participants=n_p
    )
    sim_p, norms_p = similarity_vectors(text_p, topics_all[:n_p], weights)
    sim_o, norms_o = similarity_vectors(text_o, topics_all[n_p:], weights)
    beta = weights.topic_strength() if weights.text > 0 else 0.0
    return Model(
        participants=participants,
        opportunities=opportunities,
        weights=weights,
        compiled=context.compiled,
        vocab=vocab,
        sets=sets,
        text_p=text_p,
        text_o=text_o,
        fresh=context.fresh,
        topic_terms_p=topics_all[:n_p] * beta,
        topic_terms_o=topics_all[n_p:] * beta,
        norms_p=norms_p,
        norms_o=norms_o,
        vectors=Augmented.build(sim_p, sim_o, context.compiled, context.fresh, weights),
        p_rank=context.p_rank,
        o_rank=context.o_rank,
        o_company=context.o_company,
        topic_bits_p=(bit_rows(topics_all[:n_p], vocab.evidence_columns), bit_rows(topics_all[:n_p])),
        topic_bits_o=(bit_rows(topics_all[n_p:], vocab.evidence_columns), bit_rows(topics_all[n_p:])),
    )


def _any_common_bit(bits_p: np.ndarray, bits_o: np.ndarray, p: np.ndarray, o: np.ndarray) -> np.ndarray:
    out = np.zeros(len(p), dtype=bool)
    for word in range(bits_p.shape[1]):
        out |= (bits_p[p, word] & bits_o[o, word]) != 0
    return out


def bit_rows(rows: sparse.csr_matrix, kept: np.ndarray | None = None) -> np.ndarray:
    """The columns holding a non-zero of each row (of the ``kept`` columns, if given), as bits: (rows ×
    ⌈columns / 64⌉) unsigned words."""
    out = np.zeros((rows.shape[0], max(1, -(-rows.shape[1] // 64))), dtype=np.uint64)
    nonzero = rows.data != 0
    if kept is not None and len(kept) == rows.shape[1]:
        nonzero &= kept[rows.indices]
    docs = np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr))[nonzero]
    columns = rows.indices[nonzero].astype(np.uint64)
    np.bitwise_or.at(out, (docs, (columns // 64).astype(np.int64)), np.left_shift(np.uint64(1), columns % 64))
    return out


def build_model(
    participants: Sequence[Participant],
    opportunities: Sequence[Opportunity],
    *,
    now: datetime,
    geography: Geography,
    weights: Weights,
    folding: bool = True,
    use_topics: bool = True,
    stages: Stages = OFF,
) -> Model:
    """Vectors, topic sets and filter arrays for these inputs (``weights`` already normalised), in this
    process; ``parallel.build_model`` builds the same model sharing the work with a forked process."""
    with stages.stage("build"):
        raw = documents(participants, opportunities)
        with stages.stage("tokenise"):
            tok = tokenise(raw)
        with stages.stage("vectorise"):
            text = text_rows(tok, len(participants), folding=folding)
        vocab = load_vocabulary()
        with stages.stage("topics"):
            entries = listed_topics(participants, opportunities)
            sets = document_topics(vocab, tok, raw, entries, 0, len(raw), folding=folding, use_topics=use_topics)
        with stages.stage("compile"):
            context = context_of(participants, opportunities, now, geography)
        with stages.stage("vectors"):
            return assemble(
                participants,
                opportunities,
                weights=weights,
                vocab=vocab,
                tok=tok,
                text=text,
                sets=sets,
                context=context,
            )
