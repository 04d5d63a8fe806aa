"""Throughput of the email path: N weekly digests queued, then relayed to a local fake SendGrid.

    .venv/bin/python bench/email.py                       # 100,000 digests, SQLite in a temporary file
    .venv/bin/python bench/email.py --messages 10000
    .venv/bin/python bench/email.py --database-url postgres://postgres@127.0.0.1:5432/postgres

With PostgreSQL a scratch database ``caunoi_bench_email`` is created next to the one in the URL and
dropped afterwards. The fake SendGrid runs in its own process (tests/fakes/sendgrid_server.py), so its
JSON parsing is not counted against the relay. Prints: digests queued per second, messages relayed per
second, HTTP requests used, peak memory (RSS of this process while relaying, sampled every 50 ms).
Run by hand; never from the tests.
"""

from __future__ import annotations

import os
import sys

# This file is named email.py: drop its own directory from the path, or it would shadow the standard
# library's email package for everything imported below (http.client, Django's mail, …).
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
ROOT = os.path.dirname(_HERE)
sys.path.insert(0, ROOT)

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402

import psutil  # noqa: E402

OPPORTUNITIES = 60
MATCHES_PER_STUDENT = 3
ROUND = 10_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=100_000, help="digests to queue and send")
    parser.add_argument("--database-url", default="", help="PostgreSQL server to use instead of SQLite")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL scratch database")
    return parser.parse_args()


@contextmanager
def fake_sendgrid() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "tests", "fakes", "sendgrid_server.py")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def scratch_postgres(url: str, *, keep: bool) -> Iterator[str]:
    import psycopg

    parts = urlsplit(url)
    name = "caunoi_bench_email"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name}")


class PeakRss:
    """The largest resident set size of this process seen while the block runs."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._process = psutil.Process()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            self._stop.wait(0.05)

    def __enter__(self) -> PeakRss:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


def populate(n: int) -> None:
    from companies.models import Company, Opportunity
    from matchmaking.models import Match
    from students.models import School, Student

    school = School.objects.create(
        external_id="B-SCH",
        name="Trường bench",
        level="university",
        province="ha-noi",
        contact_email="school@bench.example.vn",
    )
    company = Company.objects.create(
        external_id="B-CO",
        name="Công ty Phần mềm Sông Hồng",
        province="ha-noi",
        contact_email="hr@bench.example.vn",
    )
    opportunities = Opportunity.objects.bulk_create(
        Opportunity(
            external_id=f"B-O{i}",
            company=company,
            kind="internship",
            province="ha-noi",
            title=f"Thực tập phát triển phần mềm và trí tuệ nhân tạo số {i}",
            description="Thực tập phát triển phần mềm.",
        )
        for i in range(OPPORTUNITIES)
    )
    step = 5000
    for start in range(0, n, step):
        students = Student.objects.bulk_create(
            Student(
                external_id=f"B-S{i}",
                school=school,
                full_name=f"Nguyễn Văn Bench {i}",
                email=f"s{i}@bench.example.vn",
                birth_date=dt.date(2000, 1, 1),
                level="university",
                province="ha-noi",
                languages=["en" if i % 3 == 0 else "vi"],
                email_opt_in=True,
            )
            for i in range(start, min(n, start + step))
        )
        Match.objects.bulk_create(
            Match(
                student=s,
                opportunity=opportunities[(s.pk * 7 + r) % OPPORTUNITIES],
                score=0.9 - r / 10,
                rank=r + 1,
                model_version="bench",
                reasons=["Cùng chủ đề: trí tuệ nhân tạo", "Cùng tỉnh: Hà Nội"],
            )
            for s in students
            for r in range(MATCHES_PER_STUDENT)
        )


def main() -> None:
    args = parse_args()
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["SENDGRID_API_KEY"] = "SG.bench"
    # Production settings: with DEBUG on, Django keeps the text of the last 9,000 queries in memory.
    os.environ.update(DEBUG="0", SECRET_KEY="bench-only", ALLOWED_HOSTS="localhost")
    os.environ.pop("DATABASE_URL", None)
    with tempfile.TemporaryDirectory() as tmp, fake_sendgrid() as fake_url:
        os.environ["SENDGRID_API_HOST"] = fake_url
        if args.database_url:
            with scratch_postgres(args.database_url, keep=args.keep) as url:
                os.environ["DATABASE_URL"] = url
                run(args.messages, "PostgreSQL", fake_url)
        else:
            from django.conf import settings

            # Before any connection exists: a scratch SQLite file with the project's options.
            settings.DATABASES["default"]["NAME"] = os.path.join(tmp, "bench.sqlite3")
            run(args.messages, "SQLite (WAL, IMMEDIATE)", fake_url)


def run(n: int, database: str, fake_url: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import get_resolver

    from matchmaking.digests import digests_send
    from notifications.models import OutboxMessage
    from notifications.services import outbox_relay

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    populate(n)
    setup_s = time.perf_counter() - started

    started = time.perf_counter()
    digests = digests_send()
    digests_s = time.perf_counter() - started

    # The first reverse() imports the whole URLconf (the API, and the matchmaking engine behind it): a
    # once-per-process cost that a web or worker process has paid already, so it is not counted here.
    get_resolver().url_patterns  # noqa: B018
    rss_before = psutil.Process().memory_info().rss
    rounds: list[float] = []  # messages/s of each round of 10,000, to see that it does not slow down
    sent_total = requests = 0
    with PeakRss() as peak:
        started = time.perf_counter()
        while True:
            round_started = time.perf_counter()
            relay = outbox_relay(limit=ROUND)
            if not relay.sent:
                break
            rounds.append(relay.sent / (time.perf_counter() - round_started))
            sent_total += relay.sent
            requests += relay.requests
        relay_s = time.perf_counter() - started
    with urllib.request.urlopen(f"{fake_url}/_fake/stats") as response:
        fake = json.load(response)
    sent = OutboxMessage.objects.filter(status="sent").count()

    mb = 1024 * 1024
    print(f"database: {database}; {n:,} students with {MATCHES_PER_STUDENT} matches each")
    print(f"set-up (students and matches, bulk inserts): {setup_s:.1f} s")
    print(
        f"digests queued: {digests.enqueued:,} in {digests_s:.1f} s = {digests.enqueued / digests_s:,.0f}/s"
    )
    print(
        f"relayed: {sent_total:,} sent ({sent:,} rows marked sent) in {relay_s:.1f} s "
        f"= {sent_total / relay_s:,.0f} messages/s "
        f"(rounds of {ROUND:,}: {min(rounds):,.0f}–{max(rounds):,.0f}/s)"
    )
    print(
        f"HTTP requests: {requests:,} made, {fake['requests']:,} received by the fake, "
        f"{fake['delivered_messages']:,} messages delivered, {fake['distinct_messages']:,} distinct, "
        f"at most {fake['max_personalizations']} personalizations per request"
    )
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
    print(
        f"memory: RSS {rss_before / mb:,.0f} MB before relaying, peak {peak.peak / mb:,.0f} MB while "
        f"relaying; process max RSS {max_rss / mb:,.0f} MB"
    )


if __name__ == "__main__":
    main()
