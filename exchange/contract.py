"""The CSV contract of DESIGN.md: the files, their columns, and validation that streams.

Validation reads each file once, row by row, keeping only ids (to find duplicates and parents) — never a
whole file — so 100,000 students validate in constant memory per row. It reports every problem as
``file:line: column: reason`` (at most ``MAX_PROBLEMS`` of them, then a count of the rest). Loading
(``iter_rows``) reads the files a second time and yields parsed rows; it is only called after
validation found nothing wrong.

Each contract file ``NAME.csv`` may come as ``NAME.xlsx`` instead (the first sheet); CSV text may be
UTF-8, UTF-16 or Windows-1258, separated by ``,`` ``;`` or TAB (see ``sources``). Problems name the file
as given (``students.xlsx:12: email: …``); everything else — the specs, the report's counts — keeps the
contract's ``NAME.csv``.

A column missing from a file's header leaves that field of existing rows as it is; a column present but
empty sets the field to its empty value. This keeps old files importable when columns are added.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from . import fields as f
from .sources import SourceError, Table, header_key

ParentLookup = Callable[[str, set[str]], Mapping[str, Mapping[str, Any]]]
"""(parent file name, ids) -> {id: attributes} for the ids already stored; the Django side supplies it."""

Defaults = Mapping[str, Mapping[str, str]]
"""file name -> {column: cell text} standing for a column the file's header leaves out, on every row: a
school's own upload needs no ``school`` column (nor ``level``: the school's), as its software's export has none.
Beside the columns, ``levels`` (not a column of those files) is the ``;``-list of the levels the school
teaches: a row's grade chooses among them (``_LEVEL_OF_GRADE``)."""

MAX_PROBLEMS = 1000
SUFFIXES = (".csv", ".xlsx")


@dataclass(frozen=True)
class Column:
    name: str
    parse: f.Parser
    required: bool = False
    multiline: bool = False  # free text that may span lines: keeps tab and line feed
    # Other headers for this column, as schools' management software exports them (``Ngày sinh``);
    # matched like the name, by ``header_key`` (case and diacritics do not matter).
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileSpec:
    name: str
    columns: tuple[Column, ...]
    parent: tuple[str, str] | None = None  # (column, parent file name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def stem(self) -> str:
        return self.name.removesuffix(".csv")

    @property
    def date_columns(self) -> frozenset[str]:
        """The headers (names and aliases) of the date columns, for reading Excel date cells."""
        return frozenset(name for c in self.columns if c.parse is f.date for name in (c.name, *c.aliases))

    @property
    def headers(self) -> frozenset[str]:
        """Every header that names a column (names and aliases): how the header row is told from a title."""
        return frozenset(name for c in self.columns for name in (c.name, *c.aliases))

    def header_columns(self, header: list[str]) -> tuple[list[tuple[int, Column]], list[tuple[int, str]]]:
        """The columns a header holds, as ``(position, column)``, and the headers that clash.

        A contract name wins over an alias (a file that has both keeps its old meaning: the alias
        column is ignored, as any unknown column). Two headers that are aliases of one column, with
        no contract name, are a clash: ``(position, reason)``, never a guess which one is meant.
        """
        by_key = {header_key(c.name): c for c in self.columns}
        by_alias = {header_key(a): c for c in self.columns for a in c.aliases}
        keys = [header_key(h) for h in header]
        named = {by_key[k].name for k in keys if k in by_key}
        positions: list[tuple[int, Column]] = []
        clashes: list[tuple[int, str]] = []
        first_alias: dict[str, int] = {}
        for i, key in enumerate(keys):
            column = by_key.get(key)
            if column is None and key in by_alias and by_alias[key].name not in named:
                column = by_alias[key]
                if column.name in first_alias:
                    other = header[first_alias[column.name]].strip()
                    reason = _("%(header)s and %(other)s both name the column %(column)s: keep one") % {
                        "header": repr(header[i].strip()),
                        "other": repr(other),
                        "column": column.name,
                    }
                    clashes.append((i, reason))
                    continue
                first_alias[column.name] = i
            if column is not None:
                positions.append((i, column))
        return positions, clashes


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        if (self.file, self.line, self.column) == ("-", 0, "-"):  # about the whole import, e.g. the summary
            return self.reason
        return f"{self.file}:{self.line}: {self.column}: {self.reason}"


