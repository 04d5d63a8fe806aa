"""Rounds an organiser starts (from the API or the pages), whatever app does the work.

A matchmaking round has its own progress (``MatchRound``: shards done of total); a scheduling round is
one transaction with nothing to count, so its job row is all there is to follow. At most one job of a
kind is queued or running at a time: a partial unique constraint says so, so two organisers starting a
round at the same instant get one round and one refusal (``services.round_start``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from scheduler.models import AllocationMode

ACTIVE = ("queued", "running")


class RoundJob(models.Model):
    class Kind(models.TextChoices):
        MATCHMAKING = "matchmaking", _("Matchmaking")
        SCHEDULING = "scheduling", _("Scheduling")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind of round"), max_length=12, choices=Kind.choices)
    # Empty for a matchmaking round; an AllocationMode for a scheduling one (the check constraint below).
    mode = models.CharField(_("mode"), max_length=12, blank=True, help_text=_("Scheduling: optimal or stable."))
    k = models.PositiveSmallIntegerField(
        _("list length (k)"), null=True, blank=True, help_text=_("Matchmaking: list length.")
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    match_round = models.OneToOneField(
        "matchmaking.MatchRound",
        verbose_name=_("matchmaking round"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="job",
    )
    report = models.JSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("round job")
        verbose_name_plural = _("round jobs")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["matchmaking", "scheduling"]), name="round_job_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind="scheduling") | Q(mode__in=AllocationMode.values),
                name="round_job_mode_valid",
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(status__in=ACTIVE), name="round_job_one_active_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} round job {self.pk} ({self.status})"
