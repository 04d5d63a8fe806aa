"""export_bookings and allocate, through call_command as an operator would run them."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from scheduler.models import Booking
from tests import factories as f

from .conftest import make_booking

Status = Booking.Status


def test_export_bookings_writes_one_json_line_per_booking_with_external_ids(world, tmp_path):
    klass = f.ClassRequestFactory(external_id="CR-11A", school=world.school, group_size=5)
    make_booking(world.adult, world.session, Status.CONFIRMED)
    make_booking(klass, world.session, Status.WAITLISTED, rank=1)
    out = tmp_path / "bookings.jsonl"

    call_command("export_bookings", str(out), stdout=StringIO())

    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines == [
        {
            "participant": "ST-ADULT",
            "participant_type": "student",
            "session": "X-AI-1",
            "opportunity": "O-AI",
            "status": "confirmed",
        },
        {
            "participant": "CR-11A",
            "participant_type": "class_request",
            "session": "X-AI-1",
            "opportunity": "O-AI",
            "status": "waitlisted",
        },
    ]
    assert not list(tmp_path.glob(".*tmp"))


def test_export_bookings_of_nothing_writes_an_empty_file(db, tmp_path):
    out = tmp_path / "bookings.jsonl"
    call_command("export_bookings", str(out), stdout=StringIO())
    assert out.read_text() == ""


def write_problem(path: Path, **overrides) -> Path:
    problem = {
        "participants": [{"id": "s1", "size": 1, "max_bookings": 1}],
        "sessions": [
            {
                "id": "x1",
                "opportunity": "o1",
                "starts_at": "2030-10-01T08:00:00+07:00",
                "ends_at": "2030-10-01T11:00:00+07:00",
                "capacity": 30,
            }
        ],
        "edges": [{"participant": "s1", "session": "x1", "score": 0.8}],
    }
    problem.update(overrides)
    path.write_text(json.dumps(problem), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "overrides, named",
    [
        ({"edges": [{"participant": "s1", "session": "nowhere", "score": 0.8}]}, "nowhere"),
        ({"participants": [{"id": "s1", "size": -3}]}, "size"),
        ({"edges": [{"participant": "s1", "session": "x1", "score": 1.5}]}, "score"),
    ],
)
def test_allocate_refuses_a_bad_problem_naming_the_item_and_writes_nothing(
    tmp_path, capsys, overrides, named
):
    problem = write_problem(tmp_path / "problem.json", **overrides)
    out = tmp_path / "solution.json"

    with pytest.raises(CommandError) as raised:
        call_command("allocate", "--problem", str(problem), "--out", str(out))

    assert raised.value.returncode == 1
    assert named in capsys.readouterr().err
    assert not out.exists()


def test_allocate_refuses_malformed_json(tmp_path):
    problem = tmp_path / "problem.json"
    problem.write_text('{"participants": [', encoding="utf-8")
    out, err = tmp_path / "solution.json", StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("allocate", "--problem", str(problem), "--out", str(out), stderr=err)

    assert raised.value.returncode == 1
    assert "not valid JSON" in err.getvalue()
    assert not out.exists()


def test_allocate_solves_a_good_problem(tmp_path):
    problem = write_problem(tmp_path / "problem.json")
    out = tmp_path / "solution.json"

    call_command(
        "allocate", "--problem", str(problem), "--out", str(out), "--mode", "optimal", stdout=StringIO()
    )

    solution = json.loads(out.read_text(encoding="utf-8"))
    assert solution["assignments"] == [{"participant": "s1", "session": "x1"}]
    assert solution["served"] == 1
