"""Is there a broker, and is anyone listening on it?

With CELERY_BROKER_URL set, a round's tasks go to the broker and wait for a worker. If no worker runs,
a command that waits for the round would wait until its own deadline; asking first turns that into a
clear message within seconds. Without a broker, tasks run in the calling process and both answers are
yes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from celery import Celery
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from kombu import Connection
from kombu.exceptions import KombuError

# What publishing a task raises when the broker cannot be reached (after Celery's own few retries).
BROKER_ERRORS = (KombuError, OSError)

WORKER_COMMAND = "celery -A config worker -Q celery,matchmaking,scheduling,mail,digests"


def _start_a_worker() -> str:
    return _(
        "start one with `%(command)s` (see docs/operations.md), or unset CELERY_BROKER_URL to run tasks in "
        "this process"
    ) % {"command": WORKER_COMMAND}


@dataclass(frozen=True)
class Reach:
    ok: bool
    message: str
    workers: tuple[str, ...] = ()
    seconds: float = 0.0


def _broker_url() -> str:
    return str(getattr(settings, "CELERY_BROKER_URL", "") or "")


def _safe(url: str) -> str:
    """The broker's address without its password, for messages and logs."""
    return str(Connection(url).as_uri(include_password=False))


def broker_reachable(*, timeout: float = 2.0) -> Reach:
    """Whether the configured broker accepts a connection within ``timeout`` seconds."""
    url = _broker_url()
    if not url:
        return Reach(ok=True, message=_("no broker configured: tasks run in this process"))
    started = time.monotonic()
    try:
        with Connection(url, connect_timeout=timeout, transport_options={"max_retries": 0}) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
    except Exception as error:  # any failure to connect is the answer, whatever its kind
        return Reach(
            ok=False,
            message=_("the broker at %(url)s could not be reached within %(timeout)g s (%(error)s)")
            % {"url": _safe(url), "timeout": timeout, "error": f"{type(error).__name__}: {error}"},
            seconds=time.monotonic() - started,
        )
    return Reach(
        ok=True,
        message=_("the broker at %(url)s is reachable") % {"url": _safe(url)},
        seconds=time.monotonic() - started,
    )


def workers_reachable(*, timeout: float = 2.0) -> Reach:
    """Whether at least one Celery worker answers a ping on the configured broker within about
    ``timeout`` seconds (the connection, then the ping, each get that long). ``message`` says what to do
    when none does."""
    url = _broker_url()
    if not url:
        return Reach(ok=True, message=_("no broker configured: tasks run in this process"))
    started = time.monotonic()
    broker = broker_reachable(timeout=timeout)
    if not broker.ok:
        return Reach(ok=False, message=f"{broker.message}; {_start_a_worker()}", seconds=broker.seconds)
    # A Celery app of its own for the ping: the project's app keeps a producer pool bound to the broker it
    # first met, and a ping published through it would go wherever that was.
    probe = Celery("caunoi-ping", broker=url, set_as_current=False)
    with probe, Connection(url, connect_timeout=timeout) as connection:
        try:
            replies = probe.control.ping(timeout=timeout, connection=connection) or []
        except Exception as error:  # the broker went away between the two steps
            return Reach(
                ok=False,
                message=_("pinging workers on %(url)s failed (%(error)s); %(advice)s")
                % {"url": _safe(url), "error": f"{type(error).__name__}: {error}", "advice": _start_a_worker()},
                seconds=time.monotonic() - started,
            )
    workers = tuple(sorted(name for reply in replies for name in reply))
    seconds = time.monotonic() - started
    if not workers:
        return Reach(
            ok=False,
            message=_("no Celery worker answered within %(timeout)g s on %(url)s: %(advice)s")
            % {"timeout": timeout, "url": _safe(url), "advice": _start_a_worker()},
            seconds=seconds,
        )
    answered = ngettext(
        "%(count)d worker answered: %(names)s", "%(count)d workers answered: %(names)s", len(workers)
    ) % {"count": len(workers), "names": ", ".join(workers)}
    return Reach(ok=True, message=answered, workers=workers, seconds=seconds)
