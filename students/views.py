"""The guardian's consent page, opened from the signed link in the consent request (no login)."""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .models import Student
from .services import ConsentError, ConsentLink, consent_give_by_link, consent_link_read, consent_withdraw


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
    context = {"lang": lang, "student": student, "active": active, "error": error}
    return render(request, "students/consent.html", context, status=410 if error else 200)
