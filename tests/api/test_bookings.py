"""Booking commands over the API: each calls the scheduler's service; a refusal is a 409 with its message,
never a 500; and feedback on a recommendation copies the recommendation's features."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from matchmaking.models import Feedback
from scheduler.models import Booking
from students.models import GuardianConsent
from tests import factories as f

Status = Booking.Status


def post(client, name: str, pk: int, body: dict | None = None):
    with translation.override("en"):
        return client.post(
            reverse(f"api:{name}", args=[pk]), body or {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
        )


def test_a_student_confirms_a_proposal_and_a_second_decline_is_a_conflict(api, as_role):
    client = as_role("student")

    confirmed = post(client, "booking-confirm", api.proposed.pk)
    declined = post(client, "booking-decline", api.proposed.pk)

    assert confirmed.status_code == 200 and confirmed.data["status"] == Status.CONFIRMED
    assert declined.status_code == 409
    assert "Only a proposed booking can be declined" in declined.data["detail"]
    assert Booking.objects.get(pk=api.proposed.pk).status == Status.CONFIRMED


def test_a_minor_without_consent_cannot_confirm(api, as_role):
    GuardianConsent.objects.filter(student=api.w.student).update(withdrawn_at=timezone.now())
    response = post(as_role("student"), "booking-confirm", api.proposed.pk)
    assert response.status_code == 409
    assert "consent" in response.data["detail"]


def test_a_lapsed_hold_is_a_conflict(api, as_role):
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        response = post(as_role("student"), "booking-confirm", api.proposed.pk)
    assert response.status_code == 409


def test_a_coordinator_answers_for_a_class_and_cancels_its_confirmed_booking(api, as_role):
    coordinator = as_role("coordinator")
    assert post(coordinator, "booking-confirm", api.class_booking.pk).data["status"] == Status.CONFIRMED
    assert post(coordinator, "booking-cancel", api.class_booking.pk).data["status"] == Status.CANCELLED


def test_attendance_is_recorded_once_the_session_has_started(api, as_role):
    staff = as_role("staff")
    early = post(staff, "booking-attend", api.confirmed.pk, {"attended": True})
    late = post(staff, "booking-attend", api.attended.pk, {"attended": False})

    assert early.status_code == 409 and "once the session has started" in early.data["detail"]
    assert late.status_code == 200 and late.data["status"] == Status.NO_SHOW
    assert post(staff, "booking-attend", api.attended.pk, {"attended": "sometimes"}).status_code == 400


def test_a_company_accepts_a_proposed_participant_and_the_student_sees_it(api, as_role):
    accepted = post(as_role("staff"), "booking-company-accept", api.proposed.pk)

    assert accepted.status_code == 200
    assert accepted.data["company_answer"] == "accepted" and accepted.data["status"] == Status.PROPOSED
    seen = as_role("student").get(reverse("api:booking-detail", args=[api.proposed.pk]))
    assert seen.data["company_answer"] == "accepted" and seen.data["company_accepted_at"] is not None


def test_a_company_decline_ends_the_booking_and_a_second_answer_is_a_conflict(api, as_role):
    staff = as_role("staff")
    declined = post(staff, "booking-company-decline", api.confirmed.pk)
    again = post(staff, "booking-company-accept", api.confirmed.pk)

    assert declined.status_code == 200
    assert declined.data["status"] == Status.CANCELLED and declined.data["company_answer"] == "declined"
    assert again.status_code == 409 and "Only a proposed or confirmed booking" in again.data["detail"]
    assert Booking.objects.get(pk=api.confirmed.pk).status == Status.CANCELLED


def test_a_company_cannot_answer_once_the_session_has_started(api, as_role):
    response = post(as_role("staff"), "booking-company-decline", api.attended.pk)
    assert response.status_code == 409 and "already started" in response.data["detail"]
    assert Booking.objects.get(pk=api.attended.pk).status == Status.CONFIRMED


def test_a_student_books_an_open_session_and_a_full_one_is_a_conflict(api, as_role):
    client = as_role("other_student")
    booked = client.post(reverse("api:booking-list"), {"session": api.open_session.pk}, format="json")
    assert booked.status_code == 201 and booked.data["status"] == Status.CONFIRMED

    api.open_session.capacity = 1
    api.open_session.save()
    again = as_role("student").post(
        reverse("api:booking-list"), {"session": api.open_session.pk}, format="json"
    )
    assert again.status_code == 409
    unknown = client.post(reverse("api:booking-list"), {"session": 999_999}, format="json")
    assert unknown.status_code == 400 and "session" in unknown.data


def test_a_coordinator_books_only_its_own_schools_classes(api, as_role):
    Booking.objects.filter(pk=api.class_booking.pk).delete()  # the class asked for one booking only
    f.AvailabilityFactory(class_request=api.class_request)  # free all that week
    url = reverse("api:booking-list")
    mine = as_role("coordinator").post(
        url, {"session": api.open_session.pk, "class_request": api.class_request.pk}, format="json"
    )
    theirs = as_role("outsider").post(
        url, {"session": api.open_session.pk, "class_request": api.class_request.pk}, format="json"
    )
    assert mine.status_code == 201 and mine.data["seats"] == 3
    assert theirs.status_code == 400 and "class_request" in theirs.data


def test_a_class_is_not_booked_outside_its_free_times_over_the_api_either(api, as_role):
    Booking.objects.filter(pk=api.class_booking.pk).delete()
    starts = api.open_session.starts_at
    day_before = starts - dt.timedelta(days=1)
    day_ends = day_before + dt.timedelta(hours=4)
    f.AvailabilityFactory(class_request=api.class_request, starts_at=day_before, ends_at=day_ends)
    response = as_role("coordinator").post(
        reverse("api:booking-list"),
        {"session": api.open_session.pk, "class_request": api.class_request.pk},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409
    assert "is outside those times" in str(response.data) and api.class_request.class_name in str(response.data)
    assert not Booking.objects.filter(class_request=api.class_request).exists()


def test_feedback_copies_the_recommendations_features(api, as_role):
    response = as_role("student").post(
        reverse("api:recommendation-feedback", args=[api.match.pk]), {"kind": "not_interested"}, format="json"
    )
    assert response.status_code == 201
    feedback = Feedback.objects.get()
    assert (feedback.kind, feedback.features, feedback.student) == (
        "not_interested",
        {"text": 0.7, "kind": 1.0},
        api.w.student,
    )
    bad = as_role("student").post(
        reverse("api:recommendation-feedback", args=[api.match.pk]), {"kind": "loved"}, format="json"
    )
    assert bad.status_code == 400 and "kind" in bad.data


def test_not_interested_is_withdrawn_once_and_the_ranker_no_longer_sees_it(api, as_role):
    student = as_role("student")
    feedback = reverse("api:recommendation-feedback", args=[api.match.pk])
    withdraw = reverse("api:recommendation-feedback-withdraw", args=[api.match.pk])
    student.post(feedback, {"kind": "clicked"}, format="json")
    student.post(feedback, {"kind": "not_interested"}, format="json")

    first = student.post(withdraw, {"kind": "not_interested"}, format="json")
    again = student.post(withdraw, {"kind": "not_interested"}, format="json")
    bad = student.post(withdraw, {"kind": "loved"}, format="json")

    assert (first.status_code, first.data) == (200, {"withdrawn": 1})
    assert (again.status_code, again.data) == (200, {"withdrawn": 0})
    assert bad.status_code == 400 and "kind" in bad.data
    assert list(Feedback.objects.values_list("kind", flat=True)) == ["clicked"]  # the click stays
