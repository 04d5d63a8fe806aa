"""Search results → lists of ``Rec``: features, fitting sessions and reasons for each accepted pair.

Everything that can be computed on arrays is. A full run returns over a million pairs but only a few
thousand distinct phrases, reason lists and session lists, so each is built once, as text from a code,
and the per-pair Python work is building the ``Rec`` and its features dict.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from itertools import repeat

import numpy as np
from scipy import sparse

from . import model
from .model import FEATURES
from .reasons import (
    DISTANCE_KEYS,
    FRESH_REASON_MIN,
    LEVEL_NAMES,
    PHRASES,
    TEXT_REASON_MIN,
    Phrases,
    distinct_rows,
    kind_name,
    language,
    session_phrase,
    take,
)
from .topk import Result, rank_within
from .types import Rec
from .vectors import Model, id_ranks

LANGS = tuple(PHRASES)
# A pair's fitting sessions are keyed by (opportunity, bitmask of its sessions) when they fit in the mask.
MASK_SESSIONS = 31


def _codes_by_key(keys: np.ndarray, phrase_of: Callable[[int], str], phrases: Phrases) -> np.ndarray:
    """The phrase code of each key, ``phrase_of`` called once per distinct key."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    distinct, inverse = np.unique(keys, return_inverse=True)
    codes = np.array([phrases.code(phrase_of(key)) for key in distinct.tolist()], dtype=np.int64)
    return codes[inverse.reshape(-1)]


