from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import ngettext

from exchange.jsonl import write_jsonl
from scheduler.models import Booking


class Command(BaseCommand):
    help = (
        'Write every booking as JSON Lines: {"participant", "participant_type", "session", "opportunity", '
        '"status"}, with external ids. FILE "-" writes to standard output.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help='output path, or "-" for standard output')

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        if file == "-":
            count = 0
            for record in booking_records():
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
            self.stderr.write(
                ngettext("%(count)d booking written", "%(count)d bookings written", count) % {"count": count}
            )
            return
        count = write_jsonl(Path(file), booking_records())  # renamed into place: never half a file
        self.stdout.write(
            ngettext("%(count)d booking written to %(file)s", "%(count)d bookings written to %(file)s", count)
            % {"count": count, "file": file}
        )


def booking_records() -> Iterator[dict[str, Any]]:
    rows = (
        Booking.objects.order_by("pk")
        .values_list(
            "student__external_id",
            "class_request__external_id",
            "session__external_id",
            "session__opportunity__external_id",
            "status",
        )
        .iterator(chunk_size=2000)
    )
    for student, class_request, session, opportunity, status in rows:
        yield {
            "participant": student or class_request,
            "participant_type": "student" if student else "class_request",
            "session": session,
            "opportunity": opportunity,
            "status": status,
        }
