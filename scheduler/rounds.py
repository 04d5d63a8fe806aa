"""A scheduling round: stored matches → the engine's allocation problem → proposed bookings and waitlists.

1. Lock every future session the round may touch (in primary-key order, the module-wide lock order),
   then count the seats already kept (confirmed, attended, no-show): these are never touched.
2. Build the problem. Participants: each matched student (size 1, max_bookings 1 — students carry no
   max_bookings; one session each spreads the seats over as many students as possible, and a student
   may still book more themselves) and each matched class request (its group size and max_bookings),
   less what they already keep. Sessions: future sessions of matched opportunities, capacity = seats
   left. Edges: a match × a session of its opportunity that fits the participant
   (``students.fit``: level, age, group size, and inside the participant's free time,
   intervals that meet counting as one; none on file: nothing fits, the matcher's rule too), does not
   overlap or repeat the opportunity of a kept booking, was not let go before (declined, cancelled,
   expired), and, for a minor on the session's date, only with guardian consent on record.
3. Solve, in the transaction: the session locks are what make "seats left" true when we write.
4. Replace the previous round's proposals and waitlists (a proposal repeated as is keeps its row, its
   hold and its mail), insert the new proposals with a hold, queue their mail, and rebuild the
   waitlists: first whoever the round left with nothing, on each session they could have had; behind
   them, participants it served, on a full session they scored above what they were given. Each queue
   is ranked by score within those two tiers.

A stable round (deferred acceptance, the residency rule for internships) takes students only: class
requests keep whatever proposals and waitlist places they have, and those seats stay taken.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Max, Q, QuerySet, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from companies.models import Opportunity, Session
from matchmaking.models import Match
from notifications.models import OutboxMessage
from notifications.services import copy_insert, tables_analyze
from students.fit import free_time, session_fits
from students.models import ADULT_AGE, AvailabilityInterval, ClassRequest, GuardianConsent, Student, age_on

from .mail import booking_mails_enqueue
from .models import AllocationMode, Booking
from .selectors import KEPT, LET_GO

if TYPE_CHECKING:
    from scheduler.engine import Problem

Status = Booking.Status
Category = OutboxMessage.Category
REPLACED = (Status.PROPOSED, Status.WAITLISTED)
STUDENT_MAX_BOOKINGS = 1
MODES = tuple(AllocationMode.values)

Key = tuple[str, int]  # ("student" | "class_request", pk)


@dataclass(frozen=True, slots=True)
class ScheduleReport:
    mode: str
    participants: int
    sessions: int
    edges: int
    proposed: int  # proposals standing after the round (new and repeated)
    new_proposals: int
    waitlisted: int
    kept: int  # confirmed/attended bookings in the round's sessions, untouched
    served: int  # seats of participants given at least one session
    objective: float
    upper_bound: float
    fill_rate: float
    share_served: float
    school_spread: float  # highest minus lowest share of participants served, across schools
    fairness: Mapping[str, Any] = field(default_factory=dict)
    # Matched participants no session fits: outside their availability, clashing with what they hold,
    # or a minor without a guardian's consent on record (of whom `without_consent`).
    no_fit: int = 0
    without_consent: int = 0

    def lines(self) -> list[str]:
        """The report for a person, in the active language (a command's: ``LANGUAGE_CODE``)."""
        values = {
            "mode": AllocationMode(self.mode).label if self.mode in AllocationMode.values else self.mode,
            "participants": self.participants,
            "sessions": self.sessions,
            "edges": self.edges,
            "proposed": self.proposed,
            "new": self.new_proposals,
            "waitlisted": self.waitlisted,
            "kept": self.kept,
            "served": self.served,
            "objective": self.objective,
            "upper_bound": self.upper_bound,
            "fill_rate": formats.number_format(100 * self.fill_rate, 1),
            "share_served": formats.number_format(100 * self.share_served, 1),
            "spread": formats.number_format(100 * self.school_spread, 1),
            "no_fit": self.no_fit,
            "without_consent": self.without_consent,
        }
        return [
            _("mode: %(mode)s") % values,
            _("problem: %(participants)d participants, %(sessions)d sessions, %(edges)d edges") % values,
            _("proposed: %(proposed)d (%(new)d new), waitlisted: %(waitlisted)d, kept: %(kept)d") % values,
            _("served seats: %(served)d, objective: %(objective).4f, upper bound: %(upper_bound).4f") % values,
            _(
                "fill rate: %(fill_rate)s%%, participants served: %(share_served)s%%, spread across schools "
                "(highest minus lowest share served): %(spread)s%%"
            )
            % values,
            ngettext(
                "no session fits: %(no_fit)d participant (%(without_consent)d of them a minor without a "
                "guardian's consent on record)",
                "no session fits: %(no_fit)d participants (%(without_consent)d of them minors without a "
                "guardian's consent on record)",
                self.no_fit,
            )
            % values,
        ]


@dataclass(slots=True)
class _Participant:
    key: Key
    engine_id: str
    size: int
    budget: int
    school: str
    birth_date: dt.date | None = None  # a student's, for the minor check; None for a class
    # An unsaved stand-in holding what the fit rule reads (level; birth date or group size): the round
    # never loads the participants' model rows, a province's worth of which took gigabytes.
    person: Student | ClassRequest | None = None
    consented: bool = False  # an active guardian consent is on record
    availability: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    held: list[Booking] = field(default_factory=list)  # active bookings the round does not replace
    opportunities: set[int] = field(default_factory=set)  # of kept or held bookings
    let_go: set[int] = field(default_factory=set)  # sessions declined, cancelled or expired

    def is_minor(self, day: dt.date) -> bool:
        return self.birth_date is not None and age_on(self.birth_date, day) < ADULT_AGE


# (participant, opportunity pk, score) of one stored match: plain tuples, not Match instances, so that a
# round over a province's million matches holds a few hundred bytes per match, not a model with its
# student and school objects (which took 9.8 GB at 100,000 students).
_Match = tuple[Key, int, float]


def round_run(*, mode: str, now: dt.datetime, seat_cap_per_school: int | None = None) -> ScheduleReport:
    """Propose bookings from the stored matches and rebuild the waitlists, in one transaction.

    Call it through ``services.round_schedule``, which first lapses overdue holds.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    # Imported here, not at the top: the engine pulls in OR-Tools and SciPy, which web processes never need.
    from scheduler import engine

    # Stable mode (deferred acceptance) is for students one seat each; classes stay out of such a round,
    # and their standing proposals keep their rows and seats.
    scope = Q(student__isnull=False) if mode == "stable" else Q()
    with transaction.atomic():
        # Only published opportunities get proposals; a withdrawn company's standing ones are replaced.
        matched = Match.objects.filter(scope, opportunity__in=Opportunity.objects.published())
        matches = _matches(matched)
        opportunity_ids = {opportunity_id for _, opportunity_id, _ in matches}
        sessions = {
            s.pk: s
            for s in Session.objects.not_cancelled()
            .select_for_update(of=("self",))
            .select_related("opportunity__company")
            .filter(starts_at__gt=now)
            .filter(
                Q(opportunity_id__in=opportunity_ids)
                | Q(pk__in=Booking.objects.filter(scope, status__in=REPLACED).values("session_id"))
            )
            .order_by("pk")
        }
        participants = _participants(matches, matched)
        _load_history(participants, sessions, now)
        edges = _edges(matches, participants, sessions, now)
        participants = {k: p for k, p in participants.items() if p.budget > 0}
        taken = _seats_taken(sessions, students_only=mode == "stable")
        problem = _problem(engine, participants, sessions, taken, edges, opportunity_ids, seat_cap_per_school)
        solution = engine.solve(problem, mode)

        by_engine_id = {p.engine_id: k for k, p in participants.items()}
        assigned = {(by_engine_id[pid], int(sid)) for pid, sid in solution.assignments}
        proposed, new = _write_proposals(assigned, participants, edges, sessions, scope, now)
        with_edges = {key for key, _ in edges}
        no_fit = [key for key in participants if key not in with_edges]
        waitlisted = _write_waitlists(
            _waitlist_entries(edges, assigned, participants, sessions, taken), participants, sessions
        )
        # A province's round writes some 140,000 bookings and 90,000 mails: statistics for what reads them
        # next (the relay's claims, the week's reports).
        tables_analyze(Booking, OutboxMessage)
        kept = Booking.objects.filter(session__in=list(sessions), status__in=KEPT).count()
        fairness = engine.fairness_report(problem, solution)
    return ScheduleReport(
        mode=mode,
        participants=len(problem.participants),
        sessions=len(problem.sessions),
        edges=len(problem.edges),
        proposed=proposed,
        new_proposals=new,
        waitlisted=waitlisted,
        no_fit=len(no_fit),
        without_consent=sum(1 for key in no_fit if _minor_without_consent(participants[key], now)),
        kept=kept,
        served=int(solution.served),
        objective=float(solution.objective),
        upper_bound=float(solution.upper_bound),
        fill_rate=fairness["fill_rate"],
        share_served=fairness["served_share"],
        school_spread=fairness["school_share_max"] - fairness["school_share_min"],
        fairness=fairness,
    )


def _key(booking: Booking | Match | AvailabilityInterval) -> Key:
    if booking.student_id is not None:
        return ("student", booking.student_id)
    assert booking.class_request_id is not None
    return ("class_request", booking.class_request_id)


def _row_key(student_id: int | None, class_request_id: int | None) -> Key:
    return ("student", student_id) if student_id is not None else ("class_request", class_request_id)  # type: ignore[return-value]


def _matches(matched: QuerySet[Match]) -> list[_Match]:
    """The stored matches in primary-key order (the order the engine's input follows), as plain tuples.
    One Key object per participant, shared by all its matches."""
    keys: dict[Key, Key] = {}
    out: list[_Match] = []
    rows = matched.order_by("pk").values_list("student_id", "class_request_id", "opportunity_id", "score")
    for student_id, class_request_id, opportunity_id, score in rows.iterator(chunk_size=20_000):
        key = _row_key(student_id, class_request_id)
        out.append((keys.setdefault(key, key), opportunity_id, score))
    return out


def _participants(matches: list[_Match], matched: QuerySet[Match]) -> dict[Key, _Participant]:
    """Each matched participant once, in the order of its first match."""
    students = {
        pk: (external_id, school, birth_date, level)
        for pk, external_id, school, birth_date, level in Student.objects.filter(
            pk__in=matched.filter(student__isnull=False).values("student_id")
        ).values_list("pk", "external_id", "school__external_id", "birth_date", "level")
    }
    classes = {
        pk: (external_id, school, size, budget, level)
        for pk, external_id, school, size, budget, level in ClassRequest.objects.filter(
            pk__in=matched.filter(class_request__isnull=False).values("class_request_id")
        ).values_list("pk", "external_id", "school__external_id", "group_size", "max_bookings", "level")
    }
    participants: dict[Key, _Participant] = {}
    for key, _opportunity, _score in matches:
        if key in participants:
            continue
        if key[0] == "student":
            external_id, school, birth_date, level = students[key[1]]
            participants[key] = _Participant(
                key=key,
                engine_id=f"student:{external_id}",
                size=1,
                budget=STUDENT_MAX_BOOKINGS,
                school=school,
                birth_date=birth_date,
                person=Student(pk=key[1], birth_date=birth_date, level=level),
            )
        else:
            external_id, school, size, budget, level = classes[key[1]]
            participants[key] = _Participant(
                key=key,
                engine_id=f"class_request:{external_id}",
                size=size,
                budget=budget,
                school=school,
                person=ClassRequest(pk=key[1], group_size=size, level=level),
            )
    return participants


def _load_history(
    participants: dict[Key, _Participant], sessions: Mapping[int, Session], now: dt.datetime
) -> None:
    """Availability, and what each participant keeps, holds and let go from earlier rounds.

    Read whole and filtered here: a province's round matches most of its participants, and a filter
    naming a hundred thousand ids costs the database more than the rows of the others cost us."""
    intervals = AvailabilityInterval.objects.order_by("starts_at").values_list(
        "student_id", "class_request_id", "starts_at", "ends_at"
    )
    for student_id, class_request_id, starts_at, ends_at in intervals.iterator(chunk_size=20_000):
        p = participants.get(_row_key(student_id, class_request_id))
        if p is not None:
            p.availability.append((starts_at, ends_at))
    history = Booking.objects.exclude(status=Status.WAITLISTED).select_related("session").order_by("pk")
    for booking in history.iterator(chunk_size=5_000):
        p = participants.get(_key(booking))
        if p is None:
            continue
        if booking.status in LET_GO:
            p.let_go.add(booking.session_id)
            continue
        # Proposals in the round's sessions are replaced; any other proposal (its session has started
        # and holds_expire has not run yet) and every confirmation still holds its time and its seat.
        if booking.status == Status.PROPOSED and booking.session_id in sessions:
            continue
        p.opportunities.add(booking.session.opportunity_id)
        if booking.status in Booking.ACTIVE:
            p.held.append(booking)
            if booking.ends_at > now:
                p.budget -= 1
    consented = set(
        GuardianConsent.objects.filter(withdrawn_at__isnull=True, student__isnull=False).values_list(
            "student_id", flat=True
        )
    )
    for p in participants.values():
        p.consented = p.birth_date is not None and p.key[1] in consented


def _edges(
    matches: list[_Match],
    participants: Mapping[Key, _Participant],
    sessions: Mapping[int, Session],
    now: dt.datetime,
) -> dict[tuple[Key, int], float]:
    """(participant, session) → match score, for every session the participant could be given."""
    by_opportunity: dict[int, list[tuple[Session, dt.date]]] = defaultdict(list)
    for s in sessions.values():
        by_opportunity[s.opportunity_id].append((s, timezone.localdate(s.starts_at)))
    edges: dict[tuple[Key, int], float] = {}
    free: dict[Key, tuple[tuple[dt.datetime, dt.datetime], ...]] = {}
    for key, opportunity_id, score in matches:
        p = participants[key]
        if p.budget <= 0 or opportunity_id in p.opportunities:
            continue
        if key not in free:
            free[key] = free_time(p.availability)
        for s, day in by_opportunity.get(opportunity_id, []):
            if s.pk in p.let_go or not _fits(p, s, day, now, free[key]):
                continue
            edges[(p.key, s.pk)] = score
    return edges


def _fits(
    p: _Participant, s: Session, day: dt.date, now: dt.datetime, free: tuple[tuple[dt.datetime, dt.datetime], ...]
) -> bool:
    """``day``: the session's local date (its start), the day a minor's consent is asked for; ``free``:
    the participant's free time (``students.fit.free_time``)."""
    assert p.person is not None
    if not session_fits(p.person, s, now=now, free=free, day=day):
        return False
    if any(b.starts_at < s.ends_at and s.starts_at < b.ends_at for b in p.held):
        return False
    if p.is_minor(day):
        return p.consented
    return True


def _minor_without_consent(p: _Participant, now: dt.datetime) -> bool:
    return not p.consented and p.is_minor(timezone.localdate(now))


def _seats_taken(sessions: Mapping[int, Session], *, students_only: bool) -> dict[int, int]:
    """Seats the round may not hand out: kept bookings, and proposals of participants outside its scope."""
    holding = Q(status__in=KEPT)
    if students_only:
        holding |= Q(status=Status.PROPOSED, class_request__isnull=False)
    return dict(
        Booking.objects.filter(holding, session__in=list(sessions))
        .values("session")
        .annotate(n=Sum("seats"))
        .values_list("session", "n")
    )


def _problem(
    engine: Any,
    participants: Mapping[Key, _Participant],
    sessions: Mapping[int, Session],
    taken: Mapping[int, int],
    edges: Mapping[tuple[Key, int], float],
    opportunity_ids: set[int],
    seat_cap_per_school: int | None,
) -> Problem:
    served_schools = set(
        Booking.objects.filter(status__in=KEPT)
        .values_list("student__school__external_id", "class_request__school__external_id")
        .distinct()
    )
    unserved = {p.school for p in participants.values()} - {s for pair in served_schools for s in pair if s}
    return engine.Problem(
        participants=tuple(
            engine.Participant(id=p.engine_id, size=p.size, max_bookings=p.budget, school=p.school)
            for p in participants.values()
        ),
        sessions=tuple(
            engine.Session(
                id=str(s.pk),
                opportunity=str(s.opportunity_id),
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                capacity=max(0, s.capacity - taken.get(s.pk, 0)),
            )
            for s in sessions.values()
            if s.opportunity_id in opportunity_ids
        ),
        edges=tuple(
            engine.Edge(
                participant=participants[key].engine_id, session=str(sid), score=score, session_score=score
            )
            for (key, sid), score in edges.items()
            if key in participants
        ),
        seat_cap_per_school=seat_cap_per_school,
        priority_schools=frozenset(unserved),
    )


def _write_proposals(
    assigned: set[tuple[Key, int]],
    participants: Mapping[Key, _Participant],
    edges: Mapping[tuple[Key, int], float],
    sessions: Mapping[int, Session],
    scope: Q,
    now: dt.datetime,
) -> tuple[int, int]:
    """Replace the previous proposals by the assignment; (proposals standing, new ones). Mail the new."""
    previous = Booking.objects.filter(scope, session__in=list(sessions), status__in=REPLACED)
    proposals = previous.filter(status=Status.PROPOSED).values_list(
        "pk", "student_id", "class_request_id", "session_id"
    )
    standing = {
        pk: (_row_key(student_id, class_request_id), session_id)
        for pk, student_id, class_request_id, session_id in proposals.iterator(chunk_size=20_000)
    }
    repeated = {pk for pk, pair in standing.items() if pair in assigned}
    # A proposal (or a waitlist offer) this round does not repeat is withdrawn: never silently, since its
    # emailed links stop working. Waitlist places are rebuilt below and need no mail.
    booking_mails_enqueue(
        _bumped(_with_details(sorted(set(standing) - repeated), sessions)),
        Category.BOOKING_CANCELLED,
        reason="replaced",
    )
    # Deleted before the inserts, so a new proposal never meets an old one in the constraints.
    previous.exclude(pk__in=repeated).delete()
    kept_pairs = {standing[pk] for pk in repeated}
    rows = [
        Booking(
            student_id=key[1] if key[0] == "student" else None,
            class_request_id=key[1] if key[0] == "class_request" else None,
            session_id=sid,
            status=Status.PROPOSED,
            seats=participants[key].size,
            score=edges[(key, sid)],
            hold_until=Booking.hold_deadline(sessions[sid], now),
            starts_at=sessions[sid].starts_at,
            ends_at=sessions[sid].ends_at,
        )
        for key, sid in sorted(assigned - kept_pairs)
    ]
    created = _bookings_insert(rows)
    booking_mails_enqueue(_with_details(sorted(created), sessions), Category.BOOKING_PROPOSED)
    return len(repeated) + len(created), len(created)


_BOOKING_COLUMNS = (
    "student_id", "class_request_id", "session_id", "status", "seats", "score", "hold_until", "waitlist_rank",
    "sequence", "starts_at", "ends_at", "created_at", "updated_at",
)  # fmt: skip


def _bookings_insert(rows: list[Booking]) -> list[int]:
    """Insert the round's new bookings (in this order: their primary keys follow it); their primary keys.
    On PostgreSQL through COPY (a province's round writes some 140,000), elsewhere ``bulk_create``."""
    if connection.vendor != "postgresql":
        return [b.pk for b in Booking.objects.bulk_create(rows, batch_size=1000)]
    stamp = timezone.now()
    values = (
        (b.student_id, b.class_request_id, b.session_id, b.status, b.seats, b.score, b.hold_until, b.waitlist_rank,
         b.sequence, b.starts_at, b.ends_at, stamp, stamp)  # fmt: skip
        for b in rows
    )
    return [pk for (pk,) in copy_insert(Booking, _BOOKING_COLUMNS, values, returning=["id"])]


def _with_details(pks: list[int], sessions: Mapping[int, Session], batch: int = 2000) -> Iterator[Booking]:
    """The bookings with what their mail names (participant and a class's school; the session, its
    opportunity and company from ``sessions``, shared by every booking of a session rather than read and
    built again for each: a province's round mails some 90,000 proposals on 20,000 sessions), in the
    order given, read a batch at a time."""
    for start in range(0, len(pks), batch):
        rows = Booking.objects.select_related("student", "class_request__school").filter(
            pk__in=pks[start : start + batch]
        )
        for booking in rows.order_by("pk"):
            booking.session = sessions[booking.session_id]
            yield booking


def _bumped(bookings: Iterable[Booking]) -> Iterator[Booking]:
    """Each withdrawn proposal's next sequence: the mail's key and calendar file name the change."""
    for booking in bookings:
        booking.sequence += 1
        yield booking


def _waitlist_entries(
    edges: Mapping[tuple[Key, int], float],
    assigned: set[tuple[Key, int]],
    participants: Mapping[Key, _Participant],
    sessions: Mapping[int, Session],
    taken: Mapping[int, int],
) -> list[tuple[Key, int, float, int]]:
    """Who waits for which session after the round: (participant, session, score, tier).

    Tier 0, first in every queue: a participant the round gave nothing and who holds nothing, on every
    session they could have had. Tier 1: the same for one who holds a booking from before; and a
    participant the round served, on a full session they would rather have (a better score than the
    least of what they were given, or any while given fewer than they may take), other than an
    opportunity they already got. Full: fewer seats left than the participant needs. An offer later
    still passes over anyone it would clash with.
    """
    given: dict[Key, list[int]] = defaultdict(list)
    left = {sid: s.capacity - taken.get(sid, 0) for sid, s in sessions.items()}
    for key, sid in assigned:
        given[key].append(sid)
        left[sid] -= participants[key].size
    entries = []
    for (key, sid), score in edges.items():
        p = participants[key]
        mine = given.get(key)
        if not mine:
            entries.append((key, sid, score, 1 if p.held else 0))
            continue
        if (key, sid) in assigned or left[sid] >= p.size:
            continue
        if sessions[sid].opportunity_id in {sessions[g].opportunity_id for g in mine}:
            continue
        if len(mine) < p.budget or score > min(edges[(key, g)] for g in mine):
            entries.append((key, sid, score, 1))
    return entries


def _write_waitlists(
    entries: list[tuple[Key, int, float, int]],
    participants: Mapping[Key, _Participant],
    sessions: Mapping[int, Session],
) -> int:
    """Waitlist each entry on its session: by tier, then best score (ties by participant id).

    Entries a stable round leaves in place (classes) keep their places; the new ones queue behind them.
    """
    per_session: dict[int, list[tuple[int, float, str, Key]]] = defaultdict(list)
    for key, sid, score, tier in entries:
        per_session[sid].append((tier, -score, participants[key].engine_id, key))
    behind = dict(
        Booking.objects.filter(session__in=list(per_session), status=Status.WAITLISTED)
        .values("session")
        .annotate(last=Max("waitlist_rank"))
        .values_list("session", "last")
    )
    rows = []
    for sid in sorted(per_session):
        first = behind.get(sid, 0) + 1
        for rank, (_tier, neg_score, _engine_id, key) in enumerate(sorted(per_session[sid]), start=first):
            rows.append(
                Booking(
                    student_id=key[1] if key[0] == "student" else None,
                    class_request_id=key[1] if key[0] == "class_request" else None,
                    session_id=sid,
                    status=Status.WAITLISTED,
                    waitlist_rank=rank,
                    seats=participants[key].size,
                    score=-neg_score,
                    starts_at=sessions[sid].starts_at,
                    ends_at=sessions[sid].ends_at,
                )
            )
    return len(_bookings_insert(rows))
