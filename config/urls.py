from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from web.ops import healthz

urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("opportunities/", include("companies.urls")),
    path("bookings/", include("scheduler.urls")),
    path("mail/", include("notifications.urls")),
    path("guardian/", include("students.urls")),
]
