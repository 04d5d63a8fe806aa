"""Search results → lists of ``Rec``: features, fitting sessions and reasons for each accepted pair.

Everything that can be computed on arrays is. A full run returns over a million pairs but only a few
thousand distinct reasons, reason lists and session lists, so each is built once, from a code, and the
per-pair Python work is building the ``Rec`` and its features dict. Reasons are data (``reasons.py``);
the caller phrases them in its reader's language.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from itertools import repeat

import numpy as np
from scipy import sparse

from . import model
from .model import FEATURES
from .reasons import FRESH_REASON_MIN, REACH, TEXT_REASON_MIN, Reason, ReasonTable, distinct_rows, take
from .topk import Result, rank_within
from .types import Rec
from .vectors import Model, id_ranks

RELEVANCE = np.array([f in ("text", "topic") for f in FEATURES])  # the rest is context

# A pair's fitting sessions are keyed by (opportunity, bitmask of its sessions) when they fit in the mask.
MASK_SESSIONS = 31


def _codes_by_key(keys: np.ndarray, factor: str, reason_of: Callable[[int], Reason], table: ReasonTable) -> np.ndarray:
    """The reason code of each key, ``reason_of`` called once per distinct key."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    distinct, inverse = np.unique(keys, return_inverse=True)
    codes = np.array(
        [table.code((factor, key), functools.partial(reason_of, key)) for key in distinct.tolist()], dtype=np.int64
    )
    return codes[inverse.reshape(-1)]


