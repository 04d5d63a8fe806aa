"""``make demo``'s last words: the site's address and the demo accounts, each of which signs in on the site
and lands on its own home page."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from rounds.management.commands.demo import DEMO_PASSWORD

HOMES = {
    "organiser": "/organiser/",
    "coordinator": "/school/",
    "company": "/company/",
    "student": "/student/",
}


@pytest.fixture
def demo_output(db: None, settings: object, tmp_path: object) -> str:
    settings.MAIL_DIR = tmp_path  # type: ignore[attr-defined]
    out = io.StringIO()
    call_command("demo", students=30, stdout=out)
    return out.getvalue()


def test_the_demo_prints_the_sites_address_and_every_account(demo_output: str) -> None:
    tail = demo_output[demo_output.index("Mở trang:") :]  # Vietnamese, the default

    assert "http://127.0.0.1:8000/accounts/login/" in tail and DEMO_PASSWORD in tail
    for username in HOMES:
        assert f"  {username} " in tail


@pytest.mark.parametrize(("username", "home"), HOMES.items())
def test_each_demo_account_signs_in_and_lands_on_its_home(
    demo_output: str, client: Client, username: str, home: str
) -> None:
    response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == home
    assert response.status_code == 200
