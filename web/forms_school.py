"""Forms of the school coordinator's pages. Labels and help are translated; errors name their field."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .forms import AvailabilityForm, ChoicesMixin, kind_choices, level_choices

UPLOAD_SUFFIXES = (".csv", ".xlsx")
# The grades each school level teaches in Việt Nam (THCS 6–9, THPT 10–12); other levels take any grade.
GRADES_OF_LEVEL = {"lower_secondary": range(6, 10), "upper_secondary": range(10, 13)}


class UploadForm(forms.Form):
    """The school's two files; either may be left out, but not both."""

    students = forms.FileField(label=_("Students file (CSV or Excel .xlsx, under any name)"), required=False)
    class_requests = forms.FileField(
        label=_("Class requests file (CSV or Excel .xlsx, under any name)"), required=False
    )

    def _file(self, name: str) -> Any:
        upload = self.cleaned_data.get(name)
        if upload is None:
            return None
        if not (upload.name or "").lower().endswith(UPLOAD_SUFFIXES):
            raise forms.ValidationError(_("Send a .csv or .xlsx file."))
        limit = settings.IMPORT_MAX_BYTES  # the same limit as the API's imports
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(_("A file may be at most %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)})
        return upload

    def clean_students(self) -> Any:
        return self._file("students")

    def clean_class_requests(self) -> Any:
        return self._file("class_requests")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not data.get("students") and not data.get("class_requests"):
            raise forms.ValidationError(_("Choose at least one file."))
        return data


class StudentFilter(ChoicesMixin, forms.Form):
    """The student list's filters; every field is optional."""

    q = forms.CharField(label=_("Name or code"), required=False, max_length=100)
    consent = forms.ChoiceField(label=_("Guardian consent"), required=False)
    grade = forms.IntegerField(label=_("Grade"), required=False, min_value=1, max_value=20)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices(
            "consent",
            [
                ("", _("Everyone")),
                ("missing", _("Under 18 without consent")),
                ("given", _("Consent on record")),
                ("minor", _("Under 18")),
                ("adult", _("18 or older")),
            ],
        )


def split_topics(text: str) -> list[str]:
    """``"lập trình; robot, AI"`` → ``["lập trình", "robot", "AI"]`` (the CSV's ``;``, or commas)."""
    return [part.strip() for part in re.split(r"[;,\n]", text) if part.strip()]


class ClassRequestForm(ChoicesMixin, forms.Form):
    """What a class asks for; its free times come from ``FreeTimesForm`` beside it."""

    class_name = forms.CharField(label=_("Class"), max_length=50, help_text=_("For example 11A1."))
    level = forms.ChoiceField(label=_("School level"))
    group_size = forms.IntegerField(label=_("Number of students"), min_value=1, max_value=1000)
    grade = forms.IntegerField(label=_("Grade"), required=False, min_value=1, max_value=20)
    interests = forms.CharField(
        label=_("What the class would like"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("In your own words: “visit a software company, learn what engineers do”."),
    )
    topics = forms.CharField(
        label=_("Topics"), required=False, max_length=1000, help_text=_("Separate them with ; — lập trình; robot")
    )
    kinds = forms.MultipleChoiceField(
        label=_("Kinds wanted (none ticked: any kind)"), required=False, widget=forms.CheckboxSelectMultiple
    )
    max_bookings = forms.IntegerField(label=_("How many sessions at most"), min_value=1, max_value=50, initial=1)

    def __init__(self, *args: Any, levels: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("level", level_choices())
        if levels:
            # Only the levels the school teaches are offered (a combined school's THCS and THPT). Any level
            # is still taken, so that another one gets the model's refusal naming the school's levels.
            offered = [*levels, *([self.initial["level"]] if self.initial.get("level") else [])]
            self.fields["level"].widget.choices = [c for c in level_choices() if c[0] in offered]
        self._choices("kinds", kind_choices())

    def clean_topics(self) -> list[str]:
        return split_topics(self.cleaned_data.get("topics") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        level: str = data.get("level") or ""
        grade = data.get("grade")
        grades = GRADES_OF_LEVEL.get(level)
        if grades and grade is not None and grade not in grades:
            # A class "11A" left on the default lower-secondary level would be matched to the wrong sessions.
            self.add_error(
                "grade",
                _("Grade %(grade)s is not in %(level)s (grades %(first)s–%(last)s): check the grade or the level.")
                % {"grade": grade, "level": dict(level_choices())[level], "first": grades[0], "last": grades[-1]},
            )
        return data

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class SchoolLevelsForm(ChoicesMixin, forms.Form):
    """The levels the school teaches: its main level, and the others of a combined school (liên cấp)."""

    level = forms.ChoiceField(label=_("Main level"), widget=forms.RadioSelect)
    other_levels = forms.MultipleChoiceField(
        label=_("The school also teaches"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A combined school (trường liên cấp), such as “THCS và THPT”: tick its other levels."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("level", level_choices())
        self._choices("other_levels", level_choices())

    def levels(self) -> list[str]:
        """Every level ticked, the main one first."""
        main = self.cleaned_data["level"]
        return [main, *(code for code in self.cleaned_data["other_levels"] if code != main)]


class FreeTimesForm(AvailabilityForm):
    """The student's free-time editor (a date range × parts of the day), optional here: left empty, the
    class keeps the free times it has."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    @property
    def given(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return bool(data.get("date_from") or data.get("date_to") or data.get("parts"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.given:
            for name in ("date_from", "date_to", "parts"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Fill this in too, or leave the three free-time fields empty."))
        return data


class RemoveTimesForm(forms.Form):
    """Which of the class's current free times to drop (ticked boxes)."""

    remove = forms.MultipleChoiceField(
        label=_("Remove these free times"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["remove"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = choices


class BookClassForm(forms.Form):
    session = forms.IntegerField(widget=forms.HiddenInput)
