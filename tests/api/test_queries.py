"""No N+1: every list answers in a fixed number of queries, the same for 3 rows as for 30."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from matchmaking.models import Match, MatchRound, OpportunityMatch
from rounds.models import RoundJob
from tests import factories as f

from .conftest import ApiWorld, booking


def companies(a: ApiWorld, n: int) -> None:
    f.CompanyFactory.create_batch(n, approved_at=timezone.now())


def opportunities(a: ApiWorld, n: int) -> None:
    f.OpportunityFactory.create_batch(n, company=a.w.company)


def sessions(a: ApiWorld, n: int) -> None:
    for opportunity in f.OpportunityFactory.create_batch(n, company=a.w.company):
        booking(f.StudentFactory(school=a.w.school), f.SessionFactory(opportunity=opportunity), "confirmed")


def schools(a: ApiWorld, n: int) -> None:
    f.SchoolFactory.create_batch(n)


def students(a: ApiWorld, n: int) -> None:
    for student in f.StudentFactory.create_batch(n, school=a.w.school):
        f.ConsentFactory(student=student)


def confirmed_students(a: ApiWorld, n: int) -> None:
    for student in f.StudentFactory.create_batch(n, school=f.SchoolFactory()):
        booking(student, a.w.session, "confirmed")


def class_requests(a: ApiWorld, n: int) -> None:
    for class_request in f.ClassRequestFactory.create_batch(n, school=a.w.school):
        f.AvailabilityFactory(class_request=class_request)


def recommendations(a: ApiWorld, n: int) -> None:
    for i, opportunity in enumerate(
        f.OpportunityFactory.create_batch(n, company=f.CompanyFactory()), start=2
    ):
        Match.objects.create(
            student=f.StudentFactory(school=a.w.school), opportunity=opportunity, score=0.5, rank=i
        )


def my_recommendations(a: ApiWorld, n: int) -> None:
    for i, opportunity in enumerate(
        f.OpportunityFactory.create_batch(n, company=f.CompanyFactory()), start=2
    ):
        Match.objects.create(student=a.w.student, opportunity=opportunity, score=0.5, rank=i)


def class_recommendations(a: ApiWorld, n: int) -> None:
    for i, opportunity in enumerate(
        f.OpportunityFactory.create_batch(n, company=f.CompanyFactory()), start=2
    ):
        Match.objects.create(class_request=a.class_request, opportunity=opportunity, score=0.5, rank=i)


def proposed_participants(a: ApiWorld, n: int) -> None:
    rank = OpportunityMatch.objects.filter(opportunity=a.w.opportunity).count()
    for i in range(n):
        student = f.StudentFactory(school=f.SchoolFactory())
        if i % 2:
            booking(student, a.session2, "confirmed")
        class_request = f.ClassRequestFactory(school=f.SchoolFactory())
        for participant in ({"student": student}, {"class_request": class_request}):
            rank += 1
            OpportunityMatch.objects.create(**participant, opportunity=a.w.opportunity, score=0.5, rank=rank)


def bookings(a: ApiWorld, n: int) -> None:
    for i in range(n):
        session = f.SessionFactory(
            opportunity=a.w.opportunity, starts_at=a.w.session.starts_at + dt.timedelta(days=i + 5)
        )
        booking(f.StudentFactory(school=f.SchoolFactory()), session, "proposed" if i % 2 else "confirmed")
        booking(f.ClassRequestFactory(school=a.w.school, group_size=2), session, "confirmed")


def rounds(a: ApiWorld, n: int) -> None:
    for _ in range(n):
        # Finished rounds: at most one round of a kind runs at a time.
        match_round = MatchRound.objects.create(model_version="default", now=timezone.now(), status="done")
        RoundJob.objects.create(kind="matchmaking", match_round=match_round, status="done")
        RoundJob.objects.create(kind="scheduling", mode="stable", status="done")


def audit_entries(a: ApiWorld, n: int) -> None:
    AuditEntry.objects.bulk_create(
        AuditEntry(actor=a.w.coordinator, actor_name="c", action="view", object_type="student", object_id=i)
        for i in range(n)
    )


CASES: list[tuple[str, str, Callable[[ApiWorld, int], None], Callable[[ApiWorld], list[Any]], int]] = [
    ("company-list", "student", companies, lambda a: [], 2),
    ("opportunity-list", "student", opportunities, lambda a: [], 2),
    ("session-list", "student", sessions, lambda a: [], 2),
    ("school-list", "organiser", schools, lambda a: [], 2),
    ("student-list", "coordinator", students, lambda a: [], 2),
    ("contact-list", "staff", confirmed_students, lambda a: [], 2),
    ("class-request-list", "coordinator", class_requests, lambda a: [], 3),
    ("recommendation-list", "coordinator", recommendations, lambda a: [], 2),
    ("me-recommendations", "student", my_recommendations, lambda a: [], 2),
    (
        "class-request-recommendations",
        "coordinator",
        class_recommendations,
        lambda a: [a.class_request.pk],
        3,
    ),
    ("opportunity-recommendations", "staff", proposed_participants, lambda a: [a.w.opportunity.pk], 3),
    ("booking-list", "staff", bookings, lambda a: [], 2),
    ("booking-list", "coordinator", bookings, lambda a: [], 2),
    ("booking-list", "organiser", bookings, lambda a: [], 2),
    ("round-list", "organiser", rounds, lambda a: [], 3),  # + the settling of active jobs
    ("audit-entry-list", "organiser", audit_entries, lambda a: [], 2),
    ("export-bookings", "organiser", bookings, lambda a: [], 1),
    ("export-recommendations", "coordinator", recommendations, lambda a: [], 1),
    ("reports", "organiser", bookings, lambda a: [], 8),
]


def fetch(client: Any, url: str) -> Any:
    response = client.get(url, {} if url.endswith("/reports/") else {"page_size": 200})
    if response.streaming:
        b"".join(response.streaming_content)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(
    ("name", "role", "make", "args", "queries"), CASES, ids=lambda c: c if isinstance(c, str) else ""
)
def test_a_list_costs_the_same_queries_for_3_rows_as_for_30(
    api, as_role, django_assert_num_queries, name, role, make, args, queries
):
    client = as_role(role)
    url = reverse(f"api:{name}", args=args(api))
    make(api, 3)
    with django_assert_num_queries(queries):
        few = fetch(client, url)
    make(api, 27)
    with django_assert_num_queries(queries):
        many = fetch(client, url)
    if not few.streaming and "count" in few.data:
        assert many.data["count"] >= few.data["count"] + 27
