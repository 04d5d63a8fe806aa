"""Building the engine's inputs: from the database (``matchmake``) or straight from CSV (``recommend``).

Both paths produce the same plain dataclasses, so the engine cannot tell them apart, and a CSV world
imported into the database recommends exactly what ``recommend`` computes on the files.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import places
from exchange.contract import SPEC_BY_NAME, iter_rows, source_path

from .engine.types import Geography, Opportunity, Participant, Session

# The statuses that hold a seat: the scheduler's ``selectors.SEAT_HOLDING``, which matchmaking (below the
# scheduler in the layers) may not import; tests/matchmaking/test_inputs.py checks that the two agree.
SEAT_HOLDING = ("proposed", "confirmed", "attended", "no_show")
# Participants reach the engine as "student:<external id>" or "class:<external id>": a student and a
# class request may share an external id (they come from different files), the engine must not mix them.
PARTICIPANT_PREFIXES = {"student": "student:", "class_request": "class:"}


def engine_id(participant_type: str, external_id: str) -> str:
    return PARTICIPANT_PREFIXES[participant_type] + external_id


def split_engine_id(engine_participant_id: str) -> tuple[str, str]:
    """(participant type, external id) of an engine participant id."""
    for participant_type, prefix in PARTICIPANT_PREFIXES.items():
        if engine_participant_id.startswith(prefix):
            return participant_type, engine_participant_id[len(prefix) :]
    raise ValueError(f"not an engine participant id: {engine_participant_id!r}")


def geography() -> Geography:
    return Geography(neighbours=places.neighbour_map())


def province_names() -> dict[str, str]:
    return {code: places.name(code) for code in places.codes()}


def participant_text(interests: str, skills: str) -> str:
    return "\n".join(part for part in (interests, skills) if part)


def student_language(languages: Iterable[str]) -> str:
    first = next(iter(languages), "vi")
    return first if first in ("vi", "en") else "vi"


# --- from the database -------------------------------------------------------------------------------


def opportunities_from_db() -> list[Opportunity]:
    from django.db.models import Q, Sum
    from django.db.models.functions import Coalesce

    from companies.models import Opportunity as OpportunityRow
    from companies.models import Session as SessionRow

    # Seats are counted from bookings (the scheduler's table, read through the reverse relation, so
    # matchmaking imports no scheduler code): a full session is never recommended.
    sessions: dict[int, list[Session]] = defaultdict(list)
    # A cancelled session is never recommended, nor its time named as a reason.
    rows = SessionRow.objects.not_cancelled().annotate(
        taken=Coalesce(Sum("bookings__seats", filter=Q(bookings__status__in=SEAT_HOLDING)), 0)
    ).values_list("opportunity_id", "external_id", "starts_at", "ends_at", "capacity", "taken")
    for opportunity_id, external_id, starts_at, ends_at, capacity, taken in rows.order_by("starts_at", "external_id"):
        sessions[opportunity_id].append(Session(external_id, starts_at, ends_at, capacity, taken))
    out = []
    # Only what is published reaches students and schools: an unapproved company reaches no one.
    for o in OpportunityRow.objects.published().select_related("company").order_by("external_id"):
        out.append(
            Opportunity(
                id=o.external_id,
                company=o.company.external_id,
                kind=o.kind,
                title=o.title,
                description=o.description,
                topics=tuple(o.topics),
                language=o.language,
                province=o.province,
                online=o.online,
                levels=tuple(o.levels),
                min_age=o.min_age,
                group_min=o.group_min,
                group_max=o.group_max,
                apply_by=o.apply_by,
                created_at=o.created_at,
                sessions=tuple(sessions.get(o.pk, ())),
                organisation=o.company.name,
            )
        )
    return out


def participants_from_db() -> list[Participant]:
    from companies.models import Kind
    from students.models import AvailabilityInterval, ClassRequest, Student

    student_spans: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    class_spans: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    spans = AvailabilityInterval.objects.order_by("starts_at", "ends_at")
    for student_id, class_id, start, end in spans.values_list("student_id", "class_request_id", "starts_at", "ends_at"):
        (student_spans[student_id] if student_id else class_spans[class_id]).append((start, end))

    out = []
    kinds = Kind.values
    fields = ["pk", "external_id", "level", "interests", "skills", "preferred_kinds", "excluded_kinds", "province",
              "birth_date", "languages"]  # fmt: skip
    for s in Student.objects.active().order_by("external_id").values(*fields).iterator(chunk_size=5000):
        out.append(
            Participant(
                id=engine_id("student", s["external_id"]),
                type="student",
                level=s["level"],
                text=participant_text(s["interests"], s["skills"]),
                preferred_kinds=tuple(s["preferred_kinds"]),
                allowed_kinds=tuple(k for k in kinds if k not in s["excluded_kinds"]) if s["excluded_kinds"] else (),
                province=s["province"],
                birth_date=s["birth_date"],
                availability=tuple(student_spans.get(s["pk"], ())),
                language=student_language(s["languages"]),
            )
        )
    for c in ClassRequest.objects.select_related("school").order_by("external_id"):
        out.append(
            Participant(
                id=engine_id("class_request", c.external_id),
                type="class_request",
                level=c.level,
                text=c.interests,
                topics=tuple(c.topics),
                preferred_kinds=tuple(c.kinds),
                allowed_kinds=tuple(c.kinds),
                size=c.group_size,
                province=c.school.province,
                availability=tuple(class_spans.get(c.pk, ())),
                language="vi",
            )
        )
    return out



# --- straight from CSV (no database) ------------------------------------------------------------------


def world_from_csv(directory: Path, *, today: dt.date) -> tuple[list[Participant], list[Opportunity]]:
    """Read a folder of contract files. Validation must have passed (``exchange.contract.validate``)."""

    def rows(name: str) -> Iterable[Mapping[str, Any]]:
        if not source_path(directory, SPEC_BY_NAME[name]).is_file():  # NAME.csv, else NAME.xlsx
            return []
        return (r.values for r in iter_rows(directory, SPEC_BY_NAME[name], today=today))

    companies = list(rows("companies.csv"))
    company_province = {r["external_id"]: r["province"] for r in companies}
    company_name = {r["external_id"]: r.get("name") or "" for r in companies}
    school_province = {r["external_id"]: r["province"] for r in rows("schools.csv")}
    opportunity_capacity: dict[str, int | None] = {}
    opportunity_rows = []
    for r in rows("opportunities.csv"):
        opportunity_capacity[r["external_id"]] = r.get("capacity")
        opportunity_rows.append(r)
    sessions: dict[str, list[Session]] = defaultdict(list)
    for r in rows("sessions.csv"):
        capacity = r.get("capacity") or opportunity_capacity.get(r["opportunity"]) or 1
        sessions[r["opportunity"]].append(Session(r["external_id"], r["starts_at"], r["ends_at"], capacity, 0))
    opportunities = []
    for r in sorted(opportunity_rows, key=lambda r: r["external_id"]):
        online = bool(r.get("online"))
        opportunities.append(
            Opportunity(
                id=r["external_id"],
                company=r["company"],
                kind=r["kind"],
                title=r["title"],
                description=r["description"],
                topics=tuple(r.get("topics") or ()),
                language=r.get("language") or "",
                province=r.get("province") or ("" if online else company_province.get(r["company"], "")),
                online=online,
                levels=tuple(r.get("levels") or ()),
                min_age=r.get("min_age"),
                group_min=r.get("group_min"),
                group_max=r.get("group_max"),
                apply_by=r.get("apply_by"),
                sessions=tuple(sorted(sessions.get(r["external_id"], ()), key=lambda s: (s.starts_at, s.id))),
                organisation=company_name.get(r["company"], ""),
            )
        )
    participants = []
    for r in rows("students.csv"):
        participants.append(
            Participant(
                id=engine_id("student", r["external_id"]),
                type="student",
                level=r["level"],
                text=participant_text(r.get("interests") or "", r.get("skills") or ""),
                preferred_kinds=tuple(r.get("preferred_kinds") or ()),
                province=r.get("province") or school_province.get(r["school"], ""),
                birth_date=r["birth_date"],
                availability=tuple(sorted(r.get("available") or ())),
                language=student_language(r.get("languages") or ()),
            )
        )
    for r in rows("class_requests.csv"):
        participants.append(
            Participant(
                id=engine_id("class_request", r["external_id"]),
                type="class_request",
                level=r["level"],
                text=r.get("interests") or "",
                topics=tuple(r.get("topics") or ()),
                preferred_kinds=tuple(r.get("kinds") or ()),
                allowed_kinds=tuple(r.get("kinds") or ()),
                size=r["group_size"],
                province=school_province.get(r["school"], ""),
                availability=tuple(sorted(r.get("available") or ())),
                language="vi",
            )
        )
    participants.sort(key=lambda p: (p.type != "student", p.id))
    return participants, opportunities
