"""The CSV contract of DESIGN.md: the files, their columns, and validation that streams.

Validation reads each file once, row by row, keeping only ids (to find duplicates and parents) — never a
whole file — so 100,000 students validate in constant memory per row. It reports every problem as
``file:line: column: reason``. Loading (``iter_rows``) reads the files a second time and yields parsed rows;
it is only called after validation found nothing wrong.

A column missing from a file's header leaves that field of existing rows as it is; a column present but
empty sets the field to its empty value. This keeps old files importable when columns are added.
"""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import fields as f

ParentLookup = Callable[[str, set[str]], Mapping[str, Mapping[str, Any]]]
"""(parent file name, ids) -> {id: attributes} for the ids already stored; the Django side supplies it."""


@dataclass(frozen=True)
class Column:
    name: str
    parse: f.Parser
    required: bool = False


@dataclass(frozen=True)
class FileSpec:
    name: str
    columns: tuple[Column, ...]
    parent: tuple[str, str] | None = None  # (column, parent file name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.reason}"


@dataclass
class Row:
    line: int
    values: dict[str, Any]


_ID = Column("external_id", f.text(64), required=True)
_LEVEL = f.choice(f.LEVELS, "level")
_KIND = f.choice(f.KINDS, "kind")

SPECS: tuple[FileSpec, ...] = (
    FileSpec(
        "companies.csv",
        (
            _ID,
            Column("name", f.text(200), required=True),
            Column("province", f.province, required=True),
            Column("contact_email", f.email, required=True),
            Column("tax_code", f.text(20)),
            Column("sector", f.text(100)),
            Column("address", f.text(300)),
            Column("website", f.url),
            Column("profile", f.choice(("company", "expert", "entrepreneur", "artisan"), "profile")),
        ),
    ),
    FileSpec(
        "opportunities.csv",
        (
            _ID,
            Column("company", f.text(64), required=True),
            Column("kind", _KIND, required=True),
            Column("title", f.text(300), required=True),
            Column("description", f.text(20_000), required=True),
            Column("topics", f.items(f.text(100))),
            Column("language", f.language),
            Column("province", f.province),
            Column("online", f.boolean),
            Column("levels", f.items(_LEVEL)),
            Column("min_age", f.integer(0, 100)),
            Column("capacity", f.integer(1)),
            Column("group_min", f.integer(1)),
            Column("group_max", f.integer(1)),
            Column("apply_by", f.date),
        ),
        parent=("company", "companies.csv"),
    ),
    FileSpec(
        "sessions.csv",
        (
            _ID,
            Column("opportunity", f.text(64), required=True),
            Column("starts_at", f.datetime, required=True),
            Column("ends_at", f.datetime, required=True),
            Column("capacity", f.integer(1)),
        ),
        parent=("opportunity", "opportunities.csv"),
    ),
    FileSpec(
        "schools.csv",
        (
            _ID,
            Column("name", f.text(200), required=True),
            Column("level", _LEVEL, required=True),
            Column("province", f.province, required=True),
            Column("contact_email", f.email, required=True),
            Column("address", f.text(300)),
        ),
    ),
    FileSpec(
        "students.csv",
        (
            _ID,
            Column("school", f.text(64), required=True),
            Column("full_name", f.text(200), required=True),
            Column("email", f.email, required=True),
            Column("birth_date", f.date, required=True),
            Column("level", _LEVEL, required=True),
            Column("grade", f.integer(1, 20)),
            Column("interests", f.text(5_000)),
            Column("skills", f.text(2_000)),
            Column("preferred_kinds", f.items(_KIND)),
            Column("province", f.province),
            Column("languages", f.items(f.language)),
            Column("available", f.items(f.interval)),
            Column("guardian_email", f.email),
            Column("guardian_consent", f.boolean),
            Column("email_opt_in", f.boolean),
        ),
        parent=("school", "schools.csv"),
    ),
    FileSpec(
        "class_requests.csv",
        (
            _ID,
            Column("school", f.text(64), required=True),
            Column("class_name", f.text(50), required=True),
            Column("level", _LEVEL, required=True),
            Column("group_size", f.integer(1, 1000), required=True),
            Column("grade", f.integer(1, 20)),
            Column("interests", f.text(5_000)),
            Column("topics", f.items(f.text(100))),
            Column("kinds", f.items(_KIND)),
            Column("available", f.items(f.interval)),
            Column("max_bookings", f.integer(1, 50)),
        ),
        parent=("school", "schools.csv"),
    ),
)
SPEC_BY_NAME = {spec.name: spec for spec in SPECS}


