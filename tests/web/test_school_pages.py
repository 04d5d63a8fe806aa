"""The school coordinator's pages with the test client: permissions, files, students, classes, reports."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AuditEntry, User
from exchange import pending
from exchange.models import PendingUpload
from matchmaking.models import Match, MatchRound
from notifications.models import OutboxMessage
from scheduler import services as booking_services
from scheduler.models import Booking
from students.models import ClassRequest, Student
from tests import factories as f
from web.views import school_files

from .conftest import Site

pytestmark = pytest.mark.django_db
Status = Booking.Status


@dataclass
class School:
    site: Site
    cls: ClassRequest  # 11A1, with a recommendation and a proposal
    unmatched: ClassRequest
    proposal: Booking
    no_consent: Student  # a minor without consent, with a guardian's address
    other_class: ClassRequest
    other_booking: Booking
    other_student: Student


def _proposal(cls: ClassRequest, session: Any) -> Booking:
    return Booking.objects.create(
        class_request=cls,
        session=session,
        status=Status.PROPOSED,
        seats=cls.group_size,
        score=0.8,
        hold_until=timezone.now() + dt.timedelta(days=2),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
    )


@pytest.fixture
def school(site: Site, tmp_path: Path, settings: Any) -> School:
    settings.VAR_DIR = tmp_path
    world = site.world
    for session in (site.session, site.later):
        session.capacity = 80
        session.save(update_fields=["capacity"])
    cls = f.ClassRequestFactory(external_id="CR-11A1", school=world.school, class_name="11A1", group_size=30)
    Match.objects.create(
        class_request=cls,
        opportunity=site.opportunity,
        score=0.8,
        rank=1,
        reasons=["Lớp thích trí tuệ nhân tạo"],
        model_version="default",
    )
    unmatched = f.ClassRequestFactory(external_id="CR-10B", school=world.school, class_name="10B")
    other_class = f.ClassRequestFactory(external_id="CR-DN", school=world.other_school, class_name="12C")
    return School(
        site=site,
        cls=cls,
        unmatched=unmatched,
        proposal=_proposal(cls, site.session),
        no_consent=f.StudentFactory(
            external_id="ST-NOCONSENT", school=world.school, full_name="Phạm Minh Khoa", guardian_email="me@example.vn"
        ),
        other_class=other_class,
        other_booking=_proposal(other_class, site.later),
        other_student=f.StudentFactory(external_id="ST-DN", school=world.other_school),
    )


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def coordinator(school: School) -> Client:
    return _as(school.site.world.coordinator)


def _pages(s: School) -> list[tuple[str, str]]:
    """(method, url) of every page, with this school's rows."""
    return [
        ("get", reverse("web:coordinator-home")),
        ("get", reverse("web:school-upload")),
        ("get", reverse("web:school-template", args=["students", "csv"])),
        ("get", reverse("web:school-students")),
        ("get", reverse("web:school-student", args=[s.no_consent.pk])),
        ("post", reverse("web:school-consent-request", args=[s.no_consent.pk])),
        ("post", reverse("web:school-guardian-link", args=[s.no_consent.pk])),
        ("get", reverse("web:school-classes")),
        ("get", reverse("web:school-class-new")),
        ("get", reverse("web:school-class", args=[s.cls.pk])),
        ("get", reverse("web:school-class-edit", args=[s.cls.pk])),
        ("post", reverse("web:school-class-book", args=[s.cls.pk])),
        ("post", reverse("web:school-proposal-act", args=[s.proposal.pk, "confirm"])),
        ("get", reverse("web:school-bookings")),
        ("get", reverse("web:school-report")),
        ("get", reverse("web:school-report-download", args=["csv"])),
    ]


# --- who may see them --------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(school: School) -> None:
    for method, url in _pages(school):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("who", ["student_user", "staff", "organiser"])
def test_other_roles_get_a_404_everywhere(school: School, who: str) -> None:
    client = _as(getattr(school.site.world, who))
    for method, url in _pages(school):
        assert getattr(client, method)(url).status_code == 404, url


def test_another_schools_coordinator_gets_a_404_for_this_schools_rows(school: School) -> None:
    client = _as(school.site.world.outsider)
    for method, url in _pages(school)[4:7] + _pages(school)[9:13]:
        assert getattr(client, method)(url).status_code == 404, url
    school.proposal.refresh_from_db()
    assert school.proposal.status == Status.PROPOSED


def test_the_coordinator_never_sees_another_schools_rows(coordinator: Client, school: School) -> None:
    for name, pk in [("web:school-student", school.other_student.pk), ("web:school-class", school.other_class.pk)]:
        assert coordinator.get(reverse(name, args=[pk])).status_code == 404
    url = reverse("web:school-proposal-act", args=[school.other_booking.pk, "confirm"])
    assert coordinator.post(url).status_code == 404
    bookings = coordinator.get(reverse("web:school-bookings")).content.decode()
    assert "12C" not in bookings and "11A1" in bookings


def test_every_page_answers_the_coordinator(coordinator: Client, school: School) -> None:
    for method, url in _pages(school):
        if method == "get":
            assert coordinator.get(url).status_code == 200, url


# --- home ----------------------------------------------------------------------------------------------


def test_home_lists_what_needs_doing(coordinator: Client, school: School) -> None:
    page = coordinator.get(reverse("web:coordinator-home")).content.decode()
    assert "Phạm Minh Khoa" in page  # a minor without consent
    assert "Trần Thị Mai" not in page  # has consent
    assert f"#booking-{school.proposal.pk}" in page and "Thực tập AI" in page
    # A class without recommendations links its page (the catalogue on its days is there).
    assert f'href="{reverse("web:school-class", args=[school.unmatched.pk])}"' in page
    assert f'href="{reverse("web:school-class", args=[school.cls.pk])}"' not in page


# --- files -----------------------------------------------------------------------------------------------

HEADER = "external_id,school,full_name,email,birth_date,level\n"


