# ruff: noqa: E501  (tables of cases read best one a line)
"""The forms schools' files really use: DD/MM/YYYY dates, THCS/THPT, Vietnamese column headers.

Each is an extension of the contract: ISO dates and the level codes still mean what they meant.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from django.utils import translation

from companies.models import Session
from exchange import fields as f
from exchange.contract import SPEC_BY_NAME
from exchange.loader import data_import
from exchange.sources import Table
from students.models import ClassRequest, Student

from .test_files import only_parents, write_xlsx
from .test_import import GOOD, TODAY, stored_counts, write


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2010-09-05", dt.date(2010, 9, 5)),  # ISO, as before
        ("05/09/2010", dt.date(2010, 9, 5)),  # 5 September: day first, always
        ("5/9/2010", dt.date(2010, 9, 5)),
        ("05-09-2010", dt.date(2010, 9, 5)),
        ("05.09.2010", dt.date(2010, 9, 5)),
        ("25/12/2009", dt.date(2009, 12, 25)),
        ("29/02/2012", dt.date(2012, 2, 29)),
    ],
)
def test_a_date_is_iso_or_day_first(text: str, day: dt.date) -> None:
    assert f.date(text) == day


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("09/25/2010", "'09/25/2010' is not a date: there is no month 25 (write the day first, DD/MM/YYYY)"),
        ("05/09/10", "'05/09/10' has a two-digit year: write all four digits (DD/MM/YYYY)"),
        # The form is right, the day is not: the reason says which day (not "write DD/MM/YYYY" again).
        ("31/02/2010", "'31/02/2010' is not a date: month 2 of 2010 has no day 31"),
        ("29/02/2011", "'29/02/2011' is not a date: month 2 of 2011 has no day 29"),
        ("00/05/2010", "'00/05/2010' is not a date: month 5 of 2010 has no day 0"),
        ("05/00/2010", "'05/00/2010' is not a date: there is no month 0 (write the day first, DD/MM/YYYY)"),
        ("05/09-2010", "'05/09-2010' is not a date (write DD/MM/YYYY, day first, or YYYY-MM-DD)"),
        ("2010/09/05", "'2010/09/05' is not a date (write DD/MM/YYYY, day first, or YYYY-MM-DD)"),
        ("2010-13-01", "'2010-13-01' is not a date (write DD/MM/YYYY, day first, or YYYY-MM-DD)"),
        ("5 tháng 9 2010", "'5 tháng 9 2010' is not a date (write DD/MM/YYYY, day first, or YYYY-MM-DD)"),
    ],
)
def test_a_date_that_is_not_unambiguous_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(f.FieldError) as error:
        f.date(text)

    assert str(error.value) == reason


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("upper_secondary", "upper_secondary"),  # the codes, as before
        ("lower_secondary", "lower_secondary"),
        ("THCS", "lower_secondary"),
        ("thpt", "upper_secondary"),
        ("THPT.", "upper_secondary"),
        ("Trung học cơ sở", "lower_secondary"),
        ("trung hoc pho thong", "upper_secondary"),
        ("Cấp 3", "upper_secondary"),
        ("Trung cấp", "vocational"),
        ("Cao đẳng", "vocational"),
        ("Đại học", "university"),
    ],
)
def test_a_level_is_a_code_or_the_name_of_the_school_type(text: str, code: str) -> None:
    assert f.level(text) == code


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Tiểu học", "'Tiểu học': primary school is not served (levels start at THCS, lower secondary)"),
        ("THCS và THPT", "unknown level 'THCS và THPT' (one of: THCS or lower_secondary, THPT or upper_secondary, trung cấp or vocational, đại học or university)"),
        ("college", "unknown level 'college' (one of: THCS or lower_secondary"),
    ],
)
def test_a_level_that_is_not_one_of_ours_is_refused(text: str, reason: str) -> None:
    with pytest.raises(f.FieldError) as error:
        f.level(text)

    assert str(error.value).startswith(reason)


def test_datetimes_and_free_times_take_day_first_dates_too() -> None:
    local = f.LOCAL_TZ
    assert f.datetime("01/10/2030 08:00") == dt.datetime(2030, 10, 1, 8, 0, tzinfo=local)
    assert f.datetime("1/10/2030 8:00") == dt.datetime(2030, 10, 1, 8, 0, tzinfo=local)
    assert f.datetime("2030-10-01 08:00") == dt.datetime(2030, 10, 1, 8, 0, tzinfo=local)
    assert f.availability("01/10/2030..07/10/2030 07:30-11:30") == f.availability("2030-10-01..2030-10-07 07:30-11:30")
    assert f.availability("01/10/2030 07:30/01/10/2030 11:30") == f.availability("2030-10-01T07:30/2030-10-01T11:30")
    assert f.availability("2030-10-01T07:30+07:00/2030-10-01T11:30+07:00") == f.availability("01/10/2030 07:30/01/10/2030 11:30")
    with pytest.raises(f.FieldError, match="there is no month 13"):
        f.datetime("10/13/2030 08:00")
    with pytest.raises(f.FieldError, match="there is no month 13"):
        f.availability("10/13/2030..12/13/2030 07:30-11:30")


SCHOOL_STUDENTS = [
    "STT,Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Cấp học,Khối,Mã trường,Email",
    "1,HS001,Phạm Thu Hà,05/09/2010,Nữ,THCS,9,S1,ha@mail.example.vn",
    "2,HS002,Đỗ Minh Quân,14/03/2008,Nam,THPT,11,S1,quan@mail.example.vn",
]


@pytest.mark.django_db
def test_a_students_file_as_the_schools_software_exports_it_imports(tmp_path: Path) -> None:
    write(only_parents(tmp_path), {"students.csv": SCHOOL_STUDENTS})

    report = data_import(directory=tmp_path, today=TODAY)

    assert report.ok, [str(p) for p in report.problems]
    ha, quan = Student.objects.order_by("external_id")
    assert (ha.external_id, ha.full_name, ha.birth_date, ha.level, ha.grade) == ("HS001", "Phạm Thu Hà", dt.date(2010, 9, 5), "lower_secondary", 9)
    assert (quan.birth_date, quan.level) == (dt.date(2008, 3, 14), "upper_secondary")


@pytest.mark.django_db
def test_a_workbook_with_vietnamese_headers_and_real_date_cells_imports(tmp_path: Path) -> None:
    write_xlsx(
        only_parents(tmp_path) / "students.xlsx",
        [
            ["Mã HS", "Họ tên", "ngay sinh", "Cấp", "Mã trường", "E-mail"],
            ["HS001", "Phạm Thu Hà", dt.datetime(2010, 9, 5), "THCS", "S1", "ha@mail.example.vn"],  # noqa: DTZ001
            ["HS002", "Đỗ Minh Quân", "14/03/2008", "thpt", "S1", "quan@mail.example.vn"],
        ],
    )

    report = data_import(directory=tmp_path, today=TODAY)

    assert report.ok, [str(p) for p in report.problems]
    assert dict(Student.objects.values_list("external_id", "birth_date")) == {"HS001": dt.date(2010, 9, 5), "HS002": dt.date(2008, 3, 14)}


def problems_in_vietnamese(directory: Path) -> list[str]:
    """The import's problems as a Vietnamese coordinator reads them."""
    with translation.override("vi"):
        return [str(p) for p in data_import(directory=directory, today=TODAY).problems]


