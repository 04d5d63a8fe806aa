"""Builders for the tiny hand-made worlds of the engine tests: one line per participant or opportunity."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from matchmaking.engine.types import Geography, Opportunity, Participant, Session

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 9, 20, 8, 0, tzinfo=TZ)
GEOGRAPHY = Geography(
    {"ha-noi": frozenset({"bac-ninh"}), "bac-ninh": frozenset({"ha-noi"}), "da-nang": frozenset()}
)
SATURDAY = datetime(2026, 10, 3, tzinfo=TZ)  # a Saturday


def at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.replace(hour=hour, minute=minute)


def session(
    id: str = "x1",
    day: datetime = SATURDAY,
    start: int = 8,
    end: int = 11,
    capacity: int = 30,
    taken: int = 0,
) -> Session:
    return Session(id, at(day, start), at(day, end), capacity, taken)


def opportunity(
    id: str = "o1",
    *,
    company: str = "c1",
    kind: str = "workshop",
    title: str = "Workshop",
    description: str = "",
    sessions: tuple[Session, ...] | None = None,
    **fields: object,
) -> Opportunity:
    base = Opportunity(
        id=id,
        company=company,
        kind=kind,
        title=title,
        description=description,
        province="ha-noi",
        sessions=(session(f"{id}-s"),) if sessions is None else sessions,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def student(
    id: str = "s1", text: str = "", *, born: date = date(2009, 5, 1), **fields: object
) -> Participant:
    weekend = (at(SATURDAY, 7), at(SATURDAY + timedelta(days=1), 20))
    base = Participant(
        id=id,
        type="student",
        level="upper_secondary",
        text=text,
        province="ha-noi",
        birth_date=born,
        availability=(weekend,),
        language="vi",
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def class_request(id: str = "k1", text: str = "", *, size: int = 35, **fields: object) -> Participant:
    base = Participant(
        id=id,
        type="class_request",
        level="upper_secondary",
        text=text,
        size=size,
        province="ha-noi",
        availability=((at(SATURDAY, 7), at(SATURDAY, 18)),),
        language="vi",
    )
    return replace(base, **fields)  # type: ignore[arg-type]
