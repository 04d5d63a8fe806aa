"""A school's "invite every student" run: done by a worker in parts, followed on the students page,
resumed after a lost worker without counting anyone twice, and never two at once for one school."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from notifications.models import OutboxMessage
from privacy import invitations
from privacy.invitations import students_invite_continue, students_invite_start
from privacy.models import InvitationRun
from students.models import School

from .. import factories as f
from ..matchmaking.test_shards_worker import worker  # noqa: F401  (a fixture: a real Celery worker)


def _school_of_adults(n: int, *, name: str = "THPT Chu Văn An") -> School:
    school = f.SchoolFactory(name=name)
    for i in range(n):
        f.StudentFactory(school=school, birth_date=dt.date(2000, 1, 1), email=f"hs{i}.{school.pk}@example.vn")
    return school


def _coordinator(school: School) -> Client:
    user = f.UserFactory(role=User.Role.SCHOOL_COORDINATOR, school=school)
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(user)
    return client


def _invited(school: School) -> list[int]:
    return sorted(
        OutboxMessage.objects.filter(category="account_invite", student__school=school).values_list(
            "student_id", flat=True
        )
    )


@pytest.mark.django_db
def test_a_run_lost_midway_resumes_after_its_last_chunk_and_counts_no_one_twice(monkeypatch: Any) -> None:
    school = _school_of_adults(5)
    f.StudentFactory(school=school)  # a minor without consent
    monkeypatch.setattr(invitations, "RUN_CHUNK", 2)
    run = students_invite_start(school_id=school.pk, invited_by="Cô Lan")  # no on_commit here: not started
    assert (run.status, run.total, run.done) == ("queued", 6, 0)

    # A worker does one part (the budget is spent after its first chunk) and is lost.
    part = students_invite_continue(run_id=run.pk, budget=0)
    assert (part.status, part.done, len(_invited(school))) == ("running", 2, 2)

    # The task is delivered again: the run goes on after the committed chunk, to its end.
    done = students_invite_continue(run_id=run.pk)
    assert (done.status, done.done, done.total) == ("done", 6, 6)
    assert done.counts == {"invited": 5, "needs_consent": 1}
    assert len(_invited(school)) == 5 and len(set(_invited(school))) == 5
    # Delivered once more after it finished: nothing changes.
    again = students_invite_continue(run_id=run.pk)
    assert again.counts == done.counts and OutboxMessage.objects.filter(category="account_invite").count() == 5


@pytest.mark.django_db
def test_a_second_click_while_a_run_is_active_starts_nothing(django_capture_on_commit_callbacks: Any) -> None:
    school = _school_of_adults(3)
    client = _coordinator(school)
    with django_capture_on_commit_callbacks(execute=False):  # queued, its worker not there yet
        client.post(reverse("web:school-students-invite"))
        client.post(reverse("web:school-students-invite"))
    assert InvitationRun.objects.filter(school=school).count() == 1

    page = client.get(reverse("web:school-students")).content.decode()
    run = InvitationRun.objects.get(school=school)
    assert reverse("web:school-students-invite-run", args=[run.pk]) in page  # the page polls it
    assert f'action="{reverse("web:school-students-invite")}"' not in page  # no button while it is queued


@pytest.mark.django_db
def test_a_stale_run_fails_and_no_longer_blocks_the_next() -> None:
    school = _school_of_adults(2)
    stale = students_invite_start(school_id=school.pk, invited_by="x")
    long_ago = timezone.now() - invitations.RUN_STALE - dt.timedelta(minutes=1)
    InvitationRun.objects.filter(pk=stale.pk).update(updated_at=long_ago)

    fresh = students_invite_start(school_id=school.pk, invited_by="x")

    assert fresh.pk != stale.pk and fresh.status == "queued"
    stale.refresh_from_db()
    assert stale.status == "failed" and "lost" in stale.error


@pytest.mark.django_db
def test_the_page_follows_the_run_and_another_school_cannot(monkeypatch: Any) -> None:
    school = _school_of_adults(3)
    monkeypatch.setattr(invitations, "RUN_CHUNK", 2)
    run = students_invite_start(school_id=school.pk, invited_by="x")
    students_invite_continue(run_id=run.pk, budget=0)
    client = _coordinator(school)
    url = reverse("web:school-students-invite-run", args=[run.pk])

    running = client.get(url).content.decode()
    assert 'value="2" max="3"' in running and "hx-trigger" in running  # still polling

    students_invite_continue(run_id=run.pk)
    finished = client.get(url).content.decode()
    assert "hx-trigger" not in finished  # stops polling itself
    assert "Đã gửi lời mời: 3" in finished

    outsider = _coordinator(f.SchoolFactory(name="THPT Phan Châu Trinh"))
    assert outsider.get(url).status_code == 404


@pytest.mark.django_db
def test_a_failed_run_says_how_far_it_went_and_the_button_comes_back() -> None:
    school = _school_of_adults(2)
    run = students_invite_start(school_id=school.pk, invited_by="x")
    invitations.run_fail(run.pk, "RuntimeError('boom')")
    page = _coordinator(school).get(reverse("web:school-students")).content.decode()
    assert "Việc gửi lời mời dừng lại sau 0 trên 2 học sinh" in page
    assert f'action="{reverse("web:school-students-invite")}"' in page
    assert "boom" not in page  # the technical reason is for the logs and the admin, not the coordinator


@pytest.mark.postgres
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_invites_a_whole_school(worker: str) -> None:  # noqa: F811
    assert connection.vendor == "postgresql"
    school = _school_of_adults(25)
    client = _coordinator(school)

    client.post(reverse("web:school-students-invite"))  # committed: the task goes to the worker's queue

    run = InvitationRun.objects.get(school=school)
    deadline = time.monotonic() + 60
    while run.status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
        run.refresh_from_db()
    assert run.status == "done", run.error
    assert run.counts == {"invited": 25} and run.done == 25
    assert len(_invited(school)) == 25


@pytest.mark.django_db
def test_the_admin_shows_a_failed_runs_reason(admin_client: Client) -> None:
    school = _school_of_adults(1)
    run = students_invite_start(school_id=school.pk, invited_by="x")
    invitations.run_fail(run.pk, "RuntimeError('boom')")
    listing = admin_client.get("/admin/privacy/invitationrun/")
    assert listing.status_code == 200 and school.name in listing.content.decode()
    page = admin_client.get(f"/admin/privacy/invitationrun/{run.pk}/change/").content.decode()
    assert "boom" in page
    assert admin_client.get("/admin/privacy/invitationrun/add/").status_code == 403
