"""Users and their role. A user acts for exactly one organisation, as its role says."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class User(AbstractUser):
    class Role(models.TextChoices):
        COMPANY_STAFF = "company_staff", "Company staff"
        SCHOOL_COORDINATOR = "school_coordinator", "School coordinator"
        STUDENT = "student", "Student"
        ORGANISER = "organiser", "Organiser"

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.ORGANISER)
    company = models.ForeignKey(
        "companies.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="staff"
    )
    school = models.ForeignKey(
        "students.School", null=True, blank=True, on_delete=models.CASCADE, related_name="coordinators"
    )
    student = models.OneToOneField(
        "students.Student", null=True, blank=True, on_delete=models.CASCADE, related_name="user"
    )

    class Meta:
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
