from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from scheduler.models import AllocationMode
from scheduler.services import round_schedule


class Command(BaseCommand):
    help = (
        "Turn the stored matches into proposed bookings (each with a hold window and an email) and a ranked "
        "waitlist per session. Re-running replaces the previous round's proposals and waitlists; confirmed "
        "bookings are never touched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--mode",
            choices=AllocationMode.values,
            default="optimal",
            help="optimal: serve the most participants, then the best total score (default); "
            "stable: deferred acceptance, for internships (students only)",
        )
        parser.add_argument(
            "--seat-cap-per-school", type=int, default=None, help="at most N seats per school per opportunity"
        )

    def handle(self, *args: Any, mode: str, seat_cap_per_school: int | None, **options: Any) -> None:
        if seat_cap_per_school is not None and seat_cap_per_school < 1:
            raise CommandError(_("--seat-cap-per-school must be at least 1"))
        report = round_schedule(mode=mode, seat_cap_per_school=seat_cap_per_school)
        for line in report.lines():
            self.stdout.write(line)
