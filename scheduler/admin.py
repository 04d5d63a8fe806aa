from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Booking, CalendarToken


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "participant",
        "session",
        "status",
        "seats",
        "score",
        "hold_until",
        "waitlist_rank",
        "sequence",
    ]
    list_filter = ["status", "session__opportunity__kind", "starts_at"]
    list_select_related = ["student__school", "class_request__school", "session__opportunity"]
    search_fields = [
        "student__full_name",
        "student__external_id",
        "class_request__external_id",
        "class_request__class_name",
        "class_request__school__name",
        "session__external_id",
        "session__opportunity__title",
    ]
    raw_id_fields = ["student", "class_request", "session"]
    date_hierarchy = "starts_at"
    # State changes go through the services (locks, waitlist offers, mail), never a bare save.
    readonly_fields = ["status", "seats", "hold_until", "waitlist_rank", "sequence", "starts_at", "ends_at"]
    actions = ["cancel_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("participant"))
    def participant(self, booking: Booking) -> str:
        return booking.participant_name

    @admin.action(description=_("Cancel selected confirmed bookings (offers the seats to the waitlist)"))
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        done = 0
        for pk in queryset.filter(status=Booking.Status.CONFIRMED).values_list("pk", flat=True):
            try:
                services.booking_cancel(booking_id=pk)
                done += 1
            except services.BookingError as exc:
                self.message_user(
                    request, _("Booking %(pk)s: %(error)s") % {"pk": pk, "error": exc}, messages.WARNING
                )
        self.message_user(
            request, ngettext("Cancelled %(count)d booking.", "Cancelled %(count)d bookings.", done) % {"count": done}
        )


@admin.register(CalendarToken)
class CalendarTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    raw_id_fields = ["user"]
    readonly_fields = ["token", "created_at"]
    actions = ["revoke_selected"]

    @admin.action(description=_("Revoke selected calendar feed tokens"))
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[CalendarToken]) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            services.calendar_token_revoke(token=token)
