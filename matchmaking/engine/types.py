"""The engine's inputs and outputs: plain frozen dataclasses, no Django.

Times are aware ``datetime``s. The Django side builds these from rows; the benchmark builds them from a
synthetic world; the engine never reads a clock (``now`` is always passed in).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

KINDS = ("internship", "visit", "career_talk", "workshop", "contest")
LEVELS = ("lower_secondary", "upper_secondary", "vocational", "university")
PARTICIPANT_TYPES = ("student", "class_request")
# A reason as data, ``{"factor": "kind", "kind": "workshop"}`` (the factors: ``reasons.py``); the Django
# side phrases it in the reader's language.
Reason = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    taken: int = 0  # seats already booked


@dataclass(frozen=True, slots=True)
class Opportunity:
    id: str
    company: str
    kind: str
    title: str
    description: str = ""
    topics: tuple[str, ...] = ()  # free words or phrases from the company, any language
    language: str = ""  # 'vi' | 'en' | ''
    province: str = ""  # a province code; '' = unknown (then only reachable when online)
    online: bool = False
    levels: tuple[str, ...] = ()  # empty = every level
    min_age: int | None = None
    group_min: int | None = None
    group_max: int | None = None
    apply_by: date | None = None
    created_at: datetime | None = None
    sessions: tuple[Session, ...] = ()
    # Who offers it, as written (a company's, an expert's or an artisan's name): its words are no topic
    # of the posting unless the rest of it agrees ("Công ty TNHH Đại Dương Xanh" is not about the
    # ocean; ``vectors.topic_sets``).
    organisation: str = ""


@dataclass(frozen=True, slots=True)
class Participant:
    id: str
    type: str  # 'student' | 'class_request'
    level: str
    text: str = ""  # interests and skills, free text in Vietnamese or English
    topics: tuple[str, ...] = ()
    preferred_kinds: tuple[str, ...] = ()  # soft preference (a feature)
    allowed_kinds: tuple[str, ...] = ()  # hard filter; empty = any kind
    size: int = 1  # 1 for a student, the group size for a class request
    province: str = ""
    birth_date: date | None = None
    availability: tuple[tuple[datetime, datetime], ...] = ()  # empty = never available
    language: str = "vi"


@dataclass(frozen=True, slots=True)
class Geography:
    """Which provinces can reach which: a participant reaches its own province and its neighbours."""

    neighbours: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def distance(self, participant_province: str, opportunity: Opportunity) -> float:
        """1 online or same province, 0.5 neighbouring, 0 unreachable (an unknown '' matches nothing)."""
        if opportunity.online:
            return 1.0
        if not participant_province or not opportunity.province:
            return 0.0
        if opportunity.province == participant_province:
            return 1.0
        if opportunity.province in self.neighbours.get(participant_province, frozenset()):
            return 0.5
        return 0.0


class Rec(NamedTuple):
    """One recommended pair. Both ids are set whichever direction the list is for.

    ``sessions`` are the ids of the opportunity's sessions that pass every per-session test for this
    participant (earliest first): the edges the scheduler may use. ``reasons`` are data, shared between
    Recs with the same reasons (never change one in place). A NamedTuple rather than a frozen
    dataclass because a full run builds 1.2 million of them and this is four times cheaper.
    """

    participant_id: str
    opportunity_id: str
    score: float
    rank: int
    reasons: tuple[Reason, ...]
    features: Mapping[str, float]
    sessions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Recommendations:
    for_participants: dict[str, list[Rec]]
    for_opportunities: dict[str, list[Rec]]
    weights_version: str = "default"
