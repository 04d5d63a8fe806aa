"""Reasons as data: the factors that contributed most to a pair's score, with their values.

The engine imports no Django, so it does not phrase a reason: it says which factor counted and with
what (the topics both sides share, the kind the participant prefers, where the opportunity is, the
earliest fitting session), and the Django side (``matchmaking.phrasing``) turns that into a sentence
through the catalogues, in the reader's language, when the reason is read. The same stored list is a
Vietnamese sentence for a Vietnamese reader and an English one for an English reader.

Factors are listed relevance first (shared topics, close texts), then the context (kind, place,
freshness), each group by contribution (weight × feature value), largest first, at most four, after
a class's size on the opportunity's side, and a fitting session is always added last when there is one,
because it is the most concrete fact. A reason is a JSON-ready dict, ``{"factor": CODE, **values}``:

=========  ===============================================================================================
class      ``size``, ``level``: the class asking (first, in an opportunity's list of participants only)
topics     ``topics``: ids in the topic vocabulary (``data/topics.json``) that both sides share, sorted
field      ``fields``: ids of the fields (``fields`` in topics.json) both sides have topics in, when they
           share no topic ("tài chính" and "ngân hàng": finance, banking and accounting)
text       the texts are close although no topic is shared (the topics say it better when there are some)
kind       ``kind``: the opportunity's kind, one the participant prefers
place      ``reach`` (``online``, ``same`` province, ``near``: a neighbouring one), ``province`` (its code,
           the opportunity's in a participant's list, the participant's in an opportunity's) and
           ``province_name`` (its display name; empty when online)
fresh      the opportunity was posted in the last ten days or so (a participant's list only)
session    ``starts_at``, ``ends_at``: the earliest fitting session, ISO 8601 with the offset
=========  ===============================================================================================

Reasons are cached and numbered; a million pairs share a few thousand of them, so they are chosen and
ordered on arrays of reason numbers (``ReasonTable.reasons``), and pairs with the same reasons share the
very same dicts: a caller must not change one in place.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

import numpy as np

from .model import TEXT_EVIDENCE
from .types import Reason

T = TypeVar("T")
MAX_FACTORS = 4
TEXT_REASON_MIN = TEXT_EVIDENCE  # text similarity below this is not worth a sentence (nor a listing)
FRESH_REASON_MIN = 0.8  # about ten days old
REACH = ("near", "same", "online")  # distance classes 1, 2, 3


class ReasonTable:
    """Every reason built so far, numbered (one instance per recommend() call)."""

    def __init__(self) -> None:
        self.table: list[Reason] = []  # reason of each code
        self._codes: dict[Hashable, int] = {}

    def code(self, key: Hashable, make: Callable[[], Reason]) -> int:
        """A small integer for the reason ``key`` names; ``make`` builds it the first time."""
        found = self._codes.get(key)
        if found is None:
            found = self._codes[key] = len(self.table)
            self.table.append(make())
        return found

    def reasons(
        self, *, order: np.ndarray, codes: np.ndarray, positive: np.ndarray, heads: np.ndarray, tails: np.ndarray
    ) -> list[tuple[Reason, ...]]:
        """Reasons for many pairs at once, as tuples; every argument has one row per pair.

        ``codes`` (pairs × FEATURES) holds each feature's reason code, -1 when it has no reason;
        ``order`` lists the features by decreasing contribution and ``positive`` says which contribute
        at all. The first MAX_FACTORS contributing features with a reason are named, after ``heads``
        (a class's size, else -1) and before ``tails`` (the fitting session, else -1).
        Pairs share a few thousand distinct rows of codes, so a tuple is built once per distinct row.
        """
        ranked = np.take_along_axis(codes, order, axis=1)
        named = np.take_along_axis(positive, order, axis=1) & (ranked >= 0)
        named &= np.cumsum(named, axis=1) <= MAX_FACTORS
        rows = np.concatenate([heads[:, None], np.where(named, ranked, -1), tails[:, None]], axis=1)
        if not len(rows):
            return []
        first, inverse = distinct_rows(rows)
        return take(self._tuples(rows[first]), inverse)

    def _tuples(self, rows: np.ndarray) -> list[tuple[Reason, ...]]:
        """The reasons of each row of codes (-1: none), as tuples. Rows that name the same features
        are done together, a column at a time, with the tuples built by ``zip``."""
        table = np.empty(len(self.table) + 1, dtype=object)  # code -1 picks the None at the end, dropped
        table[: len(self.table)] = self.table
        tuples: list[tuple[Reason, ...]] = [()] * len(rows)
        named = rows >= 0
        pattern = named @ (1 << np.arange(rows.shape[1], dtype=np.int64))
        for mask in np.unique(pattern).tolist():
            members = np.flatnonzero(pattern == mask)
            columns = [table[rows[members, c]].tolist() for c in range(rows.shape[1]) if (mask >> c) & 1]
            zipped = zip(*columns, strict=True) if columns else [()] * len(members)
            for i, row in zip(members.tolist(), zipped, strict=True):
                tuples[i] = row
        return tuples


def take(items: Sequence[T], index: np.ndarray) -> list[T]:
    """``[items[i] for i in index]``, the very objects, gathered by numpy in C (a million picks)."""
    table = np.fromiter(items, dtype=object, count=len(items))
    picked: list[T] = table[index].tolist()
    return picked


def distinct_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each distinct value, index of each row's value) for a 2-d array of ints ≥ -1.

    ``np.unique(axis=0)`` sorts the rows as opaque bytes, ten times slower than sorting integers:
    the columns are folded into one integer key instead, renumbered before the key could overflow.
    """
    key = np.zeros(len(rows), dtype=np.int64)
    base = int(rows.max(initial=0)) + 2
    for column in rows.T:
        if int(key.max(initial=0)) >= (1 << 62) // base:
            key = np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64)
        key = key * base + column + 1
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)
