"""API tokens, and the audit trail: who opened a minor's record, and other privacy-relevant acts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

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


def api_token_issue(*, user: User) -> tuple[str, dt.datetime | None]:
    """A new API token for the user, and when it expires. Only its digest is stored (knox); the user's
    expired tokens go, and past API_TOKENS_PER_USER the oldest ones are revoked."""
    limit = int(str(settings.REST_KNOX["TOKEN_LIMIT_PER_USER"]))
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).exists()  # one sign-in of a user at a time
        AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
        stale = AuthToken.objects.filter(user=user).order_by("-created").values_list("pk", flat=True)[limit - 1 :]
        AuthToken.objects.filter(pk__in=list(stale)).delete()
        instance, token = AuthToken.objects.create(user=user)
    return token, instance.expiry


def api_token_revoke(*, token: AuthToken) -> None:
    """Sign out of the API: this token stops working at once."""
    AuthToken.objects.filter(pk=token.pk).delete()
