"""A response is in one language: the request's (the language cookie, then Accept-Language), else the
signed-in user's saved one, else Vietnamese. The admin shows it on every word, ours and Django's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import saved_language
from accounts.models import User
from companies.models import Company
from tests import factories as f

pytestmark = pytest.mark.django_db

VI_WORDS = ["Cơ hội", "Lượt đăng ký", "Hộp thư đi", "Sự đồng ý của phụ huynh", "Doanh nghiệp"]
EN_WORDS = ["Opportunities", "Bookings", "Outbox messages", "Guardian consents", "Companies"]


@pytest.fixture
def organiser(client: Client) -> User:
    user = User.objects.create_superuser("root", "root@example.vn", "pw")
    client.force_login(user)
    return user


def admin_index(client: Client, **headers: Any) -> str:
    response = client.get(reverse("admin:index"), headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def speaks(page: str, language: str) -> bool:
    ours, theirs = (VI_WORDS, EN_WORDS) if language == "vi" else (EN_WORDS, VI_WORDS)
    return all(word in page for word in ours) and not any(word in page for word in theirs)


def test_with_nothing_said_the_admin_speaks_vietnamese(client: Client, organiser: User) -> None:
    page = admin_index(client)

    assert speaks(page, "vi") and 'lang="vi"' in page
    assert "Cầu Nối" in page


def test_the_browsers_language_is_followed(client: Client, organiser: User) -> None:
    assert speaks(admin_index(client, accept_language="en-GB,en;q=0.9"), "en")
    assert speaks(admin_index(client, accept_language="vi,en;q=0.5"), "vi")


def test_the_language_switch_cookie_beats_the_browser(client: Client, organiser: User) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    assert speaks(admin_index(client, accept_language="vi"), "en")


def test_a_users_saved_language_is_used_when_the_request_names_none(client: Client, organiser: User) -> None:
    organiser.language = "en"
    organiser.save()

    assert speaks(admin_index(client), "en")
    # ... but the request's own choice comes first.
    assert speaks(admin_index(client, accept_language="vi"), "vi")


def test_a_students_saved_language_is_the_one_their_mail_uses(rf: RequestFactory) -> None:
    student = f.StudentFactory(languages=["en", "vi"])
    request = rf.get("/")
    request.user = f.UserFactory(role=User.Role.STUDENT, student=student)

    assert saved_language(request) == "en"
    request.user = f.UserFactory(role=User.Role.ORGANISER)
    assert saved_language(request) is None


def test_the_login_page_follows_the_browser(client: Client) -> None:
    url = reverse("admin:login")

    assert "Đăng nhập" in client.get(url).content.decode()
    assert "Log in" in client.get(url, headers={"accept-language": "en"}).content.decode()


def test_organisers_approve_companies_from_the_list_and_an_approval_keeps_its_date(
    client: Client, organiser: User
) -> None:
    earlier = timezone.now() - dt.timedelta(days=30)
    waiting = f.CompanyFactory(approved_at=None)
    approved = f.CompanyFactory(approved_at=earlier)
    untouched = f.CompanyFactory(approved_at=None)

    response = client.post(
        reverse("admin:companies_company_changelist"),
        {"action": "approve_selected", "_selected_action": [waiting.pk, approved.pk]},
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Đã phê duyệt 1 doanh nghiệp." in page
    assert "1 doanh nghiệp đã được phê duyệt từ trước và giữ nguyên ngày phê duyệt." in page
    waiting.refresh_from_db(), approved.refresh_from_db(), untouched.refresh_from_db()
    assert waiting.approved_at is not None and approved.approved_at == earlier and untouched.approved_at is None
    assert set(Company.objects.approved()) == {waiting, approved}


def test_the_approve_action_is_offered_in_the_readers_language(client: Client, organiser: User) -> None:
    f.CompanyFactory(approved_at=None)  # the admin offers actions only on a list with rows
    url = reverse("admin:companies_company_changelist")

    assert "Phê duyệt các doanh nghiệp đã chọn" in client.get(url).content.decode()
    assert "Approve selected companies" in client.get(url, headers={"accept-language": "en"}).content.decode()
