# ruff: noqa: E501  (the table of bad rows reads best one case a line)
"""The files schools really have: separators, encodings, .xlsx, control characters, the problem bound."""

from __future__ import annotations

import csv
import io
import tracemalloc
import unicodedata
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from companies.models import Opportunity
from exchange.contract import MAX_PROBLEMS, validate
from exchange.loader import data_import, stored_parents
from exchange.sources import sniff_encoding
from students.models import School, Student

from .test_import import GOOD, TODAY, stored_counts, write


def rows_of(name: str) -> list[list[str]]:
    return list(csv.reader(GOOD[name]))


def write_csv(path: Path, rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


TONES = "\u0300\u0301\u0303\u0309\u0323"


def windows_1258(text: str) -> bytes:
    """As Vietnamese Windows writes it: â ê ô ă ơ ư đ are letters of their own, tones are combining marks."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONES))
        out.append(base + "".join(c for c in decomposed if c in TONES))
    return "".join(out).encode("cp1258")


def only_parents(directory: Path) -> Path:
    """The folder with schools.csv only, so that students.* can be given in any form."""
    return write(directory, {"schools.csv": GOOD["schools.csv"]})


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.mark.django_db
def test_a_semicolon_separated_students_file_imports_with_its_quoted_lists(tmp_path: Path) -> None:
    write_csv(only_parents(tmp_path) / "students.csv", rows_of("students.csv"), delimiter=";", encoding="utf-8-sig")

    report = data_import(directory=tmp_path, today=TODAY)

    assert report.ok, report.problems
    mai = Student.objects.get(external_id="ST1")
    assert mai.preferred_kinds == ["internship", "visit"]
    assert mai.availability.count() == 2
    assert Student.objects.get(external_id="ST2").languages == ["en", "vi"]


@pytest.mark.django_db
def test_an_unquoted_list_in_a_semicolon_file_is_a_problem_with_a_hint(tmp_path: Path) -> None:
    header = "external_id;school;full_name;email;birth_date;level;preferred_kinds"
    (only_parents(tmp_path) / "students.csv").write_text(
        f"{header}\nST1;S1;An;an@a.example.vn;2010-01-01;upper_secondary;visit;workshop\n", encoding="utf-8"
    )

    report = data_import(directory=tmp_path, today=TODAY)

    assert [str(p) for p in report.problems] == [
        "students.csv:2: -: row has 8 cells, the header has 7 (a cell that holds a ;-list must be in double quotes)"
    ]


@pytest.mark.django_db
def test_the_same_file_in_windows_1258_imports_with_composed_names(tmp_path: Path) -> None:
    rows = rows_of("students.csv")
    data = "\r\n".join(";".join(f'"{c}"' for c in row) for row in rows) + "\r\n"
    path = only_parents(tmp_path) / "students.csv"
    path.write_bytes(windows_1258(data))
    assert "Tr\u00e2\u0300n".encode("cp1258") in path.read_bytes()  # Trần: â, then a combining grave
    assert sniff_encoding(path) == "cp1258"

    report = data_import(directory=tmp_path, today=TODAY)

    assert report.ok, report.problems
    names = sorted(Student.objects.values_list("full_name", flat=True))
    assert names == ["Lê Văn Nam", "Trần Thị Mai"]
    assert all(unicodedata.is_normalized("NFC", n) for n in names)
    assert Student.objects.get(external_id="ST1").interests == "lập trình game"


@pytest.mark.django_db
def test_excel_unicode_text_utf16_with_tabs_imports(tmp_path: Path) -> None:
    write_csv(only_parents(tmp_path) / "students.csv", rows_of("students.csv"), delimiter="\t", encoding="utf-16")

    report = data_import(directory=tmp_path, today=TODAY)

    assert report.ok, report.problems
    assert Student.objects.get(external_id="ST1").full_name == "Trần Thị Mai"


def test_utf8_is_recognised_after_a_long_ascii_prefix(tmp_path: Path) -> None:
    path = tmp_path / "students.csv"
    path.write_bytes(b"a,b\n" + b"x,y\n" * 40_000 + "Trần,Mai\n".encode())
    assert sniff_encoding(path) == "utf-8"
    path.write_bytes(b"a,b\n" + b"x,y\n" * 40_000 + windows_1258("Trần,Mai\n"))
    assert sniff_encoding(path) == "cp1258"


@pytest.mark.django_db
def test_a_utf8_file_with_one_bad_byte_names_its_line_and_column(tmp_path: Path) -> None:
    data = "\n".join(GOOD["students.csv"]).encode() + b"\nST3,S1,Ph\xe1m An,an@a.example.vn,2010-01-01,upper_secondary\n"
    (only_parents(tmp_path) / "students.csv").write_bytes(data)

    report = data_import(directory=tmp_path, today=TODAY)

    assert [str(p) for p in report.problems] == [
        "students.csv:4: full_name: contains the byte 0xE1 (character 3), which is not valid UTF-8"
    ]


@pytest.mark.django_db
def test_an_xlsx_students_file_imports_and_a_bad_row_names_the_xlsx(tmp_path: Path) -> None:
    import datetime as dt

    header = GOOD["students.csv"][0].split(",")
    good = dict.fromkeys(header, None) | {
        "external_id": "ST1", "school": "S1", "full_name": "Trần Thị Mai", "email": "mai@mail.example.vn",
        "birth_date": dt.datetime.combine(dt.date(2012, 3, 2), dt.time()), "level": "upper_secondary", "grade": 11,
        "available": "2030-10-01..2030-10-03 07:30-11:30", "email_opt_in": True,
    }  # fmt: skip
    bad = good | {"external_id": "ST2", "email": "not-an-email", "grade": 11.0}
    directory = only_parents(tmp_path)
    write_xlsx(directory / "students.xlsx", [header, [good[h] for h in header], [bad[h] for h in header]])

    report = data_import(directory=directory, today=TODAY)

    assert [str(p) for p in report.problems] == ["students.xlsx:3: email: 'not-an-email' is not a valid email address"]
    assert all(n == 0 for n in stored_counts().values())

    write_xlsx(directory / "students.xlsx", [header, [good[h] for h in header], [None] * 3])
    report = data_import(directory=directory, today=TODAY)

    assert report.ok, report.problems
    mai = Student.objects.get(external_id="ST1")
    assert (mai.birth_date, mai.grade, mai.email_opt_in) == (dt.date(2012, 3, 2), 11, True)
    assert mai.availability.count() == 3


@pytest.mark.django_db
def test_csv_and_xlsx_of_one_file_together_are_a_problem_naming_both(tmp_path: Path) -> None:
    directory = write(tmp_path, {"schools.csv": GOOD["schools.csv"]})
    write_xlsx(directory / "schools.xlsx", [row.split(",") for row in GOOD["schools.csv"]])
    write_xlsx(directory / "notes.xlsx", [["anything"]])

    report = data_import(directory=directory, today=TODAY)

    assert [str(p) for p in report.problems] == [
        "schools.csv:0: -: schools.csv and schools.xlsx are both here: keep one"
    ]
    assert report.validation.ignored == ["notes.xlsx"]
    assert School.objects.count() == 0


@pytest.mark.django_db
def test_an_unclosed_quotation_mark_is_named_not_the_csv_modules_limit(tmp_path: Path) -> None:
    directory = only_parents(tmp_path)
    text = 'external_id,school,full_name,email,birth_date,level\nST1,SCH1,"Lê Văn An,a@example.vn,2010-01-01,x\n'
    (directory / "students.csv").write_text(text + ("tiếp " * 40_000) + "\n", encoding="utf-8")

    report = data_import(directory=directory, today=TODAY)

    [problem] = [str(p) for p in report.problems]
    assert problem.startswith("students.csv:2: -: a cell is longer than 131072 characters: a quotation mark")
    assert "field larger" not in problem and not Student.objects.exists()


@pytest.mark.django_db
def test_a_workbook_saved_as_csv_or_a_broken_workbook_is_a_problem(tmp_path: Path) -> None:
    directory = only_parents(tmp_path)
    write_xlsx(directory / "students.csv", [["external_id"]])
    (directory / "class_requests.xlsx").write_bytes(b"PK\x03\x04 not really a zip")

    report = data_import(directory=directory, today=TODAY)

    assert [str(p) for p in report.problems] == [
        "students.csv:1: -: this is an Excel workbook, not CSV text: name it students.xlsx",
        "class_requests.xlsx:0: -: not a readable Excel workbook: the file is damaged, or is not a workbook; open it "
        "in Excel or LibreOffice and save it again as .xlsx",
    ]


NUL_TITLE = "O9,C1,visit,Tham quan\x00nhà máy,Mô tả"


@pytest.mark.parametrize(
    ("file", "row", "message"),
    [
        ("opportunities.csv", NUL_TITLE, "opportunities.csv:5: title: contains the control character U+0000 NUL (character 10), which is not text"),
        ("opportunities.csv", 'O9,C1,visit,"Tham quan\nnhà máy",Mô tả', "opportunities.csv:5: title: contains a line break (character 10); this column takes one line"),
        ("students.csv", "ST9,S1,An\tNguyễn,an@a.example.vn,2010-01-01,upper_secondary", "students.csv:4: full_name: contains a tab (character 3); this column takes one line"),
        ("students.csv", "ST9,S1,An,an\x1b@a.example.vn,2010-01-01,upper_secondary", "students.csv:4: email: contains the control character U+001B (character 3), which is not text"),
        ("students.csv", "ST9,S1,An,an@a.example.vn,2010-01-01,upper_secondary,,robot\x00ics", "students.csv:4: interests: contains the control character U+0000 NUL (character 6), which is not text"),
    ],
    ids=["nul-title", "newline-title", "tab-name", "escape-email", "nul-in-free-text"],
)  # fmt: skip
@pytest.mark.django_db
def test_a_control_character_is_a_row_problem(tmp_path: Path, file: str, row: str, message: str) -> None:
    files = {name: list(lines) for name, lines in GOOD.items()}
    files[file].append(row)

    report = data_import(directory=write(tmp_path, files), today=TODAY)

    assert [str(p) for p in report.problems] == [message]
    assert all(n == 0 for n in stored_counts().values())


@pytest.mark.django_db
def test_free_text_keeps_its_line_breaks_and_tabs(tmp_path: Path) -> None:
    files = {name: list(lines) for name, lines in GOOD.items()}
    files["students.csv"].append('ST9,S1,An,an@a.example.vn,2010-01-01,upper_secondary,,"robot\r\nAI\tdata",')

    report = data_import(directory=write(tmp_path, files), today=TODAY)

    assert report.ok, report.problems
    assert Student.objects.get(external_id="ST9").interests == "robot\nAI\tdata"


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_nul_never_reaches_postgresql(tmp_path: Path) -> None:
    files = {name: list(lines) for name, lines in GOOD.items()}
    files["opportunities.csv"].append(NUL_TITLE)

    report = data_import(directory=write(tmp_path, files), today=TODAY)

    assert [p.column for p in report.problems] == ["title"]
    files["opportunities.csv"][-1] = NUL_TITLE.replace("\x00", " ")
    assert data_import(directory=write(tmp_path / "fixed", files), today=TODAY).ok
    assert Opportunity.objects.get(external_id="O9").title == "Tham quan nhà máy"


def bad_students(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write("external_id,school,full_name,email,birth_date,level\n")
        for i in range(rows):
            out.write(f"ST{i},S1,Học sinh {i},not-an-email-{i},2010-01-01,upper_secondary\n")
    return path


@pytest.mark.django_db
def test_the_problem_list_is_bounded_and_counts_the_rest(tmp_path: Path) -> None:
    bad_students(only_parents(tmp_path) / "students.csv", 2_500)

    report = data_import(directory=tmp_path, today=TODAY)

    assert report.problem_count == 2_500
    assert len(report.problems) == MAX_PROBLEMS + 1
    assert str(report.problems[0]) == "students.csv:2: email: 'not-an-email-0' is not a valid email address"
    assert str(report.problems[MAX_PROBLEMS - 1]).startswith("students.csv:1001: email:")
    assert str(report.problems[-1]) == "… and 1500 more problems"


@pytest.mark.django_db
def test_memory_stays_flat_on_a_big_bad_file(tmp_path: Path) -> None:
    """Six times the bad rows, about the same peak: problems past the bound are counted, not kept."""
    peaks = []
    for rows in (2_000, 12_000):
        directory = only_parents(tmp_path / str(rows))
        bad_students(directory / "students.csv", rows)
        tracemalloc.start()
        validation = validate(directory, stored_parents, today=TODAY)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert validation.problem_count == rows

    assert peaks[1] < peaks[0] * 1.5, peaks


def test_the_command_prints_the_kept_problems_then_the_count_of_the_rest(
    tmp_path: Path, db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_students(only_parents(tmp_path) / "students.csv", 1_200)

    with pytest.raises(CommandError) as raised:
        call_command("import_data", str(tmp_path))

    err = capsys.readouterr().err.splitlines()
    assert str(raised.value) == "1200 problems found; nothing was written"
    assert len(err) == MAX_PROBLEMS + 1
    assert err[-1] == "… and 200 more problems"
