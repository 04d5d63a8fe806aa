"""``recommend`` returns exactly what scoring every pair would, in both directions.

``brute_force_recommend`` scores every (participant, opportunity) pair with the same model (the
vectors of ``build_model``, multiplied densely), checks eligibility with the plain-Python reference
filter one pair at a time, sorts by (score, id) and applies the diversity rule by walking the list.
The random worlds are small and full of ties (few words, few companies, shared creation dates), and
the first search depth is set as low as it goes in half of the runs so that the bounds, the global
re-searches and the exhaustive searches are all exercised.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from matchmaking.engine import filters, model, parallel
from matchmaking.engine.encoder import EmbeddingCache, Reranker
from matchmaking.engine.filters import qualifying_sessions
from matchmaking.engine.model import Weights
from matchmaking.engine.recommend import recommend
from matchmaking.engine.stages import Stages
from matchmaking.engine.types import KINDS, LEVELS, Geography, Opportunity, Participant, Session
from matchmaking.engine.vectors import build_model

# The module, not the function of the same name (monkeypatched constants live there).
recommend_module = importlib.import_module("matchmaking.engine.recommend")

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 9, 20, 8, 0, tzinfo=TZ)
WORDS = [
    "lập trình game",
    "trí tuệ nhân tạo",
    "tri tue nhan tao",
    "robot",
    "du lịch",
    "khách sạn",
    "nấu ăn",
    "game development",
    "cooking",
    "hotel",
    "data science",
    "gốm sứ",
    "pottery",
    "nón lá",
    "em thích",
    "I love",
    "và",
    "and",
    "thực tập",
    "internship",
]
# Words of no topic: a pair related by these alone is listed only when its texts are close enough
# (model.TEXT_EVIDENCE), which one shared word among several is not always.
FILLER = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett"]
PROVINCES = ["p0", "p1", "p2", "p3", "p4"]


def _evident(built, raw: np.ndarray) -> np.ndarray:
    """Pair by pair, from the topic sets and the text cosine: a topic in common, a field in common (the
    vocabulary's group of a topic on both sides), neither of a transversal field (teamwork…), or texts
    at least ``model.TEXT_EVIDENCE`` close."""
    n_p, n_o = raw.shape
    vocab = built.vocab
    transversal = {f.id for f in vocab.fields.values() if f.transversal}
    counted = {i for i, t in enumerate(vocab.topics) if t.group not in transversal}
    sets = [s & counted for s in built.sets]
    p, o = np.repeat(np.arange(n_p), n_o), np.tile(np.arange(n_o), n_p)
    text = built.text_cosines(p, o, raw.ravel(), built.compiled.distance_of(p, o)).reshape(n_p, n_o)
    out = text >= model.TEXT_EVIDENCE
    for i in range(n_p):
        for j in range(n_o):
            mine, theirs = sets[i], sets[n_p + j]
            fields = {vocab.topics[t].group for t in mine} & {vocab.topics[t].group for t in theirs}
            out[i, j] |= bool(mine & theirs or fields)
    return out


def brute_force_recommend(
    participants: list[Participant],
    opportunities: list[Opportunity],
    *,
    now: datetime,
    geography: Geography,
    k: int,
    weights: Weights | None = None,
    folding: bool = True,
    use_topics: bool = True,
    use_filters: bool = True,
    floor: float | None = None,
) -> tuple[dict[str, list[tuple[str, float]]], dict[str, list[tuple[str, float]]]]:
    weights = (weights or Weights()).normalised()
    floor = model.RELEVANCE_FLOOR if floor is None else floor
    if not use_topics:
        weights = weights.without("topic")
    built = build_model(
        participants,
        opportunities,
        now=now,
        geography=geography,
        weights=weights,
        folding=folding,
        use_topics=use_topics,
    )
    raw = built.raw()  # relevance × context, pair by pair
    scores = model.score(raw)
    eligible = np.array(
        [
            [not use_filters or bool(qualifying_sessions(p, o, now, geography)) for o in opportunities]
            for p in participants
        ],
        dtype=bool,
    ).reshape(len(participants), len(opportunities))
    eligible &= raw >= floor  # the relevance floor: nothing below it is listed
    if floor > 0:
        eligible &= _evident(built, raw)  # and nothing without a reason of relevance
    for_participants = {}
    for i, p in enumerate(participants):
        ranked = sorted(
            (j for j in range(len(opportunities)) if eligible[i, j]),
            key=lambda j: (-scores[i, j], opportunities[j].id),
        )
        chosen: list[tuple[str, float]] = []
        skipped: list[tuple[str, float]] = []
        per_company: dict[str, int] = {}
        for j in ranked:
            company = opportunities[j].company
            if per_company.get(company, 0) == 2:
                skipped.append((opportunities[j].id, float(scores[i, j])))
                continue
            per_company[company] = per_company.get(company, 0) + 1
            chosen.append((opportunities[j].id, float(scores[i, j])))
            if len(chosen) == k:
                break
        if len(chosen) < k:  # a short list: what the cap skipped fills it, best first, in score order
            chosen = sorted(chosen + skipped[: k - len(chosen)], key=lambda entry: (-entry[1], entry[0]))
        for_participants[p.id] = chosen
    for_opportunities = {}
    for j, o in enumerate(opportunities):
        ranked = sorted(
            (i for i in range(len(participants)) if eligible[i, j]),
            key=lambda i: (-scores[i, j], participants[i].id),
        )
        for_opportunities[o.id] = [(participants[i].id, float(scores[i, j])) for i in ranked[:k]]
    return for_participants, for_opportunities


def _moment(rng: random.Random, day: int, hour: int) -> datetime:
    return datetime(2026, 9, 20, 0, 0, tzinfo=TZ) + timedelta(days=day, hours=hour)


def random_world(seed: int) -> tuple[list[Participant], list[Opportunity], Geography]:
    rng = random.Random(seed)
    neighbours = {p: set() for p in PROVINCES}
    for _ in range(4):
        a, b = rng.sample(PROVINCES, 2)
        neighbours[a].add(b)
        neighbours[b].add(a)
    geography = Geography({p: frozenset(n) for p, n in neighbours.items()})
    slots = [(day, hour, hour + length) for day in range(-1, 8) for hour in (8, 14) for length in (2, 3)]

    def text() -> str:
        return " ".join(rng.sample(WORDS, rng.randint(0, 3)) + rng.sample(FILLER, rng.choice([0, 0, 1, 4])))

    opportunities = []
    for j in range(rng.randint(3, 30)):
        sessions = []
        for s in range(rng.choice([0, 1, 1, 2, 3])):
            day, start, end = rng.choice(slots)
            capacity = rng.choice([1, 5, 40])
            sessions.append(
                Session(
                    f"x{j}-{s}",
                    _moment(rng, day, start),
                    _moment(rng, day, end),
                    capacity,
                    rng.choice([0, 0, capacity - 1, capacity]),
                )
            )
        opportunities.append(
            Opportunity(
                id=f"o{j:02d}",
                company=f"c{rng.randint(0, 3)}",
                kind=rng.choice(KINDS),
                title=text(),
                description=text(),
                topics=tuple(rng.sample(["AI", "du lịch", "game-dev", "xyz"], rng.randint(0, 2))),
                province=rng.choice(PROVINCES + [""]),
                online=rng.random() < 0.2,
                levels=tuple(rng.sample(LEVELS, rng.randint(0, 2))),
                min_age=rng.choice([None, None, 16, 18]),
                group_min=rng.choice([None, 10]),
                group_max=rng.choice([None, 30]),
                apply_by=rng.choice([None, date(2026, 9, 19), date(2026, 10, 30)]),
                created_at=rng.choice([None, NOW - timedelta(days=3), NOW - timedelta(days=40)]),
                sessions=tuple(sessions),
            )
        )
    participants = []
    for i in range(rng.randint(3, 30)):
        is_class = rng.random() < 0.2
        availability = []
        for _ in range(rng.choice([0, 1, 2, 3])):
            day, start, end = rng.choice(slots)
            availability.append(
                (_moment(rng, day, start - rng.choice([0, 1])), _moment(rng, day, end + rng.choice([0, 1])))
            )
        participants.append(
            Participant(
                id=f"p{i:02d}",
                type="class_request" if is_class else "student",
                level=rng.choice(LEVELS),
                text=text(),
                topics=tuple(rng.sample(["AI", "pottery", "game-dev"], rng.randint(0, 1))),
                preferred_kinds=tuple(rng.sample(KINDS, rng.randint(0, 2))),
                allowed_kinds=tuple(rng.sample(KINDS, rng.randint(1, 4))) if rng.random() < 0.3 else (),
                size=rng.choice([8, 25, 35]) if is_class else 1,
                province=rng.choice(PROVINCES + [""]),
                birth_date=None if is_class or rng.random() < 0.1 else _birth_date(rng),
                availability=tuple(availability),
                language=rng.choice(["vi", "en"]),
            )
        )
    return participants, opportunities, geography


def _birth_date(rng: random.Random) -> date:
    year = rng.choice([2008, 2009, 2010, 2012])  # 16 or 18 around the sessions' dates, some leap years
    if year % 4 == 0 and rng.random() < 0.3:
        return date(year, 2, 29)
    return date(year, rng.choice([2, 9, 9, 10]), rng.randint(18, 28))


def _engine_lists(recs, key: str) -> dict[str, list[tuple[str, float]]]:
    return {owner: [(getattr(r, key), r.score) for r in lst] for owner, lst in recs.items()}


CASES = [
    # (seeds, switches, shallow first search)
    (range(0, 12), {}, False),
    (range(12, 24), {}, True),
    (range(24, 30), {"use_filters": False, "folding": False, "use_topics": False}, True),
    # the search split over forked worker processes, then merged
    (range(36, 44), {"workers": 2}, False),
    (range(44, 50), {"workers": 3}, True),
]


@pytest.mark.parametrize(("seeds", "switches", "shallow"), CASES)
def test_it_returns_the_exhaustive_top_k_in_both_directions(
    seeds: range, switches: dict, shallow: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shallow:
        for name in ("PARTICIPANT_M", "OPPORTUNITY_M"):
            monkeypatch.setattr(recommend_module, name, 1)
        for name in ("PARTICIPANT_NEED", "OPPORTUNITY_NEED"):
            monkeypatch.setattr(recommend_module, name, 0.0)
        # and check availability interval by interval instead of through the slot table, and the
        # block-level tests and distances pair by pair instead of through the class tables
        monkeypatch.setattr(filters, "SLOT_TABLE_CELLS", 0)
        monkeypatch.setattr(filters, "PAIR_TABLE_CELLS", 0)
    if "workers" in switches:
        # Tiny worlds: with the real cost of this process's lists it would search nothing itself.
        monkeypatch.setattr(parallel, "LIST_COST_PAIRS", 0)
    engine_only = {"workers"}
    deepest, processes = 0, 1
    for seed in seeds:
        participants, opportunities, geography = random_world(seed)
        rng = random.Random(seed)
        k = rng.randint(1, 4)
        weights = Weights(*(rng.choice([0.0, 0.1, 0.5]) for _ in range(5))) if seed % 3 == 0 else None
        stages = Stages()
        floor = rng.choice([None, 0.0, 0.2])
        same = {"now": NOW, "geography": geography, "k": k, "weights": weights, "floor": floor}
        got = recommend(participants, opportunities, stages=stages, **same, **switches)
        model_switches = {name: value for name, value in switches.items() if name not in engine_only}
        want_p, want_o = brute_force_recommend(participants, opportunities, **same, **model_switches)
        assert _engine_lists(got.for_participants, "opportunity_id") == want_p, f"seed {seed}"
        assert _engine_lists(got.for_opportunities, "participant_id") == want_o, f"seed {seed}"
        deepest = max(deepest, stages.counts["rounds_participants"], stages.counts["rounds_opportunities"])
        processes = max(processes, stages.counts["search_processes"])
    if shallow:
        assert deepest >= 2, "the shallow runs should have needed re-searches"

    if "workers" in switches:
        assert processes == switches["workers"], "the search should have run in worker processes"


def test_it_ranks_ties_by_id_and_keeps_two_per_company() -> None:
    session = Session("x", NOW + timedelta(days=2), NOW + timedelta(days=2, hours=2), 10)
    free = ((NOW + timedelta(days=1), NOW + timedelta(days=3)),)
    same = dict(kind="visit", title="Tham quan", province="p0", sessions=(session,))
    opportunities = [
        Opportunity(id=f"o{n}", company="c1" if n < 4 else "c2", **same) for n in (5, 3, 1, 4, 2, 0)
    ]
    student = Participant(
        "s", "student", "upper_secondary", "", province="p0", availability=free, birth_date=date(2009, 1, 1)
    )
    got = recommend([student], opportunities, now=NOW, geography=Geography(), k=4, floor=0.0)
    assert [r.opportunity_id for r in got.for_participants["s"]] == ["o0", "o1", "o4", "o5"]
    assert len({r.score for r in got.for_participants["s"]}) == 1


def test_a_short_list_is_filled_by_what_the_cap_skipped_in_the_ranking_order() -> None:
    # The cap makes room for other companies. When no other company has anything more to list, the
    # third of a company's opportunities came out of the list anyway: a game-making student never saw
    # the studio's Unity workshop, with four places left empty. Then it came back last, below a weaker
    # match of another company: the cap decides what a list holds, never its order.
    session = Session("x", NOW + timedelta(days=2), NOW + timedelta(days=2, hours=2), 10)
    free = ((NOW + timedelta(days=1), NOW + timedelta(days=3)),)
    same = dict(kind="visit", province="p0", sessions=(session,))
    titles = {"a1": "game studio Unity game", "a2": "Unity game studio", "a3": "Unity game", "b1": "game"}
    opportunities = [Opportunity(id=i, company=i[0], title=t, **same) for i, t in titles.items()]
    student = Participant(
        "s", "student", "upper_secondary", "Unity game studio", province="p0", availability=free,
        birth_date=date(2009, 1, 1),
    )  # fmt: skip
    full = recommend([student], opportunities, now=NOW, geography=Geography(), k=3, floor=0.0)
    assert [r.opportunity_id for r in full.for_participants["s"]] == ["a2", "a1", "b1"]  # full: the cap holds
    short = recommend([student], opportunities, now=NOW, geography=Geography(), k=10, floor=0.0)
    listed = [(r.opportunity_id, r.rank) for r in short.for_participants["s"]]
    # Room for all: a's third is listed too, in its place by score, above b's weaker match.
    assert listed == [("a2", 1), ("a1", 2), ("a3", 3), ("b1", 4)]
    scores = [r.score for r in short.for_participants["s"]]
    assert scores == sorted(scores, reverse=True) and scores[2] > scores[3]


def test_without_a_floor_it_fills_lists_with_zero_similarity_pairs_in_id_order() -> None:
    # Text alone counts and nobody wrote anything: every eligible pair has the lowest score, FLOOR,
    # which only an exhaustive search can prove; ties go by id. (With the relevance floor, the
    # default, these lists are empty: test_relevance.py.)
    session = Session("x", NOW + timedelta(days=2), NOW + timedelta(days=2, hours=2), 10)
    free = ((NOW + timedelta(days=1), NOW + timedelta(days=3)),)
    opportunities = [
        Opportunity(id=f"o{n}", company=f"c{n}", kind="visit", title="", province="p0", sessions=(session,))
        for n in (3, 1, 2)
    ]
    students = [
        Participant(
            f"s{n}",
            "student",
            "upper_secondary",
            "",
            province="p0",
            availability=free,
            birth_date=date(2009, 1, 1),
        )
        for n in (2, 1)
    ]
    got = recommend(
        students,
        opportunities,
        now=NOW,
        geography=Geography(),
        k=2,
        weights=Weights(text=1, topic=0, kind=0, distance=0, freshness=0),
        floor=0.0,
    )
    assert [r.opportunity_id for r in got.for_participants["s1"]] == ["o1", "o2"]
    assert [r.participant_id for r in got.for_opportunities["o3"]] == ["s1", "s2"]
    assert {r.score for recs in got.for_participants.values() for r in recs} == {model.FLOOR}


@pytest.mark.parametrize("seed", range(30, 36))
def test_shards_of_the_participants_merge_into_the_whole_run(seed: int) -> None:
    """``only_participants``: each shard ranks its own participants with the whole world's text model;
    its lists are the whole run's, and an opportunity's top k is the top k of its shards' top k's."""
    participants, opportunities, geography = random_world(seed)
    k = 3
    whole = recommend(participants, opportunities, now=NOW, geography=geography, k=k)
    shards = [{p.id for i, p in enumerate(participants) if i % 3 == s} for s in range(3)]
    merged_p: dict[str, list[tuple[str, float]]] = {}
    candidates: dict[str, list[tuple[float, str]]] = {}
    for shard in shards:
        part = recommend(participants, opportunities, now=NOW, geography=geography, k=k, only_participants=shard)
        for owner, recs in part.for_participants.items():
            if owner in shard:
                merged_p[owner] = [(r.opportunity_id, r.score) for r in recs]
            else:
                assert recs == [], "a shard ranks only its own participants"
        for owner, recs in part.for_opportunities.items():
            assert all(r.participant_id in shard for r in recs)
            candidates.setdefault(owner, []).extend((-r.score, r.participant_id) for r in recs)
    merged_o = {o: [(p, -neg) for neg, p in sorted(c)[:k]] for o, c in candidates.items()}
    assert merged_p == _engine_lists(whole.for_participants, "opportunity_id")
    assert {o: v for o, v in merged_o.items() if v} == {
        o: v for o, v in _engine_lists(whole.for_opportunities, "participant_id").items() if v
    }


class _Captured(Reranker):
    """The encoder stage with weight 0, keeping the exact search's candidates before the cut."""

    def apply(self, built, forward, k, processes=1):  # type: ignore[no-untyped-def]
        for row, col, raw in zip(forward.rows.tolist(), forward.cols.tolist(), forward.raw.tolist(), strict=True):
            self.stats.setdefault(built.participants[row].id, []).append(  # type: ignore[arg-type]
                (built.opportunities[col].id, float(model.score(np.array([raw]))[0]))
            )
        return super().apply(built, forward, k, processes)


@pytest.mark.parametrize(
    ("seeds", "switches", "shallow"),
    [(range(0, 6), {}, False), (range(12, 18), {}, True), (range(36, 40), {"workers": 2}, False)],
)
def test_with_the_encoder_stage_each_participant_gets_its_own_exact_top_k(
    seeds: range, switches: dict, shallow: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stage's participants (English) are searched ``depth`` deep, the others k: each list the
    exhaustive top of its own length (a per-row k in topk.TopK)."""
    if shallow:
        monkeypatch.setattr(recommend_module, "PARTICIPANT_M", 1)
        monkeypatch.setattr(recommend_module, "PARTICIPANT_NEED", 0.0)
    if "workers" in switches:
        monkeypatch.setattr(parallel, "LIST_COST_PAIRS", 0)
    for seed in seeds:
        participants, opportunities, geography = random_world(seed)
        participants = [replace(p, language="en" if i % 2 else "vi") for i, p in enumerate(participants)]
        rng = random.Random(seed)
        k, depth = rng.randint(1, 3), rng.randint(4, 8)
        stage = _Captured(EmbeddingCache(lambda texts: np.ones((len(texts), 2))), weight=0.0, depth=depth)
        got = recommend(participants, opportunities, now=NOW, geography=geography, k=k, rerank=stage, **switches)
        want_k, want_o = brute_force_recommend(participants, opportunities, now=NOW, geography=geography, k=k)
        want_deep, _ = brute_force_recommend(participants, opportunities, now=NOW, geography=geography, k=depth)
        for p in participants:
            want = want_deep[p.id] if p.language == "en" else want_k[p.id]
            assert stage.stats.get(p.id, []) == want, f"seed {seed}, {p.id}"
        assert _engine_lists(got.for_participants, "opportunity_id") == want_k, f"seed {seed}"
        assert _engine_lists(got.for_opportunities, "participant_id") == want_o, f"seed {seed}"
