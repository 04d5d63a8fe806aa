"""Upkeep of the published lists between rounds: what a change elsewhere makes untrue in them.

A round's lists (``Match``, ``OpportunityMatch``) keep their reasons as data until the next round. When
a session moves, is deleted or is cancelled, the reason naming its time ("fits your free Saturday morning, 3/10,
08:00–11:00") would promise a time the opportunity no longer offers; the scheduler calls
``session_reasons_forget`` in the same transaction as the change.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from django.db.models import QuerySet

from companies.models import Session

from .models import Match, OpportunityMatch

M = TypeVar("M", Match, OpportunityMatch)


def session_reasons_forget(*, opportunity_id: int, starts_at: dt.datetime, ends_at: dt.datetime) -> int:
    """Take the reason that names a session's time ("fits your free Saturday morning, 3/10, 08:00–11:00")
    out of an opportunity's published lists, both ways, once no session of it has that time any more
    (moved, deleted or cancelled): it would promise a time the opportunity no longer offers. The next
    round says which session fits now. Returns how many rows changed."""
    offered = Session.objects.not_cancelled()
    if offered.filter(opportunity_id=opportunity_id, starts_at=starts_at, ends_at=ends_at).exists():
        return 0
    return _forget(Match.objects.filter(opportunity_id=opportunity_id), starts_at, ends_at) + _forget(
        OpportunityMatch.objects.filter(opportunity_id=opportunity_id), starts_at, ends_at
    )


def _forget(rows: QuerySet[M], starts_at: dt.datetime, ends_at: dt.datetime) -> int:
    stale = []
    for row in rows.only("pk", "reasons"):
        kept = [r for r in row.reasons or [] if not _names_time(r, starts_at, ends_at)]
        if len(kept) != len(row.reasons or []):
            row.reasons = kept
            stale.append(row)
    rows.model.objects.bulk_update(stale, ["reasons"], batch_size=500)
    return len(stale)


def _names_time(reason: object, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    if not isinstance(reason, dict) or reason.get("factor") != "session":
        return False
    try:
        start, end = dt.datetime.fromisoformat(reason["starts_at"]), dt.datetime.fromisoformat(reason["ends_at"])
        return start == starts_at and end == ends_at
    except (KeyError, TypeError, ValueError):  # a reason this release cannot read, or a naive time: left as it is
        return False
