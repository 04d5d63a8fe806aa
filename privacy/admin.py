from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import InvitationRun


@admin.register(InvitationRun)
class InvitationRunAdmin(admin.ModelAdmin):
    """A school's "invite every student" runs, with the technical reason of a failed one (the
    coordinator's page says only how far it went)."""

    list_display = ["pk", "school", "status", "done", "total", "requested_by", "created_at", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["school", "requested_by"]
    search_fields = ["school__name", "school__external_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # started from the students page (privacy.invitations.students_invite_start) only

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a record of what the worker did; read only
