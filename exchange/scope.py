"""Imports made by a school or a company: which files they may send, and the rows that are not theirs.

Organisers import every file. A school's coordinator imports its students and class requests; a
company's staff its opportunities and sessions. A row outside that scope — naming another school or
company, or reusing the external id of someone else's row (rows are upserted by external id, so that
would take the row over) — is a problem like any other, naming its line. The API's ``POST /imports/``
and the coordinator's and company's upload pages both go through ``scoped_import``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.models import Company, Opportunity, Session
from students.models import ClassRequest, School, Student

from .contract import SPEC_BY_NAME, Defaults, Problem, Row, iter_rows, present_files, source_path, validate
from .loader import ImportReport, RowGuard, data_import, stored_parents

SCHOOL_FILES = frozenset({"students.csv", "class_requests.csv"})
COMPANY_FILES = frozenset({"opportunities.csv", "sessions.csv"})
CHUNK = 2000


def allowed_files(*, school: School | None = None, company: Company | None = None) -> frozenset[str]:
    """The contract files this importer may send (neither given: an organiser, every file)."""
    if school is not None:
        return SCHOOL_FILES
    if company is not None:
        return COMPANY_FILES
    return frozenset(SPEC_BY_NAME)


def _existing_owner(model: type[Model], ids: list[str], owner: str) -> dict[str, Any]:
    """external id -> owner key of the rows already stored (chunked: a file may hold 100,000 ids)."""
    found: dict[str, Any] = {}
    manager: QuerySet[Any] = model._default_manager.all()
    for start in range(0, len(ids), CHUNK):
        found.update(manager.filter(external_id__in=ids[start : start + CHUNK]).values_list("external_id", owner))
    return found


def _rows(directory: Path, name: str, today: dt.date, defaults: Defaults | None = None) -> tuple[str, list[Row]]:
    spec = SPEC_BY_NAME[name]
    return source_path(directory, spec).name, list(iter_rows(directory, spec, today=today, defaults=defaults))


def school_defaults(school: School) -> Defaults:
    """A school's own files may leave out the school's code and its level: every row is the school's, as
    an export of its management software (which knows neither column) is."""
    own = {"school": school.external_id, "level": school.level, "levels": ";".join(school.levels)}
    return {"students.csv": own, "class_requests.csv": own}


def scope_problems(
    directory: Path, *, school: School | None = None, company: Company | None = None, today: dt.date
) -> Iterator[Problem]:
    """Rows of already valid files that fall outside the school's or the company's own rows."""
    names = {spec.name for spec in present_files(directory)}
    if school is not None:
        owned = {"students.csv": Student, "class_requests.csv": ClassRequest}
        for name in sorted(names & set(owned)):
            shown, rows = _rows(directory, name, today, school_defaults(school))
            stored = _existing_owner(owned[name], [r.values["external_id"] for r in rows], "school__external_id")
            for row in rows:
                if row.values["school"] != school.external_id:
                    reason = _("%(id)r is not your school") % {"id": row.values["school"]}
                    yield Problem(shown, row.line, "school", reason)
                elif stored.get(row.values["external_id"], school.external_id) != school.external_id:
                    yield Problem(shown, row.line, "external_id", _("this id belongs to another school's row"))
    elif company is not None:
        mine: set[str] = set()
        if "opportunities.csv" in names:
            shown, rows = _rows(directory, "opportunities.csv", today)
            ids = [r.values["external_id"] for r in rows]
            stored = _existing_owner(Opportunity, ids, "company__external_id")
            for row in rows:
                if row.values["company"] != company.external_id:
                    reason = _("%(id)r is not your company") % {"id": row.values["company"]}
                    yield Problem(shown, row.line, "company", reason)
                elif stored.get(row.values["external_id"], company.external_id) != company.external_id:
                    yield Problem(shown, row.line, "external_id", _("this id belongs to another company's row"))
                else:
                    mine.add(row.values["external_id"])
        if "sessions.csv" in names:
            shown, rows = _rows(directory, "sessions.csv", today)
            parent_ids = sorted({r.values["opportunity"] for r in rows})
            parents = _existing_owner(Opportunity, parent_ids, "company__external_id")
            ids = [r.values["external_id"] for r in rows]
            stored = _existing_owner(Session, ids, "opportunity__company__external_id")
            for row in rows:
                parent = row.values["opportunity"]
                if parent not in mine and parents.get(parent) != company.external_id:
                    yield Problem(shown, row.line, "opportunity", _("%(id)r is not your company's") % {"id": parent})
                elif stored.get(row.values["external_id"], company.external_id) != company.external_id:
                    yield Problem(shown, row.line, "external_id", _("this id belongs to another company's row"))


def scoped_import(
    *,
    directory: Path,
    school: School | None = None,
    company: Company | None = None,
    dry_run: bool = False,
    guard: RowGuard | None = None,
    today: dt.date | None = None,
) -> ImportReport:
    """Validate, check the importer's scope, then import (or, with ``dry_run``, count what would change).

    Files the importer may not send are problems too; nothing is written on any problem.
    """
    today = today or timezone.localdate()
    refused = [
        Problem(spec.name, 0, "-", _("your role may not import this file"))
        for spec in present_files(directory)
        if spec.name not in allowed_files(school=school, company=company)
    ]
    defaults = school_defaults(school) if school is not None else None
    checked = validate(directory, stored_parents, today=today, defaults=defaults)
    if refused or not checked.ok:
        checked.problems[:0] = refused
        return ImportReport(validation=checked, dry_run=dry_run)
    outside = list(scope_problems(directory, school=school, company=company, today=today))
    if outside:
        checked.problems.extend(outside)
        return ImportReport(validation=checked, dry_run=dry_run)
    return data_import(directory=directory, dry_run=dry_run, guard=guard, today=today, defaults=defaults)


def uploaded_names(names: Iterable[str]) -> dict[str, str]:
    """Form field or file name → the contract file it stands for (``students``, ``students.csv`` and
    ``students.xlsx`` all stand for ``students.csv``); names that are no contract file are left out."""
    found = {}
    for name in names:
        stem = name.lower().removesuffix(".csv").removesuffix(".xlsx")
        if f"{stem}.csv" in SPEC_BY_NAME:
            found[name] = f"{stem}.csv"
    return found
