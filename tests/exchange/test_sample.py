from __future__ import annotations

import csv
import datetime as dt
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

import places
from companies.models import Company, Opportunity, Session
from exchange.contract import validate
from exchange.fields import KINDS, LEVELS, LOCAL_TZ
from exchange.sample import FILES, default_year, write_world
from exchange.sample_data import vocabulary
from students.models import AvailabilityInterval, ClassRequest, GuardianConsent, School, Student

YEAR = 2030
STUDENTS = 150
AGES = {
    "lower_secondary": (11, 15),
    "upper_secondary": (15, 18),
    "vocational": (15, 20),
    "university": (18, 23),
}


def no_stored_parents(parent_file: str, ids: set[str]) -> dict[str, dict[str, object]]:
    return {}


def read(directory: Path, name: str) -> list[dict[str, str]]:
    with (directory / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("world")
    write_world(directory, students=STUDENTS, seed=7, year=YEAR)
    return directory


def test_the_files_validate_against_the_contract_without_a_problem(world: Path) -> None:
    result = validate(world, no_stored_parents, today=dt.date(YEAR, 9, 1))

    assert [str(p) for p in result.problems] == []
    assert set(result.counts) == set(FILES)
    assert result.counts["students.csv"] == STUDENTS


def test_it_returns_the_number_of_rows_written_per_file(tmp_path: Path) -> None:
    counts = write_world(tmp_path, students=40, seed=1, year=YEAR)

    assert counts == {name: len(read(tmp_path, name)) for name in FILES}


def test_the_same_seed_gives_byte_identical_files(world: Path, tmp_path: Path) -> None:
    write_world(tmp_path, students=STUDENTS, seed=7, year=YEAR)

    for name in FILES:
        assert (tmp_path / name).read_bytes() == (world / name).read_bytes(), name


def test_a_different_seed_gives_a_different_world(world: Path, tmp_path: Path) -> None:
    write_world(tmp_path, students=STUDENTS, seed=8, year=YEAR)

    for name in FILES:
        assert (tmp_path / name).read_bytes() != (world / name).read_bytes(), name


def test_every_level_kind_and_profile_appears(world: Path) -> None:
    assert {row["level"] for row in read(world, "schools.csv")} == set(LEVELS)
    assert {row["level"] for row in read(world, "students.csv")} == set(LEVELS)
    assert {row["kind"] for row in read(world, "opportunities.csv")} == set(KINDS)
    assert {row["profile"] for row in read(world, "companies.csv")} == {
        "company",
        "expert",
        "entrepreneur",
        "artisan",
    }


def test_interests_are_written_in_vietnamese_with_and_without_diacritics_and_in_english(world: Path) -> None:
    interests = [row["interests"] for row in read(world, "students.csv")]
    english = re.compile(r"^(I love|Interested in|I want|Curious about|My dream)")
    plain_vietnamese = re.compile(r"^(Em |Minh |Quan tam)")

    assert any(not text.isascii() for text in interests)
    assert any(text.isascii() and english.match(text) for text in interests)
    assert any(text.isascii() and plain_vietnamese.match(text) for text in interests)


def test_opportunities_are_written_in_both_languages_and_some_are_online(world: Path) -> None:
    opportunities = read(world, "opportunities.csv")

    assert {row["language"] for row in opportunities} == {"vi", "en"}
    assert {row["online"] for row in opportunities} == {"true", "false"}


def test_birth_dates_fit_the_level_throughout_the_first_week_of_october(world: Path) -> None:
    for row in read(world, "students.csv"):
        born = dt.date.fromisoformat(row["birth_date"])
        low, high = AGES[row["level"]]
        assert low <= age_on(born, dt.date(YEAR, 10, 1)) <= age_on(born, dt.date(YEAR, 10, 7)) <= high, row


def test_sessions_fall_in_the_first_week_of_october_in_the_usual_slots(world: Path) -> None:
    slots = {("08:00", "11:00"), ("13:30", "16:30"), ("19:00", "21:00")}
    for row in read(world, "sessions.csv"):
        start, end = dt.datetime.fromisoformat(row["starts_at"]), dt.datetime.fromisoformat(row["ends_at"])
        assert start.utcoffset() == dt.timedelta(hours=7)
        assert dt.date(YEAR, 10, 1) <= start.date() == end.date() <= dt.date(YEAR, 10, 7)
        assert (f"{start:%H:%M}", f"{end:%H:%M}") in slots


def test_visits_take_whole_classes(world: Path) -> None:
    visits = [row for row in read(world, "opportunities.csv") if row["kind"] == "visit"]
    sizes = [int(row["group_size"]) for row in read(world, "class_requests.csv")]

    assert visits and sizes
    for row in visits:
        assert int(row["group_min"]) <= int(row["group_max"]) <= int(row["capacity"])
    assert all(20 <= size <= 45 for size in sizes)


def test_class_requests_come_at_about_one_per_25_students(tmp_path: Path) -> None:
    counts = write_world(tmp_path, students=2000, seed=3, year=YEAR)

    assert 60 <= counts["class_requests.csv"] <= 100


def test_almost_every_student_is_interested_in_a_field_that_some_opportunity_is_about(world: Path) -> None:
    # A field is recognised by any of its topic words, in either language, accents folded (as people type).
    fields = {f.key: [places.fold(t) for ts in f.topics.values() for t in ts] for f in vocabulary().fields}

    def about(text: str) -> set[str]:
        folded = places.fold(text)
        return {key for key, words in fields.items() if any(word in folded for word in words)}

    offered = set().union(*(about(row["topics"]) for row in read(world, "opportunities.csv")))
    students = read(world, "students.csv")
    matched = [row for row in students if about(row["interests"]) & offered]

    assert len(matched) >= 0.95 * len(students)


def test_the_world_grows_sub_linearly_with_the_number_of_students(tmp_path: Path) -> None:
    small = write_world(tmp_path / "small", students=300, year=YEAR)
    large = write_world(tmp_path / "large", students=3000, year=YEAR)

    assert (small["schools.csv"], small["companies.csv"], small["opportunities.csv"]) == (8, 25, 60)
    for name in ("schools.csv", "companies.csv", "opportunities.csv"):
        assert small[name] < large[name] < 10 * small[name]


def test_the_default_year_is_the_next_first_week_of_october() -> None:
    assert default_year(dt.date(2026, 9, 30)) == 2026
    assert default_year(dt.date(2026, 10, 1)) == 2027
    assert default_year() >= dt.datetime.now(tz=LOCAL_TZ).year


def test_it_refuses_a_negative_number_of_students(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 0"):
        write_world(tmp_path, students=-1)


@pytest.mark.django_db
def test_seeding_twice_via_the_command_creates_nothing_the_second_time() -> None:
    models = (
        Company,
        Opportunity,
        Session,
        School,
        Student,
        ClassRequest,
        AvailabilityInterval,
        GuardianConsent,
    )
    first = StringIO()
    call_command("seed_demo", "--students", "60", "--year", str(YEAR), stdout=first)
    counts = [model.objects.count() for model in models]

    second = StringIO()
    with translation.override("vi"):  # the command line's default; the exchange tests read English
        call_command("seed_demo", "--students", "60", "--year", str(YEAR), stdout=second)

    assert "students.csv: 60 were created, 0 were updated, 0 unchanged" in first.getvalue()
    lines = second.getvalue().splitlines()[1:]
    assert second.getvalue().startswith(f"Dữ liệu mẫu: 60 học sinh, seed 2026, các buổi từ ngày 1 đến 7/10/{YEAR}")
    assert len(lines) == len(FILES)
    assert all(": đã tạo 0, đã cập nhật 0, " in line for line in lines), lines
    assert [model.objects.count() for model in models] == counts
    assert Student.objects.filter(external_id__startswith="DEMO-ST-").count() == 60


@pytest.mark.django_db
def test_the_csv_option_writes_the_files_and_loads_nothing(tmp_path: Path) -> None:
    out = StringIO()
    call_command(
        "seed_demo", "--students", "30", "--csv", str(tmp_path / "out"), "--year", str(YEAR), stdout=out
    )

    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(FILES)
    assert len(read(tmp_path / "out", "students.csv")) == 30
    assert Student.objects.count() == School.objects.count() == 0
