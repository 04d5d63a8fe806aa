from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "role", "company", "school", "is_staff"]
    list_filter = ["role", "is_staff", "is_active"]
    list_select_related = ["company", "school"]
    raw_id_fields = ["company", "school", "student"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Organisation", {"fields": ["role", "company", "school", "student"]}),
    )
