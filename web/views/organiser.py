"""The organiser's pages (the province's education office): companies to approve, rounds, figures, the
week's report.

Thin views: state changes go through ``companies.services``, ``scheduler.services`` and
``rounds.services``; figures come from ``scheduler.reports``. Another role's request is a 404
(``role_required``); a refusal is shown next to its button, never a 500.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from companies.models import Company
from companies.services import RejectionError, company_approve, company_reject
from exchange.spreadsheet import csv_chunks, write_xlsx
from rounds.models import RoundJob
from rounds.services import RoundBusy, jobs_settle, round_start
from scheduler import reports
from scheduler.report_mail import report_filename, week_report_send
from scheduler.services import company_approval_withdraw

from ..forms import kind_choices, province_name
from ..forms_organiser import RejectForm, ReportSendForm, RoundForm, WeekForm
from .roles import role_required

organiser_only = role_required(User.Role.ORGANISER)
JOBS_SHOWN = 20


# --- the dashboard --------------------------------------------------------------------------------


def _bars(rows: list[dict[str, Any]], label: str, value: str, *, percent: bool = False) -> list[dict[str, Any]]:
    """Bars of a horizontal chart: the label, the value, its length as a share of the longest bar
    (of 100 % for shares). Lengths are strings, so that the template's number localisation ("26,0")
    never reaches an SVG attribute."""
    top = 1.0 if percent else max((float(r[value]) for r in rows), default=0.0)
    bars = []
    for i, r in enumerate(rows):
        length = 260 * float(r[value]) / top if top else 0.0
        bars.append(
            {
                "label": r[label],
                "value": r[value],
                "text": f"{float(r[value]) * 100:.0f} %" if percent else str(r[value]),
                "length": f"{length:.1f}",
                "label_y": 22 + 38 * i,
                "bar_y": 28 + 38 * i,
                "value_x": f"{length + 6:.1f}",
                "value_y": 39 + 38 * i,
            }
        )
    return bars


def _chart(key: str, title: str, desc: str, bars: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": key, "title": title, "desc": desc, "bars": bars, "height": 16 + 38 * max(len(bars), 1)}


def _week(request: HttpRequest, default: dt.date) -> tuple[WeekForm, dt.date, dt.date]:
    form = WeekForm(request.GET or None, default=default)
    first, last = form.dates()
    return form, first, last


@organiser_only
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form, first, last = _week(request, reports.next_session_day() or today)
    after, before = reports.window_of(first, last)
    report = reports.participation_report(starts_after=after, starts_before=before)
    kinds, provinces = dict(kind_choices()), reports.fill_by_province(starts_after=after, starts_before=before)
    fill_kind = [{**r, "label": kinds.get(r["kind"], r["kind"])} for r in report["fill_by_kind"]]
    fill_province = [
        {**r, "label": _("Online") if r["province"] == reports.ONLINE else province_name(r["province"])}
        for r in provinces
    ]
    schools = [r for r in report["schools"] if r["students"]]
    uptake = reports.recommendation_uptake(starts_after=after, starts_before=before)
    days = [
        {**d, "label": d["day"].strftime("%d/%m")}
        for d in reports.bookings_by_day(starts_after=after, starts_before=before)
    ]
    uptake_rows = [
        {"label": _("Interested or accepted"), "n": uptake["positive"]},
        {"label": _("Not interested or declined"), "n": uptake["negative"]},
        {"label": _("Bookings from a recommendation, kept"), "n": uptake["matched_bookings"]["kept"]},
        {"label": _("Bookings from a recommendation, still proposed"), "n": uptake["matched_bookings"]["proposed"]},
        {"label": _("Bookings from a recommendation, let go"), "n": uptake["matched_bookings"]["let_go"]},
    ]
    context = {
        "form": form,
        "first": first,
        "last": last,
        "report": report,
        "fill_kind": fill_kind,
        "fill_province": fill_province,
        "schools": schools,
        "spread": reports.school_spread(report["schools"]),
        "uptake": uptake,
        "uptake_rows": uptake_rows,
        "days": days,
        "charts": {
            "kind": _chart(
                "kind",
                _("Fill rate by kind"),
                _("Seats taken as a share of seats offered, per kind."),
                _bars(fill_kind, "label", "fill_rate", percent=True),
            ),
            "province": _chart(
                "province",
                _("Fill rate by province"),
                _("Seats taken as a share of seats offered, per province of the opportunity."),
                _bars(fill_province, "label", "fill_rate", percent=True),
            ),
            "schools": _chart(
                "schools",
                _("Students served per school"),
                _("Share of each school's students with a kept booking."),
                _bars(schools, "name", "share", percent=True),
            ),
            "uptake": _chart(
                "uptake",
                _("How recommendations are received"),
                _("Feedback on recommendations and the outcome of bookings proposed from them."),
                _bars(uptake_rows, "label", "n"),
            ),
            "days": _chart(
                "days",
                _("Seats booked per day"),
                _("Seats booked in sessions on each day of the week."),
                _bars(days, "label", "seats"),
            ),
        },
    }
    return render(request, "web/organiser/dashboard.html", context)


# --- companies ------------------------------------------------------------------------------------


def _companies_page(
    request: HttpRequest, *, errors: dict[int, RejectForm] | None = None, status: int = 200
) -> HttpResponse:
    errors = errors or {}
    # Who registered it, to judge it by: the staff accounts made with it (the first one signed up).
    staff = Prefetch("staff", queryset=User.objects.order_by("date_joined", "pk"), to_attr="people")
    waiting = Company.objects.waiting().prefetch_related(staff).order_by("created_at", "pk")
    context = {
        "waiting": [(company, errors.get(company.pk) or RejectForm()) for company in waiting],
        "rejected": Company.objects.rejected().order_by("-rejected_at", "pk"),
        "approved": Company.objects.approved().order_by("name", "pk"),
    }
    return render(request, "web/organiser/companies.html", context, status=status)


@organiser_only
@require_GET
def companies(request: HttpRequest) -> HttpResponse:
    return _companies_page(request)


@organiser_only
@require_POST
def company_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    company = get_object_or_404(Company, pk=pk)
    if action == "approve":
        company_approve(company_id=company.pk)
        messages.success(request, _("%(name)s is approved: its opportunities are published.") % {"name": company.name})
    elif action == "reject":
        form = RejectForm(request.POST)
        if not form.is_valid():
            return _companies_page(request, errors={company.pk: form})
        try:
            company_reject(company_id=company.pk, reason=form.cleaned_data["reason"])
        except RejectionError:  # approved meanwhile: its reject button is no longer on the page
            messages.error(request, _("%(name)s is approved: withdraw the approval instead.") % {"name": company.name})
            return redirect("web:organiser-companies")
        messages.success(request, _("%(name)s is rejected; it stays unpublished.") % {"name": company.name})
    elif action == "withdraw":
        withdrawn = company_approval_withdraw(company_id=company.pk)
        messages.success(
            request,
            _("%(name)s is no longer approved; %(count)d bookings were withdrawn and their participants told why.")
            % {"name": company.name, "count": withdrawn},
        )
    else:
        return HttpResponse(status=404)
    return redirect("web:organiser-companies")


# --- rounds ---------------------------------------------------------------------------------------


def _jobs() -> list[RoundJob]:
    jobs_settle()
    return list(RoundJob.objects.select_related("match_round", "requested_by")[:JOBS_SHOWN])


@organiser_only
@require_http_methods(["GET", "POST"])
def rounds(request: HttpRequest) -> HttpResponse:
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = round_start(kind=data["kind"], requested_by=request.user, k=data["k"], mode=data["mode"])  # type: ignore[arg-type]
        except RoundBusy:
            form.add_error(None, _("A round of this kind is already queued or running: wait for it to finish."))
        else:
            messages.success(request, _("Round %(pk)d started.") % {"pk": job.pk})
            return redirect("web:organiser-rounds")
    return render(request, "web/organiser/rounds.html", {"form": form, "jobs": _jobs()})


@organiser_only
@require_GET
def round_job(request: HttpRequest, pk: int) -> HttpResponse:
    """One job's row, polled every 2 s while it is queued or running (the row stops polling itself)."""
    jobs_settle()
    job = get_object_or_404(RoundJob.objects.select_related("match_round", "requested_by"), pk=pk)
    return render(request, "web/organiser/_job.html", {"job": job})


