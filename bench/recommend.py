"""Benchmark of the matchmaking engine on a synthetic world (run by hand, never from tests).

    .venv/bin/python bench/recommend.py                       # 100,000 students, 20,000 opportunities
    .venv/bin/python bench/recommend.py --students 20000 --opportunities 4000 --baseline-rows 2000

Prints the engine before its process parallelism moved into ``parallel.py`` (commit
``BEFORE_PARALLEL``, run from ``git archive`` of that commit as a package of its own) against today's,
interleaved in the same run on the same world (``--rounds`` runs each) and checked to return the same
lists; today's stages and the peak resident memory; and the engine's top-k stage against
scikit-learn's brute-force ``NearestNeighbors(metric="cosine")`` finding k neighbours both ways on
the same TF-IDF matrices with the same number of threads (``n_jobs``), timed on a sample of query
rows after a warm-up call and extrapolated linearly (the output says so).

The engine's top-k stage compared is its whole search: slicing the blocks, the sparse products, the
hard filters, the merges and every re-search, until each list is the exact top k of the blended score
in both directions. That is more work than the baseline's (filters, the blended score, exactness),
so the ratio is conservative; the products alone are shown too.

The world is deterministic for a seed: ~34 provinces with their real neighbours, four levels, five
kinds, 1–4 sessions per opportunity in October 2026, Vietnamese and English texts built from the
topic vocabulary and everyday phrases, a quarter of the Vietnamese ones typed without diacritics.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import random
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# Run as a script, Python puts bench/ first on the path, where other benchmarks' names (email.py)
# would hide standard-library modules: put the repository root there instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402
from sparse_dot_topn import sp_matmul_topn  # noqa: E402

from matchmaking.engine.kernels import warm_up  # noqa: E402
from matchmaking.engine.parallel import LIST_COST_PAIRS  # noqa: E402
from matchmaking.engine.recommend import recommend  # noqa: E402
from matchmaking.engine.stages import Stages  # noqa: E402
from matchmaking.engine.text import fold, normalise, tfidf_pair, tokenise  # noqa: E402
from matchmaking.engine.topics import load_vocabulary  # noqa: E402
from matchmaking.engine.types import (  # noqa: E402
    KINDS,
    Geography,
    Opportunity,
    Participant,
    Recommendations,
    Session,
)
from matchmaking.engine.vectors import opportunity_document, participant_document  # noqa: E402
from places.provinces import codes, name, neighbour_map  # noqa: E402

# The engine before its parallelism had one module (bench/recommend.py compares it with today's).
BEFORE_PARALLEL = "8e2cc7a46993d8f489538ac89c7d0d6404515040"  # main with the field terms, before parallel.py
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 9, 20, 8, 0, tzinfo=TZ)
LEVEL_SHARE = {"lower_secondary": 0.25, "upper_secondary": 0.45, "vocational": 0.15, "university": 0.15}
AGE_RANGE = {
    "lower_secondary": (11, 15),
    "upper_secondary": (15, 18),
    "vocational": (16, 21),
    "university": (18, 23),
}
KIND_SHARE = {"internship": 0.25, "visit": 0.2, "career_talk": 0.25, "workshop": 0.2, "contest": 0.1}
# (weekday, start hour, end hour): the slots schools and companies actually use.
SLOTS = [(5, 8, 11), (5, 14, 17), (6, 8, 11), (2, 14, 17), (4, 14, 17), (0, 18, 20), (3, 8, 11), (1, 14, 16)]

VI_STUDENT = [
    "Em thích {a} và {b}.",
    "Em rất quan tâm đến {a}, muốn tìm hiểu thêm về {b}.",
    "Sở thích: {a}, {b}. Kỹ năng: {s}.",
    "Mình mê {a} từ lớp {g}, đang tự học {b}.",
    "Em muốn trải nghiệm thực tế về {a} và gặp các anh chị làm {b}.",
    "Đam mê {a}. Đã tham gia câu lạc bộ {b} của trường.",
    "Em giỏi {s} và thích {a}.",
]
EN_STUDENT = [
    "I love {a} and {b}.",
    "Interested in {a}; I would like to learn more about {b}.",
    "Hobbies: {a}, {b}. Skills: {s}.",
    "I have been into {a} since grade {g} and I am teaching myself {b}.",
    "Looking for hands-on experience in {a} and meeting people who work in {b}.",
    "Passionate about {a}. Member of the school {b} club.",
    "Good at {s}, keen on {a}.",
]
VI_SKILLS = [
    "tin học văn phòng",
    "tiếng Anh giao tiếp",
    "vẽ",
    "thuyết trình",
    "làm việc nhóm",
    "Python",
    "chụp ảnh",
    "nấu ăn",
    "bóng đá",
    "đàn guitar",
    "viết lách",
    "sửa xe đạp",
    "bán hàng online",
]
EN_SKILLS = [
    "Excel",
    "public speaking",
    "drawing",
    "teamwork",
    "Python",
    "photography",
    "cooking",
    "football",
    "guitar",
    "writing",
    "video editing",
    "customer service",
    "Scratch",
]
VI_TITLE = {
    "internship": "Thực tập {a}",
    "visit": "Tham quan {c}: {a}",
    "career_talk": "Nói chuyện hướng nghiệp: {a}",
    "workshop": "Khóa học {a} cho học sinh",
    "contest": "Cuộc thi {a} {y}",
}
EN_TITLE = {
    "internship": "{A} internship",
    "visit": "Visit to {c}: {a}",
    "career_talk": "Career talk: {a}",
    "workshop": "{A} workshop for students",
    "contest": "{A} contest {y}",
}
VI_DESC = [
    "{c} mời các bạn trẻ yêu thích {a} tham gia cùng đội ngũ kỹ sư của chúng tôi.",
    "Chương trình giúp học sinh hiểu công việc hằng ngày trong lĩnh vực {a} và {b}.",
    "Các bạn sẽ được hướng dẫn thực hành {a}, làm quen với {b} và đặt câu hỏi cho chuyên gia.",
    "Phù hợp với học sinh muốn theo đuổi {a}. Không yêu cầu kinh nghiệm.",
    "Buổi chia sẻ của nghệ nhân và kỹ sư về {a}, cơ hội nghề nghiệp và kỹ năng cần có.",
    "Hoạt động diễn ra tại xưởng và văn phòng của {c}, có giấy chứng nhận tham gia.",
]
EN_DESC = [
    "{c} invites young people who enjoy {a} to spend time with our engineering team.",
    "The programme shows students what a working day in {a} and {b} looks like.",
    "You will practise {a}, get to know {b} and ask our experts anything.",
    "Suitable for students who want a career in {a}. No experience needed.",
    "Our artisans and engineers talk about {a}, career paths and the skills you need.",
    "Held at the {c} workshop and offices; participants receive a certificate.",
]
COMPANY_WORDS = [
    "Sông Hồng",
    "Biển Xanh",
    "Ánh Dương",
    "Hoa Sen",
    "Phương Nam",
    "Trường Sơn",
    "Mekong",
    "Sao Việt",
    "Hải Âu",
    "Tre Việt",
    "Lúa Vàng",
    "Cửu Long",
    "Bạch Đằng",
    "Tây Nguyên",
    "Đông Á",
    "Thăng Long",
]
COMPANY_TYPES = ["Công ty", "Tập đoàn", "Hợp tác xã", "Xưởng", "Studio", "Làng nghề", "Trung tâm"]


def _phrase(rng: random.Random, topic: dict, lang: str) -> str:
    choices = [topic[lang]] + [s for s in topic["synonyms"] if s.isascii() == (lang == "en")]
    return rng.choice(choices)


def make_world(
    n_students: int, n_opportunities: int, seed: int = 7
) -> tuple[list[Participant], list[Opportunity], Geography]:
    rng = random.Random(seed)
    vocab = load_vocabulary()
    topics = [{"vi": t.vi, "en": t.en, "synonyms": []} for t in vocab.topics]
    for phrase, i in vocab.exact_phrases.items():
        topics[i]["synonyms"].append(" ".join(phrase))
    provinces = codes()
    big = {
        "ha-noi": 8.0,
        "ho-chi-minh": 9.0,
        "hai-phong": 2.5,
        "da-nang": 2.0,
        "can-tho": 2.0,
        "dong-nai": 2.0,
    }
    province_weights = [big.get(p, 1.0) for p in provinces]
    # Interests are skewed (Zipf-like): some topics are popular, most are niche.
    topic_weights = [1.0 / (1 + r) ** 0.8 for r in range(len(topics))]
    rng.shuffle(topic_weights)

    def pick_topics(n: int) -> list[dict]:
        return rng.choices(topics, weights=topic_weights, k=n)

    def availability(level: str) -> tuple[tuple[datetime, datetime], ...]:
        slots = rng.sample(SLOTS, rng.randint(1, 4))
        start = date(2026, 9, 28)
        out = []
        for week in range(5):
            for weekday, h0, h1 in slots:
                day = start + timedelta(days=7 * week + weekday)
                lo = datetime(day.year, day.month, day.day, h0 - rng.choice((0, 1)), tzinfo=TZ)
                out.append((lo, lo.replace(hour=h1 + rng.choice((0, 1)))))
        return tuple(sorted(out))

    participants: list[Participant] = []
    levels = list(LEVEL_SHARE)
    for n in range(n_students):
        level = rng.choices(levels, weights=list(LEVEL_SHARE.values()))[0]
        lang = "en" if rng.random() < 0.2 else "vi"
        a, b, c = pick_topics(3)
        template = rng.choice(EN_STUDENT if lang == "en" else VI_STUDENT)
        skills = ", ".join(rng.sample(EN_SKILLS if lang == "en" else VI_SKILLS, 2))
        text = template.format(a=_phrase(rng, a, lang), b=_phrase(rng, b, lang), s=skills, g=rng.randint(6, 12))
        if rng.random() < 0.5:
            text += " " + (
                f"Also curious about {_phrase(rng, c, lang)}."
                if lang == "en"
                else f"Ngoài ra em cũng tò mò về {_phrase(rng, c, lang)}."
            )
        if lang == "vi" and rng.random() < 0.25:
            text = fold(normalise(text))  # typed without diacritics
        age_lo, age_hi = AGE_RANGE[level]
        age_days = rng.randint(age_lo * 365, age_hi * 365)
        excluded = rng.sample(KINDS, 1) if rng.random() < 0.2 else []
        participants.append(
            Participant(
                id=f"S{n:06d}",
                type="student",
                level=level,
                text=text,
                topics=(a["vi"],) if rng.random() < 0.3 else (),
                preferred_kinds=tuple(rng.sample(KINDS, rng.randint(1, 2))),
                allowed_kinds=tuple(k for k in KINDS if k not in excluded) if excluded else (),
                size=1,
                province=rng.choices(provinces, weights=province_weights)[0],
                birth_date=(NOW - timedelta(days=age_days)).date(),
                availability=availability(level),
                language=lang,
            )
        )
    # A class request for every ~40 students: a whole class asking for a visit or a talk.
    for n in range(max(1, n_students // 40)):
        level = rng.choice(["lower_secondary", "upper_secondary", "vocational"])
        a, b, _ = pick_topics(3)
        participants.append(
            Participant(
                id=f"K{n:05d}",
                type="class_request",
                level=level,
                text=f"Lớp quan tâm {_phrase(rng, a, 'vi')} và {_phrase(rng, b, 'vi')}.",
                topics=(a["vi"],),
                preferred_kinds=("visit",),
                allowed_kinds=("visit", "career_talk"),
                size=rng.randint(25, 45),
                province=rng.choices(provinces, weights=province_weights)[0],
                availability=availability(level),
            )
        )

    opportunities: list[Opportunity] = []
    kinds = list(KIND_SHARE)
    companies = [
        f"{rng.choice(COMPANY_TYPES)} {rng.choice(COMPANY_WORDS)} {n}" for n in range(n_opportunities // 4 + 1)
    ]
    for n in range(n_opportunities):
        kind = rng.choices(kinds, weights=list(KIND_SHARE.values()))[0]
        lang = "en" if rng.random() < 0.3 else "vi"
        company_index = min(int(rng.paretovariate(1.2)) - 1, len(companies) - 1) if rng.random() < 0.3 else n // 4
        company = companies[company_index]
        a, b = pick_topics(2)
        fill = {"a": _phrase(rng, a, lang), "b": _phrase(rng, b, lang), "c": company, "y": 2026}
        title = (EN_TITLE if lang == "en" else VI_TITLE)[kind].format(A=fill["a"].capitalize(), **fill)
        desc = " ".join(s.format(**fill) for s in rng.sample(EN_DESC if lang == "en" else VI_DESC, rng.randint(2, 4)))
        online = kind in ("career_talk", "workshop", "contest") and rng.random() < 0.35
        sessions = []
        for s_n, (weekday, h0, h1) in enumerate(rng.sample(SLOTS, rng.randint(1, 4))):
            day = date(2026, 9, 28) + timedelta(days=7 * rng.randint(0, 4) + weekday)
            start = datetime(day.year, day.month, day.day, h0, tzinfo=TZ)
            capacity = 45 if kind == "visit" else rng.choice((10, 20, 30, 60, 100))
            sessions.append(
                Session(
                    id=f"X{n:06d}-{s_n}",
                    starts_at=start,
                    ends_at=start.replace(hour=h1),
                    capacity=capacity,
                    taken=rng.randint(0, capacity // 2),
                )
            )
        opportunities.append(
            Opportunity(
                id=f"O{n:06d}",
                company=company,
                kind=kind,
                title=title,
                description=desc,
                topics=(a[lang],) if rng.random() < 0.7 else (),
                language=lang,
                province=rng.choices(provinces, weights=province_weights)[0],
                online=online,
                levels=tuple(rng.sample(levels, rng.randint(1, 3))) if rng.random() < 0.5 else (),
                min_age=(16 if rng.random() < 0.7 else 18) if kind == "internship" else None,
                group_min=10 if kind == "visit" else None,
                group_max=50 if kind == "visit" else None,
                apply_by=date(2026, 9, 18) + timedelta(days=rng.randint(0, 30)),  # a few have closed
                created_at=NOW - timedelta(days=rng.uniform(0, 90)),
                sessions=tuple(sorted(sessions, key=lambda s: s.starts_at)),
            )
        )
    return participants, opportunities, Geography(neighbour_map())


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def available_mb() -> float:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no MemAvailable in /proc/meminfo")


class AvailableMemory(threading.Thread):
    """How far the machine's available memory falls below where it was when started: what a run takes,
    forked processes included and pages they share counted once (anything else starting on the machine
    meanwhile would count too)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.before = self.lowest = available_mb()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            self.lowest = min(self.lowest, available_mb())

    def stop(self) -> float:
        self.done.set()
        self.join()
        return self.before - min(self.lowest, available_mb())


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    # ru_maxrss (KiB on Linux) covers numpy/scipy buffers, which tracemalloc does not see.
    return resource.getrusage(who).ru_maxrss / 1024


