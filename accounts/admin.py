from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import AuditEntry, User

# The product's name is the same in both languages. Set here, in the base app every deployment has,
# because config/ holds no admin module of its own.
admin.site.site_header = "Cầu Nối"
admin.site.site_title = "Cầu Nối"
admin.site.index_title = pgettext_lazy("admin index", "Administration")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "role", "company", "school", "language", "is_staff"]
    list_filter = ["role", "is_staff", "is_active"]
    list_select_related = ["company", "school"]
    raw_id_fields = ["company", "school", "student"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Organisation"), {"fields": ["role", "company", "school", "student", "language"]}),
    )


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail is evidence: it can be read and searched here, never edited."""

    list_display = ["at", "actor_name", "actor_role", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type", "actor_role"]
    search_fields = ["actor_name", "=object_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