class Lists:
    """Builds the Rec lists of one recommend() call."""

    def __init__(self, built: Model, lang_default: str, province_names: Mapping[str, str]) -> None:
        # lang_default is no longer read: reasons are data, phrased by whoever reads them.
        self.built = built
        self.province_names = province_names
        topics = built.vocab.topics
        self.topic_ids = [t.id for t in topics]
        self.reason_table = ReasonTable()
        self.sessions = [s for o in built.opportunities for s in o.sessions]
        self.session_ids = [s.id for s in self.sessions]
        self.session_rank = id_ranks(self.session_ids)
        self.participant_ids = [p.id for p in built.participants]
        self.opportunity_ids = [o.id for o in built.opportunities]
        sets = built.sets
        sizes = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
        indptr = np.concatenate(([0], np.cumsum(sizes)))
        members = np.fromiter((t for s in sets for t in sorted(s)), dtype=np.int32, count=int(indptr[-1]))
        # Topic sets as a 0/1 matrix, so that the topics two documents share are an elementwise product.
        self.topic_sets = sparse.csr_matrix((np.ones(len(members)), members, indptr), shape=(len(sets), len(topics)))
        self.set_sizes = sizes.astype(np.float64)
        # The fields each document has topics in (0/1), for the reason of a pair related only by its field.
        self.field_ids = built.vocab.field_ids
        group_of = built.vocab.group_of
        in_field = sparse.csr_matrix(
            (np.ones(len(group_of)), group_of, np.arange(len(group_of) + 1)), shape=(len(topics), len(self.field_ids))
        )
        self.field_sets = (self.topic_sets @ in_field).sign().tocsr()

    @functools.cached_property
    def session_order(self) -> np.ndarray:
        """Each session's place among all sessions by start, then id (so that a pair's fitting sessions
        sort with one integer key)."""
        order = np.lexsort((self.session_rank, self.built.compiled.s_start))
        place = np.empty(len(order), dtype=np.int64)
        place[order] = np.arange(len(order))
        return place

    def features(
        self, p: np.ndarray, o: np.ndarray, raw: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, sparse.csr_matrix]:
        """Features (pairs × FEATURES), distance class (3 online, 2 same, 1 near, 0), shared topics.

        text is the pair's text cosine (TF-IDF alone), topic the cosine of the two topic sets (as
        0/1 vectors): the parts of the relevance, for reasons and for learning."""
        b = self.built
        c = b.compiled
        distance = c.distance_of(p, o)
        same = (c.p_province[p] == c.o_province[o]) & (c.p_province[p] >= 0)
        klass = np.where(c.o_online[o], 3, np.where(same, 2, np.where(distance > 0, 1, 0)))
        kind = ((c.p_preferred[p] >> c.o_kind[o]) & 1).astype(np.float64)
        n_p = len(b.participants)
        shared = self.topic_sets[p].multiply(self.topic_sets[n_p + o]).tocsr()
        shared.eliminate_zeros()
        size_p, size_o = self.set_sizes[p], self.set_sizes[n_p + o]
        n_shared = np.diff(shared.indptr).astype(np.float64)
        topic = n_shared / np.sqrt(np.maximum(size_p * size_o, 1.0))
        text = b.text_cosines(p, o, raw, distance)
        return np.stack([text, topic, kind, distance, b.fresh[o]], axis=1), klass, shared

    def fitting(self, p: np.ndarray, o: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fitting sessions of all pairs, earliest first, as a flat array and each pair's start in it."""
        pair, sess = self.built.compiled.fitting_sessions(p, o)
        order = np.argsort(pair * len(self.sessions) + self.session_order[sess])
        pair, sess = pair[order], sess[order]
        return sess, np.searchsorted(pair, np.arange(len(p) + 1))

    def _session_tuples(self, o: np.ndarray, sess: np.ndarray, starts: np.ndarray) -> list[tuple[str, ...]]:
        """Each pair's fitting session ids, one tuple per distinct (opportunity, set of sessions)."""
        ids = self.session_ids
        bounds = list(zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True))
        ptr = self.built.compiled.o_sess_ptr
        if not len(o) or int(np.diff(ptr).max(initial=0)) > MASK_SESSIONS:
            sess_list = sess.tolist()
            return [tuple([ids[x] for x in sess_list[a:z]]) for a, z in bounds]
        counts = np.diff(starts)
        bits = np.left_shift(1, sess - np.repeat(ptr[o], counts)).astype(np.int64)
        mask = np.zeros(len(o), dtype=np.int64)
        nonempty = counts > 0
        if nonempty.any():  # a pair's sessions are distinct, so their bits' sum is their union
            mask[nonempty] = np.add.reduceat(bits, starts[:-1][nonempty])
        keys = (o.astype(np.int64) << (MASK_SESSIONS + 1)) | mask
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        sess_list = sess.tolist()
        tuples = [tuple([ids[x] for x in sess_list[starts[i] : starts[i + 1]]]) for i in first.tolist()]
        return take(tuples, inverse.reshape(-1))

    def _reason_codes(
        self,
        p: np.ndarray,
        o: np.ndarray,
        features: np.ndarray,
        klass: np.ndarray,
        shared: sparse.csr_matrix,
        sess: np.ndarray,
        starts: np.ndarray,
        *,
        backward: bool,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Reason codes (-1 none) of each pair: per feature (pairs × FEATURES), head and tail."""
        b, table = self.built, self.reason_table
        c = b.compiled
        n = len(p)
        codes = np.full((n, len(FEATURES)), -1, dtype=np.int64)
        n_shared = np.diff(shared.indptr)
        # text: only when no topic is shared (the topics say it better)
        named = (features[:, 0] >= TEXT_REASON_MIN) & (n_shared == 0)
        codes[named, 0] = table.code(("text",), lambda: {"factor": "text"})
        # topics: keyed by the shared topic ids
        with_topics = np.flatnonzero(n_shared)
        codes[with_topics, 1] = self._set_codes(shared[with_topics], "topics", self.topic_ids)
        # field: no topic shared, but topics of one field on both sides (the field terms related them)
        self._field_codes(p, o, np.flatnonzero(n_shared == 0), codes)
        # kind
        kinds = c.kinds
        matched = np.flatnonzero(features[:, 2])
        codes[matched, 2] = _codes_by_key(
            c.o_kind[o[matched]], "kind", lambda k: {"factor": "kind", "kind": kinds[k]}, table
        )
        # distance: the opportunity's province (participant lists) or the participant's; none when online
        names, provinces = self.province_names, c.provinces
        province = c.p_province[p] if backward else c.o_province[o]
        reached = np.flatnonzero(klass)
        where = np.where(klass[reached] == 3, 0, province[reached] + 1)
        key = klass[reached] * (len(provinces) + 1) + where

        def place_reason(k: int) -> Reason:
            kl, at = divmod(k, len(provinces) + 1)
            code = provinces[at - 1] if at else ""
            return {"factor": "place", "reach": REACH[kl - 1], "province": code, "province_name": names.get(code, code)}

        codes[reached, 3] = _codes_by_key(key, "place", place_reason, table)
        if not backward:
            named = features[:, 4] >= FRESH_REASON_MIN
            codes[named, 4] = table.code(("fresh",), lambda: {"factor": "fresh"})
        # head: a class request's size and level, on the opportunity's side
        heads = np.full(n, -1, dtype=np.int64)
        if backward:
            classes = np.flatnonzero(c.p_is_class[p])
            participants = b.participants

            def class_reason(i: int) -> Reason:
                q = participants[i]
                return {"factor": "class", "size": q.size, "level": q.level}

            heads[classes] = _codes_by_key(p[classes], "class", class_reason, table)
        # tail: the earliest fitting session, whose reason depends only on its start and end
        tails = np.full(n, -1, dtype=np.int64)
        has = np.flatnonzero(starts[1:] > starts[:-1])
        first = sess[starts[has]]
        example = np.zeros(len(c.slot_start), dtype=np.int64)  # a session of each (start, end)
        example[c.s_slot[first]] = first
        sessions = self.sessions

        def session_reason(slot: int) -> Reason:
            s = sessions[int(example[slot])]
            return {"factor": "session", "starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat()}

        tails[has] = _codes_by_key(c.s_slot[first], "session", session_reason, table)
        return codes, heads, tails

    def _field_codes(self, p: np.ndarray, o: np.ndarray, pairs: np.ndarray, codes: np.ndarray) -> None:
        """The ``field`` reason, in the topics' column, of those ``pairs`` whose two sides have topics of
        one field: "In a field you are interested in: finance, banking and accounting"."""
        if not len(pairs) or not self.field_ids:
            return
        n_p = len(self.built.participants)
        both = self.field_sets[p[pairs]].multiply(self.field_sets[n_p + o[pairs]]).tocsr()
        both.eliminate_zeros()
        related = np.flatnonzero(np.diff(both.indptr))
        codes[pairs[related], 1] = self._set_codes(both[related], "field", self.field_ids, key="fields")

    def _set_codes(self, sets: sparse.csr_matrix, factor: str, ids: Sequence[str], key: str = "") -> np.ndarray:
        """The reason code of each row of ``sets`` (0/1, every row non-empty): ``{"factor": factor, key:
        the ids of its columns, sorted}``, built once per distinct set of columns."""
        if not sets.shape[0]:
            return np.zeros(0, dtype=np.int64)
        counts = np.diff(sets.indptr)
        keys = np.full((sets.shape[0], int(counts.max())), -1, dtype=np.int64)  # column ids, padded with -1
        position = np.arange(sets.nnz) - np.repeat(sets.indptr[:-1], counts)
        keys[np.repeat(np.arange(sets.shape[0]), counts), position] = sets.indices
        first, inverse = distinct_rows(keys)
        name = key or factor

        def reason(columns: tuple[int, ...]) -> Reason:
            return {"factor": factor, name: sorted(ids[c] for c in columns)}

        distinct = (tuple(sorted(c for c in row if c >= 0)) for row in keys[first].tolist())
        table = self.reason_table
        return np.array([table.code((factor, c), functools.partial(reason, c)) for c in distinct], dtype=np.int64)[
            inverse
        ]

    def build(self, result: Result, *, backward: bool) -> dict[str, list[Rec]]:
        b = self.built
        o, p = (result.rows, result.cols) if backward else (result.cols, result.rows)
        features, klass, shared = self.features(p, o, result.raw)
        contributions = features * b.weights.as_array()
        sess, starts = self.fitting(p, o)
        codes, heads, tails = self._reason_codes(p, o, features, klass, shared, sess, starts, backward=backward)
        # Relevance (text, topics) first, then the context (kind, place, freshness), each by contribution:
        # the context only multiplies the relevance, so it is never why a pair is listed.
        context = np.broadcast_to(~RELEVANCE, contributions.shape)
        positive = contributions > 0
        positive[:, 1] |= codes[:, 1] >= 0  # a shared field: no shared topic, so its contribution is 0
        reasons = self.reason_table.reasons(
            order=np.lexsort((-contributions, context), axis=-1),
            codes=codes,
            positive=positive,
            heads=heads,
            tails=tails,
        )
        fitting = self._session_tuples(o, sess, starts)
        scores = model.score(result.raw).tolist()
        ranks = (rank_within(result.rows) + 1).tolist()
        participants, opportunities = b.participants, b.opportunities
        p_ids = take(self.participant_ids, p)
        o_ids = take(self.opportunity_ids, o)
        f_text, f_topic, f_kind, f_distance, f_fresh = FEATURES
        feature_dicts = [
            {f_text: t, f_topic: tp, f_kind: kd, f_distance: d, f_fresh: fr}
            for t, tp, kd, d, fr in zip(*features.T.tolist(), strict=True)
        ]
        # tuple.__new__ is what Rec(...) calls after a Python-level call that only packs the fields:
        # half the cost on 1.2 million Recs.
        fields = zip(p_ids, o_ids, scores, ranks, reasons, feature_dicts, fitting, strict=True)
        recs: list[Rec] = list(map(tuple.__new__, repeat(Rec), fields))
        owners = opportunities if backward else participants
        lists: dict[str, list[Rec]] = {e.id: [] for e in owners}
        # result rows are grouped by owner, in rank order: hand each owner its slice
        owner_ids = o_ids if backward else p_ids
        cuts = np.flatnonzero(np.diff(result.rows)) + 1
        firsts = [0, *cuts.tolist()]
        for first, end in zip(firsts, [*cuts.tolist(), len(recs)], strict=True) if len(recs) else []:
            lists[owner_ids[first]] = recs[first:end]
        return lists
