"""Forms of the company's pages: the company profile, opportunities and sessions.

Text that ends up in calendar lines (an opportunity's title is the event's SUMMARY) refuses control
characters and line breaks with an error beside the field, rather than reaching the ``.ics`` file.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import places
from companies.models import Company, Opportunity

from .forms import ChoicesMixin, kind_choices, level_choices, province_name, topic_choices

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_INPUTS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def refuse_control_characters(value: str) -> None:
    """One line of plain text: no line breaks, tabs or other control/format characters."""
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            raise ValidationError(
                _("Write this on one line, without line breaks or control characters (found %(code)s).")
                % {"code": f"U+{ord(char):04X}"},
                code="control_character",
            )


def _provinces() -> list[tuple[str, str]]:
    return [(code, province_name(code)) for code, _name in places.choices()]


class CompanyProfileForm(ChoicesMixin, forms.ModelForm):
    """What the company keeps itself; its identifier, tax code and approval are the organiser's."""

    province = forms.ChoiceField(label=_("Province or city"))
    website = forms.URLField(label=_("Website"), required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = Company
        fields = ["name", "sector", "address", "province", "website", "contact_email"]
        labels = {
            "name": _("Name"),
            "sector": _("Sector"),
            "address": _("Address"),
            "contact_email": _("Contact email"),
        }
        help_texts = {"contact_email": _("Schools and the organiser write to this address.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("province", _provinces())
        self.fields["name"].validators.append(refuse_control_characters)


SEATS_MAX = 10_000  # the seats of a session, and so of an opportunity's sessions and groups


class OpportunityForm(ChoicesMixin, forms.ModelForm):
    kind = forms.ChoiceField(label=_("Kind"))
    topics = forms.MultipleChoiceField(label=_("Topics"), required=False, widget=forms.CheckboxSelectMultiple)
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("vi", _("Vietnamese")), ("en", _("English")), ("", _("Vietnamese or English"))],
    )
    province = forms.ChoiceField(label=_("Province or city"), required=False)
    levels = forms.MultipleChoiceField(
        label=_("School levels"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: open to every level."),
    )

    class Meta:
        model = Opportunity
        fields = [
            "kind",
            "title",
            "description",
            "topics",
            "language",
            "province",
            "online",
            "levels",
            "min_age",
            "capacity",
            "group_min",
            "group_max",
            "apply_by",
        ]
        labels = {
            "title": _("Title"),
            "description": _("Description"),
            "online": _("Online"),
            "min_age": _("Minimum age"),
            "capacity": _("Seats per session"),
            "group_min": _("Smallest group"),
            "group_max": _("Largest group"),
            "apply_by": _("Apply by"),
        }
        help_texts = {
            "description": _("What participants do and learn, in Vietnamese or English."),
            "capacity": _("The default for new sessions; each session can have its own."),
            "group_min": _("For classes: the group sizes you can welcome."),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "apply_by": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("kind", kind_choices())
        self._choices("topics", topic_choices())
        self._choices("province", [("", _("None (online only)")), *_provinces()])
        self._choices("levels", level_choices())
        self.fields["title"].validators.append(refuse_control_characters)
        for name in ("min_age", "capacity", "group_min", "group_max"):
            self.fields[name].widget.attrs["min"] = 1

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("online") and not data.get("province"):
            self.add_error("province", _("Choose a province, or tick Online."))
        low, high = data.get("group_min"), data.get("group_max")
        if low is not None and high is not None and low > high:
            self.add_error("group_max", _("The largest group is smaller than the smallest."))
        if (age := data.get("min_age")) is not None and age > 100:
            self.add_error("min_age", _("Give an age of at most 100."))
        for name in ("capacity", "group_min"):
            if data.get(name) == 0:
                self.add_error(name, _("Give at least 1."))
        for name in ("capacity", "group_min", "group_max"):  # a session holds at most SEATS_MAX (SessionForm)
            if (value := data.get(name)) is not None and value > SEATS_MAX:
                self.add_error(name, _("Give at most %(max)s.") % {"max": f"{SEATS_MAX:,}".replace(",", ".")})
        # A deadline already past would publish an opportunity no one can be proposed for or book. One kept
        # from before (an edit of other fields after it passed) stays.
        apply_by = data.get("apply_by")
        if apply_by is not None and apply_by < timezone.localdate() and apply_by != self.instance.apply_by:
            self.add_error("apply_by", _("This date has passed: choose today or a later day."))
        return data


class SessionForm(forms.Form):
    """A session's times and seats: a new one, or the change handed to ``session_update``."""

    starts_at = forms.DateTimeField(label=_("Starts"), widget=DATETIME_WIDGET, input_formats=DATETIME_INPUTS)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DATETIME_WIDGET, input_formats=DATETIME_INPUTS)
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=SEATS_MAX)

    def __init__(self, *args: Any, now: dt.datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The session must end after it starts."))
        return data


class SessionCancelForm(forms.Form):
    """Why the company cancels a session: every participant is told it (``session_cancel`` checks it
    again, so the API and this page refuse the same input)."""

    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Everyone booked or waiting reads it in the email that tells them."),
    )


class NewSessionForm(SessionForm):
    def clean_starts_at(self) -> dt.datetime:
        start: dt.datetime = self.cleaned_data["starts_at"]
        if self.now is not None and start <= self.now:
            raise ValidationError(_("Choose a time in the future."))
        return start
