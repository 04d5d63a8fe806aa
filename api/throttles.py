"""Throttles of the API that are more than a scope and a rate."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView


class LoginAddressThrottle(SimpleRateThrottle):
    """Login attempts per client address, whatever the username (scope ``login_address``,
    THROTTLE_LOGIN_ADDRESS). The per-address-and-username throttle slows down guessing one account's
    password; this one slows down trying one password on many accounts from one address. Its rate is
    higher, so a school's shared address (many students behind one NAT) can still sign in."""

    scope = "login_address"

    def get_rate(self) -> str | None:
        # Read per request, not once at import: a changed setting takes effect (as in config.rest).
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES  # type: ignore[assignment]
        return super().get_rate()

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
