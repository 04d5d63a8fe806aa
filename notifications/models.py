"""The email outbox: one row per message, written in the same transaction as the change that causes it;
the addresses we must not mail; and the SendGrid events already processed."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Suppressed")
        UNKNOWN = "unknown", _("Unknown (the provider may or may not have it)")

    class Category(models.TextChoices):
        DIGEST = "digest", _("Recommendation digest")
        BOOKING_PROPOSED = "booking_proposed", _("Booking proposed")
        BOOKING_CONFIRMED = "booking_confirmed", _("Booking confirmed")
        BOOKING_REMINDER = "booking_reminder", _("Booking reminder")
        BOOKING_CANCELLED = "booking_cancelled", _("Booking cancelled")
        BOOKING_MOVED = "booking_moved", _("Session moved")
        WAITLIST_OFFER = "waitlist_offer", _("Waitlist offer")
        CONSENT_REQUEST = "consent_request", _("Guardian consent request")
        WEEK_REPORT = "week_report", _("Week's report")
        ACCOUNT_INVITE = "account_invite", _("Account invitation")

    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    # The student the mail is about (for the consent and opt-out re-check at send time), if any.
    student = models.ForeignKey(
        "students.Student", null=True, blank=True, on_delete=models.SET_NULL, related_name="outbox_messages",
        verbose_name=_("student"),
    )
    to_email = models.EmailField(_("recipient"))
    language = models.CharField(_("language"), max_length=2, default="vi")
    context = models.JSONField(_("context"), default=dict, help_text=_("Template context, JSON only."))
    attachments = models.JSONField(
        _("attachments"), default=list, help_text=_("[{filename, content, mimetype}] (text content)")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    provider_message_id = models.CharField(_("provider message ID"), max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The relay's claim: which run holds the row (``claim_token``) since when, and whether that run has
    # started the HTTP request. Recovery of a row abandoned in ``sending`` depends on the last one.
    claim_token = models.UUIDField(_("claim token"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    request_started_at = models.DateTimeField(_("request started at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        constraints = [
            models.CheckConstraint(condition=~Q(dedupe_key=""), name="outbox_dedupe_key_not_empty"),
            models.CheckConstraint(
                condition=Q(status="sent") | Q(sent_at__isnull=True), name="outbox_sent_at_only_when_sent"
            ),
        ]
        indexes = [
            # The relay's claim query: due pending rows, oldest first.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="outbox_due_idx"),
            # Recovery of claims abandoned by a killed worker.
            models.Index(fields=["claimed_at"], condition=Q(status="sending"), name="outbox_sending_idx"),
            # The weekly cap counts a student's recent non-essential mail.
            models.Index(fields=["student", "created_at"], name="outbox_student_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.dedupe_key

    @property
    def is_essential(self) -> bool:
        """Booking mail is transactional: not capped, no unsubscribe header. Digests are not essential."""
        return self.category not in NON_ESSENTIAL_CATEGORIES

    def block_reason(self, *, consent_active: bool, suppressions: set[str], today: dt.date) -> str:
        """Why this message must not go out now ("" when it may), checked at send time, not at enqueue time.

        1. A hard suppression (bounce, spam report, dropped) stops all mail to the address.
        2. An unsubscribe stops non-essential mail only: a student who leaves the digest still gets the
           confirmation of a booking they made.
        3. Mail about a student (to the student) needs, for a minor, an active guardian consent; the
           consent request itself goes to the guardian and is exempt.
        4. Non-essential mail also needs the student's opt-in (``email_opt_in``).
        """
        hard = suppressions & Suppression.HARD_REASONS
        if hard:
            return f"address suppressed ({', '.join(sorted(hard))})"
        if not self.is_essential and suppressions:
            return "address unsubscribed"
        if self.category == self.Category.CONSENT_REQUEST:
            return ""
        student = self.student
        if student is None:
            return "" if self.is_essential else "the student no longer exists"
        if student.is_minor(today) and not consent_active:
            return "minor without an active guardian consent"
        if not self.is_essential and not student.email_opt_in:
            return "the student opted out of this mail"
        return ""


NON_ESSENTIAL_CATEGORIES = frozenset({OutboxMessage.Category.DIGEST.value})


class Suppression(models.Model):
    """An address we must not mail, and why. Addresses are stored lower-cased.

    Bounces, spam reports and drops stop all mail; unsubscribes stop non-essential mail (see
    ``OutboxMessage.block_reason``). One row per address and reason.
    """

    class Reason(models.TextChoices):
        BOUNCE = "bounce", _("Bounced")
        DROPPED = "dropped", _("Dropped by the provider (bounced or invalid address)")
        SPAMREPORT = "spamreport", _("Reported as spam")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribed")
        GROUP_UNSUBSCRIBE = "group_unsubscribe", _("Unsubscribed from a group")

    class Source(models.TextChoices):
        ONE_CLICK = "one_click", _("One-click unsubscribe (RFC 8058)")
        PREFERENCES = "preferences", _("Preferences page")
        WEBHOOK = "webhook", _("SendGrid Event Webhook")
        ADMIN = "admin", _("An administrator")

    HARD_REASONS = frozenset({Reason.BOUNCE.value, Reason.DROPPED.value, Reason.SPAMREPORT.value})

    email = models.EmailField(_("email"))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    detail = models.TextField(_("detail"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")
        constraints = [
            models.UniqueConstraint(fields=["email", "reason"], name="suppression_once_per_email_reason"),
            models.CheckConstraint(condition=Q(email=Lower("email")), name="suppression_email_lower"),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"


class WebhookEvent(models.Model):
    """A SendGrid event already processed: SendGrid delivers events at least once, so we skip repeats."""

    sg_event_id = models.CharField(_("SendGrid event ID"), max_length=100, unique=True)
    event = models.CharField(_("event"), max_length=32)
    email = models.EmailField(_("email"), blank=True)
    outbox_message = models.ForeignKey(
        OutboxMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="events",
        verbose_name=_("outbox message"),
    )
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self) -> str:
        return f"{self.event} {self.sg_event_id}"
