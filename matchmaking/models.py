"""Stored recommendations, the feedback they get, and the versions of the learned ranker."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from companies.models import Opportunity
from students.models import ClassRequest, Student

_ONE_PARTICIPANT = (Q(student__isnull=False) & Q(class_request__isnull=True)) | (
    Q(student__isnull=True) & Q(class_request__isnull=False)
)


class ParticipantType(models.TextChoices):
    STUDENT = "student", "Student"
    CLASS_REQUEST = "class_request", "Class request"


class Match(models.Model):
    """One recommended (participant, opportunity) pair of the latest round, with its rank and reasons.

    ``matchmake`` replaces a participant's whole list in one transaction, so a list is never a mix of
    two rounds. ``features`` keeps the engine's feature vector so feedback can train the ranker.
    """

    student = models.ForeignKey(Student, null=True, blank=True, on_delete=models.CASCADE, related_name="matches")
    class_request = models.ForeignKey(
        ClassRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="matches"
    )
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="matches")
    score = models.FloatField()
    rank = models.PositiveSmallIntegerField()
    reasons = models.JSONField(default=list)
    features = models.JSONField(default=dict)
    model_version = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rank"]
        verbose_name_plural = "matches"
        constraints = [
            models.CheckConstraint(condition=_ONE_PARTICIPANT, name="match_has_one_participant"),
            models.CheckConstraint(condition=Q(score__gt=0) & Q(score__lte=1), name="match_score_in_unit_interval"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="match_rank_positive"),
            models.UniqueConstraint(fields=["student", "opportunity"], name="match_unique_student_opportunity"),
            models.UniqueConstraint(fields=["class_request", "opportunity"], name="match_unique_class_opportunity"),
        ]
        indexes = [models.Index(fields=["opportunity", "-score"])]

    def __str__(self) -> str:
        return f"#{self.rank} {self.opportunity_id} for {self.participant_external_id}"

    @property
    def participant_type(self) -> str:
        return ParticipantType.STUDENT if self.student_id else ParticipantType.CLASS_REQUEST

    @property
    def participant_external_id(self) -> str:
        participant = self.student if self.student_id else self.class_request
        return participant.external_id if participant else ""


class Feedback(models.Model):
    class Kind(models.TextChoices):
        SHOWN = "shown", "Shown"
        CLICKED = "clicked", "Clicked"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        NOT_INTERESTED = "not_interested", "Not interested"

    student = models.ForeignKey(Student, null=True, blank=True, on_delete=models.CASCADE, related_name="feedback")
    class_request = models.ForeignKey(
        ClassRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="feedback"
    )
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="feedback")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # A snapshot of the engine's features when the recommendation was shown: matches are replaced on
    # every round, feedback is kept for training.
    features = models.JSONField(default=dict)
    model_version = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "feedback"
        constraints = [
            models.CheckConstraint(condition=_ONE_PARTICIPANT, name="feedback_has_one_participant"),
            models.CheckConstraint(
                condition=Q(kind__in=["shown", "clicked", "accepted", "declined", "not_interested"]),
                name="feedback_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} on {self.opportunity_id}"


class RankerModel(models.Model):
    """A version of the learned blend weights. Exactly one is current (or none: the engine's defaults)."""

    version = models.CharField(max_length=40, unique=True)
    weights = models.JSONField()
    ndcg_at_10 = models.FloatField(null=True, blank=True, help_text="On the held-out feedback it was judged on.")
    training_rows = models.PositiveIntegerField(default=0)
    is_current = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="one_current_ranker"),
        ]

    def __str__(self) -> str:
        return self.version


class MailedRecommendation(models.Model):
    """A recommendation already mailed to a student, so a digest only ever carries what is new."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="mailed_recommendations")
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="+")
    outbox_key = models.CharField(max_length=200)
    mailed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "opportunity"], name="mailed_once_per_student_opportunity"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id} → {self.student_id}"