@pytest.mark.django_db
def test_a_bad_date_is_a_problem_naming_row_column_and_value_in_vietnamese(tmp_path: Path) -> None:
    rows = [*SCHOOL_STUDENTS, "3,HS003,Ngô Lan,09/25/2010,Nữ,Tiểu học,5,S1,lan@mail.example.vn"]
    write(only_parents(tmp_path), {"students.csv": rows})

    problems = problems_in_vietnamese(tmp_path)

    assert problems == [
        "students.csv:4: birth_date: '09/25/2010' không phải là ngày: không có tháng 25 (ghi ngày trước, DD/MM/YYYY)",
        "students.csv:4: level: 'Tiểu học': Cầu Nối không dành cho tiểu học (cấp học bắt đầu từ THCS)",
    ]
    assert all(n == 0 for n in stored_counts().values())


@pytest.mark.django_db
def test_two_headers_for_one_column_are_a_problem_and_a_contract_name_wins_over_a_header_alias(tmp_path: Path) -> None:
    clash = ["Mã học sinh,Họ tên,Họ và tên,Ngày sinh,Cấp học,Mã trường,Email", "HS1,A,B,05/09/2010,THCS,S1,a@mail.example.vn"]
    report = data_import(directory=write(only_parents(tmp_path / "clash"), {"students.csv": clash}), today=TODAY)
    assert [str(p) for p in report.problems] == ["students.csv:1: -: 'Họ và tên' and 'Họ tên' both name the column full_name: keep one"]

    # An old file with a column it did not mean (here 'Họ tên', say a guardian's name) keeps its meaning.
    both = ["external_id,school,full_name,Họ tên,email,birth_date,level", "HS1,S1,Phạm Thu Hà,Phạm Văn Bố,ha@mail.example.vn,2010-09-05,lower_secondary"]
    report = data_import(directory=write(only_parents(tmp_path / "both"), {"students.csv": both}), today=TODAY)
    assert report.ok, [str(p) for p in report.problems]
    assert Student.objects.get().full_name == "Phạm Thu Hà"


@pytest.mark.django_db
def test_a_missing_required_column_names_its_vietnamese_headers(tmp_path: Path) -> None:
    rows = ["Mã học sinh,Họ và tên,Cấp học,Mã trường,Email", "HS1,A,THCS,S1,a@mail.example.vn"]
    report = data_import(directory=write(only_parents(tmp_path), {"students.csv": rows}), today=TODAY)

    assert [str(p) for p in report.problems] == [
        "students.csv:1: birth_date: required column is missing (its header may also be: Ngày sinh, Ngày tháng năm sinh)"
    ]


