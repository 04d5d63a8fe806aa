"""New accounts: a company registers itself; schools invite students and colleagues; companies invite
colleagues. Each invitation is an outbox mail whose link lets its person choose a password and sign in."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services import AccountError
from companies.models import Company
from notifications.models import OutboxMessage
from notifications.services import outbox_relay
from privacy.consent import consent_withdraw
from privacy.invitations import (
    ALREADY_TODAY,
    HAS_ACCOUNT,
    INVITED,
    NEEDS_CONSENT,
    NO_EMAIL,
    colleague_invite,
    student_invite,
    students_invite,
)
from students.models import Student

from .. import factories as f
from ..conftest import World

PASSWORD = "lanh-dao-2030-cau-noi"
SIGNUP = {
    "name": "Gốm Bát Tràng Minh Long",
    "profile": "artisan",
    "province": "ha-noi",
    "sector": "gốm sứ",
    "website": "",
    "contact_email": "lienhe@gom.example.vn",
    "address": "Xóm 3, làng gốm Bát Tràng, Gia Lâm",
    "person_name": "Nguyễn Văn Minh",
    "email": "Minh@Gom.example.vn",
    "password1": PASSWORD,
    "password2": PASSWORD,
}


def _as(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(user)
    return client


def _invite_url(message: OutboxMessage) -> str:
    url = str(message.context["password_url"])
    return url.removeprefix(re.match(r"https?://[^/]+", url).group(0))  # type: ignore[union-attr]


def _choose_password(url: str) -> Client:
    """Follow the invitation's link as its person does, choose a password; a client of a fresh browser."""
    browser = Client()
    form = browser.get(url, follow=True)
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    done = browser.post(form.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert done.status_code == 302
    return browser


# --- a company registers itself --------------------------------------------------------------------------


def test_a_company_registers_signs_in_and_waits_for_approval(world: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    assert 'href="/company/signup/"' in client.get(reverse("web:login")).content.decode()

    response = client.post(reverse("web:company-signup"), SIGNUP, follow=True)

    assert response.redirect_chain[-1][0] == reverse("web:company-home")
    page = response.content.decode()
    assert "Gốm Bát Tràng Minh Long" in page and 'id="approval"' in page  # not yet approved
    company = Company.objects.get(name="Gốm Bát Tràng Minh Long")
    assert company.approved_at is None and company.profile == "artisan" and company.external_id.startswith("WEB-")
    # Where to go is asked at once: booking mail and calendar files gave only the province until the profile had it.
    assert company.address == "Xóm 3, làng gốm Bát Tràng, Gia Lâm"
    user = User.objects.get(company=company)
    assert (user.username, user.email, user.role) == ("minh@gom.example.vn", "minh@gom.example.vn", "company_staff")
    assert user.get_full_name() == "Nguyễn Văn Minh"
    # The organiser finds it among the companies waiting; it can sign in again with its password.
    waiting = _as(world.organiser).get(reverse("web:organiser-companies")).content.decode()
    assert "Gốm Bát Tràng Minh Long" in waiting
    assert Client().login(username="minh@gom.example.vn", password=PASSWORD)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "staff@example.vn"}, "email"),  # the world's staff account uses it
        ({"password2": "something-else-2030"}, "password2"),
        ({"password1": "123", "password2": "123"}, "password1"),
        ({"name": ""}, "name"),
        ({"province": "atlantis"}, "province"),
        ({"province": ""}, "province"),
        ({"profile": "wizard"}, "profile"),
        ({"contact_email": "not-an-address"}, "contact_email"),
        ({"name": "Tên\u2028hai dòng"}, "name"),
    ],
)
def test_a_bad_registration_names_its_field_and_creates_nothing(
    world: World, change: dict[str, str], field: str
) -> None:
    world.staff.email = "staff@example.vn"
    world.staff.save()
    companies, users = Company.objects.count(), User.objects.count()

    response = Client().post(reverse("web:company-signup"), {**SIGNUP, **change})

    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()
    assert (Company.objects.count(), User.objects.count()) == (companies, users)


def test_registrations_from_one_address_are_limited(world: World, settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login_address": "2/min"},
    }
    codes = [  # a fresh browser each time, from one address
        Client().post(reverse("web:company-signup"), {**SIGNUP, "email": f"a{i}@x.example.vn"}).status_code
        for i in range(3)
    ]
    assert codes == [302, 302, 429]
    assert Company.objects.filter(name=SIGNUP["name"]).count() == 2


def test_someone_signed_in_is_sent_home(world: World) -> None:
    response = _as(world.staff).get(reverse("web:company-signup"))
    assert response.status_code == 302 and response["Location"] == reverse("web:company-home")


# --- a school invites its students ----------------------------------------------------------------------


