"""Shared by the ``build.py`` scripts of the ESCO-derived evaluation sets: writes a contract world.

Each occupation becomes one opportunity of its own company (so that the diversity rule, two per
company, never hides a relevant occupation), open to university students, online, with one session
inside everyone's availability; each person becomes a university student in Hà Nội with no preferred
kind. Then only the texts decide: the set measures relevance, not the filters.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

NOW = "2026-09-20T08:00:00+07:00"  # evaluate with --now this
SESSION = ("2026-10-05T08:00:00+07:00", "2026-10-05T11:00:00+07:00")
AVAILABLE = "2026-10-01T07:00/2026-10-10T22:00"


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_world(
    out: Path,
    occupations: Sequence[tuple[str, str, str]],  # (id, title, description)
    people: Sequence[tuple[str, str, str]],  # (id, interests, skills)
    truth: Iterable[tuple[str, str]],  # (person id, occupation id)
    *,
    language: str = "en",
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    companies = [(f"C-{oid}", f"Employer {oid}", "Hà Nội", f"c-{oid.lower()}@example.org") for oid, _, _ in occupations]
    _write(out / "companies.csv", ["external_id", "name", "province", "contact_email"], companies)
    _write(
        out / "opportunities.csv",
        ["external_id", "company", "kind", "title", "description", "language", "province", "online", "levels",
         "capacity"],
        [(oid, f"C-{oid}", "internship", title, description, language, "Hà Nội", "true", "university", 1000)
         for oid, title, description in occupations],
    )  # fmt: skip
    _write(out / "sessions.csv", ["external_id", "opportunity", "starts_at", "ends_at"],
           [(f"X-{oid}", oid, *SESSION) for oid, _, _ in occupations])  # fmt: skip
    _write(out / "schools.csv", ["external_id", "name", "level", "province", "contact_email"],
           [("SCH-U", "University", "university", "Hà Nội", "school@example.org")])  # fmt: skip
    _write(
        out / "students.csv",
        ["external_id", "school", "full_name", "email", "birth_date", "level", "interests", "skills", "province",
         "languages", "available", "email_opt_in"],
        [(pid, "SCH-U", f"Person {pid}", f"{pid.lower()}@example.org", "2003-01-01", "university", interests,
          skills, "Hà Nội", language, AVAILABLE, "false") for pid, interests, skills in people],
    )  # fmt: skip
    _write(out / "truth.csv", ["participant", "opportunity"], sorted(set(truth)))
