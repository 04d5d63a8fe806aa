"""What operations need from the web face: the health check, request ids, JSON log lines, and the
per-view Content-Security-Policy.

Loaded by the logging configuration before the apps are ready (the formatter and the filter), so this
module imports no models at import time.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

REQUEST_ID_HEADER = "X-Request-ID"
# A client's or proxy's id is kept only if it is short and plain: it goes into every log line, so it must
# not be able to forge a line break, a quote, or a megabyte of text.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
access_logger = logging.getLogger("caunoi.request")


def current_request_id() -> str | None:
    """The id of the request being served in this thread or task, if any."""
    return _request_id.get()


def request_id_from(header: str | None) -> str:
    """The caller's id if it is sane, else a fresh one."""
    if header and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Give each request an id (the caller's ``X-Request-ID`` if sane, else a new one), make it visible
    to every log record made while the request is served, echo it in the response, and write one access
    line at INFO on the ``caunoi.request`` logger."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            access_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Put the current request's id (or ``-`` outside a request) on every record as ``request_id``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = _request_id.get() or "-"
        return True


# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is logged as a field.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id, the record's
    ``extra`` fields, and the exception's traceback as one string if there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or _request_id.get(),
            "process": record.process,
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in line and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


class ViewCSPMiddleware:
    """Replace Content-Security-Policy directives for the views named in ``CSP_VIEW_POLICIES`` (by URL
    name). It sits after django-csp's middleware, so it sees the response first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        policy = getattr(settings, "CSP_VIEW_POLICIES", {}).get(match.view_name) if match else None
        if policy:
            response._csp_replace = policy  # type: ignore[attr-defined]
            response._csp_replace_ro = policy  # type: ignore[attr-defined]
        return response


# --- /healthz/ -------------------------------------------------------------------------------------


health_logger = logging.getLogger("caunoi.healthz")


class PrivateByDefaultMiddleware:
    """Pages and API answers carry personal data (a student's profile, a minor's record, bookings, the
    links in mail): no shared cache, proxy or browser history may keep them. A response that says
    nothing about caching gets ``Cache-Control: private, no-store``; static files (whitenoise, earlier in
    the chain) set their own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


def _check(name: str, probe: Callable[[], str | None]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = probe()
    except Exception as error:  # a health check reports every failure, whatever its kind
        # The answer is public: it names the kind of failure; the log has the message (hosts, ports).
        health_logger.warning("healthz: %s failed: %s: %s", name, type(error).__name__, error)
        return {"ok": False, "error": type(error).__name__, "ms": round((time.perf_counter() - started) * 1000, 1)}
    result: dict[str, Any] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    if detail:
        result["detail"] = detail
    return result


def _database() -> str | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _cache() -> str | None:
    from django.core.cache import cache

    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    try:
        if cache.get(key) != "1":
            raise RuntimeError("a value written to the cache could not be read back")
    finally:
        cache.delete(key)
    return None


def _broker() -> str | None:
    from rounds.broker import broker_reachable

    reach = broker_reachable(timeout=settings.HEALTHZ_BROKER_TIMEOUT)
    if not reach.ok:
        raise ConnectionError(reach.message)
    return None


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database and the cache (and the broker, when one is configured) answer; else 503.
    Public and cheap: it names what failed, never an address or a secret (those go to the log)."""
    checks = {"database": _check("database", _database), "cache": _check("cache", _cache)}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = _check("broker", _broker)
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503)
