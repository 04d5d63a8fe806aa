"""What every Django process pays at start-up: scikit-learn (a second to import) only when a fit needs it.
Every management command runs the system checks, which load the URLs (the API's views) too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_django_starts_without_importing_scikit_learn() -> None:
    # Every command, worker and web process starts Django; the bench's week starts a dozen of them.
    code = (
        "import sys, django; django.setup(); "
        "import matchmaking.models, matchmaking.digests, scheduler.rounds, notifications.services, config.urls; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn'))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
