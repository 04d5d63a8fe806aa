from __future__ import annotations

from django.contrib import admin

from .models import Company, Opportunity, Session


class OpportunityInline(admin.TabularInline):
    model = Opportunity
    fields = ["external_id", "kind", "title", "province", "online"]
    show_change_link = True
    extra = 0


class SessionInline(admin.TabularInline):
    model = Session
    fields = ["external_id", "starts_at", "ends_at", "capacity"]
    extra = 0


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "profile", "province", "sector", "approved_at"]
    list_filter = ["profile", "province", "sector"]
    search_fields = ["name", "external_id", "contact_email", "tax_code"]
    inlines = [OpportunityInline]


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
    list_display = ["external_id", "opportunity", "starts_at", "ends_at", "capacity"]
    list_filter = ["opportunity__kind", "starts_at"]
    list_select_related = ["opportunity"]
    search_fields = ["external_id", "opportunity__title", "opportunity__external_id"]
    raw_id_fields = ["opportunity"]
    date_hierarchy = "starts_at"
