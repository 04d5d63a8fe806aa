"""`manage.py check --deploy` is clean with a production environment and its defaults; turning a
protection off is caught."""

from __future__ import annotations

from .conftest import PRODUCTION, clean_env, manage, once_per_run

pytestmark = once_per_run

CHECK = ("check", "--deploy", "--fail-level", "WARNING")


def test_the_production_defaults_pass_the_deployment_checks() -> None:
    result = manage(*CHECK, env=clean_env(**PRODUCTION))
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_turning_a_protection_off_fails_the_checks() -> None:
    weakened = {**PRODUCTION, "SECRET_KEY": "short", "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0"}
    result = manage(*CHECK, env=clean_env(**weakened))
    assert result.returncode != 0
    for check in ("security.W008", "security.W009", "security.W012"):
        assert check in result.stderr, check


def test_a_bad_value_refuses_to_start() -> None:
    for name, value, message in [
        ("LOG_FORMAT", "xml", "LOG_FORMAT='xml' is not one of plain, json"),
        ("SECURE_HSTS_SECONDS", "a year", "SECURE_HSTS_SECONDS='a year' is not an integer"),
        ("CACHE_URL", "nosuch://x", "nosuch"),
        ("THROTTLE_LOGIN_ADDRESS", "lots", "THROTTLE_LOGIN_ADDRESS='lots' is not a rate"),
        ("REPORT_RECIPIENTS", "vu@moet.gov.vn,nope", "REPORT_RECIPIENTS: 'nope' is not an email address"),
    ]:
        result = manage("check", env=clean_env(**{name: value}))
        assert result.returncode != 0, name
        assert message in result.stderr, (name, result.stderr[-500:])


def test_a_shared_database_with_a_cache_on_one_machine_is_a_deployment_warning() -> None:
    # PostgreSQL means several machines may serve; the embedded file cache would throttle per machine.
    shared = {**PRODUCTION, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/caunoi_check"}
    result = manage(*CHECK, env=clean_env(**shared))
    assert result.returncode != 0 and "web.W001" in result.stderr and "CACHE_URL" in result.stderr
    result = manage(*CHECK, env=clean_env(**shared, CACHE_URL="redis://127.0.0.1:6379/1"))
    assert result.returncode == 0, result.stderr
