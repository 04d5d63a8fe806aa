"""The company's pages with the test client: every page, its forms and errors, and who may see what.

Another company's opportunity, session, participant or booking is a 404, and so is every company page
for another role. Pages are asked for in English (Accept-Language) so the assertions hold whatever the
Vietnamese catalogue says.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from companies.models import Company, Kind, Opportunity, Session
from matchmaking.models import MatchRound, OpportunityMatch
from notifications.models import OutboxMessage
from scheduler.models import Booking
from students.models import AvailabilityInterval, Student

from .. import factories as f
from ..conftest import World

HTMX = {"HTTP_HX_REQUEST": "true"}
Status = Booking.Status
Category = OutboxMessage.Category


def signed_in(user) -> Client:
    user.refresh_from_db()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def hr(world: World) -> Client:
    return signed_in(world.staff)


@pytest.fixture
def theirs(world: World) -> dict[str, object]:
    """Another company's opportunity, session, proposal and booking."""
    opportunity = f.OpportunityFactory(company=world.other_company, title="Tham quan khách sạn")
    session = f.SessionFactory(opportunity=opportunity)
    student = f.StudentFactory(school=world.school, birth_date=dt.date(2000, 1, 1))
    booking = book(student, session, Status.PROPOSED)
    return {"opportunity": opportunity, "session": session, "booking": booking}


def book(student, session: Session, status: str = Status.CONFIRMED, *, rank: int | None = None) -> Booking:
    return Booking.objects.create(
        student=student,
        session=session,
        status=status,
        seats=1,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        hold_until=session.starts_at if status == Status.PROPOSED else None,
        waitlist_rank=rank if status == Status.WAITLISTED else None,
    )


def adult(world: World, name: str = "Phạm Minh Khoa"):
    return f.StudentFactory(school=world.school, full_name=name, birth_date=dt.date(2000, 1, 1))


def opportunity_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": "workshop",
        "title": "Xưởng Python cho người mới",
        "description": "Học lập trình Python qua trò chơi.",
        "topics": ["cybersecurity"],
        "language": "vi",
        "province": "ha-noi",
        "levels": ["upper_secondary"],
        "min_age": "15",
        "capacity": "25",
        "group_min": "10",
        "group_max": "40",
        "apply_by": "2030-09-15",
    }
    data.update(overrides)
    return data


# --- who may see the pages -----------------------------------------------------------------------

PAGES = [
    "/company/",
    "/company/profile/",
    "/company/opportunities/",
    "/company/opportunities/new/",
    "/company/contacts/",
]


@pytest.mark.parametrize("who", ["student_user", "coordinator", "organiser"])
@pytest.mark.parametrize("path", PAGES)
def test_other_roles_get_a_404_on_every_company_page(world: World, who: str, path: str) -> None:
    assert signed_in(getattr(world, who)).get(path).status_code == 404


@pytest.mark.parametrize("who", ["student_user", "coordinator", "organiser"])
def test_other_roles_cannot_reach_a_companys_rows_or_answer_its_bookings(world: World, who: str) -> None:
    client = signed_in(getattr(world, who))
    booking = book(adult(world), world.session, Status.PROPOSED)
    for path in (
        f"/company/opportunities/{world.opportunity.pk}/",
        f"/company/opportunities/{world.opportunity.pk}/participants/",
        f"/company/sessions/{world.session.pk}/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/company/bookings/{booking.pk}/decline/").status_code == 404
    assert client.post(f"/company/sessions/{world.session.pk}/cancel/", {"reason": "Hết phòng"}).status_code == 404
    booking.refresh_from_db()
    assert booking.status == Status.PROPOSED
    assert Session.objects.get(pk=world.session.pk).cancelled_at is None


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    answer = client.get("/company/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")


def test_another_companys_opportunity_session_participants_and_booking_are_404(
    world: World, hr: Client, theirs: dict
) -> None:
    opp, session, booking = theirs["opportunity"], theirs["session"], theirs["booking"]
    gets = [
        f"/company/opportunities/{opp.pk}/",
        f"/company/opportunities/{opp.pk}/participants/",
        f"/company/sessions/{session.pk}/",
    ]
    for path in gets:
        assert hr.get(path).status_code == 404, path
    posts = [
        (f"/company/opportunities/{opp.pk}/", opportunity_data()),
        (f"/company/opportunities/{opp.pk}/delete/", {}),
        (f"/company/opportunities/{opp.pk}/sessions/", {}),
        (f"/company/sessions/{session.pk}/", {"capacity": "1"}),
        (f"/company/sessions/{session.pk}/delete/", {}),
        (f"/company/sessions/{session.pk}/cancel/", {"reason": "Hết phòng"}),
        (f"/company/bookings/{booking.pk}/decline/", {}),
        (f"/company/bookings/{booking.pk}/accept/", {}),
        (f"/company/bookings/{booking.pk}/present/", {}),
    ]
    for path, data in posts:
        assert hr.post(path, data).status_code == 404, path
    booking.refresh_from_db()
    assert booking.status == Status.PROPOSED and booking.company_answer == ""
    assert Opportunity.objects.filter(pk=opp.pk, title="Tham quan khách sạn").exists()
    assert Session.objects.filter(pk=session.pk, cancelled_at__isnull=True).exists()


