"""Forms of the pages. Labels and help are translated; errors name the field they belong to."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

import places
from companies.models import Kind, Level, Opportunity, Session
from matchmaking.engine.topics import load_vocabulary
from matchmaking.search import catalogue_search
from students.models import Student

MAX_AVAILABILITY_DAYS = 92


@functools.cache
def _topics() -> tuple[tuple[str, str, str], ...]:
    return tuple((t.id, t.vi, t.en) for t in load_vocabulary().topics)


def topic_choices() -> list[tuple[str, str]]:
    english = (get_language() or "vi").startswith("en")
    rows = [(tid, en if english else vi) for tid, vi, en in _topics()]
    return sorted(rows, key=lambda row: row[1].casefold())


def topic_names(ids: list[str]) -> list[str]:
    names = dict(topic_choices())
    return [names[i] for i in ids if i in names]


def province_name(code: str) -> str:
    if not code:
        return ""
    try:
        return places.name(code, "en" if (get_language() or "vi").startswith("en") else "vi")
    except (KeyError, ValueError):
        return code


def kind_choices() -> list[tuple[str, Any]]:
    return [
        (Kind.INTERNSHIP, _("Internship")),
        (Kind.VISIT, _("Company visit")),
        (Kind.CAREER_TALK, _("Career talk")),
        (Kind.WORKSHOP, _("Workshop")),
        (Kind.CONTEST, _("Contest")),
    ]


def level_choices() -> list[tuple[str, Any]]:
    return [
        (Level.LOWER_SECONDARY, _("Lower secondary school")),
        (Level.UPPER_SECONDARY, _("Upper secondary school")),
        (Level.VOCATIONAL, _("Vocational school")),
        (Level.UNIVERSITY, _("University")),
    ]


def _any(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", _("Any")), *choices]


class ChoicesMixin:
    fields: dict[str, forms.Field]

    def _choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class CatalogueFilter(ChoicesMixin, forms.Form):
    """The catalogue's search and filters; every field is optional."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("e.g. programming, robots, pottery"), "enterkeyhint": "search"}
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    province = forms.ChoiceField(label=_("Province or city"), required=False)
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    level = forms.ChoiceField(label=_("School level"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    online = forms.ChoiceField(label=_("Where"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("kind", _any(kind_choices()))
        self._choices("province", _any([(code, province_name(code)) for code, _n in places.choices()]))
        self._choices("topic", _any(topic_choices()))
        self._choices("level", _any(level_choices()))
        self._choices("online", [("", _("Online or in person")), ("1", _("Online")), ("0", _("In person"))])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def apply(self, qs: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
        self.is_valid()  # the valid fields still filter when another one is wrong (its error is shown)
        data = getattr(self, "cleaned_data", {})  # an unbound form: no filters
        if q := (data.get("q") or "").strip():
            qs = catalogue_search(qs, q)
        if kind := data.get("kind"):
            qs = qs.filter(kind=kind)
        if province := data.get("province"):
            qs = qs.filter(province=province)
        if (online := data.get("online")) in ("0", "1"):
            qs = qs.filter(online=online == "1")
        # One session inside both dates (two filters over the sessions would take one after the start
        # and another before the end); a session the company cancelled is no date to offer.
        start, end = data.get("date_from"), data.get("date_to")
        if start or end:
            sessions = Session.objects.not_cancelled()
            if start:
                sessions = sessions.filter(starts_at__date__gte=start)
            if end:
                sessions = sessions.filter(starts_at__date__lte=end)
            qs = qs.filter(pk__in=sessions.values("opportunity_id"))
        # JSON lists: the same test on SQLite and PostgreSQL, in Python over (id, list) pairs.
        if topic := data.get("topic"):
            qs = qs.filter(pk__in=[pk for pk, ts in qs.values_list("pk", "topics") if topic in (ts or [])])
        if level := data.get("level"):
            qs = qs.filter(pk__in=[pk for pk, ls in qs.values_list("pk", "levels") if not ls or level in ls])
        return qs


class ProfileForm(ChoicesMixin, forms.ModelForm):
    """What a student keeps themselves; name, school, birth date and level are the school's."""

    preferred_kinds = forms.MultipleChoiceField(
        label=_("Kinds I like most"), required=False, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages I can take part in"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[("vi", _("Vietnamese")), ("en", _("English"))],
    )

    class Meta:
        model = Student
        fields = ["interests", "skills", "preferred_kinds", "languages"]
        labels = {"interests": _("What interests me"), "skills": _("What I can already do")}
        help_texts = {
            "interests": _("In your own words, in Vietnamese or English: “programming games, robots, design”."),
            "skills": _("For example: Scratch, Python, drawing, English."),
        }
        widgets = {"interests": forms.Textarea(attrs={"rows": 3}), "skills": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("preferred_kinds", kind_choices())

    def clean_languages(self) -> list[str]:
        chosen: list[str] = self.cleaned_data["languages"]
        # Keep the order the student had: the first is the language of mail unless the settings chose one.
        current = [lang for lang in self.instance.languages if lang in chosen]
        return current + [lang for lang in chosen if lang not in current]


class MailForm(forms.Form):
    email_opt_in = forms.BooleanField(label=_("Email me recommendations (at most twice a week)"), required=False)
    language = forms.ChoiceField(
        label=_("Language of my emails"), choices=[("vi", _("Vietnamese")), ("en", _("English"))]
    )


PARTS_OF_DAY: dict[str, tuple[dt.time, dt.time]] = {
    "morning": (dt.time(7, 30), dt.time(11, 30)),
    "afternoon": (dt.time(13, 30), dt.time(17, 0)),
    "evening": (dt.time(18, 0), dt.time(21, 0)),
}


class AvailabilityForm(forms.Form):
    """ "Mornings of 1–7 October": a date range and parts of the day, turned into free-time intervals."""

    # Django's "This field is required." says nothing a 15-year-old on a phone can act on.
    date_from = forms.DateField(
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Choose the first day.")},
    )
    date_to = forms.DateField(
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Choose the last day.")},
    )
    parts = forms.MultipleChoiceField(
        label=_("Parts of the day"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one: morning, afternoon or evening.")},
        choices=[
            ("morning", _("Morning (07:30–11:30)")),
            ("afternoon", _("Afternoon (13:30–17:00)")),
            ("evening", _("Evening (18:00–21:00)")),
        ],
    )
    weekends = forms.BooleanField(label=_("Include Saturdays and Sundays"), required=False, initial=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", _("The end date is before the start date."))
            elif end < timezone.localdate():
                # Past free times are never shown nor matched: "2 added" and an unchanged list confused.
                self.add_error("date_to", _("Those days have passed: choose days from today on."))
            elif (end - start).days >= MAX_AVAILABILITY_DAYS:
                self.add_error(
                    "date_to", _("Choose at most %(days)s days at a time.") % {"days": MAX_AVAILABILITY_DAYS}
                )
        return data

    def intervals(self, tz: dt.tzinfo) -> list[tuple[dt.datetime, dt.datetime]]:
        data = getattr(self, "cleaned_data", {})  # an unbound form: no filters
        day, out = data["date_from"], []
        while day <= data["date_to"]:
            if data["weekends"] or day.weekday() < 5:
                for part in data["parts"]:
                    start, end = PARTS_OF_DAY[part]
                    out.append((dt.datetime.combine(day, start, tz), dt.datetime.combine(day, end, tz)))
            day += dt.timedelta(days=1)
        if not out:
            self.add_error("weekends", _("Those dates hold only a weekend: tick Saturdays and Sundays."))
        return out


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand: my profile, free times, recommendations and account are erased for good."),
        error_messages={"required": _("Tick the box to confirm.")},
    )
