"""The weekly digest: only what is new, only to who may be mailed, once a week, whoever runs it."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from matchmaking import digests
from matchmaking.digests import MAX_ITEMS, digest_period, digests_send
from matchmaking.models import MailedRecommendation, Match
from notifications.models import OutboxMessage, Suppression
from notifications.rendering import envelope_render
from students.models import Student
from tests import factories as f

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2030, 9, 30, 8, 0, tzinfo=dt.UTC)


def recommend(student: Student, *opportunities: Any) -> None:
    Match.objects.bulk_create(
        Match(
            student=student,
            opportunity=o,
            score=0.9 - i / 100,
            rank=i + 1,
            model_version="t",
            reasons=[f"Lý do {i}a", f"Lý do {i}b", f"Lý do {i}c"],
        )
        for i, o in enumerate(opportunities)
    )


def queued_digests() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(category="digest").order_by("student_id"))


@pytest.fixture
def opportunities(world: Any) -> list[Any]:
    return [world.opportunity, *f.OpportunityFactory.create_batch(8, company=world.company)]


def test_each_student_who_may_be_mailed_gets_their_recommendations_once(
    world: Any, opportunities: list[Any]
) -> None:
    world.adult.languages = ["en"]
    world.adult.save()
    recommend(world.student, *opportunities[:2])  # a minor whose guardian consented
    recommend(world.adult, *opportunities[:8])
    no_consent = f.StudentFactory(school=world.school)
    opted_out = f.StudentFactory(school=world.school, birth_date=dt.date(2000, 1, 1), email_opt_in=False)
    bounced = f.StudentFactory(school=world.school, birth_date=dt.date(2000, 1, 1))
    Suppression.objects.create(email=bounced.email.lower(), reason="bounce", source="webhook")
    for student in (no_consent, opted_out, bounced):
        recommend(student, opportunities[0])

    report = digests_send(now=MONDAY)

    assert (report.enqueued, report.recommendations) == (2, 2 + MAX_ITEMS)
    minor, adult = queued_digests()
    assert (minor.student_id, adult.student_id) == (world.student.pk, world.adult.pk)
    assert minor.dedupe_key == f"digest:{world.student.pk}:2030-W40" and minor.to_email == world.student.email
    assert minor.language == "vi" and adult.language == "en"
    first = adult.context["items"][0]
    # The kind is queued as its code and named in the reader's language when the mail is rendered.
    assert first["title"] == world.opportunity.title and first["kind"] == world.opportunity.kind == "internship"
    assert f"{world.opportunity.title} — {world.opportunity.company.name} (Internship)" in envelope_render(adult).text
    assert f"{world.opportunity.title} — {world.opportunity.company.name} (Thực tập)" in envelope_render(minor).text
    assert first["reasons"] == ["Lý do 0a", "Lý do 0b"]
    assert first["url"] == f"http://127.0.0.1:8000/opportunities/{world.opportunity.external_id}/"
    # Best first, and no more than a digest should hold; the rest waits for next week.
    assert [i["title"] for i in adult.context["items"]] == [o.title for o in opportunities[:MAX_ITEMS]]
    assert MailedRecommendation.objects.filter(student=world.adult).count() == MAX_ITEMS


def test_running_it_again_the_same_week_queues_nothing(world: Any, opportunities: list[Any]) -> None:
    recommend(world.adult, *opportunities[:2])
    digests_send(now=MONDAY)
    recommend(world.student, opportunities[0])
    Match.objects.create(
        student=world.adult, opportunity=opportunities[5], score=0.5, rank=3, model_version="t"
    )

    again = digests_send(now=MONDAY + dt.timedelta(days=2))

    # The adult already had this week's digest; the minor's is new.
    assert (again.enqueued, again.already_sent) == (1, 1)
    assert OutboxMessage.objects.filter(student=world.adult).count() == 1


def test_next_week_only_what_is_new_goes_out_and_nothing_when_nothing_is(
    world: Any, opportunities: list[Any]
) -> None:
    recommend(world.adult, *opportunities[:8])
    digests_send(now=MONDAY)

    second = digests_send(now=MONDAY + dt.timedelta(days=7))
    third = digests_send(now=MONDAY + dt.timedelta(days=14))

    assert second.enqueued == 1 and third.enqueued == 0 and third.nothing_new == third.students == 2
    latest = OutboxMessage.objects.get(dedupe_key=f"digest:{world.adult.pk}:2030-W41")
    assert [i["title"] for i in latest.context["items"]] == [o.title for o in opportunities[MAX_ITEMS:8]]


def test_a_student_at_the_weekly_cap_gets_no_digest(
    world: Any, opportunities: list[Any], settings: Any
) -> None:
    settings.MAIL_WEEKLY_CAP = 1
    recommend(world.adult, *opportunities[:3])
    OutboxMessage.objects.create(
        dedupe_key="digest:earlier",
        category="digest",
        to_email=world.adult.email,
        student=world.adult,
        status="sent",
        sent_at=timezone.now(),
    )
    # Booking mail is transactional and does not count.
    OutboxMessage.objects.create(
        dedupe_key="booking-confirmed:1",
        category="booking_confirmed",
        to_email=world.adult.email,
        student=world.adult,
    )

    report = digests_send()

    assert report.capped == 1 and report.enqueued == 0


def test_recommendations_of_a_digest_that_was_suppressed_come_again(
    world: Any, opportunities: list[Any]
) -> None:
    recommend(world.adult, *opportunities[:2])
    digests_send(now=MONDAY)
    OutboxMessage.objects.filter(category="digest").update(status="suppressed")

    report = digests_send(now=MONDAY + dt.timedelta(days=7))

    assert report.recommendations == 2
    assert set(MailedRecommendation.objects.values_list("outbox_key", flat=True)) == {
        f"digest:{world.adult.pk}:2030-W41"
    }


def test_an_opportunity_whose_deadline_passed_is_not_recommended(
    world: Any, opportunities: list[Any]
) -> None:
    closed = opportunities[1]
    closed.apply_by = dt.date(2030, 9, 1)
    closed.save()
    recommend(world.adult, opportunities[0], closed)

    digests_send(now=MONDAY)

    (digest,) = queued_digests()
    assert [i["title"] for i in digest.context["items"]] == [opportunities[0].title]


def test_send_digests_writes_the_mail_to_mail_dir_without_a_broker(
    world: Any, opportunities: list[Any], settings: Any, mail_dir: Path, capsys: Any
) -> None:
    settings.CELERY_BROKER_URL = ""
    settings.SENDGRID_API_KEY = ""
    recommend(world.adult, *opportunities[:2])
    recommend(world.student, opportunities[0])

    call_command("send_digests")

    out = capsys.readouterr().out
    assert "xếp hàng 2 bản tin với 3 gợi ý" in out and "đã gửi 2" in out  # the site's language
    assert len(list(mail_dir.glob("*-digest.eml"))) == 2


def test_the_period_is_the_iso_week_in_vietnam() -> None:
    # Sunday 23:30 UTC is already Monday in Hà Nội.
    assert digest_period(dt.datetime(2030, 9, 29, 23, 30, tzinfo=dt.UTC)) == "2030-W40"
    assert digest_period(dt.datetime(2030, 9, 29, 10, 0, tzinfo=dt.UTC)) == "2030-W39"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_running_it_at_once_queue_one_digest_per_student(
    world: Any, opportunities: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    students = [world.adult, world.student] + [
        f.StudentFactory(school=world.school, birth_date=dt.date(2000, 1, 1)) for _ in range(38)
    ]
    for student in students:
        recommend(student, *opportunities[:3])
    start, both_planned = threading.Barrier(2), threading.Barrier(2)
    plan = digests._new_matches

    def plan_then_wait(*args: Any, **kwargs: Any) -> Any:
        # The worst interleaving, every time: both runs have seen "no digest yet" before either writes.
        result = plan(*args, **kwargs)
        both_planned.wait(timeout=30)
        return result

    monkeypatch.setattr(digests, "_new_matches", plan_then_wait)
    reports: list[Any] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            reports.append(digests_send(now=MONDAY))
        except BaseException as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    assert sorted(r.enqueued for r in reports) == [0, len(students)]
    assert sorted(r.already_sent for r in reports) == [0, len(students)]
    assert OutboxMessage.objects.filter(category="digest").count() == len(students)
    assert MailedRecommendation.objects.count() == 3 * len(students)
    keys = set(OutboxMessage.objects.values_list("dedupe_key", flat=True))
    assert set(MailedRecommendation.objects.values_list("outbox_key", flat=True)) <= keys
