"""`manage.py check --deploy` is clean with a production environment and its defaults; turning a
protection off is caught."""

from __future__ import annotations

from .conftest import PRODUCTION, clean_env, manage

CHECK = ("check", "--deploy", "--fail-level", "WARNING")


def test_the_production_defaults_pass_the_deployment_checks() -> None:
    result = manage(*CHECK, env=clean_env(**PRODUCTION))
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_behind_a_tls_proxy_the_checks_still_pass() -> None:
    result = manage(*CHECK, env=clean_env(**PRODUCTION, TRUST_X_FORWARDED_PROTO="1", SECURE_HSTS_PRELOAD="1"))
    assert result.returncode == 0, result.stderr


def test_turning_a_protection_off_fails_the_checks() -> None:
    result = manage(*CHECK, env=clean_env(**PRODUCTION, SECURE_SSL_REDIRECT="0", SESSION_COOKIE_SECURE="0"))
    assert result.returncode != 0
    assert "security.W008" in result.stderr and "security.W012" in result.stderr


def test_a_short_secret_key_fails_the_checks() -> None:
    result = manage(*CHECK, env=clean_env(**{**PRODUCTION, "SECRET_KEY": "short"}))
    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_a_bad_value_refuses_to_start() -> None:
    for name, value, message in [
        ("LOG_FORMAT", "xml", "LOG_FORMAT='xml' is not one of plain, json"),
        ("SECURE_HSTS_SECONDS", "a year", "SECURE_HSTS_SECONDS='a year' is not an integer"),
        ("CACHE_URL", "nosuch://x", "nosuch"),
        ("THROTTLE_LOGIN_ADDRESS", "lots", "THROTTLE_LOGIN_ADDRESS='lots' is not a rate"),
    ]:
        result = manage("check", env=clean_env(**{name: value}))
        assert result.returncode != 0, name
        assert message in result.stderr, (name, result.stderr[-500:])
