"""Does this session fit this participant: the one home of the rule (level, minimum age on the
session's day, a class's size against the opportunity's group limits, the session not started, and
the session inside the participant's free time), for both ways a participant gets a seat:
booking it themselves (``scheduler.services.booking_request``) and a round's proposals
(``scheduler.rounds``).

``class_offer_misfit`` adds the round's checks of a whole opportunity for a class (the kinds it asked
for, the deadline, its province and the neighbouring ones, room for the whole class), to say on the
class's page why an opportunity was not offered.

The matchmaking engine applies the same rule to millions of pairs at once, vectorised, and so keeps
a copy of its own (``matchmaking/engine/filters.py``: the engine imports no Django);
``tests/students/test_fit.py`` checks on many random cases that the two agree.

Seats are counted where a seat is taken, under the session's lock (``scheduler.selectors``), and a
minor's guardian consent and the participant's other bookings are the scheduler's (they need its
records); neither is here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

import places
from companies.models import Opportunity, Session

from .models import ClassRequest, Student

Interval = tuple[dt.datetime, dt.datetime]


def session_misfit(
    participant: Student | ClassRequest,
    session: Session,
    *,
    now: dt.datetime,
    availability: Sequence[Interval] | None = None,
) -> str | None:
    """Why the session does not fit the participant, in words for them, or None when it fits.

    ``availability``: the participant's free time, checked when given (a round proposes only inside
    it; so does a coordinator booking for a class, whose request states when the class is free; a student
    booking a seat themselves has chosen the time). Overlapping or touching intervals count as one (free
    08:00–10:00 and 10:00–12:00 is free 08:00–12:00), as in the engine.
    """
    free = None if availability is None else free_time(availability)
    misfit = _misfit(participant, session, now=now, free=free)
    if misfit is None:
        return None
    opportunity = session.opportunity
    if misfit == "started":
        return _("This session has already started.")
    if misfit == "level":
        return _("This opportunity is not open to your level of study.")
    if misfit == "age":
        return _("This opportunity is for participants aged %(age)d or more.") % {"age": opportunity.min_age}
    if misfit == "group":
        return _("This opportunity takes groups of %(low)s to %(high)s.") % {
            "low": opportunity.group_min or 1,
            "high": opportunity.group_max or "…",
        }
    if isinstance(participant, ClassRequest):
        return _class_time_misfit(participant, session, free or ())
    return _("This session is outside your free time.")


def _class_time_misfit(row: ClassRequest, session: Session, free: Sequence[Interval]) -> str:
    """A class's coordinator is told the class's free times and the session's, to see which to change."""
    when = {"name": row.class_name, "session": span_text(session.starts_at, session.ends_at)}
    if not free:
        return _(
            "Class %(name)s has no free times on record, and this session is on %(session)s: add the "
            "class's free times on its page first."
        ) % when
    shown = [span_text(a, b) for a, b in free[:_FREE_SHOWN]]
    if len(free) > _FREE_SHOWN:
        shown.append(_("%(n)d more") % {"n": len(free) - _FREE_SHOWN})
    return _(
        "Class %(name)s is free %(free)s; this session, on %(session)s, is outside those times. Add its "
        "time to the class's free times, or choose another session."
    ) % {**when, "free": "; ".join(shown)}


_FREE_SHOWN = 3


def span_text(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """``05/10/2026 08:00–11:30`` in local time (the end's date too when it is another day)."""
    a, b = timezone.localtime(starts_at), timezone.localtime(ends_at)
    end = f"{b:%H:%M}" if a.date() == b.date() else f"{b:%d/%m/%Y %H:%M}"
    return f"{a:%d/%m/%Y %H:%M}–{end}"


def session_fits(
    participant: Student | ClassRequest,
    session: Session,
    *,
    now: dt.datetime,
    free: Sequence[Interval] | None,
    day: dt.date | None = None,
) -> bool:
    """``session_misfit(...) is None``, without phrasing the reason: for a round, which asks about
    millions of pairs and tells nobody why. ``free``: the participant's free time as ``free_time`` gives
    it (merged once per participant, not once per session), or None not to check it; ``day``: the
    session's local date if the caller has it (``timezone.localdate(session.starts_at)``)."""
    return _misfit(participant, session, now=now, free=free, day=day) is None


def class_offer_misfit(
    row: ClassRequest,
    opportunity: Opportunity,
    sessions: Sequence[Session],
    *,
    now: dt.datetime,
    free: Sequence[Interval],
) -> str | None:
    """Why a round would not offer this opportunity to this class, as the first check it fails in the
    round's order ("kind", "deadline", "level", "far", "no_session", "group", "time", "seats"), or None
    when one of ``sessions`` fits the class with room for all of it: the engine's hard filters
    (``matchmaking/engine/filters.py``), for a page that says which one stood in the way.

    ``sessions``: the opportunity's upcoming sessions, each with ``seats_left``; ``free``: the class's
    free time as ``free_time`` gives it."""
    if row.kinds and opportunity.kind not in row.kinds:
        return "kind"
    if opportunity.apply_by is not None and opportunity.apply_by < timezone.localdate(now):
        return "deadline"
    if opportunity.levels and row.level not in opportunity.levels:
        return "level"
    home = row.school.province
    if not opportunity.online and opportunity.province not in {home, *places.neighbour_map().get(home, ())}:
        return "far"
    if not sessions:
        return "no_session"
    codes = [_misfit(row, s, now=now, free=free) for s in sessions]
    if "group" in codes:
        return "group"
    fitting = [s for s, code in zip(sessions, codes, strict=True) if code is None]
    if not fitting:
        return "time"
    if not any(s.seats_left >= row.group_size for s in fitting):  # type: ignore[attr-defined]
        return "seats"
    return None


def free_time(availability: Sequence[Interval]) -> tuple[Interval, ...]:
    """Free time as sorted, disjoint stretches: intervals that overlap or touch are joined, empty ones
    dropped."""
    stretches: list[Interval] = []
    for a, b in sorted(i for i in availability if i[0] < i[1]):
        if stretches and a <= stretches[-1][1]:
            stretches[-1] = (stretches[-1][0], max(stretches[-1][1], b))
        else:
            stretches.append((a, b))
    return tuple(stretches)


def _misfit(
    participant: Student | ClassRequest,
    session: Session,
    *,
    now: dt.datetime,
    free: Sequence[Interval] | None,
    day: dt.date | None = None,
) -> str | None:
    """The rule: the first check the pair fails ("started", "level", "age", "group", "time"), or None."""
    if session.starts_at <= now:
        return "started"
    opportunity = session.opportunity
    if opportunity.levels and participant.level not in opportunity.levels:
        return "level"
    if isinstance(participant, Student):
        if opportunity.min_age:
            if participant.age_on(day or timezone.localdate(session.starts_at)) < opportunity.min_age:
                return "age"
    else:
        size, low, high = participant.group_size, opportunity.group_min, opportunity.group_max
        if (low and size < low) or (high and size > high):
            return "group"
    if free is not None and not within(session, free):
        return "time"
    return None


def within(session: Session, free: Sequence[Interval]) -> bool:
    """The whole session inside one stretch of free time (``free`` as ``free_time`` gives it)."""
    return any(a <= session.starts_at and session.ends_at <= b for a, b in free)