@dataclass
class Row:
    line: int
    values: dict[str, Any]


class ProblemList:
    """Problems in report order (file, line, column), keeping at most ``limit`` of them in memory.

    A file with a million bad rows must not hold a million problems: the list is cut back to the
    ``limit`` first (in report order) whenever it doubles, and ``total`` counts them all.
    """

    def __init__(self, limit: int = MAX_PROBLEMS) -> None:
        self.limit, self.total = limit, 0
        self._kept: list[Problem] = []

    def append(self, problem: Problem) -> None:
        self.total += 1
        self._kept.append(problem)
        if len(self._kept) >= 2 * self.limit:
            self._cut()

    def _cut(self) -> None:
        self._kept.sort(key=_report_order)
        del self._kept[self.limit :]

    def finish(self) -> list[Problem]:
        """The kept problems in report order, then one summary line if some were left out."""
        self._cut()
        rest = self.total - len(self._kept)
        if rest:
            reason = ngettext("… and %(count)d more problem", "… and %(count)d more problems", rest) % {"count": rest}
            return [*self._kept, Problem("-", 0, "-", reason)]
        return list(self._kept)


_ID = Column("external_id", f.text(64), required=True)
_KIND = f.choice(f.KINDS, gettext_lazy("kind"))

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
            Column("profile", f.choice(("company", "expert", "entrepreneur", "artisan"), gettext_lazy("profile"))),
        ),
    ),
    FileSpec(
        "opportunities.csv",
        (
            _ID,
            Column("company", f.text(64), required=True),
            Column("kind", _KIND, required=True),
            Column("title", f.text(300), required=True),
            Column("description", f.text(20_000), required=True, multiline=True),
            Column("topics", f.items(f.text(100))),
            Column("language", f.language),
            Column("province", f.province),
            Column("online", f.boolean),
            Column("levels", f.items(f.level)),
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
            # One level, or a combined school's ``;``-list (``THCS;THPT``), its main level first.
            Column("level", f.school_levels, required=True),
            Column("province", f.province, required=True),
            Column("contact_email", f.email, required=True),
            Column("address", f.text(300)),
        ),
    ),
    FileSpec(
        "students.csv",
        (
            Column("external_id", f.text(64), required=True, aliases=("Mã học sinh", "Mã HS")),
            Column("school", f.text(64), required=True, aliases=("Mã trường",)),
            Column("full_name", f.text(200), required=True, aliases=("Họ và tên", "Họ tên", "Họ và tên học sinh")),
            Column("email", f.email, required=True, aliases=("E-mail", "Thư điện tử")),
            Column("birth_date", f.date, required=True, aliases=("Ngày sinh", "Ngày tháng năm sinh")),
            Column("level", f.level, required=True, aliases=("Cấp học", "Cấp")),
            Column("grade", f.integer(1, 20), aliases=("Khối", "Khối lớp")),
            Column("interests", f.text(5_000), multiline=True, aliases=("Sở thích",)),
            Column("skills", f.text(2_000), multiline=True, aliases=("Kỹ năng", "Kĩ năng")),
            Column("preferred_kinds", f.items(_KIND), aliases=("Loại hình",)),
            Column("province", f.province, aliases=("Tỉnh/Thành phố", "Tỉnh/TP", "Tỉnh")),
            Column("languages", f.items(f.language), aliases=("Ngôn ngữ",)),
            Column("available", f.availability, aliases=("Thời gian rảnh",)),
            Column("guardian_email", f.email, aliases=("Email phụ huynh",)),
            Column("guardian_consent", f.boolean, aliases=("Phụ huynh đồng ý",)),
            Column("email_opt_in", f.boolean, aliases=("Nhận email",)),
        ),
        parent=("school", "schools.csv"),
    ),
    FileSpec(
        "class_requests.csv",
        (
            Column("external_id", f.text(64), required=True, aliases=("Mã yêu cầu",)),
            Column("school", f.text(64), required=True, aliases=("Mã trường",)),
            Column("class_name", f.text(50), required=True, aliases=("Lớp", "Tên lớp")),
            Column("level", f.level, required=True, aliases=("Cấp học", "Cấp")),
            Column("group_size", f.integer(1, 1000), required=True, aliases=("Sĩ số", "Số học sinh")),
            Column("grade", f.integer(1, 20), aliases=("Khối", "Khối lớp")),
            Column("interests", f.text(5_000), multiline=True, aliases=("Sở thích",)),
            Column("topics", f.items(f.text(100)), aliases=("Chủ đề",)),
            Column("kinds", f.items(_KIND), aliases=("Loại hình",)),
            Column("available", f.availability, aliases=("Thời gian rảnh",)),
            Column("max_bookings", f.integer(1, 50), aliases=("Số buổi tối đa",)),
        ),
        parent=("school", "schools.csv"),
    ),
)
SPEC_BY_NAME = {spec.name: spec for spec in SPECS}


