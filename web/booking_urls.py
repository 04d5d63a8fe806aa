from __future__ import annotations

from django.urls import URLPattern, path

from . import bookings as views

app_name = "scheduler"
urlpatterns: list[URLPattern] = [
    path("<int:pk>.ics", views.booking_ics_view, name="booking-ics"),
    path("<int:pk>/cancel/", views.cancel_view, name="booking-cancel"),
    path("<int:pk>/attendance/", views.attendance_view, name="booking-attendance"),
    path("sessions/<int:session_pk>/book/", views.book_view, name="session-book"),
    path("respond/<str:token>/", views.respond_view, name="respond"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("feed/<str:token>.ics", views.feed_view, name="feed"),
]
