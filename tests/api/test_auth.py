"""Tokens for API clients, sessions for the web, limited login attempts, throttled exports and rounds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from .conftest import PASSWORD


def test_a_token_from_username_and_password_opens_the_api(api):
    client = APIClient()
    response = client.post(
        reverse("api:auth-token"), {"username": "organiser", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200 and response.data["role"] == "organiser"
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.data['token']}")
    assert client.get(reverse("api:company-list")).status_code == 200


def test_a_token_is_stored_as_a_digest_expires_and_ends_at_sign_out(api, settings):
    from knox.models import AuthToken

    client = APIClient()
    issued = client.post(reverse("api:auth-token"), {"username": "organiser", "password": PASSWORD}, format="json")
    token = issued.data["token"]
    assert issued.data["expires_at"] is not None
    stored = AuthToken.objects.get(user__username="organiser")
    assert token not in (stored.digest, stored.token_key) and stored.token_key == token[: len(stored.token_key)]

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(reverse("api:company-list")).status_code == 200
    assert client.post(reverse("api:auth-logout")).status_code == 204
    assert client.get(reverse("api:company-list")).status_code == 401

    again = client.post(reverse("api:auth-token"), {"username": "organiser", "password": PASSWORD}, format="json")
    AuthToken.objects.update(expiry=timezone.now() - dt.timedelta(seconds=1))
    client.credentials(HTTP_AUTHORIZATION=f"Token {again.data['token']}")
    assert client.get(reverse("api:company-list")).status_code == 401


def test_a_wrong_password_is_a_401_and_a_bad_token_too(api):
    client = APIClient()
    wrong = client.post(
        reverse("api:auth-token"), {"username": "organiser", "password": "nope"}, format="json"
    )
    assert wrong.status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get(reverse("api:company-list")).status_code == 401


def test_the_web_session_works_too(api):
    client = APIClient()
    assert client.login(username="organiser", password=PASSWORD)
    assert client.get(reverse("api:company-list")).status_code == 200


def test_login_attempts_are_limited_per_address_and_username(api):
    client = APIClient()
    url = reverse("api:auth-token")
    codes = [
        client.post(url, {"username": "organiser", "password": "guess"}, format="json").status_code
        for _ in range(6)
    ]
    assert codes == [401] * 5 + [429]
    # Even the right password waits now; another account from the same address does not.
    assert client.post(url, {"username": "organiser", "password": PASSWORD}, format="json").status_code == 429
    assert client.post(url, {"username": "mai", "password": PASSWORD}, format="json").status_code == 200


def test_exports_and_starting_rounds_are_throttled_but_following_a_round_is_not(api, as_role, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "exports": "2/hour",
            "rounds": "1/hour",
        },
    }
    organiser = as_role("organiser")
    exports = [organiser.get(reverse("api:export-bookings")).status_code for _ in range(3)]
    started = organiser.post(reverse("api:round-list"), {"kind": "scheduling"}, format="json")
    again = organiser.post(reverse("api:round-list"), {"kind": "scheduling"}, format="json")
    polls = [
        organiser.get(reverse("api:round-detail", args=[started.data["id"]])).status_code for _ in range(3)
    ]

    assert exports == [200, 200, 429]
    assert (started.status_code, again.status_code) == (202, 429)
    assert polls == [200, 200, 200]


def test_a_throttle_rate_that_is_not_a_rate_fails_at_start_up(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config.settings import env_rate

    monkeypatch.setenv("THROTTLE_LOGIN", "20/hour")
    assert env_rate("THROTTLE_LOGIN", "5/min") == "20/hour"
    monkeypatch.setenv("THROTTLE_LOGIN", "lots")
    with pytest.raises(ImproperlyConfigured):
        env_rate("THROTTLE_LOGIN", "5/min")


def test_with_the_cache_unreachable_a_throttled_call_is_a_503_and_an_unthrottled_one_still_works(api, as_role):
    # Nothing listens on port 1: as while Redis restarts. The limits cannot be counted, so the calls they
    # guard are refused for now (never a 500, never let through uncounted); the rest of the API works.
    unreachable = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/1"}
    with override_settings(CACHES={"default": unreachable}):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        login = client.post(reverse("api:auth-token"), {"username": "organiser", "password": PASSWORD}, format="json")

        assert login.status_code == 503 and login["Retry-After"] == "30"
        assert login.json() == {"detail": "The service is briefly unavailable. Please try again in a minute."}
        assert as_role("organiser").get(reverse("api:export-bookings")).status_code == 503
        assert as_role("organiser").get(reverse("api:company-list")).status_code == 200
