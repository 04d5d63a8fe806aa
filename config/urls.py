from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("opportunities/", include("companies.urls")),
    path("bookings/", include("web.booking_urls")),
    path("mail/", include("web.mail_urls")),
    path("guardian/", include("web.guardian_urls")),
]
