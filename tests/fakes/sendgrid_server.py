"""A local fake of SendGrid's v3 Mail Send API, for tests and the email benchmark. Pure Python, no Django.

It listens on 127.0.0.1 on a random port, checks requests the way SendGrid does (a bearer key; JSON; 1 to
1,000 personalizations, each with a valid ``to``; from, subject and content present; at most 10,000 bytes
of substitutions per personalization) and answers 400 naming the offending field like SendGrid
(``personalizations.3.to.0.email``). Otherwise it answers from a script of ``Answer``s, then 202 with an
``X-Message-Id``. Every request is recorded, with the outbox ids from each personalization's custom_args.

Scripted answers: ``Answer(202)``, ``Answer(429, headers={"X-RateLimit-Reset": "<unix time>"})``,
``Answer(500)``, ``Answer(400, body={...})``, ``Answer(delay=2.0)`` (sleeps longer than the client's
timeout: a read timeout) and ``Answer(hold=event)`` (waits until the event is set, to kill a client
mid-request).

Run standalone (the benchmark does, so the fake does not share the relay's process):
``python tests/fakes/sendgrid_server.py`` prints ``http://127.0.0.1:<port>`` and serves until killed;
``GET /_fake/stats`` returns the counts.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAIL_SEND = "/v3/mail/send"
MAX_PERSONALIZATIONS = 1000
SUBSTITUTION_LIMIT = 10_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class Answer:
    status: int = 202
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = b""
    delay: float = 0.0
    hold: threading.Event | None = None


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: Any
    outbox_ids: list[int]
    personalizations: int
    status: int
    at: float


def _errors(*items: tuple[str, str | None]) -> Answer:
    return Answer(400, body={"errors": [{"message": m, "field": f, "help": None} for m, f in items]})


def validate(body: Any) -> Answer | None:
    """SendGrid's own checks (the ones our relay could trip), or None when the request is acceptable."""
    if not isinstance(body, dict):
        return _errors(("Bad Request", None))
    personalizations = body.get("personalizations")
    if not isinstance(personalizations, list) or not personalizations:
        return _errors(
            (
                "The personalizations field is required and must have at least one personalization.",
                "personalizations",
            )
        )
    if len(personalizations) > MAX_PERSONALIZATIONS:
        return _errors(
            ("The personalizations field is limited to 1000 objects per request.", "personalizations")
        )
    problems: list[tuple[str, str | None]] = []
    if not (body.get("from") or {}).get("email"):
        problems.append(("The from object must be provided for every email send.", "from"))
    if not body.get("content") and not body.get("template_id"):
        problems.append(
            ("Unless a valid template_id is provided, the content parameter is required.", "content")
        )
    for index, item in enumerate(personalizations):
        to = item.get("to") or []
        if not to:
            problems.append(
                ("The to array is required for all personalization objects.", f"personalizations.{index}.to")
            )
        for position, recipient in enumerate(to):
            if not _EMAIL.match(str(recipient.get("email", ""))):
                problems.append(
                    ("Does not contain a valid address.", f"personalizations.{index}.to.{position}.email")
                )
        if not item.get("subject") and not body.get("subject"):
            problems.append(("The subject is required.", f"personalizations.{index}.subject"))
        size = sum(
            len(k.encode()) + len(str(v).encode()) for k, v in (item.get("substitutions") or {}).items()
        )
        if size > SUBSTITUTION_LIMIT:
            problems.append(
                (
                    "Substitutions may not exceed 10000 bytes per personalization.",
                    f"personalizations.{index}.substitutions",
                )
            )
    return _errors(*problems) if problems else None


class FakeSendGrid:
    def __init__(self, *, keep_bodies: bool = True) -> None:
        self.keep_bodies = keep_bodies
        self._script: deque[Answer] = deque()
        self._requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._holds: list[threading.Event] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- control ------------------------------------------------------------------------------------
    def start(self) -> FakeSendGrid:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-sendgrid",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        for event in self._holds:
            event.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def script(self, *answers: Answer) -> None:
        with self._lock:
            for answer in answers:
                if answer.hold is not None:
                    self._holds.append(answer.hold)
                self._script.append(answer)

    # --- what happened --------------------------------------------------------------------------------
    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._requests)

    def delivered(self) -> Counter[int]:
        """How many times each outbox id reached SendGrid in a request it accepted (answered 202)."""
        counts: Counter[int] = Counter()
        for request in self.requests:
            if request.status == 202:
                counts.update(request.outbox_ids)
        return counts

    def stats(self) -> dict[str, Any]:
        requests = self.requests
        delivered = self.delivered()
        return {
            "requests": len(requests),
            "accepted_requests": sum(1 for r in requests if r.status == 202),
            "personalizations": sum(r.personalizations for r in requests),
            "delivered_messages": sum(delivered.values()),
            "distinct_messages": len(delivered),
            "max_personalizations": max((r.personalizations for r in requests), default=0),
        }

    # --- serving -------------------------------------------------------------------------------------
    def answer(self, path: str, headers: dict[str, str], raw: bytes) -> Answer:
        if not headers.get("authorization", "").startswith("Bearer ") or len(headers["authorization"]) < 10:
            return Answer(401, body={"errors": [{"message": "authorization required", "field": None}]})
        if path != MAIL_SEND:
            return Answer(404, body={"errors": [{"message": "not found", "field": None}]})
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        invalid = validate(body)
        with self._lock:
            answer = invalid or (self._script.popleft() if self._script else Answer(202))
            personalizations = body.get("personalizations", []) if isinstance(body, dict) else []
            self._requests.append(
                Recorded(
                    path=path,
                    headers=headers,
                    body=body if self.keep_bodies else None,
                    outbox_ids=[int(p.get("custom_args", {}).get("outbox_id", -1)) for p in personalizations],
                    personalizations=len(personalizations),
                    status=answer.status,
                    at=time.monotonic(),
                )
            )
        if answer.status == 202 and "X-Message-Id" not in answer.headers:
            answer = Answer(202, {"X-Message-Id": secrets.token_urlsafe(16)}, b"", answer.delay, answer.hold)
        return answer


def _handler_for(fake: FakeSendGrid) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answer = fake.answer(self.path, {k.lower(): v for k, v in self.headers.items()}, raw)
            if answer.hold is not None:
                answer.hold.wait(timeout=60)
            if answer.delay:
                time.sleep(answer.delay)
            body = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
            try:
                self.send_response(answer.status)
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout) or was killed: exactly what some tests do

        def do_GET(self) -> None:  # noqa: N802
            body = json.dumps(fake.stats()).encode()
            self.send_response(200 if self.path == "/_fake/stats" else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


def main() -> None:
    fake = FakeSendGrid(keep_bodies=False).start()
    print(fake.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
