"""The email outbox: one row per message, written in the same transaction as the change that causes it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Suppressed"
        UNKNOWN = "unknown", "Unknown (the provider may or may not have it)"

    class Category(models.TextChoices):
        DIGEST = "digest", "Recommendation digest"
        BOOKING_PROPOSED = "booking_proposed", "Booking proposed"
        BOOKING_CONFIRMED = "booking_confirmed", "Booking confirmed"
        BOOKING_REMINDER = "booking_reminder", "Booking reminder"
        BOOKING_CANCELLED = "booking_cancelled", "Booking cancelled"
        WAITLIST_OFFER = "waitlist_offer", "Waitlist offer"
        CONSENT_REQUEST = "consent_request", "Guardian consent request"

    dedupe_key = models.CharField(max_length=200, unique=True)
    category = models.CharField(max_length=24, choices=Category.choices)
    # The student the mail is about (for the consent and opt-out re-check at send time), if any.
    student = models.ForeignKey(
        "students.Student", null=True, blank=True, on_delete=models.SET_NULL, related_name="outbox_messages"
    )
    to_email = models.EmailField()
    language = models.CharField(max_length=2, default="vi")
    context = models.JSONField(default=dict, help_text="Template context, JSON only.")
    attachments = models.JSONField(default=list, help_text="[{filename, content, mimetype}] (text content)")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    provider_message_id = models.CharField(max_length=200, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(dedupe_key=""), name="outbox_dedupe_key_not_empty"),
            models.CheckConstraint(
                condition=Q(status="sent") | Q(sent_at__isnull=True), name="outbox_sent_at_only_when_sent"
            ),
        ]
        indexes = [
            # The relay's claim query: due pending rows, oldest first.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="outbox_due_idx"),
        ]

    def __str__(self) -> str:
        return self.dedupe_key

    @property
    def is_essential(self) -> bool:
        """Booking mail is transactional: not capped, no unsubscribe header. Digests are not essential."""
        return self.category != self.Category.DIGEST
