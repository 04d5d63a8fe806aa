from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from exchange.loader import data_import


class Command(BaseCommand):
    help = (
        "Validate the CSV contract files in DIR and upsert them in one transaction. Every bad row is "
        "reported as file:line: column: reason; on any error nothing is written and the exit code is 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")

    def handle(self, *args: Any, directory: Path, dry_run: bool, **options: Any) -> None:
        report = data_import(directory=directory, dry_run=dry_run)
        for name in report.validation.ignored:
            self.stderr.write(f"{name}: not part of the contract, ignored")
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(report.problems)} problem(s) found; nothing was written")
        verb = "would be" if dry_run else "were"
        for name, counts in report.counts.items():
            self.stdout.write(
                f"{name}: {counts.created} {verb} created, {counts.updated} {verb} updated, "
                f"{counts.unchanged} unchanged"
                + (f", {counts.erased} left alone (erased on request)" if counts.erased else "")
            )
        if not report.counts:
            self.stdout.write(f"{directory}: no contract files found")
        elif dry_run:
            self.stdout.write("Dry run: nothing was written.")
