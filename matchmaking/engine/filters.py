"""Hard filters: which (participant, opportunity) pairs may be recommended at all, in either direction.

A pair is eligible iff the participant's level is among the opportunity's levels (empty = all), its
kind is allowed (empty = any), the opportunity is reachable (online, same province or a neighbouring
one; an unknown province '' is never equal to anything), its application deadline has not passed, a
class request's size is within group_min..group_max, and at least one session passes every
per-session test: not started, enough free seats for the participant's size, a student old enough
on the session's (local) date, and wholly inside one of the participant's availability intervals.

Two forms: ``qualifying_sessions`` checks one pair in plain Python (the reference, used for reasons
and by the brute-force test) and ``Compiled.eligible`` checks arrays of pairs with numpy, after the
level/reachability/deadline tests have been applied to whole blocks (``Compiled.open_for``).

Choices where the brief is silent: overlapping or touching availability intervals are merged (free
08:00–10:00 and 10:00–12:00 is free 08:00–12:00); a student without a birth date does not meet a
minimum age; a person born on 29 February turns a year older on 1 March in common years.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np

from .types import Geography, Opportunity, Participant, Session

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_SPAN = 1 << 34  # seconds per participant in the availability search key (≈ 544 years)
_SHIFT = 1 << 33  # makes timestamps before 1970 positive


def _ymd(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _merged(intervals: Sequence[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def old_enough(participant: Participant, min_age: int | None, on: date) -> bool:
    if min_age is None or participant.type != "student":
        return True
    if participant.birth_date is None:
        return False
    birth = participant.birth_date
    return _ymd(on) >= (birth.year + min_age) * 10000 + birth.month * 100 + birth.day


def session_fits(participant: Participant, opportunity: Opportunity, session: Session, now: datetime) -> bool:
    if session.ends_at <= session.starts_at:  # a malformed session is never bookable
        return False
    if session.starts_at <= now or session.taken + participant.size > session.capacity:
        return False
    if not old_enough(participant, opportunity.min_age, session.starts_at.astimezone(TZ).date()):
        return False
    return any(a <= session.starts_at and session.ends_at <= b for a, b in _merged(participant.availability))


def pair_passes_static(participant: Participant, opportunity: Opportunity, now: datetime, geography: Geography) -> bool:
    if opportunity.levels and participant.level not in opportunity.levels:
        return False
    if participant.allowed_kinds and opportunity.kind not in participant.allowed_kinds:
        return False
    if opportunity.apply_by is not None and opportunity.apply_by < now.astimezone(TZ).date():
        return False
    if participant.type == "class_request":
        if opportunity.group_min is not None and participant.size < opportunity.group_min:
            return False
        if opportunity.group_max is not None and participant.size > opportunity.group_max:
            return False
    return geography.distance(participant.province, opportunity) > 0


def qualifying_sessions(
    participant: Participant, opportunity: Opportunity, now: datetime, geography: Geography
) -> list[Session]:
    """The sessions this participant could book, earliest first; empty when the pair is not eligible."""
    if not pair_passes_static(participant, opportunity, now, geography):
        return []
    fitting = [s for s in opportunity.sessions if session_fits(participant, opportunity, s, now)]
    return sorted(fitting, key=lambda s: (s.starts_at, s.id))


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp()) + _SHIFT


def _seconds_of(moments: list[datetime]) -> np.ndarray:
    """``_seconds`` of each moment, computed once per distinct moment: timestamp() is the costly part
    and a run has millions of moments but few distinct ones (80 on the benchmark). Equal moments have
    equal timestamps, except that a moment with fold=1 equals its fold=0 twin, so it gets its own key."""
    index: dict[datetime | tuple[datetime, int], int] = {}
    where = [index.setdefault((m, 1) if m.fold else m, len(index)) for m in moments]
    distinct = [key[0] if isinstance(key, tuple) else key for key in index]
    seconds = np.array([_seconds(m) for m in distinct], dtype=np.int64)
    return seconds[np.array(where, dtype=np.int64)] if len(where) else np.zeros(0, dtype=np.int64)


def _merge_intervals(owner: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, ...]:
    """Union of each owner's intervals (overlapping or touching ones merged), sorted by (owner, start)."""
    keep = start < end
    owner, start, end = owner[keep], start[keep] + owner[keep] * _SPAN, end[keep] + owner[keep] * _SPAN
    order = np.lexsort((start, owner))
    owner, start, end = owner[order], start[order], end[order]
    if not len(owner):
        return owner, start, end
    reach = np.maximum.accumulate(end)  # keys are offset per owner, so this never crosses owners
    opens = np.concatenate(([True], start[1:] > reach[:-1]))
    first = np.flatnonzero(opens)
    last = np.append(first[1:], len(owner)) - 1
    return owner[first], start[first], reach[last]


