from __future__ import annotations

from django.contrib import admin

from .models import (
    Feedback,
    MailedRecommendation,
    Match,
    MatchRound,
    OpportunityMatch,
    RankerModel,
    StagedMatch,
    TextEmbedding,
)


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ["opportunity", "student", "class_request", "rank", "score", "model_version"]
    list_filter = ["model_version", "opportunity__kind"]
    list_select_related = ["opportunity", "student", "class_request__school"]
    search_fields = ["opportunity__title", "opportunity__external_id", "student__external_id", "student__full_name"]
    raw_id_fields = ["student", "class_request", "opportunity"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["kind", "opportunity", "student", "class_request", "created_at"]
    list_filter = ["kind", "created_at"]
    list_select_related = ["opportunity", "student", "class_request__school"]
    search_fields = ["opportunity__title", "student__external_id"]
    raw_id_fields = ["student", "class_request", "opportunity"]


@admin.register(RankerModel)
class RankerModelAdmin(admin.ModelAdmin):
    list_display = ["version", "is_current", "ndcg_at_10", "training_rows", "created_at"]
    list_filter = ["is_current"]
    search_fields = ["version"]


@admin.register(MailedRecommendation)
class MailedRecommendationAdmin(admin.ModelAdmin):
    list_display = ["student", "opportunity", "outbox_key", "mailed_at"]
    list_select_related = ["student", "opportunity"]
    search_fields = ["student__external_id", "outbox_key"]
    raw_id_fields = ["student", "opportunity"]


@admin.register(MatchRound)
class MatchRoundAdmin(admin.ModelAdmin):
    list_display = ["pk", "status", "shards_done", "shards_total", "k", "model_version", "started_at", "finished_at"]
    list_filter = ["status"]
    search_fields = ["model_version"]


@admin.register(OpportunityMatch)
class OpportunityMatchAdmin(admin.ModelAdmin):
    list_display = ["opportunity", "rank", "student", "class_request", "score"]
    list_select_related = ["opportunity", "student", "class_request__school"]
    search_fields = ["opportunity__title", "opportunity__external_id"]
    raw_id_fields = ["student", "class_request", "opportunity"]


@admin.register(StagedMatch)
class StagedMatchAdmin(admin.ModelAdmin):
    list_display = ["round", "direction", "opportunity", "student", "class_request", "rank", "score"]
    list_filter = ["direction"]
    list_select_related = ["round", "opportunity", "student", "class_request__school"]
    search_fields = ["opportunity__external_id"]
    raw_id_fields = ["round", "student", "class_request", "opportunity"]


@admin.register(TextEmbedding)
class TextEmbeddingAdmin(admin.ModelAdmin):
    list_display = ["encoder", "key", "created_at"]
    list_filter = ["encoder"]
    search_fields = ["key"]
    exclude = ["vector"]  # 2 kB of floats: nothing a person reads

    def has_add_permission(self, request: object) -> bool:
        return False  # vectors are made by the encoder, never typed

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
