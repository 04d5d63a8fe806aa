"""API shapes of recommendations (both directions), feedback, and rounds.

A company reads the participants proposed for its opportunity with their reasons, but a student there
is a level, a grade and a province until they confirm a booking with the company: only then a name
and an address (``contact``).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.rest import StrictSerializer
from companies.models import Opportunity
from matchmaking.models import Feedback, Match, MatchRound, OpportunityMatch, ParticipantType
from rounds.models import RoundJob
from scheduler.models import AllocationMode


class OpportunitySummarySerializer(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.name", read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "external_id",
            "title",
            "kind",
            "company",
            "company_name",
            "province",
            "online",
            "apply_by",
        ]
        read_only_fields = fields


class _ReasonFactors(serializers.Serializer):
    """The stored reasons as data, beside the ``reasons`` sentences each serializer words for its reader."""

    reason_factors = serializers.JSONField(
        source="reasons",
        read_only=True,
        help_text="The same reasons as data: a list of {factor, ...values} (see docs/relevance.md).",
    )


class RecommendationSerializer(_ReasonFactors, serializers.ModelSerializer):
    """One opportunity recommended to a participant (a student, or a class), with its reasons."""

    participant_type = serializers.ChoiceField(choices=ParticipantType.choices, read_only=True)
    opportunity = OpportunitySummarySerializer(read_only=True)
    reasons = serializers.ListField(
        child=serializers.CharField(),
        source="reason_texts",
        read_only=True,
        help_text="The reasons as sentences, in the response's language.",
    )

    class Meta:
        model = Match
        fields = [
            "id",
            "participant_type",
            "student",
            "class_request",
            "opportunity",
            "rank",
            "score",
            "reasons",
            "reason_factors",
            "model_version",
            "created_at",
        ]
        read_only_fields = fields


class ContactSerializer(serializers.Serializer):
    full_name = serializers.CharField()
    email = serializers.EmailField()


class ProposedParticipantSerializer(_ReasonFactors, serializers.ModelSerializer):
    """A participant proposed for a company's opportunity."""

    participant_type = serializers.SerializerMethodField()
    level = serializers.SerializerMethodField()
    grade = serializers.SerializerMethodField()
    province = serializers.SerializerMethodField()
    school_name = serializers.SerializerMethodField()
    class_name = serializers.CharField(source="class_request.class_name", read_only=True, allow_null=True)
    group_size = serializers.IntegerField(source="class_request.group_size", read_only=True, allow_null=True)
    contact = serializers.SerializerMethodField()
    reasons = serializers.ListField(
        child=serializers.CharField(),
        source="reason_texts",
        read_only=True,
        help_text="The reasons as sentences for the company, in the response's language.",
    )

    class Meta:
        model = OpportunityMatch
        fields = [
            "id",
            "rank",
            "score",
            "reasons",
            "reason_factors",
            "participant_type",
            "class_request",
            "class_name",
            "group_size",
            "school_name",
            "level",
            "grade",
            "province",
            "contact",
            "model_version",
        ]
        read_only_fields = fields

    def _participant(self, row: OpportunityMatch) -> Any:
        return row.student if row.student_id else row.class_request

    @extend_schema_field(serializers.ChoiceField(choices=ParticipantType.choices))
    def get_participant_type(self, row: OpportunityMatch) -> str:
        return ParticipantType.STUDENT if row.student_id else ParticipantType.CLASS_REQUEST

    def get_level(self, row: OpportunityMatch) -> str:
        return str(self._participant(row).level)

    def get_grade(self, row: OpportunityMatch) -> int | None:
        return self._participant(row).grade  # type: ignore[no-any-return]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_province(self, row: OpportunityMatch) -> str | None:
        return row.student.province if row.student else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_school_name(self, row: OpportunityMatch) -> str | None:
        # A class is known by its school; a student's school is not disclosed before a confirmation.
        if row.class_request is not None:
            return row.class_request.school.name
        if getattr(row, "confirmed_with_company", False) or not self.context.get("hide_students", True):
            return row.student.school.name if row.student else None
        return None

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_contact(self, row: OpportunityMatch) -> dict[str, str] | None:
        if row.student is None:
            return None
        if getattr(row, "confirmed_with_company", False) or not self.context.get("hide_students", True):
            return {"full_name": row.student.full_name, "email": row.student.email}
        return None


class FeedbackRequestSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=Feedback.Kind.choices)


class FeedbackWithdrawnSerializer(serializers.Serializer):
    withdrawn = serializers.IntegerField(help_text="How many feedback rows were taken back (0 on a second call).")


class FeedbackSerializer(serializers.ModelSerializer):
    class Meta:
        model = Feedback
        fields = ["id", "kind", "opportunity", "student", "class_request", "model_version", "created_at"]
        read_only_fields = fields


class RoundRequestSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=RoundJob.Kind.choices)
    mode = serializers.ChoiceField(
        choices=AllocationMode.choices, required=False, help_text="Scheduling only (default optimal)."
    )
    k = serializers.IntegerField(
        min_value=1,
        max_value=50,
        required=False,
        help_text="Matchmaking only: recommendations per participant.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["kind"] == RoundJob.Kind.MATCHMAKING and "mode" in attrs:
            raise serializers.ValidationError({"mode": [_("Only a scheduling round has a mode.")]})
        if attrs["kind"] == RoundJob.Kind.SCHEDULING and "k" in attrs:
            raise serializers.ValidationError({"k": [_("Only a matchmaking round has k.")]})
        return attrs


class ProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()


STATUSES = sorted({*RoundJob.Status.values, *MatchRound.Status.values})


class RoundJobSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    report = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()

    class Meta:
        model = RoundJob
        fields = [
            "id",
            "kind",
            "mode",
            "k",
            "status",
            "progress",
            "report",
            "error",
            "match_round",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=STATUSES))
    def get_status(self, job: RoundJob) -> str:
        # A matchmaking round keeps its own state (its shards finish on workers): read it there.
        return job.match_round.status if job.match_round else job.status

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, job: RoundJob) -> dict[str, int]:
        if job.match_round:
            return {"done": job.match_round.shards_done, "total": job.match_round.shards_total}
        return {"done": int(job.status == RoundJob.Status.DONE), "total": 1}

    @extend_schema_field(serializers.DictField())
    def get_report(self, job: RoundJob) -> dict[str, Any]:
        if job.match_round:
            return {k: v for k, v in job.match_round.stats.items() if k != "done_shards"}
        return dict(job.report)

    def get_error(self, job: RoundJob) -> str:
        return job.match_round.error if job.match_round else job.error