def test_an_invited_adult_student_chooses_a_password_and_signs_in(world: World) -> None:
    coordinator = _as(world.coordinator)
    page = coordinator.get(reverse("web:school-student", args=[world.adult.pk])).content.decode()
    assert reverse("web:school-student-invite", args=[world.adult.pk]) in page

    response = coordinator.post(reverse("web:school-student-invite", args=[world.adult.pk]), follow=True)

    assert world.adult.email in response.content.decode()
    user = User.objects.get(student=world.adult)
    assert user.role == "student" and not user.has_usable_password()
    message = OutboxMessage.objects.get(category="account_invite")
    assert message.to_email == world.adult.email and message.student_id == world.adult.pk
    browser = _choose_password(_invite_url(message))
    assert browser.login(username=user.username, password=PASSWORD)
    # The link is spent; a second invitation is refused: the student has an account now.
    assert "new_password1" not in Client().get(_invite_url(message), follow=True).content.decode()
    assert student_invite(student=world.adult, invited_by="x").status == HAS_ACCOUNT


def test_a_minor_is_invited_only_with_the_guardians_consent_and_the_relay_checks_it_again(
    world: World, settings: Any, tmp_path: Any
) -> None:
    settings.MAIL_DIR = tmp_path / "mail"
    settings.SENDGRID_API_KEY = ""
    no_consent = f.StudentFactory(school=world.school, full_name="Phạm Minh Khoa")

    assert student_invite(student=no_consent, invited_by="x").status == NEEDS_CONSENT
    assert not User.objects.filter(student=no_consent).exists() and not OutboxMessage.objects.exists()

    consented = f.StudentFactory(school=world.school, full_name="Đỗ Thu Trang")
    f.ConsentFactory(student=consented)
    assert student_invite(student=consented, invited_by="Cô Lan").status == INVITED
    assert student_invite(student=consented, invited_by="Cô Lan").status == ALREADY_TODAY
    assert OutboxMessage.objects.filter(category="account_invite").count() == 1
    # The world's minor signs in already: nothing to invite.
    assert student_invite(student=world.student, invited_by="Cô Lan").status == HAS_ACCOUNT
    consent_withdraw(student_id=consented.pk)
    outbox_relay()
    assert OutboxMessage.objects.get(category="account_invite").status == OutboxMessage.Status.SUPPRESSED


def test_a_student_without_an_email_is_not_invited(world: World) -> None:
    Student.objects.filter(pk=world.adult.pk).update(email="")
    world.adult.refresh_from_db()

    assert student_invite(student=world.adult, invited_by="x").status == NO_EMAIL
    page = _as(world.coordinator).get(reverse("web:school-student", args=[world.adult.pk])).content.decode()
    assert reverse("web:school-student-invite", args=[world.adult.pk]) not in page


def test_the_school_invites_every_student_it_can_at_once(world: World, django_capture_on_commit_callbacks: Any) -> None:
    f.StudentFactory(school=world.school, birth_date=dt.date(2000, 1, 1), email="")  # no email
    f.StudentFactory(school=world.school)  # a minor without consent
    consented = f.StudentFactory(school=world.school)
    f.ConsentFactory(student=consented)
    f.StudentFactory(school=world.other_school, birth_date=dt.date(2000, 1, 1))  # another school's
    # world.student signs in already (its account has a password): left alone.

    coordinator = _as(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):  # the run's task, in process (no broker)
        response = coordinator.post(reverse("web:school-students-invite"))

    assert response["Location"] == reverse("web:school-students") + "#invite-all-title"
    page = coordinator.get(response["Location"]).content.decode()
    assert "Đã gửi lời mời: 2. Chưa gửi: 1" in page  # the run's outcome, on the page that follows it
    invited = set(OutboxMessage.objects.filter(category="account_invite").values_list("student_id", flat=True))
    assert invited == {consented.pk, world.adult.pk}
    counts = students_invite(school_id=world.school.pk, invited_by="x")
    assert counts[ALREADY_TODAY] == 2 and counts[NEEDS_CONSENT] == 1 and counts[NO_EMAIL] == 1


def test_another_schools_student_cannot_be_invited(world: World) -> None:
    theirs = f.StudentFactory(school=world.other_school, birth_date=dt.date(2000, 1, 1))
    assert _as(world.coordinator).post(reverse("web:school-student-invite", args=[theirs.pk])).status_code == 404
    assert not OutboxMessage.objects.exists()


# --- colleagues -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "url", "role"), [
    ("coordinator", "web:school-colleagues", "school_coordinator"),
    ("staff", "web:company-colleagues", "company_staff"),
])
def test_a_colleague_is_invited_into_the_same_organisation(world: World, who: str, url: str, role: str) -> None:
    inviter: User = getattr(world, who)
    client = _as(inviter)

    response = client.post(reverse(url), {"full_name": "Trần Thu Hà", "email": "Ha.Tran@Example.vn"}, follow=True)

    assert "ha.tran@example.vn" in response.content.decode()
    colleague = User.objects.get(email="ha.tran@example.vn")
    assert colleague.role == role
    assert (colleague.school_id, colleague.company_id) == (inviter.school_id, inviter.company_id)
    message = OutboxMessage.objects.get(category="account_invite", to_email="ha.tran@example.vn")
    browser = _choose_password(_invite_url(message))
    assert browser.login(username=colleague.username, password=PASSWORD)
    # The same address again is refused beside the field.
    again = client.post(reverse(url), {"full_name": "Hà", "email": "ha.tran@example.vn"})
    assert 'id="id_email_error"' in again.content.decode()
    assert User.objects.filter(email="ha.tran@example.vn").count() == 1


