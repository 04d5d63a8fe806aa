"""The REST API, version 1 (mounted at /api/v1/ by config.urls). Every route here must have a row in the
permission matrix of tests/api/test_permission_matrix.py: a route without one fails that test."""

from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from api.accounts.views import (
    AuditEntryViewSet,
    GuardianViewSet,
    LogoutView,
    MeViewSet,
    MyAvailabilityViewSet,
    MyConsentsViewSet,
    MyDataViewSet,
    TokenView,
)
from api.companies.views import CompanyViewSet, OpportunityViewSet, SessionViewSet
from api.imports import ImportView
from api.matchmaking.views import (
    ClassRequestRecommendationViewSet,
    MyRecommendationViewSet,
    ProposedParticipantViewSet,
    RecommendationExportViewSet,
    RecommendationViewSet,
    RoundViewSet,
)
from api.scheduler.views import BookingExportViewSet, BookingViewSet, ReportViewSet
from api.schema import SchemaView
from api.students.views import ClassRequestViewSet, ContactViewSet, SchoolViewSet, StudentViewSet

app_name = "api"

router = SimpleRouter()
router.register("companies", CompanyViewSet, basename="company")
router.register("opportunities", OpportunityViewSet, basename="opportunity")
router.register("sessions", SessionViewSet, basename="session")
router.register("schools", SchoolViewSet, basename="school")
router.register("students", StudentViewSet, basename="student")
router.register("contacts", ContactViewSet, basename="contact")
router.register("class-requests", ClassRequestViewSet, basename="class-request")
router.register("recommendations", RecommendationViewSet, basename="recommendation")
router.register("bookings", BookingViewSet, basename="booking")
router.register("rounds", RoundViewSet, basename="round")
router.register("audit-entries", AuditEntryViewSet, basename="audit-entry")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    # Any id reaches the view (never Django's HTML 404): a malformed one is a JSON 404 like a missing one.
    re_path(
        r"^opportunities/(?P<pk>[^/]+)/recommendations/$",
        ProposedParticipantViewSet.as_view({"get": "list"}),
        name="opportunity-recommendations",
    ),
    re_path(
        r"^class-requests/(?P<pk>[^/]+)/recommendations/$",
        ClassRequestRecommendationViewSet.as_view({"get": "list"}),
        name="class-request-recommendations",
    ),
    path("me/", MeViewSet.as_view({"get": "retrieve", "patch": "partial_update"}), name="me"),
    path(
        "me/availability/",
        MyAvailabilityViewSet.as_view({"get": "retrieve", "put": "update"}),
        name="me-availability",
    ),
    path("me/recommendations/", MyRecommendationViewSet.as_view({"get": "list"}), name="me-recommendations"),
    path("me/consents/", MyConsentsViewSet.as_view({"get": "list"}), name="me-consents"),
    path("me/data/", MyDataViewSet.as_view({"get": "retrieve"}), name="me-data"),
    path("me/erase/", MyDataViewSet.as_view({"post": "erase"}), name="me-erase"),
    path("guardian/<str:token>/data/", GuardianViewSet.as_view({"get": "retrieve"}), name="guardian-data"),
    path("guardian/<str:token>/erase/", GuardianViewSet.as_view({"post": "erase"}), name="guardian-erase"),
    path("imports/", ImportView.as_view(), name="imports"),
    path(
        "exports/recommendations/",
        RecommendationExportViewSet.as_view({"get": "list"}),
        name="export-recommendations",
    ),
    path("exports/bookings/", BookingExportViewSet.as_view({"get": "list"}), name="export-bookings"),
    path("reports/", ReportViewSet.as_view({"get": "retrieve"}), name="reports"),
    path("", include(router.urls)),
    # Documentation, public: the schema says what exists, never what is in it.
    path("schema/", SchemaView.as_view(), name="schema"),  # made once per process and language
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
