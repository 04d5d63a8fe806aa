"""A province's week on the real engine: import → matchmaking → scheduling → digests → relay, on
PostgreSQL with W Celery worker processes on Redis, then the same world in a single process, compared.

    .venv/bin/python bench/round.py --students 10000 [--workers 2] [--shards S]
        [--database-url postgres://postgres@127.0.0.1:5432/bench_round_a]
        [--single-database-url postgres://postgres@127.0.0.1:5432/bench_round_b]
        [--broker-url redis://127.0.0.1:6379/13] [--keep] [--pooler-url URL]

1. The world: ``exchange.sample``'s province (the generator behind ``seed_demo --csv``) as the six CSV
   files of the contract, with twice its opportunities by default, so that 100,000 students meet 2,000
   organisations and about 20,000 sessions (``--opportunities`` sets another count).
2. The distributed run, on ``--database-url`` (created if missing, refused if any table holds a row):
   ``migrate``; one ``celery worker --concurrency W -Q celery,matchmaking,scheduling,mail,digests`` (W pool
   processes); then the public commands, each its own process: ``import_data DIR``, ``approve_companies
   --all``, ``matchmake --shards S`` (S = 1 by default: on one machine one shard, whose search forks over
   the cores, is fastest; docs/scaling.md), ``send_digests`` (with a broker it queues one digest task per
   range of 2,000 students on the digests queue; the workers build them, each task then queues a relay
   run), ``schedule`` (in its command's process, while the workers build and send the digests: a digest
   reads the published lists and what was mailed before, never a booking, and the round reads no
   digest; with a broker the round queues a relay run when it commits) and a wait until the broker
   holds no mail or digest task and the outbox nothing pending or sending: every message went to the
   local fake SendGrid (``tests/fakes/sendgrid_server.py``, a process of its own, SENDGRID_API_KEY and
   SENDGRID_API_HOST pointing at it). Throughout, a relay run is queued every ``--relay-every`` seconds
   (60, as Celery beat's send-outbox).
3. The single-process run on ``--single-database-url``: no broker (tasks eager), ``matchmake`` in one
   shard, ``schedule``, ``send_digests --no-send`` then ``send_outbox`` (the relay in that process), to a
   fresh fake: the old order, so the comparison also shows that the order does not matter.
4. Both are compared, by external ids: the recommendations both ways (``export_recommendations``, and
   each opportunity's top k read from its table), the bookings (``export_bookings``), the waitlists,
   the outbox's dedupe keys with their category and status, and no seat above capacity.

The clock: the commands take no ``now``; each run reads the wall clock, nothing is frozen. What depends
on it: the freshness term of the score counts an opportunity's age in whole days (``engine.model.
freshness``), so rows imported minutes apart in the two runs are equally fresh and the scores are the
same; the digest period (the ISO week: both runs must fall in one, the script checks) and the holds'
deadlines (not exported). So the comparison asks for identical lists, ranks, reasons, bookings,
waitlists and dedupe keys, and scores equal within ``SCORE_TOLERANCE`` (the largest difference is
printed: 0 when the runs agree bit for bit).

Figures: each stage's wall time and the peak memory over every process this script started (the
sum of their resident sets, sampled every 100 ms with psutil; forked children share pages, so the sum
overstates), and the largest single process. PostgreSQL's and Redis's own processes are not counted.
The last line is ``round: N students, W workers, T s end to end; same as single-process: yes|no``, with
T the distributed run from the import to the last message relayed.

Databases this script created are dropped at the end (``--keep`` keeps them). Whatever happens (an
error, Ctrl-C, SIGTERM), the workers, the fake SendGrid and any running command are stopped.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path, where bench/email.py would hide the standard
# library's email package (http.client needs it): put the project root there instead, before importing.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402

import psutil  # noqa: E402

QUEUES = "celery,matchmaking,scheduling,mail,digests"
SCORE_TOLERANCE = 1e-5
MB = 1024 * 1024


# --- the world ------------------------------------------------------------------------------------


def world_write(directory: Path, *, students: int, opportunities: int | None, seed: int) -> dict[str, int]:
    """The sample province as contract files; ``opportunities`` replaces the sample's own count."""
    import csv

    from exchange.contract import SPEC_BY_NAME
    from exchange.sample import FILES, World, default_year

    class Province(World):
        def opportunities(self, orgs: list[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
            if opportunities is None:
                yield from super().opportunities(orgs)
                return
            # World.opportunities with another total: every organisation offers one (the first one of each
            # kind), the rest go to the more active ones, drawn from the same stream.
            from exchange.fields import KINDS

            rng = self.rng("opportunities")
            share = [5] + [1] * (len(orgs) - 1)
            activity = [self.shape["profile_activity"][o.profile] for o in orgs]
            for index in rng.choices(range(len(orgs)), activity, k=max(0, opportunities - sum(share))):
                share[index] += 1
            number = 0
            for index, org in enumerate(orgs):
                kinds = list(KINDS) if index == 0 else []
                kinds += rng.choices(KINDS, self.shape["profile_kinds"][org.profile], k=share[index] - len(kinds))
                for kind in kinds:
                    number += 1
                    yield from self.opportunity(f"DEMO-OP-{number:05d}", org, kind)

    world = Province(students=students, seed=seed, year=default_year())
    directory.mkdir(parents=True, exist_ok=True)
    counts = dict.fromkeys(FILES, 0)
    with contextlib.ExitStack() as stack:
        writers = {}
        for name in FILES:
            handle = stack.enter_context((directory / name).open("w", encoding="utf-8", newline=""))
            writers[name] = csv.DictWriter(handle, fieldnames=SPEC_BY_NAME[name].column_names)
            writers[name].writeheader()
        for name, row in world.rows():
            writers[name].writerow(row)
            counts[name] += 1
    return counts


def default_opportunities(students: int) -> int:
    """Twice the sample's: 10,400 at 100,000 students (about 20,000 sessions), as the sample grows."""
    from exchange.sample import scaled

    return scaled(students, 120, 10_400, minimum=10)


# --- processes ------------------------------------------------------------------------------------


class Processes:
    """Every process this script starts, each in a session of its own so that Ctrl-C reaches only this
    script, which then stops them all (their forked children too: the whole process group)."""

    def __init__(self) -> None:
        self.live: list[subprocess.Popen[bytes]] = []

    def start(
        self, argv: list[str], *, env: dict[str, str], log: Path, stdout: int | None = None
    ) -> subprocess.Popen[bytes]:
        handle = log.open("ab")
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=stdout or handle, stderr=handle, start_new_session=True
        )
        handle.close()
        self.live.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes], *, grace: float = 20) -> None:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        # A worker's pool or an engine's forked child may outlive its leader: the group goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        if process in self.live:
            self.live.remove(process)

    def stop_all(self) -> None:
        for process in reversed(list(self.live)):
            self.stop(process, grace=10)


