"""The organiser's journey in a real browser (Debian's Chromium), with axe-core on every page: approve a
company, run matchmaking and scheduling while watching progress, download the week's report.

Buttons are found by their forms' addresses and fields by their ids, not by their words, so the journey
holds whatever the catalogue says.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from matchmaking.models import MatchRound
from rounds.models import RoundJob
from scheduler.models import Booking

from .. import factories as f
from ..conftest import World
from .journey import DESKTOP, PHONE, Journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
WEEK = "2030-W40"  # the world's session is on Tuesday 1 October 2030


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "vi-VN", "viewport": PHONE, "accept_downloads": True}


@pytest.fixture
def journey(page: Page, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Journey]:
    trip = Journey(page, live_server.url, request.node.name)
    yield trip
    print(f"\nscreenshots of {request.node.name}: {trip.folder}")


def sign_in(journey: Journey, username: str) -> None:
    journey.go("/accounts/login/", "login")
    journey.page.locator("#id_username").fill(username)
    journey.page.locator("#id_password").fill(PASSWORD)
    journey.page.locator("main form button[type=submit]").last.click()


def submit(page: Page, action: str) -> None:
    page.locator(f"form[action='{action}'] button[type=submit]").click()


@pytest.fixture
def province(world: World) -> World:
    """The world, with a visit of the waiting company, free times, and one booking kept in the week."""
    visit = f.OpportunityFactory(
        external_id="O-VISIT", company=world.other_company, kind="visit", title="Tham quan khách sạn"
    )
    f.SessionFactory(external_id="X-VISIT", opportunity=visit, starts_at=f.OCT1 + f.dt.timedelta(days=1))
    for student in (world.student, world.adult):
        f.AvailabilityFactory(student=student)
    Booking.objects.create(
        student=world.adult,
        session=world.session,
        status=Booking.Status.CONFIRMED,
        seats=1,
        starts_at=world.session.starts_at,
        ends_at=world.session.ends_at,
    )
    return world


def test_an_organiser_approves_a_company_runs_both_rounds_and_downloads_the_weeks_report(
    journey: Journey, province: World
) -> None:
    world, page = province, journey.page
    sign_in(journey, "organiser")
    expect(page).to_have_url(journey.url("/organiser/"))
    expect(page.locator("svg[role=img]")).to_have_count(5)
    journey.check("figures")

    # Approve the waiting company: it leaves the waiting list and is published.
    page.locator("nav a[href='/organiser/companies/']").click()
    expect(page.locator(f"#company-{world.other_company.pk}")).to_be_visible()
    journey.check("companies")
    submit(page, f"/organiser/companies/{world.other_company.pk}/approve/")
    expect(page.locator(".message.success")).to_contain_text("Công ty Du lịch Biển Xanh")
    journey.check("approved")
    world.other_company.refresh_from_db()
    assert world.other_company.approved_at is not None

    # A matchmaking round is already running on workers (1 of 4 parts): its row follows it every 2 s,
    # and a second matchmaking round is refused next to the button.
    running = MatchRound.objects.create(
        k=10, shards_total=4, shards_done=1, model_version="default", now=timezone.now()
    )
    earlier = RoundJob.objects.create(
        kind="matchmaking", k=10, status=RoundJob.Status.RUNNING, match_round=running, started_at=timezone.now()
    )
    page.locator("nav a[href='/organiser/rounds/']").click()
    row = page.locator(f"#job-{earlier.pk}")
    expect(row.locator("progress")).to_have_attribute("value", "1")
    expect(row).to_have_attribute("hx-trigger", "every 2s")
    journey.check("round-running")
    page.locator("#id_kind_0").check()
    page.locator("form[action='/organiser/rounds/'] button[type=submit]").click()
    expect(page.locator(".form-errors")).to_be_visible()
    journey.check("round-refused")
    MatchRound.objects.filter(pk=running.pk).update(shards_done=4)  # the workers get on…
    expect(page.locator(f"#job-{earlier.pk} progress")).to_have_attribute("value", "4", timeout=6000)
    MatchRound.objects.filter(pk=running.pk).update(status=MatchRound.Status.DONE, finished_at=timezone.now())
    expect(page.locator(f"#job-{earlier.pk} .done")).to_be_visible(timeout=6000)  # …and it settles: no more polling
    expect(page.locator(f"#job-{earlier.pk}")).not_to_have_attribute("hx-trigger", "every 2s")

    # Now matchmaking, then scheduling, from the page.
    page.locator("#id_kind_0").check()
    page.locator("#id_k").fill("5")
    page.locator("form[action='/organiser/rounds/'] button[type=submit]").click()
    expect(page.locator(".message.success")).to_be_visible()
    matchmaking = RoundJob.objects.filter(kind="matchmaking").exclude(pk=earlier.pk).get()
    expect(page.locator(f"#job-{matchmaking.pk} .done")).to_be_visible()
    expect(page.locator(f"#job-{matchmaking.pk} progress")).to_have_attribute(
        "value", str(matchmaking.match_round.shards_total)
    )
    journey.check("matchmaking-done")
    page.locator("#id_kind_1").check()
    page.locator("#id_mode_0").check()
    page.locator("form[action='/organiser/rounds/'] button[type=submit]").click()
    scheduling = RoundJob.objects.get(kind="scheduling")
    expect(page.locator(f"#job-{scheduling.pk} .done")).to_be_visible(timeout=10000)
    journey.check("scheduling-done")
    assert RoundJob.objects.get(pk=scheduling.pk).report["mode"] == "optimal"

    # The week's report: the printable table and its CSV.
    journey.go(f"/organiser/report/?week={WEEK}", "report")
    expect(page.locator("table tbody tr")).to_have_count(1)
    page.emulate_media(media="print")  # printed: the table alone, no header, navigation, picker or buttons
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".week-picker")).to_be_hidden()
    expect(page.locator(".downloads")).to_be_hidden()
    expect(page.locator("table")).to_be_visible()
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.locator("a[href$='report.csv?week=2030-W40']").click()
    assert download.value.suggested_filename == "caunoi-report-2030-09-30-2030-10-06.csv"
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[:5] == ["province", "school", "school_name", "kind", "sessions_held"]
    assert (rows[0]["school"], rows[0]["kind"], rows[0]["sessions_held"], rows[0]["students"]) == (
        "SCH-HN",
        "internship",
        "1",
        "1",
    )


PAGES = [
    ("organiser-figures", f"/organiser/?week={WEEK}"),
    ("organiser-companies", "/organiser/companies/"),
    ("organiser-rounds", "/organiser/rounds/"),
    ("organiser-report", f"/organiser/report/?week={WEEK}"),
]


def test_every_organiser_page_passes_axe_at_phone_and_desktop_width(journey: Journey, province: World) -> None:
    """Also the screenshots of docs/screenshots/organiser-*.png (with WEB_SCREENSHOTS=docs)."""
    page = journey.page
    RoundJob.objects.create(kind="scheduling", mode="optimal", status=RoundJob.Status.QUEUED)
    to_docs = os.environ.get("WEB_SCREENSHOTS") == "docs"
    folder = Path(settings.BASE_DIR) / "docs" / "screenshots" if to_docs else journey.folder
    sign_in(journey, "organiser")
    for name, path in PAGES:
        for width, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            journey.go(path, f"{name}-{width}")
            page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
