"""The small named world every test can use, and the markers for real services.

- ``postgres``: runs only when the default database is PostgreSQL (the second suite of `make test`).
- ``worker``: runs only when a broker is configured (tasks go through a real Celery worker).
- ``fault``: kills workers and restarts a private PostgreSQL and Redis (tests/faults); runs in the
  PostgreSQL + Redis suite only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import User
from companies.models import Company, Opportunity, Session
from students.models import School, Student

from . import factories as f


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    with_broker = bool(settings.CELERY_BROKER_URL)
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (the second suite of make test)"))
        if "worker" in item.keywords and not with_broker:
            item.add_marker(pytest.mark.skip(reason="needs a broker and a real Celery worker"))
        # By marker, not keyword: a keyword also matches a directory of the same name (a checkout in …/fault).
        if item.get_closest_marker("fault") and not (on_postgres and with_broker):
            item.add_marker(pytest.mark.skip(reason="fault tests run in the PostgreSQL + Redis suite of make test"))


@pytest.fixture(autouse=True)
def _tasks_in_process_unless_a_worker_is_asked_for(request: pytest.FixtureRequest, settings: Any) -> Any:
    """In the PostgreSQL + Redis suite the broker is configured for the whole run; only the tests
    marked ``worker`` start a real worker. Every other test runs its tasks in process, as the embedded
    default does, instead of queueing them for a worker that is not there."""
    if "worker" in request.keywords or request.node.get_closest_marker("fault"):
        yield
        return
    from celery import current_app

    settings.CELERY_BROKER_URL = ""
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    try:
        yield
    finally:
        current_app.conf.task_always_eager = eager


@pytest.fixture(autouse=True)
def _no_language_left_active() -> Any:
    """A language activated by one test (a request's, a live server's) stays active in the thread:
    every test starts and ends as a command line does, with only LANGUAGE_CODE to go by."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def _cache_directory(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return tmp_path_factory.mktemp("cache")  # one per test process (xdist gives each its own base)


@pytest.fixture(autouse=True)
def _a_cache_of_this_test_process(_cache_directory: Any, settings: Any) -> None:
    """The file cache (where the throttles count) is one directory shared by every process that uses
    it, as it must be in production. The two processes of `pytest -n 2` would then clear and fill each
    other's counts (a test counting sign-ups saw the other process clear them): each test process gets
    a directory of its own. A test that sets CACHES itself still wins."""
    default = settings.CACHES["default"]
    if default["BACKEND"].endswith("FileBasedCache"):
        settings.CACHES = {**settings.CACHES, "default": {**default, "LOCATION": str(_cache_directory)}}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Hashing passwords the production way costs seconds per test; tests do not need the strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    school: School
    other_school: School
    company: Company
    other_company: Company
    opportunity: Opportunity
    session: Session
    student: Student  # a minor with guardian consent
    adult: Student  # 19, no consent needed
    coordinator: User
    colleague: User  # another coordinator of the same school
    staff: User
    other_staff: User
    student_user: User
    organiser: User
    outsider: User  # a coordinator of another school


@pytest.fixture
def world(db: None) -> World:
    school = f.SchoolFactory(external_id="SCH-HN", name="THPT Chu Văn An")
    other_school = f.SchoolFactory(external_id="SCH-DN", name="THPT Phan Châu Trinh", province="da-nang")
    company = f.CompanyFactory(external_id="C-FPT", name="Công ty Phần mềm Sông Hồng")
    other_company = f.CompanyFactory(
        external_id="C-OTHER", name="Công ty Du lịch Biển Xanh", province="da-nang", approved_at=None
    )
    opportunity = f.OpportunityFactory(external_id="O-AI", company=company, title="Thực tập AI")
    session = f.SessionFactory(external_id="X-AI-1", opportunity=opportunity)
    student = f.StudentFactory(external_id="ST-MINOR", school=school, full_name="Trần Thị Mai")
    f.ConsentFactory(student=student)
    adult = f.StudentFactory(
        external_id="ST-ADULT", school=school, full_name="Lê Văn Nam", birth_date=dt.date(2007, 1, 1)
    )
    return World(
        school=school,
        other_school=other_school,
        company=company,
        other_company=other_company,
        opportunity=opportunity,
        session=session,
        student=student,
        adult=adult,
        coordinator=f.UserFactory(username="coordinator", role=User.Role.SCHOOL_COORDINATOR, school=school),
        colleague=f.UserFactory(username="colleague", role=User.Role.SCHOOL_COORDINATOR, school=school),
        staff=f.UserFactory(username="staff", role=User.Role.COMPANY_STAFF, company=company),
        other_staff=f.UserFactory(username="other_staff", role=User.Role.COMPANY_STAFF, company=other_company),
        student_user=f.UserFactory(username="mai", role=User.Role.STUDENT, student=student),
        organiser=f.UserFactory(username="organiser", role=User.Role.ORGANISER),
        outsider=f.UserFactory(username="outsider", role=User.Role.SCHOOL_COORDINATOR, school=other_school),
    )


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"
