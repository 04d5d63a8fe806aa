"""The sign-in throttles, shared by both faces: the API's token login and the site's sign-in form count
the same attempts under the same cache keys, so an address slowed down on one is slowed down on the other.

They are DRF throttles (the API uses them as ``throttle_classes``); the site's views hand them a DRF
``Request`` around their own (``web.views.accounts``). Rates: ``THROTTLE_LOGIN`` (per client address and
username) and ``THROTTLE_LOGIN_ADDRESS`` (per client address), both in ``REST_FRAMEWORK``'s rates.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class CountsUnavailable(APIException):
    """The cache the throttles count in cannot be reached (Redis restarting): 503, try again shortly."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The service is briefly unavailable. Please try again in a minute.")
    default_code = "unavailable"
    wait = 30  # seconds, sent as Retry-After (DRF's exception handler reads ``wait``)


class FailsClosed:
    """Mixed into every throttle of the API: when the shared cache cannot be reached, the request is
    answered 503 (never a 500, and never let through uncounted: an outage of Redis must not switch off
    the limit on password guessing). Requests that are not throttled do not touch the cache."""

    scope: str | None

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except (RedisError, OSError) as error:
            logger.warning("throttle %s: the cache is unreachable (%s); answering 503", self.scope, error)
            raise CountsUnavailable() from None


class LoginAddressThrottle(FailsClosed, SimpleRateThrottle):
    """Login attempts per client address, whatever the username (scope ``login_address``,
    THROTTLE_LOGIN_ADDRESS). The per-address-and-username throttle slows down guessing one account's
    password; this one slows down trying one password on many accounts from one address. Its rate is
    higher, so a school's shared address (many students behind one NAT) can still sign in."""

    scope = "login_address"

    def get_rate(self) -> str | None:
        # Read per request, not once at import: a changed setting takes effect (as in config.rest).
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES  # type: ignore[assignment]
        return super().get_rate()

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginThrottle(FailsClosed, SimpleRateThrottle):
    """Login attempts per client address and username: guessing one account's password is slowed down,
    and so is trying one password on many accounts from one address."""

    scope = "login"

    def get_rate(self) -> str | None:
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES  # type: ignore[assignment]
        return super().get_rate()

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        try:
            data = request.data
        except Exception:  # an unparseable body: DRF answers 400 for it after the throttle
            data = {}
        username = str(data.get("username", ""))[:150].strip().lower() if isinstance(data, Mapping) else ""
        return self.cache_format % {"scope": self.scope, "ident": f"{self.get_ident(request)}:{username}"}