def _interrupted(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


# --- memory ---------------------------------------------------------------------------------------


@dataclass
class Stage:
    run: str
    name: str
    seconds: float = 0.0
    peak_total: int = 0  # bytes: the largest sum of RSS over this script's process tree
    peak_one: int = 0  # bytes: the largest single process
    peak_one_name: str = ""
    note: str = ""


class TreeMemory:
    """Samples the resident memory of this process and all its descendants every 100 ms."""

    def __init__(self) -> None:
        self.me = psutil.Process()
        self.current: Stage | None = None
        self.overall_total = 0
        self.overall_one = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="tree-memory")

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> None:
        total, one, name = 0, 0, ""
        with contextlib.suppress(psutil.Error):
            processes = [self.me, *self.me.children(recursive=True)]
            for process in processes:
                try:
                    rss = process.memory_info().rss
                    label = " ".join(process.cmdline()[1:4])[:60]
                except psutil.Error:
                    continue
                total += rss
                if rss > one:
                    one, name = rss, label
        stage = self.current
        if stage is not None:
            stage.peak_total = max(stage.peak_total, total)
            if one > stage.peak_one:
                stage.peak_one, stage.peak_one_name = one, name
        self.overall_total = max(self.overall_total, total)
        self.overall_one = max(self.overall_one, one)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.sample()

    @contextlib.contextmanager
    def stage(self, stage: Stage) -> Iterator[Stage]:
        self.current = stage
        started = time.perf_counter()
        try:
            yield stage
        finally:
            stage.seconds = time.perf_counter() - started
            self.sample()
            self.current = None


# --- databases ------------------------------------------------------------------------------------


