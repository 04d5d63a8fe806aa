# ruff: noqa: E501  (tables of cases read best one a line)
"""Free-time patterns in ``available``: one item for "mornings of 1–7 October", expanded per day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from exchange import fields as f
from exchange.loader import data_import
from students.models import ClassRequest

from .test_import import GOOD, TODAY, write

UTC = dt.UTC


def utc(spans: list[tuple[dt.datetime, dt.datetime]]) -> list[tuple[str, str]]:
    return [(a.astimezone(UTC).strftime("%m-%d %H:%M"), b.astimezone(UTC).strftime("%m-%d %H:%M")) for a, b in spans]


def test_a_range_of_days_with_a_daily_window_is_one_interval_a_day() -> None:
    spans = f.availability("2030-10-01..2030-10-07 07:30-11:30")

    assert utc(spans) == [(f"10-0{d} 00:30", f"10-0{d} 04:30") for d in range(1, 8)]
    assert spans[0][0] == dt.datetime(2030, 10, 1, 7, 30, tzinfo=f.LOCAL_TZ)


def test_weekdays_in_english_or_vietnamese_keep_only_those_days() -> None:
    english = f.availability("2030-10-01..2030-10-31 mon-fri 13:00-17:00")
    vietnamese = f.availability("2030-10-01 .. 2030-10-31 T2-T6 13:00 - 17:00")
    weekends = f.availability("2030-10-01..2030-10-14 sat,cn 08:00-12:00")

    assert len(english) == 23  # October 2030 begins on a Tuesday: 23 weekdays
    assert vietnamese == english
    assert {a.weekday() for a, _ in english} == {0, 1, 2, 3, 4}
    assert [a.day for a, _ in weekends] == [5, 6, 12, 13]


def test_one_date_alone_and_a_window_to_midnight() -> None:
    assert utc(f.availability("2030-10-05 18:00-24:00")) == [("10-05 11:00", "10-05 17:00")]


def test_ho_chi_minh_has_no_daylight_saving_so_every_day_of_a_year_is_the_same_window() -> None:
    spans = f.availability("2030-01-01..2030-12-31 07:00-09:00")

    assert len(spans) == 365
    assert {(a.utcoffset(), b - a) for a, b in spans} == {(dt.timedelta(hours=7), dt.timedelta(hours=2))}
    assert {a.astimezone(UTC).time() for a, _ in spans} == {dt.time(0, 0)}


def test_patterns_and_start_end_intervals_mix_in_one_cell_without_duplicates() -> None:
    spans = f.availability(
        "2030-10-01T19:00/2030-10-01T21:00; 2030-10-01..2030-10-02 07:30-11:30;2030-10-02T07:30/2030-10-02T11:30"
    )

    assert utc(spans) == [("10-01 12:00", "10-01 14:00"), ("10-01 00:30", "10-01 04:30"), ("10-02 00:30", "10-02 04:30")]


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("2030-01-01..2031-01-02 07:00-09:00", "'2030-01-01..2031-01-02 07:00-09:00' spans 367 days, at most 366"),
        ("2030-10-07..2030-10-01 07:00-09:00", "'2030-10-07..2030-10-01 07:00-09:00' ends before it starts"),
        ("2030-10-01..2030-10-07 11:30-07:30", "the hours end before they start"),
        ("2030-10-01..2030-10-07 25:00-26:00", "'25:00' in '2030-10-01..2030-10-07 25:00-26:00' is not a time of day"),
        ("2030-10-01..2030-10-07 weekdays 07:00-09:00", "unknown day 'weekdays'"),
        ("2030-10-01..2030-10-03 sun 07:00-09:00", "falls on none of its days"),
        ("mornings of October", "'mornings of October' is not a free time: write START/END"),
        ("2030-02-30..2030-03-01 07:00-09:00", "'2030-02-30' is not a date"),
        ("2030-01-01..2030-12-31 07:00-08:00;2030-01-01..2030-12-31 09:00-10:00;2030-01-01..2030-12-31 11:00-12:00",
         "too many free times (more than 1000 once the patterns are expanded)"),
    ],
    ids=["367-days", "reversed-days", "reversed-hours", "hour-25", "unknown-day", "no-day", "prose", "bad-date", "too-many"],
)  # fmt: skip
def test_a_bad_pattern_says_what_is_wrong(cell: str, reason: str) -> None:
    with pytest.raises(f.FieldError) as raised:
        f.availability(cell)

    assert reason in str(raised.value)


def test_the_longest_pattern_is_a_leap_year() -> None:
    assert len(f.availability("2032-01-01..2032-12-31 07:00-08:00")) == 366


@pytest.mark.django_db
def test_a_class_request_with_a_pattern_imports_its_days(tmp_path: Path) -> None:
    files = {name: list(lines) for name, lines in GOOD.items()}
    files["class_requests.csv"][1] = files["class_requests.csv"][1].replace(
        "2030-10-01T07:00/2030-10-07T12:00", '"2030-10-01..2030-10-07 mon-fri 07:30-11:30;2030-10-05T08:00/2030-10-05T10:00"'
    )

    report = data_import(directory=write(tmp_path, files), today=TODAY)

    assert report.ok, report.problems
    stored = ClassRequest.objects.get(external_id="CR1").availability.order_by("starts_at")
    assert [(a.starts_at.astimezone(f.LOCAL_TZ).day, a.starts_at.astimezone(f.LOCAL_TZ).hour) for a in stored] == [
        (1, 7), (2, 7), (3, 7), (4, 7), (5, 8), (7, 7)
    ]  # fmt: skip


@pytest.mark.django_db
def test_a_bad_pattern_in_a_file_names_file_line_and_column(tmp_path: Path) -> None:
    files = {name: list(lines) for name, lines in GOOD.items()}
    files["students.csv"].append("ST9,S1,An,an@a.example.vn,2010-01-01,upper_secondary,,,,,,,2030-01-01..2031-06-01 07:00-09:00")

    report = data_import(directory=write(tmp_path, files), today=TODAY)

    assert [str(p) for p in report.problems] == [
        "students.csv:4: available: '2030-01-01..2031-06-01 07:00-09:00' spans 517 days, at most 366"
    ]