# --- home ------------------------------------------------------------------------------------------


def test_home_shows_approval_sessions_with_seats_and_the_answers_due(world: World, hr: Client) -> None:
    proposed = book(adult(world, "Đỗ Thu Hà"), world.session, Status.PROPOSED)
    book(adult(world, "Vũ Quốc Bảo"), world.session, Status.CONFIRMED)
    answered = book(adult(world, "Ngô Lan"), world.session, Status.CONFIRMED)
    Booking.objects.filter(pk=answered.pk).update(company_accepted_at=timezone.now())

    page = hr.get("/company/").content.decode()

    assert "Approved: your opportunities are published" in page
    assert "3 of 10 seats taken" in page and "7 seats left" in page
    assert f'id="booking-{proposed.pk}"' in page
    assert f'id="booking-{answered.pk}"' not in page  # already answered
    assert "Đỗ Thu Hà" not in page  # a proposal: the student is not named yet
    assert "Vũ Quốc Bảo" in page  # confirmed with the company: named
    assert 'href="/bookings/calendar/"' in page  # the private feed of its sessions' bookings


def test_an_unapproved_company_is_told_its_opportunities_are_not_published_and_why(world: World) -> None:
    page = signed_in(world.other_staff).get("/company/").content.decode()

    assert "Not yet approved: your opportunities are not published." in page
    assert "organiser checks every company" in page


# --- company profile ---------------------------------------------------------------------------------


def test_the_company_profile_is_edited_in_place(world: World, hr: Client) -> None:
    data = {
        "name": "Sông Hồng Software",
        "sector": "Phần mềm",
        "address": "1 Tràng Tiền",
        "province": "da-nang",
        "website": "https://songhong.example.vn",
        "contact_email": "hr@songhong.example.vn",
    }
    assert hr.post("/company/profile/", data).status_code == 302

    world.company.refresh_from_db()
    assert (world.company.name, world.company.province, world.company.contact_email) == (
        "Sông Hồng Software",
        "da-nang",
        "hr@songhong.example.vn",
    )
    assert world.company.external_id == "C-FPT"  # not the company's to change


def test_a_bad_profile_shows_the_errors_beside_their_fields(world: World, hr: Client) -> None:
    page = hr.post("/company/profile/", {"name": "", "province": "atlantis", "contact_email": "nope"})

    assert page.status_code == 200
    body = page.content.decode()
    for field in ("name", "province", "contact_email"):
        assert f'id="id_{field}_error"' in body, field
    world.company.refresh_from_db()
    assert world.company.name == "Công ty Phần mềm Sông Hồng"


# --- opportunities -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", Kind.values)
def test_a_company_posts_an_opportunity_of_every_kind(world: World, hr: Client, kind: str) -> None:
    answer = hr.post("/company/opportunities/new/", opportunity_data(kind=kind, title=f"Cơ hội {kind}"))

    opportunity = Opportunity.objects.get(title=f"Cơ hội {kind}")
    assert answer["Location"] == f"/company/opportunities/{opportunity.pk}/"
    assert opportunity.company == world.company and opportunity.kind == kind
    assert opportunity.external_id.startswith("C-FPT-W")
    assert opportunity.topics == ["cybersecurity"] and opportunity.levels == ["upper_secondary"]
    assert (opportunity.capacity, opportunity.group_min, opportunity.group_max) == (25, 10, 40)
    assert opportunity.apply_by == dt.date(2030, 9, 15)


@pytest.mark.parametrize("title", ["Hai dòng\nSUMMARY:giả", "Tab\tở giữa", "Dấu\u2028ngắt dòng", "Nul\x00"])
def test_a_title_with_line_breaks_or_control_characters_is_refused_beside_the_field(hr: Client, title: str) -> None:
    page = hr.post("/company/opportunities/new/", opportunity_data(title=title))

    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="id_title_error"' in body
    assert "without line breaks or control characters" in body or "Null characters are not allowed" in body
    assert not Opportunity.objects.filter(description="Học lập trình Python qua trò chơi.").exists()


