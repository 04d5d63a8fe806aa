"""Run parts of one computation side by side in forked processes, each sending its result back.

The search splits its participants into shards that share nothing but read-only arrays (``recommend``).
A forked child sees the parent's arrays copy-on-write, so nothing is copied or pickled on the way
in; its result (a few NumPy arrays) comes back pickled through a pipe. Threads cannot do this job:
half the search is Python between NumPy calls, which holds the GIL.

``os.fork`` rather than ``multiprocessing``: a Celery prefork worker is a daemonic process, which
``multiprocessing`` forbids to have children, and the children run nothing but our engine code, then
leave with ``os._exit`` (no atexit handlers, no flushing the parent's buffers, no closing its database
connections). What they run must be safe to run after a fork: GNU OpenMP, for one, hangs in a child
forked after the parent used its thread pool; the engine's compiled loops (``kernels.py``) use no
threads.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, NoReturn


class WorkerError(RuntimeError):
    """A worker process failed or died; the message carries its traceback or exit status."""


def can_fork() -> bool:
    """Forking a process that has loaded NumPy is safe on Linux; macOS' system libraries are not."""
    return hasattr(os, "fork") and sys.platform.startswith("linux")


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
