"""What every page's header needs: the navigation of the signed-in user's role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User

Role = User.Role


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise


# One list per role; the lead adds the coordinator's, company's and organiser's pages here.
NAVIGATION: dict[str, tuple[NavItem, ...]] = {
    Role.STUDENT: (
        NavItem("web:student-home", _("For you")),
        NavItem("web:student-bookings", _("My bookings")),
        NavItem("web:student-availability", _("Free times")),
        NavItem("web:student-profile", _("Profile")),
        NavItem("web:student-settings", _("Mail and data")),
    ),
    Role.SCHOOL_COORDINATOR: (
        NavItem("web:coordinator-home", _("To do")),
        NavItem("web:school-students", _("Students")),
        NavItem("web:school-classes", _("Classes")),
        NavItem("web:school-bookings", _("Bookings")),
        NavItem("web:school-upload", _("Files")),
        NavItem("web:school-report", _("Report")),
        NavItem("web:school-colleagues", _("Colleagues")),
    ),
    Role.COMPANY_STAFF: (
        NavItem("web:company-home", _("My company")),
        NavItem("web:company-opportunities", _("Our opportunities")),  # beside "All opportunities"
        NavItem("web:company-contacts", _("Students' contacts")),  # not "contact us"
        NavItem("web:company-profile", _("Company profile")),
        NavItem("web:company-colleagues", _("Colleagues")),
    ),
    Role.ORGANISER: (
        NavItem("web:organiser-home", _("Figures")),
        NavItem("web:organiser-companies", _("Companies")),
        NavItem("web:organiser-schools", _("Schools")),
        NavItem("web:organiser-rounds", _("Rounds")),
        NavItem("web:organiser-report", _("Week's report")),
    ),
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items = NAVIGATION.get(user.role, ()) if isinstance(user, User) else ()
    path = request.path
    return {
        "nav_items": [
            {"url": (url := reverse(item.url_name)), "label": item.label, "current": path == url} for item in items
        ],
    }
