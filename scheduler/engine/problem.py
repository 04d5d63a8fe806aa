"""The allocation problem: plain dataclasses, and a parser that reports every defect at once.

The JSON shape is a public contract (see docs/architecture.md, "Allocation problem (JSON)"). Unknown keys are
ignored so that producers can add fields without breaking older engines.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from os import PathLike
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class ProblemError(ValueError):
    """A problem that cannot be solved as given; `messages` names every defect found."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True, slots=True)
class Participant:
    id: str
    size: int = 1
    max_bookings: int = 1
    school: str | None = None


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    opportunity: str
    starts_at: datetime
    ends_at: datetime
    capacity: int

    def overlaps(self, other: Session) -> bool:
        # Touching intervals (one ends as the next starts) do not overlap.
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


@dataclass(frozen=True, slots=True)
class Edge:
    participant: str
    session: str
    score: float
    session_score: float


@dataclass(frozen=True, slots=True)
class Problem:
    participants: Sequence[Participant]
    sessions: Sequence[Session]
    edges: Sequence[Edge]
    seat_cap_per_school: int | None = None
    priority_schools: frozenset[str] = field(default_factory=frozenset)


def load_problem(path: str | PathLike[str]) -> Problem:
    """Read and validate a problem file; raise ProblemError naming every defect."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ProblemError([f"{name}: cannot read: {exc.strerror or exc}"]) from exc
    except UnicodeDecodeError as exc:
        raise ProblemError([f"{name}: not UTF-8 text: {exc.reason} at byte {exc.start}"]) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        message = f"{name}: not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise ProblemError([message]) from exc
    return parse_problem(data)


def parse_problem(data: Any) -> Problem:
    """Validate decoded JSON and build a Problem; raise ProblemError listing every defect."""
    errors: list[str] = []
    if not isinstance(data, Mapping):
        raise ProblemError([f"problem: expected a JSON object, got {_json_type(data)}"])
    lists: dict[str, list[Any]] = {}
    for key in ("participants", "sessions", "edges"):
        if key not in data:
            errors.append(f'problem: missing key "{key}"')
        elif not isinstance(data[key], list):
            errors.append(f"{key}: expected a list, got {_json_type(data[key])}")
        else:
            lists[key] = data[key]

    participants, participant_ids = _parse_participants(lists.get("participants", []), errors)
    sessions, session_ids = _parse_sessions(lists.get("sessions", []), errors)
    # An edge may name any listed id, even one whose item has another defect (that defect is
    # reported once, on the item). Without a list at all, every reference would look unknown and
    # bury the real defect, so references are checked only against lists that are lists.
    edges = _parse_edges(
        lists.get("edges", []),
        participant_ids if "participants" in lists else None,
        session_ids if "sessions" in lists else None,
        errors,
    )
    seat_cap = _parse_seat_cap(data.get("seat_cap_per_school"), errors)
    priority = _parse_priority(data.get("priority_schools"), errors)
    if errors:
        raise ProblemError(errors)
    return Problem(tuple(participants), tuple(sessions), tuple(edges), seat_cap, priority)


def _parse_participants(items: list[Any], errors: list[str]) -> tuple[list[Participant], set[str]]:
    result: list[Participant] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        where = f"participants[{i}]"
        if not isinstance(item, Mapping):
            errors.append(f"{where}: expected an object, got {_json_type(item)}")
            continue
        ok = True
        pid = _id_field(item, "id", where, errors)
        if pid is None:
            ok = False
        else:
            where = f'{where} (id "{pid}")'
            if pid in seen:
                errors.append(f"{where}: duplicate id, first at participants[{seen[pid]}]")
                ok = False
            else:
                seen[pid] = i
        size = _positive_int(item, "size", 1, where, errors)
        max_bookings = _positive_int(item, "max_bookings", 1, where, errors)
        school = item.get("school")
        if school is not None and (not isinstance(school, str) or not school):
            errors.append(f"{where}: school must be a non-empty string or null, got {_show(school)}")
            ok = False
        if ok and pid is not None and size is not None and max_bookings is not None:
            result.append(Participant(pid, size, max_bookings, school))
    return result, set(seen)


def _parse_sessions(items: list[Any], errors: list[str]) -> tuple[list[Session], set[str]]:
    result: list[Session] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        where = f"sessions[{i}]"
        if not isinstance(item, Mapping):
            errors.append(f"{where}: expected an object, got {_json_type(item)}")
            continue
        ok = True
        sid = _id_field(item, "id", where, errors)
        if sid is None:
            ok = False
        else:
            where = f'{where} (id "{sid}")'
            if sid in seen:
                errors.append(f"{where}: duplicate id, first at sessions[{seen[sid]}]")
                ok = False
            else:
                seen[sid] = i
        opportunity = _id_field(item, "opportunity", where, errors)
        starts_at = _datetime_field(item, "starts_at", where, errors)
        ends_at = _datetime_field(item, "ends_at", where, errors)
        if starts_at is not None and ends_at is not None and not ends_at > starts_at:
            errors.append(f"{where}: ends_at {item['ends_at']} is not after starts_at {item['starts_at']}")
            ok = False
        capacity = _non_negative_int(item, "capacity", where, errors)
        if (
            ok
            and sid is not None
            and opportunity is not None
            and starts_at is not None
            and ends_at is not None
            and capacity is not None
        ):
            result.append(Session(sid, opportunity, starts_at, ends_at, capacity))
    return result, set(seen)


def _parse_edges(
    items: list[Any], participant_ids: set[str] | None, session_ids: set[str] | None, errors: list[str]
) -> list[Edge]:
    result: list[Edge] = []
    seen: dict[tuple[str, str], int] = {}
    for i, item in enumerate(items):
        where = f"edges[{i}]"
        if not isinstance(item, Mapping):
            errors.append(f"{where}: expected an object, got {_json_type(item)}")
            continue
        participant = _id_field(item, "participant", where, errors)
        session = _id_field(item, "session", where, errors)
        ok = participant is not None and session is not None
        if participant is not None and participant_ids is not None and participant not in participant_ids:
            errors.append(f'{where}: participant "{participant}" is not a listed participant')
            ok = False
        if session is not None and session_ids is not None and session not in session_ids:
            errors.append(f'{where}: session "{session}" is not a listed session')
            ok = False
        score = _score(item, "score", None, where, errors)
        session_score = _score(item, "session_score", score, where, errors)
        if participant is not None and session is not None:
            pair = (participant, session)
            if pair in seen:
                first = seen[pair]
                errors.append(
                    f'{where}: duplicate of edges[{first}] (participant "{participant}", session "{session}")'
                )
                ok = False
            else:
                seen[pair] = i
        if ok and score is not None and session_score is not None:
            assert participant is not None and session is not None
            result.append(Edge(participant, session, score, session_score))
    return result


def _parse_seat_cap(value: Any, errors: list[str]) -> int | None:
    if value is None:
        return None
    if not _is_int(value) or value < 1:
        errors.append(f"seat_cap_per_school: must be a positive integer or null, got {_show(value)}")
        return None
    return int(value)


def _parse_priority(value: Any, errors: list[str]) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        errors.append(f"priority_schools: expected a list of school ids, got {_json_type(value)}")
        return frozenset()
    schools: set[str] = set()
    for i, school in enumerate(value):
        if not isinstance(school, str) or not school:
            errors.append(f"priority_schools[{i}]: must be a non-empty string, got {_show(school)}")
        else:
            schools.add(school)
    return frozenset(schools)


def _id_field(item: Mapping[str, Any], key: str, where: str, errors: list[str]) -> str | None:
    if key not in item:
        errors.append(f'{where}: missing key "{key}"')
        return None
    value = item[key]
    if not isinstance(value, str) or not value:
        errors.append(f"{where}: {key} must be a non-empty string, got {_show(value)}")
        return None
    return value


def _positive_int(
    item: Mapping[str, Any], key: str, default: int, where: str, errors: list[str]
) -> int | None:
    value = item.get(key, default)
    if not _is_int(value) or value < 1:
        errors.append(f"{where}: {key} must be a positive integer, got {_show(value)}")
        return None
    return int(value)


def _non_negative_int(item: Mapping[str, Any], key: str, where: str, errors: list[str]) -> int | None:
    if key not in item:
        errors.append(f'{where}: missing key "{key}"')
        return None
    value = item[key]
    if not _is_int(value) or value < 0:
        errors.append(f"{where}: {key} must be a non-negative integer, got {_show(value)}")
        return None
    return int(value)


def _score(
    item: Mapping[str, Any], key: str, default: float | None, where: str, errors: list[str]
) -> float | None:
    if key not in item:
        if default is None and key == "score":
            errors.append(f'{where}: missing key "{key}"')
        return default
    value = item[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors.append(f"{where}: {key} must be a number in (0, 1], got {_show(value)}")
        return None
    if not math.isfinite(value) or not 0 < value <= 1:
        errors.append(f"{where}: {key} must be in (0, 1], got {_show(value)}")
        return None
    return float(value)


def _datetime_field(item: Mapping[str, Any], key: str, where: str, errors: list[str]) -> datetime | None:
    if key not in item:
        errors.append(f'{where}: missing key "{key}"')
        return None
    value = item[key]
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        errors.append(f"{where}: {key} must be an ISO 8601 datetime, got {_show(value)}")
    return parsed


def parse_datetime(value: str) -> datetime | None:
    """ISO 8601 date and time; without an offset it is wall time in Asia/Ho_Chi_Minh. None if invalid."""
    # A bare date is not a moment in time, so a time part is required.
    if len(value) < 13 or value[10] not in "Tt ":
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=DEFAULT_TZ)
    return parsed


def _is_int(value: Any) -> bool:
    # JSON has one number type: 2.0 is accepted as 2, but booleans are not numbers here.
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _show(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__