def _row_checks(spec: FileSpec, values: Mapping[str, Any], today: dt.date) -> list[tuple[str, str]]:
    """Checks that involve more than one cell of a row."""
    problems = []
    if spec.name == "opportunities.csv":
        lo, hi = values.get("group_min"), values.get("group_max")
        if lo is not None and hi is not None and lo > hi:
            problems.append(("group_max", f"{hi} is below group_min {lo}"))
    elif spec.name == "sessions.csv":
        start, end = values.get("starts_at"), values.get("ends_at")
        if start is not None and end is not None and end <= start:
            problems.append(("ends_at", f"{end.isoformat()} is not after starts_at {start.isoformat()}"))
    elif spec.name == "students.csv":
        born = values.get("birth_date")
        if born is not None and born > today:
            problems.append(("birth_date", f"{born.isoformat()} is in the future"))
    return problems


class _Reader:
    """Streams one contract file: header checks, then parsed rows (or problems)."""

    def __init__(self, path: Path, spec: FileSpec) -> None:
        self.path, self.spec = path, spec

    def rows(self, problems: list[Problem], today: dt.date) -> Iterator[Row]:
        name = self.spec.name
        line = 1
        try:
            with self.path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.reader(handle)
                try:
                    header = next(reader)
                except StopIteration:
                    return  # an empty file is an empty table
                header = [unicodedata.normalize("NFC", h).strip().lower() for h in header]
                missing = [c.name for c in self.spec.columns if c.required and c.name not in header]
                for column in missing:
                    problems.append(Problem(name, 1, column, "required column is missing"))
                if missing:
                    return
                known = {c.name: c for c in self.spec.columns}
                positions = [(i, known[h]) for i, h in enumerate(header) if h in known]
                previous_end = reader.line_num
                for cells in reader:
                    line, previous_end = previous_end + 1, reader.line_num
                    if not any(cell.strip() for cell in cells):
                        continue
                    if len(cells) > len(header):
                        problems.append(
                            Problem(name, line, "-", f"row has {len(cells)} cells, the header has {len(header)}")
                        )
                        continue
                    row = self._parse(line, cells, positions, problems, today)
                    if row is not None:
                        yield row
        except UnicodeDecodeError as exc:
            problems.append(Problem(name, line + 1, "-", f"file is not UTF-8 ({exc.reason} at byte {exc.start})"))
        except csv.Error as exc:
            problems.append(Problem(name, line + 1, "-", f"malformed CSV: {exc}"))

    def _parse(
        self,
        line: int,
        cells: list[str],
        positions: list[tuple[int, Column]],
        problems: list[Problem],
        today: dt.date,
    ) -> Row | None:
        values: dict[str, Any] = {}
        ok = True
        for index, column in positions:
            raw = unicodedata.normalize("NFC", cells[index]).strip() if index < len(cells) else ""
            if not raw:
                if column.required:
                    problems.append(Problem(self.spec.name, line, column.name, "required"))
                    ok = False
                values[column.name] = None
                continue
            try:
                values[column.name] = column.parse(raw)
            except f.FieldError as exc:
                problems.append(Problem(self.spec.name, line, column.name, str(exc)))
                ok = False
        for column_name, reason in _row_checks(self.spec, values, today):
            problems.append(Problem(self.spec.name, line, column_name, reason))
            ok = False
        return Row(line, values) if ok else None


