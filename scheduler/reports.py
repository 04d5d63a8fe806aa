"""The organiser's figures: fill rates by kind, participation per school and per province.

A fixed number of grouped queries whatever the size of the province, so the API's ``/reports/`` and the
organiser's dashboard and week's report read the same figures.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from companies.models import Kind, Session
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
    sessions = Session.objects.filter(window)
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
