"""The fault tests' own PostgreSQL and Redis, which they kill and restart, and real Celery workers on them.

The shared PostgreSQL and Redis of the machine (and of CI) are never touched: a session starts a private
``redis-server`` and a private PostgreSQL cluster (``initdb`` in a temporary directory) on free ports,
migrates a database in it once, and stops both at the end, even after a failure. Each test then points
this process (Django's default connection, the Celery app's broker, the cache) and the workers it starts
at them, and gives everything back afterwards.

PostgreSQL refuses to run as root: run as root, its commands run as the ``postgres`` user (``runuser``).
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from celery import current_app
from django.core.management import call_command
from django.db import connections

from tests.fakes.sendgrid_server import FakeSendGrid
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
# Variables that configure a Django process: a subprocess gets only the ones a test gives it.
CONFIGURING = ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "SENDGRID_API_KEY", "DJANGO_SETTINGS_MODULE",
               "DJANGO_ALLOW_ASYNC_UNSAFE")  # fmt: skip


def wait_for(condition: Callable[[], object], what: str, timeout: float = 30) -> None:
    """Poll until ``condition()`` is true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def unavailable(reason: str) -> None:
    """Skip, unless CI asked for every service (REQUIRE_SERVICES=1): then it is a failure."""
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"fault tests cannot run: {reason}")
    pytest.skip(reason)


# --- Redis --------------------------------------------------------------------------------------------


@dataclass
class PrivateRedis:
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--daemonize", "no"],
                stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        wait_for(lambda: listening(self.port), f"redis-server on port {self.port}", timeout=20)

    def crash(self) -> None:
        """SIGKILL, as a crash or an OOM kill: nothing is saved (no persistence either), queued tasks are gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        wait_for(lambda: not listening(self.port), "redis-server to stop listening", timeout=10)

    @property
    def up(self) -> bool:
        return self.process is not None and self.process.poll() is None


@pytest.fixture(scope="session")
def private_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    redis = PrivateRedis(free_port(), tmp_path_factory.mktemp("redis") / "redis.log")
    redis.start()
    try:
        yield redis
    finally:
        redis.crash()


# --- PostgreSQL ---------------------------------------------------------------------------------------


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    if found:
        return Path(found[-1])
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class PrivatePostgres:
    bin: Path
    root: Path  # owned by the user the server runs as
    port: int
    dbname: str = "caunoi_fault"
    _as_postgres: list[str] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.dbname}"

    def run(self, *args: str, timeout: float = 60) -> None:
        command = [*self._as_postgres, str(self.bin / args[0]), *args[1:]]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}{result.stderr}")

    def initdb(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--locale=C.UTF-8", "--no-sync")  # fmt: skip

    def start(self) -> None:
        # fsync off: a disposable cluster; the restart tests are about connections, not the disk.
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """``fast``: every session is terminated and its open transaction rolled back, as in a restart
        by an operator or a failover; ``immediate``: a crash (recovery from the WAL at the next start)."""
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    @property
    def up(self) -> bool:
        return (self.data / "postmaster.pid").exists() and listening(self.port)

    def copy_schema_of(self, suite_db: dict[str, Any]) -> None:
        """The suite's test database, migrated by pytest-django, copied in with pg_dump (a second or two,
        where ``migrate`` takes ten): the same migrations, applied once. Its rows go too; every test
        flushes them."""
        host, port = suite_db["HOST"] or "127.0.0.1", str(suite_db["PORT"] or 5432)
        source = [str(self.bin / "pg_dump"), "--no-owner", "--no-privileges", "-h", host, "-p", port,
                  "-U", suite_db["USER"] or "postgres", suite_db["NAME"]]  # fmt: skip
        target = [str(self.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
                  "-U", "postgres", "-d", self.dbname]  # fmt: skip
        env = {**os.environ, "PGPASSWORD": suite_db["PASSWORD"] or ""}
        dump = subprocess.Popen(source, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        load = subprocess.run(target, stdin=dump.stdout, capture_output=True, text=True, timeout=120)
        assert dump.stdout is not None
        dump.stdout.close()
        dumped = dump.wait(timeout=120)
        assert dumped == 0 and load.returncode == 0, f"{dump.stderr.read() if dump.stderr else ''}{load.stderr}"

    def connect(self, dbname: str | None = None) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=dbname or self.dbname, autocommit=True
        )


@pytest.fixture(scope="session")
def private_postgres(django_db_setup: None) -> Iterator[PrivatePostgres]:
    pg_bin = _pg_bin()
    if pg_bin is None or not (pg_bin / "pg_ctl").exists():
        unavailable("PostgreSQL's initdb and pg_ctl are not installed")
    assert pg_bin is not None
    as_postgres: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="caunoi-fault-pg-"))
    if os.geteuid() == 0:  # PostgreSQL will not run as root: the cluster belongs to the postgres user
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root)
            unavailable("running as root and there is no postgres user to run PostgreSQL as")
        shutil.chown(root, user="postgres", group="postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    pg = PrivatePostgres(pg_bin, root, free_port(), _as_postgres=as_postgres)
    try:
        pg.initdb()
        pg.start()
        with pg.connect("postgres") as admin:
            admin.execute(f"CREATE DATABASE {pg.dbname}")
        pg.copy_schema_of(connections["default"].settings_dict)
        yield pg
    finally:
        if (pg.data / "postmaster.pid").exists():
            pg.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


# --- The stack a test runs on -------------------------------------------------------------------------


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CONFIGURING}
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONUNBUFFERED": "1", **extra}


@dataclass
class Stack:
    pg: PrivatePostgres
    redis: PrivateRedis
    sendgrid: FakeSendGrid
    logs: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_worker(self, *, pool: str = "solo", visibility_timeout: int = 4) -> subprocess.Popen[bytes]:
        """``celery -A config worker`` on every queue of the project, on the private database and broker."""
        env = clean_env(
            DJANGO_SETTINGS_MODULE="tests.faults.worker_settings",
            DATABASE_URL=self.pg.url(),
            CELERY_BROKER_URL=self.redis.url(),
            CACHE_URL=self.redis.url(1),
            SENDGRID_API_KEY="SG.fake-key-for-tests",
            SENDGRID_API_HOST=self.sendgrid.url,
            SENDGRID_TIMEOUT="2",
            FAULT_VISIBILITY_TIMEOUT=str(visibility_timeout),
        )
        n = len(self.workers)
        pool_options = ["--pool=solo"] if pool == "solo" else ["--pool=prefork", "--concurrency=1"]
        with (self.logs / f"worker-{n}.log").open("wb") as sink:
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", *pool_options,
                 "-Q", "celery,matchmaking,scheduling,mail,digests", "-n", f"fault-{n}@%h",
                 "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
                cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        self.workers.append(worker)
        return worker

    def worker_log(self, n: int) -> str:
        return (self.logs / f"worker-{n}.log").read_text(errors="replace")

    def kill_worker(self, worker: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker and everything it started: no shutdown, no acknowledgement, no clean-up."""
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

    def kill_pool_process(self, pid: int) -> None:
        """SIGKILL one pool process of a prefork worker (as the kernel's OOM killer would)."""
        os.kill(pid, signal.SIGKILL)

    def sessions_waiting_on_a_lock(self) -> int:
        with self.pg.connect() as c:
            row = c.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                [self.pg.dbname],
            ).fetchone()
        return int(row[0]) if row else 0


