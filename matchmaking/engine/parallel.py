"""The matchmaking engine's process parallelism: what runs in forked processes, how the work is
shared out, and how the parts merge. Nothing else in the engine forks.

On a large run (by default, from PARALLEL_PAIRS candidate pairs) the CPUs share the work as processes,
in three places:

1. Tokenising (``tokenise``): a forked process tokenises the first documents while this one
   tokenises the rest, split where half the characters are (the work is per character); the two
   vocabularies are joined in corpus order (``text.joined``), so the tokens are the same.
2. The model (``build_model``): this process builds the TF-IDF rows while a forked one builds the
   filter arrays (``vectors.context_of``); then each finds the topics of chunks of documents it
   claims from a shared pipe of tickets until none is left, so whichever is done first takes more
   (the share is decided at run time by how long the two sides take, on whatever machine and load).
   A document's topics are its own, so any split gives the same sets.
3. The search (``search_shared``): the participant blocks are shared out (``shares``), each process
   searches its share with every other participant unavailable, and the results merge exactly: a
   participant's list is its own share's, and an opportunity's top k over all participants is the
   top k of the shares' top k's (``merged``). This process builds its own share's participants'
   lists while the others still search, so its share is smaller by that work (``LIST_COST_PAIRS``).

What crosses back from a forked process is a frozen dataclass (``TokenPart``, ``_ContextSide``,
``ShardSearch``), pickled through a pipe; what goes in is only read, seen copy-on-write.

Why processes: threads cannot do this job, since most of it is Python between NumPy calls, which
holds the GIL. Why ``os.fork`` rather than ``multiprocessing``: a Celery prefork worker is a daemonic
process, which ``multiprocessing`` forbids to have children, and the children run nothing but our
engine code, then leave with ``os._exit`` (no atexit handlers, no flushing the parent's buffers, no
closing its database connections). What they run must be safe to run after a fork: GNU OpenMP, for
one, hangs in a child forked after the parent used its thread pool; the engine's compiled loops
(``kernels.py``) use no threads.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, NoReturn, TypeVar

import numpy as np
from scipy import sparse

from . import vectors
from .model import Weights
from .stages import Stages
from .text import Tokenised, joined, token_part
from .topics import load_vocabulary
from .topk import Result, rank_within, ranking_order
from .types import Geography, Opportunity, Participant, Rec

# Below this many (participant, opportunity) pairs the run stays in one process: forking and merging
# would cost more than they save.
PARALLEL_PAIRS = 5_000_000

# What building one participant's list (ranking its candidates, the diversity cap, reasons:
# ``output.Lists``) costs, in pairs of search. This process builds its own share's lists while the
# others search, so its share of the search is smaller by that much. ``bench/recommend.py`` prints
# the figure of its run (seconds per participant of this process's lists over seconds per pair of its
# search). On 6 December 2026, 2 CPUs, load 4-11, three runs on the default world (100,000 students,
# 2,500 classes, 20,000 opportunities: `.venv/bin/python bench/recommend.py`) gave 1,106, 1,239 and
# 1,376; a fifth of it (`--students 20000 --opportunities 4000`, where a pair costs twice as much:
# narrower blocks) gave 398. Set for the large runs, the ones forked at all; a wrong figure only
# makes one process wait for the other (with 1,100, the third run: 27.6 s of search and 8.2 s of
# lists here, 34.5 s of search in the forked process).
LIST_COST_PAIRS = 1_100

# The topics are found in this many chunks of documents, claimed by whichever process is free: enough
# that the last chunk taken leaves little idle time, few enough that a chunk's fixed cost (matching
# the topic phrases against the corpus's vocabulary once per chunk) stays small.
TOPIC_CHUNKS = 16


class WorkerError(RuntimeError):
    """A worker process failed or died; the message carries its traceback or exit status."""


def can_fork() -> bool:
    """Forking a process that has loaded NumPy is safe on Linux; macOS' system libraries are not."""
    return hasattr(os, "fork") and sys.platform.startswith("linux")


def processes_for(workers: int | None, threads: int, pairs: int, parts: int) -> int:
    """Processes for work on ``pairs`` pairs that splits into at most ``parts`` parts: ``workers`` if
    given, else every CPU (``threads``) on a large run, else one; one where the platform cannot fork."""
    if workers is None:
        workers = threads if pairs >= PARALLEL_PAIRS else 1
    return max(1, min(workers, parts)) if can_fork() else 1


