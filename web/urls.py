"""The site's pages, mounted at ``/``. URLs are language-neutral: the language is a cookie (set_language)."""

from __future__ import annotations

from django.urls import URLPattern, path

from .views import accounts, company, invitations, organiser, public, school, school_files, school_reports, student

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
    path("student/recommendations/<int:pk>/feedback/undo/", student.feedback_undo, name="student-feedback-undo"),
    path("student/sessions/<int:pk>/book/", student.book, name="student-book"),
    path("student/consent-request/", student.consent_request, name="student-consent-request"),
    path("student/bookings/", student.bookings, name="student-bookings"),
    path("student/bookings/<int:pk>/<str:action>/", student.booking_act, name="student-booking-act"),
    path("student/profile/", student.profile, name="student-profile"),
    path("student/availability/", student.availability, name="student-availability"),
    path("student/availability/<int:pk>/remove/", student.availability_remove, name="student-availability-remove"),
    path("student/settings/", student.settings_page, name="student-settings"),
    path("student/data.json", student.data_download, name="student-data"),
    path("student/erase/", student.erase, name="student-erase"),
    # School coordinator
    path("school/", school.home, name="coordinator-home"),
    path("school/levels/", school.school_levels, name="school-levels"),
    path("school/files/", school_files.upload, name="school-upload"),
    path("school/files/import/", school_files.upload_import, name="school-import"),
    path("school/files/<str:name>.<str:format>", school_files.template_download, name="school-template"),
    path("school/students/", school.students, name="school-students"),
    path("school/students/<int:pk>/", school.student, name="school-student"),
    path("school/students/invite/", invitations.students_invite, name="school-students-invite"),
    path("school/students/invite/<int:pk>/", invitations.students_invite_run, name="school-students-invite-run"),
    path("school/students/<int:pk>/invite/", invitations.student_invite, name="school-student-invite"),
    path("school/colleagues/", invitations.school_colleagues, name="school-colleagues"),
    path("school/students/<int:pk>/consent-request/", school.consent_request, name="school-consent-request"),
    path("school/students/<int:pk>/guardian-link/", school.guardian_link, name="school-guardian-link"),
    path("school/classes/", school.classes, name="school-classes"),
    path("school/classes/new/", school.class_edit, name="school-class-new"),
    path("school/classes/<int:pk>/", school.class_detail, name="school-class"),
    path("school/classes/<int:pk>/edit/", school.class_edit, name="school-class-edit"),
    path("school/classes/<int:pk>/book/", school.class_book, name="school-class-book"),
    path("school/proposals/<int:pk>/<str:action>/", school.class_booking_act, name="school-proposal-act"),
    path("school/sessions/<int:pk>/book/", school.session_book, name="school-session-book"),
    path("school/bookings/", school_reports.bookings, name="school-bookings"),
    path("school/report/", school_reports.report, name="school-report"),
    path("school/report.<str:format>", school_reports.report_download, name="school-report-download"),
    # Company staff (also experts, entrepreneurs, artisans)
    path("company/", company.home, name="company-home"),
    path("company/signup/", invitations.company_signup_page, name="company-signup"),
    path("company/colleagues/", invitations.company_colleagues, name="company-colleagues"),
    path("company/profile/", company.profile, name="company-profile"),
    path("company/opportunities/", company.opportunities, name="company-opportunities"),
    path("company/opportunities/new/", company.opportunity_new, name="company-opportunity-new"),
    path("company/opportunities/<int:pk>/", company.opportunity, name="company-opportunity"),
    path("company/opportunities/<int:pk>/delete/", company.opportunity_delete, name="company-opportunity-delete"),
    path("company/opportunities/<int:pk>/sessions/", company.session_new, name="company-session-new"),
    path("company/opportunities/<int:pk>/participants/", company.participants, name="company-participants"),
    path("company/sessions/<int:pk>/", company.session, name="company-session"),
    path("company/sessions/<int:pk>/delete/", company.session_delete, name="company-session-delete"),
    path("company/sessions/<int:pk>/cancel/", company.session_cancel, name="company-session-cancel"),
    path("company/bookings/<int:pk>/<str:action>/", company.booking_act, name="company-booking-act"),
    path("company/contacts/", company.contacts, name="company-contacts"),
    # Organiser (the province's education office)
    path("organiser/", organiser.dashboard, name="organiser-home"),
    path("organiser/companies/", organiser.companies, name="organiser-companies"),
    path("organiser/schools/", invitations.organiser_schools, name="organiser-schools"),
    path("organiser/companies/<int:pk>/<str:action>/", organiser.company_act, name="organiser-company-act"),
    path("organiser/rounds/", organiser.rounds, name="organiser-rounds"),
    path("organiser/rounds/<int:pk>/", organiser.round_job, name="organiser-round-job"),
    path("organiser/report/", organiser.week_report, name="organiser-report"),
    path("organiser/report/send/", organiser.week_report_mail, name="organiser-report-send"),
    path("organiser/report.csv", organiser.week_report_csv, name="organiser-report-csv"),
    path("organiser/report.xlsx", organiser.week_report_xlsx, name="organiser-report-xlsx"),
]
