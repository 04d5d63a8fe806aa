"""The organiser's pages with the test client: companies, rounds, figures, the week's report; permissions."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from companies.models import Company
from matchmaking.models import Match
from notifications.models import OutboxMessage
from notifications.services import outbox_relay
from rounds.models import RoundJob
from scheduler.models import Booking
from scheduler.reports import WEEK_REPORT_HEADER

from .. import factories as f
from ..conftest import World
from ..fakes.sendgrid_server import FakeSendGrid

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
HTMX = {"HTTP_HX_REQUEST": "true"}
WEEK = "2030-W40"  # Monday 30 September to Sunday 6 October 2030: the world's session is on Tue 1 Oct

PAGES = [
    "/organiser/",
    "/organiser/companies/",
    "/organiser/rounds/",
    f"/organiser/report/?week={WEEK}",
    f"/organiser/report.csv?week={WEEK}",
    f"/organiser/report.xlsx?week={WEEK}",
]


@pytest.fixture
def office(client: Client, world: World) -> Client:
    client.force_login(world.organiser)
    return client


def confirm(world: World, student: object, status: str = Booking.Status.CONFIRMED) -> Booking:
    return Booking.objects.create(
        student=student,
        session=world.session,
        status=status,
        seats=1,
        score=0.8,
        starts_at=world.session.starts_at,
        ends_at=world.session.ends_at,
    )


# --- permissions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, world: World, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("who", ["coordinator", "staff", "student_user"])
def test_other_roles_get_a_404(client: Client, world: World, url: str, who: str) -> None:
    client.force_login(getattr(world, who))

    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", ["coordinator", "staff", "student_user"])
def test_other_roles_cannot_approve_or_start_rounds(client: Client, world: World, who: str) -> None:
    client.force_login(getattr(world, who))

    assert client.post(f"/organiser/companies/{world.other_company.pk}/approve/").status_code == 404
    assert client.post("/organiser/rounds/", {"kind": "scheduling", "k": 10, "mode": "optimal"}).status_code == 404
    world.other_company.refresh_from_db()
    assert world.other_company.approved_at is None and not RoundJob.objects.exists()


@pytest.mark.parametrize("url", PAGES)
def test_every_page_answers_the_organiser(office: Client, url: str) -> None:
    assert office.get(url).status_code == 200


def test_sign_in_lands_the_organiser_on_the_figures(client: Client, world: World) -> None:
    client.force_login(world.organiser)

    assert client.get("/home/")["Location"] == "/organiser/"


# --- companies ----------------------------------------------------------------------------------------


def test_companies_waiting_are_listed_with_approve_and_reject(office: Client, world: World) -> None:
    page = office.get("/organiser/companies/").content.decode()

    waiting = page[page.index('id="h-waiting"') : page.index('id="h-approved"')]
    assert "Công ty Du lịch Biển Xanh" in waiting and "Công ty Phần mềm Sông Hồng" not in waiting
    assert f"/organiser/companies/{world.other_company.pk}/reject/" in waiting


def test_a_waiting_company_says_who_registered_it_and_when(office: Client, world: World) -> None:
    f.UserFactory(
        username="hoa@gom.example.vn", email="hoa@gom.example.vn", first_name="Nguyễn Văn", last_name="Hòa",
        role=User.Role.COMPANY_STAFF, company=world.other_company,
    )  # fmt: skip

    page = office.get("/organiser/companies/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    waiting = page[page.index(f'id="company-{world.other_company.pk}"') : page.index('id="h-approved"')]
    assert "Nguyễn Văn Hòa (hoa@gom.example.vn)" in waiting
    registered = timezone.localtime(world.other_company.created_at).strftime("%d/%m/%Y %H:%M")
    assert f"Đăng ký lúc {registered}" in waiting


def test_approving_publishes_the_company(office: Client, world: World) -> None:
    response = office.post(f"/organiser/companies/{world.other_company.pk}/approve/")

    assert response.status_code == 302
    world.other_company.refresh_from_db()
    assert world.other_company.approved_at is not None
    assert world.other_company in Company.objects.approved()


def test_rejecting_records_why_and_keeps_the_company_unpublished(office: Client, world: World) -> None:
    office.post(f"/organiser/companies/{world.other_company.pk}/reject/", {"reason": "Mã số thuế không hợp lệ"})

    world.other_company.refresh_from_db()
    assert world.other_company.approved_at is None and world.other_company.rejected_at is not None
    assert world.other_company.rejection_reason == "Mã số thuế không hợp lệ"
    page = office.get("/organiser/companies/").content.decode()
    assert "Mã số thuế không hợp lệ" in page[page.index('id="h-rejected"') :]


def test_a_rejection_without_a_reason_shows_the_error_next_to_the_field(office: Client, world: World) -> None:
    response = office.post(f"/organiser/companies/{world.other_company.pk}/reject/", {"reason": "  "})

    assert response.status_code == 200
    assert f'id="reason-{world.other_company.pk}-error"' in response.content.decode()
    world.other_company.refresh_from_db()
    assert world.other_company.rejected_at is None


def test_an_approved_company_is_not_rejected_but_told_to_withdraw(office: Client, world: World) -> None:
    response = office.post(f"/organiser/companies/{world.company.pk}/reject/", {"reason": "Sai"}, follow=True)

    assert response.status_code == 200 and 'class="message error"' in response.content.decode()
    world.company.refresh_from_db()
    assert world.company.approved_at is not None and world.company.rejected_at is None


def test_approving_a_rejected_company_clears_the_rejection(office: Client, world: World) -> None:
    office.post(f"/organiser/companies/{world.other_company.pk}/reject/", {"reason": "Thiếu giấy phép"})
    office.post(f"/organiser/companies/{world.other_company.pk}/approve/")

    world.other_company.refresh_from_db()
    assert world.other_company.approved_at is not None
    assert world.other_company.rejected_at is None and world.other_company.rejection_reason == ""


def test_withdrawing_an_approval_withdraws_future_bookings(office: Client, world: World) -> None:
    world.session.starts_at = dt.datetime(2099, 1, 5, 8, tzinfo=TZ)
    world.session.ends_at = world.session.starts_at + dt.timedelta(hours=2)
    world.session.save()
    booking = confirm(world, world.adult)

    response = office.post(f"/organiser/companies/{world.company.pk}/withdraw/", follow=True)

    booking.refresh_from_db()
    world.company.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and world.company.approved_at is None
    assert "1" in response.content.decode()  # the count of withdrawn bookings in the message


def test_withdrawing_an_approval_asks_first(office: Client, world: World) -> None:
    page = office.get("/organiser/companies/").content.decode()
    article = page[page.index(f'id="company-{world.company.pk}"') :]
    article = article[: article.index("</article>")]
    # The withdrawing form is behind a second tap (inside <details>), like a student's cancellation.
    details = article[article.index('<details class="confirm-withdraw">') : article.index("</details>")]
    assert f'action="/organiser/companies/{world.company.pk}/withdraw/"' in details


def test_an_unknown_action_or_company_is_a_404(office: Client, world: World) -> None:
    assert office.post(f"/organiser/companies/{world.company.pk}/delete/").status_code == 404
    assert office.post("/organiser/companies/999999/approve/").status_code == 404
    assert office.get(f"/organiser/companies/{world.company.pk}/approve/").status_code == 405


# --- rounds --------------------------------------------------------------------------------------------


def test_the_rounds_page_names_a_round_and_matchmaking_one_way_in_vietnamese(office: Client, world: World) -> None:
    # The rounds and matchmaking apps' catalogues come first and say "vòng", "ghép cặp" (docs/translation.md):
    # the page's own strings must say the same, not "đợt", "ghép nối" beside them.
    page = office.post(
        "/organiser/rounds/", {"kind": "matchmaking", "k": 5, "mode": "optimal"}, follow=True, HTTP_ACCEPT_LANGUAGE="vi"
    ).content.decode()
    main = page[page.index("<main") :]

    assert "Đã bắt đầu vòng" in main and "Các vòng gần đây" in main and "Ghép cặp" in main
    assert "đợt" not in main.lower() and "ghép nối" not in main.lower()


def test_starting_a_matchmaking_round_records_its_job_and_progress(office: Client, world: World) -> None:
    response = office.post("/organiser/rounds/", {"kind": "matchmaking", "k": 5, "mode": "optimal"})

    assert response.status_code == 302
    job = RoundJob.objects.get()
    assert job.kind == "matchmaking" and job.k == 5 and job.requested_by == world.organiser
    assert job.status == RoundJob.Status.DONE  # eager: the shards ran in the request
    row = office.get(f"/organiser/rounds/{job.pk}/", **HTMX).content.decode()
    assert f'id="progress-{job.pk}"' in row
    total = job.match_round.shards_total
    assert f'value="{total}" max="{total}"' in row
    assert "hx-trigger" not in row  # a finished job stops polling


def test_a_running_job_polls_every_two_seconds(office: Client, world: World) -> None:
    job = RoundJob.objects.create(kind="scheduling", mode="optimal", status=RoundJob.Status.QUEUED)

    row = office.get(f"/organiser/rounds/{job.pk}/", **HTMX).content.decode()

    assert 'hx-trigger="every 2s"' in row and f'hx-get="/organiser/rounds/{job.pk}/"' in row


def test_a_second_round_of_a_kind_is_refused_next_to_the_button(office: Client, world: World) -> None:
    RoundJob.objects.create(kind="scheduling", mode="optimal", status=RoundJob.Status.RUNNING)

    response = office.post("/organiser/rounds/", {"kind": "scheduling", "k": 10, "mode": "stable"})

    assert response.status_code == 200
    assert 'class="form-errors"' in response.content.decode()
    assert RoundJob.objects.count() == 1


def test_a_scheduling_round_runs_and_reports(
    office: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # the task is enqueued after commit
        office.post("/organiser/rounds/", {"kind": "scheduling", "k": 10, "mode": "optimal"})

    job = RoundJob.objects.get()
    assert job.status == RoundJob.Status.DONE and job.mode == "optimal" and "proposed" in job.report


def test_a_bad_round_form_names_the_field(office: Client, world: World) -> None:
    response = office.post("/organiser/rounds/", {"kind": "matchmaking", "k": 0, "mode": "optimal"})

    assert response.status_code == 200 and 'id="id_k_error"' in response.content.decode()
    assert not RoundJob.objects.exists()


# --- figures -------------------------------------------------------------------------------------------


def test_the_dashboard_draws_each_chart_with_its_table(office: Client, world: World) -> None:
    confirm(world, world.adult)
    Match.objects.create(student=world.adult, opportunity=world.opportunity, score=0.8, rank=1, model_version="v")

    page = office.get(f"/organiser/?week={WEEK}").content.decode()

    assert page.count('role="img"') == 5 and page.count("<table") == 5
    for chart in ("kind", "province", "schools", "uptake", "days"):
        assert f'aria-labelledby="chart-{chart}-title chart-{chart}-desc"' in page
    assert "1 of 10" in page or "1 / 10" in page or ">1<" in page
    assert "<script" not in page.split("</head>", 1)[1]  # no chart script: the drawing is server-side SVG


def test_the_dashboard_shows_the_spread_between_schools(office: Client, world: World) -> None:
    confirm(world, world.adult)  # 1 of the school's 2 students
    f.StudentFactory(school=world.other_school)  # 0 of 1

    page = office.get(f"/organiser/?week={WEEK}").content.decode()

    assert "0.50" in page or "0,50" in page


def test_a_bad_week_is_named_and_the_default_week_is_shown(office: Client, world: World) -> None:
    response = office.get("/organiser/report/?week=tuần-này")

    assert response.status_code == 200 and 'id="id_week_error"' in response.content.decode()


def test_a_range_that_ends_before_it_starts_is_refused_on_the_end_field(office: Client, world: World) -> None:
    response = office.get("/organiser/report/?start=2030-10-05&end=2030-10-01")

    assert 'id="id_end_error"' in response.content.decode()


# --- the week's report ---------------------------------------------------------------------------------


def test_the_week_report_lists_what_took_place(office: Client, world: World) -> None:
    confirm(world, world.adult)
    confirm(world, world.student, Booking.Status.DECLINED)  # did not take place: not counted

    page = office.get(f"/organiser/report/?week={WEEK}").content.decode()

    assert "THPT Chu Văn An" in page
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    assert body.count("<tr>") == 1


def test_the_week_report_downloads_as_csv_with_a_bom_and_its_figures(office: Client, world: World) -> None:
    confirm(world, world.adult)
    world.school.name = "=HYPERLINK(1)"
    world.school.save()

    response = office.get(f"/organiser/report.csv?week={WEEK}")

    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="caunoi-report-2030-09-30-2030-10-06.csv"' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert list(rows[0]) == list(WEEK_REPORT_HEADER)
    assert rows == [
        {
            "province": "ha-noi",
            "school": "SCH-HN",
            "school_name": "'=HYPERLINK(1)",  # neutralised
            "kind": "internship",
            "sessions_held": "1",
            "students": "1",
            "classes": "0",
            "class_students": "0",
            "companies": "1",
            "experts": "0",
            "entrepreneurs": "0",
            "artisans": "0",
            "province_name": "Hà Nội",  # the names a person reads, after the codes
            "kind_name": "Thực tập",
        }
    ]


def test_the_week_report_downloads_as_xlsx(office: Client, world: World) -> None:
    confirm(world, world.adult)

    response = office.get("/organiser/report.xlsx?start=2030-09-30&end=2030-10-06")

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0] == WEEK_REPORT_HEADER
    assert values[1][:5] == ("ha-noi", "SCH-HN", "THPT Chu Văn An", "internship", 1)
    assert values[1][-2:] == ("Hà Nội", "Thực tập")


def test_the_report_defaults_to_the_current_week(office: Client, world: World) -> None:
    confirm(world, world.adult)  # in 2030, not this week

    text = b"".join(office.get("/organiser/report.csv").streaming_content).decode()  # type: ignore[attr-defined]

    assert text.count("\r\n") == 1  # the header only


def test_the_navigation_leads_to_the_organisers_pages(office: Client, world: World) -> None:
    page = office.get("/organiser/").content.decode()

    for url in ("/organiser/companies/", "/organiser/rounds/", "/organiser/report/"):
        assert f'href="{url}"' in page
    assert world.organiser.role == User.Role.ORGANISER


def test_the_week_picker_shows_the_week_on_display(office: Client, world: World) -> None:
    page = office.get("/organiser/").content.decode()  # opens on the week of the next session: 1 Oct 2030

    assert 'value="2030-W40"' in page


@pytest.mark.parametrize("url", ["/organiser/companies/", "/organiser/rounds/", f"/organiser/?week={WEEK}"])
def test_a_page_costs_the_same_queries_for_few_or_many_rows(
    office: Client, world: World, url: str, django_assert_num_queries: Any
) -> None:
    def grow() -> None:
        school = f.SchoolFactory()
        f.StudentFactory(school=school)
        f.CompanyFactory(approved_at=None)
        f.CompanyFactory()
        RoundJob.objects.create(kind="scheduling", mode="optimal", status=RoundJob.Status.DONE)

    grow()
    office.get(url)  # warm the session and the caches
    with CaptureQueriesContext(connection) as few:
        office.get(url)
    for _ in range(5):
        grow()
    with django_assert_num_queries(len(few.captured_queries)):
        office.get(url)


# --- sending the report -------------------------------------------------------------------------------

SEND = {"first": "2030-09-30", "last": "2030-10-06"}


def test_the_report_is_sent_by_mail_once_per_address_and_again_when_its_figures_change(
    office: Client, world: World, settings: Any
) -> None:
    confirm(world, world.adult)
    page = office.get(f"/organiser/report/?week={WEEK}").content.decode()
    assert 'action="/organiser/report/send/"' in page and 'value="2030-09-30"' in page

    response = office.post(
        "/organiser/report/send/", {**SEND, "recipients": "vu.gdtx@moet.gov.vn; So.GD@hanoi.edu.vn"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/organiser/report/?start=2030-09-30&end=2030-10-06"
    assert "vu.gdtx@moet.gov.vn, so.gd@hanoi.edu.vn" in response.content.decode()
    mails = list(OutboxMessage.objects.filter(category="week_report").order_by("to_email"))
    assert [m.to_email for m in mails] == ["so.gd@hanoi.edu.vn", "vu.gdtx@moet.gov.vn"]
    download = b"".join(office.get(f"/organiser/report.csv?week={WEEK}").streaming_content).decode()  # type: ignore[attr-defined]
    attachment = mails[0].attachments[0]
    assert attachment["filename"] == "caunoi-report-2030-09-30-2030-10-06.csv"
    assert attachment["content"] == download  # the very file the page downloads

    # The same figures again: nothing new for either address, and the organiser is told so.
    page = office.post("/organiser/report/send/", {**SEND, "recipients": "vu.gdtx@moet.gov.vn"}, follow=True)
    assert OutboxMessage.objects.filter(category="week_report").count() == 2
    assert "vu.gdtx@moet.gov.vn" in page.content.decode()
    # A late confirmation changes the figures: that is a new report.
    confirm(world, world.student)
    office.post("/organiser/report/send/", {**SEND, "recipients": "vu.gdtx@moet.gov.vn"})
    assert OutboxMessage.objects.filter(category="week_report").count() == 3

    # The relay sends them through SendGrid's API, the CSV attached, in the site's language.
    fake = FakeSendGrid().start()
    try:
        settings.SENDGRID_API_KEY, settings.SENDGRID_API_HOST = "SG.fake-key-for-tests", fake.url
        report = outbox_relay()
    finally:
        fake.stop()
    assert report.sent == 3 and sorted(fake.delivered().values()) == [1, 1, 1]
    body = next(r.body for r in fake.requests if r.status == 202)
    assert "Báo cáo Cầu Nối từ 30/09/2030 đến 06/10/2030" in json.dumps(body, ensure_ascii=False)
    assert body["attachments"][0]["filename"] == "caunoi-report-2030-09-30-2030-10-06.csv"


@pytest.mark.parametrize(
    ("recipients", "named"),
    [("vu.gdtx@moet.gov.vn, not-an-address", "not-an-address"), ("", ""), (" , ", "")],
)
def test_a_bad_address_is_named_and_nothing_is_sent(office: Client, world: World, recipients: str, named: str) -> None:
    response = office.post("/organiser/report/send/", {**SEND, "recipients": recipients})

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_recipients_error"' in page and named in page
    assert not OutboxMessage.objects.filter(category="week_report").exists()


def test_days_that_are_not_a_report_are_refused(office: Client, world: World) -> None:
    for days in ({"first": "2030-10-06", "last": "2030-09-30"}, {"first": "x", "last": "2030-09-30"}, {}):
        response = office.post("/organiser/report/send/", {**days, "recipients": "a@moet.gov.vn"})
        assert response.status_code == 302 and response["Location"] == "/organiser/report/"
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize("who", ["coordinator", "staff", "student_user"])
def test_only_the_organiser_sends_the_report(client: Client, world: World, who: str) -> None:
    client.force_login(getattr(world, who))

    assert client.post("/organiser/report/send/", {**SEND, "recipients": "a@moet.gov.vn"}).status_code == 404


def test_the_report_page_offers_the_configured_recipients(office: Client, world: World, settings: Any) -> None:
    settings.REPORT_RECIPIENTS = ["vu.gdtx@moet.gov.vn", "so.gd@hanoi.edu.vn"]

    page = office.get(f"/organiser/report/?week={WEEK}").content.decode()

    assert 'value="vu.gdtx@moet.gov.vn, so.gd@hanoi.edu.vn"' in page
