from __future__ import annotations

from django.contrib import admin

from .models import RoundJob


@admin.register(RoundJob)
class RoundJobAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "kind",
        "mode",
        "k",
        "status",
        "match_round",
        "requested_by",
        "created_at",
        "finished_at",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["match_round", "requested_by"]
    readonly_fields = ["match_round", "report", "error", "requested_by", "started_at", "finished_at"]