def test_an_opportunity_needs_a_place_and_a_sane_group_range(hr: Client) -> None:
    body = hr.post(
        "/company/opportunities/new/", opportunity_data(province="", online="", group_min="30", group_max="5")
    ).content.decode()

    assert 'id="id_province_error"' in body and "Choose a province, or tick Online." in body
    assert 'id="id_group_max_error"' in body
    assert not Opportunity.objects.filter(title="Xưởng Python cho người mới").exists()


def test_a_deadline_already_past_and_seats_no_session_can_hold_are_refused_beside_their_fields(hr: Client) -> None:
    # Saved, a past deadline published an opportunity no round proposes anyone for; 10^12 seats were kept
    # and then refused by the first session's form, which offered them as its default.
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    body = hr.post(
        "/company/opportunities/new/", opportunity_data(apply_by=yesterday, capacity="1000000000000")
    ).content.decode()

    assert 'id="id_apply_by_error"' in body and 'id="id_capacity_error"' in body
    assert not Opportunity.objects.filter(title="Xưởng Python cho người mới").exists()
    # A deadline kept from before, when other fields are edited after it passed, stays.
    hr.post("/company/opportunities/new/", opportunity_data())
    opportunity = Opportunity.objects.get(title="Xưởng Python cho người mới")
    Opportunity.objects.filter(pk=opportunity.pk).update(apply_by=timezone.localdate() - dt.timedelta(days=3))
    edited = hr.post(
        f"/company/opportunities/{opportunity.pk}/",
        opportunity_data(apply_by=(timezone.localdate() - dt.timedelta(days=3)).isoformat(), title="Đổi tên"),
    )
    assert edited.status_code == 302 and Opportunity.objects.get(pk=opportunity.pk).title == "Đổi tên"


def test_an_online_opportunity_needs_no_province(world: World, hr: Client) -> None:
    hr.post("/company/opportunities/new/", opportunity_data(province="", online="on"))

    opportunity = Opportunity.objects.get(title="Xưởng Python cho người mới")
    assert opportunity.online and opportunity.province == ""


def test_an_opportunity_is_edited_and_listed(world: World, hr: Client) -> None:
    answer = hr.post(f"/company/opportunities/{world.opportunity.pk}/", opportunity_data(title="Thực tập AI 2030"))

    assert answer.status_code == 302
    world.opportunity.refresh_from_db()
    assert world.opportunity.title == "Thực tập AI 2030" and world.opportunity.kind == "workshop"
    assert "Thực tập AI 2030" in hr.get("/company/opportunities/").content.decode()


def test_an_opportunity_with_bookings_is_not_deleted_and_one_without_is(world: World, hr: Client) -> None:
    book(adult(world), world.session)
    spare = f.OpportunityFactory(company=world.company)

    hr.post(f"/company/opportunities/{world.opportunity.pk}/delete/")
    page = hr.get(f"/company/opportunities/{world.opportunity.pk}/").content.decode()
    assert "This opportunity has bookings; it cannot be deleted." in page

    assert hr.post(f"/company/opportunities/{spare.pk}/delete/")["Location"] == "/company/opportunities/"
    assert not Opportunity.objects.filter(pk=spare.pk).exists()


# --- sessions ----------------------------------------------------------------------------------------------


def test_a_session_is_added_with_its_seats(world: World, hr: Client) -> None:
    data = {"starts_at": "2030-11-05T08:00", "ends_at": "2030-11-05T11:30", "capacity": "12"}
    hr.post(f"/company/opportunities/{world.opportunity.pk}/sessions/", data)

    session = world.opportunity.sessions.get(capacity=12)
    local = timezone.localtime(session.starts_at)
    assert (local.hour, local.minute, session.duration) == (8, 0, dt.timedelta(hours=3, minutes=30))


def test_a_session_in_the_past_or_ending_before_it_starts_is_refused_beside_the_field(world: World, hr: Client) -> None:
    data = {"starts_at": "2020-01-01T08:00", "ends_at": "2019-12-31T11:00", "capacity": "0"}
    body = hr.post(f"/company/opportunities/{world.opportunity.pk}/sessions/", data).content.decode()

    for field in ("starts_at", "capacity"):
        assert f'id="id_{field}_error"' in body, field
    assert world.opportunity.sessions.count() == 1