SPEC_BY_STEM = {spec.stem: spec for spec in SPECS}
_UNKNOWN_PARENT = {
    "companies.csv": gettext_noop("unknown company id %(id)s"),
    "opportunities.csv": gettext_noop("unknown opportunity id %(id)s"),
    "schools.csv": gettext_noop("unknown school id %(id)s"),
}


def spec_for_file(file_name: str) -> FileSpec | None:
    """The spec of ``students.csv`` or ``students.xlsx``; ``None`` for a file outside the contract."""
    path = Path(file_name)
    return SPEC_BY_STEM.get(path.stem) if path.suffix in SUFFIXES else None


def source_path(directory: Path, spec: FileSpec) -> Path:
    """The file that holds ``spec`` in ``directory``: ``NAME.csv``, else ``NAME.xlsx``."""
    csv_path = directory / spec.name
    return csv_path if csv_path.is_file() else directory / f"{spec.stem}.xlsx"


def _report_order(problem: Problem) -> tuple[int, int, str, str]:
    spec = spec_for_file(problem.file)
    return (SPECS.index(spec) if spec else -1, problem.line, problem.column, problem.reason)


def _row_checks(spec: FileSpec, values: Mapping[str, Any], today: dt.date) -> list[tuple[str, str]]:
    """Checks that involve more than one cell of a row."""
    problems = []
    if spec.name == "opportunities.csv":
        lo, hi = values.get("group_min"), values.get("group_max")
        if lo is not None and hi is not None and lo > hi:
            problems.append(("group_max", _("%(max)d is below group_min %(min)d") % {"max": hi, "min": lo}))
    elif spec.name == "sessions.csv":
        start, end = values.get("starts_at"), values.get("ends_at")
        if start is not None and end is not None and end <= start:
            problems.append(
                (
                    "ends_at",
                    _("%(end)s is not after starts_at %(start)s")
                    % {"end": end.isoformat(), "start": start.isoformat()},
                )
            )
    elif spec.name == "students.csv":
        born = values.get("birth_date")
        if born is not None and born > today:
            problems.append(("birth_date", _("%(date)s is in the future") % {"date": born.isoformat()}))
    return problems


# Vietnam's general-education grades: 6–9 lower secondary (THCS), 10–12 upper secondary (THPT).
_LEVEL_OF_GRADE = {**dict.fromkeys(range(6, 10), "lower_secondary"), **dict.fromkeys(range(10, 13), "upper_secondary")}