def database_prepare(url: str) -> bool:
    """Create the database if missing (True), or check that no table of it holds a row (False)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"{url}: the database name must be letters, digits and underscores")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
            return True
    with psycopg.connect(url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        for (table,) in tables:
            if conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:  # type: ignore[index]
                raise SystemExit(
                    f"refusing {name}: table {table} holds data. Give an empty or a new database "
                    f"(this script creates it), or drop it: psql -c 'DROP DATABASE {name}'"
                )
    return False


def database_drop(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- a run ----------------------------------------------------------------------------------------


@dataclass
class Run:
    label: str
    database_url: str
    broker_url: str  # "" for the single-process run
    workers: int
    shards: int
    work: Path
    processes: Processes
    memory: TreeMemory
    env: dict[str, str] = field(default_factory=dict)
    stages: list[Stage] = field(default_factory=list)
    fake_stats: dict[str, Any] = field(default_factory=dict)
    week: str = ""
    pooler: bool = False  # database_url goes through PgBouncer in transaction mode
    relay_every: float = 60.0  # seconds between two relay runs queued, as Celery beat's send-outbox

    def log(self, name: str) -> Path:
        return self.work / f"{self.label}-{name}.log"

    def command(self, stage_name: str, *argv: str, env: dict[str, str] | None = None, timed: bool = True) -> str:
        """Run one command to its end, as one stage; its output, or an error naming the stage and log."""
        stage = Stage(self.label, stage_name)
        log = self.log(stage_name.replace(" ", "-"))
        out = self.work / f"{self.label}-{stage_name.replace(' ', '-')}.out"
        with out.open("wb") as stdout, self.memory.stage(stage):
            process = self.processes.start(list(argv), env=env or self.env, log=log, stdout=stdout.fileno())
            code = process.wait()
            self.processes.live.remove(process)
        if timed:
            self.stages.append(stage)
        text = out.read_text(encoding="utf-8", errors="replace")
        if code != 0:
            tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise RuntimeError(f"{self.label}: {stage_name} exited {code}\n{text[-1000:]}\n{tail}")
        return text

    def manage(self, stage_name: str, *args: str, timed: bool = True) -> str:
        return self.command(stage_name, sys.executable, "manage.py", *args, timed=timed)

    def probe(self, *args: str) -> str:
        return self.command("probe", sys.executable, "bench/round_probe.py", *args, timed=False)


def run_env(database_url: str, broker_url: str, fake_url: str, work: Path) -> dict[str, str]:
    drop = ("DATABASE_URL", "CELERY_BROKER_URL", "SENDGRID_API_KEY", "SENDGRID_API_HOST", "DATABASE_POOLER")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        # Production settings: with DEBUG on, Django keeps every query's text in memory.
        DEBUG="0",
        SECRET_KEY="bench-round-only-not-a-secret-" + "x" * 20,
        ALLOWED_HOSTS="localhost",
        DATABASE_URL=database_url,
        SENDGRID_API_KEY="SG.bench-round",
        SENDGRID_API_HOST=fake_url,
        MAIL_DIR=str(work / "mail"),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    if broker_url:
        env["CELERY_BROKER_URL"] = broker_url
    return env


@contextlib.contextmanager
def fake_sendgrid(processes: Processes, work: Path, label: str) -> Iterator[str]:
    process = processes.start(
        [sys.executable, "tests/fakes/sendgrid_server.py"],
        env=dict(os.environ),
        log=work / f"{label}-fake.log",
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    url = process.stdout.readline().decode().strip()
    if not url.startswith("http://127.0.0.1:"):
        raise RuntimeError(f"the fake SendGrid did not start: {url!r}")
    try:
        yield url
    finally:
        processes.stop(process)


def fake_stats(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/_fake/stats", timeout=30) as response:
        return dict(json.load(response))


def workers_start(run: Run) -> subprocess.Popen[bytes]:
    log = run.log("worker")
    argv = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork",
        f"--concurrency={run.workers}", "-Q", QUEUES, "-n", f"bench-round-{os.getpid()}@%h",
        "--without-gossip", "--without-mingle", "-l", "INFO",
    ]  # fmt: skip
    worker = run.processes.start(argv, env=run.env, log=log)
    deadline = time.monotonic() + 120
    while b" ready." not in log.read_bytes():
        if worker.poll() is not None:
            raise RuntimeError(f"the Celery worker exited {worker.returncode}:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the Celery worker was not ready after 120 s:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    return worker


def broker_purge(broker_url: str) -> None:
    """Drop messages a killed earlier run may have left on this broker's queues (ours alone: db 13)."""
    import redis
    from kombu import Connection

    with Connection(broker_url) as conn:
        channel = conn.channel()
        for queue in QUEUES.split(","):
            with contextlib.suppress(Exception):
                channel.queue_purge(queue)
    # And the messages a killed worker had taken and never acknowledged (kombu keeps them in a hash until
    # the visibility timeout): the wait for the mail (``broker_busy``) counts them.
    client = redis.Redis.from_url(broker_url)
    try:
        client.delete("unacked", "unacked_index", "unacked_mutex")
    finally:
        client.close()


