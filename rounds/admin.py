from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

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

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A round is started by rounds.services.round_start (the organiser's page, the API), never by a
        # bare row: a job without its round would block the next one of its kind until it times out.
        return False
