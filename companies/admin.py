from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Company, Opportunity, Session
from .services import company_approve


class OpportunityInline(admin.TabularInline):
    model = Opportunity
    fields = ["external_id", "kind", "title", "province", "online"]
    show_change_link = True
    extra = 0


class SessionInline(admin.TabularInline):
    model = Session
    fields = ["external_id", "starts_at", "ends_at", "capacity"]
    extra = 0


class ApprovedFilter(admin.SimpleListFilter):
    title = _("approval")
    parameter_name = "approved"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", _("Approved")), ("no", _("Waiting for approval"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Company]) -> QuerySet[Company]:
        if self.value() == "yes":
            return queryset.filter(approved_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(approved_at__isnull=True)
        return queryset


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "profile", "province", "sector", "approved_at", "rejected_at"]
    list_filter = [ApprovedFilter, "profile", "province", "sector"]
    search_fields = ["name", "external_id", "contact_email", "tax_code"]
    # Approval, rejection and withdrawal go through the services (the organiser's pages, the action
    # below): withdrawing by clearing the date here would leave the company's bookings standing.
    readonly_fields = ["approved_at", "rejected_at", "rejection_reason"]
    inlines = [OpportunityInline]
    actions = ["approve_selected"]

    @admin.action(description=_("Approve selected companies"))
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Company]) -> None:
        waiting = list(queryset.filter(approved_at__isnull=True).values_list("pk", flat=True))
        for pk in waiting:
            company_approve(company_id=pk)
        done = len(waiting)
        skipped = queryset.count() - done
        self.message_user(
            request,
            ngettext("Approved %(count)d company.", "Approved %(count)d companies.", done) % {"count": done},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d company was already approved and keeps its approval date.",
                    "%(count)d companies were already approved and keep their approval date.",
                    skipped,
                )
                % {"count": skipped},
                messages.INFO,
            )


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ["title", "external_id", "company", "kind", "province", "online", "apply_by"]
    list_filter = ["kind", "online", "province", "language"]
    list_select_related = ["company"]
    search_fields = ["title", "external_id", "description", "company__name"]
    raw_id_fields = ["company"]
    inlines = [SessionInline]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["external_id", "opportunity", "starts_at", "ends_at", "capacity", "cancelled_at"]
    list_filter = ["opportunity__kind", "starts_at"]
    list_select_related = ["opportunity"]
    search_fields = ["external_id", "opportunity__title", "opportunity__external_id"]
    raw_id_fields = ["opportunity"]
    date_hierarchy = "starts_at"
    # Cancelling mails everyone booked and ends their bookings: only ``session_cancel`` does it (the
    # company's page or the API), never a field typed here.
    readonly_fields = ["cancelled_at", "cancel_reason"]
