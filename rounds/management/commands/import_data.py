"""``import_data DIR [--dry-run]``: the CSV contract from the command line (an organiser's import).

It lives above the scheduler so that a sessions file keeps the scheduler's rule for capacities and
moves (``scheduler.services.sessions_import_guard``), as imports over the API and the pages do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from exchange.loader import FileCounts, data_import
from scheduler.services import sessions_import_guard


class Command(BaseCommand):
    help = (
        "Validate the contract files in DIR (NAME.csv or NAME.xlsx) and upsert them in one transaction. "
        "Every bad row is reported as file:line: column: reason; on any error nothing is written and the "
        "exit code is 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")

    def handle(self, *args: Any, directory: Path, dry_run: bool, **options: Any) -> None:
        report = data_import(directory=directory, dry_run=dry_run, guard=sessions_import_guard)
        for name in report.validation.ignored:
            self.stderr.write(_("%(name)s: not part of the contract, ignored") % {"name": name})
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                ngettext(
                    "%(count)d problem found; nothing was written",
                    "%(count)d problems found; nothing was written",
                    report.problem_count,
                )
                % {"count": report.problem_count}
            )
        for name, counts in report.counts.items():
            self.stdout.write(self._counts_line(name, counts, dry_run=dry_run))
        if not report.counts:
            self.stdout.write(_("%(directory)s: no contract files found") % {"directory": directory})
        elif dry_run:
            self.stdout.write(_("Dry run: nothing was written."))

    @staticmethod
    def _counts_line(name: str, counts: FileCounts, *, dry_run: bool) -> str:
        values = {"name": name, "created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged}
        if dry_run:
            line = _("%(name)s: %(created)d would be created, %(updated)d would be updated, %(unchanged)d unchanged")
        else:
            line = _("%(name)s: %(created)d were created, %(updated)d were updated, %(unchanged)d unchanged")
        line %= values
        if counts.erased:
            line += _(", %(erased)d left alone (erased on request)") % {"erased": counts.erased}
        return line
