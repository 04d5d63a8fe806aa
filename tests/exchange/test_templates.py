"""Templates: a folder of them validates and its example rows import; the command writes them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from companies.models import Company, Opportunity, Session
from exchange.contract import SPECS
from exchange.loader import data_import
from exchange.template_files import template_bytes
from students.models import ClassRequest, School, Student

from .test_import import TODAY


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_folder_of_templates_imports_one_example_row_of_each_file(tmp_path: Path, fmt: str) -> None:
    call_command("contract_templates", str(tmp_path), "--format", fmt, stdout=io.StringIO())

    report = data_import(directory=tmp_path, today=TODAY)

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{s.stem}.{fmt}" for s in SPECS)
    assert report.ok, report.problems
    assert {name: c.created for name, c in report.counts.items()} == {s.name: 1 for s in SPECS}
    assert [m.objects.count() for m in (Company, Opportunity, Session, School, Student, ClassRequest)] == [1] * 6
    lan = Student.objects.get(external_id="HS-0001")
    assert lan.full_name == "Nguyễn Thị Lan"
    assert lan.availability.count() == 5  # a week of weekday mornings, from one pattern
    assert ClassRequest.objects.get().availability.count() == 6


def test_a_csv_template_has_a_bom_the_full_header_and_one_row() -> None:
    data = template_bytes("students", today=TODAY)

    assert data.startswith(b"\xef\xbb\xbfexternal_id,school,full_name,")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 2 and len(rows[0]) == len(rows[1]) == 16
    assert rows[1][rows[0].index("birth_date")] == "2014-05-14"


def test_an_xlsx_template_holds_real_numbers_and_dates(tmp_path: Path) -> None:
    path = tmp_path / "opportunities.xlsx"
    path.write_bytes(template_bytes("opportunities.csv", format="xlsx", today=TODAY))

    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, (c.value for c in sheet[2]), strict=True))
    assert row["capacity"] == 40
    assert row["apply_by"].date().isoformat() == "2030-09-29"
    assert row["title"] == "Tham quan xưởng phát triển phần mềm"
