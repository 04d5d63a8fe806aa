# ruff: noqa: E501
"""The settings module: the embedded default with no environment, and a refusal to start unconfigured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DEBUG")}
    code = env.pop("_CODE", "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])")
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_with_no_environment_it_is_the_embedded_default() -> None:
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = load_settings(DEBUG="0", ALLOWED_HOSTS="caunoi.example.vn")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG=0" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts() -> None:
    result = load_settings(DEBUG="0", SECRET_KEY="x" * 50)
    assert "ALLOWED_HOSTS must be set when DEBUG=0" in result.stderr


def test_a_malformed_boolean_is_an_error_not_false() -> None:
    result = load_settings(DEBUG="maybe")
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_database_url_switches_to_postgresql() -> None:
    result = load_settings(DATABASE_URL="postgres://u@db.example:5432/caunoi")
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_time_and_language_defaults() -> None:
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "vi"
    assert [code for code, _ in settings.LANGUAGES] == ["vi", "en"]


def test_the_embedded_database_runs_in_wal_mode_with_immediate_transactions() -> None:
    code = (
        "import django; django.setup(); from django.db import connection; c = connection.cursor();"
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0]); c.execute('PRAGMA busy_timeout');"
        "print(c.fetchone()[0]); print(connection.settings_dict['OPTIONS']['transaction_mode'])"
    )
    result = load_settings(_CODE=code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "20000", "IMMEDIATE"]


def test_an_unknown_language_is_an_error_at_start_up() -> None:
    result = load_settings(LANGUAGE_CODE="fr")
    assert result.returncode != 0
    assert "LANGUAGE_CODE='fr' is not a language of the site (use vi or en)" in result.stderr


def test_the_commands_speak_the_language_of_the_environment(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere")
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"

    def problems(**env: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", "import_data", missing, "--dry-run"],
            cwd=ROOT,
            env={**{k: v for k, v in os.environ.items() if k != "LANGUAGE_CODE"}, "DATABASE_URL": database, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 1, result.stderr
        return result.stdout + result.stderr

    assert f"{missing}:0: -: not a folder" in problems(LANGUAGE_CODE="en")
    assert f"{missing}:0: -: không phải là thư mục" in problems(LANGUAGE_CODE=" VI ")
    assert "không phải là thư mục" in problems()  # Vietnamese by default