def time_baseline(
    left: sparse.csr_matrix,
    right: sparse.csr_matrix,
    k: int,
    sample: int,
    rng: np.random.Generator,
    threads: int,
) -> tuple[float, int]:
    """Seconds for NearestNeighbors(cosine, brute, n_jobs=threads) to find k neighbours in ``right`` for
    ``sample`` rows of ``left`` (all rows when fewer), extrapolated linearly to every row of ``left``;
    and the rows timed. A warm-up call first, so that one-time start-up costs are not extrapolated."""
    rows = np.sort(rng.choice(left.shape[0], size=min(sample, left.shape[0]), replace=False))
    index = NearestNeighbors(n_neighbors=k, metric="cosine", algorithm="brute", n_jobs=threads).fit(right)
    index.kneighbors(left[rows[:10]])
    t0 = time.perf_counter()
    index.kneighbors(left[rows])
    return (time.perf_counter() - t0) * left.shape[0] / len(rows), len(rows)


def time_plain_topn(
    left: sparse.csr_matrix,
    right: sparse.csr_matrix,
    k: int,
    sample: int,
    rng: np.random.Generator,
    threads: int,
) -> float:
    """sparse_dot_topn's top-k on the same matrices, no blocking nor filters, sampled like the baseline."""
    rows = np.sort(rng.choice(left.shape[0], size=min(sample, left.shape[0]), replace=False))
    right_t = right.T.tocsr()
    t0 = time.perf_counter()
    sp_matmul_topn(left[rows], right_t, top_n=k, n_threads=threads)
    return (time.perf_counter() - t0) * left.shape[0] / len(rows)


