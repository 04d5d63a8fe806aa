"""Schools, their students and class requests, availability, and guardian consent."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from companies.models import Level, validate_province_code
from companies.validators import validate_free_text, validate_single_line

ADULT_AGE = 18


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def validate_levels(value: object) -> None:
    """A list of level codes (``lower_secondary`` …), each once."""
    if not isinstance(value, list) or any(item not in Level.values for item in value):
        raise ValidationError(
            _("Give a list of levels, each one of: %(levels)s.") % {"levels": ", ".join(Level.values)},
            code="invalid",
        )


def split_levels(levels: list[str]) -> tuple[str, list[str]]:
    """``levels`` as a school keeps them: the first is its main level (``School.level``), the others
    (``School.other_levels``) follow in the order of ``Level``, each once, without the main one."""
    main = levels[0]
    return main, [code for code in Level.values if code in levels[1:] and code != main]


def levels_text(levels: list[str]) -> str:
    """``trung học cơ sở và trung học phổ thông``: the levels' names, lower case, for a sentence."""
    names = [str(Level(code).label).lower() for code in levels]
    if len(names) == 1:
        return names[0]
    return _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


class School(models.Model):
    external_id = models.CharField(_("external ID"), max_length=64, unique=True)
    name = models.CharField(pgettext_lazy("organisation", "name"), max_length=200, validators=[validate_single_line])
    # The school's main level; a combined school (trường liên cấp: "THCS và THPT") also teaches
    # ``other_levels``. Kept apart so that every reader of ``level`` stays right for a one-level school.
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    other_levels = models.JSONField(
        _("other levels"),
        default=list,
        blank=True,
        validators=[validate_levels],
        help_text=_("A combined school's other levels, besides its main one (THPT for a “THCS và THPT” school)."),
    )
    province = models.CharField(_("province"), max_length=32, validators=[validate_province_code])
    contact_email = models.EmailField(_("contact email"))
    address = models.CharField(_("address"), max_length=300, blank=True, validators=[validate_single_line])
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        constraints = [
            models.CheckConstraint(condition=~Q(external_id=""), name="school_external_id_not_empty"),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="school_level_valid"),
            models.CheckConstraint(condition=~Q(province=""), name="school_province_not_empty"),
        ]
        indexes = [models.Index(fields=["province"])]

    def __str__(self) -> str:
        return self.name

    @property
    def levels(self) -> list[str]:
        """Every level the school teaches, its main level first."""
        return [self.level, *(code for code in self.other_levels if code != self.level)]

    def check_levels(self, levels: list[str]) -> None:
        """Raise ``ValidationError`` (on ``levels``) when the school would stop teaching a level that
        some of its class requests are at: those classes would be refused at their next save."""
        if self.pk is None:
            return
        kept = ClassRequest.objects.filter(school=self).exclude(level__in=levels).order_by("level", "class_name")
        stranded = list(kept.values_list("class_name", "level")[:5])
        if stranded:
            raise ValidationError(
                {
                    "levels": _(
                        "Class %(class)s is at the %(level)s level: keep that level, or change or delete its "
                        "class requests first."
                    )
                    % {"class": stranded[0][0], "level": str(Level(stranded[0][1]).label).lower()}
                }
            )

    def teaches(self, level: str) -> bool:
        """Whether a class of ``level`` can be the school's: a THCS school has no THPT class, a combined
        THCS and THPT school has both. The CSV import checks the same (``exchange.contract``)."""
        return level in self.levels


def born_by(day: dt.date, years: int) -> dt.date:
    """The latest birth date of someone ``years`` old on ``day`` (born on 29 February: a year older on
    1 March in common years)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class StudentQuerySet(models.QuerySet["Student"]):
    def active(self) -> StudentQuerySet:
        """Students whose data has not been erased."""
        return self.filter(erased_at__isnull=True)

    def minors(self, day: dt.date | None = None, *, minor: bool = True) -> StudentQuerySet:
        """Students under 18 on ``day`` (today by default); ``minor=False``: those 18 or older."""
        born = born_by(day or timezone.localdate(), ADULT_AGE)
        return self.filter(birth_date__gt=born) if minor else self.filter(birth_date__lte=born)

    def aged(self, years: int, day: dt.date) -> StudentQuerySet:
        """Students ``years`` old or more on ``day`` (none without a birth date)."""
        return self.filter(birth_date__lte=born_by(day, years))

    def with_consent(self) -> StudentQuerySet:
        """Annotate ``has_guardian_consent``: an active (not withdrawn) consent record exists."""
        active = GuardianConsent.objects.filter(student=OuterRef("pk"), withdrawn_at__isnull=True)
        return self.annotate(has_guardian_consent=Exists(active))


class Student(models.Model):
    external_id = models.CharField(_("external ID"), max_length=64, unique=True)
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="students")
    full_name = models.CharField(_("full name"), max_length=200, validators=[validate_single_line])
    email = models.EmailField(_("email"))
    birth_date = models.DateField(_("date of birth"))
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    interests = models.TextField(_("interests"), blank=True, validators=[validate_free_text])
    skills = models.TextField(_("skills"), blank=True, validators=[validate_free_text])
    preferred_kinds = models.JSONField(_("preferred kinds"), default=list, blank=True)
    excluded_kinds = models.JSONField(_("excluded kinds"), default=list, blank=True)
    province = models.CharField(_("province"), max_length=32, validators=[validate_province_code])
    languages = models.JSONField(
        _("languages"), default=list, blank=True, help_text=_("Languages the student can take part in.")
    )
    # The language of the student's mail, chosen in their settings; empty: the first of ``languages``.
    # Apart, so that choosing English mail does not make English events ones they can take part in.
    mail_language = models.CharField(
        _("language of mail"), max_length=2, blank=True, choices=[("vi", _("Vietnamese")), ("en", _("English"))]
    )
    guardian_email = models.EmailField(_("guardian email"), blank=True)
    email_opt_in = models.BooleanField(_("email opt-in"), default=False)
    # Set when the student's data is erased on request: the row stays anonymised for good (an import
    # of the school's old roster leaves it alone) and the student is out of matchmaking and scheduling.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = StudentQuerySet.as_manager()

    class Meta:
        ordering = ["external_id"]
        verbose_name = _("student")
        verbose_name_plural = _("students")
        constraints = [
            models.CheckConstraint(condition=~Q(external_id=""), name="student_external_id_not_empty"),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="student_level_valid"),
            models.CheckConstraint(condition=Q(grade__isnull=True) | Q(grade__lte=20), name="student_grade_sane"),
        ]
        indexes = [models.Index(fields=["school", "level"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def language(self) -> str:
        """The language of the student's mail: the one chosen, else the first they take part in."""
        if self.mail_language in ("vi", "en"):
            return self.mail_language
        return self.languages[0] if self.languages and self.languages[0] in ("vi", "en") else "vi"

    def age_on(self, day: dt.date) -> int:
        return age_on(self.birth_date, day)

    def is_minor(self, day: dt.date | None = None) -> bool:
        return self.age_on(day or timezone.localdate()) < ADULT_AGE