@pytest.mark.parametrize(
    ("who", "url"), [("coordinator", "web:school-colleagues"), ("staff", "web:company-colleagues")]
)
def test_a_students_address_is_never_a_colleagues_account(world: World, who: str, url: str) -> None:
    # A student's address (of any school, with no account yet) invited as a coordinator would have let a
    # 14-year-old read every student's data; as company staff, the company's.
    student = f.StudentFactory(email="Ngoc.Anh@Example.vn")
    client = _as(getattr(world, who))

    response = client.post(reverse(url), {"full_name": "Ngọc Anh", "email": "ngoc.anh@example.vn"})

    assert response.status_code == 200 and 'id="id_email_error"' in response.content.decode()
    assert "học sinh" in response.content.decode()  # says why, in Vietnamese
    assert not User.objects.filter(email__iexact=student.email).exists()
    assert not OutboxMessage.objects.exists()
    with pytest.raises(AccountError):
        colleague_invite(
            email=student.email, full_name="X", invited_by="Y", organisation="Z", school_id=world.school.pk
        )
    assert not User.objects.filter(email__iexact=student.email).exists()


@pytest.mark.parametrize("url", ["web:school-colleagues", "web:company-colleagues"])
@pytest.mark.parametrize("who", ["student_user", "organiser"])
def test_other_roles_cannot_invite_colleagues(world: World, url: str, who: str) -> None:
    client = _as(getattr(world, who))
    assert client.post(reverse(url), {"full_name": "X", "email": "x@example.vn"}).status_code == 404
    assert not OutboxMessage.objects.exists()


def test_the_organiser_invites_a_schools_first_coordinator(world: World) -> None:
    school = f.SchoolFactory(name="THCS Nguyễn Du")
    office = _as(world.organiser)
    page = office.get(reverse("web:organiser-schools")).content.decode()
    assert "THCS Nguyễn Du" in page and "THPT Chu Văn An" in page

    response = office.post(
        reverse("web:organiser-schools"),
        {"school": school.pk, "full_name": "Lê Thị Hoa", "email": "hoa@nguyendu.edu.vn"},
        follow=True,
    )

    assert "hoa@nguyendu.edu.vn" in response.content.decode()
    coordinator = User.objects.get(email="hoa@nguyendu.edu.vn")
    assert (coordinator.role, coordinator.school_id) == ("school_coordinator", school.pk)
    message = OutboxMessage.objects.get(category="account_invite")
    assert message.context["organisation"] == "THCS Nguyễn Du"
    browser = _choose_password(_invite_url(message))
    assert browser.login(username=coordinator.username, password=PASSWORD)
    assert browser.get(reverse("web:role-home"))["Location"] == reverse("web:coordinator-home")


@pytest.mark.parametrize("data", [{"school": "", "full_name": "X", "email": "x@example.vn"},
                                  {"school": "999999", "full_name": "X", "email": "x@example.vn"},
                                  {"school": "abc", "full_name": "X", "email": "x@example.vn"}])
def test_an_organisers_invitation_names_a_missing_or_unknown_school(world: World, data: dict[str, str]) -> None:
    response = _as(world.organiser).post(reverse("web:organiser-schools"), data)
    assert response.status_code == 200 and 'id="id_school_error"' in response.content.decode()
    assert not User.objects.filter(email="x@example.vn").exists()


def test_the_organiser_sees_the_levels_each_school_teaches(world: World) -> None:
    f.SchoolFactory(name="THCS và THPT Lê Lợi", level="lower_secondary", other_levels=["upper_secondary"])
    office = _as(world.organiser)
    page = office.get(reverse("web:organiser-schools"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    row = page[page.index("<strong>THCS và THPT Lê Lợi</strong>") :]
    assert row[: row.index("</small>")].count("Trung học cơ sở, Trung học phổ thông ·") == 1


@pytest.mark.parametrize("who", ["coordinator", "staff", "student_user"])
def test_only_the_organiser_sees_the_schools(world: World, who: str) -> None:
    assert _as(getattr(world, who)).get(reverse("web:organiser-schools")).status_code == 404


def test_the_outcome_of_an_invitation_is_said_in_the_coordinators_language(world: World) -> None:
    # The messages were once translated when the module was imported: always Vietnamese.
    for language, words in (("en", "The invitation is on its way"), ("vi", "Lời mời đang được gửi")):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(world.coordinator)
        OutboxMessage.objects.all().delete()
        response = client.post(reverse("web:school-student-invite", args=[world.adult.pk]), follow=True)
        assert words in response.content.decode(), language