def engine_before(ref: str) -> Callable[..., Recommendations]:
    """``recommend`` of the engine at commit ``ref``, from ``git archive`` into a package of its own,
    ``engine_before``, kept in the system's temporary directory (so that numba's cache of its kernels
    survives from one run to the next), its kernels compiled or loaded."""
    root = Path(tempfile.gettempdir()) / f"caunoi-engine-{ref[:12]}"
    package = root / "engine_before"
    if not (package / "recommend.py").exists():
        archive = subprocess.run(
            ["git", "-C", str(_HERE.parent), "archive", ref, "matchmaking/engine"], capture_output=True, check=True
        ).stdout
        staging = root / f"staging-{os.getpid()}"
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(staging, filter="data")
        (staging / "matchmaking" / "engine").rename(package)
    sys.path.insert(0, str(root))
    importlib.import_module("engine_before.kernels").warm_up()
    return importlib.import_module("engine_before.recommend").recommend


def _lists(recs: Recommendations) -> tuple[dict[str, list[tuple[str, float]]], dict[str, list[tuple[str, float]]]]:
    return (
        {owner: [(r.opportunity_id, r.score) for r in lst] for owner, lst in recs.for_participants.items()},
        {owner: [(r.participant_id, r.score) for r in lst] for owner, lst in recs.for_opportunities.items()},
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--opportunities", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--threads", type=int, default=None, help="CPUs the engine may use (default: all)")
    parser.add_argument(
        "--workers", type=int, default=None, help="processes the search runs in (default: the engine's choice)"
    )
    parser.add_argument("--baseline-rows", type=int, default=2000, help="query rows timed per direction")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each engine, before and today, interleaved")
    parser.add_argument("--before", default=BEFORE_PARALLEL, help="the commit whose engine is compared with today's")
    args = parser.parse_args(argv)
    threads = args.threads or os.cpu_count() or 1

    t0 = time.perf_counter()
    participants, opportunities, geography = make_world(args.students, args.opportunities, args.seed)
    print(
        f"world: {len(participants)} participants, {len(opportunities)} opportunities, "
        f"generated in {time.perf_counter() - t0:.1f} s; resident memory now {peak_rss_mb():.0f} MB"
    )
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} before the run "
        "(other work on the machine slows every figure below)"
    )

    t0 = time.perf_counter()
    warm_up()
    print(
        f"search kernels ready in {time.perf_counter() - t0:.1f} s: compiled by numba on a checkout's first run, "
        "loaded from its cache after (not part of the engine's time below, as in a long-running worker)"
    )

    before = engine_before(args.before)
    print(f"the engine before ({args.before[:9]}) is ready: extracted from git, its kernels compiled or loaded")
    names = {code: name(code) for code in codes()}
    same = {"now": NOW, "geography": geography, "k": args.k, "n_threads": threads, "workers": args.workers}
    walls: dict[str, list[float]] = {"before": [], "today": []}
    stages, recs, engine_peak, taken, resident_before, cpu = Stages(), None, 0.0, 0.0, 0.0, 0.0
    first_before: dict[str, list[tuple[str, float]]] | None = None
    load_start = os.getloadavg()[0]
    for round_ in range(args.rounds):
        # Interleaved, the order alternating, so that a slow spell of the machine hits both.
        for label in ("before", "today") if round_ % 2 == 0 else ("today", "before"):
            run_stages = Stages()
            resident = current_rss_mb()
            sampler = AvailableMemory()
            sampler.start()
            wall, run_cpu = time.perf_counter(), time.process_time()
            if label == "before":
                got = before(participants, opportunities, province_names=names, **same)
            else:
                got = recommend(participants, opportunities, province_names=names, stages=run_stages, **same)
            wall, run_cpu = time.perf_counter() - wall, time.process_time() - run_cpu
            run_taken = sampler.stop()
            walls[label].append(wall)
            print(
                f"  round {round_ + 1}, engine {label:<6}: {wall:6.1f} s wall, memory at the peak "
                f"{resident + run_taken:,.0f} MB (as below), load average {os.getloadavg()[0]:.2f}"
            )
            lists = _lists(got)
            if label == "before" and first_before is None:
                first_before = lists
            elif label == "today" and recs is None:
                recs, stages, cpu, engine_peak, taken, resident_before = (
                    got,
                    run_stages,
                    run_cpu,
                    peak_rss_mb(),
                    run_taken,
                    resident,
                )
                today_lists = lists
            del got, lists
    assert recs is not None and first_before is not None
    same_lists = today_lists == first_before
    outcome = "both returned the same lists (ids and scores, both ways)"
    if not same_lists:  # a change of what is recommended: the times are of the same task, not the same output
        changed = sum(1 for owner, lst in today_lists[0].items() if first_before[0].get(owner) != lst)
        pairs_before = sum(map(len, first_before[0].values()))
        pairs_today = sum(map(len, today_lists[0].values()))
        outcome = (
            f"the lists differ (what is recommended changed): {changed:,} participants' lists, "
            f"{pairs_before:,} pairs listed before and {pairs_today:,} today"
        )
    del first_before, today_lists
    median_before, median_today = statistics.median(walls["before"]), statistics.median(walls["today"])
    print(
        f"\nengine, k={args.k}, {threads} CPUs, median of {args.rounds} interleaved runs each (load average "
        f"{load_start:.2f} at the start, {os.getloadavg()[0]:.2f} now): before {median_before:.1f} s wall, "
        f"today {median_today:.1f} s wall, today / before {median_today / median_before:.3f}; {outcome}"
    )
    wall = walls["today"][0]
    served = sum(1 for lst in recs.for_participants.values() if lst)
    listed = sum(1 for lst in recs.for_opportunities.values() if lst)
    processes = stages.counts["search_processes"]
    seconds = stages.seconds
    print(
        f"\ntoday's first run: {wall:.1f} s wall, {cpu:.1f} s CPU (this process's threads); "
        f"peak resident memory {engine_peak:.0f} MB (this process, world included)"
    )
    if processes > 1:
        print(
            f"search in {processes} processes (this one and {processes - 1} forked); the largest forked one's "
            f"peak resident memory {peak_rss_mb(resource.RUSAGE_CHILDREN):.0f} MB, which counts the pages it "
            "shares with this one"
        )
    print(
        f"memory of the run at its peak, all processes, shared pages once: {resident_before + taken:.0f} MB "
        f"(this process's {resident_before:.0f} MB before the run, world included, plus the largest fall of the "
        f"machine's MemAvailable during it, {taken:.0f} MB, sampled every 20 ms)"
    )
    if processes > 1:
        print(
            f"  build      {seconds['build']:7.2f} s: tokenise {seconds['tokenise']:.2f} s (two processes), then "
            f"TF-IDF {seconds['vectorise']:.2f} s here while a forked process builds the filter arrays "
            f"({seconds['compile']:.2f} s); topics {seconds['topics']:.2f} s shared between them as each came free; "
            f"vectors {seconds['vectors']:.2f} s"
        )
        print(
            f"  search     {seconds['search']:7.2f} s: {seconds['here_wall']:.2f} s here, then this process's "
            f"participants' lists {seconds['here_lists']:.2f} s, while {processes - 1} forked searched "
            f"{seconds['away_wall_slowest']:.2f} s; then the others' participants' lists {seconds['lists_after']:.2f} s"
        )
        per_list = seconds["here_lists"] / max(stages.counts["here_participants"], 1)
        per_pair = seconds["here_wall"] / max(stages.counts["here_pairs"], 1)
        print(
            f"    a participant's list cost as much as {per_list / per_pair:,.0f} pairs of search in this run "
            f"(parallel.LIST_COST_PAIRS = {LIST_COST_PAIRS:,}): {per_list * 1e6:.0f} µs per participant over "
            f"{per_pair * 1e9:.0f} ns per pair, this process's {stages.counts['here_participants']:,} participants "
            f"and {stages.counts['here_pairs']:,} pairs"
        )
        print(f"  reasons    {seconds['reasons']:7.2f} s: the opportunities' lists, after the search")
    else:
        for stage in ("tokenise", "vectorise", "topics", "compile", "vectors", "search", "reasons"):
            print(f"  {stage:<10} {seconds.get(stage, 0.0):7.2f} s")
        print(f"    of the search, the participants' lists {seconds.get('lists_participants', 0.0):.2f} s")
    summed = f" (summed over the {processes} processes)" if processes > 1 else ""
    for part in ("slices", "products", "filters", "merge"):
        value = seconds.get("search_" + part, 0.0) if processes > 1 else seconds.get(part, 0.0)
        print(f"    search/{part:<9} {value:7.2f} s{summed}")
    print(
        f"  rounds: participants {stages.counts['rounds_participants']}, "
        f"opportunities {stages.counts['rounds_opportunities']}"
    )
    print(
        f"  lists for {served} of {len(participants)} participants, {listed} of {len(opportunities)} opportunities"  # noqa: E501
    )
    if processes > 1:
        # The processes search at the same time: the slowest one's search is the stage's wall time (the
        # lists this process builds meanwhile are not search), and its seconds in the products are what
        # the products add to it, as a threaded product's wall time would be.
        stage = max(seconds["here_wall"], seconds["away_wall_slowest"])
        products = seconds["search_products_slowest"]
        summed = f" in the slowest of the {processes} processes ({seconds['search_products']:.2f} s summed)"
    else:
        stage, products = seconds["wall"], seconds["products"]
    print(
        f"top-k stage (the whole search: exact top-{args.k} of the blended score under the filters, both "
        f"directions, all rounds): {stage:.2f} s, of which products {products:.2f} s{summed}"
    )
    if args.skip_baseline:
        return

    # The same TF-IDF matrices the engine builds (text only, unweighted, as fitted on the run's texts).
    tok = tokenise([participant_document(p) for p in participants] + [opportunity_document(o) for o in opportunities])
    text_p, text_o = tfidf_pair(tok, len(participants), dtype=np.float64)
    rng = np.random.default_rng(args.seed)
    forward, rows_f = time_baseline(text_p, text_o, args.k, args.baseline_rows, rng, threads)
    backward, rows_b = time_baseline(text_o, text_p, args.k, args.baseline_rows, rng, threads)
    baseline = forward + backward
    note = (
        f"timed on {rows_f} participant and {rows_b} opportunity query rows, extrapolated linearly"
        if rows_f < text_p.shape[0] or rows_b < text_o.shape[0]
        else "timed on every row"
    )
    print(
        f"\nbaseline NearestNeighbors(metric='cosine', algorithm='brute', n_jobs={threads}), k={args.k}, "
        f"same TF-IDF matrices ({text_p.shape[1]} features):\n  participants→opportunities {forward:.1f} s, "
        f"opportunities→participants {backward:.1f} s, total {baseline:.1f} s ({note})"
    )
    print(
        f"ratio baseline / engine top-k stage: {baseline / stage:.1f}× "
        f"(baseline / the engine's products alone: {baseline / products:.1f}×)"
    )
    plain = time_plain_topn(text_p, text_o, args.k, args.baseline_rows, rng, threads) + time_plain_topn(
        text_o, text_p, args.k, args.baseline_rows, rng, threads
    )
    print(
        f"for reference, sparse_dot_topn top-{args.k} on the same matrices without blocking or filters: "
        f"{plain:.1f} s (same sampling), {baseline / plain:.1f}× faster than the baseline"
    )


if __name__ == "__main__":
    main()
