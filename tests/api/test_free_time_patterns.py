"""Free times in the API as in the CSV: "mornings of 1–7 October" is one item."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from students.models import AvailabilityInterval

MORNINGS = "2030-10-01..2030-10-07 07:30-11:30"


def test_a_class_request_takes_mornings_of_a_week_in_one_item(api, as_role):
    response = as_role("coordinator").post(
        reverse("api:class-request-list"),
        {"external_id": "CR-11B", "class_name": "11B", "level": "upper_secondary", "group_size": 38,
         "kinds": ["visit"], "available": [MORNINGS]},
        format="json",
    )

    assert response.status_code == 201, response.data
    days = response.data["availability"]
    assert len(days) == 7
    assert days[0]["starts_at"] == "2030-10-01T07:30:00+07:00" and days[-1]["ends_at"] == "2030-10-07T11:30:00+07:00"


def test_a_student_mixes_a_pattern_with_an_interval_and_a_bad_item_is_named(api, as_role):
    student = as_role("student")
    url = reverse("api:me-availability")

    ok = student.put(url, {"available": [MORNINGS, "2030-10-08T13:00/2030-10-08T17:00"]}, format="json")
    bad = student.put(url, {"available": ["2030-10-07..2030-10-01 07:30-11:30"]}, format="json")

    assert ok.status_code == 200 and len(ok.data["intervals"]) == 8
    assert bad.status_code == 400 and "available" in bad.data
    assert AvailabilityInterval.objects.filter(student=api.w.student).count() == 8  # nothing half-written
    first = AvailabilityInterval.objects.filter(student=api.w.student).order_by("starts_at").first()
    assert first.starts_at == dt.datetime(2030, 10, 1, 0, 30, tzinfo=dt.UTC)
