from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.engine.cli import main, run

ROOT = Path(__file__).resolve().parents[3]
PROBLEM = {
    "participants": [{"id": "s1", "max_bookings": 2}, {"id": "s2"}],
    "sessions": [
        {
            "id": "x1",
            "opportunity": "o1",
            "starts_at": "2025-10-01T08:00:00+07:00",
            "ends_at": "2025-10-01T11:00:00+07:00",
            "capacity": 1,
        },
        {
            "id": "x2",
            "opportunity": "o2",
            "starts_at": "2025-10-01T11:00:00+07:00",
            "ends_at": "2025-10-01T12:00:00+07:00",
            "capacity": 1,
        },
    ],
    "edges": [
        {"participant": "s1", "session": "x1", "score": 0.9},
        {"participant": "s1", "session": "x2", "score": 0.4},
        {"participant": "s2", "session": "x1", "score": 0.5},
    ],
}


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("mode", "assignments"),
    [
        ("optimal", [{"participant": "s1", "session": "x2"}, {"participant": "s2", "session": "x1"}]),
        ("stable", [{"participant": "s1", "session": "x1"}]),
    ],
)
def test_it_writes_the_solution_and_exits_0(tmp_path: Path, mode: str, assignments: list[dict[str, str]]):
    out = tmp_path / "solution.json"
    stdout = io.StringIO()
    assert run(write(tmp_path / "problem.json", PROBLEM), out, mode, stdout=stdout) == 0
    solution = json.loads(out.read_text(encoding="utf-8"))
    assert solution["mode"] == mode and solution["assignments"] == assignments
    assert set(solution) == {"mode", "assignments", "served", "objective", "upper_bound"}
    assert "bookings" in stdout.getvalue()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "problem.json",
        "solution.json",
    ]  # no temp file left


def test_it_prints_every_defect_and_writes_nothing(tmp_path: Path):
    bad = json.loads(json.dumps(PROBLEM))
    bad["edges"][0]["score"] = 1.5
    bad["edges"].append({"participant": "s9", "session": "x1", "score": 0.5})
    out = tmp_path / "solution.json"
    out.write_text("earlier run", encoding="utf-8")
    stderr = io.StringIO()
    assert run(write(tmp_path / "problem.json", bad), out, stderr=stderr) == 1
    assert stderr.getvalue().splitlines() == [
        "edges[0]: score must be in (0, 1], got 1.5",
        'edges[3]: participant "s9" is not a listed participant',
    ]
    assert out.read_text(encoding="utf-8") == "earlier run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["problem.json", "solution.json"]


def test_it_reports_malformed_json(tmp_path: Path):
    problem = tmp_path / "problem.json"
    problem.write_text("{", encoding="utf-8")
    stderr = io.StringIO()
    assert run(problem, tmp_path / "out.json", stderr=stderr) == 1
    assert stderr.getvalue().startswith(f"{problem}: not valid JSON: line 1 column 2: ")
    assert not (tmp_path / "out.json").exists()


def test_it_reports_an_unwritable_output(tmp_path: Path):
    stderr = io.StringIO()
    out = tmp_path / "missing-dir" / "out.json"
    assert run(write(tmp_path / "problem.json", PROBLEM), out, stderr=stderr) == 1
    assert stderr.getvalue().startswith(f"{out}: cannot write: ")


def test_its_argument_parser_runs_the_same_thing(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "out.json"
    assert (
        main(["--problem", str(write(tmp_path / "p.json", PROBLEM)), "--out", str(out), "--mode", "stable"])
        == 0
    )
    assert json.loads(out.read_text(encoding="utf-8"))["mode"] == "stable"
    with pytest.raises(SystemExit):
        main(["--problem", "p.json", "--out", "o.json", "--mode", "fastest"])


def test_it_runs_as_a_module(tmp_path: Path):
    out = tmp_path / "out.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scheduler.engine.cli",
            "--problem",
            str(write(tmp_path / "p.json", PROBLEM)),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["served"] == 2