class _Reader:
    """Streams one contract file: header checks, then parsed rows (or problems)."""

    def __init__(self, path: Path, spec: FileSpec, defaults: Mapping[str, str] | None = None) -> None:
        self.path, self.spec, self.defaults = path, spec, defaults or {}

    def rows(self, problems: ProblemList | list[Problem], today: dt.date) -> Iterator[Row]:
        name = self.path.name
        table = Table(self.path, date_columns=self.spec.date_columns, headers=self.spec.headers)
        try:
            lines = iter(table)
            first = next(lines, None)
            if first is None:
                return  # an empty file is an empty table
            header_line, header = first
            positions, clashes = self.spec.header_columns(header)
            for _position, reason in clashes:
                problems.append(Problem(name, header_line, "-", reason))
            present = {column.name for _i, column in positions}
            fixed = {
                c.name: c.parse(self.defaults[c.name])
                for c in self.spec.columns
                if c.name in self.defaults and c.name not in present
            }
            present |= set(fixed)
            taught = f.school_levels(self.defaults["levels"]) if "levels" in self.defaults else []
            missing = [c for c in self.spec.columns if c.required and c.name not in present]
            for column in missing:
                reason = _("required column is missing")
                if column.aliases:
                    reason += _(" (its header may also be: %(aliases)s)") % {"aliases": ", ".join(column.aliases)}
                problems.append(Problem(name, header_line, column.name, reason))
            if missing:
                for position in _unnamed(header):
                    problems.append(Problem(name, header_line, "-", _unnamed_reason(position)))
            if missing or clashes:
                return
            for line, cells in lines:
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) > len(header):
                    reason = _("row has %(cells)d cells, the header has %(header)d") % {
                        "cells": len(cells),
                        "header": len(header),
                    }
                    if table.delimiter == ";":
                        reason += _(" (a cell that holds a ;-list must be in double quotes)")
                    problems.append(Problem(name, line, "-", reason))
                    continue
                row = self._parse(name, line, cells, positions, problems, today, table.encoding, fixed, taught)
                if row is not None:
                    yield row
        except SourceError as exc:
            problems.append(Problem(name, exc.line, "-", exc.reason))
        except OSError as exc:
            problems.append(Problem(name, 0, "-", _("cannot be read (%(error)s)") % {"error": exc.strerror or exc}))

    def _parse(
        self,
        name: str,
        line: int,
        cells: list[str],
        positions: list[tuple[int, Column]],
        problems: ProblemList | list[Problem],
        today: dt.date,
        encoding: str,
        fixed: Mapping[str, Any],
        taught: list[str],
    ) -> Row | None:
        values: dict[str, Any] = dict(fixed)
        ok = True
        printable = "".join(cells).isprintable()  # one C scan a row; cells are cleaned only when it fails
        for index, column in positions:
            raw = unicodedata.normalize("NFC", cells[index]).strip() if index < len(cells) else ""
            if not raw:
                if column.required:
                    problems.append(Problem(name, line, column.name, _("required")))
                    ok = False
                values[column.name] = None
                continue
            try:
                if not printable:
                    raw = f.clean(raw, multiline=column.multiline, encoding=encoding)
                values[column.name] = column.parse(raw)
            except f.FieldError as exc:
                problems.append(Problem(name, line, column.name, str(exc)))
                ok = False
        if "level" in fixed and values.get("grade") in _LEVEL_OF_GRADE:
            # A level the file leaves out is the school's, unless the row's grade says which: a school of
            # both levels (liên cấp) exports grades 6 to 12 under one school. A vocational school's grade
            # 10 (trung cấp with the upper-secondary curriculum) is at the school's vocational level; a
            # THCS-only school's grade 10 is read as THPT, so that a class of it is refused naming the grade.
            grade_level = _LEVEL_OF_GRADE[values["grade"]]
            beyond = [code for code in taught if code not in _LEVEL_OF_GRADE.values()]
            values["level"] = grade_level if grade_level in taught or not beyond else beyond[0]
        for column_name, reason in _row_checks(self.spec, values, today):
            problems.append(Problem(name, line, column_name, reason))
            ok = False
        return Row(line, values) if ok else None


# The school types a coordinator knows, beside the contract's codes, in a refusal.
_LEVEL_SHORT = {
    "lower_secondary": "THCS",
    "upper_secondary": "THPT",
    "vocational": "trung cấp/cao đẳng",
    "university": "đại học",
}


