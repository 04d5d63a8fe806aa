"""Reading one contract file as rows of text cells, whatever Excel or a school's system saved it as.

- CSV text in UTF-8 (with or without a BOM), UTF-16 with a BOM (Excel's "Unicode text", TAB-separated)
  or Windows-1258 (Vietnamese Windows). The encoding is decided, never guessed silently: a BOM first;
  then strict UTF-8 on the first 64 KiB that hold a non-ASCII byte; else Windows-1258, read strictly.
  A later byte that the chosen encoding refuses is a problem naming the line, not a wrong letter.
  Windows-1258 writes most Vietnamese letters as a base letter plus a combining mark: the contract
  reader normalises every cell to NFC.
- The field separator is sniffed from the header line: ``,`` or ``;`` (Excel in a Vietnamese locale)
  or TAB. ``;`` also separates list items inside a cell; such cells are quoted, as Excel does.
- ``.xlsx``: the first sheet, streamed (openpyxl ``read_only``); numbers, dates and datetimes become the
  contract's text forms. Line numbers are the sheet's row numbers.
- Title rows above the header ("DANH SÁCH HỌC SINH LỚP 9A", the school's name, often merged across the
  sheet, as a school's software exports them) are skipped: the header is the first row that names a
  column the caller knows (``headers``), among the first ``TITLE_ROWS`` non-empty rows; when none does,
  the first non-empty row is the header, as before, and its problems say so.

A file-level problem (bad bytes, malformed CSV, a broken workbook) is raised as ``SourceError``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

import places

SAMPLE = 64 * 1024
TITLE_ROWS = 10  # rows above the header searched for it: a title, the school, the class, the date
DELIMITERS = (",", ";", "\t")
_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-16-le": "UTF-16",
                   "utf-16-be": "UTF-16", "cp1258": "Windows-1258"}  # fmt: skip


_ESCAPED = re.compile("[\udc80-\udcff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def header_key(name: str) -> str:
    """A header cell as it is matched: NFC, accent-folded, case-folded, spaces collapsed
    (``Ngày  sinh`` and ``ngay sinh`` are one key; ``birth_date`` stays ``birth_date``)."""
    return " ".join(places.fold(unicodedata.normalize("NFC", name)).split())


class SourceError(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


def sniff_encoding(path: Path) -> str:
    """The Python codec to read ``path`` with: ``utf-8-sig``, ``utf-16``(``-le``/``-be``), ``utf-8`` or
    ``cp1258``. Reads at most the ASCII prefix plus 64 KiB.

    1. A BOM decides. 2. So does a NUL in every other byte (UTF-16 without a BOM). 3. Otherwise the
    first 64 KiB that hold a non-ASCII byte: UTF-8 if they are mostly valid UTF-8, else Windows-1258.
    """
    with path.open("rb") as handle:
        head = handle.read(SAMPLE)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        # UTF-16 without a BOM: mostly-ASCII text has a NUL in every other byte.
        if len(head) >= 4 and head.count(0) * 3 > len(head):
            return "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
        chunk = head
        while chunk.isascii():  # an ASCII prefix decides nothing: look further (a fast C scan)
            chunk = handle.read(SAMPLE)
            if not chunk:
                return "utf-8"
        # ``chunk`` follows pure ASCII, so it starts on a character boundary; a character cut at its end
        # is held back (final=False). A UTF-8 file with a stray byte stays UTF-8 (the byte is reported
        # where it is); Windows-1258 text is never mostly valid UTF-8 multi-byte sequences.
        text = codecs.getincrementaldecoder("utf-8")("surrogateescape").decode(chunk, final=len(chunk) < SAMPLE)
        bad = len(_ESCAPED.findall(text))
        if not bad:
            return "utf-8"
        good = len(_NON_ASCII.findall(text)) - bad
        return "utf-8" if good > bad else "cp1258"


def encoding_name(codec: str) -> str:
    return _ENCODING_NAMES.get(codec, codec)


def sniff_delimiter(header_line: str) -> str:
    """The separator of the header line: the most frequent of ``,`` ``;`` TAB (``,`` on a tie)."""
    counts = [(header_line.count(d), -i, d) for i, d in enumerate(DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] else ","


class Table:
    """The rows of one file, as ``(line, cells)``; the first is the header (line 1, unless empty or title
    rows come first). ``delimiter`` is known once iteration has begun (``None`` for xlsx)."""

    def __init__(self, path: Path, *, date_columns: Collection[str] = (), headers: Collection[str] = ()) -> None:
        self.path = path
        self.date_columns = frozenset(header_key(name) for name in date_columns)
        self.headers = frozenset(header_key(name) for name in headers)
        self.delimiter: str | None = None
        self.encoding = "UTF-8"  # the name a person knows, for reasons
        self.is_xlsx = path.suffix.lower() == ".xlsx"
        self._dates: frozenset[int] = frozenset()  # the xlsx header's date columns, once it is found

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        return self._from_header(self._xlsx() if self.is_xlsx else self._csv())

    def _from_header(self, rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
        """The rows from the header on: leading empty rows and title rows dropped (module docstring)."""
        above: list[tuple[int, list[str]]] = []
        for line, cells in rows:
            if not any(cell.strip() for cell in cells):
                if not above:
                    continue
            elif not self.headers or any(header_key(cell) in self.headers for cell in cells):
                self._dates = frozenset(i for i, name in enumerate(cells) if header_key(name) in self.date_columns)
                yield line, cells
                yield from rows
                return
            above.append((line, cells))
            if len(above) == TITLE_ROWS:
                break
        # No row names a known column: the first is the header, whose problems then name every column.
        if above:
            line, cells = above[0]
            self._dates = frozenset(i for i, name in enumerate(cells) if header_key(name) in self.date_columns)
        yield from above
        yield from rows

    def _csv(self) -> Iterator[tuple[int, list[str]]]:
        if _is_zip(self.path):
            raise SourceError(
                1,
                _("this is an Excel workbook, not CSV text: name it %(name)s")
                % {"name": self.path.with_suffix(".xlsx").name},
            )
        codec = sniff_encoding(self.path)
        self.encoding = encoding_name(codec)
        line = 0
        try:
            # A byte the encoding does not define arrives as a lone surrogate, which the contract reader
            # refuses in the cell that holds it (``fields.clean``): a problem with its line and column.
            with self.path.open(encoding=codec, errors="surrogateescape", newline="") as handle:
                # The separator is the header's: the first line that has one (a title line may have none).
                head = list(itertools.islice(handle, TITLE_ROWS))
                if not head:
                    return
                self.delimiter = sniff_delimiter(next((text for text in head if _has_delimiter(text)), head[0]))
                reader = csv.reader(itertools.chain(head, handle), delimiter=self.delimiter)
                previous_end = 0
                for cells in reader:
                    line, previous_end = previous_end + 1, reader.line_num
                    yield line, cells
        except UnicodeDecodeError as exc:  # what surrogateescape cannot carry (broken UTF-16)
            raise SourceError(
                line + 1,
                _("the file is not valid %(encoding)s from here on (%(reason)s); save it as UTF-8")
                % {"encoding": self.encoding, "reason": exc.reason},
            ) from None
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):  # what an unclosed quotation mark does
                raise SourceError(
                    line + 1,
                    _('a cell is longer than %(limit)s characters: a quotation mark (") may be left open on '
                    "this line or above it") % {"limit": csv.field_size_limit()},
                ) from None
            raise SourceError(line + 1, _("malformed CSV: %(error)s") % {"error": exc}) from None

    def _xlsx(self) -> Iterator[tuple[int, list[str]]]:
        import openpyxl  # only files that are workbooks pay for the import

        # Anything a broken or hostile workbook makes openpyxl raise (zip, XML, missing parts) is
        # the file's problem, reported, never a traceback; defusedxml guards against entity bombs.
        try:
            book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception:
            raise SourceError(0, _unreadable_workbook()) from None
        line = 0
        try:
            if not book.worksheets:
                return
            rows = book.worksheets[0].iter_rows(values_only=True)
            for line, values in enumerate(rows, start=1):
                # ``_dates`` is set by ``_from_header`` once it has seen the header: rows are read lazily,
                # so every row below the header is read knowing its date columns.
                yield line, _trimmed([cell_text(v, date_only=i in self._dates) for i, v in enumerate(values)])
        except SourceError:
            raise
        except Exception:
            raise SourceError(line + 1, _unreadable_workbook()) from None
        finally:
            book.close()


def _unreadable_workbook() -> str:
    # The library's own words ("BadZipFile: File is not a zip file") say nothing a coordinator can act on.
    return _(
        "not a readable Excel workbook: the file is damaged, or is not a workbook; open it in Excel or "
        "LibreOffice and save it again as .xlsx"
    )


def _has_delimiter(text: str) -> bool:
    return any(d in text for d in DELIMITERS)


def _is_zip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def _trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells


def cell_text(value: Any, *, date_only: bool = False) -> str:
    """A workbook cell in the contract's text form: ``2030-10-01``, ``2030-10-01T08:00:00``, ``11``,
    ``true``. A datetime at midnight in a date column is that date; Excel's floating-point times are
    rounded to the second."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        value = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
        if date_only and value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="minutes" if not value.second else "seconds")
    return str(value)
