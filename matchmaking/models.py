"""Stored recommendations, the feedback they get, and the versions of the learned ranker."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from companies.models import Opportunity
from matchmaking.phrasing import reasons_text
from students.models import ClassRequest, Student

_ONE_PARTICIPANT = (Q(student__isnull=False) & Q(class_request__isnull=True)) | (
    Q(student__isnull=True) & Q(class_request__isnull=False)
)


class ParticipantType(models.TextChoices):
    STUDENT = "student", _("Student")
    CLASS_REQUEST = "class_request", _("Class request")


class MatchRound(models.Model):
    """One run of matchmaking. With a broker its shards run as Celery tasks; the last one to finish
    publishes the round (see ``services.round_finalize``)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.RUNNING)
    k = models.PositiveSmallIntegerField(_("list length (k)"), default=10)
    shards_total = models.PositiveIntegerField(_("shards in total"), default=1)
    shards_done = models.PositiveIntegerField(_("shards done"), default=0)
    model_version = models.CharField(_("model version"), max_length=40)
    now = models.DateTimeField(
        _("scored at"), help_text=_("The instant the round scores against (availability, apply_by).")
    )
    stats = models.JSONField(_("statistics"), default=dict)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("matchmaking round")
        verbose_name_plural = _("matchmaking rounds")
        constraints = [
            models.CheckConstraint(
                condition=Q(shards_done__lte=models.F("shards_total")), name="round_shards_done_le_total"
            ),
            # Two rounds at once would publish over each other: the database admits one running round.
            models.UniqueConstraint(fields=["status"], condition=Q(status="running"), name="one_running_match_round"),
        ]

    def __str__(self) -> str:
        return f"Round {self.pk} ({self.status}, {self.shards_done}/{self.shards_total})"

    @classmethod
    def published_since(cls, moment: dt.datetime) -> bool:
        """Whether a round started at or after ``moment`` has been published: a list that is empty then
        is that round's answer (nothing fit), not a turn still to come."""
        return cls.objects.filter(status=cls.Status.DONE, started_at__gte=moment).exists()