def _level_refusal(school_id: str, school_levels: list[str], level: str, grade: int | None) -> str:
    named = [f"{_LEVEL_SHORT[code]} ({code})" for code in school_levels]
    values = {
        "id": repr(school_id),
        "school_level": named[0],
        "level": f"{_LEVEL_SHORT[level]} ({level})",
        "grade": grade,
    }
    if len(named) > 1:  # a combined school (liên cấp)
        values["school_level"] = _("%(first)s and %(last)s") % {"first": ", ".join(named[:-1]), "last": named[-1]}
        if grade is None:
            return _("school %(id)s teaches %(school_level)s, not %(level)s") % values
        return _("school %(id)s teaches %(school_level)s, not %(level)s, the level of grade %(grade)s") % values
    if grade is None:
        return _("school %(id)s teaches %(school_level)s only, not %(level)s") % values
    # A school's own file without a level column: the grade said the level (see ``_LEVEL_OF_GRADE``).
    return _("school %(id)s teaches %(school_level)s only, not %(level)s, the level of grade %(grade)s") % values


def _unnamed(header: list[str]) -> list[int]:
    """The positions of empty header cells with a named one after them: the missing column may be there."""
    return [i for i, cell in enumerate(header) if not cell.strip() and any(h.strip() for h in header[i + 1 :])]


def _unnamed_reason(position: int) -> str:
    # Excel keeps a merged cell's text in its first cell only: "Họ và tên" merged over C1:D1 leaves D empty.
    letter = _column_letter(position)
    return _(
        "column %(letter)s has no header (is its header cell merged with the one beside it? "
        "Unmerge it and give every column its own header)"
    ) % {"letter": letter}


def _column_letter(position: int) -> str:
    """Excel's name of a column from its 0-based position: A, B, …, Z, AA, AB, …"""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass
class Validation:
    problems: list[Problem] = field(default_factory=list)  # at most MAX_PROBLEMS, then a summary line
    counts: dict[str, int] = field(default_factory=dict)  # rows per contract file present (``NAME.csv``)
    ignored: list[str] = field(default_factory=list)  # files in the folder that are not part of the contract
    left_out: int = 0  # problems found but not kept in ``problems``

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem_count(self) -> int:
        """Every problem found, those left out of ``problems`` included."""
        return len(self.problems) - (1 if self.left_out else 0) + self.left_out


def present_files(directory: Path) -> list[FileSpec]:
    """The contract files in ``directory``, parents first, whether given as ``.csv`` or ``.xlsx``."""
    return [spec for spec in SPECS if any((directory / (spec.stem + s)).is_file() for s in SUFFIXES)]


