"""The organiser's forms: a rejection's reason, starting a round, and the week picker of the reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rounds.models import RoundJob
from scheduler.models import AllocationMode

MAX_REPORT_DAYS = 92


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it rejected?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the office's records; the company is not mailed."),
    )


class RoundForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Round"),
        choices=[(RoundJob.Kind.MATCHMAKING, _("Matchmaking")), (RoundJob.Kind.SCHEDULING, _("Scheduling"))],
        widget=forms.RadioSelect,
        initial=RoundJob.Kind.MATCHMAKING,
    )
    k = forms.IntegerField(
        label=_("Recommendations per participant (matchmaking)"), min_value=1, max_value=50, initial=10
    )
    mode = forms.ChoiceField(
        label=_("Allocation (scheduling)"),
        choices=AllocationMode.choices,
        initial=AllocationMode.OPTIMAL,
        widget=forms.RadioSelect,
    )


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


class WeekForm(forms.Form):
    """An ISO week (``2030-W40``, what ``<input type=week>`` sends) or a date range; the week wins."""

    week = forms.CharField(label=_("Week"), required=False, widget=forms.TextInput(attrs={"type": "week"}))
    start = forms.DateField(label=_("or from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, default: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default = default
        year, week, _weekday = default.isocalendar()
        self.fields["week"].initial = f"{year}-W{week:02d}"  # what the picker shows before a choice

    def clean_week(self) -> dt.date | None:
        value = self.cleaned_data["week"].strip()
        if not value:
            return None
        try:
            year, _w, week = value.upper().partition("-W")
            return dt.date.fromisocalendar(int(year), int(week), 1)
        except ValueError:
            raise forms.ValidationError(
                _("Give a week as YEAR-Wnn, for example 2030-W40 (%(value)s is not one)."),
                params={"value": value},
            ) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        week, start, end = data.get("week"), data.get("start"), data.get("end")
        if week:
            data["first"], data["last"] = week, week + dt.timedelta(days=6)
        elif start or end:
            if not (start and end):
                self.add_error("end" if start else "start", _("Give both dates of the range."))
                return data
            if end < start:
                self.add_error("end", _("The range ends before it starts."))
                return data
            if (end - start).days >= MAX_REPORT_DAYS:
                self.add_error("end", _("At most %(days)d days at a time.") % {"days": MAX_REPORT_DAYS})
                return data
            data["first"], data["last"] = start, end
        return data

    def dates(self) -> tuple[dt.date, dt.date]:
        """The chosen first and last day; the default week when nothing (or something wrong) was chosen."""
        if self.is_bound and self.is_valid() and "first" in self.cleaned_data:
            return self.cleaned_data["first"], self.cleaned_data["last"]
        monday = week_start(self.default)
        return monday, monday + dt.timedelta(days=6)


class ReportSendForm(forms.Form):
    """Send the report on screen: its days (hidden, from the page) and the addresses to send it to."""

    first = forms.DateField(widget=forms.HiddenInput)
    last = forms.DateField(widget=forms.HiddenInput)
    recipients = forms.CharField(
        label=_("Send to"),
        max_length=2000,
        help_text=_("One or more email addresses, separated by commas."),
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "email"}),
    )

    def clean_recipients(self) -> list[str]:
        found = [item.strip() for item in self.cleaned_data["recipients"].replace(";", ",").split(",") if item.strip()]
        if not found:
            raise forms.ValidationError(_("Give at least one email address."))
        if len(found) > 20:
            raise forms.ValidationError(_("At most 20 addresses at a time."))
        field = forms.EmailField()
        for item in found:
            try:
                field.clean(item)
            except forms.ValidationError:
                raise forms.ValidationError(
                    _("%(value)s is not an email address."), params={"value": item}
                ) from None
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first"), data.get("last")
        if first and last and not (0 <= (last - first).days < MAX_REPORT_DAYS):
            raise forms.ValidationError(_("Choose the report's days again."))
        return data
