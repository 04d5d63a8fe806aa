"""`make test`: the whole suite on SQLite, then again on PostgreSQL with tasks through a real Celery
worker on Redis, whenever those two are reachable. Prints which suites ran; exits non-zero if any failed.

REQUIRE_SERVICES=1 (set by CI) turns "PostgreSQL or Redis unreachable" into a failure instead of a skip.
Extra arguments go to pytest (e.g. `tests/run_suites.py -k import`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BROKER_URL = os.environ.get("TEST_BROKER_URL", "redis://127.0.0.1:6379/15")


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def run_pytest(name: str, env: dict[str, str], args: list[str]) -> int:
    print(f"\n=== suite: {name} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *args], cwd=ROOT, env=env)


def main() -> int:
    args = sys.argv[1:]
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    results: dict[str, int] = {}
    results["sqlite (Celery eager)"] = run_pytest("sqlite (Celery eager)", base, args)

    services = {"PostgreSQL": reachable("127.0.0.1", 5432), "Redis": reachable("127.0.0.1", 6379)}
    if all(services.values()):
        env = {**base, "DATABASE_URL": PG_URL, "CELERY_BROKER_URL": BROKER_URL}
        results["postgresql + redis (real Celery worker)"] = run_pytest(
            "postgresql + redis (real Celery worker)", env, args
        )
    else:
        missing = ", ".join(name for name, up in services.items() if not up)
        print(f"\n=== suite: postgresql + redis: SKIPPED ({missing} not reachable on 127.0.0.1) ===")
        if os.environ.get("REQUIRE_SERVICES") == "1":
            results["postgresql + redis"] = 1

    print("\n=== summary ===")
    for name, code in results.items():
        print(f"{name}: {'passed' if code == 0 else f'FAILED (exit {code})'}")
    return 0 if all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
