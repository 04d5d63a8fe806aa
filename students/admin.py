from __future__ import annotations

from django.contrib import admin

from .models import AvailabilityInterval, ClassRequest, GuardianConsent, School, Student


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "level", "province"]
    list_filter = ["level", "province"]
    search_fields = ["name", "external_id", "contact_email"]


class AvailabilityInline(admin.TabularInline):
    model = AvailabilityInterval
    fields = ["starts_at", "ends_at"]
    extra = 0


class ConsentInline(admin.TabularInline):
    model = GuardianConsent
    fields = ["guardian_email", "method", "evidence", "given_at", "recorded_by", "withdrawn_at"]
    extra = 0


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = ["full_name", "external_id", "school", "level", "province", "email_opt_in"]
    list_filter = ["level", "province", "email_opt_in", "school__level"]
    list_select_related = ["school"]
    search_fields = ["full_name", "external_id", "email", "school__name"]
    raw_id_fields = ["school"]
    inlines = [AvailabilityInline, ConsentInline]


@admin.register(ClassRequest)
class ClassRequestAdmin(admin.ModelAdmin):
    list_display = ["class_name", "external_id", "school", "level", "group_size", "max_bookings"]
    list_filter = ["level", "school__province"]
    list_select_related = ["school"]
    search_fields = ["class_name", "external_id", "school__name"]
    raw_id_fields = ["school"]
    inlines = [AvailabilityInline]


@admin.register(AvailabilityInterval)
class AvailabilityIntervalAdmin(admin.ModelAdmin):
    list_display = ["__str__", "student", "class_request"]
    list_select_related = ["student", "class_request__school"]
    raw_id_fields = ["student", "class_request"]
    search_fields = ["student__full_name", "class_request__class_name"]
    date_hierarchy = "starts_at"


@admin.register(GuardianConsent)
class GuardianConsentAdmin(admin.ModelAdmin):
    list_display = ["student", "guardian_email", "method", "given_at", "withdrawn_at"]
    list_filter = ["method", "withdrawn_at"]
    list_select_related = ["student"]
    raw_id_fields = ["student"]
    search_fields = ["student__full_name", "guardian_email"]