def pool_children(worker: subprocess.Popen[bytes]) -> list[int]:
    """The pool processes a prefork worker forked (Linux /proc)."""
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def _bind_broker(url: str) -> None:
    """Send this process's tasks to ``url`` from now on. The project's Celery app keeps the connection
    and producer pools of the first broker it published to (``app.amqp`` caches its producer pool, and
    ``app.close()`` does not drop it): both are dropped, so the next task connects anew."""
    current_app.conf.broker_url = url
    current_app._pool = None
    current_app.amqp._producer_pool = None


@pytest.fixture
def stack(
    private_postgres: PrivatePostgres,
    private_redis: PrivateRedis,
    django_db_blocker: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[Stack]:
    """This process pointed at the private services; workers started through it are killed afterwards."""
    if not private_redis.up:  # a test that failed half-way through a restart
        private_redis.start()
    if not private_postgres.up:
        private_postgres.start()
    sendgrid = FakeSendGrid().start()
    settings.SENDGRID_API_KEY = "SG.fake-key-for-tests"
    settings.SENDGRID_API_HOST = sendgrid.url
    settings.SENDGRID_TIMEOUT = 2
    settings.CELERY_BROKER_URL = private_redis.url()
    # As in production (compose.yaml), the cache that throttles count in lives in the same Redis.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": private_redis.url(1)}
    }
    broker = current_app.conf.broker_url
    # Celery reads the broker from the environment before its configuration (celery.app.utils.Settings).
    monkeypatch.setenv("CELERY_BROKER_URL", private_redis.url())
    _bind_broker(private_redis.url())
    stack = Stack(private_postgres, private_redis, sendgrid, tmp_path)
    connection = connections["default"]
    saved = dict(connection.settings_dict)
    with django_db_blocker.unblock():
        connections.close_all()
        pg = private_postgres
        connection.settings_dict.update(
            NAME=pg.dbname, USER="postgres", PASSWORD="", HOST="127.0.0.1", PORT=str(pg.port)
        )
        call_command("flush", interactive=False, verbosity=0)
        try:
            yield stack
        finally:
            for worker in stack.workers:
                if worker.poll() is None:
                    stack.kill_worker(worker)
            connections.close_all()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)
            sendgrid.stop()
            monkeypatch.undo()
            _bind_broker(broker)
