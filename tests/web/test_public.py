from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User
from scheduler import services
from scheduler.models import Booking

from .. import factories as f
from .conftest import Site


def test_the_home_page_lists_published_opportunities_only(client: Client, site: Site) -> None:
    page = client.get("/").content.decode()

    assert "Thực tập AI" in page
    assert "Tham quan khách sạn" not in page  # its company is not approved


def test_the_home_page_shows_seats_left_per_session(client: Client, site: Site) -> None:
    Booking.objects.create(
        student=site.world.adult,
        session=site.session,
        status=Booking.Status.CONFIRMED,
        seats=1,
        starts_at=site.session.starts_at,
        ends_at=site.session.ends_at,
    )
    page = client.get("/").content.decode()

    assert "còn 9 chỗ" in page  # capacity 10, one taken
    assert "còn 10 chỗ" in page  # the later session


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("q=Thực+tập+AI", True),
        ("q=Sông+Hồng", True),  # the company's name
        ("q=khách+sạn", False),
        ("kind=internship", True),
        ("kind=visit", False),
        ("province=ha-noi", True),
        ("province=da-nang", False),
        ("topic=artificial-intelligence", True),
        ("topic=software-engineering", False),
        ("level=upper_secondary", True),  # no levels on file: open to every level
        ("date_from=2030-10-01&date_to=2030-10-01", True),
        ("date_from=2030-10-02&date_to=2030-10-02", False),  # one session before, one after: none inside
        ("date_from=2031-01-01", False),
        ("online=1", False),
        ("online=0", True),
    ],
)
def test_the_catalogue_filters(client: Client, site: Site, query: str, found: bool) -> None:
    page = client.get(f"/?{query}").content.decode()

    assert ("Thực tập AI" in page) is found


def test_an_unknown_filter_value_is_an_error_next_to_its_field(client: Client, site: Site) -> None:
    page = client.get("/?topic=cooking&kind=internship").content.decode()

    assert 'id="id_topic_error"' in page
    assert "Thực tập AI" in page  # the valid filters still apply


def test_a_date_range_that_ends_before_it_starts_is_an_error_next_to_the_field(client: Client, site: Site) -> None:
    page = client.get("/?date_from=2030-10-05&date_to=2030-10-01").content.decode()

    assert 'id="id_date_to_error"' in page


def test_the_catalogue_is_paginated(client: Client, site: Site) -> None:
    for _ in range(13):
        f.OpportunityFactory(company=site.world.company)

    first, second = client.get("/"), client.get("/?page=2")

    assert first.context["page"].paginator.num_pages == 2
    assert len(second.context["page"].object_list) == 2


def test_the_opportunity_page_answers_the_digest_link_with_its_sessions(client: Client, site: Site) -> None:
    response = client.get("/opportunities/O-AI/")

    assert response.status_code == 200
    assert "01/10/2030 08:00" in response.content.decode()


def test_an_unpublished_or_unknown_opportunity_is_a_404(client: Client, site: Site) -> None:
    assert client.get("/opportunities/O-HIDDEN/").status_code == 404
    assert client.get("/opportunities/NOPE/").status_code == 404


def test_pages_speak_english_after_the_language_switch(client: Client, site: Site) -> None:
    assert '<html lang="vi">' in client.get("/").content.decode()

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)

    assert '<html lang="en">' in response.content.decode()
    assert "Find your next visit" in response.content.decode()


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("mai", "/student/"),
        ("coordinator", "/school/"),
        ("staff", "/company/"),
        ("organiser", "/organiser/"),
    ],
)
def test_each_role_lands_on_its_own_home_after_signing_in(client: Client, site: Site, username: str, home: str) -> None:
    response = client.post(
        "/accounts/login/", {"username": username, "password": "correct horse battery staple"}, follow=True
    )

    assert response.redirect_chain[-1][0] == home
    assert response.status_code == 200


def test_a_wrong_password_is_refused_on_the_form(client: Client, site: Site) -> None:
    response = client.post("/accounts/login/", {"username": "mai", "password": "nope"})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_another_roles_home_is_a_404(client: Client, site: Site) -> None:
    client.force_login(site.world.student_user)

    assert client.get("/organiser/").status_code == 404
    assert client.get("/school/").status_code == 404


def test_pages_that_need_a_login_send_to_the_login_page(client: Client, site: Site) -> None:
    response = client.get("/student/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/student/"
    # the calendar link in booking mail lands on the login page too, not a 404
    assert client.get("/bookings/calendar/")["Location"].startswith("/accounts/login/")


def test_a_password_reset_mails_a_link_that_sets_a_new_password(client: Client, site: Site) -> None:
    user = site.world.student_user
    user.email = "mai@mail.example.vn"
    user.save()

    client.post("/accounts/password-reset/", {"email": "mai@mail.example.vn"})

    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    form = client.get(link.strip(), follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a longer passphrase 42", "new_password2": "a longer passphrase 42"},
    )
    assert done["Location"] == "/accounts/reset/done/"
    assert User.objects.get(pk=user.pk).check_password("a longer passphrase 42")


def test_a_short_new_password_is_refused_in_vietnamese(client: Client, site: Site) -> None:
    # Django 5.2's own wording of this one error has no Vietnamese (accounts.passwords).
    user = site.world.student_user
    user.email = "mai@mail.example.vn"
    user.save()
    client.post("/accounts/password-reset/", {"email": "mai@mail.example.vn"})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    form = client.get(link.strip(), follow=True, HTTP_ACCEPT_LANGUAGE="vi")

    page = client.post(
        form.redirect_chain[-1][0], {"new_password1": "gom.7", "new_password2": "gom.7"}, HTTP_ACCEPT_LANGUAGE="vi"
    ).content.decode()

    assert "Mật khẩu quá ngắn. Nó phải chứa ít nhất 8 ký tự." in page
    assert "too short" not in page


def test_a_student_whose_account_has_no_address_gets_the_reset_at_the_schools_one(client: Client, site: Site) -> None:
    user = site.world.student_user
    user.email = ""
    user.set_password("an old passphrase 1")
    user.save()
    student_address = site.world.student.email

    client.post("/accounts/password-reset/", {"email": student_address.upper()})

    assert [m.to for m in mail.outbox] == [[student_address]]
    assert User.objects.get(pk=user.pk).email == ""  # the account is not changed by asking


def test_forms_carry_a_csrf_token(site: Site) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/accounts/login/", {"username": "mai", "password": "x"}).status_code == 403
    assert 'name="csrfmiddlewaretoken"' in strict.get("/accounts/login/").content.decode()


def test_a_cancelled_session_is_no_date_to_find_nor_a_seat_to_book(client: Client, site: Site) -> None:
    services.session_cancel(session_id=site.session.pk, reason="Diễn giả bị ốm")

    on_its_day = client.get("/?date_from=2030-10-01&date_to=2030-10-01").content.decode()
    home = client.get("/").content.decode()

    assert "Thực tập AI" not in on_its_day  # its only session that day is cancelled
    assert "còn 10 chỗ" in home and f'id="session-{site.session.pk}"' not in home  # the later one only
