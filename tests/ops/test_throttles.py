"""accounts.throttles.LoginAddressThrottle on its own: one address trying many usernames is slowed down, and
another address is not. (Wired into the token view, it is tested through gunicorn in test_serving.)"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from accounts.throttles import LoginAddressThrottle


class Login(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [LoginAddressThrottle]

    def post(self, request: Request) -> Response:
        return Response(status=401)


def test_one_address_is_throttled_across_usernames_and_another_is_not(settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login_address": "3/min"},
    }
    cache.clear()
    factory = APIRequestFactory()

    def attempt(username: str, address: str) -> int:
        request = factory.post("/login/", {"username": username, "password": "x"}, format="json",
                               REMOTE_ADDR=address)
        return int(Login.as_view()(request).status_code)

    statuses = [attempt(f"user{i}", "203.0.113.7") for i in range(6)]
    assert statuses == [401, 401, 401, 429, 429, 429]
    assert attempt("user0", "198.51.100.9") == 401
    cache.clear()
