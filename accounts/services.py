"""The audit trail: who opened a minor's record, and other privacy-relevant acts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser

from accounts.models import AuditEntry, User
from students.models import Student


def audit_record(*, actor: User | AnonymousUser | None, action: str, obj: Any, name: str = "") -> AuditEntry:
    user = actor if isinstance(actor, User) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_name=name or (user.get_username() if user else "anonymous"),
        actor_role=user.role if user else "",
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
    )


def student_opened(*, actor: User | AnonymousUser, student: Student) -> None:
    """Record that someone other than the student opened a minor's record."""
    if student.is_minor() and getattr(actor, "student_id", None) != student.pk:
        audit_record(actor=actor, action="view", obj=student)
