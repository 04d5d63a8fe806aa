"""Estimates of the share of a block's columns that pass the per-pair filters.

They only choose how deep a row's first search goes, so that most rows settle at once; the result
never depends on them. Availability (through the slot table), kinds and age are taken as independent.
"""

from __future__ import annotations

import numpy as np

from .filters import Compiled


def _slot_counts(c: Compiled, opportunities: np.ndarray) -> np.ndarray:
    """How many of these opportunities have an open session in each slot."""
    counts = c.open_ptr[opportunities + 1] - c.open_ptr[opportunities]
    owner = np.repeat(opportunities, counts)
    where = np.repeat(c.open_ptr[opportunities] - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    slots = c.s_slot[c.open_sess[where + np.arange(len(owner))]]
    n_slots = len(c.slot_start)
    pairs = np.unique(owner * n_slots + slots)
    return np.bincount(pairs % n_slots, minlength=n_slots).astype(np.float64)


def _age_limit(c: Compiled, opportunities: np.ndarray) -> np.ndarray:
    """Latest birth date (YYYYMMDD) old enough for the earliest open session; huge if no limit."""
    first = c.open_sess[np.minimum(c.open_ptr[opportunities], max(len(c.open_sess) - 1, 0))]
    dates = c.s_date[first] if len(c.open_sess) else np.zeros(len(opportunities), np.int64)
    limit = dates - c.o_min_age[opportunities] * 10000
    return np.where(c.o_min_age[opportunities] < 0, np.iinfo(np.int64).max, limit)


def forward_rates(c: Compiled, participants: np.ndarray, opportunities: np.ndarray) -> np.ndarray:
    """Estimated share of ``opportunities`` each participant may book."""
    width = max(len(opportunities), 1)
    kinds = np.bincount(c.o_kind[opportunities], minlength=len(c.kinds)).astype(np.float64)
    bits = (c.p_allowed[participants][:, None] >> np.arange(len(c.kinds))) & 1
    rate = (bits @ kinds) / width
    table = c.slot_table
    if table is not None and len(c.slot_start):
        rate *= np.minimum((_slot_counts(c, opportunities) @ table[:, participants]) / width, 1.0)
    limits = np.sort(_age_limit(c, opportunities))
    birth = c.p_birth[participants]
    old_enough = (width - np.searchsorted(limits, birth, side="left")) / width
    no_limit = float(np.mean(limits == np.iinfo(np.int64).max)) if len(limits) else 1.0
    students = ~c.p_is_class[participants]
    rate[students] *= np.where(birth >= 0, old_enough, no_limit)[students]
    return rate


def backward_rates(c: Compiled, opportunities: np.ndarray, participants: np.ndarray) -> np.ndarray:
    """Estimated share of ``participants`` who may book each opportunity."""
    width = max(len(participants), 1)
    allowed = (c.p_allowed[participants][:, None] >> np.arange(len(c.kinds))) & 1
    rate = allowed.sum(axis=0)[c.o_kind[opportunities]] / width
    table = c.slot_table
    if table is not None and len(c.slot_start):
        fit = table[:, participants].sum(axis=1).astype(np.float64)  # participants free in each slot
        counts = c.open_ptr[opportunities + 1] - c.open_ptr[opportunities]
        owner = np.repeat(np.arange(len(opportunities)), counts)
        where = np.repeat(c.open_ptr[opportunities] - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        slots = c.s_slot[c.open_sess[where + np.arange(len(owner))]]
        free = np.bincount(owner, weights=fit[slots], minlength=len(opportunities))
        rate *= np.minimum(free / width, 1.0)
    births = np.sort(np.where(c.p_is_class[participants], 0, c.p_birth[participants]))
    births = births[births >= 0]  # classes have no age test; unknown births fail one
    limits = _age_limit(c, opportunities)
    no_limit = limits == np.iinfo(np.int64).max
    rate *= np.where(no_limit, 1.0, np.searchsorted(births, limits, side="right") / width)
    return rate
