"""`make test`: the whole suite on SQLite and, whenever PostgreSQL and Redis are reachable, again on
PostgreSQL with tasks through a real Celery worker on Redis. Prints which suites ran; exits non-zero if
any failed.

The two suites run side by side, each in its own pytest process: a suite spends much of its time waiting
(on browsers, servers, subprocesses and the database), which the other fills. Each one's output goes to
var/suites/<suite>/pytest.log while it runs; its progress lines (a test file's dots and the percentage
done, an F where a test failed) are printed as they come, each after the suite's name, and each log is
printed whole once both have finished, the SQLite suite's first, then the summary. Nothing the two
share can collide: each suite has its own VAR_DIR (var/suites/<suite>/: the file cache, mail,
screenshots), its own pytest cache (so `tests/run_suites.py --lf` reruns each suite's own failures), and
its own range of ports for the servers tests start themselves (tests/ports.py); its databases differ
(SQLite in memory; PostgreSQL's test database and Redis database 15), and the fault tests' private
PostgreSQL and Redis run in the second suite only.

REQUIRE_SERVICES=1 (set by CI) turns "PostgreSQL or Redis unreachable" into a failure instead of a skip.
Extra arguments go to pytest, in both suites (e.g. `tests/run_suites.py -k import`).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BROKER_URL = os.environ.get("TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
SUITES_DIR = ROOT / "var" / "suites"
# A line of pytest's progress ("tests/api/test_auth.py ....  [  3%]", or a test's line under -v),
# recognised with any colour codes taken out.
PROGRESS = re.compile(r"\[\s*\d+%\]\s*$")
COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@dataclass
class Suite:
    name: str
    slug: str  # its directory under var/suites/
    env: dict[str, str]
    ports: str  # TEST_PORT_RANGE: below the kernel's ephemeral ports (32768 and up), none shared

    @property
    def folder(self) -> Path:
        return SUITES_DIR / self.slug

    @property
    def log(self) -> Path:
        return self.folder / "pytest.log"

    def start(self, args: list[str]) -> subprocess.Popen[bytes]:
        self.folder.mkdir(parents=True, exist_ok=True)
        env = {**self.env, "VAR_DIR": str(self.folder), "TEST_PORT_RANGE": self.ports, "PYTHONUNBUFFERED": "1",
               "COLUMNS": str(shutil.get_terminal_size().columns)}
        options = ["-o", f"cache_dir={self.folder / 'pytest-cache'}"]
        if sys.stdout.isatty() and not any(arg.startswith("--color") for arg in args):
            options.append("--color=yes")  # as pytest would colour it on this terminal
        command = [sys.executable, "-m", "pytest", *options, *own_basetemp(args, self.slug)]
        with self.log.open("wb") as sink:
            return subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)

    def progress(self, tail: Tail) -> None:
        """Print the progress lines the suite wrote since the last call, each after the suite's name."""
        for line in tail.new_lines():
            text = line.decode(errors="replace").rstrip()
            if PROGRESS.search(COLOUR.sub("", text)):
                print(f"{self.slug:>10} | {text}", flush=True)

    def print_log(self) -> None:
        print(f"\n=== suite: {self.name} ===", flush=True)
        with self.log.open("rb") as log:
            shutil.copyfileobj(log, sys.stdout.buffer)
        sys.stdout.buffer.flush()


class Tail:
    """What a growing file gained since the last look, in whole lines (a line still being written waits)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.partial = b""

    def new_lines(self) -> list[bytes]:
        try:
            with self.path.open("rb") as file:
                file.seek(self.offset)
                chunk = file.read()
        except FileNotFoundError:
            return []
        self.offset += len(chunk)
        *lines, self.partial = (self.partial + chunk).split(b"\n")
        return lines


def own_basetemp(args: list[str], slug: str) -> list[str]:
    """pytest empties --basetemp when it starts: a --basetemp given here gets a subdirectory per suite."""
    out = list(args)
    for i, arg in enumerate(out):
        if arg == "--basetemp" and i + 1 < len(out):
            out[i + 1] = str(Path(out[i + 1]) / slug)
        elif arg.startswith("--basetemp="):
            out[i] = f"--basetemp={Path(arg.split('=', 1)[1]) / slug}"
    return out


def main() -> int:
    args = sys.argv[1:]
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "VAR_DIR")}
    suites = [Suite("sqlite (Celery eager)", "sqlite", base, "12000-21999")]
    results: dict[str, int] = {}

    services = {"PostgreSQL": reachable("127.0.0.1", 5432), "Redis": reachable("127.0.0.1", 6379)}
    if all(services.values()):
        env = {**base, "DATABASE_URL": PG_URL, "CELERY_BROKER_URL": BROKER_URL}
        suites.append(Suite("postgresql + redis (real Celery worker)", "postgresql", env, "22000-31999"))
    missing = ", ".join(name for name, up in services.items() if not up)

    print("running side by side (progress lines as they come; each suite's output printed whole when both have "
          "finished):" if len(suites) > 1 else "running:", flush=True)
    for suite in suites:
        print(f"  {suite.name}: {suite.log.relative_to(ROOT)}", flush=True)
    started = time.monotonic()
    processes = [(suite, suite.start(args)) for suite in suites]
    tails = {suite.name: Tail(suite.log) for suite in suites}
    ended: set[str] = set()
    try:
        while len(ended) < len(processes):
            time.sleep(0.5)
            for suite, process in processes:
                if suite.name in ended:
                    continue
                done = process.poll() is not None  # asked before reading: nothing written is left unread
                suite.progress(tails[suite.name])
                if done:  # a line as each ends
                    ended.add(suite.name)
                    print(f"  {suite.name}: finished after {time.monotonic() - started:.0f} s", flush=True)
    except KeyboardInterrupt:  # Ctrl-C reached the suites too (same process group): let them stop
        for _, process in processes:
            process.wait()
        raise
    for suite, process in processes:
        results[suite.name] = process.returncode
        suite.print_log()

    if missing:
        print(f"\n=== suite: postgresql + redis: SKIPPED ({missing} not reachable on 127.0.0.1) ===")
        if os.environ.get("REQUIRE_SERVICES") == "1":
            results["postgresql + redis"] = 1

    print("\n=== summary ===")
    for name, code in results.items():
        print(f"{name}: {'passed' if code == 0 else f'FAILED (exit {code})'}")
    return 0 if all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
