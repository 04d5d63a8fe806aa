from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from web.ops import healthz

urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The pages; first, so that web's opportunity page answers /opportunities/<external_id>/ (the digest links).
    path("", include("web.urls")),
    path("bookings/", include("web.booking_urls")),
    path("mail/", include("web.mail_urls")),
    path("guardian/", include("web.guardian_urls")),
]
