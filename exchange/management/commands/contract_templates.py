from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from exchange.template_files import templates_write


class Command(BaseCommand):
    help = (
        "Write a template of each contract file into DIR: the header and one example row, as CSV "
        "(UTF-8 with a BOM) or XLSX. A folder of the six templates imports as it is."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")

    def handle(self, *args: Any, directory: Path, format: str, **options: Any) -> None:
        for path in templates_write(directory=directory, format="xlsx" if format == "xlsx" else "csv"):
            self.stdout.write(_("%(path)s written") % {"path": path})
