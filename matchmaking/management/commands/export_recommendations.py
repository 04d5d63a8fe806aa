from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from exchange.jsonl import write_jsonl
from matchmaking.models import Match


def records() -> Iterator[dict[str, Any]]:
    rows = (
        Match.objects.order_by("student__external_id", "class_request__external_id", "rank")
        .values_list("student__external_id", "class_request__external_id", "opportunity__external_id",
                     "rank", "score", "reasons")
        .iterator(chunk_size=5000)
    )  # fmt: skip
    for student, class_request, opportunity, rank, score, reasons in rows:
        yield {
            "participant": student or class_request,
            "participant_type": "student" if student else "class_request",
            "opportunity": opportunity,
            "rank": rank,
            "score": round(score, 6),
            "reasons": reasons,
        }


class Command(BaseCommand):
    help = "Write the stored recommendations as JSON Lines (docs/architecture.md), one object a line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        count = write_jsonl(file, records())
        self.stdout.write(f"{count} recommendations written to {file}")
