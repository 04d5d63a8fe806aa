from __future__ import annotations

from django.urls import path

from . import guardian as views

app_name = "students"
urlpatterns = [
    path("consent/<str:token>/", views.guardian_consent, name="guardian_consent"),
    path("privacy/<str:token>/", views.guardian_privacy, name="guardian_privacy"),
]
