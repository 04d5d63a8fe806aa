from __future__ import annotations

from django.contrib import admin

from .models import OutboxMessage, Suppression, WebhookEvent


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["dedupe_key", "category", "to_email", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "category", "language"]
    list_select_related = ["student"]
    search_fields = ["dedupe_key", "to_email", "provider_message_id"]
    raw_id_fields = ["student"]
    readonly_fields = ["claim_token", "claimed_at", "request_started_at", "created_at", "updated_at"]


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ["email", "reason", "source", "created_at"]
    list_filter = ["reason", "source"]
    search_fields = ["email"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["sg_event_id", "event", "email", "occurred_at", "received_at"]
    list_filter = ["event"]
    search_fields = ["sg_event_id", "email"]
    raw_id_fields = ["outbox_message"]
