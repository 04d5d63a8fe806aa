"""`make test` (tests/run_suites.py) shows each suite's progress while the suites run, not only at the end."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.run_suites import Suite, Tail


def test_progress_lines_are_printed_as_they_come_after_the_suite_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "pytest.log"
    suite = Suite("postgresql + redis (real Celery worker)", "postgresql", {}, "22000-31999")
    tail = Tail(log)
    suite.progress(tail)  # the suite has not written its log yet
    with log.open("ab") as out:
        out.write(b"collected 3 items\n\ntests/api/test_auth.py ..")
    suite.progress(tail)
    assert capsys.readouterr().out == ""  # a line still being written waits for its end

    with log.open("ab") as out:
        out.write(b"F                     [ 60%]\n")
        out.write(b"\x1b[32mtests/web/test_pages.py\x1b[0m .  \x1b[32m[100%]\x1b[0m\n\n")
        out.write(b"=========== 1 failed, 2 passed in 3.01s ===========\n")
    suite.progress(tail)
    assert capsys.readouterr().out.splitlines() == [
        "postgresql | tests/api/test_auth.py ..F                     [ 60%]",
        "postgresql | \x1b[32mtests/web/test_pages.py\x1b[0m .  \x1b[32m[100%]\x1b[0m",
    ]
    suite.progress(tail)
    assert capsys.readouterr().out == ""  # each line once
