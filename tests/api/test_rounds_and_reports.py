"""Rounds started over the API run in the background and report their progress; the organiser's report."""

from __future__ import annotations

from django.urls import reverse

from matchmaking.models import Match
from rounds.models import RoundJob
from scheduler.models import Booking


def test_a_scheduling_round_runs_after_commit_and_reports(api, as_role, django_capture_on_commit_callbacks):
    organiser = as_role("organiser")
    with django_capture_on_commit_callbacks(execute=True):
        started = organiser.post(
            reverse("api:round-list"), {"kind": "scheduling", "mode": "optimal"}, format="json"
        )

    assert started.status_code == 202 and started.data["status"] == "queued"
    job = organiser.get(reverse("api:round-detail", args=[started.data["id"]])).data
    assert job["status"] == "done" and job["progress"] == {"done": 1, "total": 1}
    assert job["report"]["mode"] == "optimal" and "fill_rate" in job["report"]
    assert RoundJob.objects.get(pk=job["id"]).requested_by == api.w.organiser


def test_a_second_scheduling_round_waits_for_the_first(api, as_role):
    organiser = as_role("organiser")
    first = organiser.post(reverse("api:round-list"), {"kind": "scheduling"}, format="json")
    second = organiser.post(reverse("api:round-list"), {"kind": "scheduling"}, format="json")
    assert (first.status_code, second.status_code) == (202, 409)


def test_a_matchmaking_round_shows_its_shards_and_publishes_recommendations(api, as_role):
    organiser = as_role("organiser")
    started = organiser.post(reverse("api:round-list"), {"kind": "matchmaking", "k": 3}, format="json")

    assert started.status_code == 202
    job = organiser.get(reverse("api:round-detail", args=[started.data["id"]])).data
    # No broker in tests: the shards ran in the request, so the round is over.
    assert job["status"] == "done" and job["progress"] == {"done": 1, "total": 1}
    assert job["report"]["participants"] >= 2
    assert Match.objects.filter(rank__gt=3).count() == 0


def test_a_round_request_is_checked(api, as_role):
    organiser = as_role("organiser")
    url = reverse("api:round-list")
    assert "mode" in organiser.post(url, {"kind": "matchmaking", "mode": "stable"}, format="json").data
    assert "k" in organiser.post(url, {"kind": "scheduling", "k": 3}, format="json").data
    assert "kind" in organiser.post(url, {"kind": "dancing"}, format="json").data


def test_the_report_counts_fill_and_participation_by_kind_school_and_province(api, as_role):
    Booking.objects.filter(pk=api.attended.pk).update(status=Booking.Status.ATTENDED)
    report = as_role("organiser").get(reverse("api:reports")).data

    # Seats held: the minor's proposal (1) and confirmation (1), the class's proposal (3), the attendance (1).
    assert report["fill"]["seats_taken"] == 6
    assert report["fill"]["seats"] == 40 and report["fill"]["sessions"] == 4
    workshop = next(k for k in report["fill_by_kind"] if k["kind"] == "workshop")
    assert (workshop["sessions"], workshop["seats_taken"]) == (2, 2)
    by_kind = {k["kind"]: k for k in report["participation_by_kind"]}
    assert (by_kind["workshop"]["bookings"], by_kind["workshop"]["attended"]) == (2, 1)
    school = next(s for s in report["schools"] if s["name"] == api.w.school.name)
    assert (school["students"], school["students_booked"], school["share"]) == (2, 2, 1.0)
    hanoi = next(p for p in report["provinces"] if p["province"] == "ha-noi")
    assert hanoi["students_booked"] == 2


def test_the_report_window_is_checked_and_applied(api, as_role):
    organiser = as_role("organiser")
    url = reverse("api:reports")
    window = organiser.get(
        url, {"starts_after": "2030-10-01T00:00:00+07:00", "starts_before": "2030-10-02T00:00:00+07:00"}
    )
    assert window.data["fill"]["sessions"] == 1 and window.data["fill"]["seats_taken"] == 4
    assert (
        organiser.get(
            url, {"starts_after": "2030-10-02T00:00:00Z", "starts_before": "2030-10-01T00:00:00Z"}
        ).status_code
        == 400
    )
    assert organiser.get(url, {"starts_after": "yesterday"}).status_code == 400
