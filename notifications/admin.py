from __future__ import annotations

from django.contrib import admin

from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["dedupe_key", "category", "to_email", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "category", "language"]
    list_select_related = ["student"]
    search_fields = ["dedupe_key", "to_email", "provider_message_id"]
    raw_id_fields = ["student"]
    readonly_fields = ["created_at", "updated_at"]