def relay_queue(broker_url: str, count: int) -> None:
    """Queue ``count`` more relay runs on the mail queue, as Celery beat does every minute."""
    from celery import Celery

    app = Celery("bench-round", broker=broker_url)
    for _ in range(count):
        app.send_task("notifications.tasks.outbox_relay", queue="mail")
    app.close()


def broker_busy(broker_url: str) -> int:
    """Messages still on the mail and digests queues, or taken by a worker and not yet acknowledged (tasks
    are acknowledged late: a running task's message stays in kombu's ``unacked`` hash until it ends)."""
    import redis

    client = redis.Redis.from_url(broker_url)
    try:
        keys = [k for queue in ("mail", "digests") for k in client.scan_iter(match=f"{queue}*")]
        waiting = sum(int(client.llen(k)) for k in keys if client.type(k) == b"list")
        return waiting + int(client.hlen("unacked"))
    finally:
        client.close()


def mail_wait(run: Run, timeout: float) -> dict[str, int]:
    """Until the workers have built every digest and relayed every message: the broker holds no mail or
    digest task (queued or running) and the outbox nothing pending or sending."""
    deadline = time.monotonic() + timeout
    while True:
        if not broker_busy(run.broker_url):
            counts: dict[str, int] = json.loads(run.probe("outbox"))
            if not counts.get("pending") and not counts.get("sending"):
                return counts
        if time.monotonic() > deadline:
            raise RuntimeError(f"{run.label}: mail still pending after {timeout:.0f} s")
        time.sleep(0.5)


@contextlib.contextmanager
def relay_beat(broker_url: str, every: float) -> Iterator[None]:
    """Celery beat's ``send-outbox`` entry (config/settings.py: a relay run every 60 s) for the length of
    the distributed run: one relay task on the mail queue now and every ``every`` seconds."""
    stop = threading.Event()

    def beat() -> None:
        while True:
            relay_queue(broker_url, 1)
            if stop.wait(every):
                return

    thread = threading.Thread(target=beat, daemon=True, name="relay-beat")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def pipeline(run: Run, data: Path, *, distributed: bool) -> float:
    """The week's jobs through the public commands; the seconds from import to the last message sent."""
    run.manage("migrate", "migrate", "--noinput", timed=False)
    started = time.perf_counter()
    run.manage("import", "import_data", str(data))
    # The files cannot approve their own companies (companies.selectors: only an approved company's
    # opportunities are published); the organiser does, here in one command, as `approve_companies` says.
    run.manage("approval", "approve_companies", "--all")
    shards = ["--shards", str(run.shards)]
    run.manage("matchmaking", "matchmake", *shards)
    if distributed:
        # As deployed: the command cuts the week into tasks on the digests queue; each worker builds its
        # share and queues the relay after each task, so the relay sends while later tasks still build.
        # The digests are queued before the scheduling round: a digest reads the published lists and what
        # was mailed before, never a booking, and the round reads no digest (only digests count towards
        # the weekly cap), so the workers build and send them while `schedule` runs in its own process;
        # the round queues a relay run when it commits. The single-process run keeps the old order and
        # the comparison shows the same outbox either way.
        run.manage("digests queued", "send_digests")
        run.manage("scheduling", "schedule")
        stage = Stage(run.label, "digests + relay", note=f"{run.workers} worker processes building and relaying")
        with run.memory.stage(stage):
            counts = mail_wait(run, timeout=3600)
        run.stages.append(stage)
    else:
        run.manage("scheduling", "schedule")
        run.manage("digests", "send_digests", "--no-send")
        run.manage("relay", "send_outbox")
        counts = json.loads(run.probe("outbox"))
    run.stages[-1].note = (run.stages[-1].note + "; " if run.stages[-1].note else "") + f"outbox {counts}"
    return time.perf_counter() - started


