"""An unapproved company reaches no one: not in matchmaking, scheduling, digests, booking or its page;
and withdrawing approval withdraws what its opportunities gave out, telling each participant why."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from companies.services import company_approve
from matchmaking.digests import digests_send
from matchmaking.models import Match, OpportunityMatch
from matchmaking.services import matchmake
from notifications.models import OutboxMessage
from scheduler import services
from scheduler.models import Booking
from tests import factories as f
from tests.notifications.test_digests import MONDAY, recommend
from tests.scheduler.conftest import NOW, make_booking

pytestmark = pytest.mark.django_db
Status = Booking.Status


@pytest.fixture
def unapproved(world: Any) -> Any:
    """An opportunity of the world's unapproved company, in Hà Nội, open to the world's students."""
    opportunity = f.OpportunityFactory(
        external_id="O-UNAPPROVED", company=world.other_company, province="ha-noi", title="Thực tập AI chưa duyệt"
    )
    f.SessionFactory(external_id="X-UNAPPROVED", opportunity=opportunity)
    return opportunity


def test_matchmaking_recommends_nothing_of_an_unapproved_company(world: Any, unapproved: Any) -> None:
    for student in (world.student, world.adult):
        student.interests = "Thực tập AI, trí tuệ nhân tạo"
        student.save()
        f.AvailabilityFactory(student=student)

    matchmake(k=10, now=NOW)

    assert Match.objects.filter(opportunity=world.opportunity).exists()  # the approved one is there
    assert not Match.objects.filter(opportunity=unapproved).exists()
    assert not OpportunityMatch.objects.filter(opportunity=unapproved).exists()


def test_a_minors_digest_carries_nothing_of_an_unapproved_company(world: Any, unapproved: Any) -> None:
    recommend(world.student, unapproved, world.opportunity)  # matches stored before approval was withdrawn

    digests_send(now=MONDAY)

    [digest] = OutboxMessage.objects.filter(category="digest", student=world.student)
    assert [item["title"] for item in digest.context["items"]] == [world.opportunity.title]


def test_nobody_books_or_confirms_a_session_of_an_unapproved_company(world: Any, unapproved: Any) -> None:
    session = unapproved.sessions.get()
    with pytest.raises(services.BookingStateError, match="chưa được công bố"):
        services.booking_request(session_id=session.pk, student_id=world.adult.pk, now=NOW)
    proposal = make_booking(world.adult, session, Status.PROPOSED)
    with pytest.raises(services.BookingStateError, match="chưa được công bố"):
        services.booking_confirm(booking_id=proposal.pk, now=NOW)


def test_a_scheduling_round_proposes_nothing_of_an_unapproved_company(world: Any, unapproved: Any) -> None:
    f.AvailabilityFactory(student=world.adult)
    Match.objects.create(student=world.adult, opportunity=unapproved, score=0.9, rank=1, model_version="t")

    report = services.round_schedule(mode="optimal", now=NOW)

    assert report.proposed == 0
    assert not Booking.objects.filter(session__opportunity=unapproved).exists()


def test_the_opportunity_page_of_an_unapproved_company_is_not_found(world: Any, unapproved: Any) -> None:
    client = Client()
    assert client.get(f"/opportunities/{unapproved.external_id}/").status_code == 404
    assert client.get(f"/opportunities/{world.opportunity.external_id}/").status_code == 200


def test_withdrawing_approval_withdraws_future_bookings_and_mails_why(world: Any, unapproved: Any) -> None:
    company_approve(company_id=world.other_company.pk)
    session = unapproved.sessions.get()
    confirmed, proposed, waiting = world.adult, *f.StudentFactory.create_batch(2, birth_date=dt.date(2000, 1, 1))
    make_booking(confirmed, session, Status.CONFIRMED)
    make_booking(proposed, session, Status.PROPOSED)
    make_booking(waiting, session, Status.WAITLISTED, rank=1)

    assert services.company_approval_withdraw(company_id=world.other_company.pk, now=NOW) == 2

    world.other_company.refresh_from_db()
    assert world.other_company.approved_at is None
    assert set(Booking.objects.filter(session=session).values_list("status", flat=True)) == {Status.CANCELLED}
    mails = OutboxMessage.objects.filter(category="booking_cancelled")
    assert sorted(m.student_id for m in mails) == sorted([confirmed.pk, proposed.pk])
    assert all(m.context["reason"] == "withdrawn" for m in mails)
    assert services.company_approval_withdraw(company_id=world.other_company.pk, now=NOW) == 0  # twice: no more
