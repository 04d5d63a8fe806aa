"""The lock files are what `make` installs (with --require-hashes): every pin of requirements*.txt must be
in them, hashed, or a clean clone would install something else than the project names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import ROOT

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;#\\]+)", re.MULTILINE)


def pins(path: Path) -> dict[str, str]:
    text = path.read_text()
    found = {name.lower().replace("_", "-"): version for name, version in PIN.findall(text)}
    for line in text.splitlines():
        if line.startswith("-r "):
            found.update(pins(path.parent / line.split()[1]))
    return found


@pytest.mark.parametrize(
    ("source", "lock"),
    [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock"),
     ("requirements-tools.txt", "requirements-tools.lock")],
)
def test_every_pin_is_in_the_lock_file_with_its_hashes(source: str, lock: str) -> None:
    wanted = pins(ROOT / source)
    locked = pins(ROOT / lock)
    missing = {name: version for name, version in wanted.items() if locked.get(name) != version}
    assert not missing, f"{source} pins {missing} but {lock} does not: run `make lock`"
    entries = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / lock).read_text())
    unhashed = [e.split()[0] for e in entries if PIN.match(e) and "--hash=sha256:" not in e]
    assert not unhashed, f"{lock}: no hash for {unhashed}"