def worker_tasks(log: Path) -> dict[str, list[float]]:
    """Each task's run time, from the worker's INFO log ("Task NAME[id] succeeded in 12.3s: …")."""
    import re

    found: dict[str, list[float]] = {}
    if log.exists():
        pattern = re.compile(r"Task ([\w.]+)\[[\w-]+\] succeeded in ([\d.]+)s")
        for match in pattern.finditer(log.read_text(encoding="utf-8", errors="replace")):
            found.setdefault(match.group(1), []).append(float(match.group(2)))
    return found


def iso_week() -> str:
    year, week, _ = dt.datetime.now(tz=dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7))).isocalendar()
    return f"{year}-W{week:02d}"


def one_run(run: Run, data: Path, *, distributed: bool) -> float:
    with fake_sendgrid(run.processes, run.work, run.label) as fake_url:
        run.env = run_env(run.database_url, run.broker_url, fake_url, run.work)
        if run.pooler:
            run.env["DATABASE_POOLER"] = "pgbouncer"
        worker = None
        if distributed:
            broker_purge(run.broker_url)
            stage = Stage(run.label, "workers up", note=f"celery worker --concurrency {run.workers} -Q {QUEUES}")
            with run.memory.stage(stage):
                worker = workers_start(run)
            run.stages.append(stage)
        run.week = iso_week()
        try:
            with relay_beat(run.broker_url, run.relay_every) if distributed else contextlib.nullcontext():
                seconds = pipeline(run, data, distributed=distributed)
        finally:
            if worker is not None:
                run.processes.stop(worker, grace=30)
        if iso_week() != run.week:
            run.week += " (the run crossed into another ISO week)"
        run.fake_stats = fake_stats(fake_url)
    run.manage(
        "export recommendations", "export_recommendations", str(run.work / f"{run.label}-recs.jsonl"), timed=False
    )
    run.manage("export bookings", "export_bookings", str(run.work / f"{run.label}-bookings.jsonl"), timed=False)
    run.probe("snapshot", str(run.work / f"{run.label}-snapshot.json"))
    return seconds