class Lists:
    """Builds the Rec lists of one recommend() call."""

    def __init__(self, built: Model, lang_default: str, province_names: Mapping[str, str]) -> None:
        self.built = built
        self.lang_default = language(lang_default, "vi")
        topics = built.vocab.topics
        self.phrases = Phrases({"vi": [t.vi for t in topics], "en": [t.en for t in topics]}, province_names)
        self.sessions = [s for o in built.opportunities for s in o.sessions]
        self.session_ids = [s.id for s in self.sessions]
        self.session_rank = id_ranks(self.session_ids)
        self.participant_ids = [p.id for p in built.participants]
        self.opportunity_ids = [o.id for o in built.opportunities]
        self._session_phrases: dict[tuple[int, str, bool], str] = {}
        sets = built.sets
        sizes = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
        indptr = np.concatenate(([0], np.cumsum(sizes)))
        members = np.fromiter((t for s in sets for t in sorted(s)), dtype=np.int32, count=int(indptr[-1]))
        # Topic sets as a 0/1 matrix, so that the topics two documents share are an elementwise product.
        self.topic_sets = sparse.csr_matrix((np.ones(len(members)), members, indptr), shape=(len(sets), len(topics)))
        self.set_sizes = sizes.astype(np.float64)

    @functools.cached_property
    def session_order(self) -> np.ndarray:
        """Each session's place among all sessions by start, then id (so that a pair's fitting sessions
        sort with one integer key)."""
        order = np.lexsort((self.session_rank, self.built.compiled.s_start))
        place = np.empty(len(order), dtype=np.int64)
        place[order] = np.arange(len(order))
        return place

    @functools.cached_property
    def participant_lang(self) -> np.ndarray:
        """Index into LANGS of each participant's language for its own list."""
        where = {lang: i for i, lang in enumerate(LANGS)}
        return np.array(
            [where[language(p.language, self.lang_default)] for p in self.built.participants], dtype=np.int64
        )

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

    def _session_phrase(self, session: int, lang: str, for_opportunity: bool) -> str:
        key = (session, lang, for_opportunity)
        found = self._session_phrases.get(key)
        if found is None:
            s = self.sessions[session]
            found = self._session_phrases[key] = session_phrase(s.starts_at, s.ends_at, lang, for_opportunity)
        return found

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
        """Phrase codes (-1 none) of each pair: per feature (pairs × FEATURES), head and tail."""
        b, phrases = self.built, self.phrases
        c = b.compiled
        prefix = "o_" if backward else ""
        n = len(p)
        lang = np.full(n, LANGS.index(self.lang_default), dtype=np.int64) if backward else self.participant_lang[p]
        n_langs = len(LANGS)
        codes = np.full((n, len(FEATURES)), -1, dtype=np.int64)
        n_shared = np.diff(shared.indptr)
        # text: only when no topic is shared (the topics say it better)
        text_codes = np.array([phrases.code(phrases.phrase(prefix + "text", lg)) for lg in LANGS])
        named = (features[:, 0] >= TEXT_REASON_MIN) & (n_shared == 0)
        codes[named, 0] = text_codes[lang[named]]
        # topics: keyed by (language, the shared topic ids), padded with -1
        with_topics = np.flatnonzero(n_shared)
        if len(with_topics):
            width = int(n_shared.max())
            keys = np.full((len(with_topics), width + 1), -1, dtype=np.int64)
            keys[:, 0] = lang[with_topics]
            counts = n_shared[with_topics]
            position = np.arange(shared.nnz) - np.repeat(shared.indptr[:-1], n_shared)
            keys[np.repeat(np.arange(len(with_topics)), counts), 1 + position] = shared.indices
            first, inverse = distinct_rows(keys)
            topic_codes = np.array(
                [
                    phrases.code(phrases.topics(frozenset(t for t in row[1:] if t >= 0), LANGS[row[0]]))
                    for row in keys[first].tolist()
                ],
                dtype=np.int64,
            )
            codes[with_topics, 1] = topic_codes[inverse]
        # kind
        kinds = c.kinds
        matched = np.flatnonzero(features[:, 2])
        key = c.o_kind[o[matched]] * n_langs + lang[matched]
        codes[matched, 2] = _codes_by_key(
            key,
            lambda k: phrases.phrase(
                prefix + "kind", LANGS[k % n_langs], kind_name(kinds[k // n_langs], LANGS[k % n_langs])
            ),
            phrases,
        )
        # distance: the opportunity's province (participant lists) or the participant's
        names, provinces = phrases.province_names, c.provinces
        province = c.p_province[p] if backward else c.o_province[o]
        reached = np.flatnonzero(klass)
        key = (klass[reached] * n_langs + lang[reached]) * (len(provinces) + 1) + province[reached] + 1

        def distance_phrase(k: int) -> str:
            rest, where = divmod(k, len(provinces) + 1)
            kl, lg = divmod(rest, n_langs)
            code = provinces[where - 1] if where else ""
            return phrases.phrase(DISTANCE_KEYS[backward][kl - 1], LANGS[lg], names.get(code, code))

        codes[reached, 3] = _codes_by_key(key, distance_phrase, phrases)
        if not backward:
            fresh_codes = np.array([phrases.code(phrases.phrase("fresh", lg)) for lg in LANGS])
            named = features[:, 4] >= FRESH_REASON_MIN
            codes[named, 4] = fresh_codes[lang[named]]
        # head: a class request's size and level, on the opportunity's side
        heads = np.full(n, -1, dtype=np.int64)
        if backward:
            classes = np.flatnonzero(c.p_is_class[p])
            participants, lang_default = b.participants, self.lang_default

            def class_phrase(i: int) -> str:
                q = participants[i]
                level = LEVEL_NAMES[lang_default].get(q.level, q.level)
                return phrases.phrase("o_class", lang_default, q.size, level)

            heads[classes] = _codes_by_key(p[classes], class_phrase, phrases)
        # tail: the earliest fitting session, whose phrase depends only on its start and end
        tails = np.full(n, -1, dtype=np.int64)
        has = np.flatnonzero(starts[1:] > starts[:-1])
        first = sess[starts[has]]
        example = np.zeros(len(c.slot_start), dtype=np.int64)  # a session of each (start, end)
        example[c.s_slot[first]] = first
        key = c.s_slot[first] * n_langs + lang[has]
        tails[has] = _codes_by_key(
            key, lambda k: self._session_phrase(int(example[k // n_langs]), LANGS[k % n_langs], backward), phrases
        )
        return codes, heads, tails

    def build(self, result: Result, *, backward: bool) -> dict[str, list[Rec]]:
        b = self.built
        o, p = (result.rows, result.cols) if backward else (result.cols, result.rows)
        features, klass, shared = self.features(p, o, result.raw)
        contributions = features * b.weights.as_array()
        sess, starts = self.fitting(p, o)
        codes, heads, tails = self._reason_codes(p, o, features, klass, shared, sess, starts, backward=backward)
        reasons = self.phrases.reasons(
            order=np.argsort(-contributions, axis=1, kind="stable"),
            codes=codes,
            positive=contributions > 0,
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