class StagedMatch(models.Model):
    """A shard's results, invisible to readers until the round is published in one transaction."""

    class Direction(models.TextChoices):
        FOR_PARTICIPANT = "p", _("Opportunities for a participant")
        FOR_OPPORTUNITY = "o", _("Participants for an opportunity")

    round = models.ForeignKey(MatchRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="staged")
    shard = models.PositiveIntegerField(_("shard"))
    direction = models.CharField(_("direction"), max_length=1, choices=Direction.choices)
    # The participant's external id: the engine breaks ties by it, and so must the merge of shards.
    participant_key = models.CharField(_("participant key"), max_length=64)
    student = models.ForeignKey(
        Student, verbose_name=_("student"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    class_request = models.ForeignKey(
        ClassRequest, verbose_name=_("class request"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="+"
    )
    score = models.FloatField(_("score"))
    rank = models.PositiveSmallIntegerField(
        _("rank"), help_text=_("Within the participant's list; within the shard for 'o'.")
    )
    reasons = models.JSONField(
        _("reasons"),
        default=list,
        help_text=_("What counted, as data (factor and values); phrased in the reader's language when read."),
    )
    features = models.JSONField(_("features"), default=dict)

    class Meta:
        verbose_name = _("staged match")
        verbose_name_plural = _("staged matches")
        constraints = [models.CheckConstraint(condition=_ONE_PARTICIPANT, name="staged_has_one_participant")]
        indexes = [models.Index(fields=["round", "direction", "shard"])]

    def __str__(self) -> str:
        return f"{self.direction}:{self.opportunity_id} in round {self.round_id}"


class Match(models.Model):
    """One recommended (participant, opportunity) pair of the latest published round, with its rank and
    reasons: the participant's list. A round is published in one transaction that replaces every list, so
    a list is never a mix of two rounds. ``features`` keeps the engine's features to train the ranker.
    """

    student = models.ForeignKey(
        Student, verbose_name=_("student"), null=True, blank=True, on_delete=models.CASCADE, related_name="matches"
    )
    class_request = models.ForeignKey(
        ClassRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="matches",
        verbose_name=_("class request"),
    )
    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="matches"
    )
    score = models.FloatField(_("score"))
    rank = models.PositiveSmallIntegerField(_("rank"))
    reasons = models.JSONField(
        _("reasons"),
        default=list,
        help_text=_("What counted, as data (factor and values); phrased in the reader's language when read."),
    )
    features = models.JSONField(_("features"), default=dict)
    model_version = models.CharField(_("model version"), max_length=40)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["rank"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
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

    @property
    def reason_texts(self) -> list[str]:
        """The reasons as sentences for the participant (a class's: for its coordinator), in the active
        language."""
        return reasons_text(self.reasons, for_class=self.class_request_id is not None)


class OpportunityMatch(models.Model):
    """The other direction: the participants that fit an opportunity best, for its company."""

    student = models.ForeignKey(
        Student, verbose_name=_("student"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    class_request = models.ForeignKey(
        ClassRequest, verbose_name=_("class request"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="participant_matches"
    )
    score = models.FloatField(_("score"))
    rank = models.PositiveSmallIntegerField(_("rank"))
    reasons = models.JSONField(
        _("reasons"),
        default=list,
        help_text=_("What counted, as data (factor and values); phrased in the reader's language when read."),
    )
    model_version = models.CharField(_("model version"), max_length=40)

    class Meta:
        ordering = ["opportunity", "rank"]
        verbose_name = _("participant for an opportunity")
        verbose_name_plural = _("participants for opportunities")
        constraints = [
            models.CheckConstraint(condition=_ONE_PARTICIPANT, name="opportunity_match_has_one_participant"),
            models.UniqueConstraint(fields=["opportunity", "rank"], name="opportunity_match_unique_rank"),
        ]

    def __str__(self) -> str:
        return f"#{self.rank} for {self.opportunity_id}"

    @property
    def reason_texts(self) -> list[str]:
        """The reasons as sentences for the company, in the active language."""
        return reasons_text(self.reasons, for_opportunity=True)


class Feedback(models.Model):
    class Kind(models.TextChoices):
        SHOWN = "shown", _("Shown")
        CLICKED = "clicked", _("Interested")  # the student pressed "Interested"; the code is kept
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        NOT_INTERESTED = "not_interested", _("Not interested")

    student = models.ForeignKey(
        Student, verbose_name=_("student"), null=True, blank=True, on_delete=models.CASCADE, related_name="feedback"
    )
    class_request = models.ForeignKey(
        ClassRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="feedback",
        verbose_name=_("class request"),
    )
    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="feedback"
    )
    kind = models.CharField(_("feedback type"), max_length=16, choices=Kind.choices)
    # A snapshot of the engine's features when the recommendation was shown: matches are replaced on
    # every round, feedback is kept for training.
    features = models.JSONField(_("features"), default=dict)
    model_version = models.CharField(_("model version"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
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

    version = models.CharField(pgettext_lazy("ranker model", "version"), max_length=40, unique=True)
    weights = models.JSONField(_("weights"))
    ndcg_at_10 = models.FloatField(
        _("nDCG@10"), null=True, blank=True, help_text=_("On the held-out feedback it was judged on.")
    )
    training_rows = models.PositiveIntegerField(_("training rows"), default=0)
    is_current = models.BooleanField(_("current"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ranker model")
        verbose_name_plural = _("ranker models")
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="one_current_ranker"),
        ]

    def __str__(self) -> str:
        return self.version


class MailedRecommendation(models.Model):
    """A recommendation already mailed to a student, so a digest only ever carries what is new."""

    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.CASCADE, related_name="mailed_recommendations"
    )
    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="+"
    )
    outbox_key = models.CharField(_("digest key"), max_length=200)
    mailed_at = models.DateTimeField(_("mailed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mailed recommendation")
        verbose_name_plural = _("mailed recommendations")
        constraints = [
            models.UniqueConstraint(fields=["student", "opportunity"], name="mailed_once_per_student_opportunity"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id} → {self.student_id}"


class TextEmbedding(models.Model):
    """A text's vector by the second stage's encoder (engine/encoder.py), kept by the SHA-256 of the
    text: shared by every worker and machine, so a round encodes only texts no one has encoded yet."""

    encoder = models.CharField(_("encoder"), max_length=20)
    key = models.CharField(_("text hash (SHA-256)"), max_length=64)
    vector = models.BinaryField(_("vector (float32, little-endian)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("text embedding")
        verbose_name_plural = _("text embeddings")
        constraints = [models.UniqueConstraint(fields=["encoder", "key"], name="one_embedding_per_encoder_text")]

    def __str__(self) -> str:
        return f"{self.encoder}:{self.key[:12]}"
