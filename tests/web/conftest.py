"""The web tests' world: the shared named world with its companies approved, plus recommendations.

Browser tests (marker ``browser``) drive Debian's Chromium at /usr/bin/chromium through
pytest-playwright against pytest-django's live server; without that binary they are skipped. They run
in the SQLite suite of ``make test`` only (the pages do not depend on the database).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import User
from companies.models import Opportunity, Session
from matchmaking.models import Match

from .. import factories as f
from ..conftest import World

CHROMIUM = Path("/usr/bin/chromium")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        # The pages in a browser do not depend on the database: they run once, in the SQLite suite of
        # make test, as the tests that start their own processes do (tests/ops). Every page's database
        # work is tested without a browser in both suites.
        once = pytest.mark.skip(reason="drives the pages in Chromium: runs in the SQLite suite of make test")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(once)
        return
    if CHROMIUM.exists():
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":  # CI installs Chromium: a missing one is a failure
        raise pytest.UsageError(f"CI needs Debian's Chromium at {CHROMIUM} for the browser tests")
    skip = pytest.mark.skip(reason=f"needs Debian's Chromium at {CHROMIUM} (apt-get install -y chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_sign_in_attempts_spent() -> Iterator[None]:
    """Sign-in attempts are counted in the cache (accounts.throttles): each test starts with none spent,
    whatever the tests before it (or a run a minute ago) signed in."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class Site:
    world: World
    opportunity: Opportunity  # published, with two sessions
    session: Session
    later: Session
    hidden: Opportunity  # of an unapproved company
    match: Match  # the student's recommendation of ``opportunity``
    other_match: Match  # another student's recommendation
    adult_user: User


@pytest.fixture
def site(world: World) -> Site:
    world.company.approved_at = timezone.now()
    world.company.save(update_fields=["approved_at"])
    world.opportunity.topics = ["artificial-intelligence"]
    world.opportunity.save(update_fields=["topics"])
    later = f.SessionFactory(
        external_id="X-AI-2", opportunity=world.opportunity, starts_at=f.OCT1 + dt.timedelta(days=2)
    )
    hidden = f.OpportunityFactory(
        external_id="O-HIDDEN", company=world.other_company, title="Tham quan khách sạn", kind="visit"
    )
    f.SessionFactory(external_id="X-HIDDEN", opportunity=hidden)
    adult_user = f.UserFactory(username="nam", role=User.Role.STUDENT, student=world.adult)
    match = Match.objects.create(
        student=world.student,
        opportunity=world.opportunity,
        score=0.9,
        rank=1,
        reasons=["Cùng chủ đề: trí tuệ nhân tạo", "Ở Hà Nội"],
        features={"text": 0.5},
        model_version="default",
    )
    other_match = Match.objects.create(
        student=world.adult, opportunity=world.opportunity, score=0.8, rank=1, reasons=[], model_version="default"
    )
    return Site(
        world=world,
        opportunity=world.opportunity,
        session=world.session,
        later=later,
        hidden=hidden,
        match=match,
        other_match=other_match,
        adult_user=adult_user,
    )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium, never a downloaded browser.

    Playwright's sync API runs an event loop in the test's thread, and Django refuses ORM calls where a
    loop runs; the browser tests' own set-up (rows, asserts) is synchronous code, so that guard is lifted
    from the first browser launch on (only in runs that include browser tests).
    """
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--lang=vi-VN",
        ],
    }
