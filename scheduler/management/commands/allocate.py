from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Run the allocation engine on a problem file (the JSON of docs/architecture.md), no database. On bad input "
        "every defect is named, the exit code is 1 and no output file is written."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--problem", type=Path, required=True, help="problem JSON file")
        parser.add_argument("--out", type=Path, required=True, help="where to write the solution JSON")
        parser.add_argument("--mode", choices=["optimal", "stable"], default="optimal")

    def handle(self, *args: Any, problem: Path, out: Path, mode: str, **options: Any) -> None:
        from scheduler.engine import cli  # OR-Tools is loaded only by the commands that solve

        # OutputWrapper writes like a text stream (and lets call_command capture the messages).
        code = cli.run(problem, out, mode, stdout=cast(TextIO, self.stdout), stderr=cast(TextIO, self.stderr))
        if code != 0:
            # The engine has already named every defect on stderr.
            raise CommandError(f"{problem}: no solution written", returncode=code)
