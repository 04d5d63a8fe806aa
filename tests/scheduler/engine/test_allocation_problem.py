from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scheduler.engine import ProblemError, load_problem, parse_problem

GOOD: dict[str, Any] = {
    "participants": [{"id": "s1", "size": 1, "max_bookings": 2}, {"id": "c1", "size": 38, "school": "tht"}],
    "sessions": [
        {
            "id": "x1",
            "opportunity": "o1",
            "starts_at": "2025-10-01T08:00:00+07:00",
            "ends_at": "2025-10-01T11:00:00+07:00",
            "capacity": 30,
        },
        {
            "id": "x2",
            "opportunity": "o1",
            "starts_at": "2025-10-02T08:00:00",
            "ends_at": "2025-10-02T09:00:00",
            "capacity": 40,
        },
    ],
    "edges": [
        {"participant": "s1", "session": "x1", "score": 0.83, "session_score": 0.61},
        {"participant": "c1", "session": "x2", "score": 0.5},
    ],
}


def errors_for(mutate: Any) -> list[str]:
    data = copy.deepcopy(GOOD)
    mutate(data)
    with pytest.raises(ProblemError) as info:
        parse_problem(data)
    return info.value.messages


def test_it_parses_the_design_example_with_defaults():
    problem = parse_problem(GOOD)
    s1, c1 = problem.participants
    assert (s1.size, s1.max_bookings, s1.school) == (1, 2, None)
    assert (c1.size, c1.max_bookings, c1.school) == (38, 1, "tht")
    assert problem.edges[0].session_score == 0.61
    assert problem.edges[1].session_score == 0.5  # defaults to score
    assert problem.seat_cap_per_school is None and problem.priority_schools == frozenset()


def test_it_reads_a_datetime_without_offset_as_ho_chi_minh_time():
    x2 = parse_problem(GOOD).sessions[1]
    assert x2.starts_at == datetime(2025, 10, 2, 1, 0, tzinfo=UTC)
    assert x2.starts_at.utcoffset() == timedelta(hours=7)


