"""Recommendations both ways: opportunities for each participant, participants for each opportunity.

The algorithm, exact (it returns what scoring every pair would, ties broken by id):

1. Texts (participant: interests, skills, topics; opportunity: title, description, topics) become
   L2-normalised TF-IDF rows over word 1–2-grams and char_wb 3–5-grams of the NFC and accent-folded
   forms (``text.py``); texts and topic lists are mapped onto the curated topic vocabulary
   (``topics.py``) and each side gets a binary, normalised topic vector.
2. Each pair's similarity s = w_text·cos(text) + w_topic·cos(topics) is one dot product of stacked,
   weight-scaled, quantised vectors; the rest of the score (preferred kind, distance, freshness) is the
   "context" and takes few values (``model.py``).
3. Participants are split into blocks by (province, level). A block's candidate opportunities pass
   the block-level filters (reachable, level, deadline, a session still to come) for all of them, so
   every pair is considered in exactly one block, in both directions.
4. In each block and direction, ``topk.py`` takes the top-M by s (``sparse_dot_topn``) plus the top-Q
   by context, filters them per pair (kinds, group size, sessions: not started, free seats, age on the
   day, inside the availability), and proves with a bound that nothing outside can enter the top k,
   searching deeper only the rows where it cannot. Opportunity lists merge a row's blocks.
5. The diversity rule applies to a participant's list: walking down the ranking, an opportunity is
   skipped when its company already has two entries in the list (so at most 2 per company in the top
   10; with k > 10 the cap still counts the whole list).
6. Reasons (``reasons.py``) name the top contributing factors in the participant's language (the
   opportunity side in ``lang_default``), with the earliest fitting session.

``folding``, ``use_topics`` and ``use_filters`` switch parts off for the ablation table; with filters
off every pair is a candidate and an unreachable one has distance 0. The engine reads no clock:
``now`` is passed in. The text model is fitted on the participants and opportunities passed, so a
run on a shard of the participants gives slightly different text scores than a run on all of them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

import numpy as np

from .model import Weights
from .output import Lists
from .topk import Block, Direction, TopK
from .types import Geography, Opportunity, Participant, Recommendations
from .vectors import Model, build_model

# First search depth: at least M0 × k, and enough to expect NEED × k eligible columns (the diversity
# cap and the merging of an opportunity's blocks need some spare). Most rows settle at once.
PARTICIPANT_M = 2
OPPORTUNITY_M = 1
PARTICIPANT_NEED = 1.5
OPPORTUNITY_NEED = 1.0
DEPTH_CAP = 8


def recommend(
    participants: Sequence[Participant],
    opportunities: Sequence[Opportunity],
    *,
    now: datetime,
    geography: Geography,
    k: int = 10,
    weights: Weights | None = None,
    lang_default: str = "vi",
    folding: bool = True,
    use_topics: bool = True,
    use_filters: bool = True,
    province_names: Mapping[str, str] | None = None,
    n_threads: int | None = None,
    timings: dict[str, float] | None = None,
) -> Recommendations:
    """Top-k opportunities per participant and top-k participants per opportunity (see the module doc).

    ``province_names`` maps province codes to display names for reasons; ``n_threads`` is passed to
    sparse_dot_topn (default: every CPU); ``timings``, when given, receives seconds per stage.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if k < 1:
        raise ValueError("k must be at least 1")
    timer = timings if timings is not None else {}
    threads = n_threads or os.cpu_count() or 1
    weights = (weights or Weights()).normalised()
    if not use_topics:
        weights = weights.without("topic")
    n_p, n_o = len(participants), len(opportunities)
    empty = Recommendations({p.id: [] for p in participants}, {o.id: [] for o in opportunities}, weights.version)
    if not n_p or not n_o:
        return empty

    built = build_model(participants, opportunities, now=now, geography=geography, weights=weights,
                        folding=folding, use_topics=use_topics, timer=timer)
    t0 = time.perf_counter()
    search_timer: dict[str, float] = {}
    forward, backward = _searchers(built, k, use_filters, threads, search_timer)
    for fwd, bwd in _blocks(built, use_filters, search_timer):
        if use_filters:  # deeper first searches where few columns are expected to be eligible
            fwd_m = PARTICIPANT_NEED * k / np.maximum(built.compiled.forward_rates(fwd.rows, fwd.cols), 1e-6)
            bwd_m = OPPORTUNITY_NEED * k / np.maximum(built.compiled.backward_rates(bwd.rows, bwd.cols), 1e-6)
            # Beyond a few times M0 a global search of the few rows left is cheaper than deep ones.
            fwd_m, bwd_m = np.minimum(fwd_m, DEPTH_CAP * PARTICIPANT_M * k), np.minimum(bwd_m, DEPTH_CAP * OPPORTUNITY_M * k)
        else:
            fwd_m, bwd_m = np.zeros(len(fwd.rows)), np.zeros(len(bwd.rows))
        forward.search_block(fwd, np.ceil(fwd_m).astype(np.int64))
        backward.search_block(bwd, np.ceil(bwd_m).astype(np.int64))
    forward.run()
    backward.run()
    t1 = time.perf_counter()
    timer.update({f"search_{name}": value for name, value in search_timer.items()})
    timer["search"] = t1 - t0
    lists = Lists(built, lang_default, province_names or {})
    for_participants = lists.build(forward.result(), backward=False)
    for_opportunities = lists.build(backward.result(), backward=True)
    timer["reasons"] = time.perf_counter() - t1
    timer["rounds_participants"] = float(len(forward.rounds))
    timer["rounds_opportunities"] = float(len(backward.rounds))
    return Recommendations(for_participants, for_opportunities, weights.version)


