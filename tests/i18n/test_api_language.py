"""An API answer speaks the request's language, DRF's own messages and ours alike: never a mix."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "ours", "drf", "other"),
    [
        ("vi", "Bộ lọc này cần một giá trị.", "Vui lòng điền mục này.", "needs a value"),
        ("en", "This filter needs a value.", "This field is required.", "cần một giá trị"),
    ],
)
def test_refusals_come_in_the_requests_language(world, language, ours, drf, other):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(world.organiser)

    empty_filter = client.get(reverse("api:opportunity-list") + "?topic=")
    missing_field = client.post(reverse("api:auth-token"), {}, format="json")

    assert empty_filter.status_code == 400 and empty_filter.json() == {"topic": [ours]}
    assert missing_field.status_code == 400 and drf in str(missing_field.json())
    assert other not in empty_filter.content.decode() + missing_field.content.decode()


def test_a_wrong_password_is_refused_in_vietnamese_by_default(world):
    response = APIClient().post(reverse("api:auth-token"), {"username": "x", "password": "y"}, format="json")
    assert response.status_code == 401 and response.json() == {"detail": "Sai tên đăng nhập hoặc mật khẩu."}


@pytest.mark.parametrize(
    ("message", "wording"),
    [
        ("This field is required.", "Vui lòng điền mục này."),
        ("This field cannot be blank.", "Mục này không được để trống."),
        ("This field may not be blank.", "Mục này không được để trống."),
        ("The two password fields didn’t match.", "Hai ô mật khẩu không khớp nhau."),
    ],
)
def test_the_libraries_required_field_messages_never_say_truong_which_also_means_school(message, wording):
    # Django's catalogue said "Trường này là bắt buộc.": a coordinator read "this school is required".
    from django.utils import translation

    with translation.override("vi"):
        assert translation.gettext(message) == wording
