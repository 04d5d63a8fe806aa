"""Every form a role can reach, filled with hostile values, answers without a server error.

For each role the test walks the site from the role's home (links under the role's own pages and the
catalogue, up to ``MAX_PAGES``), reads every form on every page, and submits it once per hostile value with
that value in every field (the CSRF token kept, so the form's own validation runs). A form met again on
another page (the language switch and the sign-out are on every page) makes the very same requests: it is
submitted once. A 5xx answer or an
exception fails the test and names the form, the value and the page it came from. What a form does with a
valid value is tested elsewhere; here only "a clear refusal, never a crash" is checked, and that nothing of
another school or company became reachable is the permission tests' job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from scheduler.models import Booking
from scheduler.models import BookingStatus as Status

from ..conftest import World
from .test_school_pages import School, school  # noqa: F401  (the school's classes, proposals, students)

MAX_PAGES = 60
HOSTILE = [
    "",
    " ",
    "x" * 5000,
    "\x00",
    "-1",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "2030-02-30",
    "31/02/2030",
    "25:61",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "١٢٣",  # Arabic-Indic digits: int() accepts them, a database may not
    "\u202e\u0301",
]
# Links never followed: they end the session or switch the language; the walk must keep its role.
SKIP = ("/accounts/logout/", "/i18n/", "/admin/", "/api/", "/static/")


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)  # name → value on the page
    files: set[str] = field(default_factory=set)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(action=a.get("action", ""), method=(a.get("method") or "get").lower())
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "select", "textarea", "button") and a.get("name"):
            if a.get("type") == "file":
                self._form.files.add(a["name"])
            else:
                self._form.fields.setdefault(a["name"], a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def _walk(client: Client, start: str) -> Iterator[tuple[str, Form]]:
    seen: set[str] = set()
    queue = [start, reverse("web:home")]
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode())
        for form in page.forms:
            yield url, form
        for href in page.links:
            target = urlsplit(urljoin(url, href))
            if target.netloc or not target.path.startswith("/") or target.path.startswith(SKIP):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))


def _submit(client: Client, page: str, form: Form, value: str) -> int:
    action = urljoin(page, form.action or page)
    data = {name: (old if name == "csrfmiddlewaretoken" else value) for name, old in form.fields.items()}
    if form.method == "post":
        return client.post(action, data).status_code
    return client.get(action, data).status_code


def _role_users(world: World) -> dict[str, User]:
    return {
        "student": world.student_user,
        "coordinator": world.coordinator,
        "company": world.staff,
        "organiser": world.organiser,
    }


@pytest.mark.parametrize("role", ["student", "coordinator", "company", "organiser"])
def test_every_reachable_form_refuses_hostile_values_without_a_server_error(school: School, role: str) -> None:  # noqa: F811
    # The school's world (a class with a proposal on the company's session, a student without consent)
    # and a proposal of the student's own, so that every role's pages show their answer forms.
    session = school.site.later
    Booking.objects.create(
        student=school.site.world.student,
        session=session,
        status=Status.PROPOSED,
        seats=1,
        score=0.7,
        hold_until=timezone.now() + dt.timedelta(days=2),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
    )
    user = _role_users(school.site.world)[role]
    client = Client(raise_request_exception=False)
    client.force_login(user)
    checked: list[str] = []
    sent: set[tuple[str, str, frozenset[str], frozenset[str]]] = set()
    for page, form in list(_walk(client, reverse("web:role-home"))):
        if not form.fields and not form.files:
            continue
        # What _submit sends: the method, the address and every field's name (each field gets the value).
        request = (form.method, urljoin(page, form.action or page), frozenset(form.fields), frozenset(form.files))
        if request in sent:
            continue
        sent.add(request)
        for value in HOSTILE:
            status = _submit(client, page, form, value)
            assert status < 500, f"{role}: {form.method.upper()} {form.action or page} (from {page}) with {value!r}"
        checked.append(f"{form.method} {form.action or page}")
        client.force_login(user)  # a form may have signed the user out (e.g. erasing the account)
    assert len(checked) >= 2, f"the walk found too few forms for {role}: {checked}"


@pytest.mark.parametrize(
    ("next_value", "lands_on"),
    [("-1", "web:student-bookings"), ("//evil.example/", "web:student-bookings"), ("/", "/")],
)
def test_booking_goes_back_only_to_a_path_of_this_site(school: School, next_value: str, lands_on: str) -> None:  # noqa: F811
    # "-1" once crashed the page: redirect() read it as the name of a view.
    client = Client()
    client.force_login(school.site.world.student_user)
    response = client.post(reverse("web:student-book", args=[school.site.session.pk]), {"next": next_value})
    assert response.status_code == 302
    assert response["Location"] == (lands_on if lands_on.startswith("/") else reverse(lands_on))