def _all_pass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.ones(len(a), dtype=bool)


def _searchers(built: Model, k: int, use_filters: bool, threads: int, timer: dict[str, float]) -> tuple[TopK, TopK]:
    compiled, vectors = built.compiled, built.vectors
    n_p, n_o = len(built.participants), len(built.opportunities)
    static = compiled.static_ok if use_filters else _all_pass
    per_pair = compiled.eligible if use_filters else _all_pass
    forward = TopK(Direction(
        row_vectors=vectors.forward_p, col_vectors=vectors.forward_o, offset=lambda p, o: np.zeros(len(p)),
        max_offset=np.zeros(n_p), static_ok=static, eligible=per_pair, col_tie=built.o_rank,
        col_group=built.o_company,
    ), n_p, k, PARTICIPANT_M * k, threads, timer)
    backward = TopK(Direction(
        row_vectors=vectors.backward_o, col_vectors=vectors.backward_p,
        offset=lambda o, p: vectors.pair_offsets(compiled.distance_of(p, o), o),
        max_offset=vectors.same_term + vectors.fresh_terms, static_ok=lambda o, p: static(p, o),
        eligible=lambda o, p: per_pair(p, o), col_tie=built.p_rank,
    ), n_o, k, OPPORTUNITY_M * k, threads, timer)
    return forward, backward


def _blocks(built: Model, use_filters: bool, timer: dict[str, float]) -> Iterator[tuple[Block, Block]]:
    """The first round's blocks, participants by (province, level), both directions sharing slices."""
    compiled, vectors = built.compiled, built.vectors
    n_p, n_o = len(built.participants), len(built.opportunities)
    active = compiled.p_available if use_filters else np.ones(n_p, dtype=bool)
    level_key = compiled.p_level if use_filters else np.zeros(n_p, dtype=np.int64)
    members_all = np.flatnonzero(active)
    keys = compiled.p_province[members_all] * (len(compiled.levels) + 1) + level_key[members_all]
    order = np.argsort(keys, kind="stable")
    members_all, keys = members_all[order], keys[order]
    for members in np.split(members_all, np.flatnonzero(np.diff(keys)) + 1) if len(members_all) else []:
        province = int(compiled.p_province[members[0]])
        level = int(compiled.p_level[members[0]]) if use_filters else None
        cols = compiled.open_for(province, level) if use_filters else np.arange(n_o)
        if not len(cols):
            continue
        t0 = time.perf_counter()
        forward = Block(members, cols, np.zeros(len(members)), vectors.forward_p[members],
                        vectors.forward_o[cols].T.tocsr())
        offsets = vectors.pair_offsets(compiled.distance(province, cols), cols)
        backward = Block(cols, members, offsets, vectors.backward_o[cols], vectors.backward_p[members].T.tocsr())
        timer["slices"] = timer.get("slices", 0.0) + time.perf_counter() - t0
        yield forward, backward
