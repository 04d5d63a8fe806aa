"""The organiser's figures: fill rates by kind, participation per school and per province.

A fixed number of grouped queries whatever the size of the province, so the API's ``/reports/`` and the
organiser's dashboard and week's report read the same figures.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone, translation

import places
from companies.models import Kind, Session
from matchmaking.models import Feedback
from students.models import ClassRequest, School, Student

from .models import Booking
from .selectors import KEPT

Status = Booking.Status


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def participation_report(*, starts_after: Any = None, starts_before: Any = None) -> dict[str, Any]:
    """The organiser's figures over the sessions starting in a window; a fixed number of grouped
    queries, whatever the size of the province."""
    window = Q()
    if starts_after:
        window &= Q(starts_at__gte=starts_after)
    if starts_before:
        window &= Q(starts_at__lt=starts_before)
    # A cancelled session offers no seats: it counts in no capacity or fill rate.
    sessions = Session.objects.not_cancelled().filter(window)
    seats: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # kind -> [sessions, seats, taken]
    for kind, n, capacity in (
        sessions.order_by().values_list("opportunity__kind").annotate(Count("pk"), Sum("capacity"))
    ):
        seats[kind][0:2] = [n, capacity or 0]
    holding = Booking.objects.filter(window, status__in=Booking.SEAT_HOLDING)
    for kind, taken in holding.order_by().values_list("session__opportunity__kind").annotate(Sum("seats")):
        seats[kind][2] = taken or 0
    total = [sum(v[i] for v in seats.values()) for i in range(3)]

    kept = Booking.objects.filter(window, status__in=KEPT)
    by_kind: dict[str, dict[str, Any]] = {
        row["kind"]: dict(row)
        for row in kept.order_by()
        .values(kind=F("session__opportunity__kind"))
        .annotate(
            bookings=Count("pk"),
            seats_booked=Sum("seats"),
            attended=Count("pk", filter=Q(status=Status.ATTENDED)),
            no_show=Count("pk", filter=Q(status=Status.NO_SHOW)),
        )
    }
    schools = _school_participation(kept)
    provinces: dict[str, dict[str, Any]] = {}
    for row in schools:
        into = provinces.setdefault(row["province"], {"province": row["province"]})
        for key in ("students", "students_booked", "classes", "classes_booked", "seats_booked"):
            into[key] = into.get(key, 0) + row[key]
    for row in provinces.values():
        row["share"] = _share(row["students_booked"], row["students"])
    return {
        "generated_at": timezone.now(),
        "starts_after": starts_after,
        "starts_before": starts_before,
        "fill": {
            "sessions": total[0],
            "seats": total[1],
            "seats_taken": total[2],
            "fill_rate": _share(total[2], total[1]),
        },
        "fill_by_kind": [
            {"kind": k, "sessions": v[0], "seats": v[1], "seats_taken": v[2], "fill_rate": _share(v[2], v[1])}
            for k, v in sorted(seats.items())
        ],
        "participation_by_kind": [
            {
                "kind": kind,
                **{
                    key: (by_kind.get(kind) or {}).get(key) or 0
                    for key in ("bookings", "seats_booked", "attended", "no_show")
                },
            }
            for kind in Kind.values
        ],
        "schools": schools,
        "provinces": sorted(provinces.values(), key=lambda r: r["province"]),
    }


def _school_participation(kept: QuerySet[Booking]) -> list[dict[str, Any]]:
    students = dict(Student.objects.order_by().values_list("school").annotate(Count("pk")))
    classes = dict(ClassRequest.objects.order_by().values_list("school").annotate(Count("pk")))
    booked_students = {
        school: (n, seats)
        for school, n, seats in kept.filter(student__isnull=False)
        .order_by()
        .values_list("student__school")
        .annotate(Count("student", distinct=True), Sum("seats"))
    }
    booked_classes = {
        school: (n, seats)
        for school, n, seats in kept.filter(class_request__isnull=False)
        .order_by()
        .values_list("class_request__school")
        .annotate(Count("class_request", distinct=True), Sum("seats"))
    }
    rows = []
    for pk, name, province in School.objects.order_by("name", "pk").values_list("pk", "name", "province"):
        s_n, s_seats = booked_students.get(pk, (0, 0))
        c_n, c_seats = booked_classes.get(pk, (0, 0))
        rows.append(
            {
                "school": pk,
                "name": name,
                "province": province,
                "students": students.get(pk, 0),
                "students_booked": s_n,
                "share": _share(s_n, students.get(pk, 0)),
                "classes": classes.get(pk, 0),
                "classes_booked": c_n,
                "seats_booked": (s_seats or 0) + (c_seats or 0),
            }
        )
    return rows


# --- The organiser's dashboard and the week's report --------------------------------------------------

# A session "took place" for a participant when the booking was kept to the end: confirmed (the
# attendance not yet taken) or attended. A no-show did not take part.
HELD = (Status.CONFIRMED, Status.ATTENDED)
ONLINE = "online"  # the province column of an opportunity held online only


def _window(starts_after: Any, starts_before: Any, field: str = "starts_at") -> Q:
    window = Q()
    if starts_after:
        window &= Q(**{f"{field}__gte": starts_after})
    if starts_before:
        window &= Q(**{f"{field}__lt": starts_before})
    return window


def fill_by_province(*, starts_after: Any = None, starts_before: Any = None) -> list[dict[str, Any]]:
    """Seats offered and taken per province of the opportunity (``online`` for an online-only one)."""
    sessions = Session.objects.not_cancelled().filter(_window(starts_after, starts_before))
    seats: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for province, n, capacity in (
        sessions.order_by().values_list("opportunity__province").annotate(Count("pk"), Sum("capacity"))
    ):
        seats[province or ONLINE][0] += n
        seats[province or ONLINE][1] += capacity or 0
    holding = Booking.objects.filter(_window(starts_after, starts_before), status__in=Booking.SEAT_HOLDING)
    for province, taken in holding.order_by().values_list("session__opportunity__province").annotate(Sum("seats")):
        seats[province or ONLINE][2] += taken or 0
    return [
        {"province": p, "sessions": v[0], "seats": v[1], "seats_taken": v[2], "fill_rate": _share(v[2], v[1])}
        for p, v in sorted(seats.items())
    ]


def school_spread(schools: list[dict[str, Any]]) -> dict[str, Any]:
    """How unequally schools are served: the highest minus the lowest share of students booked, over
    the schools that have students (rows of ``participation_report()["schools"]``)."""
    counted = [row for row in schools if row["students"]]
    if not counted:
        return {"schools": 0, "highest": None, "lowest": None, "spread": 0.0}
    highest = max(counted, key=lambda r: (r["share"], r["name"]))
    lowest = min(counted, key=lambda r: (r["share"], r["name"]))
    return {
        "schools": len(counted),
        "highest": highest,
        "lowest": lowest,
        "spread": round(highest["share"] - lowest["share"], 4),
    }


def recommendation_uptake(*, starts_after: Any = None, starts_before: Any = None) -> dict[str, Any]:
    """How recommendations are received: feedback by kind (given in the window), and bookings that came
    from a match (they carry the match's score) by outcome, for sessions in the window."""
    given = dict(
        Feedback.objects.filter(_window(starts_after, starts_before, "created_at"))
        .order_by()
        .values_list("kind")
        .annotate(Count("pk"))
    )
    feedback = {kind: given.get(kind, 0) for kind in Feedback.Kind.values}
    positive = feedback["clicked"] + feedback["accepted"]
    negative = feedback["declined"] + feedback["not_interested"]
    matched = dict(
        Booking.objects.filter(_window(starts_after, starts_before), score__isnull=False)
        .order_by()
        .values_list("status")
        .annotate(Count("pk"))
    )
    kept = sum(matched.get(s, 0) for s in KEPT)
    proposed = matched.get(Status.PROPOSED, 0)
    let_go = sum(matched.get(s, 0) for s in (Status.DECLINED, Status.EXPIRED, Status.CANCELLED))
    return {
        "feedback": feedback,
        "shown": feedback["shown"],
        "positive": positive,
        "negative": negative,
        "positive_share": _share(positive, positive + negative),
        "matched_bookings": {"kept": kept, "proposed": proposed, "let_go": let_go},
        "matched_kept_share": _share(kept, kept + let_go),
    }


def bookings_by_day(*, starts_after: dt.datetime, starts_before: dt.datetime) -> list[dict[str, Any]]:
    """Seats booked (proposed, confirmed, attended, no-show) per local day of the session, every day of
    the window listed, days without bookings at 0."""
    tz = timezone.get_default_timezone()
    rows = dict(
        Booking.objects.filter(_window(starts_after, starts_before), status__in=Booking.SEAT_HOLDING)
        .order_by()
        .annotate(day=TruncDate("starts_at", tzinfo=tz))
        .values_list("day")
        .annotate(Count("pk"), Sum("seats"))
        .values_list("day", "seats__sum")
    )
    first = timezone.localtime(starts_after, tz).date()
    last = timezone.localtime(starts_before - dt.timedelta(microseconds=1), tz).date()
    days = []
    day = first
    while day <= last:
        days.append({"day": day, "seats": rows.get(day) or 0})
        day += dt.timedelta(days=1)
    return days


WEEK_REPORT_HEADER = (
    "province",
    "school",
    "school_name",
    "kind",
    "sessions_held",
    "students",
    "classes",
    "class_students",
    "companies",
    "experts",
    "entrepreneurs",
    "artisans",
    # Extended at the end (the format is public): the names a person reads, in Vietnamese, beside the codes
    # a program reads — the ministry's officer opens the file in Excel.
    "province_name",
    "kind_name",
)
WEEK_REPORT_COUNTS = WEEK_REPORT_HEADER[4:12]  # the figures: what the totals row adds


def window_of(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From the start of ``first`` to the end of ``last``, local time, as aware datetimes."""
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def week_report(*, starts_after: dt.datetime, starts_before: dt.datetime) -> list[dict[str, Any]]:
    """The figures a province reports to the ministry for a week: one row per province, school and kind.

    1. A session counts as held for a school when it starts in the window and at least one of the
       school's participants (a student or a class) kept the booking: confirmed or attended.
    2. ``students`` are distinct students who took part on their own; ``classes`` distinct class
       requests, ``class_students`` their seats (the class's size as booked).
    3. ``companies`` … ``artisans`` are distinct hosts of those sessions by ``Company.profile``.

    A session two schools took part in counts once for each; rows are sorted by province, school
    name and the kinds' order. One query: a week's bookings are few.
    """
    bookings = (
        Booking.objects.filter(_window(starts_after, starts_before), status__in=HELD)
        .order_by()
        .values_list(
            "session_id",
            "session__opportunity__kind",
            "session__opportunity__company_id",
            "session__opportunity__company__profile",
            "student_id",
            "student__school_id",
            "class_request_id",
            "class_request__school_id",
            "seats",
        )
    )
    groups: dict[tuple[int, str], dict[str, Any]] = {}
    for session, kind, company, profile, student, s_school, class_request, c_school, seats in bookings:
        school = s_school if student is not None else c_school
        into = groups.setdefault(
            (school, kind),
            {"sessions": set(), "students": set(), "classes": {}, "hosts": defaultdict(set)},
        )
        into["sessions"].add(session)
        into["hosts"][profile].add(company)
        if student is not None:
            into["students"].add(student)
        else:
            into["classes"][class_request] = max(seats, into["classes"].get(class_request, 0))
    schools = {
        pk: (province, external_id, name)
        for pk, province, external_id, name in School.objects.filter(pk__in={s for s, _ in groups}).values_list(
            "pk", "province", "external_id", "name"
        )
    }
    order = {kind: i for i, kind in enumerate(Kind.values)}
    with translation.override("vi"):
        kind_names = {kind: str(label) for kind, label in Kind.choices}
    rows = []
    for (school, kind), g in groups.items():
        province, external_id, name = schools[school]
        rows.append(
            {
                "province": province,
                "school": external_id,
                "school_name": name,
                "kind": kind,
                "sessions_held": len(g["sessions"]),
                "students": len(g["students"]),
                "classes": len(g["classes"]),
                "class_students": sum(g["classes"].values()),
                "companies": len(g["hosts"]["company"]),
                "experts": len(g["hosts"]["expert"]),
                "entrepreneurs": len(g["hosts"]["entrepreneur"]),
                "artisans": len(g["hosts"]["artisan"]),
                "province_name": places.name(province),
                "kind_name": kind_names.get(kind, kind),
            }
        )
    rows.sort(key=lambda r: (r["province"], r["school_name"], r["school"], order.get(r["kind"], 99)))
    return rows


def week_report_cells(rows: list[dict[str, Any]]) -> Iterator[list[Any]]:
    """The rows as the files write them: one list of cells a row, in ``WEEK_REPORT_HEADER``'s order."""
    return ([row[h] for h in WEEK_REPORT_HEADER] for row in rows)


def week_report_totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Column sums of ``week_report`` rows (a session two schools shared counts twice, as in the rows)."""
    return {key: sum(row[key] for row in rows) for key in WEEK_REPORT_COUNTS}


def next_session_day(*, now: dt.datetime | None = None) -> dt.date | None:
    """The local day of the first published session from now on: where the dashboard opens."""
    first = (
        Session.objects.published()
        .not_cancelled()
        .filter(starts_at__gte=now or timezone.now())
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return timezone.localtime(first).date() if first else None
