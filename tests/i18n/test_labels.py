"""Every label a person reads comes from the catalogues: English is the source, Vietnamese the default."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from accounts.models import User
from companies.models import Company, Kind, Level
from matchmaking.models import Feedback, MatchRound, ParticipantType, StagedMatch
from matchmaking.phrasing import reasons_text
from notifications.models import OutboxMessage, Suppression
from rounds.models import RoundJob
from scheduler.models import AllocationMode, BookingStatus
from students.models import GuardianConsent

OUR_APPS = ("accounts", "companies", "students", "matchmaking", "scheduler", "notifications", "rounds")
CHOICES: list[type[models.Choices]] = [
    Kind,
    Level,
    Company.Profile,
    BookingStatus,
    OutboxMessage.Status,
    OutboxMessage.Category,
    Suppression.Reason,
    Suppression.Source,
    Feedback.Kind,
    GuardianConsent.Method,
    User.Role,
    MatchRound.Status,
    ParticipantType,
    StagedMatch.Direction,
    RoundJob.Kind,
    RoundJob.Status,
    AllocationMode,
]
# What each kind is, in both languages (issue "Vietnamese first: every word translated").
KINDS = {
    "internship": ("Internship", "Thực tập"),
    "visit": ("Company visit", "Tham quan doanh nghiệp"),
    "career_talk": ("Career talk", "Nói chuyện hướng nghiệp"),
    "workshop": ("Workshop", "Hội thảo/workshop"),
    "contest": ("Contest", "Cuộc thi"),
}


def labels(choices: type[models.Choices], language: str) -> dict[str, str]:
    with translation.override(language):
        return {str(value): str(label) for value, label in choices.choices}


def our_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]


@pytest.mark.parametrize("choices", CHOICES, ids=lambda c: c.__qualname__)
def test_every_choice_label_is_translated_into_vietnamese(choices: type[models.Choices]) -> None:
    english, vietnamese = labels(choices, "en"), labels(choices, "vi")

    assert english.keys() == vietnamese.keys()
    untranslated = [value for value in english if english[value] == vietnamese[value]]
    assert not untranslated, f"{choices.__qualname__}: {untranslated} read the same in both languages"


def test_each_kind_is_named_for_what_it_is_in_both_languages() -> None:
    assert labels(Kind, "en") == {value: en for value, (en, _) in KINDS.items()}
    assert labels(Kind, "vi") == {value: vi for value, (_, vi) in KINDS.items()}
    # A tour-guide workshop is not a digital-skills course, in any language.
    for language in ("en", "vi"):
        assert not any("kỹ năng số" in label or "Digital" in label for label in labels(Kind, language).values())


def test_a_label_follows_the_active_language_at_each_use_not_at_import() -> None:
    booking_status = BookingStatus.CONFIRMED.label
    with translation.override("en"):
        assert str(booking_status) == "Confirmed"
    with translation.override("vi"):
        assert str(booking_status) == "Đã xác nhận"


def test_every_model_is_named_in_both_languages_with_a_plural_of_its_own() -> None:
    for model in our_models():
        opts = model._meta
        # A declared plural, never Django's name + "s" ("Opportunity matchs").
        assert "verbose_name_plural" in opts.original_attrs, model.__name__
        with translation.override("en"):
            english = (str(opts.verbose_name), str(opts.verbose_name_plural))
        with translation.override("vi"):
            vietnamese = (str(opts.verbose_name), str(opts.verbose_name_plural))
        assert english[0] != vietnamese[0] and english[1] != vietnamese[1], (model.__name__, english, vietnamese)


def test_every_field_a_person_reads_in_the_admin_is_translated() -> None:
    same_in_both = {"email", "nDCG@10"}
    untranslated = []
    for model in our_models():
        for field in model._meta.get_fields():
            if not hasattr(field, "verbose_name") or field.auto_created:
                continue
            with translation.override("en"):
                english = str(field.verbose_name)
            with translation.override("vi"):
                vietnamese = str(field.verbose_name)
            if english == vietnamese and english not in same_in_both:
                untranslated.append(f"{model.__name__}.{field.name}: {english!r}")
    assert not untranslated


def test_our_translations_are_the_ones_in_effect() -> None:
    """An app listed earlier in INSTALLED_APPS wins a msgid both translate (django.contrib.sessions has
    "session" → "Phiên", a login session; ours is a time slot, "buổi"): such words take a context."""
    shadowed = []
    for app in OUR_APPS:
        mo = Path(apps.get_app_config(app).path) / "locale" / "vi" / "LC_MESSAGES" / "django.mo"
        with mo.open("rb") as handle:
            catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
        with translation.override("vi"):
            for key, ours in catalog.items():
                if key == "" or isinstance(key, tuple):  # the header; plural forms are checked by msgfmt
                    continue
                context, _, msgid = key.rpartition("\x04")
                effective = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
                if effective != ours:
                    shadowed.append(f"{app}: {msgid!r} reads {effective!r}, not {ours!r}")
    assert not shadowed


def test_every_app_is_named_in_the_readers_language() -> None:
    for app in OUR_APPS:
        name = apps.get_app_config(app).verbose_name
        with translation.override("en"):
            english = str(name)
        with translation.override("vi"):
            vietnamese = str(name)
        assert english == "Email" or english != vietnamese, app  # "email" is a Vietnamese word too


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_reason_names_the_kind_with_the_models_label(language: str) -> None:
    """The engine's reasons carry the kind's code; the sentence names it as the catalogue does."""
    with translation.override(language):
        sentences = {kind: reasons_text([{"factor": "kind", "kind": kind}]) for kind in Kind.values}
    assert sentences == {
        kind: [{"vi": "Loại hình bạn thích: %s", "en": "A kind you prefer: %s"}[language] % label]
        for kind, label in labels(Kind, language).items()
    }
