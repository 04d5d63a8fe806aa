"""Reads of accounts that several callers share."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q

from .models import User


def users_reachable_at(email: str) -> Iterator[User]:
    """Active accounts that mail to ``email`` reaches: the account's own address, or, for a student's
    account (which schools create without one), the address the school keeps on the student. Each user
    comes with ``email`` set to the address it was found by (in memory only), for password resets."""
    email = email.strip()
    found = User.objects.filter(Q(email__iexact=email) | Q(student__email__iexact=email), is_active=True)
    for user in found.select_related("student").order_by("pk"):
        if user.has_usable_password():
            if not user.email and user.student is not None:
                user.email = user.student.email
            yield user
