from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The pages; first, so that web's opportunity page answers /opportunities/<external_id>/ (the digest links).
    path("", include("web.urls")),
    path("opportunities/", include("companies.urls")),
    path("bookings/", include("scheduler.urls")),
    path("mail/", include("notifications.urls")),
    path("guardian/", include("students.urls")),
]