def test_a_capacity_below_the_seats_taken_is_refused_next_to_the_capacity(world: World, hr: Client) -> None:
    book(adult(world, "A"), world.session)
    book(adult(world, "B"), world.session)
    data = {"starts_at": "2030-10-01T08:00", "ends_at": "2030-10-01T11:00", "capacity": "1"}

    page = hr.post(f"/company/sessions/{world.session.pk}/", data)

    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="id_capacity_error"' in body
    assert "2 seats are already taken; the capacity cannot be lower." in body
    world.session.refresh_from_db()
    assert world.session.capacity == 10


def test_moving_a_booked_session_mails_everyone_an_updated_invitation(world: World, hr: Client) -> None:
    booking = book(adult(world), world.session)
    data = {"starts_at": "2030-10-03T13:30", "ends_at": "2030-10-03T16:30", "capacity": "10"}

    assert hr.post(f"/company/sessions/{world.session.pk}/", data).status_code == 302

    booking.refresh_from_db()
    assert timezone.localtime(booking.starts_at).day == 3 and booking.sequence == 1
    [mail] = OutboxMessage.objects.filter(category=Category.BOOKING_MOVED)
    assert mail.to_email == booking.student.email


def test_moving_a_session_into_the_past_is_refused_next_to_the_start(world: World, hr: Client) -> None:
    book(adult(world), world.session)
    data = {"starts_at": "2020-10-03T13:30", "ends_at": "2020-10-03T16:30", "capacity": "10"}

    body = hr.post(f"/company/sessions/{world.session.pk}/", data).content.decode()

    assert 'id="id_starts_at_error"' in body and "A session cannot be moved into the past." in body


def test_a_booked_session_is_not_deleted_and_an_empty_one_is(world: World, hr: Client) -> None:
    book(adult(world), world.session)
    empty = f.SessionFactory(opportunity=world.opportunity, starts_at=f.OCT1 + dt.timedelta(days=5))

    hr.post(f"/company/sessions/{world.session.pk}/delete/")
    assert (
        "This session has bookings; it cannot be deleted."
        in hr.get(f"/company/sessions/{world.session.pk}/").content.decode()
    )

    hr.post(f"/company/sessions/{empty.pk}/delete/")
    assert not Session.objects.filter(pk=empty.pk).exists()


# --- cancelling a session ------------------------------------------------------------------------------------


def test_the_session_page_says_how_many_will_be_told_before_cancelling(world: World, hr: Client) -> None:
    book(adult(world), world.session)
    book(adult(world, "Đỗ Thu Hà"), world.session, Status.PROPOSED)
    book(adult(world, "Vũ Hải"), world.session, Status.WAITLISTED, rank=1)
    book(adult(world, "Ngô Lan"), world.session, Status.DECLINED)

    body = hr.get(f"/company/sessions/{world.session.pk}/").content.decode()

    assert "3 participants (a class counts as one) will be emailed that the session is cancelled" in body
    assert f'action="/company/sessions/{world.session.pk}/cancel/"' in body
    assert 'name="reason"' in body and "Yes, cancel the session" in body
    assert "csrfmiddlewaretoken" in body


def test_cancelling_without_a_reason_is_refused_beside_the_reason_and_changes_nothing(
    world: World, hr: Client
) -> None:
    booking = book(adult(world), world.session)

    answer = hr.post(f"/company/sessions/{world.session.pk}/cancel/", {"reason": "   "})

    body = answer.content.decode()
    assert answer.status_code == 200 and 'id="id_reason_error"' in body
    assert "<details class=\"confirm-cancel\" open>" in body  # the step stays open, the error in sight
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED and not OutboxMessage.objects.exists()


def test_a_cancelled_session_shows_the_reason_and_no_more_forms(world: World, hr: Client) -> None:
    booking = book(adult(world), world.session)

    answer = hr.post(f"/company/sessions/{world.session.pk}/cancel/", {"reason": "Diễn giả bị ốm"})

    assert answer.status_code == 302 and answer["Location"] == f"/company/sessions/{world.session.pk}/"
    body = hr.get(answer["Location"]).content.decode()
    assert "Session cancelled. Everyone booked or waiting was mailed your reason." in body
    assert "Reason: Diễn giả bị ốm" in body
    # Who was told stays on the page (the list of participants went away with their places), nameless.
    assert "The cancellation told 1 participant:" in body and "A student" in body
    assert booking.student.full_name not in body
    assert 'name="reason"' not in body and "Save the session" not in body
    booking.refresh_from_db()
    assert booking.status == Status.CANCELLED
    [mail] = OutboxMessage.objects.filter(category=Category.BOOKING_CANCELLED)
    assert mail.to_email == booking.student.email and mail.context["cancel_reason"] == "Diễn giả bị ốm"
    opportunity = hr.get(f"/company/opportunities/{world.opportunity.pk}/").content.decode()
    assert 'class="cancelled-note">Cancelled<' in opportunity
    # A second post (a double tap) is refused on the page, and mails no one again.
    again = hr.post(f"/company/sessions/{world.session.pk}/cancel/", {"reason": "Diễn giả bị ốm"})
    assert again.status_code == 302
    assert "This session is already cancelled." in hr.get(again["Location"]).content.decode()
    assert OutboxMessage.objects.filter(category=Category.BOOKING_CANCELLED).count() == 1


