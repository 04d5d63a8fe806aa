"""schools.csv: a combined school (trường liên cấp) lists its levels in the level column, ``THCS;THPT``,
the main one first; its classes of each level import, and a school's own file without a level column
takes a row's level from its grade among the school's levels."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from exchange.loader import data_import
from exchange.scope import school_defaults
from students.models import ClassRequest, School, Student
from tests import factories as f

from .test_import import GOOD, TODAY, stored_counts, write

pytestmark = pytest.mark.django_db

SCHOOLS = GOOD["schools.csv"][0]
CLASSES = GOOD["class_requests.csv"][0]
STUDENTS = "external_id,school,full_name,email,birth_date,level,grade"


def test_a_combined_school_and_its_grade_10_class_import(tmp_path: Path) -> None:
    files = {
        "schools.csv": [
            SCHOOLS,
            'S3,Trường THCS và THPT Lê Lợi,"THCS;THPT",Hà Nội,leloi@edu.example.vn,',
            "S4,Trường PTDTNT THCS và THPT Mường Lay,lower_secondary;upper_secondary,Điện Biên,mlay@edu.example.vn,",
        ],
        "class_requests.csv": [
            CLASSES, "CR3,S3,10A,upper_secondary,40,10", "CR4,S3,8B,THCS,38,8", "CR5,S4,11A,THPT,30,11"
        ],
    }
    report = data_import(directory=write(tmp_path, files), today=TODAY)

    assert report.ok, [str(p) for p in report.problems]
    leloi = School.objects.get(external_id="S3")
    assert (leloi.level, leloi.other_levels) == ("lower_secondary", ["upper_secondary"])
    assert School.objects.get(external_id="S4").levels == ["lower_secondary", "upper_secondary"]
    assert dict(ClassRequest.objects.values_list("external_id", "level")) == {
        "CR3": "upper_secondary", "CR4": "lower_secondary", "CR5": "upper_secondary",
    }  # fmt: skip


def test_a_single_level_is_as_before_and_the_file_says_every_level(tmp_path: Path) -> None:
    combined = {"schools.csv": [SCHOOLS, "S3,Trường THCS và THPT Lê Lợi,THCS;THPT,Hà Nội,leloi@edu.example.vn,"]}
    data_import(directory=write(tmp_path / "a", combined), today=TODAY)
    single = {"schools.csv": [SCHOOLS, "S3,Trường THCS Lê Lợi,THCS,Hà Nội,leloi@edu.example.vn,"]}
    report = data_import(directory=write(tmp_path / "b", single), today=TODAY)
    assert report.ok and report.counts["schools.csv"].updated == 1
    assert School.objects.get(external_id="S3").levels == ["lower_secondary"]
    # The same file again writes nothing.
    again = data_import(directory=write(tmp_path / "c", single), today=TODAY)
    assert again.counts["schools.csv"].unchanged == 1


def test_a_class_of_a_level_the_combined_school_does_not_teach_names_its_levels(tmp_path: Path) -> None:
    files = {
        "schools.csv": [SCHOOLS, "S3,Trường THCS và THPT Lê Lợi,THCS;THPT,Hà Nội,leloi@edu.example.vn,"],
        "class_requests.csv": [CLASSES, "CR3,S3,K1,vocational,40"],
    }
    with translation.override("en"):
        report = data_import(directory=write(tmp_path / "a", files), today=TODAY)
    assert [str(p) for p in report.problems] == [
        "class_requests.csv:2: level: school 'S3' teaches THCS (lower_secondary) and THPT (upper_secondary), "
        "not trung cấp/cao đẳng (vocational)"
    ]
    with translation.override("vi"):
        report = data_import(directory=write(tmp_path / "b", files), today=TODAY)
    assert "trường 'S3' dạy cấp THCS (lower_secondary) và THPT (upper_secondary), không dạy cấp" in str(
        report.problems[0]
    )
    assert stored_counts()["School"] == 0


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("THCS;mầm non", "schools.csv:2: level: unknown level 'mầm non'"),
        ("THCS và THPT", "; a school of several levels lists them separated by ;, e.g. THCS;THPT"),
        ("THCS, THPT", "; a school of several levels lists them separated by ;, e.g. THCS;THPT"),
        (";", "schools.csv:2: level: ';' names no level"),
    ],
)
def test_a_bad_level_list_names_row_column_and_value(tmp_path: Path, cell: str, reason: str) -> None:
    files = {"schools.csv": [SCHOOLS, f'S3,Trường Lê Lợi,"{cell}",Hà Nội,leloi@edu.example.vn,']}
    with translation.override("en"):
        report = data_import(directory=write(tmp_path, files), today=TODAY)
    assert len(report.problems) == 1 and reason in str(report.problems[0]), [str(p) for p in report.problems]
    assert str(report.problems[0]).startswith("schools.csv:2: level: ")
    assert stored_counts()["School"] == 0


def test_a_schools_own_file_without_level_takes_the_grades_level_among_the_schools(tmp_path: Path) -> None:
    combined = f.SchoolFactory(external_id="S3", level="lower_secondary", other_levels=["upper_secondary"])
    students = {
        "students.csv": [
            "external_id,full_name,email,birth_date,grade",
            "ST7,Vũ An,an@example.vn,2011-02-02,7",
            "ST10,Vũ Bình,binh@example.vn,2009-02-02,10",
            "STX,Vũ Chi,chi@example.vn,2009-02-02,",
        ]
    }
    report = data_import(directory=write(tmp_path / "a", students), today=TODAY, defaults=school_defaults(combined))
    assert report.ok, [str(p) for p in report.problems]
    assert dict(Student.objects.values_list("external_id", "level")) == {
        "ST7": "lower_secondary", "ST10": "upper_secondary", "STX": "lower_secondary",
    }  # fmt: skip
    classes = {"class_requests.csv": ["external_id,class_name,group_size,grade", "CR10,10A,40,10"]}
    report = data_import(directory=write(tmp_path / "b", classes), today=TODAY, defaults=school_defaults(combined))
    assert report.ok and ClassRequest.objects.get(external_id="CR10").level == "upper_secondary"


def test_a_vocational_schools_grade_10_is_at_its_vocational_level(tmp_path: Path) -> None:
    # Trung cấp after grade 9 teaches the upper-secondary curriculum in grades 10–12: its classes are
    # vocational, not THPT (they were refused as "the level of grade 10").
    school = f.SchoolFactory(external_id="S5", level="vocational")
    classes = {"class_requests.csv": ["external_id,class_name,group_size,grade", "CR11,K10 Điện,30,10"]}
    report = data_import(directory=write(tmp_path, classes), today=TODAY, defaults=school_defaults(school))
    assert report.ok, [str(p) for p in report.problems]
    assert ClassRequest.objects.get(external_id="CR11").level == "vocational"
