"""Where rendered mail goes: SendGrid's v3 Mail Send API, or ``.eml`` files in MAIL_DIR (the embedded
default, so the demo's mail can be opened and read). A transport makes one request for a batch of
envelopes and says what became of it; the relay decides what that means for the rows.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import urllib.error
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, make_msgid, parseaddr
from http.client import HTTPException
from pathlib import Path
from typing import Literal, Protocol

import sendgrid
from django.conf import settings
from django.utils.translation import gettext as _
from python_http_client import exceptions as http_errors
from sendgrid.helpers.mail import (
    Attachment,
    Category,
    Content,
    CustomArg,
    Disposition,
    FileContent,
    FileName,
    FileType,
    From,
    Header,
    Mail,
    Personalization,
    Substitution,
    To,
)

from .rendering import Envelope

OutcomeKind = Literal["accepted", "rate_limited", "retry", "rejected", "unknown"]

# SendGrid's limits: 1,000 personalizations per request, 10,000 bytes of substitutions per personalization.
MAX_PERSONALIZATIONS = 1000
SUBSTITUTION_LIMIT = 10_000
# Batched mail shares one body made of these two tags; each personalization substitutes its own text.
TEXT_TAG = "-caunoi-text-"
HTML_TAG = "-caunoi-html-"
_PERSONALIZATION_FIELD = re.compile(r"^personalizations\.(\d+)\b")


@dataclass(frozen=True)
class Outcome:
    """What became of one request.

    accepted: the provider has it. rate_limited: not accepted, try again at ``retry_at``. retry: not
    accepted (5xx, connection refused), back off. rejected: never accepted and never will be (400);
    ``rejected`` names the guilty envelopes by index when the provider said which, ``None`` means all.
    unknown: the request went out and no answer came back; the provider may or may not have it.
    """

    kind: OutcomeKind
    message_id: str = ""
    retry_at: dt.datetime | None = None
    error: str = ""
    rejected: frozenset[int] | None = None
    # Stop this relay run: the provider is rate limiting, failing or slow, more requests would not help.
    halt: bool = False


class Transport(Protocol):
    network: bool

    def describe(self) -> str: ...

    def plan(self, envelopes: Sequence[Envelope]) -> list[list[Envelope]]: ...

    def send(self, envelopes: Sequence[Envelope]) -> Outcome: ...


def transport_from_settings() -> Transport:
    if settings.SENDGRID_API_KEY:
        return SendGridTransport(
            api_key=settings.SENDGRID_API_KEY,
            host=settings.SENDGRID_API_HOST,
            from_email=settings.DEFAULT_FROM_EMAIL,
            timeout=float(getattr(settings, "SENDGRID_TIMEOUT", 20.0)),
        )
    return FileTransport(directory=Path(settings.MAIL_DIR), from_email=settings.DEFAULT_FROM_EMAIL)


def _substitution_bytes(envelope: Envelope) -> int:
    return sum(
        len(k.encode()) + len(v.encode()) for k, v in ((TEXT_TAG, envelope.text), (HTML_TAG, envelope.html))
    )


class SendGridTransport:
    network = True

    def __init__(self, *, api_key: str, host: str, from_email: str, timeout: float) -> None:
        self.client = sendgrid.SendGridAPIClient(api_key, host=host)
        self.host = host
        self.from_name, self.from_address = parseaddr(from_email)
        self.timeout = timeout

    def describe(self) -> str:
        return _("SendGrid at %(host)s") % {"host": self.host}

    def plan(self, envelopes: Sequence[Envelope]) -> list[list[Envelope]]:
        """Requests to make: mail without attachments batched by category, up to 1,000 a request; mail
        with attachments, or too big for substitutions, one a request."""
        requests: list[list[Envelope]] = []
        groups: dict[str, list[Envelope]] = {}
        for envelope in envelopes:
            if envelope.attachments or _substitution_bytes(envelope) > SUBSTITUTION_LIMIT:
                requests.append([envelope])
                continue
            group = groups.setdefault(envelope.category, [])
            group.append(envelope)
            if len(group) == MAX_PERSONALIZATIONS:
                requests.append(groups.pop(envelope.category))
        requests.extend(groups.values())
        return requests

    def body(self, envelopes: Sequence[Envelope]) -> dict[str, object]:
        mail = Mail()
        mail.from_email = From(self.from_address, self.from_name or None)
        batched = len(envelopes) > 1
        first = envelopes[0]
        mail.add_content(Content("text/plain", TEXT_TAG if batched else first.text))
        mail.add_content(Content("text/html", HTML_TAG if batched else first.html))
        mail.add_category(Category(first.category))
        for index, envelope in enumerate(envelopes):
            personalization = Personalization()
            recipient = To()
            recipient.email = envelope.to  # set, not parsed: the helper's parser misreads odd addresses
            personalization.add_to(recipient)
            personalization.subject = envelope.subject
            for key, value in envelope.headers.items():
                personalization.add_header(Header(key, value))
            # SendGrid hands custom_args back in every event, which is how the webhook finds the row.
            personalization.add_custom_arg(CustomArg("outbox_id", str(envelope.outbox_id)))
            if batched:
                personalization.add_substitution(Substitution(TEXT_TAG, envelope.text))
                personalization.add_substitution(Substitution(HTML_TAG, envelope.html))
            # The helper inserts at index 0 by default, which would reverse the order the 400 errors refer to.
            mail.add_personalization(personalization, index=index)
        for item in first.attachments:
            mail.add_attachment(
                Attachment(
                    FileContent(base64.b64encode(item["content"].encode()).decode("ascii")),
                    FileName(item["filename"]),
                    FileType(item.get("mimetype", "application/octet-stream")),
                    Disposition("attachment"),
                )
            )
        return mail.get()

    def send(self, envelopes: Sequence[Envelope]) -> Outcome:
        body = self.body(envelopes)
        try:
            response = self.client.client.mail.send.post(request_body=body, timeout=self.timeout)
        except http_errors.HTTPError as error:
            return _outcome_from_error(error)
        except urllib.error.URLError as error:
            # urllib raises URLError only before the request is fully written (refused, DNS, connect
            # timeout): SendGrid cannot have it, so trying again later is safe.
            return Outcome("retry", error=f"connection failed: {error.reason}", halt=True)
        except (TimeoutError, HTTPException, OSError) as error:
            # The request went out and the answer did not come back: never resend blindly.
            return Outcome("unknown", error=f"no answer from SendGrid: {error!r}", halt=True)
        return Outcome("accepted", message_id=response.headers.get("X-Message-Id", "") or "")


def _outcome_from_error(error: http_errors.HTTPError) -> Outcome:
    status = int(error.status_code)
    body = error.body.decode("utf-8", "replace") if isinstance(error.body, bytes) else str(error.body)
    summary = f"HTTP {status}: {body[:500]}"
    if status == 429:
        reset = (error.headers or {}).get("X-RateLimit-Reset")
        try:
            retry_at = dt.datetime.fromtimestamp(int(float(reset)), tz=dt.UTC) if reset else None
        except ValueError:
            retry_at = None
        return Outcome("rate_limited", retry_at=retry_at, error=summary, halt=True)
    if status >= 500 or status in (401, 403):
        # 401/403 are our configuration, not the messages' fault: keep them for when the key is fixed.
        return Outcome("retry", error=summary, halt=True)
    return Outcome("rejected", error=summary, rejected=_guilty_personalizations(body))


def _guilty_personalizations(body: str) -> frozenset[int] | None:
    """The personalizations a 400 names (``"field": "personalizations.3.to.0.email"``); ``None`` when any
    error is about the request as a whole, so every message in it shares the blame."""
    try:
        errors = json.loads(body).get("errors") or []
    except (ValueError, AttributeError):
        return None
    guilty: set[int] = set()
    for item in errors:
        match = _PERSONALIZATION_FIELD.match(str((item or {}).get("field") or ""))
        if not match:
            return None
        guilty.add(int(match.group(1)))
    return frozenset(guilty) or None


class FileTransport:
    """Each message becomes ``MAIL_DIR/<outbox id>-<category>.eml``. Writing is atomic and the name is
    fixed by the row, so a rerun after a crash overwrites rather than duplicates."""

    network = False

    def __init__(self, *, directory: Path, from_email: str) -> None:
        self.directory = directory
        self.from_email = from_email

    def describe(self) -> str:
        return _("files in %(directory)s") % {"directory": self.directory}

    def plan(self, envelopes: Sequence[Envelope]) -> list[list[Envelope]]:
        return [[envelope] for envelope in envelopes]

    def path_for(self, envelope: Envelope) -> Path:
        return self.directory / f"{envelope.outbox_id:08d}-{envelope.category}.eml"

    def send(self, envelopes: Sequence[Envelope]) -> Outcome:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            for envelope in envelopes:
                path = self.path_for(envelope)
                temporary = path.with_suffix(".tmp")
                temporary.write_bytes(self.message(envelope).as_bytes(policy=SMTP))
                os.replace(temporary, path)
        except OSError as error:
            return Outcome("retry", error=f"cannot write mail: {error}", halt=True)
        return Outcome("accepted", message_id=self.path_for(envelopes[0]).name)

    def message(self, envelope: Envelope) -> EmailMessage:
        message = EmailMessage()
        name, address = parseaddr(self.from_email)
        message["From"] = formataddr((name, address))
        message["To"] = envelope.to
        message["Subject"] = envelope.subject
        message["Message-ID"] = make_msgid(idstring=str(envelope.outbox_id), domain="caunoi.local")
        message["X-Outbox-Id"] = str(envelope.outbox_id)
        message["X-Category"] = envelope.category
        for key, value in envelope.headers.items():
            message[key] = value
        message.set_content(envelope.text)
        message.add_alternative(envelope.html, subtype="html")
        for item in envelope.attachments:
            maintype, _, subtype = item.get("mimetype", "application/octet-stream").partition("/")
            message.add_attachment(
                item["content"].encode(),
                maintype=maintype,
                subtype=subtype or "octet-stream",
                filename=item["filename"],
            )
        return message