def test_a_get_to_the_cancel_address_cancels_nothing(world: World, hr: Client) -> None:
    assert hr.get(f"/company/sessions/{world.session.pk}/cancel/").status_code == 405
    assert Session.objects.get(pk=world.session.pk).cancelled_at is None


def test_students_and_coordinators_read_that_the_session_was_cancelled_and_why(world: World, hr: Client) -> None:
    mine = book(world.student, world.session)
    klass = f.ClassRequestFactory(school=world.school, class_name="10A2", group_size=5)
    Booking.objects.create(
        class_request=klass, session=world.session, status=Status.CONFIRMED, seats=5,
        starts_at=world.session.starts_at, ends_at=world.session.ends_at,
    )
    hr.post(f"/company/sessions/{world.session.pk}/cancel/", {"reason": "Diễn giả bị ốm"})

    student_page = signed_in(world.student_user).get("/student/bookings/").content.decode()
    class_page = signed_in(world.coordinator).get(f"/school/classes/{klass.pk}/").content.decode()
    public = signed_in(world.student_user).get(f"/opportunities/{world.opportunity.external_id}/").content.decode()

    assert f'id="booking-{mine.pk}"' in student_page
    assert "This session was cancelled: Diễn giả bị ốm" in student_page
    assert "Cancel my booking" not in student_page
    assert "This session was cancelled: Diễn giả bị ốm" in class_page
    assert "Cancelled: Diễn giả bị ốm" in public and "Book a seat" not in public


def test_the_vietnamese_pages_say_the_session_is_cancelled(world: World) -> None:
    book(world.student, world.session)
    client = signed_in(world.staff)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "vi"
    page = client.get(f"/company/sessions/{world.session.pk}/").content.decode()
    assert "Hủy buổi" in page and "Lý do hủy" in page
    client.post(f"/company/sessions/{world.session.pk}/cancel/", {"reason": "Diễn giả bị ốm"})
    student = signed_in(world.student_user)
    student.defaults["HTTP_ACCEPT_LANGUAGE"] = "vi"
    assert "Buổi này đã bị hủy: Diễn giả bị ốm" in student.get("/student/bookings/").content.decode()


# --- the company's answer ------------------------------------------------------------------------------------


def test_declining_a_proposal_frees_the_seat_for_the_waitlist_and_mails_the_participant(
    world: World, hr: Client
) -> None:
    world.session.capacity = 1
    world.session.save(update_fields=["capacity"])
    proposed = book(adult(world, "Đỗ Thu Hà"), world.session, Status.PROPOSED)
    waiting = book(adult(world, "Lý Hoa"), world.session, Status.WAITLISTED, rank=1)

    row = hr.post(f"/company/bookings/{proposed.pk}/decline/", **HTMX)

    assert row.status_code == 200
    assert "You declined" in row.content.decode()
    proposed.refresh_from_db()
    waiting.refresh_from_db()
    assert (proposed.status, waiting.status) == (Status.DECLINED, Status.PROPOSED)
    [cancelled] = OutboxMessage.objects.filter(category=Category.BOOKING_CANCELLED)
    assert cancelled.context["reason"] == "company_declined"
    assert OutboxMessage.objects.filter(category=Category.WAITLIST_OFFER).count() == 1


def test_accepting_records_the_company_side_and_a_refusal_shows_in_the_row(world: World, hr: Client) -> None:
    proposed = book(adult(world), world.session, Status.PROPOSED)
    declined = book(adult(world, "Khác"), world.session, Status.DECLINED)

    row = hr.post(f"/company/bookings/{proposed.pk}/accept/", **HTMX).content.decode()
    refused = hr.post(f"/company/bookings/{declined.pk}/accept/", **HTMX).content.decode()

    proposed.refresh_from_db()
    assert proposed.company_answer == "accepted" and "You accepted" in row
    assert "Only a proposed or confirmed booking can be answered" in refused and 'role="alert"' in refused


