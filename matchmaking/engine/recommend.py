"""Recommendations both ways: opportunities for each participant, participants for each opportunity.

The algorithm, exact (it returns what scoring every pair would, ties broken by id):

1. Texts (participant: interests, skills, topics; opportunity: title, description, topics) become
   TF-IDF rows over word 1–2-grams and char_wb 3–5-grams of the NFC and accent-folded forms
   (``text.py``); texts and topic lists are mapped onto the curated topic vocabulary
   (``topics.py``), and each document's topics join its row as extra terms, weighted like words
   (``vectors.py``); the rows are L2-normalised, so a dot product is the relevance, a cosine.
2. The score is increasing in raw = relevance × context, the context (in (0, 1]) made of the
   preferred kind, distance and freshness (``model.py``). The products are exact whatever order
   they are summed in, and so is raw.
3. Participants are split into blocks by (province, level). A block's opportunities pass the
   block-level filters for all of them (reachable, level, deadline, an open session), so every
   eligible pair lies in exactly one block; its participants share a province, so the context is
   one base per opportunity in the block, plus the kind term for a participant who prefers its kind.
4. One pass over each block's products (``kernels.py``) gives each participant its top-M by raw in
   its block and feeds each opportunity's top-M over all its blocks, M sized from an estimate of
   the share of pairs that pass the per-pair filters (kinds, group size, sessions: not started,
   free seats, age on the day, inside the participant's free time). ``topk.py`` checks them and
   settles a row when its k-th accepted value is strictly above the best value it left out. The
   few rows left are searched again in their blocks, four times deeper each round, until nothing
   is left out. Pairs below the relevance floor are dropped, and a row whose bound is below it is
   settled: lists are short or empty rather than padded with near-zero matches. So are pairs above
   it with no reason of relevance (no topic or field in common, texts less than
   ``model.TEXT_EVIDENCE`` close): a kind, a place and common syllables are not one.
5. The diversity rule applies to a participant's list: walking down the ranking, an opportunity is
   skipped when its company already has two entries in the list (so at most 2 per company in the top
   10; with k > 10 the cap still counts the whole list). The cap makes room for other companies: a
   list it would leave short (every candidate above the floor seen, fewer than k kept) is filled
   with what it skipped, best first. It decides what a list holds, never its order: a list is
   always in the order of the score, filled entries included.
6. Reasons (``reasons.py``) name the top contributing factors and their values, with the earliest
   fitting session, as data; the caller phrases them in its reader's language (``lang_default`` is
   no longer read).

On a large run the CPUs share the work as processes; ``parallel.py`` owns all of it (which work is
forked, how it is shared out, how the parts merge): tokenising and building the model are split
between two processes, then the blocks are shared out, each process runs steps 4–5 on its share
with the other participants unavailable, and the results merge exactly (a participant's list is its
own share's; an opportunity's top k is the top k of the shares' top k's).

``folding``, ``use_topics`` and ``use_filters`` switch parts off for the ablation table; with filters
off every pair is a candidate and an unreachable one has distance 0. The engine reads no clock:
``now`` is passed in. The text model is fitted on the participants and opportunities passed, so a
run on a shard of the participants gives slightly different text scores than a run on all of them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from .encoder import english_participant
from .estimates import backward_rates, forward_rates
from .model import RELEVANCE_FLOOR, Weights
from .output import Lists
from .parallel import BlockSize, ShardSearch, can_fork, processes_for, search_shared, shares
from .parallel import build_model as build_model_shared
from .stages import OFF, Stages
from .topk import Direction, Result, TopK
from .types import Geography, Opportunity, Participant, Recommendations
from .vectors import Model

if TYPE_CHECKING:
    from .encoder import Reranker
    from .kernels import BlockProducts

# First search depth: at least M0 × k, and enough to expect NEED × k eligible columns (the diversity
# cap and the merging of an opportunity's blocks need some spare). Most rows settle at once.
PARTICIPANT_M = 2
OPPORTUNITY_M = 1
PARTICIPANT_NEED = 1.5
OPPORTUNITY_NEED = 1.0
DEPTH_CAP = 8


BlockMembers = tuple[np.ndarray, np.ndarray, int]  # participants, opportunities, province of a block


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
    stages: Stages | None = None,
    only_participants: Collection[str] | None = None,
    workers: int | None = None,
    floor: float | None = None,
    rerank: Reranker | None = None,
) -> Recommendations:
    """Top-k opportunities per participant and top-k participants per opportunity (see the module doc).

    ``province_names`` maps province codes to display names for reasons; ``n_threads`` is how many
    CPUs to use (default: every CPU); ``stages``, when given, receives seconds per stage and a few
    counts (``search_processes``, ``rounds_participants``, ``rounds_opportunities``, ``pairs``).

    ``workers``: the run uses this many processes (``parallel.py``): the search runs on shares of the
    participant blocks and the results are merged (exact either way), and with two or more the model
    is built by two. By default as many as ``n_threads`` when there are at least
    ``parallel.PARALLEL_PAIRS`` pairs and the platform can fork; otherwise one.

    ``floor``: no pair with raw (relevance × context) below it is listed, either way; None means
    ``model.RELEVANCE_FLOOR``, 0 lists every eligible pair (padding, as before the floor).

    ``only_participants`` makes this one shard of a larger run: the text model is still fitted on every
    participant and opportunity passed (so scores equal the whole run's), but only those participants are
    ranked and only they enter the opportunities' lists. The top k of an opportunity over all participants
    is then the top k of the union of its shards' top k's. Needs the filters on.

    ``rerank`` (optional, ``encoder.py``): English participants' lists are searched ``rerank.depth``
    deep and their English candidates re-ordered by a static text encoder before the lists are cut to
    k; other participants' lists and opportunities' lists are unchanged.
    """
    if only_participants is not None and not use_filters:
        raise ValueError("only_participants needs use_filters")
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if k < 1:
        raise ValueError("k must be at least 1")
    floor = RELEVANCE_FLOOR if floor is None else float(floor)
    threads = n_threads or os.cpu_count() or 1
    weights = (weights or Weights()).normalised()
    if not use_topics:
        weights = weights.without("topic")
    if not participants or not opportunities:
        return Recommendations({p.id: [] for p in participants}, {o.id: [] for o in opportunities}, weights.version)

    try:
        with _gc_paused():
            return _recommend(
                participants,
                opportunities,
                now=now,
                geography=geography,
                k=k,
                weights=weights,
                lang_default=lang_default,
                folding=folding,
                use_topics=use_topics,
                use_filters=use_filters,
                province_names=province_names,
                threads=threads,
                stages=stages if stages is not None else OFF,
                only=only_participants,
                workers=workers,
                floor=floor,
                rerank=rerank,
            )
    finally:
        if rerank is not None:
            rerank.release()  # the run's model is not kept by a worker's stage between rounds


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: a run builds millions of small objects (tokens, sets,
    Recs), which would otherwise set off full collections over the whole heap again and again,
    and nothing here makes reference cycles, so reference counting frees it all anyway.

    What the run made is then all in the youngest generation, and the collector's next pass would
    traverse it (1.7 s on the benchmark world) only to find it alive. It is moved to the oldest
    generation instead (``freeze`` then ``unfreeze``, two list splices), to be examined at the next
    full collection like any long-lived object; the caller's young objects move with it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()


def _recommend(
    participants: Sequence[Participant],
    opportunities: Sequence[Opportunity],
    *,
    now: datetime,
    geography: Geography,
    k: int,
    weights: Weights,
    lang_default: str,
    folding: bool,
    use_topics: bool,
    use_filters: bool,
    province_names: Mapping[str, str] | None,
    threads: int,
    stages: Stages,
    only: Collection[str] | None,
    workers: int | None,
    floor: float,
    rerank: Reranker | None = None,
) -> Recommendations:
    k_rows = None  # with the encoder stage, its participants' candidates are searched deeper
    if rerank is not None:
        deeper = np.fromiter(map(english_participant, participants), bool, count=len(participants))
        k_rows = np.where(deeper, max(k, rerank.depth), k).astype(np.int64)

    def cut(forward: Result) -> Result:
        if rerank is None:
            return forward
        return rerank.apply(built, forward, k, processes=(workers or threads) if can_fork() else 1)

    built = build_model_shared(
        participants,
        opportunities,
        now=now,
        geography=geography,
        weights=weights,
        folding=folding,
        use_topics=use_topics,
        processes=processes_for(workers, threads, len(participants) * len(opportunities), 2),
        stages=stages,
    )
    if only is not None:
        # Participants outside the shard count as unavailable: no block, no candidate, either way.
        shard = np.fromiter((p.id in only for p in built.participants), bool, count=len(built.participants))
        built = dataclasses.replace(built, compiled=built.compiled.restricted(shard))
    with stages.stage("search"):
        members = _block_members(built, use_filters)
        sizes = [BlockSize(len(rows) * len(cols), len(rows)) for rows, cols, _ in members]
        stages.count("pairs", sum(size.pairs for size in sizes))
        split = shares(sizes, processes_for(workers, threads, sum(s.pairs for s in sizes), len(members)))
        groups = [[members[b] for b in group] for group in split]
        if len(split) > 1:  # what this process searches (the benchmark weighs it against its lists)
            stages.count("here_pairs", sum(sizes[b].pairs for b in split[0]))
            stages.count("here_participants", sum(sizes[b].participants for b in split[0]))
        with stages.stage("kernels"):
            # Imported here: numba's import (0.6 s) is for a search to pay, not every process that loads the engine.
            from .kernels import warm_up

            warm_up()  # here, so that forked processes find the kernels compiled
        lists = Lists(built, lang_default, province_names or {})
        if len(groups) > 1:
            shared = search_shared(
                groups,
                search=lambda share: _search(
                    _restricted(built, share), share, k, use_filters, floor, stages.fresh(), k_rows
                ),
                lists=lambda forward: lists.build(cut(forward), backward=False),
                col_tie=built.p_rank,
                k=k,
                stages=stages,
            )
            for_participants, backward, rounds_f = shared.for_participants, shared.backward, shared.rounds_forward
        else:
            found = _search(built, members, k, use_filters, floor, stages, k_rows)
            with stages.stage("lists_participants"):
                for_participants = lists.build(cut(found.forward), backward=False)
            backward, rounds_f = found.backward, len(found.forward.rounds)
    stages.count("search_processes", max(1, len(groups)))
    with stages.stage("reasons"):
        for_opportunities = lists.build(backward, backward=True)
    stages.count("rounds_participants", rounds_f)
    stages.count("rounds_opportunities", len(backward.rounds))
    return Recommendations(for_participants, for_opportunities, weights.version)


def _search(
    built: Model,
    members: list[BlockMembers],
    k: int,
    use_filters: bool,
    floor: float,
    stages: Stages,
    k_rows: np.ndarray | None = None,
) -> ShardSearch:
    """Both directions' exact top k over these blocks' participants (a participant's top
    ``k_rows[p]`` when given): the rounds of ``topk.py``."""
    with stages.stage("wall"):
        forward, backward = _searched(built, members, k, use_filters, floor, stages, k_rows)
    return ShardSearch(forward.result(), backward.result(), stages)


def _searched(
    built: Model,
    members: list[BlockMembers],
    k: int,
    use_filters: bool,
    floor: float,
    stages: Stages,
    k_rows: np.ndarray | None,
) -> tuple[TopK, TopK]:
    from .kernels import BlockProducts

    forward, backward = _searchers(built, k, use_filters, stages, floor, k_rows)
    v = built.vectors
    products = BlockProducts(v.participants, v.opportunities, v.p_preferred, v.o_kind, v.kind_term)
    n_o = len(built.opportunities)
    # An opportunity's candidates come from all its blocks: how many participants they hold, and how
    # many of them are expected to pass the per-pair filters.
    reach, expected = np.zeros(n_o, dtype=np.int64), np.zeros(n_o)
    for rows, cols, _ in members:
        reach[cols] += len(rows)
        expected[cols] += (backward_rates(built.compiled, cols, rows) if use_filters else 1.0) * len(rows)
    pending_b = np.flatnonzero(reach)
    if use_filters:
        rate = expected[pending_b] / reach[pending_b]
        depth_b = _first_depth(rate, reach[pending_b], reach[pending_b], OPPORTUNITY_NEED * k, OPPORTUNITY_M * k)
    else:
        depth_b = np.zeros(len(pending_b), dtype=np.int64)
    searching = _open_backward(products, backward, pending_b, depth_b, reach)
    for rows, cols, province in members:
        if use_filters:
            rate = forward_rates(built.compiled, rows, cols)
            k_p = k if k_rows is None else k_rows[rows]
            depth = _first_depth(rate, len(cols), len(cols), PARTICIPANT_NEED * k_p, PARTICIPANT_M * k_p)
        else:
            depth = np.zeros(len(rows), np.int64)
        _search_block(built, products, forward, (rows, cols, province), depth)
    _take_backward(products, backward, searching)
    # Then the rows not settled, in their blocks again, deeper each round until nothing is left out.
    pending_f, pending_b = forward.settle_with_reserve(), backward.settle_with_reserve()
    while len(pending_f) or len(pending_b):
        depth_f, depth_b = forward.restart(pending_f), backward.restart(pending_b)
        wanted_f = np.zeros(len(built.participants), dtype=bool)
        wanted_f[pending_f] = True
        searching = _open_backward(products, backward, pending_b, depth_b[pending_b], reach)
        for rows, cols, province in members:
            # Few rows are left: the pending participants against the block's opportunities, then
            # the block's participants against its pending opportunities.
            f_rows, b_cols = rows[wanted_f[rows]], cols[products.fetched[cols] > 0]
            if len(f_rows):
                _search_block(built, products, forward, (f_rows, cols, province), depth_f[f_rows], few=True)
            if len(b_cols):
                _search_block(built, products, forward, (rows, b_cols, province), None)
        _take_backward(products, backward, searching)
        pending_f, pending_b = forward.settle_with_reserve(), backward.settle_with_reserve()
    return forward, backward


def _search_block(
    built: Model,
    products: BlockProducts,
    forward: TopK,
    block: BlockMembers,
    depth: np.ndarray | None,
    *,
    few: bool = False,
) -> None:
    """One pass over a block's products: each participant searched about ``depth`` deep (None: not
    searched), each pair offered to its opportunity's backward heap; with ``few`` (participants),
    forward only.

    Participants of a block share a province, so an opportunity's distance and freshness terms are the
    same for all of them: a context base per column (the kind term is added per pair).
    """
    rows, cols, province = block
    t0 = time.perf_counter()
    scales = built.vectors.pair_scales(built.compiled.distance(province, cols), cols)
    if depth is None:
        depth = fetched = np.zeros(len(rows), dtype=np.int64)
    else:
        depth, fetched = forward.depths(depth, len(cols))
    t1 = time.perf_counter()
    if few:
        found = products.search_rows(rows, cols, scales, fetched)
    else:
        found = products.search(rows, cols, scales, fetched)
    t2 = time.perf_counter()
    forward.stages.add("slices", t1 - t0)
    forward.stages.add("products", t2 - t1)
    if fetched.any():
        forward.take_block(rows, cols, found, depth, fetched)


Searching = tuple[np.ndarray, np.ndarray, np.ndarray]  # opportunities, depth checked, depth fetched


def _open_backward(
    products: BlockProducts, backward: TopK, opportunities: np.ndarray, depth: np.ndarray, reach: np.ndarray
) -> Searching:
    """Start the backward search of these opportunities, about ``depth`` deep over all their blocks."""
    depth, fetched = backward.depths(depth, reach[opportunities])
    every = np.zeros(len(reach), dtype=np.int64)
    every[opportunities] = fetched
    products.open_backward(every)
    return opportunities, depth, fetched


def _take_backward(products: BlockProducts, backward: TopK, searching: Searching) -> None:
    """Hand the backward heaps, filled over all the opportunities' blocks, to ``backward``."""
    opportunities, depth, fetched = searching
    t0 = time.perf_counter()
    found = products.close_backward(opportunities)
    backward.stages.add("products", time.perf_counter() - t0)
    backward.take_block(opportunities, np.arange(len(backward.direction.col_tie)), found, depth, fetched)