def test_it_reads_fairness_options():
    data = {**GOOD, "seat_cap_per_school": 10, "priority_schools": ["tht", "lqd"]}
    problem = parse_problem(data)
    assert problem.seat_cap_per_school == 10
    assert problem.priority_schools == frozenset({"tht", "lqd"})


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["edges"].append({"participant": "s1", "session": "x9", "score": 0.5}),
            'edges[2]: session "x9" is not a listed session',
        ),
        (
            lambda d: d["edges"].append({"participant": "zz", "session": "x1", "score": 0.5}),
            'edges[2]: participant "zz" is not a listed participant',
        ),
        (
            lambda d: d["participants"].append({"id": "s4", "size": -2}),
            'participants[2] (id "s4"): size must be a positive integer, got -2',
        ),
        (
            lambda d: d["participants"][0].update(max_bookings="2"),
            'participants[0] (id "s1"): max_bookings must be a positive integer, got "2"',
        ),
        (
            lambda d: d["participants"][0].update(size=True),
            'participants[0] (id "s1"): size must be a positive integer, got true',
        ),
        (
            lambda d: d["participants"][0].update(school=7),
            'participants[0] (id "s1"): school must be a non-empty string or null, got 7',
        ),
        (
            lambda d: d["sessions"][0].update(
                ends_at="2025-10-01T08:00:00+07:00", starts_at="2025-10-01T09:00:00+07:00"
            ),
            'sessions[0] (id "x1"): ends_at 2025-10-01T08:00:00+07:00 '
            "is not after starts_at 2025-10-01T09:00:00+07:00",
        ),
        (
            lambda d: d["sessions"][0].update(ends_at="2025-10-01T08:00:00+07:00"),
            'sessions[0] (id "x1"): ends_at 2025-10-01T08:00:00+07:00 '
            "is not after starts_at 2025-10-01T08:00:00+07:00",
        ),
        (
            lambda d: d["sessions"][0].update(starts_at="2025-13-01T08:00"),
            'sessions[0] (id "x1"): starts_at must be an ISO 8601 datetime, got "2025-13-01T08:00"',
        ),
        (
            lambda d: d["sessions"][0].update(starts_at="2025-10-01"),
            'sessions[0] (id "x1"): starts_at must be an ISO 8601 datetime, got "2025-10-01"',
        ),
        (
            lambda d: d["sessions"][0].update(ends_at=20251001),
            'sessions[0] (id "x1"): ends_at must be an ISO 8601 datetime, got 20251001',
        ),
        (
            lambda d: d["sessions"][1].update(capacity=-1),
            'sessions[1] (id "x2"): capacity must be a non-negative integer, got -1',
        ),
        (
            lambda d: d["sessions"][1].update(capacity=2.5),
            'sessions[1] (id "x2"): capacity must be a non-negative integer, got 2.5',
        ),
        (lambda d: d["sessions"][1].pop("capacity"), 'sessions[1] (id "x2"): missing key "capacity"'),
        (lambda d: d["sessions"][1].pop("opportunity"), 'sessions[1] (id "x2"): missing key "opportunity"'),
        (
            lambda d: d["participants"].append({"id": "s1"}),
            'participants[2] (id "s1"): duplicate id, first at participants[0]',
        ),
        (
            lambda d: d["sessions"].append(dict(d["sessions"][0])),
            'sessions[2] (id "x1"): duplicate id, first at sessions[0]',
        ),
        (
            lambda d: d["edges"].append(dict(d["edges"][0])),
            'edges[2]: duplicate of edges[0] (participant "s1", session "x1")',
        ),
        (lambda d: d["edges"][1].update(score=1.3), "edges[1]: score must be in (0, 1], got 1.3"),
        (lambda d: d["edges"][1].update(score=0), "edges[1]: score must be in (0, 1], got 0"),
        (
            lambda d: d["edges"][1].update(score="0.5"),
            'edges[1]: score must be a number in (0, 1], got "0.5"',
        ),
        (
            lambda d: d["edges"][0].update(session_score=-0.1),
            "edges[0]: session_score must be in (0, 1], got -0.1",
        ),
        (lambda d: d["edges"][0].pop("score"), 'edges[0]: missing key "score"'),
        (lambda d: d["edges"].append("s1-x1"), "edges[2]: expected an object, got string"),
        (lambda d: d.pop("sessions"), 'problem: missing key "sessions"'),
        (lambda d: d.update(edges={}), "edges: expected a list, got object"),
        (
            lambda d: d.update(seat_cap_per_school=0),
            "seat_cap_per_school: must be a positive integer or null, got 0",
        ),
        (
            lambda d: d.update(priority_schools="tht"),
            "priority_schools: expected a list of school ids, got string",
        ),
        (
            lambda d: d.update(priority_schools=["tht", 3]),
            "priority_schools[1]: must be a non-empty string, got 3",
        ),
    ],
)
def test_it_names_the_item_and_the_defect(mutate: Any, message: str):
    assert errors_for(mutate) == [message]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["participants"][1].pop("id"), 'participants[1]: missing key "id"'),
        (
            lambda d: d["participants"][1].update(id=""),
            'participants[1]: id must be a non-empty string, got ""',
        ),
    ],
)
def test_it_reports_a_missing_id_and_the_edges_that_named_it(mutate: Any, message: str):
    assert errors_for(mutate) == [message, 'edges[1]: participant "c1" is not a listed participant']


def test_it_reports_every_defect_at_once():
    def break_many(d: dict[str, Any]) -> None:
        d["participants"][0]["size"] = 0
        d["sessions"][1]["capacity"] = "many"
        d["edges"][0]["score"] = 2
        d["edges"].append({"participant": "s1", "session": "nope", "score": 0.1})

    assert errors_for(break_many) == [
        'participants[0] (id "s1"): size must be a positive integer, got 0',
        'sessions[1] (id "x2"): capacity must be a non-negative integer, got "many"',
        "edges[0]: score must be in (0, 1], got 2",
        'edges[2]: session "nope" is not a listed session',
    ]


def test_it_does_not_blame_edges_when_the_session_list_itself_is_broken():
    assert errors_for(lambda d: d.update(sessions="x1")) == ["sessions: expected a list, got string"]


def test_it_refuses_a_problem_that_is_not_an_object():
    with pytest.raises(ProblemError) as info:
        parse_problem([GOOD])
    assert info.value.messages == ["problem: expected a JSON object, got list"]


def test_it_reports_malformed_json_with_line_and_column(tmp_path: Path):
    path = tmp_path / "problem.json"
    path.write_text('{\n  "participants": [],\n    "sessions": [,]\n}', encoding="utf-8")
    with pytest.raises(ProblemError) as info:
        load_problem(path)
    assert info.value.messages == [f"{path}: not valid JSON: line 3 column 18: Expecting value"]


def test_it_reports_a_missing_file(tmp_path: Path):
    with pytest.raises(ProblemError) as info:
        load_problem(tmp_path / "absent.json")
    assert info.value.messages == [f"{tmp_path / 'absent.json'}: cannot read: No such file or directory"]


def test_it_loads_a_valid_file(tmp_path: Path):
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(GOOD), encoding="utf-8")
    assert [p.id for p in load_problem(path).participants] == ["s1", "c1"]
