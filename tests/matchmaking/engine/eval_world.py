"""Read a folder in the docs/architecture.md CSV contract into engine inputs, without Django (for engine tests).

A deliberately small reader: it trusts the files (the app's importer validates), resolves province
names with ``places.provinces`` (pure Python) and reads a datetime without offset as Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from matchmaking.engine.types import Geography, Opportunity, Participant, Session
from places.provinces import neighbour_map, resolve

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
EVAL = Path(__file__).resolve().parents[2] / "data" / "eval"
NOW = datetime(2026, 9, 20, 8, 0, tzinfo=TZ)


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    path = folder / name
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=TZ)


def _intervals(text: str) -> tuple[tuple[datetime, datetime], ...]:
    out = []
    for item in filter(None, (part.strip() for part in (text or "").split(";"))):
        start, end = item.split("/")
        out.append((_moment(start), _moment(end)))
    return tuple(out)


def _list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(";") if part.strip())


def _province(name: str) -> str:
    return (resolve(name) or "") if name and name.strip() else ""


def _int(text: str) -> int | None:
    return int(text) if text and text.strip() else None


def load(folder: Path = EVAL) -> tuple[list[Participant], list[Opportunity], Geography]:
    sessions: dict[str, list[Session]] = defaultdict(list)
    opportunity_rows = _rows(folder, "opportunities.csv")
    capacity = {row["external_id"]: _int(row.get("capacity", "")) for row in opportunity_rows}
    for row in _rows(folder, "sessions.csv"):
        seats = _int(row.get("capacity", "")) or capacity.get(row["opportunity"]) or 30
        sessions[row["opportunity"]].append(
            Session(row["external_id"], _moment(row["starts_at"]), _moment(row["ends_at"]), seats)
        )
    opportunities = [
        Opportunity(
            id=row["external_id"],
            company=row["company"],
            kind=row["kind"],
            title=row["title"],
            description=row["description"],
            topics=_list(row.get("topics", "")),
            language=row.get("language", ""),
            province=_province(row.get("province", "")),
            online=row.get("online", "").strip().lower() in ("true", "1", "yes", "có"),
            levels=_list(row.get("levels", "")),
            min_age=_int(row.get("min_age", "")),
            group_min=_int(row.get("group_min", "")),
            group_max=_int(row.get("group_max", "")),
            apply_by=date.fromisoformat(row["apply_by"]) if row.get("apply_by") else None,
            sessions=tuple(sorted(sessions[row["external_id"]], key=lambda s: (s.starts_at, s.id))),
        )
        for row in opportunity_rows
    ]
    schools = {row["external_id"]: row for row in _rows(folder, "schools.csv")}
    participants = []
    for row in _rows(folder, "students.csv"):
        school = schools[row["school"]]
        languages = _list(row.get("languages", "").replace(",", ";"))
        participants.append(
            Participant(
                id=row["external_id"],
                type="student",
                level=row["level"],
                text=f"{row.get('interests', '')}. {row.get('skills', '')}",
                preferred_kinds=_list(row.get("preferred_kinds", "")),
                province=_province(row.get("province") or school["province"]),
                birth_date=date.fromisoformat(row["birth_date"]),
                availability=_intervals(row.get("available", "")),
                language=languages[0] if languages and languages[0] in ("vi", "en") else "vi",
            )
        )
    for row in _rows(folder, "class_requests.csv"):
        school = schools[row["school"]]
        kinds = _list(row.get("kinds", ""))
        participants.append(
            Participant(
                id=row["external_id"],
                type="class_request",
                level=row["level"],
                text=row.get("interests", ""),
                topics=_list(row.get("topics", "")),
                preferred_kinds=kinds,
                allowed_kinds=kinds,
                size=int(row["group_size"]),
                province=_province(school["province"]),
                availability=_intervals(row.get("available", "")),
                language="vi",
            )
        )
    return participants, opportunities, Geography(neighbour_map())


def truth(folder: Path = EVAL) -> dict[str, set[str]]:
    pairs: dict[str, set[str]] = defaultdict(set)
    for row in _rows(folder, "truth.csv"):
        pairs[row["participant"]].add(row["opportunity"])
    return dict(pairs)
