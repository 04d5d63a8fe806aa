"""API shapes of sign-in, the audit trail and the privacy requests."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.models import AuditEntry
from api.rest import StrictSerializer


class LoginSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    role = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True, help_text="The token stops working then.")


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = ["id", "actor", "actor_name", "actor_role", "action", "object_type", "object_id", "at"]
        read_only_fields = fields


class EraseSerializer(StrictSerializer):
    confirm = serializers.BooleanField(help_text="Must be true: erasure cannot be undone.")

    def validate_confirm(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("Erasure cannot be undone; send true to confirm."))
        return value


class ErasedSerializer(serializers.Serializer):
    erased = serializers.BooleanField()


class StudentDataSerializer(serializers.Serializer):
    """Everything stored about a student (the right of access): free-form sections of plain records."""

    generated_at = serializers.DateTimeField()
    profile = serializers.DictField()
    availability = serializers.ListField(child=serializers.DictField())
    consents = serializers.ListField(child=serializers.DictField())
    bookings = serializers.ListField(child=serializers.DictField())
    recommendations = serializers.ListField(child=serializers.DictField())
    feedback = serializers.ListField(child=serializers.DictField())
    mail = serializers.ListField(child=serializers.DictField())
    accounts = serializers.ListField(child=serializers.DictField())
    record_opened_by = serializers.ListField(child=serializers.DictField())
