from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from exchange.loader import data_import
from exchange.sample import default_year, write_world


class Command(BaseCommand):
    help = (
        "Generate a realistic, reproducible sample world (schools, students, class requests, companies, "
        "experts, artisans, opportunities, sessions in 1–7 October) in the CSV contract. With --csv DIR "
        "write the files there and stop; otherwise load them through the importer (validation and upsert), "
        "so running it twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--students", type=int, default=300, help="number of students (default 300)")
        parser.add_argument("--csv", type=Path, dest="csv_dir", help="write the CSV files into DIR and stop")
        parser.add_argument("--seed", type=int, default=2026, help="same seed, same world (default 2026)")
        parser.add_argument(
            "--year", type=int, help="year of the 1–7 October event week (default: the next one ahead)"
        )

    def handle(
        self, *args: Any, students: int, csv_dir: Path | None, seed: int, year: int | None, **options: Any
    ) -> None:
        if students < 0:
            raise CommandError(_("--students must be at least 0"))
        year = default_year() if year is None else year
        self.stdout.write(
            _("Sample world: %(students)d students, seed %(seed)d, sessions in 1–7 October %(year)d")
            % {"students": students, "seed": seed, "year": year}
        )
        if csv_dir is not None:
            for name, rows in write_world(csv_dir, students=students, seed=seed, year=year).items():
                self.stdout.write(
                    ngettext("%(path)s: %(rows)d row", "%(path)s: %(rows)d rows", rows)
                    % {"path": csv_dir / name, "rows": rows}
                )
            return
        with tempfile.TemporaryDirectory(prefix="caunoi-seed-") as tmp:
            write_world(Path(tmp), students=students, seed=seed, year=year)
            report = data_import(directory=Path(tmp))
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                ngettext(
                    "the sample world has %(count)d problem; nothing was written",
                    "the sample world has %(count)d problems; nothing was written",
                    len(report.problems),
                )
                % {"count": len(report.problems)}
            )
        for name, counts in report.counts.items():
            self.stdout.write(
                _("%(name)s: %(created)d were created, %(updated)d were updated, %(unchanged)d unchanged")
                % {"name": name, "created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged}
            )
