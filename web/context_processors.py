"""What every page's header needs: the navigation of the signed-in user's role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from companies.models import Company

Role = User.Role


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    # For an expert, an entrepreneur or an artisan (one person, not a company), when the label differs.
    person_label: str | Promise | None = None


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
        NavItem("web:company-home", _("My company"), _("My page")),
        NavItem("web:company-opportunities", _("Our opportunities"), _("My opportunities")),  # beside "All …"
        NavItem("web:company-contacts", _("Students' contacts")),  # not "contact us"
        NavItem("web:company-profile", _("Company profile"), _("My profile")),
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
    # An expert, entrepreneur or artisan is one person: their pages say "you", never "your company".
    person = bool(
        isinstance(user, User)
        and user.role == Role.COMPANY_STAFF
        and user.company is not None
        and user.company.profile != Company.Profile.COMPANY
    )
    path = request.path
    return {
        "nav_items": [
            {
                "url": (url := reverse(item.url_name)),
                "label": (item.person_label if person and item.person_label else item.label),
                "current": path == url,
            }
            for item in items
        ],
        "org_is_person": person,
    }