def test_without_javascript_an_answer_redirects_with_a_message(world: World, hr: Client) -> None:
    proposed = book(adult(world), world.session, Status.PROPOSED)

    answer = hr.post(f"/company/bookings/{proposed.pk}/decline/", follow=True)

    assert answer.redirect_chain == [(f"/company/sessions/{world.session.pk}/", 302)]
    assert "the seat offered to the waiting list" in answer.content.decode()


def test_an_unknown_action_is_a_bad_request(world: World, hr: Client) -> None:
    booking = book(adult(world), world.session, Status.PROPOSED)
    assert hr.post(f"/company/bookings/{booking.pk}/delete/").status_code == 400


def test_the_student_sees_that_the_company_accepted(world: World) -> None:
    booking = book(world.student, world.session, Status.PROPOSED)
    Booking.objects.filter(pk=booking.pk).update(company_accepted_at=timezone.now())

    page = signed_in(world.student_user).get("/student/bookings/").content.decode()

    assert "Accepted by the company" in page


# --- proposed participants ------------------------------------------------------------------------------------


def test_proposed_participants_show_reasons_and_a_name_only_once_confirmed(world: World, hr: Client) -> None:
    named, unnamed = adult(world, "Bùi Thanh Tâm"), adult(world, "Hoàng Yến")
    named.grade = 11
    named.save(update_fields=["grade"])
    for rank, student in enumerate([named, unnamed], 1):
        OpportunityMatch.objects.create(
            student=student,
            opportunity=world.opportunity,
            score=0.9 / rank,
            rank=rank,
            reasons=[f"Lý do {rank}"],
            model_version="v",
        )
    klass = f.ClassRequestFactory(school=world.school, class_name="10A3", group_size=35)
    OpportunityMatch.objects.create(
        class_request=klass, opportunity=world.opportunity, score=0.3, rank=3, reasons=[], model_version="v"
    )
    book(named, world.session, Status.CONFIRMED)
    book(unnamed, world.session, Status.PROPOSED)

    body = hr.get(f"/company/opportunities/{world.opportunity.pk}/participants/").content.decode()

    assert "Bùi Thanh Tâm" in body and "Hoàng Yến" not in body
    assert "Lý do 1" in body and "Lý do 2" in body and "grade 11" in body
    assert "10A3 — THPT Chu Văn An" in body and "35 students" in body
    assert body.index("Lý do 1") < body.index("Lý do 2")


