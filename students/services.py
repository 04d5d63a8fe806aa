"""Services of the students base: a participant's free times, a class request saved with them, the levels
a school teaches.

Consent workflows (asking a guardian by mail, recording and withdrawing consent) live in
``privacy.consent``: they send mail, and the base sends none.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from .models import AvailabilityInterval, ClassRequest, School, Student, split_levels


def availability_replace(*, owner: Student | ClassRequest, intervals: Iterable[Mapping[str, Any]]) -> None:
    """Replace a participant's free times as a whole, as the CSV column ``available`` does."""
    key = "student" if isinstance(owner, Student) else "class_request"
    with transaction.atomic():
        AvailabilityInterval.objects.filter(**{key: owner}).delete()
        AvailabilityInterval.objects.bulk_create(
            AvailabilityInterval(**{key: owner}, starts_at=i["starts_at"], ends_at=i["ends_at"])
            for i in sorted(intervals, key=lambda i: (i["starts_at"], i["ends_at"]))
        )


def class_request_save(
    *,
    school: School,
    values: Mapping[str, Any],
    intervals: Iterable[Mapping[str, Any]] | None = None,
    class_request: ClassRequest | None = None,
) -> ClassRequest:
    """Create a class request of ``school`` (or update ``class_request``, which must be the school's) and,
    when ``intervals`` is given, replace its free times — all in one transaction.

    ``values`` holds model fields (class_name, level, group_size, grade, interests, topics, kinds,
    max_bookings; external_id on creation, else one is made from the school's); the model's checks
    run before saving (``ValidationError`` naming the field).
    """
    if class_request is not None and class_request.school_id != school.pk:
        raise ValueError("this class request belongs to another school")
    with transaction.atomic():
        row = class_request or ClassRequest(school=school)
        for name, value in values.items():
            if name in ("pk", "id", "school", "school_id"):
                raise ValueError(f"{name} cannot be set here")
            setattr(row, name, value)
        if not row.external_id:  # made on the web: an id the school's later files can refer to
            row.external_id = f"{school.external_id}-{secrets.token_hex(4).upper()}"
        row.full_clean()
        row.save()
        if intervals is not None:
            availability_replace(owner=row, intervals=intervals)
    return row


def school_levels_set(*, school: School, levels: list[str]) -> School:
    """Set the levels ``school`` teaches: ``levels[0]`` its main level, the others a combined school's
    (THCS and THPT). Refused (``ValidationError`` on ``levels``) when a class request of the school is at
    a level left out."""
    if not levels:
        raise ValueError("a school teaches at least one level")
    with transaction.atomic():
        school = School.objects.select_for_update().get(pk=school.pk)
        school.check_levels(levels)
        school.level, school.other_levels = split_levels(levels)
        school.full_clean()
        school.save(update_fields=["level", "other_levels", "updated_at"])
    return school
