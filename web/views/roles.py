"""Who may see a role's pages, and the homes of the roles whose pages are still to come."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.models import User

Role = User.Role
View = Callable[..., HttpResponse]


def role_required(role: str) -> Callable[[View], View]:
    """Signed in (else to the login page) and of ``role`` (else a 404: another role's pages do not exist)."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not isinstance(user, User) or user.role != role:
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def _placeholder(request: HttpRequest, title: Any) -> HttpResponse:
    return render(request, "web/roles/placeholder.html", {"title": title})


@role_required(Role.SCHOOL_COORDINATOR)
def coordinator_home(request: HttpRequest) -> HttpResponse:
    return _placeholder(request, _("My school"))


@role_required(Role.COMPANY_STAFF)
def company_home(request: HttpRequest) -> HttpResponse:
    return _placeholder(request, _("My company"))


@role_required(Role.ORGANISER)
def organiser_home(request: HttpRequest) -> HttpResponse:
    return _placeholder(request, _("Organiser"))