class ClassRequest(models.Model):
    external_id = models.CharField(_("external ID"), max_length=64, unique=True)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="class_requests"
    )
    class_name = models.CharField(_("class"), max_length=50, validators=[validate_single_line])
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    group_size = models.PositiveIntegerField(_("group size"))
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    interests = models.TextField(_("interests"), blank=True, validators=[validate_free_text])
    topics = models.JSONField(_("topics"), default=list, blank=True)
    kinds = models.JSONField(_("kinds"), default=list, blank=True, help_text=_("Empty: any kind."))
    max_bookings = models.PositiveSmallIntegerField(_("maximum bookings"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["external_id"]
        verbose_name = _("class request")
        verbose_name_plural = _("class requests")
        constraints = [
            models.CheckConstraint(condition=~Q(external_id=""), name="class_request_external_id_not_empty"),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="class_request_level_valid"),
            models.CheckConstraint(condition=Q(group_size__gte=1), name="class_request_group_size_positive"),
            models.CheckConstraint(condition=Q(max_bookings__gte=1), name="class_request_max_bookings_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.class_name} — {self.school}"

    def clean(self) -> None:
        super().clean()
        # An unknown level is the field's own error (clean_fields); only a real one is checked here.
        school = self.school if self.school_id is not None else None
        if school is not None and self.level in Level.values and not school.teaches(self.level):
            values = {
                "school": school.name,
                "school_level": levels_text(school.levels),
                "level": str(Level(self.level).label).lower(),
            }
            if len(school.levels) == 1:
                message = _("%(school)s teaches %(school_level)s only: its classes are at that level, not %(level)s.")
            else:
                message = _(
                    "%(school)s teaches %(school_level)s: its classes are at one of these levels, not %(level)s."
                )
            raise ValidationError({"level": message % values})


class AvailabilityInterval(models.Model):
    """A time a student or a class is free. Exactly one owner."""

    student = models.ForeignKey(
        Student, verbose_name=_("student"), null=True, blank=True, on_delete=models.CASCADE, related_name="availability"
    )
    class_request = models.ForeignKey(
        ClassRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="availability",
        verbose_name=_("class request"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("availability interval")
        verbose_name_plural = _("availability intervals")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="availability_ends_after_start"
            ),
            models.CheckConstraint(
                condition=(Q(student__isnull=False) & Q(class_request__isnull=True))
                | (Q(student__isnull=True) & Q(class_request__isnull=False)),
                name="availability_has_one_owner",
            ),
        ]

    def __str__(self) -> str:
        start, end = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"


class GuardianConsent(models.Model):
    """A guardian's consent for a student under 18: who gave it, when, how; and when it was withdrawn.

    Rows are never deleted: a withdrawal sets ``withdrawn_at``, and a new consent is a new row, so the
    history stays as evidence. At most one active consent per student.
    """

    class Method(models.TextChoices):
        EMAIL_LINK = "email_link", _("Email link")
        PAPER_FORM = "paper_form", _("Signed paper form (recorded by the school)")
        SCHOOL_IMPORT = "school_import", _("School CSV import")

    student = models.ForeignKey(Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="consents")
    guardian_email = models.EmailField(_("guardian email"), blank=True)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    evidence = models.TextField(
        _("evidence"), blank=True, help_text=_("What proves it: a file name, a signed token id, …")
    )
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    # Who recorded it (a coordinator's username, "import:<file>", "guardian"): text, so consent
    # evidence survives the deletion of the account that recorded it.
    recorded_by = models.CharField(_("recorded by"), max_length=200, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("guardian consent")
        verbose_name_plural = _("guardian consents")
        constraints = [
            models.UniqueConstraint(
                fields=["student"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_active_consent_per_student",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=models.F("given_at")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self) -> str:
        if self.withdrawn_at:
            return _("Consent for %(student)s (withdrawn)") % {"student": self.student}
        return _("Consent for %(student)s (active)") % {"student": self.student}
