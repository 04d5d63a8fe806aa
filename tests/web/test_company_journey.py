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
from playwright.sync_api import Page, expect

from companies.models import Opportunity, Session
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
