"""The school coordinator's journey in a real browser (Debian's Chromium), with axe-core on every page."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from matchmaking.models import Match
from scheduler.models import Booking
from students.models import Student

from .. import factories as f
from .conftest import Site
from .journey import DESKTOP, PHONE, Journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
HEADER = "external_id,school,full_name,email,birth_date,level,guardian_email\n"
GOOD = "ST-N1,SCH-HN,Ngô Bảo Châu,chau@example.vn,2009-03-04,upper_secondary,me.chau@example.vn\n"
BAD = "ST-N2,SCH-HN,Lý Thu Hà,thuha-at-example.vn,2009-05-06,upper_secondary,\n"
FIXED = BAD.replace("thuha-at-example.vn", "thuha@example.vn")


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A Vietnamese phone first; the pages must also hold on an old office PC's wide screen."""
    return {**browser_context_args, "locale": "vi-VN", "viewport": PHONE, "accept_downloads": True}


@pytest.fixture
def journey(page: Page, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Journey]:
    trip = Journey(page, live_server.url, request.node.name)
    yield trip
    print(f"\nscreenshots of {request.node.name}: {trip.folder}")


@pytest.fixture
def proposal(site: Site, tmp_path: Path, settings: Any) -> Booking:
    """Class 11A1 of the coordinator's school, recommended the AI internship and proposed its session."""
    settings.VAR_DIR = tmp_path
    site.session.capacity = 60
    site.session.save(update_fields=["capacity"])
    cls = f.ClassRequestFactory(external_id="CR-11A1", school=site.world.school, class_name="11A1", group_size=30)
    f.AvailabilityFactory(class_request=cls, student=None)
    Match.objects.create(
        class_request=cls,
        opportunity=site.opportunity,
        score=0.8,
        rank=1,
        reasons=["Lớp quan tâm trí tuệ nhân tạo"],
        model_version="default",
    )
    return Booking.objects.create(
        class_request=cls,
        session=site.session,
        status=Booking.Status.PROPOSED,
        seats=30,
        score=0.8,
        hold_until=timezone.now() + dt.timedelta(days=2),
        starts_at=site.session.starts_at,
        ends_at=site.session.ends_at,
    )


def sign_in(journey: Journey, username: str) -> None:
    journey.go("/accounts/login/", "login")
    journey.page.get_by_label("Tên đăng nhập").fill(username)
    journey.page.get_by_label("Mật khẩu").fill(PASSWORD)
    journey.page.get_by_role("button", name="Đăng nhập").last.click()


def _upload(page: Page, rows: str) -> None:
    payload = {"name": "students.csv", "mimeType": "text/csv", "buffer": (HEADER + rows).encode()}
    page.set_input_files("#id_students", files=[payload])
    page.locator("#upload-form button[type=submit]").click()


def test_a_coordinator_fixes_a_bad_row_imports_and_confirms_a_class_proposal(
    journey: Journey, site: Site, proposal: Booking
) -> None:
    page = journey.page
    sign_in(journey, "coordinator")
    expect(page).to_have_url(journey.url("/school/"))
    journey.check("home")
    expect(page.locator(f"a[href$='#booking-{proposal.pk}']")).to_be_visible()

    # Upload a students file with one bad row: the row report names file, line and column; nothing written.
    page.locator("nav a[href='/school/files/']").click()
    journey.check("files")
    _upload(page, GOOD + BAD)
    expect(page.locator(".problems")).to_contain_text("students.csv, dòng 3, cột E-mail (email):")
    expect(page.locator("#import-form")).to_have_count(0)
    journey.check("row-report")
    assert not Student.objects.filter(external_id__in=["ST-N1", "ST-N2"]).exists()

    # Fixed: the preview counts two new students, still writing nothing; then the import.
    _upload(page, GOOD + FIXED)
    expect(page.locator(".counts")).to_contain_text("students.csv")
    journey.check("preview")
    assert not Student.objects.filter(external_id__in=["ST-N1", "ST-N2"]).exists()
    page.locator("#import-form button[type=submit]").click()
    expect(page.locator(".message.success")).to_be_visible()
    journey.check("imported")
    assert set(Student.objects.filter(school=site.world.school).values_list("external_id", flat=True)) >= {
        "ST-N1",
        "ST-N2",
    }

    # The new minor without consent is on the student list, with the button to ask the guardian (htmx).
    journey.go("/school/students/?consent=missing", "students-missing-consent")
    row = page.locator(f"#student-{Student.objects.get(external_id='ST-N1').pk}")
    row.locator("button[type=submit]").click()
    expect(row.locator(".notice")).to_be_visible()
    journey.check("consent-asked")

    # The class's proposal, with its reasons: confirm it.
    journey.go("/school/", "home-again")
    page.locator(f"a[href$='#booking-{proposal.pk}']").click()
    card = page.locator(f"#booking-{proposal.pk}")
    expect(card).to_contain_text("Lớp quan tâm trí tuệ nhân tạo")
    journey.check("class")
    card.locator("form[action$='/confirm/'] button").click()
    expect(page.locator(".message.success")).to_be_visible()
    journey.check("confirmed")
    proposal.refresh_from_db()
    assert proposal.status == Booking.Status.CONFIRMED


PAGES = [
    ("school-home", "/school/"),
    ("school-files", "/school/files/"),
    ("school-students", "/school/students/"),
    ("school-student", "/school/students/{student}/"),
    ("school-classes", "/school/classes/"),
    ("school-class", "/school/classes/{cls}/"),
    ("school-class-edit", "/school/classes/{cls}/edit/"),
    ("school-bookings", "/school/bookings/"),
    ("school-report", "/school/report/"),
]


def test_every_school_page_passes_axe_at_phone_and_desktop_width(
    journey: Journey, site: Site, proposal: Booking
) -> None:
    """Also the screenshots of docs/screenshots/school-*.png (with WEB_SCREENSHOTS=docs; else under var/)."""
    page = journey.page
    to_docs = os.environ.get("WEB_SCREENSHOTS") == "docs"
    folder = Path(settings.BASE_DIR) / "docs" / "screenshots" if to_docs else journey.folder
    f.StudentFactory(school=site.world.school, full_name="Phạm Minh Khoa", guardian_email="khoa.me@example.vn")
    ids = {"student": site.world.student.pk, "cls": proposal.class_request_id}
    sign_in(journey, "coordinator")
    for name, path in PAGES:
        for width, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            journey.go(path.format(**ids), f"{name}-{width}")
            page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=width == "phone")
