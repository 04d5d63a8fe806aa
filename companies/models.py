"""Companies (and individual experts, entrepreneurs, artisans), their opportunities and sessions.

``Level`` and ``Kind`` live here because the audience of an opportunity is defined in these terms;
``students`` imports them. Invariants are database constraints, not only form validation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

import places

from .search import search_text
from .validators import validate_free_text, validate_single_line


def validate_province_code(value: str) -> None:
    if value and value not in places.codes():
        raise ValidationError(_("%(value)r is not a province code"), params={"value": value}, code="province")


class Level(models.TextChoices):
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary")
    VOCATIONAL = "vocational", _("Vocational education")
    UNIVERSITY = "university", _("University")


class Kind(models.TextChoices):
    INTERNSHIP = "internship", _("Internship")
    VISIT = "visit", _("Company visit")
    CAREER_TALK = "career_talk", _("Career talk")
    WORKSHOP = "workshop", _("Workshop")
    CONTEST = "contest", _("Contest")


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

    def not_cancelled(self) -> SessionQuerySet:
        """Sessions still on (``scheduler.services.session_cancel`` cancels one): the only ones a
        round, a recommendation, a booking or a count of seats offered may take."""
        return self.filter(cancelled_at__isnull=True)


class Company(models.Model):
    class Profile(models.TextChoices):
        COMPANY = "company", _("Company")
        EXPERT = "expert", _("Expert")
        ENTREPRENEUR = "entrepreneur", _("Entrepreneur")
        ARTISAN = "artisan", _("Artisan")

    external_id = models.CharField(_("external ID"), max_length=64, unique=True)
    name = models.CharField(pgettext_lazy("organisation", "name"), max_length=200, validators=[validate_single_line])
    profile = models.CharField(_("profile"), max_length=16, choices=Profile.choices, default=Profile.COMPANY)
    province = models.CharField(_("province"), max_length=32, validators=[validate_province_code])
    contact_email = models.EmailField(_("contact email"))
    tax_code = models.CharField(_("tax code"), max_length=20, blank=True, validators=[validate_single_line])
    sector = models.CharField(_("sector"), max_length=100, blank=True, validators=[validate_single_line])
    address = models.CharField(_("address"), max_length=300, blank=True, validators=[validate_single_line])
    website = models.URLField(_("website"), blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # An organiser's refusal: the company stays unpublished and is told nothing automatically; the
    # reason is kept for the office's records and cleared by a later approval.
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        constraints = [
            models.CheckConstraint(condition=~Q(external_id=""), name="company_external_id_not_empty"),
            models.CheckConstraint(condition=~Q(province=""), name="company_province_not_empty"),
        ]
        indexes = [models.Index(fields=["province"])]

    def __str__(self) -> str:
        return self.name


class Opportunity(models.Model):
    external_id = models.CharField(_("external ID"), max_length=64, unique=True)
    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="opportunities"
    )
    kind = models.CharField(pgettext_lazy("opportunity", "kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300, validators=[validate_single_line])
    description = models.TextField(_("description"), validators=[validate_free_text])
    topics = models.JSONField(_("topics"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    province = models.CharField(_("province"), max_length=32, blank=True, validators=[validate_province_code])
    online = models.BooleanField(_("online"), default=False)
    levels = models.JSONField(_("levels"), default=list, blank=True, help_text=_("Empty: open to every level."))
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Default for its sessions.")
    )
    group_min = models.PositiveIntegerField(_("minimum group size"), null=True, blank=True)
    group_max = models.PositiveIntegerField(_("maximum group size"), null=True, blank=True)
    apply_by = models.DateField(_("apply by"), null=True, blank=True)
    # The title, and title and description, folded and as written for the catalogue's search
    # (``companies.search``); written on save and by the import.
    search_title = models.TextField(_("search title"), blank=True, default="", editable=False)
    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["external_id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
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

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_title = search_text(self.title)
        self.search_text = search_text(self.title, self.description)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"title", "description"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_title", "search_text"}
        super().save(*args, **kwargs)

    @property
    def address(self) -> str:
        """Where to go in person: the company's address when the opportunity is in the company's province
        (an opportunity elsewhere, or online only, has none we know). Reads ``company``: select it."""
        if self.province and self.province == self.company.province:
            return self.company.address
        return ""

    @property
    def place(self) -> str:
        """The address and the province's name, as mail and calendar files write it ("" if online only)."""
        if not self.province:
            return ""
        return ", ".join(part for part in (self.address, places.name(self.province)) if part)


class Session(models.Model):
    external_id = models.CharField(_("external ID"), max_length=64, unique=True)
    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    # Set once by ``scheduler.services.session_cancel``: the row stays (its bookings are history), the
    # reason is what every participant and page is told.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(
        _("reason for cancelling"), max_length=300, blank=True, validators=[validate_single_line]
    )

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "external_id"]
        verbose_name = pgettext_lazy("time slot", "session")
        verbose_name_plural = pgettext_lazy("time slot", "sessions")
        constraints = [
            models.CheckConstraint(condition=~Q(external_id=""), name="session_external_id_not_empty"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive"),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True, cancel_reason="")
                | (Q(cancelled_at__isnull=False) & ~Q(cancel_reason="")),
                name="session_cancelled_with_reason",
            ),
        ]
        indexes = [models.Index(fields=["starts_at"])]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.opportunity} — {local:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> dt.timedelta:
        return self.ends_at - self.starts_at

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None
