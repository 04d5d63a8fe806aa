"""The guardian's pages, opened from a signed link without login: consent (from the consent request)
and privacy rights (download or erase the student's data; the link a coordinator hands over, or the
consent link, which proves the same inbox)."""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from privacy.consent import ConsentError, ConsentLink, consent_give_by_link, consent_link_read, consent_withdraw
from privacy.services import PrivacyLinkError, privacy_link_student, student_erase
from students.models import Student


def _link(token: str) -> tuple[ConsentLink, Student] | None:
    try:
        link = consent_link_read(token)
    except signing.BadSignature:
        return None
    student = Student.objects.select_related("school").filter(pk=link.student_id).first()
    # A link stops working when the school records a different guardian address.
    if student is None or student.guardian_email.lower() != link.guardian_email:
        return None
    return link, student


@require_http_methods(["GET", "POST"])
def guardian_consent(request: HttpRequest, token: str) -> HttpResponse:
    found = _link(token)
    lang = request.GET.get("lang") if request.GET.get("lang") in ("vi", "en") else None
    if found is None:
        return render(request, "students/consent_bad_link.html", {"lang": lang or "vi"}, status=404)
    link, student = found
    lang = lang or student.language
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "give":
                consent_give_by_link(link=link)
            elif request.POST.get("action") == "withdraw":
                consent_withdraw(student_id=student.pk, recorded_by=f"guardian:{link.guardian_email}")
            return redirect(f"{request.path}?lang={lang}")
        except ConsentError:
            error = "expired"
    active = student.consents.filter(withdrawn_at__isnull=True).exists()
    context = {
        "lang": lang,
        "student": student,
        "active": active,
        "error": error,
        "privacy_url": reverse("students:guardian_privacy", args=[token]),
    }
    return render(request, "students/consent.html", context, status=410 if error else 200)


@require_http_methods(["GET", "POST"])
def guardian_privacy(request: HttpRequest, token: str) -> HttpResponse:
    """The guardian downloads the student's data (the API's JSON) or asks for its erasure."""
    lang = request.GET.get("lang") if request.GET.get("lang") in ("vi", "en") else None
    try:
        student, guardian = privacy_link_student(token=token)
    except PrivacyLinkError as exc:
        context = {"lang": lang or "vi", "expired": "expired" in str(exc)}
        return render(request, "students/privacy_bad_link.html", context, status=404)
    lang = lang or student.language
    context = {
        "lang": lang,
        "student": student,
        "data_url": reverse("api:guardian-data", args=[token]) + "?format=json",
        "missing_confirmation": False,
    }
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            context["missing_confirmation"] = True
            return render(request, "students/privacy.html", context, status=400)
        name = student.full_name
        student_erase(student_id=student.pk, requested_by=f"guardian:{guardian}")
        # The link dies with the guardian's address it names: answer here rather than redirect to it.
        return render(request, "students/privacy_erased.html", {"lang": lang, "name": name})
    return render(request, "students/privacy.html", context)
