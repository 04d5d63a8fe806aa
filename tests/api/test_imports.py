"""Imports over HTTP: the contract files, the same report as ``import_data`` as JSON, nothing written on any
problem, and each role held to its own school's or company's rows."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from companies.models import Opportunity, Session
from students.models import ClassRequest, GuardianConsent, Student

STUDENTS = "external_id,school,full_name,email,birth_date,level,guardian_consent\n"
SESSIONS = "external_id,opportunity,starts_at,ends_at,capacity\n"
OPPORTUNITIES = "external_id,company,kind,title,description\n"


def upload(client, dry_run: bool = False, **files: str):
    data: dict[str, object] = {
        name: SimpleUploadedFile(f"{name}.csv", text.encode(), content_type="text/csv")
        for name, text in files.items()
    }
    if dry_run:
        data["dry_run"] = "true"
    return client.post(reverse("api:imports"), data, format="multipart")


def test_an_organiser_imports_and_gets_the_counts(api, as_role):
    response = upload(
        as_role("organiser"),
        students=STUDENTS + "ST-N1,SCH-DN,Vũ Hà,ha@mail.example.vn,2012-01-01,lower_secondary,true\n",
    )

    assert response.status_code == 201
    assert response.data["ok"] is True
    assert response.data["counts"] == {"students.csv": {"created": 1, "updated": 0, "unchanged": 0, "erased": 0}}
    assert Student.objects.get(external_id="ST-N1").school == api.w.other_school
    assert GuardianConsent.objects.filter(student__external_id="ST-N1").exists()


def test_a_bad_row_is_reported_like_import_data_and_nothing_is_written(api, as_role):
    response = upload(
        as_role("organiser"),
        students=STUDENTS
        + "ST-N1,SCH-HN,Vũ Hà,ha@mail.example.vn,2012-01-01,lower_secondary,\n"
        + "ST-N2,SCH-HN,Lê Bình,not-an-email,2012-01-01,kindergarten,\n",
    )

    assert response.status_code == 400
    assert response.data["ok"] is False
    assert {(p["file"], p["line"], p["column"]) for p in response.data["problems"]} == {
        ("students.csv", 3, "email"),
        ("students.csv", 3, "level"),
    }
    assert not Student.objects.filter(external_id__in=["ST-N1", "ST-N2"]).exists()


def test_a_dry_run_counts_and_writes_nothing(api, as_role):
    response = upload(
        as_role("coordinator"),
        dry_run=True,
        students=STUDENTS + "ST-N1,SCH-HN,Vũ Hà,ha@mail.example.vn,2012-01-01,lower_secondary,\n",
    )
    assert response.status_code == 200
    assert response.data["dry_run"] is True and response.data["counts"]["students.csv"]["created"] == 1
    assert not Student.objects.filter(external_id="ST-N1").exists()


def test_a_coordinator_cannot_import_rows_of_another_school_nor_take_one_over(api, as_role):
    theirs = Student.objects.create(
        external_id="ST-THEIRS",
        school=api.w.other_school,
        full_name="Nguyễn Khác",
        email="khac@mail.example.vn",
        birth_date="2011-01-01",
        level="upper_secondary",
        province="da-nang",
    )
    response = upload(
        as_role("coordinator"),
        students=STUDENTS
        + "ST-N1,SCH-HN,Vũ Hà,ha@mail.example.vn,2012-01-01,lower_secondary,\n"
        + "ST-N2,SCH-DN,Lê Bình,binh@mail.example.vn,2012-01-01,lower_secondary,\n"
        + "ST-THEIRS,SCH-HN,Nguyễn Khác,khac@mail.example.vn,2011-01-01,upper_secondary,\n",
    )

    assert response.status_code == 400
    assert [(p["line"], p["column"]) for p in response.data["problems"]] == [
        (3, "school"),
        (4, "external_id"),
    ]
    assert not Student.objects.filter(external_id="ST-N1").exists()
    theirs.refresh_from_db()
    assert theirs.school == api.w.other_school


def test_each_role_imports_only_its_own_kind_of_file(api, as_role):
    staff = upload(as_role("staff"), students=STUDENTS)
    coordinator = upload(as_role("coordinator"), sessions=SESSIONS)
    student = upload(as_role("student"), students=STUDENTS)

    assert (
        staff.status_code == 400
        and staff.data["problems"][0]["reason"] == "your role may not import this file"
    )
    assert coordinator.status_code == 400
    assert student.status_code == 403


def test_company_staff_import_sessions_for_their_own_opportunities_only(api, as_role):
    api.w.other_company.approved_at = None
    theirs = Opportunity.objects.create(
        external_id="O-THEIRS",
        company=api.w.other_company,
        kind="visit",
        title="t",
        description="d",
        province="ha-noi",
    )
    response = upload(
        as_role("staff"),
        opportunities=OPPORTUNITIES + "O-NEW,C-FPT,visit,Tham quan,Một buổi sáng\n",
        sessions=SESSIONS
        + "X-N1,O-NEW,2030-11-01T08:00,2030-11-01T10:00,20\n"
        + f"X-N2,{theirs.external_id},2030-11-01T08:00,2030-11-01T10:00,20\n"
        + "X-N3,O-AI,2030-11-02T08:00,2030-11-02T10:00,20\n",
    )
    assert response.status_code == 400
    assert [(p["file"], p["line"], p["column"]) for p in response.data["problems"]] == [
        ("sessions.csv", 3, "opportunity")
    ]

    ok = upload(
        as_role("staff"),
        opportunities=OPPORTUNITIES + "O-NEW,C-FPT,visit,Tham quan,Một buổi sáng\n",
        sessions=SESSIONS + "X-N1,O-NEW,2030-11-01T08:00,2030-11-01T10:00,20\n",
    )
    assert ok.status_code == 201
    assert Session.objects.get(external_id="X-N1").opportunity.company == api.w.company


def test_unknown_files_and_fields_are_refused(api, as_role):
    response = as_role("organiser").post(
        reverse("api:imports"),
        {"pupils": SimpleUploadedFile("pupils.csv", b"a,b\n"), "mode": "fast"},
        format="multipart",
    )
    assert response.status_code == 400
    assert {p["file"] for p in response.data["problems"]} == {"pupils", "mode"}
    assert as_role("organiser").post(reverse("api:imports"), {}, format="multipart").status_code == 400
    assert as_role("organiser").post(reverse("api:imports"), {"x": 1}, format="json").status_code == 415


@override_settings(IMPORT_MAX_BYTES=2048)
def test_an_upload_past_the_limit_is_a_413(api, as_role):
    response = upload(as_role("organiser"), class_requests="x" * 4096)
    assert response.status_code == 413
    assert not ClassRequest.objects.filter(external_id="x").exists()


@pytest.mark.parametrize("rate", ["2/hour"])
def test_imports_are_throttled(api, as_role, settings, rate):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "imports": rate}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    client = as_role("organiser")
    codes = [upload(client, students=STUDENTS).status_code for _ in range(3)]
    assert codes[-1] == 429
