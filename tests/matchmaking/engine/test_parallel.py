"""The forked processes the engine runs parts of its work in: results, failures and clean-up."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest
from test_recommend_exactness import NOW, random_world

from matchmaking.engine import parallel
from matchmaking.engine.model import Weights
from matchmaking.engine.parallel import BlockSize, WorkerError, can_fork, run_side_by_side, shares
from matchmaking.engine.stages import OFF, Stages
from matchmaking.engine.text import tokenise

pytestmark = pytest.mark.skipif(not can_fork(), reason="the search forks only on Linux")


def test_it_runs_the_tasks_in_other_processes_and_returns_results_in_order() -> None:
    here = os.getpid()
    results = run_side_by_side([lambda: ("first", os.getpid()), lambda: ("second", os.getpid()), lambda: ("third", 3)])
    assert [name for name, _ in results] == ["first", "second", "third"]
    assert results[0][1] == here
    assert results[1][1] != here


def test_a_failing_worker_raises_here_with_its_traceback() -> None:
    def fails() -> None:
        raise ValueError("no such block: 42")

    with pytest.raises(WorkerError, match=r"(?s)failed:.*ValueError: no such block: 42"):
        run_side_by_side([lambda: 1, fails])


def test_a_worker_that_dies_is_reported() -> None:
    def dies() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(WorkerError, match="died without answering .killed by signal 9"):
        run_side_by_side([lambda: 1, dies])


def test_when_this_process_fails_the_workers_are_stopped(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"

    def waits() -> None:
        # Written whole, then renamed: the other side must never read a file created but still empty.
        partial = tmp_path / "pid.partial"
        partial.write_text(str(os.getpid()))
        partial.rename(pid_file)
        time.sleep(600)

    def fails() -> None:
        deadline = time.monotonic() + 10
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        raise KeyError("stop")

    with pytest.raises(KeyError):
        run_side_by_side([fails, waits])
    with pytest.raises(ProcessLookupError):  # killed and reaped
        os.kill(int(pid_file.read_text()), 0)


def test_tokenising_in_two_processes_gives_the_tokens_of_one() -> None:
    texts = ["Em thích lập trình game", "", "robot và AI", "I love robots", "Lập trình Python", "game"] * 3
    alone, shared = tokenise(texts), parallel.tokenise(texts, processes=2)
    assert shared.vocab == alone.vocab and shared.folded_vocab == alone.folded_vocab
    assert np.array_equal(shared.ids, alone.ids) and np.array_equal(shared.offsets, alone.offsets)
    assert np.array_equal(shared.folded_ids, alone.folded_ids)


def test_every_ticket_is_taken_by_exactly_one_process() -> None:
    tickets = parallel._Tickets(40)
    try:

        def take() -> list[int]:
            taken = []
            for ticket in tickets:
                taken.append(ticket)
                time.sleep(0.002)  # both take some
            return taken

        here, there = run_side_by_side([take, take])
    finally:
        tickets.close()
    assert sorted(here + there) == list(range(40))
    assert here and there


def test_the_model_built_by_two_processes_is_the_model_built_by_one() -> None:
    participants, opportunities, geography = random_world(3)
    same = {"now": NOW, "geography": geography, "weights": Weights().normalised(), "folding": True, "use_topics": True}
    alone = parallel.build_model(participants, opportunities, processes=1, stages=OFF, **same)
    shared = parallel.build_model(participants, opportunities, processes=2, stages=OFF, **same)
    assert shared.sets == alone.sets
    for name in ("p_rank", "o_rank", "o_company", "fresh", "norms_p", "norms_o"):
        assert np.array_equal(getattr(shared, name), getattr(alone, name)), name
    assert (shared.vectors.participants != alone.vectors.participants).nnz == 0
    assert (shared.vectors.opportunities != alone.vectors.opportunities).nnz == 0
    assert np.array_equal(shared.compiled.p_available, alone.compiled.p_available)


def test_this_process_gets_less_search_by_the_cost_of_its_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "LIST_COST_PAIRS", 10)
    sizes = [BlockSize(pairs=100, participants=5) for _ in range(30)]
    groups = shares(sizes, 2)
    assert sorted(b for g in groups for b in g) == list(range(30))
    here, there = (sum(sizes[b].pairs for b in g) for g in groups)
    assert here < there
    # its whole work (search and lists) and the other's search end about together
    assert abs(here + 10 * 5 * len(groups[0]) - there) <= 100 + 50


def test_timings_off_cost_nothing_and_record_nothing() -> None:
    with OFF.stage("search"):
        OFF.add("products", 1.0)
        OFF.count("rounds", 3)
    assert OFF.seconds == {} and OFF.counts == {} and OFF.fresh() is OFF
    on = Stages()
    with on.stage("search"):
        pass
    part = on.fresh()
    part.add("products", 2.0)
    other = Stages()
    other.add("products", 1.0)
    on.absorb([part, other], "search_")
    assert on.seconds["search_products"] == 3.0 and on.seconds["search_products_slowest"] == 2.0
    assert "search" in on.seconds
