"""Run the allocation engine on a problem file: what `manage.py allocate` calls.

    python -m scheduler.engine.cli --problem problem.json --out solution.json --mode optimal

Exit 0 with the solution written; exit 1 with every defect of the problem on stderr and nothing
written. The output appears atomically (a temporary file in the same directory, then os.replace),
so a reader never sees half a file and a failed run leaves an earlier output intact.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from os import PathLike
from pathlib import Path
from typing import TextIO

from .problem import ProblemError, load_problem
from .solve import MODES, solution_to_dict, solve


def run(
    problem_path: str | PathLike[str],
    out_path: str | PathLike[str],
    mode: str = "optimal",
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        solution = solve(load_problem(problem_path), mode)
    except ProblemError as exc:
        for message in exc.messages:
            # One write per line: Django's OutputWrapper adds a newline to each write that lacks one.
            stderr.write(message + "\n")
        return 1
    out = Path(out_path)
    try:
        _write_atomically(out, json.dumps(solution_to_dict(solution), ensure_ascii=False) + "\n")
    except OSError as exc:
        stderr.write(f"{out}: cannot write: {exc.strerror or exc}\n")
        return 1
    stdout.write(
        f"{solution.mode}: {len(solution.assignments)} bookings, served {solution.served}, "
        f"objective {solution.objective:.4f} (upper bound {solution.upper_bound:.4f}) -> {out}\n"
    )
    return 0


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scheduler.engine.cli", description="Run the allocation engine on a problem file."
    )
    parser.add_argument("--problem", required=True, help="problem JSON file")
    parser.add_argument("--out", required=True, help="where to write the solution JSON")
    parser.add_argument("--mode", choices=MODES, default="optimal")
    args = parser.parse_args(argv)
    return run(args.problem, args.out, args.mode)


if __name__ == "__main__":
    sys.exit(main())
