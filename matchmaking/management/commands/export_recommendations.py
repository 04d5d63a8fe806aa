from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import ngettext

from exchange.jsonl import write_jsonl
from matchmaking.inputs import student_language
from matchmaking.models import Match
from matchmaking.phrasing import reasons_text


def records() -> Iterator[dict[str, Any]]:
    """The export's objects. Reasons are written in the participant's language (a student's first
    language; a class's is Vietnamese), as the participant would read them."""
    rows = (
        Match.objects.order_by("student__external_id", "class_request__external_id", "rank")
        .values_list("student__external_id", "class_request__external_id", "opportunity__external_id",
                     "rank", "score", "reasons", "student__languages")
        .iterator(chunk_size=5000)
    )  # fmt: skip
    for student, class_request, opportunity, rank, score, reasons, languages in rows:
        yield {
            "participant": student or class_request,
            "participant_type": "student" if student else "class_request",
            "opportunity": opportunity,
            "rank": rank,
            "score": round(score, 6),
            "reasons": reasons_text(reasons, language=student_language(languages or ()) if student else "vi"),
        }


class Command(BaseCommand):
    help = "Write the stored recommendations as JSON Lines (docs/architecture.md), one object a line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        count = write_jsonl(file, records())
        self.stdout.write(
            ngettext(
                "%(count)d recommendation written to %(file)s",
                "%(count)d recommendations written to %(file)s",
                count,
            )
            % {"count": count, "file": file}
        )
