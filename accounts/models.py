"""Users and their role. A user acts for exactly one organisation, as its role says."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def language_choices() -> list[tuple[str, str]]:
    """The site's languages, read when a form needs them rather than when this module is imported."""
    return list(settings.LANGUAGES)


class User(AbstractUser):
    class Role(models.TextChoices):
        COMPANY_STAFF = "company_staff", _("Company staff")
        SCHOOL_COORDINATOR = "school_coordinator", _("School coordinator")
        STUDENT = "student", _("Student")
        ORGANISER = "organiser", _("Organiser")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.ORGANISER)
    company = models.ForeignKey(
        "companies.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="staff",
        verbose_name=_("company"),
    )
    school = models.ForeignKey(
        "students.School", null=True, blank=True, on_delete=models.CASCADE, related_name="coordinators",
        verbose_name=_("school"),
    )
    student = models.OneToOneField(
        "students.Student", null=True, blank=True, on_delete=models.CASCADE, related_name="user",
        verbose_name=_("student"),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=language_choices,
        help_text=_("Used when the browser does not say which language it wants. Empty: Vietnamese."),
    )

    class Meta:
        verbose_name = pgettext_lazy("account", "user")
        verbose_name_plural = pgettext_lazy("account", "users")
        constraints = [
            # The organisation a user belongs to follows from the role, and nothing else is set.
            models.CheckConstraint(
                condition=(
                    Q(role="company_staff", company__isnull=False, school__isnull=True, student__isnull=True)
                    | Q(
                        role="school_coordinator",
                        company__isnull=True,
                        school__isnull=False,
                        student__isnull=True,
                    )
                    | Q(role="student", company__isnull=True, school__isnull=True, student__isnull=False)
                    | Q(role="organiser", company__isnull=True, school__isnull=True, student__isnull=True)
                ),
                name="user_role_matches_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.get_username()


class AuditEntry(models.Model):
    """Who opened whose record, and when: kept for a student or guardian who asks who saw a minor's data.

    The actor is also kept as text, so the trail survives the deletion of the account; the object is a
    (type, id) pair rather than a foreign key, so an entry outlives its object too.
    """

    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries",
        verbose_name=pgettext_lazy("account", "user"),
    )
    actor_name = models.CharField(_("user name"), max_length=200)
    actor_role = models.CharField(_("user role"), max_length=20, blank=True)
    action = models.CharField(_("action"), max_length=40)
    object_type = models.CharField(_("object type"), max_length=40)
    object_id = models.PositiveBigIntegerField(_("object ID"))
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.action} {self.object_type}:{self.object_id}"
