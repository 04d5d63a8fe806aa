"""Builders for tiny allocation problems, and a brute force to hold the solvers to."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler.engine import Edge, Participant, Problem, Session, Solution

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = datetime(2025, 10, 1, tzinfo=VN)


def at(hour: float) -> datetime:
    return DAY + timedelta(minutes=round(hour * 60))


def session(
    sid: str, start: float = 8, end: float = 9, capacity: int = 1, opportunity: str | None = None
) -> Session:
    return Session(sid, opportunity or f"o-{sid}", at(start), at(end), capacity)


def edge(participant: str, sid: str, score: float, session_score: float | None = None) -> Edge:
    return Edge(participant, sid, score, score if session_score is None else session_score)


def problem(
    participants: Iterable[Participant],
    sessions: Iterable[Session],
    edges: Iterable[Edge],
    seat_cap: int | None = None,
    priority: Iterable[str] = (),
) -> Problem:
    return Problem(tuple(participants), tuple(sessions), tuple(edges), seat_cap, frozenset(priority))


def solution_of(prob: Problem, pairs: list[tuple[str, str]], mode: str = "optimal") -> Solution:
    """A hand-written solution with served and objective computed honestly from its pairs."""
    size = {p.id: p.size for p in prob.participants}
    score = {(e.participant, e.session): e.score for e in prob.edges}
    objective = math.fsum(score.get(pair, 0.0) * size[pair[0]] for pair in pairs)
    served = sum(size[p] for p in {p for p, _ in pairs})
    return Solution(mode, pairs, served, objective, objective + 1.0)


def feasible_choices(prob: Problem, pid: str) -> list[tuple[str, ...]]:
    """Every set of sessions one participant may hold on its own (ignoring capacity)."""
    p = next(x for x in prob.participants if x.id == pid)
    sessions = {s.id: s for s in prob.sessions}
    mine = sorted(e.session for e in prob.edges if e.participant == pid)
    out: list[tuple[str, ...]] = [()]
    for k in range(1, min(p.max_bookings, len(mine)) + 1):
        for combo in itertools.combinations(mine, k):
            chosen = [sessions[s] for s in combo]
            if len({s.opportunity for s in chosen}) < k:
                continue
            if any(a.overlaps(b) for a, b in itertools.combinations(chosen, 2)):
                continue
            out.append(combo)
    return out


def brute_force(prob: Problem) -> dict[int, float]:
    """For each achievable served count, the best objective (enumerates every allocation)."""
    size = {p.id: p.size for p in prob.participants}
    school = {p.id: p.school for p in prob.participants}
    sessions = {s.id: s for s in prob.sessions}
    score = {(e.participant, e.session): e.score for e in prob.edges}
    ids = sorted(size)
    best: dict[int, float] = {}
    for combo in itertools.product(*(feasible_choices(prob, pid) for pid in ids)):
        seats: dict[str, int] = {}
        by_school: dict[tuple[str, str], int] = {}
        for pid, chosen in zip(ids, combo, strict=True):
            for sid in chosen:
                seats[sid] = seats.get(sid, 0) + size[pid]
                if school[pid] is not None:
                    key = (school[pid] or "", sessions[sid].opportunity)
                    by_school[key] = by_school.get(key, 0) + size[pid]
        if any(used > sessions[sid].capacity for sid, used in seats.items()):
            continue
        if prob.seat_cap_per_school is not None and any(
            v > prob.seat_cap_per_school for v in by_school.values()
        ):
            continue
        served = sum(size[pid] for pid, chosen in zip(ids, combo, strict=True) if chosen)
        objective = math.fsum(
            score[(pid, sid)] * size[pid] for pid, chosen in zip(ids, combo, strict=True) for sid in chosen
        )
        best[served] = max(best.get(served, -1.0), objective)
    return best


def random_problem(
    rng: random.Random,
    *,
    classes: bool = True,
    conflicts: bool = True,
    caps: bool = False,
    per_opportunity: bool = False,
) -> Problem:
    """A tiny random problem: 2-4 participants, 2-5 sessions in 1-4 opportunities, sparse edges.

    `per_opportunity` gives a participant one score for all sessions of an opportunity, as the
    matchmaking engine does (the flow then pools those sessions in a shared node).
    """
    n_sessions = rng.randint(2, 5)
    n_opps = rng.randint(1, min(4, n_sessions))
    sessions = []
    for j in range(n_sessions):
        # Without conflicts every session has its own hour; with them, starts and lengths collide.
        start = rng.choice([8, 8.5, 9, 10]) if conflicts else 8 + 2 * j
        sessions.append(
            session(
                f"x{j}",
                start,
                start + rng.choice([1, 1.5, 2]) if conflicts else start + 1,
                rng.randint(0, 4),
                f"o{rng.randrange(n_opps)}",
            )
        )
    participants = [
        Participant(
            f"p{i}",
            rng.choice([1, 1, 2, 3]) if classes else 1,
            rng.randint(1, 3),
            rng.choice(["A", "B", None]),
        )
        for i in range(rng.randint(2, 4))
    ]
    opp_score = {(p.id, s.opportunity): rng.randint(1, 100) / 100 for p in participants for s in sessions}
    edges = [
        edge(
            p.id,
            s.id,
            opp_score[(p.id, s.opportunity)] if per_opportunity else rng.randint(1, 100) / 100,
            rng.randint(1, 100) / 100,
        )
        for p in participants
        for s in sessions
        if rng.random() < (0.8 if per_opportunity else 0.55)
    ]
    return problem(participants, sessions, edges, seat_cap=rng.randint(1, 4) if caps else None)


def career_day(rng: random.Random, students: int, events: int, classes: int) -> Problem:
    """Events in 2-4 of 4 time slots, students wanting up to 3, whole classes for the first events."""
    slots = [(8, 9.5), (9.75, 11.25), (13, 14.5), (14.75, 16.25)]
    visits = max(1, events // 5)
    sessions, of_event = [], []
    for e in range(events):
        chosen = sorted(rng.sample(range(4), rng.randint(2, 4)))
        of_event.append([f"e{e}-{k}" for k in chosen])
        for k in chosen:
            capacity = rng.randint(45, 90) if e < visits else rng.randint(5, 15)
            sessions.append(session(f"e{e}-{k}", *slots[k], capacity=capacity, opportunity=f"e{e}"))
    people = [Participant(f"s{i:04d}", 1, 3, f"k{i % 7}") for i in range(students)]
    people += [Participant(f"c{i:03d}", rng.randint(30, 45), 1, f"k{i % 7}") for i in range(classes)]
    edges = []
    for p in people:
        pool = range(visits) if p.size > 1 else range(events)
        for e in rng.sample(list(pool), min(len(pool), 3 if p.size > 1 else 6)):
            score = rng.randint(1, 10_000) / 10_000
            edges += [edge(p.id, sid, score) for sid in of_event[e]]
    return problem(people, sessions, edges)
