"""The company's journey in a real browser (Debian's Chromium), with axe-core on every page: post an
opportunity with two sessions, decline a proposed participant (the seat goes to the waiting list), check
attendance in a session that has started, see the confirmed contacts.

Elements are found by their ids and form actions, not their words, so the journey holds in Vietnamese
whatever the catalogue says; the words are the view tests' business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from companies.models import Opportunity, Session
from matchmaking.models import OpportunityMatch
from notifications.models import OutboxMessage
from scheduler.models import Booking

from .. import factories as f
from ..conftest import World
from .journey import DESKTOP, PHONE, Journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
Status = Booking.Status


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "vi-VN", "viewport": PHONE}


@pytest.fixture
def journey(page: Page, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Journey]:
    trip = Journey(page, live_server.url, request.node.name)
    yield trip
    print(f"\nscreenshots of {request.node.name}: {trip.folder}")


def sign_in(journey: Journey, username: str) -> None:
    journey.go("/accounts/login/", "login")
    journey.page.get_by_label("Tên đăng nhập").fill(username)
    journey.page.get_by_label("Mật khẩu").fill(PASSWORD)
    journey.page.get_by_role("button", name="Đăng nhập").last.click()


def place(student, session: Session, status: str, *, rank: int | None = None) -> Booking:
    """A booking as a scheduling round (or the participant) leaves it."""
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


def test_a_company_posts_an_opportunity_with_two_sessions_declines_a_proposal_and_checks_in(
    journey: Journey, world: World
) -> None:
    page = journey.page
    page.on("dialog", lambda dialog: dialog.accept())  # the decline asks "are you sure?"

    sign_in(journey, "staff")
    expect(page).to_have_url(journey.url("/company/"))
    journey.check("home")

    # Post an opportunity.
    page.locator("a[href='/company/opportunities/new/']").first.click()
    journey.check("new-opportunity")
    page.locator("#id_kind").select_option("career_talk")
    page.locator("#id_title").fill("Nói chuyện nghề kiểm thử phần mềm")
    page.locator("#id_description").fill("Một ngày của kỹ sư kiểm thử: công cụ, con đường học, câu hỏi.")
    page.locator("input[name=levels][value=upper_secondary]").check()
    page.locator("#id_capacity").fill("2")
    page.locator("form[method=post] button[type=submit]").last.click()
    expect(page.locator("#session-form")).to_be_visible()
    opportunity = Opportunity.objects.get(title="Nói chuyện nghề kiểm thử phần mềm")
    assert opportunity.company == world.company and opportunity.kind == "career_talk"
    journey.check("opportunity")

    # Two sessions.
    for day in ("2030-11-05", "2030-11-12"):
        form = page.locator("#session-form")
        form.locator("#id_starts_at").fill(f"{day}T08:00")
        form.locator("#id_ends_at").fill(f"{day}T10:00")
        form.locator("#id_capacity").fill("2")
        form.locator("button[type=submit]").click()
        expect(page.locator(".message.success")).to_be_visible()
    first, second = opportunity.sessions.order_by("starts_at")
    assert (first.capacity, second.capacity) == (2, 2)
    expect(page.locator(f"a[href='/company/sessions/{second.pk}/']")).to_be_visible()
    journey.check("two-sessions")

    # A round proposed two students for the first session and put a third on its waiting list.
    students = [
        f.StudentFactory(school=world.school, full_name=name, birth_date=dt.date(2000, 1, 1))
        for name in ("Đỗ Thu Hà", "Vũ Quốc Bảo", "Lý Hoa")
    ]
    declined = place(students[0], first, Status.PROPOSED)
    place(students[1], first, Status.CONFIRMED)
    waiting = place(students[2], first, Status.WAITLISTED, rank=1)

    page.locator(f"a[href='/company/sessions/{first.pk}/']").click()
    row = page.locator(f"#booking-{declined.pk}")
    expect(row).to_be_visible()
    expect(row).not_to_contain_text("Đỗ Thu Hà")  # proposed: not named yet
    expect(page.locator("main")).to_contain_text("Vũ Quốc Bảo")  # confirmed: named
    journey.check("session")
    row.locator("form[action$='/decline/'] button").click()
    expect(row.locator("form[action$='/decline/']")).to_have_count(0)  # swapped in place: answered
    journey.check("declined")
    declined.refresh_from_db()
    waiting.refresh_from_db()
    assert (declined.status, waiting.status) == (Status.DECLINED, Status.PROPOSED)
    assert (
        OutboxMessage.objects.filter(
            category=OutboxMessage.Category.BOOKING_CANCELLED, to_email=students[0].email
        ).count()
        == 1
    )

    # On the day: a session of the opportunity that has started, with a confirmed participant.
    now = timezone.now()
    today = f.SessionFactory(
        opportunity=opportunity, starts_at=now - dt.timedelta(minutes=30), ends_at=now + dt.timedelta(hours=1)
    )
    attendee = place(students[1], today, Status.CONFIRMED)
    journey.go(f"/company/sessions/{today.pk}/", "attendance")
    line = page.locator(f"#attendance-{attendee.pk}")
    line.locator("form[action$='/present/'] button").click()
    expect(line.locator("form[action$='/present/'] button")).to_have_attribute("aria-pressed", "true")
    journey.check("present")
    attendee.refresh_from_db()
    assert attendee.status == Status.ATTENDED

    # Confirmed contacts: name and email of the confirmed students only.
    page.locator("a[href='/company/contacts/']").first.click()
    expect(page.locator("table")).to_contain_text(students[1].email)
    expect(page.locator("table")).not_to_contain_text("Đỗ Thu Hà")
    journey.check("contacts")

    # Every page also holds at desktop width.
    page.set_viewport_size(DESKTOP)
    for path, name in [
        ("/company/", "home-desktop"),
        (f"/company/opportunities/{opportunity.pk}/", "opportunity-desktop"),
        (f"/company/sessions/{first.pk}/", "session-desktop"),
        (f"/company/opportunities/{opportunity.pk}/participants/", "participants-desktop"),
        ("/company/profile/", "profile-desktop"),
    ]:
        journey.go(path, name)


def test_an_unapproved_company_sees_why_on_its_home(journey: Journey, world: World) -> None:
    sign_in(journey, "other_staff")
    expect(journey.page).to_have_url(journey.url("/company/"))
    expect(journey.page.locator("#approval")).to_be_visible()
    journey.check("unapproved-home")


HR_PHONE = {"width": 390, "height": 844}


def screen(journey: Journey, name: str, element: Locator) -> None:
    """What the phone's screen shows with ``element`` scrolled into view (the journey's shots are whole
    pages, which a long page shrinks past reading)."""
    element.scroll_into_view_if_needed()
    journey.page.screenshot(path=str(journey.folder / f"{journey.step:02d}-{name}-screen.png"))


def test_the_hr_officer_on_a_phone_posts_sees_who_fits_and_why_answers_and_sees_who_is_booked(
    journey: Journey, world: World
) -> None:
    """The whole company journey on a 390 × 844 phone in Vietnamese, from signing in: post an opportunity
    with a session, read the proposed participants and their reasons, accept one, decline another, and
    see who is booked."""
    page = journey.page
    page.set_viewport_size(HR_PHONE)
    page.on("dialog", lambda dialog: dialog.accept())

    sign_in(journey, "staff")
    expect(page).to_have_url(journey.url("/company/"))
    journey.check("hr-home")

    page.locator("a[href='/company/opportunities/new/']").first.click()
    page.locator("#id_kind").select_option("visit")
    page.locator("#id_title").fill("Tham quan xưởng phần mềm")
    page.locator("#id_description").fill("Lớp học sinh tham quan văn phòng và gặp các lập trình viên.")
    page.locator("input[name=levels][value=upper_secondary]").check()
    page.locator("#id_capacity").fill("40")
    journey.check("hr-new-opportunity")
    page.locator("form[method=post] button[type=submit]").last.click()
    expect(page.locator("#session-form")).to_be_visible()
    opportunity = Opportunity.objects.get(title="Tham quan xưởng phần mềm")
    form = page.locator("#session-form")
    form.locator("#id_starts_at").fill("2030-11-05T08:00")
    form.locator("#id_ends_at").fill("2030-11-05T11:00")
    # However the phone writes the date in the field (11/05/2030 on a phone set to English), the day is
    # spelled out under it in the page's language: 5 November, never 11 May.
    expect(form.locator("#id_starts_at + .date-echo")).to_contain_text("5 tháng 11")
    expect(form.locator("#id_ends_at + .date-echo")).to_contain_text("11:00")
    screen(journey, "hr-session-form", form)
    form.locator("#id_capacity").fill("40")
    form.locator("button[type=submit]").click()
    expect(page.locator(".message.success")).to_be_visible()
    session = opportunity.sessions.get()
    journey.check("hr-opportunity-with-session")

    # A matchmaking round found a class and two students; a scheduling round proposed them seats.
    klass = f.ClassRequestFactory(school=world.school, class_name="11A2", group_size=32, level="upper_secondary")
    students = [
        f.StudentFactory(school=world.school, full_name=name, birth_date=dt.date(2000, 1, 1), grade=12)
        for name in ("Đỗ Thu Hà", "Vũ Quốc Bảo")
    ]
    reasons = [
        {"factor": "text"},
        {"factor": "place", "reach": "same", "province_name": "Hà Nội"},
        {"factor": "kind", "kind": "visit"},
    ]
    for rank, who in enumerate([{"class_request": klass}, {"student": students[0]}, {"student": students[1]}], 1):
        OpportunityMatch.objects.create(
            **who, opportunity=opportunity, score=0.9 / rank, rank=rank, reasons=reasons, model_version="v"
        )
    for_class = Booking.objects.create(
        class_request=klass, session=session, status=Status.PROPOSED, seats=32,
        starts_at=session.starts_at, ends_at=session.ends_at, hold_until=session.starts_at,
    )  # fmt: skip
    to_decline = place(students[0], session, Status.PROPOSED)
    place(students[1], session, Status.CONFIRMED)

    page.reload()
    page.locator(f"a[href='/company/opportunities/{opportunity.pk}/participants/']").click()
    participants = page.locator("ol.participants > li")
    expect(participants).to_have_count(3)
    expect(participants.first).to_contain_text("11A2")
    expect(participants.first.locator(".reasons li")).to_have_count(3)
    expect(participants.first).to_contain_text("90\u00a0%")  # a share, not a bare 0,90
    # Where each has a seat, one tap from the answer.
    seat = participants.first.locator(".seat a")
    expect(seat).to_have_attribute("href", f"/company/sessions/{session.pk}/#booking-{for_class.pk}")
    expect(participants.nth(2).locator(".seat")).to_contain_text("đã xác nhận")
    journey.check("hr-participants")

    # Answer from the home page: the proposals wait there, with the session and the reasons.
    page.locator("nav a[href='/company/']").first.click()
    row = page.locator(f"#booking-{for_class.pk}")
    expect(row.locator(".reasons li")).to_have_count(3)
    journey.check("hr-home-due")
    accept = row.locator("form[action$='/accept/'] button")
    box = accept.bounding_box()
    assert box is not None and box["height"] >= 44, box  # a thumb's target
    screen(journey, "hr-home-due", row)
    accept.click()
    expect(row.locator("form[action$='/accept/']")).to_have_count(0)
    # Swapped in place, the answered row still says which session it is about.
    expect(row.locator(f"a[href='/company/sessions/{session.pk}/']")).to_be_visible()
    journey.check("hr-accepted")
    declined_row = page.locator(f"#booking-{to_decline.pk}")
    declined_row.locator("form[action$='/decline/'] button").click()
    expect(declined_row.locator("form[action$='/decline/']")).to_have_count(0)
    expect(declined_row.locator(f"a[href='/company/sessions/{session.pk}/']")).to_be_visible()
    expect(declined_row.locator("h3")).to_have_text("Một học sinh")  # the details go under the heading
    expect(declined_row.locator(".status")).to_have_text("Bạn đã từ chối")  # not "Đã từ chối · Bạn đã từ chối"
    journey.check("hr-declined")
    screen(journey, "hr-declined", declined_row)
    for_class.refresh_from_db()
    to_decline.refresh_from_db()
    assert (for_class.company_answer, to_decline.status) == ("accepted", Status.DECLINED)

    # Who is booked: the session's page names the class and the confirmed student.
    page.locator(f"a[href='/company/sessions/{session.pk}/']").first.click()
    main = page.locator("main")
    expect(main).to_contain_text("11A2")
    expect(main).to_contain_text("Vũ Quốc Bảo")
    journey.check("hr-session-booked")


def test_an_artisan_registers_on_a_phone_and_lands_waiting_for_approval(journey: Journey, world: World) -> None:
    page = journey.page
    journey.go("/accounts/login/", "login")
    page.locator("a[href='/company/signup/']").click()
    journey.check("signup")
    page.locator("#id_name").fill("Xưởng gốm Minh Long")
    page.locator("#id_profile_3").check()  # artisan, the fourth choice
    page.locator("#id_province").select_option("ha-noi")
    page.locator("#id_contact_email").fill("xuong@gom.example.vn")
    page.locator("#id_person_name").fill("Nguyễn Văn Minh")
    page.locator("#id_email").fill("minh@gom.example.vn")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill("not the same one")
    page.locator("main button[type=submit]").click()
    journey.check("signup-mismatch")
    expect(page.locator("#id_password2_error")).to_be_visible()
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("main button[type=submit]").click()

    expect(page).to_have_url(journey.url("/company/"))
    journey.check("home-waiting")
    expect(page.locator("#approval")).to_be_visible()


def test_the_hr_officer_on_a_phone_cancels_a_booked_session_with_a_reason(journey: Journey, world: World) -> None:
    """On a 390 × 844 phone in Vietnamese: the session's page says how many will be told; the reason is
    required (the error beside it); once cancelled the page says so and why, and so does the student's."""
    page = journey.page
    page.set_viewport_size(HR_PHONE)
    confirmed = place(world.student, world.session, Status.CONFIRMED)
    waiting = f.StudentFactory(school=world.school, birth_date=dt.date(2000, 1, 1))
    place(waiting, world.session, Status.WAITLISTED, rank=1)

    sign_in(journey, "staff")
    journey.go(f"/company/sessions/{world.session.pk}/", "cancel-session")
    section = page.locator("section[aria-labelledby=cancel-heading]")
    expect(section).to_contain_text("2")
    section.locator("summary").click()
    form = section.locator(f"form[action='/company/sessions/{world.session.pk}/cancel/']")
    expect(form.locator("#id_reason")).to_be_visible()
    screen(journey, "cancel-open", form)
    form.locator("button[type=submit]").click()
    expect(page.locator("#id_reason_error")).to_be_visible()  # no reason: refused beside the field
    journey.check("cancel-no-reason")
    page.locator("#id_reason").fill("Diễn giả bị ốm, chúng tôi sẽ báo ngày mới.")
    screen(journey, "cancel-reason", page.locator("#id_reason"))
    page.locator(f"form[action='/company/sessions/{world.session.pk}/cancel/'] button[type=submit]").click()

    expect(page.locator(".cancelled-notice")).to_contain_text("Diễn giả bị ốm, chúng tôi sẽ báo ngày mới.")
    expect(page.locator("#id_reason")).to_have_count(0)
    journey.check("cancelled")
    confirmed.refresh_from_db()
    assert confirmed.status == Status.CANCELLED
    assert OutboxMessage.objects.filter(category=OutboxMessage.Category.BOOKING_CANCELLED).count() == 2

    page.context.clear_cookies()
    sign_in(journey, "mai")
    journey.go("/student/bookings/", "student-cancelled")
    expect(page.locator(f"#booking-{confirmed.pk} .cancelled-note")).to_contain_text("Diễn giả bị ốm")