@dataclass
class Validation:
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # rows per file present
    ignored: list[str] = field(default_factory=list)  # files in the folder that are not part of the contract

    @property
    def ok(self) -> bool:
        return not self.problems


def present_files(directory: Path) -> list[FileSpec]:
    return [spec for spec in SPECS if (directory / spec.name).is_file()]


def validate(directory: Path, lookup: ParentLookup, *, today: dt.date) -> Validation:
    """Check every file in ``directory``; every problem is reported, the folder is never half-read."""
    result = Validation()
    if not directory.is_dir():
        result.problems.append(Problem(str(directory), 0, "-", "not a folder"))
        return result
    result.ignored = sorted(
        p.name for p in directory.iterdir() if p.suffix.lower() == ".csv" and p.name not in SPEC_BY_NAME
    )
    ids_in_file: dict[str, set[str]] = {}
    # Parent references not satisfied by the folder itself: parent file -> id -> [(child file, line)].
    pending: dict[str, dict[str, list[tuple[str, int, str]]]] = defaultdict(lambda: defaultdict(list))
    # Sessions without their own capacity need their opportunity's: opportunity id -> [line].
    opportunity_capacity: dict[str, int | None] = {}
    sessions_needing_capacity: dict[str, list[int]] = defaultdict(list)

    for spec in present_files(directory):
        first_line: dict[str, int] = {}
        count = 0
        for row in _Reader(directory / spec.name, spec).rows(result.problems, today):
            count += 1
            external_id = row.values["external_id"]
            if external_id in first_line:
                result.problems.append(
                    Problem(
                        spec.name,
                        row.line,
                        "external_id",
                        f"{external_id!r} appears twice (first on line {first_line[external_id]})",
                    )
                )
                continue
            first_line[external_id] = row.line
            if spec.parent:
                column, parent_file = spec.parent
                parent_id = row.values[column]
                if parent_id not in ids_in_file.get(parent_file, ()):
                    pending[parent_file][parent_id].append((spec.name, row.line, column))
            if spec.name == "opportunities.csv":
                opportunity_capacity[external_id] = row.values.get("capacity")
            if spec.name == "sessions.csv" and row.values.get("capacity") is None:
                sessions_needing_capacity[row.values["opportunity"]].append(row.line)
        ids_in_file[spec.name] = set(first_line)
        result.counts[spec.name] = count

    stored_opportunities: Mapping[str, Mapping[str, Any]] = {}
    for parent_file, references in pending.items():
        stored = lookup(parent_file, set(references))
        if parent_file == "opportunities.csv":
            stored_opportunities = stored
        for parent_id, places_used in references.items():
            if parent_id not in stored:
                for child_file, line, column in places_used:
                    what = parent_file.removesuffix(".csv")
                    result.problems.append(Problem(child_file, line, column, f"unknown {what} id {parent_id!r}"))
    for opportunity_id, lines in sessions_needing_capacity.items():
        if opportunity_id in opportunity_capacity:
            capacity = opportunity_capacity[opportunity_id]
        else:
            capacity = stored_opportunities.get(opportunity_id, {}).get("capacity", 0)
        if capacity is None:
            for line in lines:
                result.problems.append(
                    Problem("sessions.csv", line, "capacity", f"required: opportunity {opportunity_id!r} has none")
                )
    result.problems.sort(
        key=lambda p: (
            [s.name for s in SPECS].index(p.file) if p.file in SPEC_BY_NAME else -1,
            p.line,
            p.column,
        )
    )
    return result


def iter_rows(directory: Path, spec: FileSpec, *, today: dt.date) -> Iterator[Row]:
    """Parsed rows of a file that ``validate`` accepted. Raises if it has become invalid since."""
    problems: list[Problem] = []
    yield from _Reader(directory / spec.name, spec).rows(problems, today)
    if problems:
        raise ValueError(f"{problems[0]} (the file changed after it was validated)")