def _restricted(built: Model, blocks: list[BlockMembers]) -> Model:
    """The model with only these blocks' participants available (their shard of the search)."""
    mine = np.zeros(len(built.participants), dtype=bool)
    for rows, _, _ in blocks:
        mine[rows] = True
    return dataclasses.replace(built, compiled=built.compiled.restricted(mine))


def _first_depth(
    rate: np.ndarray, width: np.ndarray | int, reach: np.ndarray | int, need: np.ndarray | float, m0: np.ndarray | int
) -> np.ndarray:
    """How deep each row's first search in a block goes, from the estimated share of eligible columns.

    Deep enough to expect ``need`` eligible columns, but at most DEPTH_CAP × M0: searching the few
    rows left again, deeper, is cheaper than deep searches of many. A row not expected to find ``need`` eligible
    columns among all it can reach (``reach``: columns over all its blocks) is searched through the
    whole block now, since nothing shorter would settle it.
    """
    depth = np.minimum(need / np.maximum(rate, 1e-9), DEPTH_CAP * m0)
    return np.where(rate * reach < need, width, np.ceil(depth)).astype(np.int64)


def _all_pass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.ones(len(a), dtype=bool)


def _searchers(
    built: Model, k: int, use_filters: bool, stages: Stages, floor: float, k_rows: np.ndarray | None = None
) -> tuple[TopK, TopK]:
    per_pair = built.compiled.eligible if use_filters else _all_pass
    evident = built.evident if floor > 0 else None
    forward = TopK(
        Direction(eligible=per_pair, col_tie=built.o_rank, col_group=built.o_company, evident=evident),
        len(built.participants),
        k,
        PARTICIPANT_M * k,
        stages,
        floor=floor,
        k_rows=k_rows,
    )
    backward = TopK(
        Direction(
            eligible=lambda o, p: per_pair(p, o),
            col_tie=built.p_rank,
            evident=None if evident is None else lambda o, p, raw: evident(p, o, raw),
        ),
        len(built.opportunities),
        k,
        OPPORTUNITY_M * k,
        stages,
        floor=floor,
    )
    return forward, backward


def _block_members(built: Model, use_filters: bool) -> list[BlockMembers]:
    """(participants, opportunities, province) of each block: participants by (province, level)."""
    compiled = built.compiled
    n_p, n_o = len(built.participants), len(built.opportunities)
    active = compiled.p_available if use_filters else np.ones(n_p, dtype=bool)
    level_key = compiled.p_level if use_filters else np.zeros(n_p, dtype=np.int64)
    members_all = np.flatnonzero(active)
    keys = compiled.p_province[members_all] * (len(compiled.levels) + 1) + level_key[members_all]
    order = np.argsort(keys, kind="stable")
    members_all, keys = members_all[order], keys[order]
    out = []
    for members in np.split(members_all, np.flatnonzero(np.diff(keys)) + 1) if len(members_all) else []:
        province = int(compiled.p_province[members[0]])
        level = int(compiled.p_level[members[0]]) if use_filters else None
        cols = compiled.open_for(province, level) if use_filters else np.arange(n_o)
        if len(cols):
            out.append((members, cols, province))
    return out