@pytest.mark.django_db
def test_sessions_and_class_requests_take_day_first_dates(tmp_path: Path) -> None:
    files = {name: list(lines) for name, lines in GOOD.items()}
    files["sessions.csv"].append("X9,O2,03/10/2030 08:00,03/10/2030 11:30,40")
    files["class_requests.csv"].append("CR9,S2,9A,THCS,35,9,,,visit,01/10/2030..03/10/2030 07:30-11:30,")
    files["opportunities.csv"][1] = files["opportunities.csv"][1].replace("2030-09-25", "25/09/2030")

    report = data_import(directory=write(tmp_path, files), today=TODAY)

    assert report.ok, [str(p) for p in report.problems]
    session = Session.objects.get(external_id="X9")
    assert session.starts_at == dt.datetime(2030, 10, 3, 8, 0, tzinfo=f.LOCAL_TZ)
    request = ClassRequest.objects.get(external_id="CR9")
    assert request.level == "lower_secondary"
    assert [a.starts_at.day for a in request.availability.order_by("starts_at")] == [1, 2, 3]


def test_every_date_column_of_the_contract_knows_its_headers() -> None:
    assert SPEC_BY_NAME["students.csv"].date_columns == {"birth_date", "Ngày sinh", "Ngày tháng năm sinh"}
    assert SPEC_BY_NAME["opportunities.csv"].date_columns == {"apply_by"}


@pytest.mark.django_db
def test_title_rows_above_the_header_of_a_workbook_are_skipped_and_its_date_cells_still_read(tmp_path: Path) -> None:
    # As a school's software exports a class list: the title merged across the sheet, the school, a blank row.
    path = write_xlsx(
        only_parents(tmp_path) / "students.xlsx",
        [
            ["DANH SÁCH HỌC SINH LỚP 9A"],
            ["Trường THCS Nguyễn Huệ", None, None, "Năm học 2030-2031"],
            [],
            ["Mã HS", "Họ và tên", "Ngày sinh", "Cấp học", "Mã trường", "Email"],
            ["HS001", "Phạm Thu Hà", dt.datetime(2010, 9, 5), "THCS", "S1", "ha@mail.example.vn"],  # noqa: DTZ001
            ["HS002", "Đỗ Minh Quân", "31/02/2008", "THPT", "S1", "quan@mail.example.vn"],
        ],
    )
    book = openpyxl.load_workbook(path)
    book.active.merge_cells("A1:F1")  # type: ignore[union-attr]
    book.save(path)

    report = data_import(directory=tmp_path, today=TODAY)

    # The row numbers stay the sheet's own.
    assert [str(p) for p in report.problems] == [
        "students.xlsx:6: birth_date: '31/02/2008' is not a date: month 2 of 2008 has no day 31"
    ]
    rows = [*SCHOOL_STUDENTS[:2]]
    write(only_parents(tmp_path / "csv"), {"students.csv": ["DANH SÁCH HỌC SINH LỚP 9A", "", *rows]})
    report = data_import(directory=tmp_path / "csv", today=TODAY)
    assert report.ok, [str(p) for p in report.problems]
    assert Student.objects.get().birth_date == dt.date(2010, 9, 5)


@pytest.mark.django_db
def test_a_semicolon_file_with_a_title_line_is_read_with_its_separator(tmp_path: Path) -> None:
    rows = ["Danh sách học sinh", *(line.replace(",", ";") for line in SCHOOL_STUDENTS)]
    write(only_parents(tmp_path), {"students.csv": rows})

    report = data_import(directory=tmp_path, today=TODAY)

    assert report.ok, [str(p) for p in report.problems]
    assert Student.objects.count() == 2


@pytest.mark.django_db
def test_a_header_cell_merged_over_two_columns_is_named_beside_the_missing_column(tmp_path: Path) -> None:
    # "Họ và tên" merged over C1:D1 leaves D1 empty, and the email under it has no header.
    path = write_xlsx(
        only_parents(tmp_path) / "students.xlsx",
        [
            ["Mã HS", "Mã trường", "Họ và tên", None, "Ngày sinh", "Cấp học"],
            ["HS001", "S1", "Phạm Thu Hà", "ha@mail.example.vn", "05/09/2010", "THCS"],
        ],
    )
    book = openpyxl.load_workbook(path)
    book.active.merge_cells("C1:D1")  # type: ignore[union-attr]
    book.save(path)

    problems = problems_in_vietnamese(tmp_path)

    assert problems == [
        "students.xlsx:1: -: cột D không có tiêu đề (ô tiêu đề của nó có bị gộp với ô bên cạnh không? Hãy bỏ gộp ô và đặt cho mỗi cột một tiêu đề riêng)",
        "students.xlsx:1: email: thiếu cột bắt buộc (tiêu đề cột cũng có thể là: E-mail, Thư điện tử)",
    ]
    assert all(n == 0 for n in stored_counts().values())


def test_a_file_whose_rows_name_no_column_keeps_its_first_row_as_the_header(tmp_path: Path) -> None:
    path = tmp_path / "students.csv"
    path.write_text("a,b\nc,d\n", encoding="utf-8")

    assert list(Table(path, headers=SPEC_BY_NAME["students.csv"].headers)) == [(1, ["a", "b"]), (2, ["c", "d"])]
