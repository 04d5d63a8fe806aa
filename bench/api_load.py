"""The API under load: gunicorn (4 workers) on PostgreSQL, driven from another process.

    .venv/bin/python bench/api_load.py [--students 2000] [--clients 16] [--browse 2000] [--reads 1000]
        [--contenders 100] [--seats 10] [--confirms 200]
        [--database-url postgres://postgres@127.0.0.1:5432/bench_api] [--pooler-url URL] [--keep]

1. A sample province (``exchange.sample``, as ``seed_demo --csv``) through the public commands:
   ``migrate``, ``import_data``, ``matchmake``, ``schedule`` (proposals to confirm). Then, straight in the
   database (``--setup``, a process of its own): every company approved, a token for each student the
   load needs, and one contested session (``--seats`` seats, an evening after the week, so that nobody
   holds anything at that time) for ``--contenders`` adult students.
2. ``gunicorn config.wsgi --workers 4`` on 127.0.0.1 (DEBUG=0, no broker: booking mail is an outbox row).
3. From this process, threads with their own connections (stdlib http.client, no dependency), bounded
   in count and in time (``--time-limit`` per phase), one phase after another:
   - the baseline: ``GET /api/v1/me/``, the smallest authenticated answer (the stack's floor);
   - browse: ``GET /api/v1/opportunities/`` (pages 1 and 2, ``?kind=`` three kinds) by students;
   - read recommendations: ``GET /api/v1/me/recommendations/``;
   - book under contention: every contender ``POST /api/v1/bookings/ {"session": id}`` at once (a
     barrier releases them together): exactly ``--seats`` must get 201, the rest 409 "full";
   - confirm: ``POST /api/v1/bookings/{id}/confirm/`` on proposals of the scheduling round;
   - cancel: ``POST /api/v1/bookings/{id}/cancel/`` on the contested seats and the confirmed proposals.
4. Per route: requests, requests/s over the phase, p50/p95/p99 latency, errors (a 5xx, a refused
   connection, or a status the route must not answer). Then, in the database: sessions whose held seats
   exceed their capacity (must be 0), checked after the contention and at the end.

Only 127.0.0.1; the database is created (refused if it holds data) and dropped unless ``--keep``;
gunicorn is stopped whatever happens. The load generator shares the machine's cores with gunicorn
and PostgreSQL: the figures are those of one small machine doing all three.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/email.py would hide the standard library's email package: the project root goes first instead.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

import argparse  # noqa: E402
import contextlib  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

from bench.round import Processes, database_drop, database_prepare  # noqa: E402

HOST = "127.0.0.1"


# --- inside the database (run as `api_load.py --setup` / `--check`, with DATABASE_URL) --------------


def setup(contenders: int, seats: int, readers: int, confirms: int) -> dict[str, Any]:
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from companies.models import Company, Opportunity, Session
    from matchmaking.models import Match
    from scheduler.models import Booking
    from students.models import Student

    Company.objects.filter(approved_at__isnull=True).update(approved_at=timezone.now())

    def tokens(students: Sequence[Student]) -> dict[int, str]:
        users = []
        for student in students:
            user = User(username=f"bench-{student.external_id}", role="student", student=student)
            user.set_unusable_password()
            users.append(user)
        made = User.objects.bulk_create(users, ignore_conflicts=True)
        del made
        by_student = dict(User.objects.filter(student__in=students).values_list("student_id", "pk"))
        Token.objects.bulk_create(
            [Token(user_id=u, key=Token.generate_key()) for u in by_student.values()], ignore_conflicts=True
        )
        keys = dict(Token.objects.filter(user_id__in=by_student.values()).values_list("user_id", "key"))
        return {s: keys[u] for s, u in by_student.items()}

    with transaction.atomic():
        # Adults (no guardian's consent needed) who hold nothing on the contested evening.
        adults = list(
            Student.objects.filter(birth_date__lte=timezone.localdate() - dt.timedelta(days=366 * 19)).order_by(
                "external_id"
            )[:contenders]
        )
        if len(adults) < contenders:
            raise SystemExit(f"only {len(adults)} adult students for {contenders} contenders: give more --students")
        opportunity = Opportunity.objects.order_by("pk").first()
        assert opportunity is not None
        last = Session.objects.order_by("-ends_at").first()
        assert last is not None
        day = timezone.localtime(last.ends_at).date() + dt.timedelta(days=1)
        tz = timezone.get_current_timezone()
        session = Session.objects.create(
            external_id="BENCH-CONTESTED",
            opportunity=opportunity,
            starts_at=dt.datetime.combine(day, dt.time(19), tzinfo=tz),
            ends_at=dt.datetime.combine(day, dt.time(21), tzinfo=tz),
            capacity=seats,
        )
        with_recs = list(
            Student.objects.filter(pk__in=Match.objects.filter(student__isnull=False).values("student_id")).order_by(
                "external_id"
            )[:readers]
        )
        proposals = list(
            Booking.objects.filter(status=Booking.Status.PROPOSED, student__isnull=False)
            .order_by("pk")
            .values_list("pk", "student_id")[:confirms]
        )
        proposed_students = list(Student.objects.filter(pk__in=[s for _, s in proposals]))
        keys = tokens(adults + with_recs + proposed_students)
    return {
        "session": session.pk,
        "contenders": [keys[s.pk] for s in adults],
        "readers": [keys[s.pk] for s in with_recs],
        "proposals": [[booking, keys[student]] for booking, student in proposals],
    }


def check(session: int) -> dict[str, Any]:
    from collections import Counter

    from companies.models import Session
    from scheduler.models import Booking

    held: Counter[int] = Counter()
    for session_id, seats in Booking.objects.filter(status__in=Booking.SEAT_HOLDING).values_list("session_id", "seats"):
        held[session_id] += seats
    capacity = dict(Session.objects.filter(pk__in=list(held)).values_list("pk", "capacity"))
    over = [pk for pk, taken in held.items() if taken > capacity[pk]]
    statuses = Counter(Booking.objects.filter(session_id=session).values_list("status", flat=True))
    return {"over_capacity": over, "sessions_with_seats_held": len(held), "contested": dict(statuses)}


# --- the load -------------------------------------------------------------------------------------


@dataclass
class Route:
    name: str
    expected: frozenset[int]
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int, seconds: float, error: str = "") -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if error or status >= 500 or status not in self.expected:
                self.errors.append(error or f"HTTP {status}")


class Client:
    """One connection per thread; gunicorn's sync workers close it after each answer, http.client reopens."""

    local = threading.local()

    def __init__(self, port: int) -> None:
        self.port = port

    def request(self, route: Route, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            self.local.conn = None
            route.record(0, time.perf_counter() - started, f"{type(error).__name__}: {error}")
            return 0, None
        route.record(status, time.perf_counter() - started)
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, None


def phase(
    route: Route,
    jobs: Sequence[Callable[[], object]],
    clients: int,
    time_limit: float,
    on_stop: Callable[[], None] | None = None,
) -> None:
    """Run the jobs on ``clients`` threads; jobs not started within ``time_limit`` seconds are skipped.
    On Ctrl-C (or SIGTERM) no job starts any more, ``on_stop`` releases waiting ones, and it is raised."""
    deadline = time.monotonic() + time_limit
    stop = threading.Event()

    def bounded(job: Callable[[], object]) -> None:
        if time.monotonic() < deadline and not stop.is_set():
            job()

    started = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=clients)
    try:
        list(pool.map(bounded, jobs))
    except BaseException:
        stop.set()
        if on_stop is not None:
            on_stop()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    route.seconds = time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def report(routes: list[Route]) -> None:
    print(f"{'route':<40}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'errors':>7}  statuses")
    for r in routes:
        n = len(r.latencies)
        rate = n / r.seconds if r.seconds else 0.0
        ms = [1000 * x for x in r.latencies]
        print(
            f"{r.name:<40}{n:>9,}{rate:>8.1f}{percentile(ms, 0.5):>8.0f}{percentile(ms, 0.95):>8.0f}"
            f"{percentile(ms, 0.99):>8.0f}{len(r.errors):>7}  {dict(sorted(r.statuses.items()))}"
        )
        for error in sorted(set(r.errors))[:3]:
            print(f"    {error}")