# --- the comparison -------------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def compare(a: Run, b: Run) -> tuple[bool, list[str]]:
    lines: list[str] = []
    same = True

    def check(what: str, ok: bool, detail: str) -> None:
        nonlocal same
        same = same and ok
        lines.append(f"  {what:<34} {'same' if ok else 'DIFFERENT'}: {detail}")

    recs = [read_jsonl(r.work / f"{r.label}-recs.jsonl") for r in (a, b)]
    keyed = [
        {
            (x["participant"], x["participant_type"], x["rank"]): (x["opportunity"], tuple(x["reasons"]), x["score"])
            for x in rs
        }
        for rs in recs
    ]
    lists_equal = keyed[0].keys() == keyed[1].keys() and all(keyed[0][k][:2] == keyed[1][k][:2] for k in keyed[0])
    drift = max((abs(keyed[0][k][2] - keyed[1][k][2]) for k in keyed[0] if k in keyed[1]), default=0.0)
    check(
        "recommendations (participants)",
        lists_equal and drift <= SCORE_TOLERANCE,
        f"{len(recs[0]):,} vs {len(recs[1]):,} rows; opportunities, ranks and reasons "
        f"{'identical' if lists_equal else 'differ'}; largest score difference {drift:.2e}",
    )
    snaps = [json.loads((r.work / f"{r.label}-snapshot.json").read_text(encoding="utf-8")) for r in (a, b)]
    opp = [{(o, rank): (p, s) for o, rank, p, s in snap["opportunity_lists"]} for snap in snaps]
    opp_equal = opp[0].keys() == opp[1].keys() and all(opp[0][k][0] == opp[1][k][0] for k in opp[0])
    opp_drift = max((abs(opp[0][k][1] - opp[1][k][1]) for k in opp[0] if k in opp[1]), default=0.0)
    check(
        "recommendations (opportunities)",
        opp_equal and opp_drift <= SCORE_TOLERANCE,
        f"{len(opp[0]):,} vs {len(opp[1]):,} rows; participants and ranks "
        f"{'identical' if opp_equal else 'differ'}; largest score difference {opp_drift:.2e}",
    )
    bookings = [
        Counter(tuple(sorted(x.items())) for x in read_jsonl(r.work / f"{r.label}-bookings.jsonl")) for r in (a, b)
    ]
    by_status = Counter(dict(k)["status"] for k in bookings[0].elements())
    check(
        "bookings",
        bookings[0] == bookings[1],
        f"{sum(bookings[0].values()):,} vs {sum(bookings[1].values()):,} ({dict(sorted(by_status.items()))})",
    )
    check(
        "waitlists (session, rank, who)",
        snaps[0]["waitlists"] == snaps[1]["waitlists"],
        f"{len(snaps[0]['waitlists']):,} vs {len(snaps[1]['waitlists']):,} places",
    )
    outbox_by = Counter((c, s) for _, c, s in snaps[0]["outbox"])
    check(
        "outbox (dedupe key, category, status)",
        snaps[0]["outbox"] == snaps[1]["outbox"],
        f"{len(snaps[0]['outbox']):,} vs {len(snaps[1]['outbox']):,} messages "
        f"({', '.join(f'{c} {s}: {n:,}' for (c, s), n in sorted(outbox_by.items()))})",
    )
    fakes = [r.fake_stats for r in (a, b)]
    check(
        "delivered to the fake SendGrid",
        fakes[0]["distinct_messages"] == fakes[1]["distinct_messages"]
        and all(f["delivered_messages"] == f["distinct_messages"] for f in fakes),
        f"{fakes[0]['distinct_messages']:,} vs {fakes[1]['distinct_messages']:,} messages, none twice "
        f"({fakes[0]['requests']:,} vs {fakes[1]['requests']:,} requests)",
    )
    over = [snap["over_capacity"] for snap in snaps]
    check("seats above capacity", not over[0] and not over[1], f"{len(over[0])} vs {len(over[1])} sessions")
    weeks_ok = a.week == b.week and "crossed" not in a.week + b.week
    check("digest period (ISO week)", weeks_ok, f"{a.week} vs {b.week}")
    return same, lines


# --- main -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes (default 2)")
    parser.add_argument(
        "--shards",
        type=int,
        default=1,
        help="matchmaking shards (default 1: on one machine one shard, whose search forks over the cores, is fastest)",
    )
    parser.add_argument("--opportunities", type=int, default=None, help="default: twice the sample's")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bench_round_a")
    parser.add_argument("--single-database-url", default="postgres://postgres@127.0.0.1:5432/bench_round_b")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument(
        "--pooler-url",
        default="",
        help="the distributed run's DATABASE_URL through PgBouncer "
        "(transaction mode; DATABASE_POOLER=pgbouncer); --database-url is still the one checked",
    )
    parser.add_argument("--no-single", action="store_true", help="skip the single-process run and the comparison")
    parser.add_argument(
        "--relay-every",
        type=float,
        default=60.0,
        help="seconds between relay runs queued during the distributed run (default 60: Celery beat's send-outbox)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases and the work folder")
    args = parser.parse_args(argv)
    if args.students < 1 or args.workers < 1 or args.shards < 1:
        parser.error("--students, --workers and --shards must be at least 1")
    if args.relay_every <= 0:
        parser.error("--relay-every must be a positive number of seconds")
    if not args.database_url.startswith("postgres") or not args.single_database_url.startswith("postgres"):
        parser.error("the round runs on PostgreSQL: give postgres:// URLs")
    if urlsplit(args.database_url).path == urlsplit(args.single_database_url).path:
        parser.error("the two runs need two databases")
    return args


