"""Invariants live in the database: each is enforced even when the ORM's validation is bypassed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from matchmaking.models import Match
from students.models import AvailabilityInterval, GuardianConsent

from .. import factories as f

pytestmark = pytest.mark.django_db


def refused(create: Callable[[], object]) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_a_session_must_end_after_it_starts() -> None:
    session = f.SessionFactory()
    assert refused(lambda: f.SessionFactory(opportunity=session.opportunity, ends_at=session.starts_at))


def test_capacities_are_at_least_one() -> None:
    assert refused(lambda: f.SessionFactory(capacity=0))
    assert refused(lambda: f.OpportunityFactory(capacity=0))


def test_group_min_cannot_exceed_group_max() -> None:
    assert refused(lambda: f.OpportunityFactory(group_min=30, group_max=20))
    assert not refused(lambda: f.OpportunityFactory(group_min=20, group_max=20))


def test_external_ids_are_unique_per_kind_of_record() -> None:
    f.StudentFactory(external_id="S1")
    assert refused(lambda: f.StudentFactory(external_id="S1"))
    assert not refused(lambda: f.SchoolFactory(external_id="S1"))  # another kind of record may reuse it


def test_an_opportunity_happens_somewhere() -> None:
    assert refused(lambda: f.OpportunityFactory(province="", online=False))
    assert not refused(lambda: f.OpportunityFactory(province="", online=True))


def test_kinds_and_levels_are_checked() -> None:
    assert refused(lambda: f.OpportunityFactory(kind="party"))
    assert refused(lambda: f.StudentFactory(level="kindergarten"))


def test_availability_has_exactly_one_owner_and_ends_after_it_starts() -> None:
    student, request = f.StudentFactory(), f.ClassRequestFactory()
    start = dt.datetime(2030, 10, 1, 8, tzinfo=dt.UTC)
    assert refused(lambda: AvailabilityInterval.objects.create(starts_at=start, ends_at=start + dt.timedelta(hours=1)))
    assert refused(
        lambda: AvailabilityInterval.objects.create(
            student=student, class_request=request, starts_at=start, ends_at=start + dt.timedelta(hours=1)
        )
    )
    assert refused(lambda: AvailabilityInterval.objects.create(student=student, starts_at=start, ends_at=start))


def test_a_student_has_at_most_one_active_consent() -> None:
    student = f.StudentFactory()
    first = f.ConsentFactory(student=student)
    assert refused(lambda: f.ConsentFactory(student=student))
    first.withdrawn_at = first.given_at + dt.timedelta(days=1)
    first.save()
    assert not refused(lambda: f.ConsentFactory(student=student))
    assert GuardianConsent.objects.filter(student=student).count() == 2  # history is kept


def test_a_user_belongs_to_the_organisation_its_role_names() -> None:
    school, company = f.SchoolFactory(), f.CompanyFactory()
    assert refused(lambda: f.UserFactory(role=User.Role.COMPANY_STAFF))  # no company
    assert refused(lambda: f.UserFactory(role=User.Role.COMPANY_STAFF, company=company, school=school))
    assert refused(lambda: f.UserFactory(role=User.Role.ORGANISER, school=school))
    assert not refused(lambda: f.UserFactory(role=User.Role.SCHOOL_COORDINATOR, school=school))


def test_a_match_score_is_in_the_unit_interval() -> None:
    student, opportunity = f.StudentFactory(), f.OpportunityFactory()
    assert refused(lambda: Match.objects.create(student=student, opportunity=opportunity, score=0, rank=1))
    assert refused(lambda: Match.objects.create(student=student, opportunity=opportunity, score=1.2, rank=1))
    assert refused(lambda: Match.objects.create(opportunity=opportunity, score=0.5, rank=1))  # no participant
    assert not refused(lambda: Match.objects.create(student=student, opportunity=opportunity, score=1.0, rank=1))
