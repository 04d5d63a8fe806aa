"""A free localhost port for a server a test starts itself (gunicorn, a private Redis or PostgreSQL).

The port is chosen here and bound later by the server, so something else could take it in between; a
private Redis is even restarted on its port after a crash. Under `make test` the two suites run side by
side, and each is given a range of its own (TEST_PORT_RANGE=low-high, tests/run_suites.py), below the
kernel's ephemeral ports (net.ipv4.ip_local_port_range, 32768 and up by default): the other suite's
servers, and every outgoing connection on the machine, take their ports elsewhere, so neither can take
this one. Without the variable (a plain `pytest`) the kernel picks, as any test runner would.
"""

from __future__ import annotations

import itertools
import os
import random
import socket

_next: itertools.count[int] | None = None


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    global _next
    spec = os.environ.get("TEST_PORT_RANGE", "")
    if not spec:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])
    low, high = (int(part) for part in spec.split("-"))
    if _next is None:  # a random start: another checkout's `make test` at the same time starts elsewhere
        _next = itertools.count(random.randrange(high - low + 1))
    # Each call moves on, so a server stopped a moment ago does not hand its port to the next one.
    for offset in itertools.islice(_next, high - low + 1):
        port = low + offset % (high - low + 1)
        if _bindable(port):
            return port
    raise RuntimeError(f"no free port in TEST_PORT_RANGE={spec}")
