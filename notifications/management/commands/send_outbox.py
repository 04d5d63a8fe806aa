from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from notifications.services import outbox_relay


class Command(BaseCommand):
    help = "Send the due messages of the email outbox once (what the Celery beat job does every minute)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="Claim at most this many messages.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = outbox_relay(limit=options["limit"])
        line = _(
            "%(transport)s: %(sent)d sent, %(suppressed)d suppressed, %(failed)d failed, %(retrying)d to retry, "
            "%(unknown)d unknown, %(recovered)d recovered; %(requests)d requests"
        ) % {
            "transport": report.transport,
            "sent": report.sent,
            "suppressed": report.suppressed,
            "failed": report.failed,
            "retrying": report.retrying,
            "unknown": report.unknown,
            "recovered": report.recovered,
            "requests": report.requests,
        }
        if report.halted:
            line += _("; stopped early: %(why)s") % {"why": report.halted}
        self.stdout.write(line)
