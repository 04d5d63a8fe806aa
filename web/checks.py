"""Deployment checks of our own (``manage.py check --deploy``).

W001: the site runs on PostgreSQL, so it may run on several machines, but its cache is the embedded
default (files under ``var/cache``) or a process's memory. The throttles (logins, bookings, the API) count
in the cache: each machine would give every user its own allowance, and the health check would read a
cache no other machine sees. Set ``CACHE_URL`` to the shared Redis.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

LOCAL_CACHES = (
    "django.core.cache.backends.filebased.FileBasedCache",
    "django.core.cache.backends.locmem.LocMemCache",
)


@register(Tags.caches, deploy=True)
def shared_cache_check(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    engine = settings.DATABASES["default"]["ENGINE"]
    backend = settings.CACHES["default"]["BACKEND"]
    if "postgresql" in engine and backend in LOCAL_CACHES:
        return [
            Warning(
                f"The cache is {backend.rsplit('.', 1)[-1]}, kept on this machine only, while the database "
                "is shared: throttles would count separately on every machine.",
                hint="Set CACHE_URL to the shared Redis, e.g. CACHE_URL=redis://redis:6379/1.",
                id="web.W001",
            )
        ]
    return []
