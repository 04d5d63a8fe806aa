"""A school's "invite every student" run, done by a worker and followed on the students page.

A school of a few thousand students is too many invitations for one web request (each one a lock, a few
queries and a queued mail: about 9 ms on SQLite, more on a busy PostgreSQL). The request records a run
and queues its task; the task goes through the school's students in chunks, and each chunk's invitations,
counts and cursor commit together, so a worker lost mid-run is resumed by the next delivery of the task
(acknowledged late) from the last chunk that committed, and no student is counted twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

ACTIVE = ("queued", "running")


class InvitationRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    school = models.ForeignKey(
        "students.School", verbose_name=_("school"), on_delete=models.CASCADE, related_name="invitation_runs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The name the invitation mail gives as the inviter ("Cô Lan, Trường THPT …").
    invited_by = models.CharField(_("invited by"), max_length=200)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("students to go through"), default=0)
    done = models.PositiveIntegerField(_("students gone through"), default=0)
    # The last student (primary key) whose invitation committed: the run resumes after it.
    cursor = models.PositiveBigIntegerField(_("last student done"), default=0)
    counts = models.JSONField(_("outcomes"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation run")
        verbose_name_plural = _("invitation runs")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]), name="invitation_run_status_valid"
            ),
            # Two clicks (or two coordinators) at once: one run, and the second sees its progress.
            models.UniqueConstraint(
                fields=["school"], condition=Q(status__in=ACTIVE), name="invitation_run_one_active_per_school"
            ),
        ]

    def __str__(self) -> str:
        return f"invitation run {self.pk} of school {self.school_id} ({self.status})"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE
