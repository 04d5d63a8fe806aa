"""The forked worker processes the search runs in: results, failures and clean-up."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

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
