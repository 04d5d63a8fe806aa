"""web.ops in process: /healthz/, request ids in responses and in log records, JSON log lines, and the
Content-Security-Policy with its nonce and its per-view replacements."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.test import Client
from django.urls import include, path

from web.ops import JsonFormatter, RequestIdFilter, request_id_from

ROOT = Path(__file__).resolve().parents[2]
view_logger = logging.getLogger("tests.web.view")


def logging_view(request: HttpRequest) -> HttpResponse:
    view_logger.warning("inside the view")
    return HttpResponse("ok")


def nonce_view(request: HttpRequest) -> HttpResponse:
    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}">let x = 1;</script>')
    return HttpResponse(template.render({}, request))


# This module is also the URLconf of its tests: the project's routes plus two views of its own.
urlpatterns = [
    path("test/logging/", logging_view),
    path("test/nonce/", nonce_view),
    path("", include("config.urls")),
]
pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The log as production writes it (JSON, with the request-id filter), captured."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    loggers = [logging.getLogger("caunoi.request"), view_logger]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
    yield stream
    for lg, level in zip(loggers, levels, strict=True):
        lg.removeHandler(handler)
        lg.setLevel(level)


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_healthz_answers_200_with_each_check(db: None, client: Client) -> None:
    answer = client.get("/healthz/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache"}  # no broker configured: not checked
    assert all(check["ok"] for check in body["checks"].values())
    assert "no-cache" in answer["Cache-Control"]


def test_healthz_checks_the_broker_when_one_is_configured_and_fails_if_it_is_down(
    db: None, client: Client, settings: Any
) -> None:
    settings.CELERY_BROKER_URL = "redis://:secret@127.0.0.1:1/12"  # nothing listens on port 1
    settings.HEALTHZ_BROKER_TIMEOUT = 1
    answer = client.get("/healthz/")
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "fail"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert "secret" not in answer.content.decode() and "127.0.0.1" not in answer.content.decode()


def test_healthz_answers_503_when_the_database_is_unreachable() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DEBUG")}
    code = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz/'); print(r.status_code); print(r.content.decode())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "critical",
             "DATABASE_URL": "postgres://postgres@127.0.0.1:1/caunoi"},  # a closed port
        capture_output=True, text=True, timeout=60,
    )
    status, body = result.stdout.strip().split("\n", 1)
    assert status == "503", result.stderr
    checks = json.loads(body)["checks"]
    assert checks["database"] == {"ok": False, "error": "OperationalError", "ms": checks["database"]["ms"]}
    assert checks["cache"]["ok"] is True


def test_a_sane_request_id_is_kept_and_echoed_and_any_other_is_replaced() -> None:
    assert request_id_from("ab12-cd34") == "ab12-cd34"
    assert request_id_from("5f0c6a0e-3c4b-4bde-9a4b-2f1e0d6c7b8a") == "5f0c6a0e-3c4b-4bde-9a4b-2f1e0d6c7b8a"
    for insane in (None, "", "x" * 129, "line\nbreak", 'quote"', "-leading-dash", "tiếng việt"):
        assert re.fullmatch(r"[0-9a-f]{32}", request_id_from(insane)), insane


def test_every_record_of_a_request_carries_its_id_as_json(db: None, client: Client, json_log: io.StringIO) -> None:
    answer = client.get("/test/logging/", headers={"X-Request-ID": "req-42"})
    assert answer["X-Request-ID"] == "req-42"
    view_record, access = records(json_log)
    assert (view_record["logger"], view_record["message"], view_record["request_id"]) == (
        "tests.web.view", "inside the view", "req-42"
    )
    assert view_record["level"] == "WARNING" and view_record["time"].endswith("+00:00")
    assert (access["logger"], access["request_id"], access["status"], access["path"]) == (
        "caunoi.request", "req-42", 200, "/test/logging/"
    )

    other = client.get("/test/logging/")
    generated = other["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert {r["request_id"] for r in records(json_log)[2:]} == {generated}


def test_a_record_outside_a_request_says_so_and_an_exception_stays_on_one_line() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom %s", ("here",), None)
    try:
        raise ValueError("bad")
    except ValueError:
        record.exc_info = sys.exc_info()
    RequestIdFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["request_id"] == "-" and parsed["message"] == "boom here"
    assert "ValueError: bad" in parsed["exception"]


def test_pages_get_a_strict_policy_and_an_inline_script_needs_the_nonce(db: None, client: Client) -> None:
    answer = client.get("/test/nonce/")
    policy = answer["Content-Security-Policy"]
    nonce = re.search(r'nonce="([^"]+)"', answer.content.decode()).group(1)  # type: ignore[union-attr]
    assert f"script-src 'self' 'nonce-{nonce}'" in policy
    assert "unsafe-inline" not in policy and "object-src 'none'" in policy

    # A second request gets another nonce.
    again = client.get("/test/nonce/")
    assert nonce not in again["Content-Security-Policy"]


def test_the_documentation_pages_get_their_own_policy(db: None, client: Client) -> None:
    swagger = client.get("/api/v1/docs/")["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in swagger
    assert "default-src 'self'" in swagger and "frame-ancestors 'none'" in swagger
    redoc = client.get("/api/v1/redoc/")["Content-Security-Policy"]
    assert "worker-src 'self' blob:" in redoc
    assert "script-src 'self';" in redoc + ";"
    healthz = client.get("/healthz/")["Content-Security-Policy"]
    assert "unsafe-inline" not in healthz