# --- the week's report ----------------------------------------------------------------------------


def _week_rows(request: HttpRequest) -> tuple[WeekForm, dt.date, dt.date, list[dict[str, Any]]]:
    form, first, last = _week(request, timezone.localdate())
    after, before = reports.window_of(first, last)
    return form, first, last, reports.week_report(starts_after=after, starts_before=before)


@organiser_only
@require_GET
def week_report(request: HttpRequest) -> HttpResponse:
    form, first, last, rows = _week_rows(request)
    initial = {"first": first, "last": last, "recipients": ", ".join(settings.REPORT_RECIPIENTS)}
    return _report_page(request, form, first, last, rows, ReportSendForm(initial=initial))


def _report_page(
    request: HttpRequest,
    form: WeekForm,
    first: dt.date,
    last: dt.date,
    rows: list[dict[str, Any]],
    send_form: ReportSendForm,
) -> HttpResponse:
    context = {
        "form": form,
        "first": first,
        "last": last,
        "rows": rows,
        "totals": reports.week_report_totals(rows),
        "query": request.GET.urlencode(),
        "next_week": _iso_week(reports.next_session_day()),
        "send_form": send_form,
    }
    return render(request, "web/organiser/report.html", context)


@organiser_only
@require_POST
def week_report_mail(request: HttpRequest) -> HttpResponse:
    """Queue the report of the days on screen for the addresses given (the relay sends it)."""
    send_form = ReportSendForm(request.POST)
    if not send_form.is_valid():
        if send_form.has_error("first") or send_form.has_error("last") or send_form.non_field_errors():
            messages.error(request, _("Choose the report's days again."))
            return redirect("web:organiser-report")
        first, last = send_form.cleaned_data["first"], send_form.cleaned_data["last"]
        form = WeekForm({"start": first, "end": last}, default=first)
        after, before = reports.window_of(first, last)
        rows = reports.week_report(starts_after=after, starts_before=before)
        return _report_page(request, form, first, last, rows, send_form)
    data = send_form.cleaned_data
    assert isinstance(request.user, User)  # organiser_only
    sent = week_report_send(
        first=data["first"],
        last=data["last"],
        recipients=data["recipients"],
        language=settings.LANGUAGE_CODE,
        sent_by=request.user.get_full_name() or request.user.get_username(),
    )
    if sent.queued:
        messages.success(
            request, _("The report is on its way to %(addresses)s.") % {"addresses": ", ".join(sent.queued)}
        )
    if sent.already:
        messages.info(
            request,
            _("%(addresses)s already had these very figures: not sent again.")
            % {"addresses": ", ".join(sent.already)},
        )
    query = urlencode({"start": data["first"].isoformat(), "end": data["last"].isoformat()})
    return redirect(f"{reverse('web:organiser-report')}?{query}")


def _iso_week(day: dt.date | None) -> str:
    if day is None:
        return ""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


@organiser_only
@require_GET
def week_report_csv(request: HttpRequest) -> HttpResponse:
    _form, first, last, rows = _week_rows(request)
    chunks = (c.encode() for c in csv_chunks(reports.WEEK_REPORT_HEADER, reports.week_report_cells(rows)))
    # A week's rows are few, but the writer streams anyway: the same shape as the other exports.
    response: Any = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report_filename(first, last, "csv")}"'
    return response


@organiser_only
@require_GET
def week_report_xlsx(request: HttpRequest) -> HttpResponse:
    _form, first, last, rows = _week_rows(request)
    buffer = io.BytesIO()
    title = f"{first.isoformat()} {last.isoformat()}"
    write_xlsx(buffer, reports.WEEK_REPORT_HEADER, reports.week_report_cells(rows), title=title)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{report_filename(first, last, "xlsx")}"'
    return response
