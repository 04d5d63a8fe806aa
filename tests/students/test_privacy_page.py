"""The guardian's privacy page: from a signed link, without login, download the data or erase it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from accounts.models import AuditEntry
from privacy.consent import consent_link_make
from privacy.services import PRIVACY_LINK_DAYS, privacy_link_make
from students.models import Student
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def minor(world: Any) -> Student:
    return f.StudentFactory(
        school=world.school,
        full_name="Phạm Minh Anh",
        guardian_email="me@parents.example.vn",
        interests="lập trình game",
        languages=["en"],
    )


def page(student: Student, **kwargs: Any) -> str:
    url, _ = privacy_link_make(student=student, **kwargs)
    return url.removeprefix("http://127.0.0.1:8000")


def test_the_coordinators_link_opens_the_page_in_the_students_language_with_a_json_download(
    minor: Student, client: Client
) -> None:
    response = client.get(page(minor))

    assert response.status_code == 200
    text = response.content.decode()
    assert "The data of Phạm Minh Anh" in text
    assert "Dữ liệu của" in client.get(page(minor) + "?lang=vi").content.decode()
    download = response.context["data_url"]
    data = client.get(download)
    assert data.status_code == 200 and data["Content-Type"].startswith("application/json")
    assert data.json()["profile"]["interests"] == "lập trình game"
    assert AuditEntry.objects.filter(action="guardian_view", object_id=minor.pk).exists()


def test_erasing_needs_the_box_ticked_then_anonymises_and_the_link_dies(minor: Student, client: Client) -> None:
    url = page(minor)

    refused = client.post(url, {})
    assert refused.status_code == 400 and "tick the box" in refused.content.decode()
    assert Student.objects.get(pk=minor.pk).erased_at is None

    done = client.post(url, {"confirm": "yes"})

    assert done.status_code == 200 and "has been erased" in done.content.decode()
    minor.refresh_from_db()
    assert minor.erased_at is not None and minor.full_name == f"Erased student {minor.pk}"
    assert AuditEntry.objects.filter(action="erase", object_id=minor.pk, actor_name="guardian:me@parents.example.vn")
    assert client.get(url).status_code == 404


def test_the_consent_link_leads_to_the_same_rights(minor: Student, client: Client) -> None:
    token = consent_link_make(student=minor)
    consent_page = client.get(f"/guardian/consent/{token}/").content.decode()

    assert f"/guardian/privacy/{token}/" in consent_page
    assert client.get(f"/guardian/privacy/{token}/").status_code == 200


def test_a_forged_expired_or_reassigned_link_answers_404_and_erases_nothing(minor: Student, client: Client) -> None:
    old = page(minor, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=PRIVACY_LINK_DAYS + 1))
    expired = client.get(old + "?lang=en")
    assert expired.status_code == 404 and "expired" in expired.content.decode()
    assert client.post("/guardian/privacy/forged:token/", {"confirm": "yes"}).status_code == 404
    url = page(minor)
    Student.objects.filter(pk=minor.pk).update(guardian_email="new@parents.example.vn")
    assert client.post(url, {"confirm": "yes"}).status_code == 404
    assert Student.objects.get(pk=minor.pk).erased_at is None
