from __future__ import annotations

from django.urls import path

from . import mail as views

app_name = "notifications"
urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("events/sendgrid/", views.sendgrid_events, name="sendgrid_events"),
]