# A pair test is looked up in a table over (participant class, opportunity class) while it stays below
# this many cells.
PAIR_TABLE_CELLS = 4_000_000


def _class_table(
    p_keys: np.ndarray, o_keys: np.ndarray, test: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(class of each participant, class of each opportunity, test on one pair of each two classes),
    a class being a distinct row of ``p_keys`` / ``o_keys``; None when the table would be too large."""
    if not len(p_keys) or not len(o_keys):
        return None
    _, p_rep, p_class = np.unique(p_keys, axis=0, return_index=True, return_inverse=True)
    _, o_rep, o_class = np.unique(o_keys, axis=0, return_index=True, return_inverse=True)
    if len(p_rep) * len(o_rep) > PAIR_TABLE_CELLS:
        return None
    table = test(np.repeat(p_rep, len(o_rep)), np.tile(o_rep, len(p_rep))).reshape(len(p_rep), len(o_rep))
    return p_class.reshape(-1), o_class.reshape(-1), table


# An availability table slot × participant is built when it stays below this many cells; otherwise
# each check searches the participant's intervals.
SLOT_TABLE_CELLS = 40_000_000


@dataclass
class Compiled:
    """Both sides as numpy arrays, indexed by position in the input lists."""

    # participants
    p_level: np.ndarray
    p_province: np.ndarray  # province index, -1 unknown
    p_allowed: np.ndarray  # kind bitmask
    p_preferred: np.ndarray  # kind bitmask
    p_size: np.ndarray
    p_is_class: np.ndarray
    p_birth: np.ndarray  # YYYYMMDD, -1 unknown
    p_available: np.ndarray  # has at least one interval
    av_start: np.ndarray  # merged intervals as search keys participant × _SPAN + seconds, sorted
    av_end: np.ndarray
    av_owner: np.ndarray
    # opportunities
    o_kind: np.ndarray
    o_levels: np.ndarray  # level bitmask
    o_province: np.ndarray
    o_online: np.ndarray
    o_open: np.ndarray  # deadline not passed and a session not started with a free seat
    o_min_age: np.ndarray  # -1 none
    o_group_min: np.ndarray
    o_group_max: np.ndarray
    o_sess_ptr: np.ndarray  # opportunity j's sessions are s_*[o_sess_ptr[j]:o_sess_ptr[j + 1]]
    open_ptr: np.ndarray  # its sessions not started and not full are open_sess[open_ptr[j]:open_ptr[j + 1]]
    open_sess: np.ndarray
    s_start: np.ndarray
    s_end: np.ndarray
    s_free: np.ndarray
    s_date: np.ndarray  # local date YYYYMMDD
    s_slot: np.ndarray  # index of the session's distinct (start, end)
    slot_start: np.ndarray
    slot_end: np.ndarray
    provinces: list[str]
    neighbours: list[np.ndarray]  # province index → neighbour province indices
    levels: list[str]
    kinds: list[str]

    @classmethod
    def build(
        cls,
        participants: Sequence[Participant],
        opportunities: Sequence[Opportunity],
        now: datetime,
        geography: Geography,
        kinds: Sequence[str],
    ) -> Compiled:
        provinces = sorted(
            ({p.province for p in participants} | {o.province for o in opportunities} | set(geography.neighbours))
            - {""}
        )
        p_index = {code: i for i, code in enumerate(provinces)}
        levels = sorted({p.level for p in participants} | {lv for o in opportunities for lv in o.levels})
        l_index = {lv: i for i, lv in enumerate(levels)}
        if len(kinds) > 62:
            raise ValueError("at most 62 opportunity kinds are supported (they are bits of an int64)")
        k_index = {k: i for i, k in enumerate(kinds)}
        all_kinds = (1 << len(kinds)) - 1

        def mask(values: Sequence[str], index: dict[str, int], empty: int) -> int:
            return sum(1 << index[v] for v in set(values) if v in index) if values else empty

        today = _ymd(now.astimezone(TZ).date())
        counts = [len(p.availability) for p in participants]
        owner = np.repeat(np.arange(len(participants)), counts)
        starts = _seconds_of([a for p in participants for a, _ in p.availability])
        ends = _seconds_of([b for p in participants for _, b in p.availability])
        av_owner, av_start, av_end = _merge_intervals(owner, starts, ends)
        sess = [s for o in opportunities for s in o.sessions]
        sess_ptr = np.zeros(len(opportunities) + 1, dtype=np.int64)
        np.cumsum([len(o.sessions) for o in opportunities], out=sess_ptr[1:])
        s_start = _seconds_of([s.starts_at for s in sess])
        s_end = _seconds_of([s.ends_at for s in sess])
        s_free = np.array([s.capacity - s.taken for s in sess], dtype=np.int64)
        s_open = np.array([s.starts_at > now for s in sess], dtype=bool) & (s_free > 0) & (s_end > s_start)
        open_sess = np.flatnonzero(s_open)
        open_before = np.concatenate(([0], np.cumsum(s_open)))
        open_ptr = open_before[sess_ptr]
        slots, s_slot = np.unique(np.stack([s_start, s_end], axis=1).reshape(-1, 2), axis=0, return_inverse=True)
        deadline_ok = np.array([o.apply_by is None or _ymd(o.apply_by) >= today for o in opportunities], dtype=bool)
        return cls(
            p_level=np.array([l_index[p.level] for p in participants], dtype=np.int64),
            p_province=np.array([p_index.get(p.province, -1) for p in participants], dtype=np.int64),
            p_allowed=np.array([mask(p.allowed_kinds, k_index, all_kinds) for p in participants], dtype=np.int64),
            p_preferred=np.array([mask(p.preferred_kinds, k_index, 0) for p in participants], dtype=np.int64),
            p_size=np.array([p.size for p in participants], dtype=np.int64),
            p_is_class=np.array([p.type == "class_request" for p in participants], dtype=bool),
            p_birth=np.array([_ymd(p.birth_date) if p.birth_date else -1 for p in participants], dtype=np.int64),
            p_available=np.bincount(av_owner, minlength=len(participants)) > 0,
            av_start=av_start,
            av_end=av_end,
            av_owner=av_owner,
            o_kind=np.array([k_index[o.kind] for o in opportunities], dtype=np.int64),
            o_levels=np.array([mask(o.levels, l_index, (1 << len(levels)) - 1) for o in opportunities], dtype=np.int64),
            o_province=np.array([p_index.get(o.province, -1) for o in opportunities], dtype=np.int64),
            o_online=np.array([o.online for o in opportunities], dtype=bool),
            o_open=deadline_ok & (np.diff(open_ptr) > 0),
            o_min_age=np.array([-1 if o.min_age is None else o.min_age for o in opportunities], dtype=np.int64),
            o_group_min=np.array([o.group_min or 0 for o in opportunities], dtype=np.int64),
            o_group_max=np.array(
                [np.iinfo(np.int64).max if o.group_max is None else o.group_max for o in opportunities],
                dtype=np.int64,
            ),
            o_sess_ptr=sess_ptr,
            open_ptr=open_ptr,
            open_sess=open_sess,
            s_start=s_start,
            s_end=s_end,
            s_free=s_free,
            s_date=np.array([_ymd(s.starts_at.astimezone(TZ).date()) for s in sess], dtype=np.int64),
            s_slot=s_slot.reshape(-1).astype(np.int64),
            slot_start=slots[:, 0].copy(),
            slot_end=slots[:, 1].copy(),
            provinces=provinces,
            neighbours=[
                np.array(
                    sorted(p_index[n] for n in geography.neighbours.get(code, ()) if n in p_index),
                    dtype=np.int64,
                )
                for code in provinces
            ],
            levels=levels,
            kinds=list(kinds),
        )

    def restricted(self, participants: np.ndarray) -> Compiled:
        """The same inputs with only ``participants`` (a mask) available: a shard of a run. The tables
        that do not depend on who is available are shared with this one, built once."""
        shard = dataclasses.replace(self, p_available=self.p_available & participants)
        for name in ("adjacent", "slot_table", "_distance_classes"):
            shard.__dict__[name] = getattr(self, name)
        return shard

    @functools.cached_property
    def adjacent(self) -> np.ndarray:
        """adjacent[a, b]: province b neighbours province a (as the participant in a sees it)."""
        n = max(len(self.provinces), 1)
        table = np.zeros((n, n), dtype=bool)
        for a, near in enumerate(self.neighbours):
            table[a, near] = True
        return table

    @functools.cached_property
    def slot_table(self) -> np.ndarray | None:
        """slot_table[slot, participant]: the slot lies inside one of the participant's intervals."""
        n_p = len(self.p_level)
        if len(self.slot_start) * n_p > SLOT_TABLE_CELLS:
            return None
        table = np.zeros((len(self.slot_start), n_p), dtype=bool)
        everyone = np.arange(n_p)
        for slot, (start, end) in enumerate(zip(self.slot_start, self.slot_end, strict=True)):
            table[slot] = self._inside(everyone, np.full(n_p, start), np.full(n_p, end))
        return table

    def _inside(self, p: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """[start, end] lies within one of participant p's merged intervals, elementwise."""
        if not len(self.av_start):
            return np.zeros(len(p), dtype=bool)
        # The participant's interval starting last at or before the session start is the only one
        # that can contain it.
        key = p * _SPAN
        j = np.searchsorted(self.av_start, key + start, side="right") - 1
        jj = np.maximum(j, 0)
        return (j >= 0) & (self.av_owner[jj] == p) & (self.av_end[jj] >= key + end)

    def distance(self, province: int, opportunities: np.ndarray) -> np.ndarray:
        """The distance feature of participants in ``province`` for these opportunities (0 unreachable)."""
        op = self.o_province[opportunities]
        same = (op == province) & (province >= 0)
        near = np.isin(op, self.neighbours[province]) if province >= 0 else np.zeros(len(op), bool)
        return np.where(self.o_online[opportunities] | same, 1.0, np.where(near, 0.5, 0.0))

    def distance_of(self, p: np.ndarray, o: np.ndarray) -> np.ndarray:
        """The distance feature of pairs (p[i], o[i])."""
        classes = self._distance_classes
        if classes is None:
            return self._distance_pairs(p, o)
        p_class, o_class, table = classes
        return table[p_class[p], o_class[o]]

    def static_ok(self, p: np.ndarray, o: np.ndarray) -> np.ndarray:
        """The block-level tests (``open_for``) for pairs (p[i], o[i])."""
        classes = self._static_classes
        if classes is None:
            return self._static_pairs(p, o)
        p_class, o_class, table = classes
        return table[p_class[p], o_class[o]]

    # Both tests depend on a few fields of each side only, so they are looked up in a table over the
    # distinct values of those fields (its cells computed by the pair-by-pair form): one lookup per pair
    # instead of a dozen array operations.
    @functools.cached_property
    def _distance_classes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        return _class_table(
            self.p_province[:, None], np.stack([self.o_province, self.o_online], axis=1), self._distance_pairs
        )

    @functools.cached_property
    def _static_classes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        return _class_table(
            np.stack([self.p_province, self.p_level, self.p_available], axis=1),
            np.stack([self.o_province, self.o_online, self.o_open, self.o_levels], axis=1),
            self._static_pairs,
        )

    def _distance_pairs(self, p: np.ndarray, o: np.ndarray) -> np.ndarray:
        pp, op = self.p_province[p], self.o_province[o]
        near = self.adjacent[np.maximum(pp, 0), np.maximum(op, 0)] & (pp >= 0) & (op >= 0)
        same = (pp == op) & (pp >= 0)
        return np.where(self.o_online[o] | same, 1.0, np.where(near, 0.5, 0.0))

    def _static_pairs(self, p: np.ndarray, o: np.ndarray) -> np.ndarray:
        level_ok = (self.o_levels[o] >> self.p_level[p]) & 1 == 1
        return self.p_available[p] & self.o_open[o] & level_ok & (self._distance_pairs(p, o) > 0)

    def open_for(self, province: int, level: int | None) -> np.ndarray:
        """Opportunities passing the block-level tests for participants of this province and level."""
        reachable = self.distance(province, np.arange(len(self.o_kind))) > 0
        ok = reachable & self.o_open
        if level is not None:
            ok &= (self.o_levels >> level) & 1 == 1
        return np.flatnonzero(ok)

    def eligible(self, p: np.ndarray, o: np.ndarray) -> np.ndarray:
        """The per-pair tests the block does not settle (kinds, group size, sessions), pair by pair."""
        ok = (self.p_allowed[p] >> self.o_kind[o]) & 1 == 1
        size = self.p_size[p]
        ok &= ~self.p_is_class[p] | ((self.o_group_min[o] <= size) & (size <= self.o_group_max[o]))
        pair = np.flatnonzero(ok)
        found = self.fitting_sessions(p[pair], o[pair])[0]
        result = np.zeros(len(p), dtype=bool)
        result[pair[found]] = True
        return result

    def fitting_sessions(self, p: np.ndarray, o: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(pair index, session index) for every session that passes the per-session tests."""
        counts = self.open_ptr[o + 1] - self.open_ptr[o]
        pair = np.repeat(np.arange(len(p)), counts)
        where = np.repeat(self.open_ptr[o] - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        sess = self.open_sess[where + np.arange(len(pair))]
        pp = p[pair]
        ok = self.s_free[sess] >= self.p_size[pp]
        min_age = self.o_min_age[o[pair]]
        checked = (min_age >= 0) & ~self.p_is_class[pp]
        if checked.any():
            birth = self.p_birth[pp[checked]]
            turns = (birth // 10000 + min_age[checked]) * 10000 + birth % 10000
            ok[checked] &= (birth >= 0) & (turns <= self.s_date[sess[checked]])
        table = self.slot_table
        if table is not None:
            ok &= table[self.s_slot[sess], pp]
        else:
            ok &= self._inside(pp, self.s_start[sess], self.s_end[sess])
        return pair[ok], sess[ok]
