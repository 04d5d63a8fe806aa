"""Signing in and out and resetting a password: Django's auth views with the site's templates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth import views as auth
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request

from accounts.models import User
from accounts.selectors import users_reachable_at
from accounts.throttles import CountsUnavailable, LoginAddressThrottle, LoginThrottle

HOMES: dict[str, str] = {
    User.Role.STUDENT: "web:student-home",
    User.Role.SCHOOL_COORDINATOR: "web:coordinator-home",
    User.Role.COMPANY_STAFF: "web:company-home",
    User.Role.ORGANISER: "web:organiser-home",
}


def throttled(request: HttpRequest, throttles: list[Any]) -> tuple[int, int] | None:
    """Count this attempt against ``throttles`` (the API's, under the same cache keys, so attempts on
    either face add up); ``(status, seconds to wait)`` when it may not go on, else None. The cache out of
    reach is a 503, never an attempt let through uncounted."""
    wrapped = Request(request, parsers=[FormParser(), MultiPartParser()])
    try:
        for throttle in throttles:
            if not throttle.allow_request(wrapped, None):
                return 429, max(1, int(throttle.wait() or 1))
    except CountsUnavailable:
        return 503, CountsUnavailable.wait
    return None


def _refused(view: Any, request: HttpRequest, status: int, wait: int) -> HttpResponse:
    form = view.get_form()
    if status == 429:
        form.add_error(None, _("Too many attempts. Try again in %(seconds)d seconds.") % {"seconds": wait})
    else:
        form.add_error(None, _("The service is briefly unavailable. Please try again in a minute."))
    response = view.render_to_response(view.get_context_data(form=form), status=status)
    response["Retry-After"] = str(wait)
    return response


class LoginView(auth.LoginView):
    """Django's sign-in, counted by the same throttles as the API's login (per address and username,
    and per address)."""

    template_name = "web/accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = throttled(request, [LoginThrottle(), LoginAddressThrottle()])
        if refused:
            return _refused(self, request, *refused)
        return super().post(request, *args, **kwargs)


class LogoutView(auth.LogoutView):
    pass


class _PasswordResetForm(PasswordResetForm):
    def get_users(self, email: str) -> Iterator[User]:  # type: ignore[override]
        return users_reachable_at(email)


class PasswordResetView(auth.PasswordResetView):
    """Counted per client address like sign-in attempts: the form mails whoever owns an address, and must
    not become a way to flood a mailbox."""

    form_class = _PasswordResetForm
    template_name = "web/accounts/password_reset_form.html"
    email_template_name = "web/accounts/password_reset_email.txt"
    subject_template_name = "web/accounts/password_reset_subject.txt"
    success_url = reverse_lazy("web:password-reset-done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = throttled(request, [LoginAddressThrottle()])
        if refused:
            return _refused(self, request, *refused)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth.PasswordResetDoneView):
    template_name = "web/accounts/password_reset_done.html"


class PasswordResetConfirmView(auth.PasswordResetConfirmView):
    template_name = "web/accounts/password_reset_confirm.html"
    success_url = reverse_lazy("web:password-reset-complete")


class PasswordResetCompleteView(auth.PasswordResetCompleteView):
    template_name = "web/accounts/password_reset_complete.html"


@login_required
def role_home(request: HttpRequest) -> HttpResponse:
    """Where sign-in lands: each role's own home."""
    role = request.user.role if isinstance(request.user, User) else ""
    return redirect(HOMES.get(role, "web:home"))
