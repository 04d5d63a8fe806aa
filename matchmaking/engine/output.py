"""Search results → lists of ``Rec``: features, fitting sessions and reasons for each accepted pair.

Everything that can be computed on arrays is; the per-pair Python work is picking cached phrases and
building the ``Rec``, because a full run returns over a million pairs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from . import model
from .model import FEATURES
from .reasons import LEVEL_NAMES, Phrases, language, session_phrase
from .topk import Result, rank_within
from .types import Rec
from .vectors import Model, id_ranks


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
        self._session_phrases: dict[tuple[int, str, bool], str] = {}

    def features(self, p: np.ndarray, o: np.ndarray, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, list]:
        """Features (pairs × FEATURES), distance class (3 online, 2 same, 1 near, 0), shared topics."""
        b = self.built
        c, w, v = b.compiled, b.weights, b.vectors
        distance = c.distance_of(p, o)
        same = (c.p_province[p] == c.o_province[o]) & (c.p_province[p] >= 0)
        klass = np.where(c.o_online[o], 3, np.where(same, 2, np.where(distance > 0, 1, 0)))
        kind = ((c.p_preferred[p] >> c.o_kind[o]) & 1).astype(np.float64)
        context = v.kind_term * kind + v.pair_offsets(distance, o)
        similarity = raw - context  # exact: every term is on the 2**-32 grid
        n_p, sets = len(b.participants), b.sets
        shared = [sets[i] & sets[n_p + j] for i, j in zip(p.tolist(), o.tolist(), strict=True)]
        size_p = np.array([len(sets[i]) for i in p.tolist()], dtype=np.float64)
        size_o = np.array([len(sets[n_p + j]) for j in o.tolist()], dtype=np.float64)
        n_shared = np.array([len(x) for x in shared], dtype=np.float64)
        topic = n_shared / np.sqrt(np.maximum(size_p * size_o, 1.0))
        if w.text > 0:
            # The similarity is the text part plus the topic part (entries quantised as in
            # similarity_vectors); what is left after the topic part is w_text × the text cosine.
            root = np.sqrt(w.topic)
            entry_p = model.quantise((1.0 / np.sqrt(np.maximum(size_p, 1.0))) * root)
            entry_o = model.quantise((1.0 / np.sqrt(np.maximum(size_o, 1.0))) * root)
            text = np.clip((similarity - n_shared * entry_p * entry_o) / w.text, 0.0, 1.0)
        else:
            text = np.asarray(b.text_p[p].multiply(b.text_o[o]).sum(axis=1)).ravel()
        return np.stack([text, topic, kind, distance, b.fresh[o]], axis=1), klass, shared

    def fitting(self, p: np.ndarray, o: np.ndarray) -> tuple[list[int], list[int]]:
        """Fitting sessions of all pairs, earliest first, as a flat list and each pair's start in it."""
        pair, sess = self.built.compiled.fitting_sessions(p, o)
        order = np.lexsort((self.session_rank[sess], self.built.compiled.s_start[sess], pair))
        pair, sess = pair[order], sess[order]
        return sess.tolist(), np.searchsorted(pair, np.arange(len(p) + 1)).tolist()

    def _session_phrase(self, session: int, lang: str, for_opportunity: bool) -> str:
        key = (session, lang, for_opportunity)
        found = self._session_phrases.get(key)
        if found is None:
            s = self.sessions[session]
            found = self._session_phrases[key] = session_phrase(s.starts_at, s.ends_at, lang, for_opportunity)
        return found

    def build(self, result: Result, *, backward: bool) -> dict[str, list[Rec]]:
        b = self.built
        o, p = (result.rows, result.cols) if backward else (result.cols, result.rows)
        features, klass, shared = self.features(p, o, result.raw)
        contributions = features * b.weights.as_array()
        order = np.argsort(-contributions, axis=1, kind="stable").tolist()
        positive = (contributions > 0).tolist()
        sess, starts = self.fitting(p, o)
        p_list, o_list = p.tolist(), o.tolist()
        participants, opportunities = b.participants, b.opportunities
        if backward:
            langs = [self.lang_default] * len(p_list)
            provinces = [participants[i].province for i in p_list]
            classes = [
                self.phrases.phrase(
                    "o_class",
                    self.lang_default,
                    participants[i].size,
                    LEVEL_NAMES[self.lang_default].get(participants[i].level, participants[i].level),
                )
                if participants[i].type == "class_request"
                else None
                for i in p_list
            ]
        else:
            langs = [language(participants[i].language, self.lang_default) for i in p_list]
            provinces = [opportunities[j].province for j in o_list]
            classes = [None] * len(p_list)
        firsts = [
            self._session_phrase(sess[a], lang, backward) if a < z else None
            for a, z, lang in zip(starts[:-1], starts[1:], langs, strict=True)
        ]
        values = features.tolist()
        reasons = self.phrases.lists(
            for_opportunity=backward,
            langs=langs,
            order=order,
            positive=positive,
            shared=shared,
            text=features[:, 0].tolist(),
            kinds=[opportunities[j].kind for j in o_list],
            kind_match=features[:, 2].tolist(),
            klass=klass.tolist(),
            provinces=provinces,
            fresh=features[:, 4].tolist(),
            sessions=firsts,
            classes=classes,
        )
        scores = model.score(result.raw).tolist()
        ranks = (rank_within(result.rows) + 1).tolist()
        ids = self.session_ids
        p_ids = [participants[i].id for i in p_list]
        o_ids = [opportunities[j].id for j in o_list]
        fitting = [tuple([ids[x] for x in sess[a:z]]) for a, z in zip(starts[:-1], starts[1:], strict=True)]
        feature_dicts = [dict(zip(FEATURES, row, strict=True)) for row in values]
        recs = list(map(Rec, p_ids, o_ids, scores, ranks, reasons, feature_dicts, fitting))
        owners = opportunities if backward else participants
        lists: dict[str, list[Rec]] = {e.id: [] for e in owners}
        # result rows are grouped by owner, in rank order: hand each owner its slice
        bounds = np.flatnonzero(np.diff(result.rows)) + 1
        for chunk in np.split(np.arange(len(recs)), bounds) if len(recs) else []:
            first = int(chunk[0])
            lists[o_ids[first] if backward else p_ids[first]] = recs[first : int(chunk[-1]) + 1]
        return lists
