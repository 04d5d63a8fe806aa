"""Helpers for the operations tests: a clean environment for subprocesses, a migrated SQLite file that
served processes share, and gunicorn started on a free localhost port."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..ports import free_port

ROOT = Path(__file__).resolve().parents[2]
# Variables that choose a configuration: a subprocess gets only the ones a test gives it.
CONFIGURING = (
    "DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "CACHE_URL", "LOG_FORMAT", "LOG_LEVEL", "ACCESS_LOG",
    "SECRET_KEY", "ALLOWED_HOSTS", "STATIC_ROOT", "SECURE_SSL_REDIRECT", "TRUST_X_FORWARDED_PROTO",
    "SENDGRID_API_KEY", "DJANGO_SETTINGS_MODULE",
    # Set by the browser tests for their own process (tests/web/conftest.py): never for a server we start.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3Yq9-not-a-real-secret-but-long-and-random-enough-1f8c0a7e2d",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,caunoi.example.vn",
}


# Tests that start their own processes with their own configuration do not depend on the suite's database:
# they run in the first suite of `make test` (SQLite) and are not repeated in the PostgreSQL one.
once_per_run = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="configures its own processes: runs in the SQLite suite of make test",
)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CONFIGURING}
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONUNBUFFERED": "1", **extra}


def manage(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every migration applied, made once; tests copy it."""
    path = tmp_path_factory.mktemp("migrated") / "db.sqlite3"
    result = manage("migrate", "-v0", env=clean_env(DATABASE_URL=f"sqlite:///{path}"))
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def sqlite_copy(migrated_sqlite: Path, tmp_path: Path) -> Path:
    path = tmp_path / "db.sqlite3"
    shutil.copy(migrated_sqlite, path)
    return path


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


def http(url: str, *, data: object = None, headers: dict[str, str] | None = None, timeout: float = 30) -> Answer:
    """One request, no redirects followed, any status returned (never raised)."""
    body = None if data is None else json.dumps(data).encode()
    request = urllib.request.Request(url, data=body, headers={**(headers or {})})
    if body is not None:
        request.add_header("Content-Type", "application/json")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read())


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()

    def served_by(self, path: str) -> set[int]:
        """The processes whose access lines (JSON) name ``path``."""
        records = (json.loads(line) for line in self.log_lines() if line.startswith("{"))
        return {r["process"] for r in records if r.get("path") == path}



@contextmanager
def gunicorn(env: dict[str, str], *, workers: int, log: Path, max_requests: int = 0) -> Iterator[Server]:
    """gunicorn serving the project; with ``max_requests``, each worker process is replaced after that many
    requests (so a run of requests is served by several processes, whichever worker the kernel wakes)."""
    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", str(workers), "--bind",
             f"127.0.0.1:{port}", "--timeout", "60", "--max-requests", str(max_requests)],
            cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise AssertionError(f"gunicorn exited {process.returncode}:\n{log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"gunicorn did not listen within 90 s:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait(timeout=10)
