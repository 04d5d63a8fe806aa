"""The site's sign-in form and password reset are rate-limited like the API's login, with the same
counters: guessing a password through the pages is no easier than through the API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from ..conftest import World

PASSWORD = "a-long-enough-pass-2030"


@pytest.fixture
def accounts(world: World) -> Iterator[World]:
    for user in (world.organiser, world.student_user):
        user.set_password(PASSWORD)
        user.save()
    cache.clear()
    yield world
    cache.clear()


def _sign_in(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("web:login"), {"username": username, "password": password})


def test_sign_in_attempts_are_limited_per_address_and_username(accounts: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    codes = [_sign_in(client, "organiser", "guess").status_code for _ in range(6)]

    assert codes == [200] * 5 + [429]  # a wrong password shows the form again; the sixth is refused
    refused = _sign_in(client, "organiser", PASSWORD)  # even the right password waits now
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "Thử quá nhiều lần" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not held up by this one.
    assert _sign_in(client, "mai", PASSWORD).status_code == 302


def test_the_api_and_the_pages_count_the_same_attempts(accounts: World) -> None:
    api = APIClient()
    for _ in range(5):
        api.post(reverse("api:auth-token"), {"username": "organiser", "password": "guess"}, format="json")

    assert _sign_in(Client(), "organiser", PASSWORD).status_code == 429


def test_one_address_trying_many_accounts_is_limited(accounts: World, settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login_address": "3/min"},
    }
    client = Client()
    codes = [_sign_in(client, f"user{i}", "guess").status_code for i in range(4)]

    assert codes == [200, 200, 200, 429]
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert _sign_in(other, "organiser", PASSWORD).status_code == 302


def test_password_reset_requests_are_limited_per_address(accounts: World, settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login_address": "2/min"},
    }
    client = Client()
    url = reverse("web:password-reset")
    codes = [client.post(url, {"email": f"someone{i}@example.vn"}).status_code for i in range(3)]

    assert codes == [302, 302, 429]


def test_with_the_cache_unreachable_sign_in_is_refused_for_now_not_let_through(accounts: World) -> None:
    unreachable = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/1"}
    with override_settings(CACHES={"default": unreachable}):
        response = _sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), "organiser", PASSWORD)

    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "briefly unavailable" in response.content.decode()
