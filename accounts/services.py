"""API tokens; the audit trail (who opened a minor's record, and other privacy-relevant acts); new accounts:
a company's own registration, and accounts created for an invitation (``privacy.invitations`` mails it)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models, transaction
from django.utils import timezone
from knox.models import AuthToken

from accounts.models import AuditEntry, User
from companies.models import Company
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


# --- new accounts -----------------------------------------------------------------------------------


class AccountError(Exception):
    """An account cannot be created as asked; the message names the field, for the person to read."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def account_exists(email: str) -> bool:
    """Someone already signs in with this address (as username or as the account's email)."""
    email = email.strip().lower()
    return User.objects.filter(models.Q(username__iexact=email) | models.Q(email__iexact=email)).exists()


def _name_parts(full_name: str) -> tuple[str, str]:
    """A Vietnamese full name as Django keeps it: the given name last ("Nguyễn Văn" / "Minh")."""
    first, _space, last = full_name.strip().rpartition(" ")
    return first[:150], last[:150]


def username_for(email: str, *, fallback: str) -> str:
    """The address itself when no account uses it as a username, else ``fallback`` made unique."""
    email = email.strip().lower()
    if email and not User.objects.filter(username__iexact=email).exists():
        return email
    base = (fallback or "user").lower()[:140]
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def company_signup(
    *,
    name: str,
    profile: str,
    province: str,
    contact_email: str,
    person_name: str,
    email: str,
    password: str,
    sector: str = "",
    website: str = "",
    tax_code: str = "",
    address: str = "",
) -> User:
    """A company (expert, entrepreneur, artisan) registers itself with its first staff account.

    The company waits for an organiser's approval (``companies.selectors``: nothing of it is published
    before); its staff may prepare opportunities meanwhile. Its external id is ``WEB-`` and ten random
    hex digits, apart from the ids the province's files use. All or nothing.
    """
    email = email.strip().lower()
    if account_exists(email):
        raise AccountError("email", "an account with this email address already exists")
    with transaction.atomic():
        external_id = f"WEB-{secrets.token_hex(5).upper()}"
        while Company.objects.filter(external_id=external_id).exists():
            external_id = f"WEB-{secrets.token_hex(5).upper()}"
        company = Company(
            external_id=external_id,
            name=name.strip(),
            profile=profile,
            province=province,
            contact_email=contact_email.strip(),
            sector=sector.strip(),
            website=website.strip(),
            tax_code=tax_code.strip(),
            address=address.strip(),
        )
        company.full_clean()
        company.save()
        first, last = _name_parts(person_name)
        user = User(
            username=email,
            email=email,
            first_name=first,
            last_name=last,
            role=User.Role.COMPANY_STAFF,
            company=company,
        )
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
    return user


def account_invited_create(
    *,
    role: str,
    email: str,
    full_name: str = "",
    username_fallback: str = "",
    school_id: int | None = None,
    company_id: int | None = None,
    student_id: int | None = None,
) -> User:
    """An account whose person will choose a password from an invitation (it has none until then)."""
    email = email.strip().lower()
    first, last = _name_parts(full_name)
    user = User(
        username=username_for(email, fallback=username_fallback or email.partition("@")[0]),
        email=email,
        first_name=first,
        last_name=last,
        role=role,
        school_id=school_id,
        company_id=company_id,
        student_id=student_id,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user
