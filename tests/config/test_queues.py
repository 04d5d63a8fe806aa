"""Celery's queues per kind of work, their time limits, and the PgBouncer switch (docs/scaling.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery import current_app

ROOT = Path(__file__).resolve().parents[2]


def settings_of(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_"))}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; " + code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("matchmaking.tasks.round_shard", "matchmaking"),
        ("matchmaking.tasks.texts_embed", "matchmaking"),
        ("rounds.tasks.schedule_round", "scheduling"),
        ("scheduler.tasks.holds_expire", "scheduling"),
        ("scheduler.tasks.reminders_send", "scheduling"),
        ("notifications.tasks.outbox_relay", "mail"),
        ("matchmaking.tasks.digests_send", "digests"),
        ("matchmaking.tasks.digests_chunk", "digests"),
    ],
)
def test_each_kind_of_task_goes_to_its_own_queue(task: str, queue: str) -> None:
    assert current_app.amqp.router.route({}, task)["queue"].name == queue


def test_a_task_nobody_routed_goes_to_the_default_queue() -> None:
    assert current_app.amqp.router.route({}, "some.other.task")["queue"].name == "celery"


def test_every_routed_task_exists_and_carries_its_queues_time_limits() -> None:
    current_app.loader.import_default_modules()
    limits = current_app.conf.task_annotations
    for name in (
        "matchmaking.tasks.round_shard",
        "notifications.tasks.outbox_relay",
        "scheduler.tasks.holds_expire",
        "matchmaking.tasks.digests_chunk",
    ):
        task = current_app.tasks[name]  # a renamed task would leave its route pointing at nothing
        assert task.soft_time_limit == limits[name]["soft_time_limit"]
        assert task.time_limit == limits[name]["time_limit"]
    assert current_app.tasks["notifications.tasks.outbox_relay"].time_limit < current_app.tasks[
        "matchmaking.tasks.round_shard"
    ].time_limit


def test_the_brokers_visibility_timeout_outlasts_every_hard_limit() -> None:
    # Otherwise Redis would hand a long shard, still running, to a second worker.
    longest = max(a["time_limit"] for a in current_app.conf.task_annotations.values())
    assert current_app.conf.broker_transport_options["visibility_timeout"] > longest


def test_time_limits_come_from_the_environment() -> None:
    result = settings_of("print(settings.CELERY_QUEUE_TIME_LIMITS['mail'])", CELERY_LIMITS_MAIL="50/60")
    assert result.stdout.strip() == "(50, 60)", result.stderr


@pytest.mark.parametrize("value", ["60", "60/50", "a/b", "0/10"])
def test_a_malformed_time_limit_is_an_error_at_start_up(value: str) -> None:
    result = settings_of("print(settings.CELERY_QUEUE_TIME_LIMITS)", CELERY_LIMITS_MAIL=value)
    assert result.returncode != 0
    assert "CELERY_LIMITS_MAIL" in result.stderr


def test_behind_pgbouncer_server_side_cursors_are_off() -> None:
    code = "print(settings.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS', False))"
    url = "postgres://u@db.example:6432/caunoi"
    assert settings_of(code, DATABASE_URL=url, DATABASE_POOLER="pgbouncer").stdout.strip() == "True"
    assert settings_of(code, DATABASE_URL=url).stdout.strip() == "False"


def test_an_unknown_pooler_is_an_error_at_start_up() -> None:
    result = settings_of("", DATABASE_URL="postgres://u@db.example/caunoi", DATABASE_POOLER="pgpool")
    assert result.returncode != 0
    assert "DATABASE_POOLER='pgpool'" in result.stderr