def _students_file(rows: str, name: str = "students.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (HEADER + rows).encode(), content_type="text/csv")


def test_a_file_with_a_bad_row_is_reported_by_row_and_nothing_is_written(coordinator: Client, school: School) -> None:
    body = "ST-NEW1,SCH-HN,Ngô Bảo Châu,chau@example.vn,2010-03-04,upper_secondary\n"
    body += "ST-NEW2,SCH-HN,Lý Thu Hà,not-an-address,2010-05-06,upper_secondary\n"
    response = coordinator.post(reverse("web:school-upload"), {"students": _students_file(body)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>students.csv, dòng 3, cột E-mail (email)</strong>: &#x27;not-an-address&#x27;" in page
    assert "Import these rows" not in page and "Nhập các dòng này" not in page
    assert not Student.objects.filter(external_id__startswith="ST-NEW").exists()
    assert not PendingUpload.objects.exists()  # nothing kept for an import that cannot happen


def test_a_good_file_is_previewed_then_imported_and_its_upload_removed(coordinator: Client, school: School) -> None:
    body = "ST-NEW1,SCH-HN,Ngô Bảo Châu,chau@example.vn,2010-03-04,upper_secondary\n"
    response = coordinator.post(reverse("web:school-upload"), {"students": _students_file(body)})
    assert response.status_code == 200
    assert not Student.objects.filter(external_id="ST-NEW1").exists()  # a preview writes nothing
    token = coordinator.session[school_files.SESSION_KEY]["token"]
    assert PendingUpload.objects.get(token=token).files.get().name == "students.csv"
    assert f'value="{token}"' in response.content.decode()
    response = coordinator.post(reverse("web:school-import"), {"token": token})
    assert response.status_code == 200
    assert Student.objects.get(external_id="ST-NEW1").school == school.site.world.school
    assert not PendingUpload.objects.filter(token=token).exists()
    assert school_files.SESSION_KEY not in coordinator.session
    # The same import cannot be replayed.
    response = coordinator.post(reverse("web:school-import"), {"token": token})
    assert response.status_code == 302 and response["Location"] == reverse("web:school-upload")


def test_the_preview_names_each_field_a_reupload_changes_and_marks_what_an_empty_cell_clears(
    coordinator: Client, school: School
) -> None:
    # A coordinator re-uploaded a student with the guardian's address left empty: the preview said only
    # "1 changed", and the import wiped the address.
    header = "external_id,school,full_name,email,birth_date,level,guardian_email\n"
    row = "ST-NOCONSENT,SCH-HN,Phạm Minh Khoa,{email},2010-03-04,upper_secondary,\n"
    stored = Student.objects.get(external_id="ST-NOCONSENT")
    upload = SimpleUploadedFile("hs.csv", (header + row.format(email=stored.email)).encode(), content_type="text/csv")

    page = coordinator.post(reverse("web:school-upload"), {"students": upload}).content.decode()

    assert "Những gì sẽ thay đổi" in page and "ST-NOCONSENT" in page
    assert '<li class="cleared">' in page and "me@example.vn" in page and "đã xóa" in page
    assert Student.objects.get(external_id="ST-NOCONSENT").guardian_email == "me@example.vn"  # nothing written


def test_a_file_with_a_header_and_no_rows_is_refused_not_imported_as_nothing(
    coordinator: Client, school: School
) -> None:
    response = coordinator.post(reverse("web:school-upload"), {"students": _students_file("")})
    page = response.content.decode()
    assert response.status_code == 200 and "không có dòng nào" in page
    assert "Nhập các dòng này" not in page and not PendingUpload.objects.exists()


def test_an_xlsx_file_is_read_as_a_spreadsheet(coordinator: Client, school: School) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.strip().split(","))
    sheet.append(["ST-X1", "SCH-HN", "Đỗ Hải Yến", "yen@example.vn", dt.date(2009, 1, 2), "upper_secondary"])
    binary = io.BytesIO()
    book.save(binary)
    upload = SimpleUploadedFile("hoc-sinh.xlsx", binary.getvalue())
    response = coordinator.post(reverse("web:school-upload"), {"students": upload})
    assert response.status_code == 200 and "students.csv" in response.content.decode()
    token = coordinator.session[school_files.SESSION_KEY]["token"]
    assert PendingUpload.objects.get(token=token).files.get().name == "students.xlsx"


def test_another_schools_rows_are_problems(coordinator: Client, school: School) -> None:
    body = "ST-NEW1,SCH-DN,Ngô Bảo Châu,chau@example.vn,2010-03-04,upper_secondary\n"
    page = coordinator.post(reverse("web:school-upload"), {"students": _students_file(body)}).content.decode()
    assert "<strong>students.csv, dòng 2, cột Mã trường (school)</strong>" in page


def test_the_upload_form_refuses_no_file_and_a_wrong_kind_of_file(coordinator: Client, school: School) -> None:
    page = coordinator.post(reverse("web:school-upload"), {}).content.decode()
    assert "field-error" in page or "form-errors" in page
    upload = SimpleUploadedFile("students.pdf", b"%PDF")
    page = coordinator.post(reverse("web:school-upload"), {"students": upload}).content.decode()
    assert 'id="id_students_error"' in page


def test_an_import_needs_the_token_of_the_preview_in_the_session(coordinator: Client, school: School) -> None:
    response = coordinator.post(reverse("web:school-import"), {"token": "../../etc"})
    assert response.status_code == 302


def test_old_uploads_are_swept_and_cannot_be_imported(coordinator: Client, school: School) -> None:
    body = "ST-OLD1,SCH-HN,Ngô Bảo Châu,chau@example.vn,2010-03-04,upper_secondary\n"
    coordinator.post(reverse("web:school-upload"), {"students": _students_file(body)})
    token = coordinator.session[school_files.SESSION_KEY]["token"]
    PendingUpload.objects.filter(token=token).update(created_at=timezone.now() - pending.KEEP - dt.timedelta(minutes=1))
    response = coordinator.post(reverse("web:school-import"), {"token": token})
    assert response.status_code == 302 and response["Location"] == reverse("web:school-upload")
    assert not Student.objects.filter(external_id="ST-OLD1").exists()
    assert not PendingUpload.objects.exists()  # forgotten with the session's token
    # Previews never imported are swept; a recent one stays.
    old = pending.pending_store(school_id=school.site.world.school.pk, files=[("students.csv", [b"a"])], names=[])
    new = pending.pending_store(school_id=school.site.world.school.pk, files=[("students.csv", [b"b"])], names=[])
    PendingUpload.objects.filter(token=old).update(created_at=timezone.now() - pending.KEEP - dt.timedelta(minutes=1))
    assert pending.pending_sweep() == 1
    assert list(PendingUpload.objects.values_list("token", flat=True)) == [new]


def test_the_import_finds_the_files_wherever_the_preview_ran(
    coordinator: Client, school: School, tmp_path: Path, settings: Any
) -> None:
    # Two web machines share the database, not a disk: the preview's files must not live in VAR_DIR.
    body = "ST-TWO1,SCH-HN,Ngô Bảo Châu,chau@example.vn,2010-03-04,upper_secondary\n"
    settings.VAR_DIR = tmp_path / "machine-a"
    coordinator.post(reverse("web:school-upload"), {"students": _students_file(body)})
    token = coordinator.session[school_files.SESSION_KEY]["token"]
    settings.VAR_DIR = tmp_path / "machine-b"
    response = coordinator.post(reverse("web:school-import"), {"token": token})
    assert response.status_code == 200
    assert Student.objects.filter(external_id="ST-TWO1").exists()
    assert not (tmp_path / "machine-a").exists()


def test_another_schools_coordinator_cannot_import_an_upload_by_its_token(school: School) -> None:
    other = f.SchoolFactory()
    token = pending.pending_store(school_id=other.pk, files=[("students.csv", [b"x"])], names=["a.csv"])
    assert pending.pending_find(token, school_id=school.site.world.school.pk) is None
    assert pending.pending_find(token, school_id=other.pk) is not None
    assert pending.pending_find("../../etc/passwd", school_id=other.pk) is None


def test_a_file_as_the_schools_software_exports_it_previews_and_the_page_says_which_forms_it_takes(
    coordinator: Client, school: School
) -> None:
    code = school.site.world.school.external_id
    text = "STT;Mã học sinh;Họ và tên;Ngày sinh;Cấp học;Mã trường;Email\n"
    text += f"1;ST-NEW1;Ngô Bảo Châu;05/09/2010;THCS;{code};chau@example.vn\n"
    text += f"2;ST-NEW2;Lý Thu Hà;09/25/2010;THPT;{code};ha@example.vn\n"
    text += f"3;ST-NEW3;Hà Văn Nam;31/02/2010;THPT;{code};nam@example.vn\n"
    upload = SimpleUploadedFile("danh-sach.csv", text.encode("utf-8-sig"), content_type="text/csv")
    answer = coordinator.post(reverse("web:school-upload"), {"students": upload}, HTTP_ACCEPT_LANGUAGE="vi")
    page = answer.content.decode()

    # Row 2 is good; row 3 says, in Vietnamese, which row, column and value, and never reads it as 25 September.
    where = "<strong>danh-sach.csv, dòng 3, cột Ngày sinh (birth_date)</strong>: "
    assert where + "&#x27;09/25/2010&#x27; không phải là ngày: không có tháng 25" in page
    where = "<strong>danh-sach.csv, dòng 4, cột Ngày sinh (birth_date)</strong>: "
    assert where + "&#x27;31/02/2010&#x27; không phải là ngày: tháng 2 năm 2010 không có ngày 31" in page
    assert "danh-sach.csv, dòng 2," not in page and "students.csv, dòng" not in page  # their own file name
    assert "<code>05/09/2010</code>" in page and "Ngày tháng năm sinh" in page  # the help, with the headers
    assert "Tệp học sinh (CSV hoặc Excel .xlsx, đặt tên gì cũng được)" in page  # not "students.csv"


def test_a_file_without_the_school_and_level_columns_is_the_coordinators_school(
    coordinator: Client, school: School
) -> None:
    # A school's software exports neither Cầu Nối's school code nor a level: the upload refused every such
    # file with "thiếu cột bắt buộc" for Mã trường and Cấp học, though the coordinator's school knows both.
    home = school.site.world.school
    text = "DANH SÁCH HỌC SINH;;;;\r\nSTT;Mã học sinh;Họ và tên;Ngày sinh;Email\r\n"
    text += "1;ST-SW1;Trần Quốc Bảo;13/01/2010;bao@example.vn\r\n"
    upload = SimpleUploadedFile("lop11a.csv", text.encode("utf-8-sig"), content_type="text/csv")
    page = coordinator.post(reverse("web:school-upload"), {"students": upload}).content.decode()
    assert "thiếu cột bắt buộc" not in page and 'class="problems"' not in page
    help_page = coordinator.get(reverse("web:school-upload")).content.decode()
    assert "<strong>Trường và cấp học</strong>" in help_page
    assert f'<a href="{reverse("web:school-levels")}">cấp học của trường</a>' in help_page  # a combined school
    token = coordinator.session[school_files.SESSION_KEY]["token"]
    assert coordinator.post(reverse("web:school-import"), {"token": token}).status_code == 200
    student = Student.objects.get(external_id="ST-SW1")
    assert (student.school, student.level, student.full_name) == (home, home.level, "Trần Quốc Bảo")
    # Without a level column, a grade of general education says the level (a school of both levels).
    other = "lower_secondary" if home.level == "upper_secondary" else "upper_secondary"
    grade = "11" if other == "upper_secondary" else "7"
    text = f"Mã học sinh,Họ và tên,Ngày sinh,Email,Khối\nST-SW3,Vũ Minh Anh,02/02/2011,anh@example.vn,{grade}\n"
    upload = SimpleUploadedFile("khoi.csv", text.encode(), content_type="text/csv")
    coordinator.post(reverse("web:school-upload"), {"students": upload})
    token = coordinator.session[school_files.SESSION_KEY]["token"]
    coordinator.post(reverse("web:school-import"), {"token": token})
    assert Student.objects.get(external_id="ST-SW3").level == other
    # A class request's file too; a school column that is there is still checked.
    text = "Mã yêu cầu,Lớp,Sĩ số\nYC-SW1,11A,38\n"
    upload = SimpleUploadedFile("lop.csv", text.encode(), content_type="text/csv")
    page = coordinator.post(reverse("web:school-upload"), {"class_requests": upload}).content.decode()
    assert 'class="problems"' not in page
    text = "Mã yêu cầu,Mã trường,Lớp,Sĩ số\nYC-SW2,SCH-DN,11A,38\n"
    upload = SimpleUploadedFile("lop.csv", text.encode(), content_type="text/csv")
    page = coordinator.post(reverse("web:school-upload"), {"class_requests": upload}).content.decode()
    assert "lop.csv, dòng 2, cột Mã trường (school)" in page
    # A class's grade of the other level is not the school's: a school has one level (School.teaches).
    other = "7" if home.level == "upper_secondary" else "11"
    text = f"Mã yêu cầu,Lớp,Sĩ số,Khối\nYC-SW3,{other}A,38,{other}\n"
    upload = SimpleUploadedFile("lop.csv", text.encode(), content_type="text/csv")
    page = coordinator.post(reverse("web:school-upload"), {"class_requests": upload}, HTTP_ACCEPT_LANGUAGE="vi")
    assert f"không dạy cấp {'THCS' if other == '7' else 'THPT'}" in page.content.decode()
    assert f"của khối {other}" in page.content.decode()


@pytest.mark.parametrize("name", ["students", "class_requests"])
def test_a_template_carries_the_coordinators_school_code_so_its_rows_import(
    coordinator: Client, school: School, name: str
) -> None:
    # The example row said school 'TR-001', a school that does not exist: a coordinator who replaced the
    # rest of the row and kept that column got 'không có trường mã TR-001' on every row.
    code = school.site.world.school.external_id
    assert f"<strong>{code}</strong>" in coordinator.get(reverse("web:school-upload")).content.decode()
    text = coordinator.get(reverse("web:school-template", args=[name, "csv"])).content.decode("utf-8-sig")
    header, row = (line.split(",") for line in text.splitlines()[:2])
    assert row[header.index("school")] == code
    xlsx = coordinator.get(reverse("web:school-template", args=[name, "xlsx"])).content
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None and sheet.cell(2, header.index("school") + 1).value == code
    # The template as downloaded previews without a problem about the school.
    upload = SimpleUploadedFile(f"{name}.csv", text.encode(), content_type="text/csv")
    page = coordinator.post(reverse("web:school-upload"), {name: upload}).content.decode()
    assert "TR-001" not in page and "cột Mã trường (school)" not in page and 'class="problems"' not in page


@pytest.mark.parametrize("name", ["students", "class_requests"])
def test_templates_download_as_csv_with_a_bom_and_as_xlsx(coordinator: Client, school: School, name: str) -> None:
    response = coordinator.get(reverse("web:school-template", args=[name, "csv"]))
    assert response.content.startswith("\ufeffexternal_id,school,".encode())
    assert response.content.decode("utf-8").count("\n") == 2  # the header and one example row
    response = coordinator.get(reverse("web:school-template", args=[name, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None and sheet.max_row == 2
    assert coordinator.get(reverse("web:school-template", args=["companies", "csv"])).status_code == 404


# --- students -------------------------------------------------------------------------------------------


def test_the_student_list_filters_minors_without_consent(coordinator: Client, school: School) -> None:
    page = coordinator.get(reverse("web:school-students"), {"consent": "missing"}).content.decode()
    assert "Phạm Minh Khoa" in page and "Trần Thị Mai" not in page and "Lê Văn Nam" not in page
    page = coordinator.get(reverse("web:school-students"), {"consent": "adult"}).content.decode()
    assert "Lê Văn Nam" in page and "Phạm Minh Khoa" not in page
    assert school.other_student.full_name not in coordinator.get(reverse("web:school-students")).content.decode()


def test_a_consent_request_is_mailed_at_most_once_a_day(coordinator: Client, school: School) -> None:
    url = reverse("web:school-consent-request", args=[school.no_consent.pk])
    first = coordinator.post(url).content.decode()
    assert OutboxMessage.objects.filter(to_email="me@example.vn").count() == 1
    assert "consent-error" not in first
    second = coordinator.post(url, HTTP_HX_REQUEST="true")
    assert second.status_code == 200
    assert f'id="student-{school.no_consent.pk}-error"' in second.content.decode()
    assert OutboxMessage.objects.filter(to_email="me@example.vn").count() == 1


def test_a_consent_request_without_a_guardian_address_is_refused_next_to_the_button(
    coordinator: Client, school: School
) -> None:
    school.no_consent.guardian_email = ""
    school.no_consent.save(update_fields=["guardian_email"])
    response = coordinator.post(reverse("web:school-consent-request", args=[school.no_consent.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    error = f"{school.no_consent.full_name} chưa có email của phụ huynh: hãy thêm vào tệp học sinh (mã ST-NOCONSENT)."
    assert 'id="consent-error"' in page and error in page
    assert not OutboxMessage.objects.exists()


def test_opening_a_minors_record_is_audited_and_an_adults_is_not(coordinator: Client, school: School) -> None:
    coordinator.get(reverse("web:school-student", args=[school.no_consent.pk]))
    coordinator.get(reverse("web:school-student", args=[school.site.world.adult.pk]))
    entries = AuditEntry.objects.filter(action="view")
    assert [(e.object_id, e.actor_name) for e in entries] == [(school.no_consent.pk, "coordinator")]


def test_the_guardian_link_is_shown_and_recorded(coordinator: Client, school: School) -> None:
    page = coordinator.post(reverse("web:school-guardian-link", args=[school.no_consent.pk])).content.decode()
    assert 'id="guardian-link"' in page and "/guardian/" in page
    assert AuditEntry.objects.filter(action="guardian_link", object_id=school.no_consent.pk).count() == 1
    page = coordinator.post(reverse("web:school-guardian-link", args=[school.site.world.adult.pk])).content.decode()
    assert 'id="link-error"' in page
    assert AuditEntry.objects.filter(action="guardian_link").count() == 1


# --- class requests -------------------------------------------------------------------------------------


def _class_form(**extra: Any) -> dict[str, Any]:
    return {
        "class_name": "12A2",
        "level": "upper_secondary",
        "group_size": "35",
        "grade": "12",
        "interests": "Tham quan công ty phần mềm",
        "topics": "lập trình; robot",
        "kinds": ["visit", "career_talk"],
        "max_bookings": "2",
        **extra,
    }


def test_a_class_request_is_created_with_its_free_times(coordinator: Client, school: School) -> None:
    form = _class_form(**{"free-date_from": "2030-10-07", "free-date_to": "2030-10-11", "free-parts": ["morning"]})
    response = coordinator.post(reverse("web:school-class-new"), form)
    row = ClassRequest.objects.get(class_name="12A2")
    assert response.status_code == 302 and response["Location"] == reverse("web:school-class", args=[row.pk])
    assert row.school == school.site.world.school and row.topics == ["lập trình", "robot"]
    assert row.kinds == ["visit", "career_talk"] and row.max_bookings == 2
    assert row.availability.count() == 5  # Monday to Friday mornings


def test_the_same_new_class_form_sent_twice_makes_one_class(coordinator: Client, school: School) -> None:
    # Back after saving, then Save again: the form, still filled in, made a second "12A2".
    page = coordinator.get(reverse("web:school-class-new")).content.decode()
    once = re.search(r'name="once" value="([^"]+)"', page)
    assert once
    free = {"free-date_from": "2030-10-07", "free-date_to": "2030-10-11", "free-parts": ["morning"]}
    form = _class_form(once=once.group(1), **free)
    first = coordinator.post(reverse("web:school-class-new"), form)
    again = coordinator.post(reverse("web:school-class-new"), form)
    row = ClassRequest.objects.get(class_name="12A2")  # one
    assert first["Location"] == again["Location"] == reverse("web:school-class", args=[row.pk])
    # A new form (a new key) makes a new class: two requests of one class are allowed.
    other = re.search(r'name="once" value="([^"]+)"', coordinator.get(reverse("web:school-class-new")).content.decode())
    assert other and other.group(1) != once.group(1)
    coordinator.post(reverse("web:school-class-new"), {**form, "once": other.group(1)})
    assert ClassRequest.objects.filter(class_name="12A2").count() == 2


def test_a_bad_class_request_shows_errors_next_to_the_fields(coordinator: Client, school: School) -> None:
    form = _class_form(group_size="0", **{"free-date_from": "2030-10-07"})
    page = coordinator.post(reverse("web:school-class-new"), form).content.decode()
    assert 'id="id_group_size_error"' in page and 'id="id_free-parts_error"' in page
    assert not ClassRequest.objects.filter(class_name="12A2").exists()


def test_a_class_at_another_level_than_the_school_is_refused_beside_the_level(
    coordinator: Client, school: School
) -> None:
    # A THCS school could post an upper-secondary class, and have it matched to THPT opportunities.
    home = school.site.world.school
    home.level = "lower_secondary"
    home.save(update_fields=["level"])
    assert 'value="lower_secondary" selected' in coordinator.get(reverse("web:school-class-new")).content.decode()
    form = _class_form(grade="")
    page = coordinator.post(reverse("web:school-class-new"), form, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    error = page[page.index('id="id_level_error"') :]
    assert "chỉ dạy cấp trung học cơ sở" in error[: error.index("</")]
    assert not ClassRequest.objects.filter(class_name="12A2").exists()


def test_a_combined_schools_class_form_offers_its_levels_and_takes_a_grade_10_class(
    coordinator: Client, school: School
) -> None:
    # A "THCS và THPT" school had its grade-10 class refused: a school had one level.
    home = school.site.world.school
    home.level, home.other_levels = "lower_secondary", ["upper_secondary"]
    home.save(update_fields=["level", "other_levels"])
    page = coordinator.get(reverse("web:school-class-new"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    select = page[page.index('name="level"') : page.index("</select>", page.index('name="level"'))]
    assert 'value="lower_secondary" selected' in select and 'value="upper_secondary"' in select
    assert 'value="vocational"' not in select and 'value="university"' not in select
    response = coordinator.post(reverse("web:school-class-new"), _class_form(class_name="10A1", grade="10"))
    assert response.status_code == 302
    assert ClassRequest.objects.get(class_name="10A1").level == "upper_secondary"
    # A level it does not teach is refused beside the level, naming the two it teaches.
    form = _class_form(class_name="K1", level="vocational", grade="")
    page = coordinator.post(reverse("web:school-class-new"), form, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    error = page[page.index('id="id_level_error"') :]
    assert "dạy cấp trung học cơ sở và trung học phổ thông" in error[: error.index("</")]


def test_the_coordinator_sets_the_schools_levels_and_cannot_drop_one_a_class_is_at(
    coordinator: Client, school: School
) -> None:
    home = school.site.world.school  # THPT, with a THPT class
    page = coordinator.get(reverse("web:coordinator-home"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Cấp học của trường:" in page and reverse("web:school-levels") in page
    form = coordinator.get(reverse("web:school-levels"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Cấp chính" in form and 'type="checkbox" name="other_levels" value="lower_secondary"' in form
    answer = coordinator.post(
        reverse("web:school-levels"), {"level": "lower_secondary", "other_levels": ["upper_secondary"]}
    )
    assert answer.status_code == 302
    home.refresh_from_db()
    assert home.levels == ["lower_secondary", "upper_secondary"]
    page = coordinator.get(reverse("web:coordinator-home"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Cấp học của trường: Trung học cơ sở, Trung học phổ thông" in page
    # Dropping THPT would leave the school's THPT class at a level it does not teach.
    page = coordinator.post(
        reverse("web:school-levels"), {"level": "lower_secondary"}, HTTP_ACCEPT_LANGUAGE="vi"
    ).content.decode()
    error = page[page.index('id="id_other_levels_error"') :]
    assert "Lớp 10B" in error[: error.index("</")]  # the first of the school's THPT classes
    home.refresh_from_db()
    assert home.levels == ["lower_secondary", "upper_secondary"]


def test_djangos_number_errors_read_as_vietnamese_beside_the_fields(coordinator: Client, school: School) -> None:
    # Django's own Vietnamese says "Nhập một số tổng thể." and "… bằng với 1 ." (web/django_messages.py).
    form = _class_form(group_size="0", grade="1.5", max_bookings="500")
    page = coordinator.post(reverse("web:school-class-new"), form, HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    assert "Giá trị phải lớn hơn hoặc bằng 1." in page and "Giá trị phải nhỏ hơn hoặc bằng 50." in page
    assert "Hãy nhập một số nguyên." in page
    assert "tổng thể" not in page and "bằng với" not in page


def test_editing_a_class_keeps_adds_and_removes_free_times(coordinator: Client, school: School) -> None:
    kept = f.AvailabilityFactory(class_request=school.cls, student=None)
    gone = f.AvailabilityFactory(
        class_request=school.cls,
        student=None,
        starts_at=f.OCT1 + dt.timedelta(days=20),
        ends_at=f.OCT1 + dt.timedelta(days=21),
    )
    url = reverse("web:school-class-edit", args=[school.cls.pk])
    assert "11A1" in coordinator.get(url).content.decode()
    form = _class_form(
        class_name="11A1",
        remove=[str(gone.pk)],
        **{"free-date_from": "2030-11-04", "free-date_to": "2030-11-04", "free-parts": ["afternoon"]},
    )
    assert coordinator.post(url, form).status_code == 302
    starts = sorted(school.cls.availability.values_list("starts_at", flat=True))
    assert kept.starts_at in starts and gone.starts_at not in starts and len(starts) == 2


def test_the_class_page_shows_recommendations_with_reasons_and_the_proposal(
    coordinator: Client, school: School
) -> None:
    page = coordinator.get(reverse("web:school-class", args=[school.cls.pk])).content.decode()
    assert "Lớp thích trí tuệ nhân tạo" in page
    assert reverse("web:school-proposal-act", args=[school.proposal.pk, "confirm"]) in page


def test_a_class_recommendation_whose_reasons_name_no_topic_says_what_it_shares_with_the_wishes(
    coordinator: Client, school: School
) -> None:
    school.cls.interests = "Tham quan nhà máy tự động hóa, robot hàn"
    school.cls.save(update_fields=["interests"])
    opportunity = school.site.opportunity
    opportunity.description = "Học sinh xem dây chuyền tự động hóa và robot hàn trong nhà máy."
    opportunity.save(update_fields=["description"])
    match = Match.objects.get(class_request=school.cls)
    match.reasons = [{"factor": "kind", "kind": "visit"}]
    match.save(update_fields=["reasons"])

    page = coordinator.get(reverse("web:school-class", args=[school.cls.pk])).content.decode()

    assert "Có chung với mong muốn của lớp: " in page
    line = page[page.index("Có chung với mong muốn của lớp: ") :].split("<", 1)[0]
    assert "tự động hóa" in line and "robot" in line


def test_a_rows_code_comes_after_its_name_small_and_labelled(coordinator: Client, school: School) -> None:
    """A coordinator looks for '11A1' or 'Phạm Minh Khoa'; 'CR-11A1' is only for finding the row in a file."""
    code = '<small class="code">mã {}</small>'
    pages = {
        "class": coordinator.get(reverse("web:school-class", args=[school.cls.pk])).content.decode(),
        "classes": coordinator.get(reverse("web:school-classes")).content.decode(),
        "students": coordinator.get(reverse("web:school-students")).content.decode(),
        "home": coordinator.get(reverse("web:coordinator-home")).content.decode(),
    }
    assert code.format("CR-11A1") in pages["class"] and code.format("CR-11A1") in pages["classes"]
    assert '<p class="meta">CR-11A1' not in pages["class"]
    assert code.format("ST-NOCONSENT") in pages["students"] and code.format("ST-NOCONSENT") in pages["home"]
    assert code.format("CR-10B") in pages["home"]
    for name, page in pages.items():
        assert ">CR-11A1 ·" not in page and ">ST-NOCONSENT" not in page, name


def test_the_coordinator_confirms_and_declines_proposals(coordinator: Client, school: School) -> None:
    url = reverse("web:school-proposal-act", args=[school.proposal.pk, "confirm"])
    assert coordinator.post(url).status_code == 302
    school.proposal.refresh_from_db()
    assert school.proposal.status == Status.CONFIRMED
    second = _proposal(school.unmatched, school.site.later)
    assert coordinator.post(reverse("web:school-proposal-act", args=[second.pk, "decline"])).status_code == 302
    second.refresh_from_db()
    assert second.status == Status.DECLINED
    assert coordinator.post(reverse("web:school-proposal-act", args=[second.pk, "maybe"])).status_code == 404


def test_a_lapsed_proposal_is_refused_next_to_its_button(coordinator: Client, school: School) -> None:
    Booking.objects.filter(pk=school.proposal.pk).update(hold_until=timezone.now() - dt.timedelta(minutes=1))
    response = coordinator.post(reverse("web:school-proposal-act", args=[school.proposal.pk, "confirm"]))
    assert response.status_code == 200
    page = response.content.decode()
    article = page[page.index(f'id="booking-{school.proposal.pk}"') :]
    assert 'class="field-error"' in article[: article.index("</article>")]


def test_the_coordinator_books_a_class_into_a_session_and_sees_a_refusal(coordinator: Client, school: School) -> None:
    f.AvailabilityFactory(class_request=school.unmatched)  # free the whole week of the sessions
    url = reverse("web:school-class-book", args=[school.unmatched.pk])
    assert coordinator.post(url, {"session": school.site.session.pk}).status_code == 302
    booking = Booking.objects.get(class_request=school.unmatched, session=school.site.session)
    assert booking.status == Status.CONFIRMED and booking.seats == school.unmatched.group_size
    # The class page lists sessions of its recommendations: the 11A1 class already holds a proposal there.
    response = coordinator.post(
        reverse("web:school-class-book", args=[school.cls.pk]), {"session": school.site.session.pk}
    )
    assert response.status_code == 200
    page = response.content.decode()
    item = page[page.index(f'id="session-{school.site.session.pk}"') :]
    assert 'class="field-error"' in item[: item.index("</li>")]
    assert coordinator.post(url, {"session": "nope"}).status_code == 404
    assert coordinator.post(url, {"session": school.site.hidden.sessions.get().pk}).status_code == 404


def test_the_opportunitys_page_says_which_classes_are_free_at_each_session(coordinator: Client, school: School) -> None:
    # A class is booked only inside its free times: the coordinator sees which one a button can take.
    opportunity, session = school.site.opportunity, school.site.later
    url = reverse("web:opportunity", args=[opportunity.external_id])
    book = reverse("web:school-session-book", args=[session.pk])

    def under_the_button() -> str:
        page = coordinator.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        after = page[page.index(f'formaction="{book}"') :]
        return after[: after.index("</p>")]

    assert "None of your classes is free at this time" in under_the_button()
    f.AvailabilityFactory(class_request=school.unmatched)  # free the whole week of the sessions
    assert f"Free at this time: {school.unmatched.class_name}" in under_the_button()


def test_the_coordinator_books_a_class_from_the_opportunitys_page(coordinator: Client, school: School) -> None:
    opportunity, session = school.site.opportunity, school.site.later
    f.AvailabilityFactory(class_request=school.unmatched)  # free the whole week of the sessions
    page = coordinator.get(reverse("web:opportunity", args=[opportunity.external_id])).content.decode()
    form = page[page.index('id="book-class"') : page.index("</form>", page.index('id="book-class"'))]
    book = reverse("web:school-session-book", args=[session.pk])
    assert f'formaction="{book}"' in form
    assert f'value="{school.unmatched.pk}"' in form and f'value="{school.other_class.pk}"' not in form

    response = coordinator.post(book, {"class_request": school.unmatched.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:school-class", args=[school.unmatched.pk])
    booking = Booking.objects.get(class_request=school.unmatched, session=session)
    assert booking.status == Status.CONFIRMED and booking.seats == school.unmatched.group_size

    # Booked: the page names the class with its session and offers it no other session's button.
    page = coordinator.get(reverse("web:opportunity", args=[opportunity.external_id]), HTTP_ACCEPT_LANGUAGE="vi")
    page = page.content.decode()
    assert f"Lớp {school.unmatched.class_name} đã đăng ký buổi" in page
    assert f'<option value="{school.unmatched.pk}"' not in page
    assert "trước hết hãy thêm yêu cầu của lớp" not in page  # not told to add a class it has

    # Refused (already booked): said on the opportunity's page, which the coordinator returns to.
    again = coordinator.post(book, {"class_request": school.unmatched.pk}, follow=True, HTTP_ACCEPT_LANGUAGE="vi")
    page_of = reverse("web:opportunity", args=[opportunity.external_id])
    assert again.redirect_chain[-1][0] == f"{page_of}?class_request={school.unmatched.pk}"
    assert 'class="message error"' in again.content.decode()
    # Said of the class, not of the coordinator ("Bạn đã đăng ký…" read as if they had booked themselves).
    name = school.unmatched.class_name
    assert f"Lớp {name} đã đăng ký buổi này rồi." in again.content.decode()
    other = reverse("web:school-session-book", args=[school.site.session.pk])
    page = coordinator.post(other, {"class_request": school.unmatched.pk}, follow=True, HTTP_ACCEPT_LANGUAGE="vi")
    assert f"Lớp {name} đã đăng ký một buổi khác của cơ hội này" in page.content.decode()
    assert "Bạn đã đăng ký" not in page.content.decode()
    # Another school's class, or none, is a 404; so is an unpublished session.
    assert coordinator.post(book, {"class_request": school.other_class.pk}).status_code == 404
    assert coordinator.post(book, {"class_request": "x"}).status_code == 404
    hidden = reverse("web:school-session-book", args=[school.site.hidden.sessions.get().pk])
    assert coordinator.post(hidden, {"class_request": school.unmatched.pk}).status_code == 404


def test_a_class_is_not_booked_outside_its_free_times_and_the_page_says_both_times(
    coordinator: Client, school: School
) -> None:
    # Booked into a session the class had not said it was free for: the refusal names both times.
    row = f.ClassRequestFactory(external_id="CR-9C", school=school.site.world.school, class_name="9C")
    free = f.OCT1 + dt.timedelta(days=5)
    f.AvailabilityFactory(class_request=row, starts_at=free, ends_at=free + dt.timedelta(hours=4))
    book = reverse("web:school-session-book", args=[school.site.later.pk])
    page = coordinator.post(book, {"class_request": row.pk}, follow=True, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'class="message error"' in page
    assert "Lớp 9C chỉ rảnh 06/10/2030 08:00–12:00" in page
    assert "03/10/2030 08:00–11:00" in page
    assert f'<option value="{row.pk}" selected>' in page  # the class chosen stays chosen
    assert not Booking.objects.filter(class_request=row).exists()


def test_the_class_page_offers_no_booking_button_for_a_session_outside_the_classs_free_times(
    coordinator: Client, school: School
) -> None:
    row, later = school.cls, school.site.later
    f.AvailabilityFactory(class_request=row, starts_at=f.OCT1, ends_at=f.OCT1 + dt.timedelta(hours=4))
    page = coordinator.get(reverse("web:school-class", args=[row.pk]), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    item = page[page.index(f'id="session-{later.pk}"') :]
    item = item[: item.index("</li>")]
    assert "Ngoài thời gian rảnh của lớp" in item and "Đăng ký cho lớp" not in item
    assert f'href="{reverse("web:school-class-edit", args=[row.pk])}"' in item


def test_a_company_declining_a_class_says_on_the_to_do_list_and_the_class_page_where_to_look_next(
    coordinator: Client, school: School
) -> None:
    # The decline showed only as "Doanh nghiệp đã từ chối" at the foot of the class's page: nothing on the
    # to-do list, no way on from it to another session.
    row, session = school.unmatched, school.site.later
    f.AvailabilityFactory(class_request=row)  # free the whole week of the sessions
    coordinator.post(reverse("web:school-session-book", args=[session.pk]), {"class_request": row.pk})
    booking = Booking.objects.get(class_request=row, session=session)
    booking_services.booking_company_decline(booking_id=booking.pk)

    home = coordinator.get(reverse("web:coordinator-home"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    section = home[home.index('id="declined-title"') :]
    assert "Doanh nghiệp đã từ chối: tìm buổi khác (1)" in section
    link = reverse("web:school-class", args=[row.pk])
    assert f'href="{link}">{row.class_name}: {session.opportunity.title}' in section
    page = coordinator.get(reverse("web:school-class", args=[row.pk]), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Tìm buổi khác cho lớp" in page
    assert f'href="{reverse("web:opportunity", args=[session.opportunity.external_id])}"' in page

    # Once the class holds another session, it is no longer a thing to do.
    coordinator.post(reverse("web:school-session-book", args=[school.site.session.pk]), {"class_request": row.pk})
    assert 'id="declined-title"' not in coordinator.get(reverse("web:coordinator-home")).content.decode()
    assert "Tìm buổi khác cho lớp" not in coordinator.get(reverse("web:school-class", args=[row.pk])).content.decode()


def test_a_class_without_recommendations_after_a_round_is_told_nothing_was_close_enough(
    coordinator: Client, school: School
) -> None:
    # After a round had found nothing, the page still said the recommendations would come with the next one.
    MatchRound.objects.all().delete()
    url = reverse("web:school-class", args=[school.unmatched.pk])
    page = coordinator.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "gợi ý sẽ có sau đợt ghép nối tới" in page and "không tìm thấy" not in page

    MatchRound.objects.create(status=MatchRound.Status.DONE, model_version="v", now=timezone.now())
    page = coordinator.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Đợt ghép nối gần nhất chưa tìm được cơ hội nào phù hợp với lớp." in page
    assert "gợi ý sẽ có sau đợt ghép nối tới" not in page
    # The to-do list sends such a class to its page (which links the catalogue), not to its edit form,
    # and no longer promises that the next round looks for it.
    home = coordinator.get(reverse("web:coordinator-home"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    section = home[home.index('id="unmatched-title"') :]
    assert f'<a href="{url}">{school.unmatched.class_name}</a>' in section
    assert "Đợt ghép nối tới sẽ tìm cho các lớp này" not in section


def test_the_opportunity_page_offers_only_classes_of_a_level_it_is_for(coordinator: Client, school: School) -> None:
    opportunity = school.site.opportunity
    url = reverse("web:opportunity", args=[opportunity.external_id])
    opportunity.levels = [school.unmatched.level]
    opportunity.save(update_fields=["levels"])
    assert f'value="{school.unmatched.pk}"' in coordinator.get(url).content.decode()

    opportunity.levels = ["university" if school.unmatched.level != "university" else "vocational"]
    opportunity.save(update_fields=["levels"])
    page = coordinator.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'id="book-class"' not in page
    assert "Không lớp nào của trường có cấp học mà cơ hội này dành cho." in page


def test_a_class_without_recommendations_links_the_catalogue_on_its_days(coordinator: Client, school: School) -> None:
    row = school.unmatched
    row.kinds = ["visit"]
    row.save(update_fields=["kinds"])
    row.availability.create(starts_at=f.OCT1, ends_at=f.OCT1 + dt.timedelta(hours=4))
    row.availability.create(starts_at=f.OCT1 + dt.timedelta(days=6), ends_at=f.OCT1 + dt.timedelta(days=6, hours=4))

    page = coordinator.get(reverse("web:school-class", args=[row.pk])).content.decode()

    assert f'href="/?level={row.level}&amp;kind=visit&amp;date_from=2030-10-01&amp;date_to=2030-10-07"' in page


def test_a_class_with_nothing_after_a_round_is_told_why_each_close_opportunity_was_not_offered(
    coordinator: Client, school: School
) -> None:
    row = school.unmatched
    row.interests, row.kinds, row.group_size = "Cho lớp tìm hiểu về làm gốm", ["visit"], 30
    row.save(update_fields=["interests", "kinds", "group_size"])
    row.availability.create(starts_at=f.OCT1, ends_at=f.OCT1 + dt.timedelta(hours=4))
    company = school.site.world.company

    def posted(title: str, *, kind: str = "visit", seats: int = 40, **fields: Any) -> None:
        opportunity = f.OpportunityFactory(
            company=company, kind=kind, title=title, description="Học sinh xem nghệ nhân làm gốm.", **fields
        )
        f.SessionFactory(opportunity=opportunity, capacity=seats)

    posted("Xưởng gốm ở Cà Mau", province="ca-mau")
    posted("Xưởng gốm cho sinh viên", levels=["university"])
    posted("Xưởng gốm nhỏ", seats=10)
    posted("Nghề làm gốm", kind="career_talk")
    posted("Xưởng gốm Bát Tràng")
    f.SessionFactory(opportunity=f.OpportunityFactory(company=company, kind="visit", title="Nhà máy cơ khí"))
    url = reverse("web:school-class", args=[row.pk])

    before = coordinator.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "gợi ý sẽ có sau đợt ghép nối tới" in before  # no round since the request: its turn is to come

    MatchRound.objects.create(status=MatchRound.Status.DONE, model_version="t", now=timezone.now())
    page = coordinator.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    assert "Đợt ghép nối gần nhất chưa tìm được cơ hội nào phù hợp với lớp." in page
    misses = page[page.index('class="near-misses"') :]
    misses = misses[: misses.index("</ul>")]
    why = {
        "Xưởng gốm ở Cà Mau": "Diễn ra ở Cà Mau, ngoài tỉnh/thành của trường và các tỉnh/thành lân cận.",
        "Xưởng gốm cho sinh viên": "Chỉ dành cho đại học.",
        "Xưởng gốm nhỏ": "Không buổi nào trong thời gian lớp rảnh còn đủ 30 chỗ.",
        "Nghề làm gốm": "Đây là nói chuyện hướng nghiệp; lớp cần tham quan doanh nghiệp.",
        "Xưởng gốm Bát Tràng": "Phù hợp với lớp: đặt một buổi trên trang của cơ hội này.",
    }
    items = misses.split("<li>")[1:]
    assert len(items) == len(why)  # the factory is not about pottery: it is not listed
    for title, reason in why.items():
        (item,) = [i for i in items if f">{title}</a>" in i]
        assert reason in item and "Có chung với mong muốn của lớp: làm gốm" in item

    row.availability.all().delete()  # the coordinator's next step: the times the class is free
    later = coordinator.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Không buổi nào nằm trong thời gian lớp rảnh." in later


# --- bookings and report --------------------------------------------------------------------------------


def test_the_bookings_page_says_what_the_company_answered(coordinator: Client, school: School) -> None:
    Booking.objects.filter(pk=school.proposal.pk).update(company_accepted_at=timezone.now())
    with translation.override("en"):
        page = coordinator.get(reverse("web:school-bookings"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The company accepted" in page

    Booking.objects.filter(pk=school.proposal.pk).update(
        status=Status.DECLINED, company_declined_at=timezone.now(), starts_at=timezone.now() - dt.timedelta(days=1)
    )
    page = coordinator.get(reverse("web:school-bookings"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Doanh nghiệp đã từ chối" in page


def test_the_bookings_page_and_the_class_page_give_each_booking_its_calendar_file(
    coordinator: Client, school: School
) -> None:
    Booking.objects.filter(pk=school.proposal.pk).update(status=Status.CONFIRMED, hold_until=None)
    ics = reverse("scheduler:booking-ics", args=[school.proposal.pk])

    page = coordinator.get(reverse("web:school-bookings")).content.decode()
    assert ics in page and reverse("scheduler:calendar") in page
    assert ics in coordinator.get(reverse("web:school-class", args=[school.cls.pk])).content.decode()
    response = coordinator.get(ics)
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content


def test_a_declined_booking_is_no_longer_listed_as_upcoming_nor_offered_as_a_calendar_file(
    coordinator: Client, school: School
) -> None:
    Booking.objects.filter(pk=school.proposal.pk).update(status=Status.DECLINED, hold_until=None)
    ics = reverse("scheduler:booking-ics", args=[school.proposal.pk])

    page = coordinator.get(reverse("web:school-bookings"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    upcoming, _sep, rest = page.partition("Đã từ chối hoặc đã hủy")
    row = f'id="booking-{school.proposal.pk}"'
    assert rest and row in rest and row not in upcoming
    assert ics not in page


def test_the_report_shows_this_schools_figures(coordinator: Client, school: School) -> None:
    Booking.objects.filter(pk=school.proposal.pk).update(status=Status.CONFIRMED, hold_until=None)
    response = coordinator.get(reverse("web:school-report"))
    assert response.status_code == 200
    row = response.context["row"]
    assert row["school"] == school.site.world.school.pk
    assert (row["students"], row["classes"], row["classes_booked"], row["seats_booked"]) == (3, 2, 1, 30)


def test_the_report_downloads_as_csv_and_xlsx_with_formulas_neutralised(coordinator: Client, school: School) -> None:
    ClassRequest.objects.filter(pk=school.cls.pk).update(class_name="=HYPERLINK(1)")
    response = coordinator.get(reverse("web:school-report-download", args=["csv"]))
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffparticipant_type,participant,")
    assert "'=HYPERLINK(1)" in text and "CR-DN" not in text
    response = coordinator.get(reverse("web:school-report-download", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cell = sheet.cell(row=2, column=3)
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s" and cell.quotePrefix
    assert response["Content-Disposition"].startswith('attachment; filename="caunoi-SCH-HN-')
    assert coordinator.get(reverse("web:school-report-download", args=["pdf"])).status_code == 404


def test_a_too_big_file_is_refused_next_to_its_field(coordinator: Client, school: School, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 1024
    upload = _students_file("x" * 2000)
    page = coordinator.post(reverse("web:school-upload"), {"students": upload}).content.decode()
    assert 'id="id_students_error"' in page
    assert not PendingUpload.objects.exists()


def test_the_student_list_costs_the_same_queries_for_5_or_40_students(
    coordinator: Client, school: School, django_assert_max_num_queries: Any
) -> None:
    url = reverse("web:school-students")
    f.StudentFactory.create_batch(2, school=school.site.world.school)
    with django_assert_max_num_queries(12) as few:
        coordinator.get(url)
    f.StudentFactory.create_batch(35, school=school.site.world.school)
    with django_assert_max_num_queries(len(few.captured_queries)):
        coordinator.get(url)


def test_the_class_page_lists_when_the_class_is_free(coordinator: Client, school: School) -> None:
    # Saved "1–7 Oct, mornings": the coordinator must be able to see what was saved, not only a warning when
    # nothing was.
    form = _class_form(**{"free-date_from": "2030-10-07", "free-date_to": "2030-10-08", "free-parts": ["morning"]})
    coordinator.post(reverse("web:school-class-new"), form)
    row = ClassRequest.objects.get(class_name="12A2")
    page = coordinator.get(reverse("web:school-class", args=[row.pk])).content.decode()
    free = page[page.index('id="free-times"') :]
    assert "07/10/2030 07:30–11:30" in free and "08/10/2030 07:30–11:30" in free


@pytest.mark.parametrize(("level", "grade"), [("lower_secondary", "11"), ("upper_secondary", "8")])
def test_a_grade_outside_the_school_level_is_refused_next_to_the_grade(
    coordinator: Client, school: School, level: str, grade: str
) -> None:
    home = school.site.world.school
    home.level = level  # a class is at its school's level
    home.save(update_fields=["level"])
    page = coordinator.post(reverse("web:school-class-new"), _class_form(level=level, grade=grade)).content.decode()
    assert 'id="id_grade_error"' in page
    assert not ClassRequest.objects.filter(class_name="12A2").exists()
    # Every level takes a grade it teaches, and vocational schools or universities take any grade.
    ok = {"lower_secondary": "8", "upper_secondary": "11"}[level]
    assert coordinator.post(reverse("web:school-class-new"), _class_form(level=level, grade=ok)).status_code == 302
    home.level = "vocational"
    home.save(update_fields=["level"])
    assert coordinator.post(
        reverse("web:school-class-new"), _class_form(class_name="CĐ1", level="vocational", grade="13")
    ).status_code == 302
