from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from matchmaking.digests import digests_send
from notifications.services import outbox_relay
from notifications.tasks import outbox_relay as outbox_relay_task


class Command(BaseCommand):
    help = (
        "Queue this week's recommendation digests (once per student per week, only what is new, to students "
        "who may receive mail), then send them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-send", action="store_true", help="Only queue; the relay sends later.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = digests_send()
        self.stdout.write(
            _(
                "digests %(period)s: %(enqueued)d queued with %(recommendations)d recommendations; "
                "%(already_sent)d already had this week's, %(capped)d at the weekly cap, %(nothing_new)d with "
                "nothing new"
            )
            % {
                "period": report.period,
                "enqueued": report.enqueued,
                "recommendations": report.recommendations,
                "already_sent": report.already_sent,
                "capped": report.capped,
                "nothing_new": report.nothing_new,
            }
        )
        if options["no_send"] or not report.enqueued:
            return
        if settings.CELERY_BROKER_URL:
            outbox_relay_task.delay()
            self.stdout.write(_("the relay task was queued for a worker"))
        else:
            # No broker: send here, in this process (a command, not an eager task, may use the network).
            relay = outbox_relay()
            self.stdout.write(
                _("%(transport)s: %(sent)d sent, %(suppressed)d suppressed")
                % {"transport": relay.transport, "sent": relay.sent, "suppressed": relay.suppressed}
            )
