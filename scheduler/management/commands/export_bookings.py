from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandParser

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
            count = write_bookings(sys.stdout)
            self.stderr.write(f"{count} bookings written")
            return
        target = Path(file)
        # Written beside the target and renamed into place: a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                count = write_bookings(out)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.stdout.write(f"{count} bookings written to {target}")


def write_bookings(out: TextIO) -> int:
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
    count = 0
    for student, class_request, session, opportunity, status in rows:
        record = {
            "participant": student or class_request,
            "participant_type": "student" if student else "class_request",
            "session": session,
            "opportunity": opportunity,
            "status": status,
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
