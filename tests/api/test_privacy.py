"""Privacy: what a company may know of a student, the audit of who opened a minor's record, a student's
data as JSON, erasure, the guardian's link, and the consent history with its evidence."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, User
from matchmaking.models import Feedback, Match
from notifications.models import OutboxMessage, Suppression
from privacy.consent import consent_link_make
from privacy.services import PRIVACY_SALT
from scheduler.models import Booking
from students.models import AvailabilityInterval, GuardianConsent, Student
from tests import factories as f

from .conftest import client_for


def names_in(response) -> set[str | None]:
    return {row["participant_name"] for row in response.data["results"]}


def test_a_company_learns_a_students_name_only_once_the_booking_is_confirmed(api, as_role):
    staff = as_role("staff")
    proposed = staff.get(reverse("api:booking-detail", args=[api.proposed.pk])).data
    confirmed = staff.get(reverse("api:booking-detail", args=[api.confirmed.pk])).data

    assert (proposed["participant_name"], proposed["participant_email"], proposed["student"]) == (
        None,
        None,
        None,
    )
    assert proposed["school_name"] is None
    assert confirmed["participant_name"] == "Trần Thị Mai"
    assert confirmed["participant_email"] == api.w.student.email


def test_a_company_sees_only_name_and_contact_of_its_confirmed_students(api, as_role):
    Booking.objects.filter(pk=api.confirmed.pk).update(status=Booking.Status.CANCELLED)
    staff = as_role("staff")
    url = reverse("api:contact-detail", args=[api.w.student.pk])

    assert staff.get(url).status_code == 404
    Booking.objects.filter(pk=api.confirmed.pk).update(status=Booking.Status.CONFIRMED)
    response = staff.get(url)
    assert response.status_code == 200
    assert response.data == {
        "id": api.w.student.pk,
        "full_name": "Trần Thị Mai",
        "email": api.w.student.email,
    }
    listed = staff.get(reverse("api:contact-list")).data["results"]
    assert {row["id"] for row in listed} == {api.w.student.pk, api.w.adult.pk}  # both confirmed with it
    assert as_role("other_staff").get(reverse("api:contact-list")).data["results"] == []
    assert staff.get(reverse("api:student-detail", args=[api.w.student.pk])).status_code == 403


def test_the_proposed_participants_of_an_opportunity_hide_students_until_confirmed(api, as_role):
    url = reverse("api:opportunity-recommendations", args=[api.w.opportunity.pk])
    Booking.objects.filter(pk=api.confirmed.pk).update(status=Booking.Status.DECLINED)

    hidden = as_role("staff").get(url).data["results"][0]
    assert (hidden["contact"], hidden["school_name"]) == (None, None)
    assert hidden["level"] == "upper_secondary"

    Booking.objects.filter(pk=api.confirmed.pk).update(status=Booking.Status.CONFIRMED)
    shown = as_role("staff").get(url).data["results"][0]
    assert shown["contact"] == {"full_name": "Trần Thị Mai", "email": api.w.student.email}
    assert as_role("organiser").get(url).data["results"][0]["contact"]["full_name"] == "Trần Thị Mai"


def test_opening_a_minors_record_is_audited_and_an_adults_is_not(api, as_role):
    AuditEntry.objects.all().delete()
    coordinator = as_role("coordinator")
    coordinator.get(reverse("api:student-detail", args=[api.w.student.pk]))
    coordinator.get(reverse("api:student-detail", args=[api.w.adult.pk]))
    coordinator.get(reverse("api:student-list"))  # a list opens no record

    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.object_type, entry.object_id) == (
        api.w.coordinator,
        "view",
        "student",
        api.w.student.pk,
    )
    mine = as_role("student").get(reverse("api:me-data")).data["record_opened_by"]
    assert [(e["actor_name"], e["action"]) for e in mine] == [("coordinator", "view")]


def test_a_refused_look_at_a_minor_leaves_no_audit_entry(api, as_role):
    AuditEntry.objects.all().delete()
    assert as_role("outsider").get(reverse("api:student-detail", args=[api.w.student.pk])).status_code == 404
    assert not AuditEntry.objects.exists()


def test_a_student_downloads_everything_stored_about_them(api, as_role):
    f.AvailabilityFactory(student=api.w.student)
    Feedback.objects.create(student=api.w.student, opportunity=api.w.opportunity, kind="clicked")

    data = as_role("student").get(reverse("api:me-data")).data

    assert data["profile"]["full_name"] == "Trần Thị Mai"
    assert len(data["availability"]) == 1
    assert data["consents"][0]["method"] == GuardianConsent.Method.EMAIL_LINK
    assert {b["status"] for b in data["bookings"]} == {"proposed", "confirmed"}
    assert data["recommendations"][0]["reasons"] == ["Sở thích: trí tuệ nhân tạo"]
    assert data["feedback"][0]["kind"] == "clicked"
    assert data["accounts"][0]["username"] == "mai"


def test_erasure_anonymises_the_student_keeps_bookings_and_stops_mail(api, as_role):
    student = api.w.student
    email = student.email
    f.AvailabilityFactory(student=student)
    pending = OutboxMessage.objects.create(
        dedupe_key="digest:x", category="digest", student=student, to_email=email, context={"name": "Mai"}
    )
    client = as_role("student")

    assert client.post(reverse("api:me-erase"), {"confirm": False}, format="json").status_code == 400
    response = client.post(reverse("api:me-erase"), {"confirm": True}, format="json")

    assert response.status_code == 200
    student.refresh_from_db()
    assert student.full_name == f"Erased student {student.pk}"
    assert email not in student.email and student.guardian_email == ""
    assert (student.interests, student.email_opt_in) == ("", False)
    assert not AvailabilityInterval.objects.filter(student=student).exists()
    assert not Match.objects.filter(student=student).exists()
    assert Booking.objects.filter(student=student).count() == 2  # the aggregates stay
    pending.refresh_from_db()
    assert pending.status == OutboxMessage.Status.SUPPRESSED and pending.context == {}
    assert Suppression.objects.filter(email=email, reason="unsubscribe").exists()
    user = User.objects.get(pk=api.w.student_user.pk)
    assert not user.is_active and user.username.startswith("erased-")
    assert AuditEntry.objects.filter(action="erase", object_id=student.pk).exists()


def test_a_guardian_reads_and_erases_through_the_signed_link_without_an_account(api):
    anonymous = client_for(None)
    data = anonymous.get(reverse("api:guardian-data", args=[api.guardian_token]))
    assert data.status_code == 200 and data.data["profile"]["full_name"] == "Trần Thị Mai"

    erased = anonymous.post(
        reverse("api:guardian-erase", args=[api.guardian_token]), {"confirm": True}, format="json"
    )
    assert erased.status_code == 200
    assert Student.objects.get(pk=api.w.student.pk).full_name.startswith("Erased")
    # The link named the guardian's address, which the erasure removed: it is spent.
    assert anonymous.get(reverse("api:guardian-data", args=[api.guardian_token])).status_code == 404


def test_the_consent_mails_link_also_opens_the_guardians_rights(api):
    token = consent_link_make(student=api.w.student)
    assert client_for(None).get(reverse("api:guardian-data", args=[token])).status_code == 200


def test_a_forged_expired_or_reassigned_guardian_link_answers_404(api):
    anonymous = client_for(None)
    forged = signing.dumps({"s": api.w.student.pk, "g": "parent@mail.example.vn", "t": 0}, salt="other")
    assert anonymous.get(reverse("api:guardian-data", args=[forged])).status_code == 404

    with time_machine.travel(timezone.now() + dt.timedelta(days=15)):
        assert anonymous.get(reverse("api:guardian-data", args=[api.guardian_token])).status_code == 404

    Student.objects.filter(pk=api.w.student.pk).update(guardian_email="new.guardian@mail.example.vn")
    assert anonymous.get(reverse("api:guardian-data", args=[api.guardian_token])).status_code == 404
    other = signing.dumps(
        {"s": api.w.student.pk, "g": "x@y.vn", "t": int(timezone.now().timestamp())}, salt=PRIVACY_SALT
    )
    assert anonymous.get(reverse("api:guardian-data", args=[other])).status_code == 404


def test_the_consent_history_keeps_withdrawn_consent_with_its_evidence(api, as_role):
    active = GuardianConsent.objects.get(student=api.w.student)
    GuardianConsent.objects.filter(pk=active.pk).update(withdrawn_at=timezone.now())
    GuardianConsent.objects.create(
        student=api.w.student,
        method=GuardianConsent.Method.PAPER_FORM,
        evidence="form 2030-17",
        recorded_by="coordinator",
    )

    history = as_role("coordinator").get(reverse("api:student-consents", args=[api.w.student.pk])).data
    mine = as_role("student").get(reverse("api:me-consents")).data

    assert [(c["method"], c["withdrawn_at"] is None) for c in history] == [
        ("paper_form", True),
        ("email_link", False),
    ]
    assert history[0]["evidence"] == "form 2030-17" and history[0]["recorded_by"] == "coordinator"
    assert mine == history


def test_a_guardian_link_is_issued_only_for_a_minor_with_a_guardian_address(api, as_role):
    coordinator = as_role("coordinator")
    link = coordinator.post(reverse("api:student-guardian-link", args=[api.w.student.pk]))
    assert link.status_code == 201 and "/guardian/privacy/" in link.data["url"]
    assert coordinator.post(reverse("api:student-guardian-link", args=[api.w.adult.pk])).status_code == 409