# --- main -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def django_mode(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    if argv[0] == "--setup":
        contenders, seats, readers, confirms = map(int, argv[1:5])
        print(json.dumps(setup(contenders, seats, readers, confirms)))
    else:
        print(json.dumps(check(int(argv[1]))))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("--setup", "--check"):
        return django_mode(argv)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients for the read phases")
    parser.add_argument("--browse", type=int, default=2000, help="catalogue requests")
    parser.add_argument("--reads", type=int, default=1000, help="recommendation requests")
    parser.add_argument("--contenders", type=int, default=100)
    parser.add_argument("--seats", type=int, default=10)
    parser.add_argument("--confirms", type=int, default=200)
    parser.add_argument("--time-limit", type=float, default=120, help="seconds per phase at most")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bench_api")
    parser.add_argument(
        "--pooler-url",
        default="",
        help="the same database through PgBouncer in transaction mode: every command and gunicorn use it "
        "(DATABASE_POOLER=pgbouncer); --database-url is still the one created, checked and dropped",
    )
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgres"):
        parser.error("give a postgres:// URL")
    if not 1 <= args.seats < args.contenders:
        parser.error("--seats must be at least 1 and fewer than --contenders")

    signal.signal(signal.SIGTERM, lambda signum, frame: (_ for _ in ()).throw(KeyboardInterrupt()))
    processes = Processes()
    work = Path(tempfile.mkdtemp(prefix="caunoi-api-"))
    created = False
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "SENDGRID_API_KEY")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY="bench-api-only-not-a-secret-" + "x" * 20,
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=args.pooler_url or args.database_url,
        MAIL_DIR=str(work / "mail"),
        LOG_LEVEL="WARNING",
    )
    if args.pooler_url:
        env["DATABASE_POOLER"] = "pgbouncer"

    def run(name: str, *command: str) -> str:
        log = work / f"{name}.log"
        with (work / f"{name}.out").open("wb") as out:
            process = processes.start(list(command), env=env, log=log, stdout=out.fileno())
            code = process.wait()
            processes.live.remove(process)
        text = (work / f"{name}.out").read_text()
        if code:
            raise RuntimeError(f"{name} exited {code}: {text[-1000:]}\n{log.read_text()[-3000:]}")
        return text

    try:
        created = database_prepare(args.database_url)
        from exchange.sample import write_world

        started = time.perf_counter()
        counts = write_world(work / "csv", students=args.students)
        python = sys.executable
        run("migrate", python, "manage.py", "migrate", "--noinput")
        run("import", python, "manage.py", "import_data", str(work / "csv"))
        run("matchmake", python, "manage.py", "matchmake")
        run("schedule", python, "manage.py", "schedule")
        given = [str(args.contenders), str(args.seats), str(max(args.clients, 200)), str(args.confirms)]
        world = json.loads(run("setup", python, "bench/api_load.py", "--setup", *given))
        print(
            f"world: {counts['students.csv']:,} students, {counts['opportunities.csv']:,} opportunities, "
            f"{counts['sessions.csv']:,} sessions; set up in {time.perf_counter() - started:.1f} s "
            f"(import, matchmake, schedule); {len(world['readers'])} readers, {len(world['proposals'])} "
            f"proposals to confirm, {len(world['contenders'])} contenders for {args.seats} seats"
        )

        port = free_port()
        gunicorn = processes.start(
            [python, "-m", "gunicorn", "config.wsgi", "--workers", "4", "--bind", f"{HOST}:{port}",
             "--timeout", "60", "--log-level", "warning"],
            env=env, log=work / "gunicorn.log",
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                socket.create_connection((HOST, port), timeout=1).close()
                break
            if gunicorn.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start: {(work / 'gunicorn.log').read_text()[-2000:]}")
            time.sleep(0.2)
        client = Client(port)
        readers, clients = world["readers"], args.clients
        # Warm every worker up (imports, the URLconf, a database connection): not counted.
        warm = Route("warm-up", frozenset({200}))
        phase(warm, [lambda t=t: client.request(warm, "GET", "/api/v1/opportunities/", t) for t in readers[:16]], 4, 60)

        # The baseline, in the same run: the smallest authenticated answer (token, user, one row), the
        # floor that gunicorn, Django and DRF put under every route on this machine.
        floor = Route("GET /api/v1/me/ (baseline)", frozenset({200}))
        phase(
            floor,
            [
                lambda i=i: client.request(floor, "GET", "/api/v1/me/", readers[i % len(readers)])
                for i in range(args.reads)
            ],
            clients,
            args.time_limit,
        )
        browse = Route("GET /api/v1/opportunities/", frozenset({200}))
        paths = [
            "/api/v1/opportunities/",
            "/api/v1/opportunities/?page=2",
            "/api/v1/opportunities/?kind=visit",
            "/api/v1/opportunities/?kind=internship",
            "/api/v1/opportunities/?kind=workshop",
        ]  # fmt: skip
        phase(
            browse,
            [
                lambda i=i: client.request(browse, "GET", paths[i % len(paths)], readers[i % len(readers)])
                for i in range(args.browse)
            ],  # fmt: skip
            clients,
            args.time_limit,
        )
        recs = Route("GET /api/v1/me/recommendations/", frozenset({200}))
        phase(
            recs,
            [
                lambda i=i: client.request(recs, "GET", "/api/v1/me/recommendations/", readers[i % len(readers)])
                for i in range(args.reads)
            ],  # fmt: skip
            clients,
            args.time_limit,
        )

        book = Route("POST /api/v1/bookings/ (contended)", frozenset({201, 409}))
        gate = threading.Barrier(len(world["contenders"]))
        won: list[tuple[int, str]] = []

        def contend(token: str) -> None:
            try:
                gate.wait(timeout=60)
            except threading.BrokenBarrierError:
                return  # stopped, or a contender never came: nobody books
            status, body = client.request(book, "POST", "/api/v1/bookings/", token, {"session": world["session"]})
            if status == 201:
                won.append((body["id"], token))

        phase(
            book,
            [lambda t=t: contend(t) for t in world["contenders"]],
            len(world["contenders"]),
            args.time_limit,
            on_stop=gate.abort,
        )
        after_booking = json.loads(run("check-1", python, "bench/api_load.py", "--check", str(world["session"])))

        confirm = Route("POST /api/v1/bookings/{id}/confirm/", frozenset({200}))
        phase(
            confirm,
            [
                lambda b=b, t=t: client.request(confirm, "POST", f"/api/v1/bookings/{b}/confirm/", t)
                for b, t in world["proposals"]
            ],  # fmt: skip
            clients,
            args.time_limit,
        )
        cancel = Route("POST /api/v1/bookings/{id}/cancel/", frozenset({200}))
        phase(
            cancel,
            [
                lambda b=b, t=t: client.request(cancel, "POST", f"/api/v1/bookings/{b}/cancel/", t)
                for b, t in won + [tuple(p) for p in world["proposals"]]
            ],  # fmt: skip
            clients,
            args.time_limit,
        )
        at_end = json.loads(run("check-2", python, "bench/api_load.py", "--check", str(world["session"])))
        processes.stop(gunicorn, grace=20)

        pooled = " through PgBouncer (transaction mode)" if args.pooler_url else ""
        routes = [floor, browse, recs, book, confirm, cancel]
        print(
            f"gunicorn --workers 4 on 127.0.0.1, PostgreSQL{pooled}; {clients} clients for reads and confirms/cancels, "
            f"{len(world['contenders'])} at once for the contended booking"
        )
        report(routes)
        errors = sum(len(r.errors) for r in routes)
        contested = after_booking["contested"]
        print(
            f"contention: {len(won)} of {len(world['contenders'])} got a seat of {args.seats} "
            f"({book.statuses.get(409, 0)} refused 409); in the database after it: {contested}"
        )
        over = len(after_booking["over_capacity"]) + len(at_end["over_capacity"])
        print(
            f"seats above capacity, checked in the database: {len(after_booking['over_capacity'])} sessions after "
            f"the contention, {len(at_end['over_capacity'])} at the end (of {at_end['sessions_with_seats_held']:,} "
            f"sessions with seats held)"
        )
        ok = errors == 0 and over == 0 and len(won) == args.seats and contested.get("confirmed", 0) == args.seats
        print(
            f"api load: {errors} errors, {over} sessions above capacity, {len(won)} seats won of {args.seats}: "
            f"{'ok' if ok else 'FAILED'}"
        )
        return 0 if ok else 1
    except KeyboardInterrupt:
        print("\ninterrupted: stopping gunicorn", file=sys.stderr)
        return 130
    finally:
        processes.stop_all()
        if created and not args.keep:
            with contextlib.suppress(Exception):
                database_drop(args.database_url)
        if args.keep:
            print(f"kept: {urlsplit(args.database_url).path.lstrip('/')} and {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
