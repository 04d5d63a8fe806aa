from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from notifications.services import outbox_relay


class Command(BaseCommand):
    help = "Send the due messages of the email outbox once (what the Celery beat job does every minute)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="Claim at most this many messages.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = outbox_relay(limit=options["limit"])
        self.stdout.write(
            f"{report.transport}: {report.sent} sent, {report.suppressed} suppressed, "
            f"{report.failed} failed, {report.retrying} to retry, {report.unknown} unknown, "
            f"{report.recovered} recovered; "
            f"{report.requests} requests" + (f"; stopped early: {report.halted}" if report.halted else "")
        )