def test_a_participant_who_signed_up_on_their_own_is_shown_as_such_not_with_blank_reasons(
    world: World, hr: Client
) -> None:
    proposed, own = adult(world, "Bùi Thanh Tâm"), adult(world, "Hoàng Yến")
    OpportunityMatch.objects.create(
        student=proposed, opportunity=world.opportunity, score=0.8, rank=1, reasons=["Lý do 1"], model_version="v"
    )
    Booking.objects.filter(pk=book(proposed, world.session, Status.PROPOSED).pk).update(score=0.8)
    book(own, world.session, Status.PROPOSED)  # no score: the student booked it from the catalogue

    body = hr.get("/company/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    assert "Lý do 1" in body
    assert body.count("Tự đăng ký từ danh mục cơ hội (không qua gợi ý)") == 1


def test_an_opportunity_nobody_was_proposed_for_shows_where_the_participants_were_lost(
    world: World, hr: Client
) -> None:
    assert not Student.objects.filter(level="vocational").exists()  # the world's own students stay out of it
    opportunity = f.OpportunityFactory(company=world.company, kind=Kind.VISIT, levels=["vocational"])
    f.SessionFactory(opportunity=opportunity, starts_at=f.OCT1, capacity=40)
    hanoi, camau = f.SchoolFactory(province="ha-noi"), f.SchoolFactory(province="ca-mau")

    def student(**fields: object) -> Student:
        return f.StudentFactory(**{"school": hanoi, "level": "vocational", **fields})

    free = student()  # reaches the last step
    student(province="ca-mau", school=camau)  # too far
    student(excluded_kinds=["visit"])  # does not take visits
    student()  # never free
    f.AvailabilityFactory(student=free)
    visiting = f.ClassRequestFactory(school=hanoi, level="vocational", kinds=["visit"])
    f.ClassRequestFactory(school=hanoi, level="vocational", kinds=["career_talk"])
    f.AvailabilityFactory(class_request=visiting)
    url = f"/company/opportunities/{opportunity.pk}/participants/"

    before = hr.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Chưa có đề xuất: đề xuất sẽ có sau đợt ghép nối tiếp theo." in before  # no round has looked yet

    MatchRound.objects.create(status=MatchRound.Status.DONE, model_version="t", now=timezone.now())
    page = hr.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    assert "Đợt ghép nối gần nhất chưa đề xuất ai cho cơ hội này" in page
    steps = [
        "4 học sinh và 2 lớp thuộc cấp học mà cơ hội dành cho",
        "trong số đó, 3 học sinh và 2 lớp ở Hà Nội hoặc tỉnh/thành lân cận",
        "trong số đó, 2 học sinh và 1 lớp nhận loại hình cơ hội này",
        "trong số đó, 1 học sinh và 1 lớp rảnh trọn một buổi của cơ hội",
    ]
    assert [page.index(step) for step in steps] == sorted(page.index(step) for step in steps)
    assert "hãy mô tả các bạn sẽ được xem, làm và học gì" in page  # some remain: the wording is what to change

    AvailabilityInterval.objects.all().delete()
    later = hr.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "trong số đó, 0 học sinh và 0 lớp rảnh trọn một buổi của cơ hội" in later
    assert "Thêm buổi vào thời gian khác" in later


def test_the_companys_menu_tells_its_own_opportunities_from_all_and_names_whose_contacts(hr: Client) -> None:
    page = hr.get("/company/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert ">Tất cả cơ hội</a>" in page and ">Cơ hội của chúng tôi</a>" in page and ">Cơ hội</a>" not in page
    assert ">Liên hệ học sinh</a>" in page and ">Liên hệ</a>" not in page


def test_each_proposed_participant_says_where_their_seat_is_and_the_fit_as_a_share(world: World, hr: Client) -> None:
    seated, waiting = adult(world, "Bùi Thanh Tâm"), adult(world, "Hoàng Yến")
    for rank, student in enumerate([seated, waiting], 1):
        OpportunityMatch.objects.create(
            student=student, opportunity=world.opportunity, score=0.9 / rank, rank=rank, model_version="v"
        )
    booking = book(seated, world.session, Status.PROPOSED)

    body = hr.get(f"/company/opportunities/{world.opportunity.pk}/participants/").content.decode()

    assert f'href="/company/sessions/{world.session.pk}/#booking-{booking.pk}"' in body
    assert "proposed, not yet confirmed" in body and "No seat yet" in body
    assert "fit 90&nbsp;%" in body and "fit 45&nbsp;%" in body and "0.90" not in body


def test_an_empty_list_of_proposed_participants_says_why(world: World, hr: Client) -> None:
    # After a round had found nobody, the page still said proposals would come with the next one; an
    # organisation waiting for approval was told the same, though it is never matched before.
    url = f"/company/opportunities/{world.opportunity.pk}/participants/"
    OpportunityMatch.objects.filter(opportunity=world.opportunity).delete()
    MatchRound.objects.all().delete()
    assert "they come with the next matchmaking round" in hr.get(url).content.decode()

    MatchRound.objects.create(status=MatchRound.Status.DONE, model_version="v", now=timezone.now())
    body = hr.get(url).content.decode()
    assert "The last matchmaking round proposed nobody for this opportunity" in body
    assert "Who it can reach on Cầu Nối, step by step:" in body
    assert "next matchmaking round" not in body

    Company.objects.filter(pk=world.staff.company_id).update(approved_at=None)
    assert "once the organiser has approved" in hr.get(url).content.decode()


def test_an_answer_from_the_home_page_keeps_the_rows_session_and_a_decline_is_said_once(
    world: World, hr: Client
) -> None:
    first = book(adult(world, "Bùi Thanh Tâm"), world.session, Status.PROPOSED)
    second = book(adult(world, "Hoàng Yến"), world.session, Status.PROPOSED)
    session_link = f'href="/company/sessions/{world.session.pk}/"'
    assert 'name="show_session" value="1"' in hr.get("/company/").content.decode()

    accepted = hr.post(f"/company/bookings/{first.pk}/accept/", {"show_session": "1"}, **HTMX).content.decode()
    on_session_page = hr.post(f"/company/bookings/{second.pk}/decline/", **HTMX).content.decode()

    assert session_link in accepted and "You accepted" in accepted
    assert session_link not in on_session_page  # the session's own page does not repeat it
    assert '<p class="status">You declined</p>' in on_session_page


# --- attendance and contacts ---------------------------------------------------------------------------------


@pytest.fixture
def started(world: World) -> Session:
    now = timezone.now()
    return f.SessionFactory(
        opportunity=world.opportunity, starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=2)
    )


def test_attendance_is_recorded_once_the_session_has_started(world: World, hr: Client, started: Session) -> None:
    here, away = book(adult(world, "Có Mặt"), started), book(adult(world, "Vắng Mặt"), started)

    page = hr.get(f"/company/sessions/{started.pk}/").content.decode()
    assert f'id="attendance-{here.pk}"' in page and "Có Mặt" in page

    row = hr.post(f"/company/bookings/{here.pk}/present/", **HTMX).content.decode()
    hr.post(f"/company/bookings/{away.pk}/absent/", **HTMX)

    here.refresh_from_db()
    away.refresh_from_db()
    assert (here.status, away.status) == (Status.ATTENDED, Status.NO_SHOW)
    assert 'aria-pressed="true"' in row


def test_attendance_before_the_start_is_refused_in_the_row(world: World, hr: Client) -> None:
    booking = book(adult(world), world.session)

    row = hr.post(f"/company/bookings/{booking.pk}/present/", **HTMX).content.decode()

    assert "Attendance can be recorded once the session has started." in row
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED


def test_contacts_list_only_students_confirmed_with_this_company(world: World, hr: Client, theirs: dict) -> None:
    confirmed = adult(world, "Trịnh Công Sơn")
    book(confirmed, world.session)
    book(adult(world, "Chưa Xác Nhận"), world.session, Status.PROPOSED)
    book(adult(world, "Đã Huỷ"), world.session, Status.CANCELLED)
    other = adult(world, "Khách Hàng Khác")
    book(other, theirs["session"])

    body = hr.get("/company/contacts/").content.decode()

    assert "Trịnh Công Sơn" in body and confirmed.email in body
    for hidden in ("Chưa Xác Nhận", "Đã Huỷ", "Khách Hàng Khác"):
        assert hidden not in body, hidden


# --- query counts ------------------------------------------------------------------------------------------------


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def _grow(world: World, n: int) -> None:
    for i in range(n):
        opportunity = f.OpportunityFactory(company=world.company)
        session = f.SessionFactory(opportunity=opportunity, starts_at=f.OCT1 + dt.timedelta(days=i + 1))
        for status in (Status.PROPOSED, Status.CONFIRMED):
            student = adult(world, f"Học sinh {i} {status}")
            book(student, session, status)
            book(student, world.session, status)
            OpportunityMatch.objects.create(
                student=student,
                opportunity=world.opportunity,
                score=0.5,
                rank=OpportunityMatch.objects.filter(opportunity=world.opportunity).count() + 1,
                reasons=["x"],
                model_version="v",
            )


@pytest.mark.parametrize(
    "path",
    ["/company/", "/company/opportunities/", "/company/contacts/", "session", "participants"],
)
def test_the_company_pages_cost_the_same_queries_for_few_or_many_rows(world: World, hr: Client, path: str) -> None:
    path = {
        "session": f"/company/sessions/{world.session.pk}/",
        "participants": f"/company/opportunities/{world.opportunity.pk}/participants/",
    }.get(path, path)
    hr.get(path)  # warm the session and the topic vocabulary
    _grow(world, 1)
    few = _queries(hr, path)
    _grow(world, 4)
    assert _queries(hr, path) == few


@pytest.mark.parametrize("profile", ["artisan", "expert", "entrepreneur"])
def test_one_person_is_spoken_to_as_you_never_as_a_company(world: World, profile: str) -> None:
    """An expert, an entrepreneur or an artisan is one person: no page calls them "your company"."""
    person = f.CompanyFactory(name="Xưởng gốm Minh Long", profile=profile, approved_at=None)
    opportunity = f.OpportunityFactory(company=person, title="Làm gốm cùng nghệ nhân")
    user = f.UserFactory(role="company_staff", company=person)
    for language in ("vi", "en"):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(user)
        pages = [
            client.get(path).content.decode()
            for path in (
                "/company/",
                "/company/profile/",
                "/company/opportunities/",
                "/company/opportunities/new/",
                f"/company/opportunities/{opportunity.pk}/",
                f"/company/opportunities/{opportunity.pk}/participants/",
                "/company/contacts/",
                "/company/colleagues/",
            )
        ]
        for page in pages:
            main = page[page.index("<header") :]  # the header and the page (not the catalogue's own words)
            assert "doanh nghiệp của bạn" not in main.lower() and "your company" not in main.lower()
            assert "My company" not in main and "Company profile" not in main and "Hồ sơ doanh nghiệp" not in main
        assert ("Trang của tôi" if language == "vi" else "My page") in pages[0]
        assert ("bạn chưa được phê duyệt" if language == "vi" else "you are not yet approved") in pages[4]
    # A company is still spoken to as one.
    company_home = signed_in(world.staff).get("/company/").content.decode()
    assert "My company" in company_home and "My page" not in company_home
