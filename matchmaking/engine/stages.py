"""Seconds per stage of one engine run, for whoever asks (``bench/recommend.py``, tests).

A run is given ``OFF`` unless its caller passes a ``Stages``: then every ``stage`` is a shared no-op
context and ``add``/``count`` return at once, so nobody pays for timings they did not ask for.
A forked process times its part into a ``Stages`` of its own (``fresh``), which crosses back with its
result and is folded into the caller's (``absorb``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager as ContextManager


class Stages:
    """Seconds per stage name, summed over every time the stage ran, and a few counts (rounds, processes)."""

    enabled = True

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def stage(self, name: str) -> ContextManager[None]:
        """``with stages.stage("vectors"): ...`` adds the block's wall time to ``seconds["vectors"]``."""
        return self._timed(name)

    @contextlib.contextmanager
    def _timed(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - start)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def count(self, name: str, value: int) -> None:
        """Record a count; a later count of the same name keeps the larger (processes, rounds)."""
        self.counts[name] = max(self.counts.get(name, value), value)

    def fresh(self) -> Stages:
        """An empty timer of the same kind, for a forked process's part (off when this one is off)."""
        return Stages()

    def absorb(self, parts: Sequence[Stages], prefix: str) -> None:
        """Fold forked processes' timers in: ``prefix + name`` is summed over them, and
        ``prefix + name + "_slowest"`` is the largest (parts that run at the same time)."""
        for part in parts:
            for name, seconds in part.seconds.items():
                self.add(prefix + name, seconds)
                slowest = prefix + name + "_slowest"
                self.seconds[slowest] = max(self.seconds.get(slowest, 0.0), seconds)
            for name, value in part.counts.items():
                self.count(prefix + name, value)


class _Off(Stages):
    enabled = False
    _nothing = contextlib.nullcontext()

    def stage(self, name: str) -> ContextManager[None]:
        return self._nothing

    def add(self, name: str, seconds: float) -> None:
        return None

    def count(self, name: str, value: int) -> None:
        return None

    def fresh(self) -> Stages:
        return self

    def absorb(self, parts: Sequence[Stages], prefix: str) -> None:
        return None


OFF: Stages = _Off()
