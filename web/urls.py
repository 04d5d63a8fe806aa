"""The site's pages, mounted at ``/``. URLs are language-neutral: the language is a cookie (set_language)."""

from __future__ import annotations

from django.urls import URLPattern, path

from .views import accounts, public, roles, student

app_name = "web"
urlpatterns: list[URLPattern] = [
    # Everyone
    path("", public.catalogue, name="home"),
    path("opportunities/<str:external_id>/", public.opportunity, name="opportunity"),
    # Signing in and out, password reset by email
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", accounts.PasswordResetView.as_view(), name="password-reset"),
    path("accounts/password-reset/sent/", accounts.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("accounts/reset/done/", accounts.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("home/", accounts.role_home, name="role-home"),
    # Student
    path("student/", student.recommendations, name="student-home"),
    path("student/recommendations/<int:pk>/feedback/", student.feedback, name="student-feedback"),
    path("student/sessions/<int:pk>/book/", student.book, name="student-book"),
    path("student/bookings/", student.bookings, name="student-bookings"),
    path("student/bookings/<int:pk>/<str:action>/", student.booking_act, name="student-booking-act"),
    path("student/profile/", student.profile, name="student-profile"),
    path("student/availability/", student.availability, name="student-availability"),
    path("student/availability/<int:pk>/remove/", student.availability_remove, name="student-availability-remove"),
    path("student/settings/", student.settings_page, name="student-settings"),
    path("student/data.json", student.data_download, name="student-data"),
    path("student/erase/", student.erase, name="student-erase"),
    # Placeholders the lead fills with each role's pages
    path("school/", roles.coordinator_home, name="coordinator-home"),
    path("company/", roles.company_home, name="company-home"),
    path("organiser/", roles.organiser_home, name="organiser-home"),
]
