"""The production setup, served for real: DEBUG=0, static files collected and served by WhiteNoise, three
gunicorn worker processes sharing one file cache, HTTPS behind a proxy, JSON log lines."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import PRODUCTION, Server, clean_env, gunicorn, http, manage, once_per_run

pytestmark = once_per_run


HTTPS = {"X-Forwarded-Proto": "https"}  # what the TLS proxy in front adds


@pytest.fixture(scope="module")
def production(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    where = tmp_path_factory.mktemp("production")
    env = clean_env(
        **PRODUCTION,
        DATABASE_URL=f"sqlite:///{migrated_sqlite}",
        STATIC_ROOT=str(where / "static"),
        CACHE_URL=f"filecache://{where / 'cache'}",
        TRUST_X_FORWARDED_PROTO="1",
        THROTTLE_LOGIN="5/min",
        THROTTLE_LOGIN_ADDRESS="10/min",
    )
    collected = manage("collectstatic", "--noinput", "-v0", env=env)
    assert collected.returncode == 0, collected.stderr
    # Sequential requests mostly reach the worker that just answered: replaced every 7 requests, the
    # workers serve the 30 logins below in at least five processes.
    with gunicorn(env, workers=3, log=where / "gunicorn.log", max_requests=7) as server:
        yield server


def test_a_static_file_is_served_with_debug_off_under_its_hashed_name(production: Server) -> None:
    page = http(f"{production.url}/admin/login/", headers=HTTPS)
    assert page.status == 200
    stylesheet = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page.body.decode())
    assert stylesheet, "the admin's stylesheet is not linked under a hashed name"

    css = http(production.url + stylesheet.group(1), headers={**HTTPS, "Accept-Encoding": "gzip"})
    assert css.status == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert "immutable" in css.headers["Cache-Control"]
    assert css.headers.get("Content-Encoding") == "gzip"


def test_swagger_ui_and_its_assets_are_served_under_their_own_policy(production: Server) -> None:
    page = http(f"{production.url}/api/v1/docs/", headers=HTTPS)
    assert page.status == 200
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in policy
    assert "frame-ancestors 'none'" in policy
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.body.decode())
    assert len(assets) >= 3  # the bundle, the standalone preset, the stylesheet (and the icon)
    for asset in assets:
        assert http(production.url + asset, headers=HTTPS).status == 200, asset
    assert http(f"{production.url}/api/v1/schema/", headers=HTTPS).status == 200

    redoc = http(f"{production.url}/api/v1/redoc/", headers=HTTPS)
    assert redoc.status == 200
    assert "script-src 'self';" in redoc.headers["Content-Security-Policy"] + ";"


def test_other_pages_allow_no_inline_script(production: Server) -> None:
    page = http(f"{production.url}/admin/login/", headers=HTTPS)
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_plain_http_is_sent_to_https_but_the_health_check_is_not(production: Server) -> None:
    page = http(f"{production.url}/admin/login/")
    assert page.status == 301
    assert page.headers["Location"].startswith("https://127.0.0.1")

    health = http(f"{production.url}/healthz/")
    assert health.status == 200
    assert health.json() == {
        "status": "ok",
        "checks": {"database": health.json()["checks"]["database"], "cache": health.json()["checks"]["cache"]},
    }
    assert health.json()["checks"]["database"]["ok"] and health.json()["checks"]["cache"]["ok"]
    assert "Strict-Transport-Security" in http(f"{production.url}/healthz/", headers=HTTPS).headers


def test_log_lines_are_json_with_the_request_id_echoed_in_the_response(production: Server) -> None:
    answer = http(f"{production.url}/api/v1/docs/", headers={**HTTPS, "X-Request-ID": "ops-test-4711"})
    assert answer.headers["X-Request-ID"] == "ops-test-4711"
    generated = http(f"{production.url}/healthz/", headers={**HTTPS, "X-Request-ID": "bad id\twith tab"})
    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["X-Request-ID"])

    records = [json.loads(line) for line in production.log_lines() if line.startswith("{")]
    mine = [r for r in records if r["request_id"] == "ops-test-4711"]
    assert mine, production.log.read_text()
    assert mine[0]["logger"] == "caunoi.request"
    assert (mine[0]["method"], mine[0]["path"], mine[0]["status"]) == ("GET", "/api/v1/docs/", 200)
    assert any(r["request_id"] == generated.headers["X-Request-ID"] for r in records)


def wrong_logins(server: Server, usernames: list[str]) -> list[int]:
    return [
        http(f"{server.url}/api/v1/auth/token/", data={"username": name, "password": "not-the-password"},
             headers=HTTPS).status
        for name in usernames
    ]


def test_three_processes_share_one_login_allowance(production: Server) -> None:
    statuses = wrong_logins(production, ["victim"] * 30)
    # Without a shared cache each process would let five through (up to fifteen in all).
    assert statuses.count(401) == 5, statuses
    assert statuses == [401] * 5 + [429] * 25
    served_by = production.served_by("/api/v1/auth/token/")
    assert len(served_by) >= 2, f"all 30 requests went to one process ({served_by}): the test proves nothing"


def test_one_password_on_many_usernames_from_one_address_is_throttled(production: Server) -> None:
    statuses = wrong_logins(production, [f"student{i}" for i in range(15)])
    assert statuses.count(401) <= 10, statuses
    assert statuses[-1] == 429
