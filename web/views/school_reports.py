"""The school's bookings (its students' and its classes') and the school's report with its download."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from exchange.spreadsheet import csv_chunks, write_xlsx
from exchange.template_files import CONTENT_TYPES
from scheduler.models import Booking
from scheduler.reports import participation_report
from students.models import School

from .school import coordinator_only, school_bookings, school_of

COLUMNS = (
    "participant_type",
    "participant",
    "name",
    "opportunity",
    "title",
    "company",
    "kind",
    "starts_at",
    "ends_at",
    "status",
    "seats",
)


@coordinator_only
@require_GET
def bookings(request: HttpRequest) -> HttpResponse:
    rows = list(school_bookings(school_of(request)).order_by("starts_at", "pk"))
    now = timezone.now()
    ahead = [b for b in rows if b.ends_at > now]
    context = {
        # Declined, expired or cancelled places are no plan: apart, and without a calendar file.
        "upcoming": [b for b in ahead if b.status not in Booking.CALENDAR_CANCELLED],
        "called_off": [b for b in ahead if b.status in Booking.CALENDAR_CANCELLED],
        "past": [b for b in rows if b.ends_at <= now][::-1],
        "Status": Booking.Status,
    }
    return render(request, "web/school/bookings.html", context)


def school_figures(school: School) -> dict[str, Any]:
    """This school's row of the organiser's participation report, and its bookings counted by status."""
    report = participation_report()
    row = next((r for r in report["schools"] if r["school"] == school.pk), None)
    statuses = Counter(school_bookings(school).values_list("status", flat=True))
    return {
        "row": row,
        "generated_at": report["generated_at"],
        "statuses": [{"status": s, "n": n} for s, n in sorted(statuses.items())],
    }


@coordinator_only
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    figures = school_figures(school_of(request))
    return render(request, "web/school/report.html", {**figures, "Status": Booking.Status})


def _lines(school: School) -> Iterator[list[Any]]:
    for b in school_bookings(school).order_by("starts_at", "pk").iterator(chunk_size=500):
        participant = b.student if b.student_id else b.class_request
        assert participant is not None
        opportunity = b.session.opportunity
        yield [
            "student" if b.student_id else "class_request",
            participant.external_id,
            b.student.full_name if b.student else (b.class_request.class_name if b.class_request else ""),
            opportunity.external_id,
            opportunity.title,
            opportunity.company.name,
            opportunity.kind,
            b.starts_at,
            b.ends_at,
            b.status,
            b.seats,
        ]


@coordinator_only
@require_GET
def report_download(request: HttpRequest, format: str) -> HttpResponse:
    """One row per booking of the school; CSV (UTF-8 with a BOM) or XLSX, formula cells neutralised."""
    school = school_of(request)
    stamp = timezone.localdate().isoformat()
    safe_id = re.sub(r"[^A-Za-z0-9_.-]", "-", school.external_id)  # a header value: no quotes or newlines
    filename = f"caunoi-{safe_id}-{stamp}.{format}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if format == "csv":
        # A school's bookings are a few thousand rows at most: one answer, no streaming.
        body = "".join(csv_chunks(COLUMNS, _lines(school))).encode("utf-8")
        return HttpResponse(body, content_type=CONTENT_TYPES["csv"], headers=disposition)
    if format == "xlsx":
        binary = io.BytesIO()
        write_xlsx(binary, COLUMNS, _lines(school), title=_("Bookings"))
        return HttpResponse(binary.getvalue(), content_type=CONTENT_TYPES["xlsx"], headers=disposition)
    raise Http404
