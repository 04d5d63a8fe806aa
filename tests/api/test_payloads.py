"""Bad requests get a 4xx naming the field, never a 500 and never a silent success: unknown fields, fields
that may not be set (owner, school, company, status, consent), wrong types, huge strings, broken JSON,
rules across fields, and an upload too big to read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from companies.models import Company, Opportunity
from scheduler.models import Booking
from students.models import Student


def test_an_unknown_field_is_refused_by_name(api, as_role):
    response = as_role("staff").patch(
        reverse("api:opportunity-detail", args=[api.w.opportunity.pk]), {"titel": "typo"}, format="json"
    )
    assert response.status_code == 400
    assert response.data == {"titel": ["Unknown field."]}


@pytest.mark.parametrize(
    ("role", "route", "target", "field", "value"),
    [
        ("staff", "opportunity-detail", "opportunity", "company", 2),
        ("staff", "company-detail", "company", "approved_at", "2030-01-01T00:00:00Z"),
        ("coordinator", "student-detail", "student", "school", 2),
        ("coordinator", "student-detail", "student", "email_opt_in", True),
        ("coordinator", "student-detail", "student", "has_guardian_consent", True),
        ("coordinator", "student-detail", "student", "external_id", "ST-STOLEN"),
        ("student", "me", None, "full_name", "Someone Else"),
        ("student", "me", None, "school", 2),
    ],
)
def test_owner_school_company_status_and_consent_can_never_be_set(
    api, as_role, role, route, target, field, value
):
    before = {m.__name__: list(m.objects.order_by("pk").values()) for m in (Company, Opportunity, Student)}
    args = [getattr(api.w, target).pk] if target else []

    response = as_role(role).patch(reverse(f"api:{route}", args=args), {field: value}, format="json")

    assert response.status_code == 400
    assert response.data == {field: ["This field cannot be set."]}
    assert before == {
        m.__name__: list(m.objects.order_by("pk").values()) for m in (Company, Opportunity, Student)
    }


def test_a_booking_status_changes_only_by_its_commands(api, as_role):
    # Bookings have no update route at all: a PATCH is not allowed, whatever the body.
    response = as_role("organiser").patch(
        reverse("api:booking-detail", args=[api.proposed.pk]), {"status": "confirmed"}, format="json"
    )
    assert response.status_code == 405
    assert Booking.objects.get(pk=api.proposed.pk).status == Booking.Status.PROPOSED


def test_wrong_types_get_field_level_messages(api, as_role):
    response = as_role("staff").post(
        reverse("api:opportunity-list"),
        {
            "external_id": "O-X",
            "kind": "party",
            "title": 5,
            "description": ["x"],
            "capacity": "many",
            "online": "perhaps",
        },
        format="json",
    )
    assert response.status_code == 400
    assert {"kind", "description", "capacity", "online"} <= set(response.data)


def test_a_huge_string_is_refused_by_its_field(api, as_role):
    response = as_role("staff").patch(
        reverse("api:opportunity-detail", args=[api.w.opportunity.pk]),
        {"title": "x" * 100_000},
        format="json",
    )
    assert response.status_code == 400
    assert "title" in response.data


def test_a_body_past_the_memory_limit_is_refused(api, as_role):
    response = as_role("staff").patch(
        reverse("api:opportunity-detail", args=[api.w.opportunity.pk]),
        {"description": "x" * 3_000_000},
        format="json",
    )
    assert response.status_code in (400, 413)


def test_broken_json_is_a_400(api, as_role):
    response = as_role("staff").generic(
        "PATCH",
        reverse("api:opportunity-detail", args=[api.w.opportunity.pk]),
        '{"title": "unterminated',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "JSON" in str(response.data["detail"])


def test_a_body_that_is_not_an_object_is_a_400(api, as_role):
    response = as_role("staff").patch(
        reverse("api:opportunity-detail", args=[api.w.opportunity.pk]), ["title"], format="json"
    )
    assert response.status_code == 400


def test_rules_across_fields_name_the_field_at_fault(api, as_role):
    staff = as_role("staff")
    url = reverse("api:opportunity-detail", args=[api.w.opportunity.pk])

    assert staff.patch(url, {"group_min": 10, "group_max": 5}, format="json").data == {
        "group_max": ["5 is below group_min 10."]
    }
    assert "province" in staff.patch(url, {"province": "", "online": False}, format="json").data
    session = reverse("api:session-detail", args=[api.open_session.pk])
    assert "ends_at" in staff.patch(session, {"ends_at": "2000-01-01T00:00:00Z"}, format="json").data
    # A THPT school's class is upper secondary: a lower-secondary one is refused by its level.
    classes = reverse("api:class-request-list")
    body = {"external_id": "CR-9C", "class_name": "9C", "level": "lower_secondary", "group_size": 30}
    refused = as_role("coordinator").post(classes, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and list(refused.data) == ["level"]
    assert "upper secondary" in refused.data["level"][0]


def test_a_booked_session_moves_with_its_bookings_and_keeps_its_taken_seats(api, as_role):
    staff = as_role("staff")
    url = reverse("api:session-detail", args=[api.session2.pk])
    booked = list(Booking.objects.filter(session=api.session2).exclude(status__in=Booking.CALENDAR_CANCELLED))

    moved = staff.patch(url, {"starts_at": "2030-10-02T09:00:00+07:00", "ends_at": "2030-10-02T11:00:00+07:00"})
    shrunk = staff.patch(url, {"capacity": 0}, format="json")

    assert moved.status_code == 200 and moved.data["starts_at"] == "2030-10-02T09:00:00+07:00"
    assert booked and all(
        b.starts_at.isoformat() == "2030-10-02T02:00:00+00:00"
        for b in Booking.objects.filter(pk__in=[b.pk for b in booked])
    )
    assert shrunk.status_code == 400 and "capacity" in shrunk.data


def test_deleting_what_has_bookings_is_a_conflict(api, as_role):
    organiser = as_role("organiser")
    assert organiser.delete(reverse("api:company-detail", args=[api.w.company.pk])).status_code == 409
    assert organiser.delete(reverse("api:session-detail", args=[api.w.session.pk])).status_code == 409
    assert (
        organiser.delete(reverse("api:class-request-detail", args=[api.class_request.pk])).status_code == 409
    )
    assert organiser.delete(reverse("api:school-detail", args=[api.w.school.pk])).status_code == 409
    assert Company.objects.filter(pk=api.w.company.pk).exists()


def test_a_50_mb_csv_is_refused_before_it_is_read(api, as_role):
    big = b"external_id,school,full_name,email,birth_date,level\n" + b"x" * (50 * 1024 * 1024)
    response = as_role("organiser").generic(
        "POST",
        reverse("api:imports"),
        big,
        content_type="multipart/form-data; boundary=BOUNDARY",
    )
    assert response.status_code == 413
    assert not Student.objects.filter(external_id="x").exists()


def test_a_malformed_or_huge_id_is_a_404(api, as_role):
    organiser = as_role("organiser")
    for pk in ("abc", "-1", "1.5", "%E2%82%87", str(2**64), "0"):
        assert organiser.get(f"/api/v1/companies/{pk}/").status_code == 404, pk
        assert organiser.get(f"/api/v1/opportunities/{pk}/recommendations/").status_code == 404, pk


def test_cancelling_a_session_needs_a_reason_named_in_the_refusal_then_cancels_its_bookings(api, as_role):
    staff = as_role("staff")
    url = reverse("api:session-cancel", args=[api.w.session.pk])

    missing = staff.post(url, {}, format="json")
    blank = staff.post(url, {"reason": "  "}, format="json")
    too_long = staff.post(url, {"reason": "x" * 301}, format="json")
    unknown = staff.post(url, {"reason": "Diễn giả bị ốm", "when": "now"}, format="json")
    assert [r.status_code for r in (missing, blank, too_long, unknown)] == [400, 400, 400, 400]
    assert "reason" in missing.data and "reason" in blank.data and "reason" in too_long.data
    assert "when" in unknown.data
    assert not Booking.objects.filter(session=api.w.session, status=Booking.Status.CANCELLED).exists()

    done = staff.post(url, {"reason": "Diễn giả bị ốm"}, format="json")

    assert done.status_code == 200
    assert done.data["cancel_reason"] == "Diễn giả bị ốm" and done.data["cancelled_at"]
    assert done.data["seats_taken"] == 0
    assert not Booking.objects.filter(session=api.w.session, status__in=Booking.ACTIVE).exists()
    again = staff.post(url, {"reason": "Diễn giả bị ốm"}, format="json")
    assert again.status_code == 409 and "already cancelled" in again.data["detail"]
    moved = staff.patch(reverse("api:session-detail", args=[api.w.session.pk]), {"capacity": 40}, format="json")
    assert moved.status_code == 409
    booked = as_role("student").post(reverse("api:booking-list"), {"session": api.w.session.pk}, format="json")
    assert booked.status_code in (400, 409) and not Booking.objects.filter(
        session=api.w.session, status__in=Booking.ACTIVE
    ).exists()


def test_a_session_that_has_started_cannot_be_cancelled_over_the_api(api, as_role):
    response = as_role("organiser").post(
        reverse("api:session-cancel", args=[api.past_session.pk]), {"reason": "Trời mưa"}, format="json"
    )
    assert response.status_code == 409 and "started" in response.data["detail"]
