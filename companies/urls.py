from __future__ import annotations

from django.urls import path

from . import views

app_name = "companies"
urlpatterns = [
    path("<str:external_id>/", views.opportunity_detail, name="opportunity"),
]
