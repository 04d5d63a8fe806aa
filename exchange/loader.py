"""Loading the CSV contract into the database: validate everything, then upsert in one transaction.

``data_import`` is the service behind ``manage.py import_data`` (and, later, imports over HTTP). Rows are
matched on ``external_id``; a row whose values are unchanged is not written, so importing the same files
twice changes nothing. Files are streamed in batches; nothing is held whole in memory but the ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from companies.models import Company, Opportunity, Session
from companies.search import search_text
from students.models import AvailabilityInterval, ClassRequest, GuardianConsent, School, Student, split_levels

from .contract import (
    MAX_PROBLEMS,
    SPECS,
    Defaults,
    Problem,
    Row,
    Validation,
    iter_rows,
    present_files,
    source_path,
    validate,
)

BATCH = 2000

MODELS: dict[str, type[models.Model]] = {
    "companies.csv": Company,
    "opportunities.csv": Opportunity,
    "sessions.csv": Session,
    "schools.csv": School,
    "students.csv": Student,
    "class_requests.csv": ClassRequest,
}
_PARENT_ATTRS = {
    "companies.csv": ["province"],
    "opportunities.csv": ["capacity"],
    "schools.csv": ["province", "level", "other_levels"],
}


@dataclass(frozen=True)
class Change:
    """One field of a stored row that an import changes: what the coordinator checks before importing (an
    empty cell clears a field, by the contract)."""

    external_id: str
    field: str  # the model field's name
    before: Any
    after: Any

    @property
    def cleared(self) -> bool:
        return self.after in ("", None, [], ()) and self.before not in ("", None, [], ())


MAX_CHANGES = 200  # listed per file; the count of changed rows stays whole


@dataclass
class FileCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    erased: int = 0  # rows of students erased on request: left alone, never restored
    changes: list[Change] = field(default_factory=list)  # the first MAX_CHANGES, row by row

    def numbers(self) -> dict[str, int]:
        """The counts alone (the API's and the command's report)."""
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged, "erased": self.erased}


@dataclass
class ImportReport:
    validation: Validation
    counts: dict[str, FileCounts] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return self.validation.ok

    @property
    def problems(self) -> list[Problem]:
        """At most ``contract.MAX_PROBLEMS``, then one line counting the rest."""
        return self.validation.problems

    @property
    def problem_count(self) -> int:
        return self.validation.problem_count


class _DryRunRollback(Exception):
    pass


class _Refused(Exception):
    """A guard found rows that the stored data refuses: roll the whole import back."""


RowGuard = Callable[[str, list[Row]], list[Problem]]
"""(file name, a batch of parsed rows) -> problems the stored data raises against them. Called inside the
import's transaction before the batch is written, so it may lock what it checks. A caller above this
service supplies it (a session's capacity and times are the scheduler's rule: ``scheduler.selectors``)."""


def stored_parents(parent_file: str, ids: set[str]) -> dict[str, dict[str, Any]]:
    """The ParentLookup for validation: attributes of parents already in the database."""
    model = MODELS[parent_file]
    attrs = _PARENT_ATTRS.get(parent_file, [])
    found: dict[str, dict[str, Any]] = {}
    id_list = sorted(ids)
    for start in range(0, len(id_list), BATCH):
        chunk = id_list[start : start + BATCH]
        for row in model._default_manager.filter(external_id__in=chunk).values("external_id", *attrs):
            found[row.pop("external_id")] = row
    return found


def data_import(
    *,
    directory: Path,
    dry_run: bool = False,
    today: dt.date | None = None,
    guard: RowGuard | None = None,
    defaults: Defaults | None = None,
) -> ImportReport:
    """Validate every contract file in ``directory``; if all are good, upsert them in one transaction.

    With ``dry_run`` the upsert runs and is rolled back, so the counts say what would change. ``guard``
    checks each batch against what is stored; any problem it finds rolls everything back. ``defaults``
    stand for columns a file's header leaves out (``contract.Defaults``).
    """
    today = today or timezone.localdate()
    checked = validate(directory, stored_parents, today=today, defaults=defaults)
    report = ImportReport(validation=checked, dry_run=dry_run)
    if not report.ok:
        return report
    try:
        with transaction.atomic():
            loader = _Loader(directory, today, guard, defaults)
            for spec in present_files(directory):
                report.counts[spec.name] = loader.load(spec.name)
            if loader.refused:
                report.validation.problems.extend(loader.refused[:MAX_PROBLEMS])
                report.counts.clear()
                raise _Refused
            if dry_run:
                raise _DryRunRollback
    except (_DryRunRollback, _Refused):
        pass
    return report


def _create(model: type[models.Model], objects: list[models.Model]) -> None:
    """Insert new rows, as ``bulk_create`` would (each field's value prepared for the database the same
    way, defaults and ``auto_now_add`` included), through COPY on PostgreSQL: ``bulk_create`` binds its
    parameters on the client, quoting each one in Python, which for a province's 100,000 students was
    a large share of the import."""
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=500)
        return
    fields = [f for f in model._meta.concrete_fields if f not in _auto_pk(model)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])


def _auto_pk(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    pk = model._meta.pk
    return [pk] if isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField) else []


def _batches(rows: Iterable[Row], size: int = BATCH) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


class _Loader:
    def __init__(
        self, directory: Path, today: dt.date, guard: RowGuard | None = None, defaults: Defaults | None = None
    ) -> None:
        self.directory, self.today, self.guard, self.defaults = directory, today, guard, defaults
        self.refused: list[Problem] = []
        self._parents: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in _PARENT_ATTRS}
        self._parent_pks: dict[str, dict[str, int]] = {name: {} for name in MODELS}

    def load(self, file_name: str) -> FileCounts:
        spec = next(s for s in SPECS if s.name == file_name)
        counts = FileCounts()
        for batch in _batches(iter_rows(self.directory, spec, today=self.today, defaults=self.defaults)):
            if file_name == "students.csv":
                batch = self._without_erased(batch, counts)
            if self.guard is not None:
                self.refused += self.guard(file_name, batch)
            values = [getattr(self, "_" + file_name.removesuffix(".csv"))(row.values) for row in batch]
            pks = self._upsert(MODELS[file_name], values, counts)
            if file_name in ("students.csv", "class_requests.csv"):
                self._sync_availability(file_name, batch, pks)
            if file_name == "students.csv":
                self._sync_consent(batch, pks)
        return counts

    @staticmethod
    def _without_erased(batch: list[Row], counts: FileCounts) -> list[Row]:
        """Drop the rows of students erased on request: a school's old roster must not bring them back."""
        ids = [row.values["external_id"] for row in batch]
        erased = set(
            Student.objects.filter(external_id__in=ids, erased_at__isnull=False).values_list("external_id", flat=True)
        )
        counts.erased += len(erased)
        return [row for row in batch if row.values["external_id"] not in erased] if erased else batch

    # --- mapping a contract row onto model fields; absent columns are left out ---------------------

    def _parent(self, file_name: str, external_id: str) -> tuple[int, dict[str, Any]]:
        pks = self._parent_pks[file_name]
        if external_id not in pks:
            model = MODELS[file_name]
            attrs = _PARENT_ATTRS.get(file_name, [])
            row = model._default_manager.values("pk", *attrs).get(external_id=external_id)
            pks[external_id] = row.pop("pk")
            self._parents.setdefault(file_name, {})[external_id] = row
        return pks[external_id], self._parents.get(file_name, {}).get(external_id, {})

    @staticmethod
    def _take(values: Mapping[str, Any], names: Iterable[str], defaults: Mapping[str, Any]) -> dict[str, Any]:
        out = {}
        for name in names:
            if name in values:
                value = values[name]
                out[name] = defaults.get(name, "") if value is None else value
        return out

    def _companies(self, v: Mapping[str, Any]) -> dict[str, Any]:
        names = [
            "external_id",
            "name",
            "province",
            "contact_email",
            "tax_code",
            "sector",
            "address",
            "website",
            "profile",
        ]
        return self._take(v, names, {"profile": Company.Profile.COMPANY})

    def _opportunities(self, v: Mapping[str, Any]) -> dict[str, Any]:
        names = [
            "external_id",
            "kind",
            "title",
            "description",
            "topics",
            "language",
            "online",
            "levels",
            "min_age",
            "capacity",
            "group_min",
            "group_max",
            "apply_by",
        ]
        out = self._take(
            v,
            names,
            {
                "topics": [],
                "levels": [],
                "online": False,
                "min_age": None,
                "capacity": None,
                "group_min": None,
                "group_max": None,
                "apply_by": None,
            },
        )
        company_pk, company = self._parent("companies.csv", v["company"])
        out["company_id"] = company_pk
        # Not online and no province given: it happens where the company is.
        province = v.get("province")
        out["province"] = province or ("" if v.get("online") else company["province"])
        if "title" in out and "description" in out:  # both required by the contract
            out["search_title"] = search_text(out["title"])
            out["search_text"] = search_text(out["title"], out["description"])
        return out

    def _sessions(self, v: Mapping[str, Any]) -> dict[str, Any]:
        out = self._take(v, ["external_id", "starts_at", "ends_at"], {})
        opportunity_pk, opportunity = self._parent("opportunities.csv", v["opportunity"])
        out["opportunity_id"] = opportunity_pk
        out["capacity"] = v.get("capacity") or opportunity["capacity"]
        return out

    def _schools(self, v: Mapping[str, Any]) -> dict[str, Any]:
        out = self._take(v, ["external_id", "name", "province", "contact_email", "address"], {})
        # The level column lists every level the school teaches, its main one first: the whole list is the
        # file's word, so a school listed with one level again teaches that one only.
        out["level"], out["other_levels"] = split_levels(v["level"])
        return out

    def _students(self, v: Mapping[str, Any]) -> dict[str, Any]:
        names = [
            "external_id",
            "full_name",
            "email",
            "birth_date",
            "level",
            "grade",
            "interests",
            "skills",
            "preferred_kinds",
            "languages",
            "guardian_email",
            "email_opt_in",
        ]
        out = self._take(v, names, {"grade": None, "preferred_kinds": [], "languages": [], "email_opt_in": False})
        school_pk, school = self._parent("schools.csv", v["school"])
        out["school_id"] = school_pk
        out["province"] = v.get("province") or school["province"]
        return out

    def _class_requests(self, v: Mapping[str, Any]) -> dict[str, Any]:
        names = [
            "external_id",
            "class_name",
            "level",
            "group_size",
            "grade",
            "interests",
            "topics",
            "kinds",
            "max_bookings",
        ]
        out = self._take(v, names, {"grade": None, "topics": [], "kinds": [], "max_bookings": 1})
        out["school_id"], _ = self._parent("schools.csv", v["school"])
        return out

    # --- writing -------------------------------------------------------------------------------------

    def _upsert(self, model: type[models.Model], rows: list[dict[str, Any]], counts: FileCounts) -> dict[str, int]:
        manager = model._default_manager
        wanted = [r["external_id"] for r in rows]
        existing = {obj.external_id: obj for obj in manager.filter(external_id__in=wanted)}  # type: ignore[attr-defined]
        to_create, to_update, changed_fields = [], [], set()
        for values in rows:
            obj = existing.get(values["external_id"])
            if obj is None:
                to_create.append(model(**values))
                continue
            changed = {name for name, value in values.items() if getattr(obj, name) != value}
            if changed:
                for name in sorted(changed, key=list(values).index):
                    if len(counts.changes) < MAX_CHANGES and not name.endswith("_id"):
                        counts.changes.append(Change(values["external_id"], name, getattr(obj, name), values[name]))
                    setattr(obj, name, values[name])
                to_update.append(obj)
                changed_fields |= changed
            else:
                counts.unchanged += 1
        if to_create:
            _create(model, to_create)
            counts.created += len(to_create)
        if to_update:
            if any(f.name == "updated_at" for f in model._meta.get_fields()):
                now = timezone.now()
                for obj in to_update:
                    obj.updated_at = now  # type: ignore[attr-defined]
                changed_fields.add("updated_at")
            manager.bulk_update(to_update, sorted(changed_fields), batch_size=500)
            counts.updated += len(to_update)
        file_name = next(name for name, m in MODELS.items() if m is model)
        attrs = _PARENT_ATTRS.get(file_name, [])
        pks: dict[str, int] = {}
        for row in manager.filter(external_id__in=[r["external_id"] for r in rows]).values("external_id", "pk", *attrs):
            external_id = row.pop("external_id")
            pks[external_id] = row.pop("pk")
            if attrs:
                self._parents[file_name][external_id] = row
        self._parent_pks[file_name].update(pks)
        return pks

    def _sync_availability(self, file_name: str, batch: list[Row], pks: dict[str, int]) -> None:
        owner = "student_id" if file_name == "students.csv" else "class_request_id"
        wanted = {
            pks[row.values["external_id"]]: sorted(row.values["available"] or [])
            for row in batch
            if "available" in row.values
        }
        if not wanted:
            return
        current: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {pk: [] for pk in wanted}
        intervals = AvailabilityInterval.objects.filter(**{f"{owner}__in": list(wanted)})
        for pk, start, end in intervals.values_list(owner, "starts_at", "ends_at").order_by("starts_at", "ends_at"):
            current[pk].append((start, end))
        stale = [pk for pk, spans in wanted.items() if current[pk] != spans]
        if not stale:
            return
        AvailabilityInterval.objects.filter(**{f"{owner}__in": stale}).delete()
        # Several intervals per participant (1.3 million at 100,000 students): COPY on PostgreSQL, else a
        # plain executemany; never a model instance per row.
        table = AvailabilityInterval._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({owner}, starts_at, ends_at) FROM STDIN") as copy:
                    for pk in stale:
                        for start, end in wanted[pk]:
                            copy.write_row((pk, start, end))
                return
            adapt = connection.ops.adapt_datetimefield_value
            values = [(pk, adapt(start), adapt(end)) for pk in stale for start, end in wanted[pk]]
            cursor.executemany(f"INSERT INTO {table} ({owner}, starts_at, ends_at) VALUES (%s, %s, %s)", values)

    def _sync_consent(self, batch: list[Row], pks: dict[str, int]) -> None:
        """``guardian_consent=true`` records the school's word as consent evidence; ``false`` withdraws
        only consent that an import recorded (consent a guardian gave by email link stays)."""
        given = {pks[r.values["external_id"]]: r for r in batch if r.values.get("guardian_consent") is True}
        refused = [pks[r.values["external_id"]] for r in batch if r.values.get("guardian_consent") is False]
        now = timezone.now()
        source = source_path(self.directory, next(s for s in SPECS if s.name == "students.csv")).name
        active = set(
            GuardianConsent.objects.filter(student_id__in=list(given), withdrawn_at__isnull=True).values_list(
                "student_id", flat=True
            )
        )
        GuardianConsent.objects.bulk_create(
            [
                GuardianConsent(
                    student_id=pk,
                    guardian_email=row.values.get("guardian_email") or "",
                    method=GuardianConsent.Method.SCHOOL_IMPORT,
                    evidence=f"{source} line {row.line}, imported {now:%Y-%m-%d %H:%M}",
                    recorded_by="import_data",
                    given_at=now,
                )
                for pk, row in given.items()
                if pk not in active
            ]
        )
        if refused:
            GuardianConsent.objects.filter(
                student_id__in=refused, withdrawn_at__isnull=True, method=GuardianConsent.Method.SCHOOL_IMPORT
            ).update(withdrawn_at=now)
