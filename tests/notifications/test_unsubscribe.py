"""One-click unsubscribe (RFC 8058) and the preferences page: no login, a signed token, idempotent."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from notifications.models import OutboxMessage, Suppression
from notifications.rendering import envelope_render, preferences_url, unsubscribe_url
from notifications.services import outbox_relay
from students.models import Student
from tests import factories as f

from .conftest import enqueue

pytestmark = pytest.mark.django_db


def path(url: str) -> str:
    return url.removeprefix("http://127.0.0.1:8000")


def test_the_digest_header_points_at_a_working_one_click_unsubscribe(world: Any) -> None:
    digest = enqueue("digest:a:w", to=world.adult.email, student=world.adult)
    header = envelope_render(digest).headers["List-Unsubscribe"]
    # What a mail client does with RFC 8058: POST the body below, no cookies, no CSRF token.
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        path(header.strip("<>")),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert Suppression.objects.filter(
        email=world.adult.email.lower(), reason="unsubscribe", source="one_click"
    ).exists()
    world.adult.refresh_from_db()
    assert world.adult.email_opt_in is False
    outbox_relay()
    digest.refresh_from_db()
    assert digest.status == OutboxMessage.Status.SUPPRESSED


def test_unsubscribing_twice_is_the_same_as_once(world: Any, client: Client) -> None:
    url = path(unsubscribe_url(world.adult.email, "en"))

    first, second = client.post(url), client.post(url)

    assert first.status_code == second.status_code == 200
    assert b"You are unsubscribed" in second.content
    assert Suppression.objects.filter(email=world.adult.email.lower()).count() == 1


def test_opening_the_link_asks_before_unsubscribing(world: Any, client: Client) -> None:
    response = client.get(path(unsubscribe_url(world.adult.email, "vi")))

    assert response.status_code == 200
    assert "Hủy đăng ký nhận email?" in response.content.decode()
    assert not Suppression.objects.exists()
    world.adult.refresh_from_db()
    assert world.adult.email_opt_in is True


def test_a_forged_or_altered_token_changes_nothing(world: Any, client: Client) -> None:
    token = path(unsubscribe_url(world.adult.email, "vi")).split("/")[3]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    assert client.post(f"/mail/unsubscribe/{forged}/").status_code == 404
    assert client.post("/mail/unsubscribe/not-a-token/").status_code == 404
    assert not Suppression.objects.exists()


def test_the_preferences_page_turns_digests_off_and_on_and_sets_the_language(
    world: Any, client: Client
) -> None:
    sibling = f.StudentFactory(school=world.school, email=world.adult.email, languages=["vi", "en"])
    url = path(preferences_url(world.adult.email, "vi"))
    assert "Nhận bản tin gợi ý hằng tuần" in client.get(url).content.decode()

    off = client.post(url, {"language": "en"})

    assert off.status_code == 200 and "Saved." in off.content.decode()
    assert Suppression.objects.filter(email=world.adult.email.lower(), reason="unsubscribe").exists()
    assert set(
        Student.objects.filter(pk__in=[world.adult.pk, sibling.pk]).values_list("email_opt_in", flat=True)
    ) == {False}
    sibling.refresh_from_db()
    assert sibling.language == "en" and sibling.languages == ["vi", "en"]  # the mail's, not the events'

    client.post(url, {"digests": "on", "language": "vi"})

    assert not Suppression.objects.filter(email=world.adult.email.lower()).exists()
    world.adult.refresh_from_db()
    assert world.adult.email_opt_in is True and world.adult.language == "vi"


def test_a_bounce_is_not_undone_from_the_preferences_page(world: Any, client: Client) -> None:
    Suppression.objects.create(email=world.adult.email.lower(), reason="bounce", source="webhook")

    client.post(path(preferences_url(world.adult.email, "en")), {"digests": "on", "language": "en"})

    assert Suppression.objects.filter(email=world.adult.email.lower(), reason="bounce").exists()
