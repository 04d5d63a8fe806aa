"""The forked worker processes the search runs in: results, failures, clean-up, and OpenMP after fork."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest
from test_recommend_exactness import _engine_lists
from tiny import GEOGRAPHY, NOW, opportunity, student

from matchmaking.engine import recommend as recommend_module
from matchmaking.engine import topk
from matchmaking.engine.recommend import recommend
from matchmaking.engine.types import Opportunity, Participant
from matchmaking.engine.workers import WorkerError, can_fork, run_side_by_side

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
        pid_file.write_text(str(os.getpid()))
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


def _crowded_world() -> tuple[list[Participant], list[Opportunity]]:
    """Two blocks (two levels in one province) of 30 participants and 100 opportunities each, the
    opportunities of two companies: with k = 5 and at most two per company no participant's list
    fills, so only an exhaustive search settles it."""
    rng = random.Random(5)
    words = ["robot", "lập trình game", "trí tuệ nhân tạo", "du lịch", "gốm", "dữ liệu", "điện tử", "nông nghiệp"]
    opportunities = [
        opportunity(f"o{j:02d}", company=f"c{j % 2}", title=" ".join(rng.sample(words, 2))) for j in range(100)
    ]
    participants = [
        student(f"s{i:02d}", " ".join(rng.sample(words, 2)), level="vocational" if i % 2 else "upper_secondary")
        for i in range(60)
    ]
    return participants, opportunities


def test_a_search_split_over_workers_after_threaded_products_here_does_not_hang(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GNU OpenMP's thread pool does not survive a fork: a worker that ran a threaded product after
    this process had run one would wait forever. Here every sparse_dot_topn product is threaded (the
    threshold is 0), and first searches too shallow to settle most rows send them to the global search,
    which runs on sparse_dot_topn; so only the workers' single thread keeps this from hanging."""
    monkeypatch.setattr(topk, "THREADED_PAIRS", 0)
    monkeypatch.setattr(topk, "GROWTH", 2)  # so that the first global searches are not yet exhaustive
    for name in ("PARTICIPANT_M", "OPPORTUNITY_M"):
        monkeypatch.setattr(recommend_module, name, 1)
    for name in ("PARTICIPANT_NEED", "OPPORTUNITY_NEED"):
        monkeypatch.setattr(recommend_module, name, 0.0)
    participants, opportunities = _crowded_world()
    options = dict(now=NOW, geography=GEOGRAPHY, k=5, n_threads=2)
    whole = recommend(participants, opportunities, workers=1, **options)  # threaded products here
    previous = signal.signal(signal.SIGALRM, lambda *_: pytest.fail("the search workers hung"))
    signal.alarm(60)
    try:
        timings: dict[str, float] = {}
        split = recommend(participants, opportunities, workers=2, timings=timings, **options)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert timings["search_processes"] == 2
    assert timings["search_global_rows"] > 0, "the workers should have searched globally"
    for direction, key in (("for_participants", "opportunity_id"), ("for_opportunities", "participant_id")):
        got, want = getattr(split, direction), getattr(whole, direction)
        assert _engine_lists(got, key) == _engine_lists(want, key)
    assert sum(map(len, split.for_opportunities.values())) == 5 * len(opportunities)
