"""Filters, ordering and pagination of the lists."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from companies.models import Session
from scheduler import services
from tests import factories as f


def ids(response) -> list[str]:
    assert response.status_code == 200, response.data
    return [row["external_id"] for row in response.data["results"]]


def test_opportunities_filter_by_kind_province_topic_level_company_and_date(api, as_role):
    company = api.w.company
    f.OpportunityFactory(
        external_id="O-ROBOT",
        company=company,
        kind="contest",
        province="da-nang",
        topics=["robot", "trí tuệ nhân tạo"],
    )
    f.OpportunityFactory(external_id="O-LOWER", company=company, kind="visit", levels=["lower_secondary"])
    client = as_role("student")
    url = reverse("api:opportunity-list")

    assert ids(client.get(url, {"kind": "contest"})) == ["O-ROBOT"]
    assert ids(client.get(url, {"province": "da-nang"})) == ["O-ROBOT"]
    assert ids(client.get(url, {"topic": "robot"})) == ["O-ROBOT"]
    assert ids(client.get(url, {"topic": "trí tuệ nhân tạo"})) == ["O-ROBOT"]
    assert "O-LOWER" not in ids(client.get(url, {"level": "upper_secondary"}))
    assert "O-LOWER" in ids(client.get(url, {"level": "lower_secondary"}))
    assert ids(client.get(url, {"company": api.w.other_company.pk})) == []
    after = ids(client.get(url, {"starts_after": "2030-10-02T12:00:00+07:00"}))
    assert after == ["O-DATA"]
    assert client.get(url, {"kind": "party"}).status_code == 400


def test_sessions_and_bookings_filter_by_date_range_status_school_and_company(api, as_role):
    organiser = as_role("organiser")
    sessions = ids(
        organiser.get(
            reverse("api:session-list"),
            {"starts_after": "2030-10-01T00:00:00+07:00", "starts_before": "2030-10-02T23:00:00+07:00"},
        )
    )
    assert sessions == ["X-AI-1", "X-WEB-1"]

    bookings = reverse("api:booking-list")
    confirmed = organiser.get(bookings, {"status": "confirmed"}).data["results"]
    assert {b["id"] for b in confirmed} == {api.confirmed.pk, api.attended.pk}
    other_school = organiser.get(bookings, {"school": api.w.other_school.pk}).data["results"]
    assert other_school == []
    assert organiser.get(bookings, {"company": api.w.other_company.pk}).data["count"] == 0
    assert organiser.get(bookings, {"participant_type": "class_request"}).data["count"] == 1


def test_a_company_cannot_learn_a_students_school_by_filtering(api, as_role):
    staff = as_role("staff")
    by_school = staff.get(reverse("api:booking-list"), {"school": api.w.school.pk}).data["results"]
    # The minor's proposal is hidden; the confirmed bookings and the class's proposal are not.
    assert api.proposed.pk not in {b["id"] for b in by_school}
    assert {api.confirmed.pk, api.class_booking.pk} <= {b["id"] for b in by_school}


def test_students_filter_by_minor_and_consent(api, as_role):
    client = as_role("coordinator")
    url = reverse("api:student-list")
    assert ids(client.get(url, {"minor": "true"})) == ["ST-MINOR"]
    assert ids(client.get(url, {"minor": "false"})) == ["ST-ADULT"]
    assert ids(client.get(url, {"has_guardian_consent": "false"})) == ["ST-ADULT"]


def test_lists_order_and_paginate_with_a_maximum_page_size(api, as_role):
    f.CompanyFactory.create_batch(5, approved_at=api.w.company.approved_at)
    client = as_role("organiser")
    url = reverse("api:company-list")

    page = client.get(url, {"page_size": 2, "ordering": "-name"})
    assert page.data["count"] == 7 and len(page.data["results"]) == 2 and page.data["next"]
    names = [c["name"] for c in client.get(url, {"ordering": "-name"}).data["results"]]
    assert names == sorted(names, reverse=True)
    f.CompanyFactory.create_batch(200)
    assert len(client.get(url, {"page_size": 200}).data["results"]) == 200
    assert "page_size" in client.get(url, {"page_size": 201}).data
    assert client.get(url, {"page_size": 0}).status_code == 400
    assert client.get(url, {"province": ""}).data == {"province": ["This filter needs a value."]}
    assert client.get(url, {"ordering": "password"}).status_code == 200  # unknown orderings are ignored


def test_class_requests_filter_by_kind_and_creation_date(api, as_role):
    client = as_role("coordinator")
    url = reverse("api:class-request-list")
    f.ClassRequestFactory(external_id="CR-TALK", school=api.w.school, kinds=["career_talk"])
    assert "CR-TALK" not in ids(client.get(url, {"kind": "visit"}))
    assert "CR-TALK" in ids(client.get(url, {"kind": "career_talk"}))
    later = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    assert ids(client.get(url, {"created_after": f"{later}T00:00:00Z"})) == []


def test_a_cancelled_session_is_no_date_an_opportunity_is_found_by(api, as_role):
    client = as_role("student")
    url = reverse("api:opportunity-list")
    later = {"starts_after": "2030-10-02T12:00:00+07:00"}
    assert ids(client.get(url, later)) == ["O-DATA"]
    for session in Session.objects.filter(opportunity__external_id="O-DATA", starts_at__gte="2030-10-02T05:00:00Z"):
        services.session_cancel(session_id=session.pk, reason="Diễn giả bị ốm")

    assert ids(client.get(url, later)) == []


def test_an_opportunity_is_found_by_a_session_inside_both_bounds_not_one_after_and_another_before(api, as_role):
    late = f.OpportunityFactory(external_id="O-SPLIT", company=api.w.company)
    for day in (1, 5):
        f.SessionFactory(opportunity=late, starts_at=dt.datetime(2030, 11, day, 8, tzinfo=dt.UTC))
    client = as_role("student")
    url = reverse("api:opportunity-list")

    between = {"starts_after": "2030-11-02T00:00:00Z", "starts_before": "2030-11-04T00:00:00Z"}
    around = {"starts_after": "2030-11-02T00:00:00Z", "starts_before": "2030-11-06T00:00:00Z"}

    assert "O-SPLIT" not in ids(client.get(url, between))
    assert "O-SPLIT" in ids(client.get(url, around))
