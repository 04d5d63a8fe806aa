# ruff: noqa: E501  (the table of bad rows reads best one case a line)
"""import_data: validation of every bad-input case, the good path, idempotency, NFD and BOM input."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from companies.models import Company, Opportunity, Session
from exchange.loader import data_import
from students.models import AvailabilityInterval, ClassRequest, GuardianConsent, School, Student

TODAY = dt.date(2030, 9, 1)

GOOD = {
    "companies.csv": [
        "external_id,name,province,contact_email,sector,website,profile",
        "C1,Công ty Phần mềm Sông Hồng,Hà Nội,hr@songhong.example.vn,software,songhong.example.vn,company",
        "C2,Nghệ nhân Gốm Bát Tràng,ha noi,gom@battrang.example.vn,crafts,,artisan",
    ],
    "opportunities.csv": [
        "external_id,company,kind,title,description,topics,language,province,online,levels,min_age,capacity,"
        "group_min,group_max,apply_by",
        "O1,C1,internship,Thực tập AI,Thực tập trí tuệ nhân tạo,trí tuệ nhân tạo;dữ liệu,vi,,false,"
        "upper_secondary;university,16,5,,,2030-09-25",
        "O2,C2,visit,Visit a pottery village,See how Bát Tràng pottery is made,pottery,en,Bắc Giang,no,"
        "lower_secondary;upper_secondary,,45,20,45,",
        "O3,C1,career_talk,Career talk: software,Online talk about software careers,software,en,,yes,,,200,,,",
    ],
    "sessions.csv": [
        "external_id,opportunity,starts_at,ends_at,capacity",
        "X1,O1,2030-10-01T08:00:00+07:00,2030-10-01T11:00:00+07:00,",
        "X2,O2,2030-10-02 08:00,2030-10-02 11:00,40",
        "X3,O3,2030-10-03T19:00:00Z,2030-10-03T20:00:00Z,",
    ],
    "schools.csv": [
        "external_id,name,level,province,contact_email,address",
        "S1,THPT Chu Văn An,upper_secondary,Hà Nội,c3chuvanan@edu.example.vn,10 Thụy Khuê",
        "S2,THCS Bắc Giang,lower_secondary,Bắc Giang,thcs@edu.example.vn,",
    ],
    "students.csv": [
        "external_id,school,full_name,email,birth_date,level,grade,interests,skills,preferred_kinds,province,"
        "languages,available,guardian_email,guardian_consent,email_opt_in",
        "ST1,S1,Trần Thị Mai,mai@mail.example.vn,2014-03-02,upper_secondary,11,lập trình game,python,internship;visit,,"
        "vi,2030-10-01T07:00/2030-10-01T12:00;2030-10-02T07:00/2030-10-02T12:00,me@mail.example.vn,có,yes",
        "ST2,S1,Lê Văn Nam,nam@mail.example.vn,2008-01-01,university,,game development,,,Đà Nẵng,en;vi,,,,true",
    ],
    "class_requests.csv": [
        "external_id,school,class_name,level,group_size,grade,interests,topics,kinds,available,max_bookings",
        "CR1,S1,11A,upper_secondary,38,11,a visit to an AI company,AI,visit,2030-10-01T07:00/2030-10-07T12:00,",
    ],
}


def write(directory: Path, files: dict[str, list[str]], *, bom: bool = False, nfd: bool = False) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, lines in files.items():
        content = "\n".join(lines) + "\n"
        if nfd:
            content = unicodedata.normalize("NFD", content)
        (directory / name).write_text(("\ufeff" if bom else "") + content, encoding="utf-8")
    return directory


def with_row(file: str, row: str) -> dict[str, list[str]]:
    files = {name: list(lines) for name, lines in GOOD.items()}
    files[file].append(row)
    return files


def stored_counts() -> dict[str, int]:
    models = [Company, Opportunity, Session, School, Student, ClassRequest, AvailabilityInterval, GuardianConsent]
    return {m.__name__: m.objects.count() for m in models}


@pytest.mark.django_db
def test_it_imports_every_file_of_the_contract(tmp_path: Path) -> None:
    report = data_import(directory=write(tmp_path, GOOD), today=TODAY)

    assert report.ok, report.problems
    assert {name: c.created for name, c in report.counts.items()} == {
        "companies.csv": 2, "opportunities.csv": 3, "sessions.csv": 3, "schools.csv": 2,
        "students.csv": 2, "class_requests.csv": 1,
    }  # fmt: skip
    o1 = Opportunity.objects.get(external_id="O1")
    assert o1.province == "ha-noi"  # not online, no province: the company's
    assert o1.topics == ["trí tuệ nhân tạo", "dữ liệu"]
    assert o1.levels == ["upper_secondary", "university"]
    assert Opportunity.objects.get(external_id="O2").province == "bac-ninh"  # Bắc Giang merged into Bắc Ninh in 2025
    assert Opportunity.objects.get(external_id="O3").province == ""  # online
    assert Session.objects.get(external_id="X1").capacity == 5  # the opportunity's
    x2 = Session.objects.get(external_id="X2")
    assert x2.starts_at == dt.datetime(2030, 10, 2, 1, 0, tzinfo=dt.UTC)  # no offset: Asia/Ho_Chi_Minh
    mai = Student.objects.get(external_id="ST1")
    assert mai.province == "ha-noi"  # the school's
    assert mai.preferred_kinds == ["internship", "visit"]
    assert mai.availability.count() == 2
    assert mai.consents.get().method == GuardianConsent.Method.SCHOOL_IMPORT
    assert Student.objects.get(external_id="ST2").languages == ["en", "vi"]
    assert ClassRequest.objects.get(external_id="CR1").max_bookings == 1
    assert Company.objects.get(external_id="C1").website == "https://songhong.example.vn"


@pytest.mark.django_db
def test_importing_the_same_files_twice_changes_nothing(tmp_path: Path) -> None:
    directory = write(tmp_path, GOOD)
    data_import(directory=directory, today=TODAY)
    before = stored_counts()
    stamps = dict(Student.objects.values_list("external_id", "updated_at"))

    report = data_import(directory=directory, today=TODAY)

    assert all(c.created == 0 and c.updated == 0 for c in report.counts.values())
    assert stored_counts() == before
    assert dict(Student.objects.values_list("external_id", "updated_at")) == stamps


@pytest.mark.django_db
def test_a_changed_row_is_updated_in_place(tmp_path: Path) -> None:
    data_import(directory=write(tmp_path / "a", GOOD), today=TODAY)
    pk = Student.objects.get(external_id="ST1").pk
    files = {name: list(lines) for name, lines in GOOD.items()}
    files["students.csv"][1] = (
        files["students.csv"][1]
        .replace("lập trình game", "robotics")
        .replace("2030-10-02T07:00/2030-10-02T12:00", "2030-10-05T13:00/2030-10-05T17:00")
    )

    report = data_import(directory=write(tmp_path / "b", files), today=TODAY)

    assert report.counts["students.csv"].updated == 1
    assert report.counts["students.csv"].unchanged == 1
    mai = Student.objects.get(external_id="ST1")
    assert mai.pk == pk
    assert mai.interests == "robotics"
    assert [a.starts_at.day for a in mai.availability.all()] == [1, 5]


@pytest.mark.django_db
def test_an_imported_opportunity_is_found_by_the_catalogues_search_and_follows_its_new_title(tmp_path: Path) -> None:
    data_import(directory=write(tmp_path / "a", GOOD), today=TODAY)
    assert " thuc tap ai " in Opportunity.objects.get(external_id="O1").search_title
    files = {name: list(lines) for name, lines in GOOD.items()}
    files["opportunities.csv"][1] = files["opportunities.csv"][1].replace("Thực tập AI", "Thực tập lập trình")

    data_import(directory=write(tmp_path / "b", files), today=TODAY)

    found = Opportunity.objects.get(external_id="O1")
    assert found.search_title == " thuc tap lap trinh thực tập lập trình "
    assert " thuc tap tri tue nhan tao " in found.search_text


@pytest.mark.django_db
def test_decomposed_text_with_a_bom_is_stored_composed(tmp_path: Path) -> None:
    report = data_import(directory=write(tmp_path, GOOD, bom=True, nfd=True), today=TODAY)

    assert report.ok, report.problems
    name = School.objects.get(external_id="S1").name
    assert name == unicodedata.normalize("NFC", "THPT Chu Văn An")
    assert School.objects.filter(name="THPT Chu Văn An").exists()


BAD_CASES = [
    ("companies.csv", "C9,Công ty X,Atlantis,x@x.example.vn", "companies.csv:4: province: unknown province 'Atlantis'"),
    ("companies.csv", "C9,Công ty X,Hà Nội,not-an-email", "companies.csv:4: contact_email: 'not-an-email' is not a valid email address"),
    ("students.csv", "ST9,S1,A,a@a.example.vn,2010-13-01,upper_secondary", "students.csv:4: birth_date: '2010-13-01' is not a date (write DD/MM/YYYY, day first, or YYYY-MM-DD)"),
    ("sessions.csv", "X9,O1,tomorrow,2030-10-01T11:00,", "sessions.csv:5: starts_at: 'tomorrow' is not a datetime"),
    ("sessions.csv", "X9,O1,2030-10-01T11:00,2030-10-01T08:00,", "sessions.csv:5: ends_at: 2030-10-01T08:00:00+07:00 is not after starts_at"),
    ("sessions.csv", "X9,O404,2030-10-01T08:00,2030-10-01T11:00,3", "sessions.csv:5: opportunity: unknown opportunity id 'O404'"),
    ("students.csv", "ST1,S1,Again,again@a.example.vn,2010-01-01,upper_secondary", "students.csv:4: external_id: 'ST1' appears twice (first on line 2)"),
    ("opportunities.csv", "O9,C1,hackathon,T,D", "opportunities.csv:5: kind: unknown kind 'hackathon'"),
    ("schools.csv", "S9,Trường,college,Hà Nội,s@s.example.vn", "schools.csv:4: level: unknown level 'college'"),
    ("sessions.csv", "X9,O1,2030-10-01T08:00,2030-10-01T11:00,0", "sessions.csv:5: capacity: 0 is below the minimum of 1"),
    ("opportunities.csv", "O9,C1,visit,T,D,,,,,,,10,30,20,", "opportunities.csv:5: group_max: 20 is below group_min 30"),
    ("students.csv", "ST9,S1,A,a@a.example.vn,2010-01-01,upper_secondary,,,,,,,2030-10-02T12:00/2030-10-02T08:00",
     "students.csv:4: available: interval '2030-10-02T12:00/2030-10-02T08:00' ends before it starts"),
    ("students.csv", "ST9,S404,A,a@a.example.vn,2010-01-01,upper_secondary", "students.csv:4: school: unknown school id 'S404'"),
    ("class_requests.csv", "CR9,S1,11B,upper_secondary,", "class_requests.csv:3: group_size: required"),
    ("class_requests.csv", "CR9,S2,10A,upper_secondary,35", "class_requests.csv:3: level: school 'S2' teaches THCS (lower_secondary) only, not THPT (upper_secondary)"),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("file", "row", "message"), BAD_CASES, ids=[c[2].split(": ")[1] + ":" + c[0] for c in BAD_CASES]
)
def test_a_bad_row_is_reported_and_nothing_is_written(tmp_path: Path, file: str, row: str, message: str) -> None:
    report = data_import(directory=write(tmp_path, with_row(file, row)), today=TODAY)

    assert not report.ok
    assert any(str(p).startswith(message) for p in report.problems), [str(p) for p in report.problems]
    assert len(report.problems) == 1
    assert all(n == 0 for n in stored_counts().values())


@pytest.mark.django_db
def test_every_bad_row_is_reported_in_one_run(tmp_path: Path) -> None:
    files = {name: list(lines) for name, lines in GOOD.items()}
    for file, row, _ in BAD_CASES:
        files[file].append(row)

    report = data_import(directory=write(tmp_path, files), today=TODAY)

    reported = {(p.file, p.column) for p in report.problems}
    assert len(report.problems) >= len(BAD_CASES)
    assert {(file, msg.split(": ")[1]) for file, _, msg in BAD_CASES} <= reported


@pytest.mark.django_db
def test_a_missing_required_column_is_reported(tmp_path: Path) -> None:
    files = {"schools.csv": ["external_id,name,level,province", "S1,THPT A,upper_secondary,Hà Nội"]}

    report = data_import(directory=write(tmp_path, files), today=TODAY)

    assert [str(p) for p in report.problems] == ["schools.csv:1: contact_email: required column is missing"]


@pytest.mark.django_db
def test_a_file_in_no_encoding_we_read_is_reported_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    # 0x81 is undefined in Windows-1258 and, after 0xE0, not UTF-8 either.
    (tmp_path / "schools.csv").write_bytes(
        b"external_id,name,level,province,contact_email\nS1,Tr\xe0\x81ng,upper_secondary,Ha Noi,a@a.example.vn\n"
    )

    report = data_import(directory=tmp_path, today=TODAY)

    assert [str(p) for p in report.problems if p.file == "schools.csv"] == [
        "schools.csv:2: name: contains the byte 0x81 (character 4), which is not valid Windows-1258"
    ]
    assert all(n == 0 for n in stored_counts().values())


@pytest.mark.django_db
def test_a_bad_row_leaves_earlier_data_untouched(tmp_path: Path) -> None:
    data_import(directory=write(tmp_path / "a", GOOD), today=TODAY)
    before = stored_counts()
    files = {name: list(lines) for name, lines in GOOD.items()}
    files["students.csv"][1] = files["students.csv"][1].replace("lập trình game", "changed")
    files["students.csv"].append("ST9,S1,A,bad-email,2010-01-01,upper_secondary")

    report = data_import(directory=write(tmp_path / "b", files), today=TODAY)

    assert not report.ok
    assert stored_counts() == before
    assert Student.objects.get(external_id="ST1").interests == "lập trình game"


@pytest.mark.django_db
def test_a_class_at_another_level_than_its_stored_school_is_reported(tmp_path: Path) -> None:
    data_import(directory=write(tmp_path / "a", GOOD), today=TODAY)
    header = GOOD["class_requests.csv"][0]
    classes = {"class_requests.csv": [header, "CR5,S2,9A,lower_secondary,35", "CR6,S2,11B,THPT,35,11"]}

    report = data_import(directory=write(tmp_path / "b", classes), today=TODAY)

    assert [str(p) for p in report.problems] == [
        "class_requests.csv:3: level: school 'S2' teaches THCS (lower_secondary) only, not THPT (upper_secondary), "
        "the level of grade 11"
    ]
    assert not ClassRequest.objects.filter(school__external_id="S2").exists()


@pytest.mark.django_db
def test_parents_already_stored_satisfy_references(tmp_path: Path) -> None:
    data_import(directory=write(tmp_path / "a", GOOD), today=TODAY)
    only_students = {
        "students.csv": [GOOD["students.csv"][0], "ST5,S2,Phạm An,an@a.example.vn,2012-02-02,lower_secondary"]
    }

    report = data_import(directory=write(tmp_path / "b", only_students), today=TODAY)

    assert report.ok, report.problems
    assert Student.objects.get(external_id="ST5").province == "bac-ninh"


def test_the_command_exits_1_and_prints_every_problem(
    tmp_path: Path, db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = write(tmp_path, with_row("companies.csv", "C9,Công ty X,Atlantis,x@x.example.vn"))

    with pytest.raises(CommandError) as raised:
        call_command("import_data", str(directory))

    assert raised.value.returncode == 1
    assert "companies.csv:4: province: unknown province 'Atlantis'" in capsys.readouterr().err
    assert Company.objects.count() == 0


def test_a_dry_run_counts_but_writes_nothing(tmp_path: Path, db: None, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("import_data", str(write(tmp_path, GOOD)), "--dry-run")

    assert "students.csv: 2 would be created" in capsys.readouterr().out
    assert all(n == 0 for n in stored_counts().values())


@pytest.mark.django_db
def test_a_student_erased_on_request_stays_erased_when_the_school_imports_its_old_roster(tmp_path: Path) -> None:
    from privacy.services import student_erase

    data_import(directory=write(tmp_path / "first", GOOD), today=TODAY)
    mai = Student.objects.get(external_id="ST1")
    student_erase(student_id=mai.pk, requested_by="guardian")
    changed = {name: list(lines) for name, lines in GOOD.items()}
    changed["students.csv"][2] = changed["students.csv"][2].replace("Lê Văn Nam", "Lê Văn Nam Anh")

    report = data_import(directory=write(tmp_path / "again", changed), today=TODAY)

    assert report.ok, report.problems
    counts = report.counts["students.csv"]
    assert (counts.erased, counts.updated, counts.created) == (1, 1, 0)
    mai.refresh_from_db()
    assert mai.erased_at is not None
    assert (mai.full_name, mai.email, mai.interests) == (
        f"Erased student {mai.pk}",
        f"erased-{mai.pk}@erased.invalid",
        "",
    )
    assert not AvailabilityInterval.objects.filter(student=mai).exists()
    assert not GuardianConsent.objects.filter(student=mai, withdrawn_at__isnull=True).exists()
    assert Student.objects.get(external_id="ST2").full_name == "Lê Văn Nam Anh"