def run_side_by_side(tasks: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run ``tasks[1:]`` in forked children while ``tasks[0]`` runs here; their results, in order.

    A child's exception is raised here as ``WorkerError`` with the child's traceback; so is a child
    that dies without answering (killed for memory, say). If this process fails or is interrupted
    first, the children are killed: nothing is left running.
    """
    children: list[tuple[int, int]] = []  # (pid, read end of its pipe), not yet collected
    try:
        for task in tasks[1:]:
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read)
                _child(task, write)
            os.close(write)
            children.append((pid, read))
        results = [tasks[0]()] if tasks else []
        while children:
            pid, read = children[0]
            with os.fdopen(read, "rb", closefd=False) as pipe:
                payload = pipe.read()
            children.pop(0)
            os.close(read)
            _, status = os.waitpid(pid, 0)  # it has closed its end of the pipe: it is leaving
            results.append(_answer(payload, status))
        return results
    finally:
        for pid, read in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.close(read)
            os.waitpid(pid, 0)


def _child(task: Callable[[], object], write: int) -> NoReturn:
    status = 1
    try:
        try:
            payload = pickle.dumps((True, task()), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            payload = pickle.dumps((False, traceback.format_exc()))
        with os.fdopen(write, "wb") as pipe:
            pipe.write(payload)
        status = 0
    finally:
        os._exit(status)


def _answer(payload: bytes, status: int) -> Any:
    if not payload:
        raise WorkerError(f"a worker process died without answering ({_describe(status)})")
    ok, value = pickle.loads(payload)
    if not ok:
        raise WorkerError(f"a worker process failed:\n{value}")
    return value


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


# 1. Tokenising


def tokenise(texts: Sequence[str], processes: int) -> Tokenised:
    """``text.tokenise(texts)``, the first documents (half the characters) tokenised in a forked process."""
    if processes < 2 or len(texts) < 2:
        return joined([token_part(texts)])
    ends = np.cumsum([len(t) for t in texts])
    cut = min(max(int(np.searchsorted(ends, ends[-1] / 2)), 1), len(texts) - 1)
    second, first = run_side_by_side([lambda: token_part(texts[cut:]), lambda: token_part(texts[:cut])])
    return joined([first, second])


# 2. The model


class _Tickets:
    """Chunk numbers in a pipe, each read by one process: whichever is free takes the next chunk. A
    read of one byte from a pipe is atomic, and an empty pipe whose writing end is closed reads as
    the end."""

    def __init__(self, n: int) -> None:
        if not 0 < n <= 255:
            raise ValueError(f"between 1 and 255 chunks, not {n}")
        self._read, write = os.pipe()
        try:
            os.write(write, bytes(range(n)))
        finally:
            os.close(write)

    def __iter__(self) -> Iterator[int]:
        while ticket := os.read(self._read, 1):
            yield ticket[0]

    def close(self) -> None:
        os.close(self._read)


@dataclass(frozen=True)
class _TopicChunks:
    """The topic sets of the chunks one process claimed, by chunk number."""

    sets: dict[int, list[frozenset[int]]]


@dataclass(frozen=True)
class _ContextSide:
    """What the forked process builds: the filter arrays and the rest of the context, and its topics."""

    context: vectors.Context
    topics: _TopicChunks
    stages: Stages


def build_model(
    participants: Sequence[Participant],
    opportunities: Sequence[Opportunity],
    *,
    now: datetime,
    geography: Geography,
    weights: Weights,
    folding: bool,
    use_topics: bool,
    processes: int,
    stages: Stages,
) -> vectors.Model:
    """``vectors.build_model``, shared with a forked process when ``processes`` is two or more."""
    if processes < 2:
        return vectors.build_model(
            participants,
            opportunities,
            now=now,
            geography=geography,
            weights=weights,
            folding=folding,
            use_topics=use_topics,
            stages=stages,
        )
    with stages.stage("build"):
        raw = vectors.documents(participants, opportunities)
        with stages.stage("tokenise"):
            tok = tokenise(raw, processes)
        vocab = load_vocabulary()
        entries = vectors.listed_topics(participants, opportunities)
        bounds = np.linspace(0, len(raw), min(TOPIC_CHUNKS, len(raw)) + 1).astype(np.int64)

        def claim(tickets: _Tickets, timer: Stages) -> _TopicChunks:
            with timer.stage("topics"):
                return _TopicChunks(
                    {
                        c: vectors.document_topics(
                            vocab,
                            tok,
                            raw,
                            entries,
                            int(bounds[c]),
                            int(bounds[c + 1]),
                            folding=folding,
                            use_topics=use_topics,
                        )
                        for c in tickets
                    }
                )

        def text_side() -> tuple[tuple[sparse.csr_matrix, sparse.csr_matrix], _TopicChunks]:
            with stages.stage("vectorise"):
                text = vectors.text_rows(tok, len(participants), folding=folding)
            return text, claim(tickets, stages)

        def context_side() -> _ContextSide:
            timer = stages.fresh()
            with timer.stage("compile"):
                context = vectors.context_of(participants, opportunities, now, geography)
            return _ContextSide(context, claim(tickets, timer), timer)

        tickets = _Tickets(len(bounds) - 1)
        try:
            (text, here), there = run_side_by_side([text_side, context_side])
        finally:
            tickets.close()
        stages.absorb([there.stages], "")
        chunks = {**here.sets, **there.topics.sets}
        sets = [s for c in range(len(bounds) - 1) for s in chunks[c]]
        with stages.stage("vectors"):
            return vectors.assemble(
                participants,
                opportunities,
                weights=weights,
                vocab=vocab,
                tok=tok,
                text=text,
                sets=sets,
                context=there.context,
            )


# 3. The search


@dataclass(frozen=True)
class BlockSize:
    pairs: int
    participants: int


def shares(sizes: Sequence[BlockSize], n: int) -> list[list[int]]:
    """The blocks (by index) in ``n`` groups of about equal work, the first for this process, which
    also builds its participants' lists (LIST_COST_PAIRS each): largest block first, each to the
    group that would have the least work with it. Empty groups are left out."""
    groups: list[list[int]] = [[] for _ in range(n)]
    loads = [0] * n

    def cost(group: int, size: BlockSize) -> int:
        lists = LIST_COST_PAIRS * size.participants if group == 0 and n > 1 else 0
        return size.pairs + lists

    for b in sorted(range(len(sizes)), key=lambda b: -sizes[b].pairs):
        lightest = min(range(n), key=lambda g: loads[g] + cost(g, sizes[b]))
        groups[lightest].append(b)
        loads[lightest] += cost(lightest, sizes[b])
    return [group for group in groups if group]


@dataclass(frozen=True)
class ShardSearch:
    """One share's search, both directions: what a forked process sends back."""

    forward: Result
    backward: Result
    stages: Stages  # its ``wall``, ``products``, ``filters``...: empty when nobody asked


@dataclass(frozen=True)
class SharedSearch:
    """The merged search: every participant's list, and every opportunity's top k before its lists."""

    for_participants: dict[str, list[Rec]]
    backward: Result
    rounds_forward: int


Share = TypeVar("Share")


@dataclass(frozen=True)
class _Home(Generic[Share]):
    search: ShardSearch
    lists: dict[str, list[Rec]]


def search_shared(
    groups: Sequence[Share],
    *,
    search: Callable[[Share], ShardSearch],
    lists: Callable[[Result], dict[str, list[Rec]]],
    col_tie: np.ndarray,
    k: int,
    stages: Stages,
) -> SharedSearch:
    """Search each group in a process of its own (the first here), then merge.

    ``search`` runs one group's search, ``lists`` builds participants' lists from a forward result,
    ``col_tie`` ranks participants for ties (opportunities' lists), ``k`` is their length. Stages:
    ``here_wall`` (this process's search), ``here_lists`` (its lists, meanwhile), ``away_wall_slowest``
    (the slowest forked search), ``lists_after`` (the others' lists), ``search_<part>`` summed over
    the processes and ``search_<part>_slowest``."""

    def home() -> _Home[Share]:
        found = search(groups[0])
        with found.stages.stage("lists"):
            return _Home(found, lists(found.forward))

    first, *away = run_side_by_side([home, *(functools.partial(search, group) for group in groups[1:])])
    for_participants = first.lists
    with stages.stage("lists_after"):
        for part in away:
            for owner, recs in lists(part.forward).items():
                if recs:
                    for_participants[owner] = recs
    parts = [first.search, *away]
    stages.absorb([first.search.stages], "here_")
    stages.absorb([part.stages for part in away], "away_")
    stages.absorb([part.stages for part in parts], "search_")
    return SharedSearch(
        for_participants,
        merged([part.backward for part in parts], col_tie, k),
        max(len(part.forward.rounds) for part in parts),
    )


def merged(parts: Sequence[Result], col_tie: np.ndarray, k: int) -> Result:
    """The shares' results as one: each row's entries ranked together and the first k kept. A row's
    exact top k over all participants is the top k of its shares' top k's."""
    rows, cols, raw = (np.concatenate([getattr(part, name) for part in parts]) for name in ("rows", "cols", "raw"))
    order = ranking_order(rows, raw, col_tie[cols])
    rows, cols, raw = rows[order], cols[order], raw[order]
    keep = rank_within(rows) < k
    rounds = [sum(r) for r in itertools.zip_longest(*(part.rounds for part in parts), fillvalue=0)]
    return Result(rows[keep], cols[keep], raw[keep], rounds)
