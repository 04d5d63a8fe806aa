"""Companies (and individual experts, entrepreneurs, artisans), their opportunities and sessions.

``Level`` and ``Kind`` live here because the audience of an opportunity is defined in these terms;
``students`` imports them. Invariants are database constraints, not only form validation.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

import places

from .validators import validate_free_text, validate_single_line


def validate_province_code(value: str) -> None:
    if value and value not in places.codes():
        raise ValidationError(f"{value!r} is not a province code")


class Level(models.TextChoices):
    LOWER_SECONDARY = "lower_secondary", "Trung học cơ sở"
    UPPER_SECONDARY = "upper_secondary", "Trung học phổ thông"
    VOCATIONAL = "vocational", "Giáo dục nghề nghiệp"
    UNIVERSITY = "university", "Đại học"


class Kind(models.TextChoices):
    INTERNSHIP = "internship", "Thực tập"
    VISIT = "visit", "Tham quan doanh nghiệp"
    CAREER_TALK = "career_talk", "Nói chuyện hướng nghiệp"
    WORKSHOP = "workshop", "Khóa học kỹ năng số"
    CONTEST = "contest", "Cuộc thi"


class CompanyQuerySet(models.QuerySet["Company"]):
    def approved(self) -> CompanyQuerySet:
        """Companies an organiser has approved: the only ones that reach students and schools."""
        return self.filter(approved_at__isnull=False)

    def waiting(self) -> CompanyQuerySet:
        """Companies no organiser has approved or rejected yet."""
        return self.filter(approved_at__isnull=True, rejected_at__isnull=True)

    def rejected(self) -> CompanyQuerySet:
        return self.filter(approved_at__isnull=True, rejected_at__isnull=False)


class OpportunityQuerySet(models.QuerySet["Opportunity"]):
    def published(self) -> OpportunityQuerySet:
        """Opportunities of an approved company: the one rule of what students and schools may see,
        be recommended, book or be mailed about (see ``companies.selectors``)."""
        return self.filter(company__approved_at__isnull=False)


class SessionQuerySet(models.QuerySet["Session"]):
    def published(self) -> SessionQuerySet:
        return self.filter(opportunity__company__approved_at__isnull=False)


class Company(models.Model):
    class Profile(models.TextChoices):
        COMPANY = "company", "Doanh nghiệp"
        EXPERT = "expert", "Chuyên gia"
        ENTREPRENEUR = "entrepreneur", "Doanh nhân"
        ARTISAN = "artisan", "Nghệ nhân"

    external_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, validators=[validate_single_line])
    profile = models.CharField(max_length=16, choices=Profile.choices, default=Profile.COMPANY)
    province = models.CharField(max_length=32, validators=[validate_province_code])
    contact_email = models.EmailField()
    tax_code = models.CharField(max_length=20, blank=True, validators=[validate_single_line])
    sector = models.CharField(max_length=100, blank=True, validators=[validate_single_line])
    address = models.CharField(max_length=300, blank=True, validators=[validate_single_line])
    website = models.URLField(blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    # An organiser's refusal: the company stays unpublished and is told nothing automatically; the
    # reason is kept for the office's records and cleared by a later approval.
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"
        constraints = [
            models.CheckConstraint(condition=~Q(external_id=""), name="company_external_id_not_empty"),
            models.CheckConstraint(condition=~Q(province=""), name="company_province_not_empty"),
        ]
        indexes = [models.Index(fields=["province"])]

    def __str__(self) -> str:
        return self.name


class Opportunity(models.Model):
    external_id = models.CharField(max_length=64, unique=True)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="opportunities")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=300, validators=[validate_single_line])
    description = models.TextField(validators=[validate_free_text])
    topics = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=8, blank=True)
    province = models.CharField(max_length=32, blank=True, validators=[validate_province_code])
    online = models.BooleanField(default=False)
    levels = models.JSONField(default=list, blank=True, help_text="Empty: open to every level.")
    min_age = models.PositiveSmallIntegerField(null=True, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text="Default for its sessions.")
    group_min = models.PositiveIntegerField(null=True, blank=True)
    group_max = models.PositiveIntegerField(null=True, blank=True)
    apply_by = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["external_id"]
        verbose_name_plural = "opportunities"
        constraints = [
            models.CheckConstraint(condition=~Q(external_id=""), name="opportunity_external_id_not_empty"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="opportunity_kind_valid"),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1), name="opportunity_capacity_positive"
            ),
            models.CheckConstraint(
                condition=Q(group_min__isnull=True) | Q(group_min__gte=1),
                name="opportunity_group_min_positive",
            ),
            models.CheckConstraint(
                condition=Q(group_min__isnull=True)
                | Q(group_max__isnull=True)
                | Q(group_min__lte=models.F("group_max")),
                name="opportunity_group_min_le_max",
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(min_age__lte=100), name="opportunity_min_age_sane"
            ),
            # An opportunity happens somewhere: in a province, online, or both.
            models.CheckConstraint(condition=Q(online=True) | ~Q(province=""), name="opportunity_has_a_place"),
        ]
        indexes = [models.Index(fields=["kind"]), models.Index(fields=["province"])]

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    external_id = models.CharField(max_length=64, unique=True)
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField()

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "external_id"]
        constraints = [
            models.CheckConstraint(condition=~Q(external_id=""), name="session_external_id_not_empty"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive"),
        ]
        indexes = [models.Index(fields=["starts_at"])]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.opportunity} — {local:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> dt.timedelta:
        return self.ends_at - self.starts_at