def report_stages(runs: list[Run]) -> None:
    print(f"{'stage':<16}" + "".join(f"{r.label + ' s':>14}{'peak all MB':>13}{'peak one MB':>13}" for r in runs))
    names = list(dict.fromkeys(s.name for r in runs for s in r.stages))
    for name in names:
        row = f"{name:<16}"
        for r in runs:
            stage = next((s for s in r.stages if s.name == name), None)
            if stage is None:
                row += f"{'—':>14}{'':>13}{'':>13}"
            else:
                row += f"{stage.seconds:>14.1f}{stage.peak_total / MB:>13,.0f}{stage.peak_one / MB:>13,.0f}"
        print(row)
    for r in runs:
        for s in r.stages:
            if s.note or s.peak_one_name:
                print(f"  {r.label} {s.name}: largest process `{s.peak_one_name}`" + (f"; {s.note}" if s.note else ""))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # The world generator reads the contract, whose messages are translatable: settings must be there
    # (only for gettext; this process opens no database, the commands below do).
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    signal.signal(signal.SIGTERM, _interrupted)
    print(
        "load average at the start: {:.1f} {:.1f} {:.1f} (of the machine, shared)".format(*os.getloadavg()), flush=True
    )
    processes = Processes()
    work = Path(tempfile.mkdtemp(prefix="caunoi-round-"))
    created: list[str] = []
    try:
        urls = [args.database_url] + ([] if args.no_single else [args.single_database_url])
        for url in urls:
            if database_prepare(url):
                created.append(url)
        with TreeMemory() as memory:
            started = time.perf_counter()
            opportunities = args.opportunities or default_opportunities(args.students)
            counts = world_write(work / "csv", students=args.students, opportunities=opportunities, seed=args.seed)
            size = sum(p.stat().st_size for p in (work / "csv").iterdir()) / 1e6
            print(
                f"world: {', '.join(f'{n} {c:,}' for n, c in counts.items())} ({size:.1f} MB of CSV, "
                f"generated in {time.perf_counter() - started:.1f} s); work folder {work}",
                flush=True,
            )
            shards = args.shards
            distributed = Run(
                "distributed",
                args.pooler_url or args.database_url,
                args.broker_url,
                args.workers,
                shards,
                work,
                processes,
                memory,
            )
            distributed.pooler = bool(args.pooler_url)
            distributed.relay_every = args.relay_every
            seconds = one_run(distributed, work / "csv", distributed=True)
            runs = [distributed]
            print(
                f"distributed run: {seconds:.1f} s end to end ({args.workers} worker processes, {shards} shards)",
                flush=True,
            )
            if not args.no_single:  # its figures now, in case the single-process run is cut short
                report_stages([distributed])
                print(flush=True)
            same: bool | None = None
            if not args.no_single:
                single = Run("single", args.single_database_url, "", 1, 1, work, processes, memory)
                single_seconds = one_run(single, work / "csv", distributed=False)
                runs.append(single)
                print(f"single-process run (the baseline): {single_seconds:.1f} s end to end", flush=True)
        report_stages(runs)
        tasks = worker_tasks(distributed.log("worker"))
        print(
            "worker tasks (s each; the shard that finishes last also publishes the round): "
            + "; ".join(
                f"{name.rsplit('.', 1)[-1]}: {', '.join(f'{t:.1f}' for t in times)}" for name, times in tasks.items()
            )
        )
        total = sum(s.seconds for s in distributed.stages if s.name != "workers up")
        print(f"distributed end to end: {seconds:.1f} s (its stages sum to {total:.1f} s)", end="")
        if not args.no_single:
            print(f"; single process: {single_seconds:.1f} s; ratio single/distributed {single_seconds / seconds:.2f}×")
        else:
            print()
        print(
            f"memory over the whole run: peak sum of RSS {memory.overall_total / MB:,.0f} MB, "
            f"largest single process {memory.overall_one / MB:,.0f} MB"
        )
        if not args.no_single:
            same, lines = compare(distributed, single)
            print("comparison, by external ids:")
            print("\n".join(lines))
        print("load average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
        answer = "not compared" if same is None else "yes" if same else "no"
        print(
            f"round: {args.students} students, {args.workers} workers, {seconds:.1f} s end to end; "
            f"same as single-process: {answer}"
        )
        return 0 if same in (True, None) else 1
    except KeyboardInterrupt:
        print("\ninterrupted: stopping every process this run started", file=sys.stderr)
        return 130
    finally:
        processes.stop_all()
        if not args.keep:
            for url in created:
                with contextlib.suppress(Exception):
                    database_drop(url)
            shutil.rmtree(work, ignore_errors=True)
        elif created:
            print(f"kept: {', '.join(urlsplit(u).path.lstrip('/') for u in created)} and {work}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