def validate(directory: Path, lookup: ParentLookup, *, today: dt.date, defaults: Defaults | None = None) -> Validation:
    """Check every file in ``directory``; every problem is reported, the folder is never half-read."""
    result = Validation()
    problems = ProblemList()
    if not directory.is_dir():
        result.problems.append(Problem(str(directory), 0, "-", _("not a folder")))
        return result
    result.ignored = sorted(
        p.name
        for p in directory.iterdir()
        if p.suffix.lower() in SUFFIXES and (p.suffix not in SUFFIXES or p.stem not in SPEC_BY_STEM)
    )
    ids_in_file: dict[str, set[str]] = {}
    # Parent references not satisfied by the folder itself: parent file -> id -> [(child file, line)].
    pending: dict[str, dict[str, list[tuple[str, int, str]]]] = defaultdict(lambda: defaultdict(list))
    # Sessions without their own capacity need their opportunity's: opportunity id -> [line].
    opportunity_capacity: dict[str, int | None] = {}
    sessions_needing_capacity: dict[str, list[int]] = defaultdict(list)
    sessions_file = "sessions.csv"
    # A class is at one of its school's levels (``students.models.School.teaches``): the levels of each school in
    # the folder, and each class row's (file, line, school, level) to check once the stored ones are known.
    school_levels: dict[str, list[str]] = {}
    class_levels: list[tuple[str, int, str, str, int | None]] = []

    for spec in present_files(directory):
        both = [spec.stem + s for s in SUFFIXES]
        if all((directory / name).is_file() for name in both):
            problems.append(
                Problem(
                    both[0],
                    0,
                    "-",
                    _("%(csv)s and %(xlsx)s are both here: keep one") % {"csv": both[0], "xlsx": both[1]},
                )
            )
            continue
        path = source_path(directory, spec)
        if spec.name == "sessions.csv":
            sessions_file = path.name
        first_line: dict[str, int] = {}
        count = 0
        for row in _Reader(path, spec, (defaults or {}).get(spec.name)).rows(problems, today):
            count += 1
            external_id = row.values["external_id"]
            if external_id in first_line:
                problems.append(
                    Problem(
                        path.name,
                        row.line,
                        "external_id",
                        _("%(id)s appears twice (first on line %(line)d)")
                        % {"id": repr(external_id), "line": first_line[external_id]},
                    )
                )
                continue
            first_line[external_id] = row.line
            if spec.parent:
                column, parent_file = spec.parent
                parent_id = row.values[column]
                if parent_id not in ids_in_file.get(parent_file, ()):
                    pending[parent_file][parent_id].append((path.name, row.line, column))
            if spec.name == "opportunities.csv":
                opportunity_capacity[external_id] = row.values.get("capacity")
            if spec.name == "schools.csv":
                school_levels[external_id] = row.values["level"]
            if spec.name == "class_requests.csv":
                values = row.values
                class_levels.append((path.name, row.line, values["school"], values["level"], values.get("grade")))
            if spec.name == "sessions.csv" and row.values.get("capacity") is None:
                sessions_needing_capacity[row.values["opportunity"]].append(row.line)
        ids_in_file[spec.name] = set(first_line)
        result.counts[spec.name] = count

    stored_opportunities: Mapping[str, Mapping[str, Any]] = {}
    for parent_file, references in pending.items():
        stored = lookup(parent_file, set(references))
        if parent_file == "opportunities.csv":
            stored_opportunities = stored
        if parent_file == "schools.csv":
            school_levels.update(
                (k, [v["level"], *(c for c in v.get("other_levels") or [] if c != v["level"])])
                for k, v in stored.items()
                if v.get("level")
            )
        for parent_id, places_used in references.items():
            if parent_id not in stored:
                reason = _(_UNKNOWN_PARENT[parent_file]) % {"id": repr(parent_id)}
                for child_file, line, column in places_used:
                    problems.append(Problem(child_file, line, column, reason))
    for file_name, line, school_id, level, grade in class_levels:
        taught_levels = school_levels.get(school_id)
        if taught_levels is not None and level not in taught_levels:
            problems.append(Problem(file_name, line, "level", _level_refusal(school_id, taught_levels, level, grade)))
    for opportunity_id, lines in sessions_needing_capacity.items():
        if opportunity_id in opportunity_capacity:
            capacity = opportunity_capacity[opportunity_id]
        else:
            capacity = stored_opportunities.get(opportunity_id, {}).get("capacity", 0)
        if capacity is None:
            reason = _("required: opportunity %(id)s has none") % {"id": repr(opportunity_id)}
            for line in lines:
                problems.append(Problem(sessions_file, line, "capacity", reason))
    result.problems = problems.finish()
    result.left_out = problems.total - min(problems.total, problems.limit)
    return result


def iter_rows(directory: Path, spec: FileSpec, *, today: dt.date, defaults: Defaults | None = None) -> Iterator[Row]:
    """Parsed rows of a file that ``validate`` accepted (with the same ``defaults``). Raises if it has
    become invalid since."""
    problems: list[Problem] = []
    yield from _Reader(source_path(directory, spec), spec, (defaults or {}).get(spec.name)).rows(problems, today)
    if problems:
        raise ValueError(f"{problems[0]} (the file changed after it was validated)")
