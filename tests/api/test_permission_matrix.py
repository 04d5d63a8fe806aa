"""Every route of the API × every role → the expected status, and nothing changed where it was refused.

The routes come from the URL configuration itself (api/urls.py), so a new route — or a new
method on one — without a row in MATRIX fails ``test_every_route_has_a_row_in_the_matrix``. Each
request runs in a savepoint that is rolled back, so every role meets the same world.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Model
from django.urls import URLPattern, URLResolver, reverse
from knox.models import AuthToken

from accounts.models import AuditEntry, User
from api import urls as api_urls
from companies.models import Company, Opportunity, Session
from matchmaking.models import Feedback, Match, OpportunityMatch
from notifications.models import OutboxMessage, Suppression
from rounds.models import RoundJob
from scheduler.models import Booking
from students.models import AvailabilityInterval, ClassRequest, GuardianConsent, School, Student

from .conftest import PASSWORD, ROLES, ApiWorld, client_for

Build = Callable[[ApiWorld], Any]

SIGNED_IN = tuple(r for r in ROLES if r != "anonymous")
STAFF = ("staff", "staff_colleague")
SCHOOL = ("coordinator", "colleague")
STUDENTS = ("student", "other_student")


def every(code: int, anonymous: int = 401) -> dict[str, int]:
    return {**{role: code for role in SIGNED_IN}, "anonymous": anonymous}


def only(code: int, *roles: str, **others: int) -> dict[str, int]:
    """``code`` for the roles named, a given status for the ``others``, 403 for the rest (401 anonymous)."""
    return {**every(403), **{role: code for role in roles}, **others}


@dataclass(frozen=True)
class Row:
    expect: dict[str, int]
    pk: Build | None = None
    body: Build | None = None
    multipart: bool = False
    kwargs: Build | None = None


def company_body(a: ApiWorld) -> dict[str, Any]:
    return {
        "name": "Công ty Mới",
        "profile": "company",
        "province": "ha-noi",
        "contact_email": "hr@moi.example.vn",
    }


def opportunity_body(a: ApiWorld) -> dict[str, Any]:
    return {
        "kind": "visit",
        "title": "Tham quan nhà máy",
        "description": "Một buổi sáng ở nhà máy.",
        "province": "ha-noi",
    }


def session_body(a: ApiWorld) -> dict[str, Any]:
    start = dt.datetime(2030, 11, 5, 8, 0, tzinfo=dt.UTC)
    return {
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
        "capacity": 12,
    }


def school_body(a: ApiWorld) -> dict[str, Any]:
    return {
        "name": "THCS Mới",
        "level": "lower_secondary",
        "province": "hue",
        "contact_email": "thcs@edu.example.vn",
    }


def student_body(a: ApiWorld) -> dict[str, Any]:
    return {
        "full_name": "Đỗ Minh Anh",
        "email": "anh@mail.example.vn",
        "birth_date": "2011-03-04",
        "level": "lower_secondary",
        "province": "ha-noi",
    }


def class_body(a: ApiWorld) -> dict[str, Any]:
    return {"class_name": "11C", "level": "upper_secondary", "group_size": 30}  # the schools are THPT


def new(body: Build, external_id: str, **extra: Any) -> Build:
    return lambda a: {**body(a), "external_id": external_id, **extra}


def students_csv(a: ApiWorld) -> dict[str, Any]:
    text = (
        "external_id,school,full_name,email,birth_date,level\n"
        "ST-NEW,SCH-HN,Ngô Bảo Châu,chau@mail.example.vn,2010-05-05,upper_secondary\n"
    )
    return {"students": SimpleUploadedFile("students.csv", text.encode(), content_type="text/csv")}


def token(a: ApiWorld) -> dict[str, str]:
    return {"token": a.guardian_token}


MATRIX: dict[tuple[str, str], Row] = {
    ("auth-token", "post"): Row(
        every(200, anonymous=200), body=lambda a: {"username": "organiser", "password": PASSWORD}
    ),
    ("auth-logout", "post"): Row(every(204)),
    # companies, opportunities, sessions
    ("company-list", "get"): Row(every(200)),
    ("company-list", "post"): Row(only(201, "organiser"), body=new(company_body, "C-NEW")),
    ("company-detail", "get"): Row(every(200), pk=lambda a: a.w.company.pk),
    ("company-detail", "put"): Row(
        only(200, *STAFF, "organiser", other_staff=404), pk=lambda a: a.w.company.pk, body=company_body
    ),
    ("company-detail", "patch"): Row(
        only(200, *STAFF, "organiser", other_staff=404),
        pk=lambda a: a.w.company.pk,
        body=lambda a: {"sector": "AI"},
    ),
    ("company-detail", "delete"): Row(only(204, "organiser"), pk=lambda a: a.w.other_company.pk),
    ("company-approve", "post"): Row(only(200, "organiser"), pk=lambda a: a.w.other_company.pk),
    ("company-withdraw-approval", "post"): Row(only(200, "organiser"), pk=lambda a: a.w.other_company.pk),
    ("opportunity-list", "get"): Row(every(200)),
    ("opportunity-list", "post"): Row(only(201, *STAFF, "other_staff"), body=new(opportunity_body, "O-NEW")),
    ("opportunity-detail", "get"): Row(every(200), pk=lambda a: a.w.opportunity.pk),
    ("opportunity-detail", "put"): Row(
        only(200, *STAFF, "organiser", other_staff=404),
        pk=lambda a: a.w.opportunity.pk,
        body=opportunity_body,
    ),
    ("opportunity-detail", "patch"): Row(
        only(200, *STAFF, "organiser", other_staff=404),
        pk=lambda a: a.w.opportunity.pk,
        body=lambda a: {"min_age": 15},
    ),
    ("opportunity-detail", "delete"): Row(
        only(204, *STAFF, "organiser", other_staff=404), pk=lambda a: a.free_opportunity.pk
    ),
    ("opportunity-recommendations", "get"): Row(
        only(200, *STAFF, "organiser", other_staff=404), pk=lambda a: a.w.opportunity.pk
    ),
    ("session-list", "get"): Row(every(200)),
    ("session-list", "post"): Row(
        only(201, *STAFF, other_staff=400),
        body=lambda a: {**session_body(a), "external_id": "X-NEW", "opportunity": a.w.opportunity.pk},
    ),
    ("session-detail", "get"): Row(every(200), pk=lambda a: a.w.session.pk),
    ("session-detail", "put"): Row(
        only(200, *STAFF, "organiser", other_staff=404), pk=lambda a: a.open_session.pk, body=session_body
    ),
    ("session-detail", "patch"): Row(
        only(200, *STAFF, "organiser", other_staff=404),
        pk=lambda a: a.w.session.pk,
        body=lambda a: {"capacity": 20},
    ),
    ("session-detail", "delete"): Row(
        only(204, *STAFF, "organiser", other_staff=404), pk=lambda a: a.open_session.pk
    ),
    ("session-cancel", "post"): Row(
        only(200, *STAFF, "organiser", other_staff=404),
        pk=lambda a: a.w.session.pk,
        body=lambda a: {"reason": "Diễn giả bị ốm"},
    ),
    # schools, students, class requests
    ("school-list", "get"): Row(only(200, *SCHOOL, "outsider", *STUDENTS, "organiser")),
    ("school-list", "post"): Row(only(201, "organiser"), body=new(school_body, "SCH-NEW")),
    ("school-detail", "get"): Row(
        only(200, *SCHOOL, "student", "organiser", outsider=404, other_student=404),
        pk=lambda a: a.w.school.pk,
    ),
    ("school-detail", "put"): Row(
        only(200, *SCHOOL, "organiser", outsider=404),
        pk=lambda a: a.w.school.pk,
        # a THPT school with THPT classes stays THPT (dropping a level its classes are at is refused)
        body=lambda a: {**school_body(a), "level": a.w.school.level},
    ),
    ("school-detail", "patch"): Row(
        only(200, *SCHOOL, "organiser", outsider=404),
        pk=lambda a: a.w.school.pk,
        body=lambda a: {"address": "Hà Nội"},
    ),
    ("school-detail", "delete"): Row(only(204, "organiser"), pk=lambda a: a.empty_school.pk),
    ("student-list", "get"): Row(only(200, *SCHOOL, "outsider", "organiser")),
    ("student-list", "post"): Row(only(201, *SCHOOL, "outsider"), body=new(student_body, "ST-NEW")),
    ("student-detail", "get"): Row(
        only(200, *SCHOOL, "organiser", outsider=404), pk=lambda a: a.w.student.pk
    ),
    ("contact-list", "get"): Row(only(200, *STAFF, "other_staff")),
    ("contact-detail", "get"): Row(only(200, *STAFF, other_staff=404), pk=lambda a: a.w.student.pk),
    ("student-detail", "put"): Row(
        only(200, *SCHOOL, "organiser", outsider=404), pk=lambda a: a.w.student.pk, body=student_body
    ),
    ("student-detail", "patch"): Row(
        only(200, *SCHOOL, "organiser", outsider=404),
        pk=lambda a: a.w.student.pk,
        body=lambda a: {"grade": 11},
    ),
    ("student-consents", "get"): Row(
        only(200, *SCHOOL, "organiser", outsider=404), pk=lambda a: a.w.student.pk
    ),
    ("student-consent-request", "post"): Row(
        only(202, *SCHOOL, "organiser", outsider=404), pk=lambda a: a.w.student.pk
    ),
    ("student-guardian-link", "post"): Row(
        only(201, *SCHOOL, "organiser", outsider=404), pk=lambda a: a.w.student.pk
    ),
    ("class-request-list", "get"): Row(only(200, *SCHOOL, "outsider", "organiser")),
    ("class-request-list", "post"): Row(only(201, *SCHOOL, "outsider"), body=new(class_body, "CR-NEW")),
    ("class-request-detail", "get"): Row(
        only(200, *SCHOOL, "organiser", outsider=404), pk=lambda a: a.class_request.pk
    ),
    ("class-request-detail", "put"): Row(
        only(200, *SCHOOL, "organiser", outsider=404), pk=lambda a: a.class_request.pk, body=class_body
    ),
    ("class-request-detail", "patch"): Row(
        only(200, *SCHOOL, "organiser", outsider=404),
        pk=lambda a: a.class_request.pk,
        body=lambda a: {"grade": 9},
    ),
    ("class-request-detail", "delete"): Row(
        only(204, *SCHOOL, "organiser", outsider=404), pk=lambda a: a.free_class_request.pk
    ),
    ("class-request-recommendations", "get"): Row(
        only(200, *SCHOOL, "organiser", outsider=404), pk=lambda a: a.class_request.pk
    ),
    # recommendations and feedback
    ("recommendation-list", "get"): Row(only(200, *SCHOOL, "outsider", *STUDENTS, "organiser")),
    ("recommendation-detail", "get"): Row(
        only(200, *SCHOOL, "student", "organiser", outsider=404, other_student=404), pk=lambda a: a.match.pk
    ),
    ("recommendation-feedback", "post"): Row(
        only(201, *SCHOOL, "student", "organiser", outsider=404, other_student=404),
        pk=lambda a: a.match.pk,
        body=lambda a: {"kind": "clicked"},
    ),
    ("recommendation-feedback-withdraw", "post"): Row(
        only(200, *SCHOOL, "student", "organiser", outsider=404, other_student=404),
        pk=lambda a: a.match.pk,
        body=lambda a: {"kind": "not_interested"},
    ),
    # bookings and their commands
    ("booking-list", "get"): Row(every(200)),
    ("booking-list", "post"): Row(
        only(201, *STUDENTS, coordinator=400, colleague=400, outsider=400),
        body=lambda a: {"session": a.open_session.pk},
    ),
    ("booking-detail", "get"): Row(
        only(200, *STAFF, *SCHOOL, "student", "organiser", other_staff=404, outsider=404, other_student=404),
        pk=lambda a: a.proposed.pk,
    ),
    ("booking-confirm", "post"): Row(
        only(200, "student", "organiser", coordinator=404, colleague=404, outsider=404, other_student=404),
        pk=lambda a: a.proposed.pk,
    ),
    ("booking-decline", "post"): Row(
        only(200, "student", "organiser", coordinator=404, colleague=404, outsider=404, other_student=404),
        pk=lambda a: a.proposed.pk,
    ),
    ("booking-cancel", "post"): Row(
        only(200, "student", "organiser", coordinator=404, colleague=404, outsider=404, other_student=404),
        pk=lambda a: a.confirmed.pk,
    ),
    ("booking-attend", "post"): Row(
        only(200, *STAFF, "organiser", other_staff=404),
        pk=lambda a: a.attended.pk,
        body=lambda a: {"attended": True},
    ),
    ("booking-company-accept", "post"): Row(
        only(200, *STAFF, "organiser", other_staff=404), pk=lambda a: a.proposed.pk
    ),
    ("booking-company-decline", "post"): Row(
        only(200, *STAFF, "organiser", other_staff=404), pk=lambda a: a.proposed.pk
    ),
    # rounds, audit, reports, exports, imports
    ("round-list", "get"): Row(only(200, "organiser")),
    ("round-list", "post"): Row(
        only(202, "organiser"), body=lambda a: {"kind": "scheduling", "mode": "optimal"}
    ),
    ("round-detail", "get"): Row(only(200, "organiser"), pk=lambda a: a.job.pk),
    ("audit-entry-list", "get"): Row(only(200, "organiser")),
    ("audit-entry-detail", "get"): Row(only(200, "organiser"), pk=lambda a: a.audit.pk),
    ("reports", "get"): Row(only(200, "organiser")),
    ("export-recommendations", "get"): Row(only(200, *SCHOOL, "outsider", *STUDENTS, "organiser")),
    ("export-bookings", "get"): Row(every(200)),
    ("imports", "post"): Row(
        only(201, *SCHOOL, "organiser", outsider=400, staff=400, staff_colleague=400, other_staff=400),
        body=students_csv,
        multipart=True,
    ),
    # a student's own data, and the guardian's link to it
    ("me", "get"): Row(only(200, *STUDENTS)),
    ("me", "patch"): Row(only(200, *STUDENTS), body=lambda a: {"interests": "robot, dữ liệu"}),
    ("me-availability", "get"): Row(only(200, *STUDENTS)),
    ("me-availability", "put"): Row(
        only(200, *STUDENTS),
        body=lambda a: {
            "intervals": [{"starts_at": "2030-10-01T07:00:00+07:00", "ends_at": "2030-10-01T17:00:00+07:00"}]
        },
    ),
    ("me-recommendations", "get"): Row(only(200, *STUDENTS)),
    ("me-consents", "get"): Row(only(200, *STUDENTS)),
    ("me-data", "get"): Row(only(200, *STUDENTS)),
    ("me-erase", "post"): Row(only(200, *STUDENTS), body=lambda a: {"confirm": True}),
    ("guardian-data", "get"): Row(every(200, anonymous=200), kwargs=token),
    ("guardian-erase", "post"): Row(
        every(200, anonymous=200), kwargs=token, body=lambda a: {"confirm": True}
    ),
    # documentation is public: it says what exists, never what is stored
    ("schema", "get"): Row(every(200, anonymous=200)),
    ("docs", "get"): Row(every(200, anonymous=200)),
    ("redoc", "get"): Row(every(200, anonymous=200)),
}

WATCHED: tuple[type[Model], ...] = (
    Company,
    Opportunity,
    Session,
    School,
    Student,
    ClassRequest,
    AvailabilityInterval,
    GuardianConsent,
    Booking,
    Match,
    OpportunityMatch,
    Feedback,
    RoundJob,
    AuditEntry,
    OutboxMessage,
    Suppression,
    User,
    AuthToken,
)


def api_routes() -> Iterator[tuple[str, str]]:
    """(url name, method) for every route of api/urls.py, read from the patterns themselves."""

    def walk(patterns: list[Any]) -> Iterator[URLPattern]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            else:
                yield pattern

    for pattern in walk(api_urls.urlpatterns):
        callback = pattern.callback
        actions = getattr(callback, "actions", None)
        if actions:
            # HEAD comes along with GET; it answers as GET does.
            methods = sorted(set(actions) - {"head"})
        else:
            view = callback.view_class  # type: ignore[attr-defined]
            methods = [m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)]
        for method in methods:
            yield str(pattern.name), method


def snapshot() -> dict[str, list[dict[str, Any]]]:
    return {model.__name__: list(model._default_manager.order_by("pk").values()) for model in WATCHED}


def test_every_route_has_a_row_in_the_matrix():
    routes = set(api_routes())
    assert sorted(routes - set(MATRIX)) == [], "routes without a row in MATRIX"
    assert sorted(set(MATRIX) - routes) == [], "rows in MATRIX for routes that no longer exist"


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[1].upper()} {r[0]}")
def test_each_role_gets_the_expected_answer_and_refusals_change_nothing(api, route):
    name, method = route
    row = MATRIX[route]
    kwargs = row.kwargs(api) if row.kwargs else ({"pk": row.pk(api)} if row.pk else {})
    url = reverse(f"api:{name}", kwargs=kwargs)
    wrong = []
    for role in ROLES:
        cache.clear()  # throttles are tested on their own: here every role gets a fresh allowance
        with transaction.atomic():
            before = snapshot()
            body = row.body(api) if row.body else None
            client = client_for(api.users[role])
            send = getattr(client, method)
            response = send(url, body, format="multipart" if row.multipart else "json") if body else send(url)
            if response.status_code != row.expect[role]:
                detail = getattr(response, "data", b"")
                wrong.append(
                    f"{role}: {response.status_code} (expected {row.expect[role]}) {str(detail)[:200]}"
                )
            elif response.status_code >= 400 and snapshot() != before:
                wrong.append(f"{role}: refused with {response.status_code} but the database changed")
            transaction.set_rollback(True)
    assert not wrong, f"{method.upper()} {url}\n" + "\n".join(wrong)
