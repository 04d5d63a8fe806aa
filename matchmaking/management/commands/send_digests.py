from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from matchmaking import digests
from matchmaking.digests import digest_period, digests_send
from matchmaking.tasks import digests_queue
from notifications.services import outbox_relay


class Command(BaseCommand):
    help = (
        "Queue this week's recommendation digests (once per student per week, only what is new, to students "
        "who may receive mail), then send them. With a broker, the workers build them: one task per range "
        "of students on the digests queue, each followed by the relay."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-send", action="store_true", help="Only queue; the relay sends later.")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.CELERY_BROKER_URL:
            now = timezone.now()
            tasks = digests_queue(now=now, relay=not options["no_send"])
            then = (
                _("the relay sends later")
                if options["no_send"]
                else _("each task then asks the relay to send what it queued")
            )
            self.stdout.write(
                _("digests %(period)s: %(tasks)d tasks of up to %(size)d students queued for the workers; %(then)s")
                % {"period": digest_period(now), "tasks": tasks, "size": digests.TASK_STUDENTS, "then": then}
            )
            return
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
        # No broker: send here, in this process (a command, not an eager task, may use the network).
        relay = outbox_relay()
        self.stdout.write(
            _("%(transport)s: %(sent)d sent, %(suppressed)d suppressed")
            % {"transport": relay.transport, "sent": relay.sent, "suppressed": relay.suppressed}
        )
