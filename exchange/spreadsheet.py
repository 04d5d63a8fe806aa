"""Rows for people who open them in Excel: CSV with a BOM, and XLSX, both safe from formula injection.

The school's and the week's reports are opened by people in Excel, and their cells hold text that
others typed (a title, a name). A cell starting with ``=`` ``+`` ``-`` ``@`` (or a tab or CR) would be
run as a formula — ``=HYPERLINK(…)`` exfiltrates, ``=cmd|…`` executes — so text cells are neutralised:

- CSV: the text gets a leading ``'`` (OWASP's advice; Excel shows the rest as text).
- XLSX: the cell is stored as text with Excel's own "quote prefix" flag, which is what Excel records
  when a person types ``'=…``: shown and kept as text, the value itself unchanged.

Numbers, dates and booleans are written as such (a negative number is not text). Both writers take any
iterable of rows and hold one row at a time: ``csv_chunks`` suits a ``StreamingHttpResponse``;
``write_xlsx`` uses openpyxl's write-only mode (rows go to a temporary file, zipped on save).
Aware datetimes are shown in Asia/Ho_Chi_Minh (Excel has no time zones).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from .fields import LOCAL_TZ

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """``value`` with a leading ``'`` if a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(LOCAL_TZ) if value.tzinfo is not None else value


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return _local(value).isoformat(timespec="minutes")
    if isinstance(value, int | float | dt.date):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return neutralise(str(value))


class _Line:
    """A file-like that hands back what ``csv.writer`` writes, so each row becomes one chunk."""

    def write(self, text: str) -> str:
        return text


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]], *, delimiter: str = ",") -> Iterator[str]:
    """The CSV text, a row at a time: a UTF-8 BOM (so that Excel reads UTF-8), the header, the rows.

    Encode each chunk as UTF-8, e.g. ``StreamingHttpResponse(csv_chunks(…), content_type="text/csv;
    charset=utf-8")``.
    """
    writer = csv.writer(_Line(), delimiter=delimiter, lineterminator="\r\n")
    yield BOM + str(writer.writerow([csv_cell(h) for h in header]))
    for row in rows:
        yield str(writer.writerow([csv_cell(v) for v in row]))


def write_csv(target: Path | IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write the CSV (with its BOM) to a path or a text handle opened with ``newline=""``; the row count."""
    if isinstance(target, Path):
        with target.open("w", encoding="utf-8", newline="") as handle:
            return write_csv(handle, header, rows)
    chunks = csv_chunks(header, rows)
    target.write(next(chunks))
    count = 0
    for chunk in chunks:
        target.write(chunk)
        count += 1
    return count


def write_xlsx(
    target: Path | IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1"
) -> int:
    """Write one sheet (a bold, frozen header, then the rows) to a path or a binary handle; the row count."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=re.sub(r"[\\/?*\[\]:]", "-", title)[:31] or "Sheet1")  # Excel's rules
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def cell(value: Any, *, is_header: bool = False) -> WriteOnlyCell:
        if isinstance(value, dt.datetime):
            value = _local(value).replace(tzinfo=None)
        elif value is not None and not isinstance(value, str | int | float | dt.date | dt.time):
            value = str(value)
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)  # XML 1.0 cannot hold most control characters
        out = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            out.data_type = "s"  # never a formula, whatever the text starts with
            if value.startswith(FORMULA_STARTS):
                out.quotePrefix = True
        if is_header:
            out.font = bold
        return out

    sheet.append([cell(h, is_header=True) for h in header])
    count = 0
    for row in rows:
        sheet.append([cell(v) for v in row])
        count += 1
    book.save(target)
    return count
