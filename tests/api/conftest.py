"""The named world of tests/conftest.py, grown for the API: every role of the permission matrix has a
user, and every route has a row to act on (a proposal to confirm, a booking to cancel, a session that
has started for attendance, a recommendation to answer, a job to follow).

The world's sessions run in October 2030; ``past_session`` started yesterday. Holds end in two days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from accounts.models import AuditEntry, User
from companies.models import Company, Opportunity, Session
from matchmaking.models import Match, OpportunityMatch
from privacy.services import privacy_link_make
from rounds.models import RoundJob
from scheduler.models import Booking
from students.models import ClassRequest, School, Student
from tests import factories as f
from tests.conftest import World

PASSWORD = "correct horse battery staple"
ROLES = (
    "staff",
    "staff_colleague",
    "other_staff",
    "coordinator",
    "colleague",
    "outsider",
    "student",
    "other_student",
    "organiser",
    "anonymous",
)


@dataclass
class ApiWorld:
    w: World
    users: dict[str, User | None]
    free_opportunity: Opportunity  # no sessions: may be deleted
    open_session: Session  # of a third opportunity, no bookings: may be booked or deleted
    session2: Session
    past_session: Session
    empty_school: School
    class_request: ClassRequest
    free_class_request: ClassRequest
    other_student: Student  # an adult in the other school
    proposed: Booking  # the minor's proposal at the world's session
    confirmed: Booking  # the minor's confirmed booking at session2
    class_booking: Booking  # the class's proposal at the world's session
    attended: Booking  # the adult's confirmed booking at the session that has started
    match: Match  # the minor's recommendation
    class_match: Match
    opportunity_match: OpportunityMatch
    job: RoundJob
    audit: AuditEntry
    guardian_token: str
    extra: dict[str, Any] = field(default_factory=dict)


def booking(participant: Student | ClassRequest, session: Session, status: str, **fields: Any) -> Booking:
    is_student = isinstance(participant, Student)
    return Booking.objects.create(
        student=participant if is_student else None,
        class_request=None if is_student else participant,
        session=session,
        status=status,
        seats=1 if is_student else participant.group_size,
        score=0.8,
        hold_until=timezone.now() + dt.timedelta(days=2) if status == Booking.Status.PROPOSED else None,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        **fields,
    )


@pytest.fixture(autouse=True)
def _fast_and_unthrottled(settings: Settings) -> Iterator[None]:
    # The world's users hash a password each; PBKDF2 would make that most of every test's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SITE_URL = "https://caunoi.example"
    # Messages are asserted in English here (a request without Accept-Language gets the site's default,
    # Vietnamese: tests/i18n checks that side).
    settings.LANGUAGE_CODE = "en"
    # Throttle counts live in the cache: each test starts with none spent.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(world: World) -> ApiWorld:
    company: Company = world.company
    company.approved_at = timezone.now()
    company.save()
    world.student.guardian_email = "parent@mail.example.vn"
    world.student.save()
    for user in (world.organiser, world.student_user):
        user.set_password(PASSWORD)
        user.save()
    other_student = f.StudentFactory(
        external_id="ST-OTHER",
        school=world.other_school,
        birth_date=dt.date(2000, 2, 2),
        full_name="Phạm Văn Khoa",
    )
    staff_colleague = f.UserFactory(username="staff_colleague", role=User.Role.COMPANY_STAFF, company=company)
    other_student_user = f.UserFactory(username="khoa", role=User.Role.STUDENT, student=other_student)

    opportunity2 = f.OpportunityFactory(external_id="O-WEB", company=company, kind="workshop")
    session2 = f.SessionFactory(
        external_id="X-WEB-1", opportunity=opportunity2, starts_at=f.OCT1 + dt.timedelta(days=1)
    )
    opportunity3 = f.OpportunityFactory(external_id="O-DATA", company=company, kind="career_talk")
    open_session = f.SessionFactory(
        external_id="X-DATA-1", opportunity=opportunity3, starts_at=f.OCT1 + dt.timedelta(days=2)
    )
    started = timezone.now() - dt.timedelta(days=1)
    past_session = f.SessionFactory(external_id="X-PAST", opportunity=opportunity2, starts_at=started)
    class_request = f.ClassRequestFactory(external_id="CR-11A", school=world.school, group_size=3)

    return ApiWorld(
        w=world,
        users={
            "staff": world.staff,
            "staff_colleague": staff_colleague,
            "other_staff": world.other_staff,
            "coordinator": world.coordinator,
            "colleague": world.colleague,
            "outsider": world.outsider,
            "student": world.student_user,
            "other_student": other_student_user,
            "organiser": world.organiser,
            "anonymous": None,
        },
        free_opportunity=f.OpportunityFactory(external_id="O-FREE", company=company),
        open_session=open_session,
        session2=session2,
        past_session=past_session,
        empty_school=f.SchoolFactory(external_id="SCH-EMPTY"),
        class_request=class_request,
        free_class_request=f.ClassRequestFactory(external_id="CR-12B", school=world.school),
        other_student=other_student,
        proposed=booking(world.student, world.session, Booking.Status.PROPOSED),
        confirmed=booking(world.student, session2, Booking.Status.CONFIRMED),
        class_booking=booking(class_request, world.session, Booking.Status.PROPOSED),
        attended=booking(world.adult, past_session, Booking.Status.CONFIRMED),
        match=Match.objects.create(
            student=world.student,
            opportunity=world.opportunity,
            score=0.9,
            rank=1,
            reasons=["Sở thích: trí tuệ nhân tạo"],
            features={"text": 0.7, "kind": 1.0},
            model_version="default",
        ),
        class_match=Match.objects.create(
            class_request=class_request,
            opportunity=world.opportunity,
            score=0.7,
            rank=1,
            model_version="default",
        ),
        opportunity_match=OpportunityMatch.objects.create(
            student=world.student, opportunity=world.opportunity, score=0.9, rank=1, model_version="default"
        ),
        job=RoundJob.objects.create(
            kind=RoundJob.Kind.SCHEDULING, mode="optimal", status=RoundJob.Status.DONE
        ),
        audit=AuditEntry.objects.create(
            actor=world.coordinator,
            actor_name="coordinator",
            action="view",
            object_type="student",
            object_id=1,
        ),
        guardian_token=privacy_link_make(student=world.student)[0].rstrip("/").split("/")[-1],
    )


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def as_role(api: ApiWorld) -> Any:
    """``as_role("coordinator")`` → an API client signed in as that role's user."""
    return lambda role: client_for(api.users[role])
