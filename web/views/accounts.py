"""Signing in and out and resetting a password: Django's auth views with the site's templates."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.auth import views as auth
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy

from accounts.models import User
from accounts.selectors import users_reachable_at

HOMES: dict[str, str] = {
    User.Role.STUDENT: "web:student-home",
    User.Role.SCHOOL_COORDINATOR: "web:coordinator-home",
    User.Role.COMPANY_STAFF: "web:company-home",
    User.Role.ORGANISER: "web:organiser-home",
}


class LoginView(auth.LoginView):
    template_name = "web/accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth.LogoutView):
    pass


class _PasswordResetForm(PasswordResetForm):
    def get_users(self, email: str) -> Iterator[User]:  # type: ignore[override]
        return users_reachable_at(email)


class PasswordResetView(auth.PasswordResetView):
    form_class = _PasswordResetForm
    template_name = "web/accounts/password_reset_form.html"
    email_template_name = "web/accounts/password_reset_email.txt"
    subject_template_name = "web/accounts/password_reset_subject.txt"
    success_url = reverse_lazy("web:password-reset-done")


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
