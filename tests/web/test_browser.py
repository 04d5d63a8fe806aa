"""Journeys in a real browser (Debian's Chromium), with axe-core on every page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from matchmaking.models import Feedback
from scheduler.models import Booking

from .. import factories as f
from .conftest import Site
from .journey import DESKTOP, PHONE, Journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A Vietnamese phone: the site's first audience."""
    return {**browser_context_args, "locale": "vi-VN", "viewport": PHONE, "accept_downloads": True}


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


def test_a_student_signs_in_gets_recommendations_books_downloads_the_calendar_and_cancels(
    journey: Journey, site: Site
) -> None:
    page = journey.page
    second = f.OpportunityFactory(external_id="O-GAME", company=site.world.company, title="Xưởng lập trình game")
    f.SessionFactory(opportunity=second, starts_at=f.OCT1 + f.dt.timedelta(days=3))
    site.match.__class__.objects.create(
        student=site.world.student,
        opportunity=second,
        score=0.7,
        rank=2,
        reasons=["Bạn thích lập trình game"],
        model_version="default",
    )

    sign_in(journey, "mai")
    expect(page).to_have_url(journey.url("/student/"))
    journey.check("recommendations")
    first_card = page.locator(f"#match-{site.match.pk}")
    expect(first_card).to_contain_text("Cùng chủ đề: trí tuệ nhân tạo")

    # Not interested: the card updates in place (htmx), and the learner gets a negative label.
    game = page.locator("article.recommendation", has_text="Xưởng lập trình game")
    game.get_by_role("button", name="Không quan tâm").click()
    expect(game).to_contain_text("Đã ẩn")
    journey.check("not-interested")
    assert Feedback.objects.filter(student=site.world.student, kind=Feedback.Kind.NOT_INTERESTED).count() == 1
    # Undone in place: the card is back with its sessions, and the learner forgets the decline.
    game.get_by_role("button", name="Hoàn tác").click()
    expect(game.get_by_role("button", name="Không quan tâm")).to_be_visible()
    assert not Feedback.objects.filter(student=site.world.student, kind=Feedback.Kind.NOT_INTERESTED).exists()
    game.get_by_role("button", name="Không quan tâm").click()
    expect(game).to_contain_text("Đã ẩn")

    # Book the first session from the recommendation, in place.
    first_card.locator(f"#session-{site.session.pk}").get_by_role("button", name="Đặt chỗ").click()
    expect(first_card.locator(f"#session-{site.session.pk}")).to_contain_text("Đã đặt")
    journey.check("booked")
    booking = Booking.objects.get(student=site.world.student, session=site.session)
    assert booking.status == Booking.Status.CONFIRMED

    # My bookings: the calendar file is a text/calendar download naming the opportunity.
    page.get_by_role("link", name="Lịch đã đặt").first.click()
    journey.check("bookings")
    ics_url = journey.url(f"/bookings/{booking.pk}.ics")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Thêm vào lịch").click()
    body = Path(download_info.value.path()).read_text()
    assert "SUMMARY:" in body and "Thực tập AI" in body.replace("\r\n ", "")
    answer = page.request.get(ics_url)
    assert answer.headers["content-type"].startswith("text/calendar")

    # Cancel it: two taps, the second after being told the seat goes to someone else.
    page.get_by_role("button", name="Hủy đặt chỗ").click()
    expect(page.locator(".confirm-cancel")).to_contain_text("Người khác")
    page.get_by_role("button", name="Đồng ý hủy đặt chỗ").click()
    expect(page.locator(".message.success")).to_contain_text("Đã hủy")
    journey.check("cancelled")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_anyone_filters_the_public_catalogue(journey: Journey, site: Site) -> None:
    f.OpportunityFactory(
        external_id="O-VISIT", company=site.world.company, kind="visit", title="Tham quan nhà máy robot"
    )
    page = journey.page
    journey.go("/", "catalogue")
    expect(page.get_by_text("Thực tập AI")).to_be_visible()

    page.get_by_text("Tìm kiếm và bộ lọc").click()
    page.get_by_label("Loại hình", exact=True).select_option("visit")
    page.get_by_role("button", name="Xem kết quả").click()
    journey.check("catalogue-visits")

    expect(page.get_by_role("link", name="Tham quan nhà máy robot")).to_be_visible()
    expect(page.get_by_role("link", name="Thực tập AI")).to_have_count(0)
    page.get_by_role("link", name="Tham quan nhà máy robot").click()
    journey.check("opportunity")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tham quan nhà máy robot")


def test_the_language_switch_turns_the_page_english(journey: Journey, site: Site) -> None:
    page = journey.page
    journey.go("/", "vietnamese")
    assert page.locator("html").get_attribute("lang") == "vi"

    page.get_by_role("button", name="English").click()
    journey.check("english")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("heading", level=1)).to_have_text("Find your next visit, talk or internship")


PAGES = [
    ("catalogue", "/"),
    ("opportunity", "/opportunities/O-AI/"),
    ("login", "/accounts/login/"),
    ("password-reset", "/accounts/password-reset/"),
    ("student-recommendations", "/student/"),
    ("student-bookings", "/student/bookings/"),
    ("student-availability", "/student/availability/"),
    ("student-profile", "/student/profile/"),
    ("student-settings", "/student/settings/"),
]


def test_every_page_passes_axe_at_phone_and_desktop_width(journey: Journey, site: Site) -> None:
    """Also the screenshots of docs/screenshots/ (with WEB_SCREENSHOTS=docs; otherwise under var/)."""
    page = journey.page
    f.AvailabilityFactory(student=site.world.student)
    Booking.objects.create(
        student=site.world.student,
        session=site.later,
        status=Booking.Status.CONFIRMED,
        seats=1,
        starts_at=site.later.starts_at,
        ends_at=site.later.ends_at,
    )
    to_docs = os.environ.get("WEB_SCREENSHOTS") == "docs"
    folder = Path(settings.BASE_DIR) / "docs" / "screenshots" if to_docs else journey.folder
    for name, path in PAGES:
        if name == "student-recommendations":
            sign_in(journey, "mai")
        for width, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            journey.go(path, f"{name}-{width}")
            page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=width == "phone")
