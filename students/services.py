"""Services of the students base: a participant's free times.

Consent workflows (asking a guardian by mail, recording and withdrawing consent) live in
``privacy.consent``: they send mail, and the base sends none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from .models import AvailabilityInterval, ClassRequest, Student


def availability_replace(*, owner: Student | ClassRequest, intervals: Iterable[Mapping[str, Any]]) -> None:
    """Replace a participant's free times as a whole, as the CSV column ``available`` does."""
    key = "student" if isinstance(owner, Student) else "class_request"
    with transaction.atomic():
        AvailabilityInterval.objects.filter(**{key: owner}).delete()
        AvailabilityInterval.objects.bulk_create(
            AvailabilityInterval(**{key: owner}, starts_at=i["starts_at"], ends_at=i["ends_at"])
            for i in sorted(intervals, key=lambda i: (i["starts_at"], i["ends_at"]))
        )
