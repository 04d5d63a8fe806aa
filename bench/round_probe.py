"""What `bench/round.py` reads back from a database that the public commands do not export.

    DATABASE_URL=… python bench/round_probe.py outbox            # {"pending": …, "sending": …, "sent": …}
    DATABASE_URL=… python bench/round_probe.py snapshot FILE     # the published state, as JSON
    DATABASE_URL=… python bench/round_probe.py round             # the last matchmaking round's `now` (UTC)

Run as its own process, with the environment of the run it inspects (the round uses two databases).
It reads models only, through the ORM, never a service: the lead may move services, not these tables.
A snapshot names everything by external id, never by primary key, so two databases compare:
- ``opportunity_lists``: every opportunity's top k participants (the direction `export_recommendations`
  does not write), ``[opportunity, rank, participant, score]``;
- ``waitlists``: ``[session, rank, participant]``;
- ``outbox``: ``[dedupe key, category, status]``, the key's primary keys replaced by external ids
  (``digest:<student>:<week>``, ``<category>:<participant>@<session>:<sequence>``);
- ``seats``: sessions whose active bookings exceed their capacity (must be none).
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def outbox_counts() -> dict[str, int]:
    from django.db.models import Count

    from notifications.models import OutboxMessage

    rows = OutboxMessage.objects.values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}


def last_round() -> dict[str, str]:
    import datetime as dt

    from matchmaking.models import MatchRound

    match_round = MatchRound.objects.order_by("-pk").first()
    if match_round is None:
        return {}
    now = match_round.now.astimezone(dt.UTC)
    return {"now": now.strftime("%Y-%m-%d %H:%M:%S.%f"), "status": match_round.status}


def snapshot() -> dict[str, Any]:
    from companies.models import Session
    from matchmaking.models import OpportunityMatch
    from notifications.models import OutboxMessage
    from scheduler.models import Booking

    def participant(student: str | None, class_request: str | None) -> str:
        return f"student:{student}" if student else f"class_request:{class_request}"

    opportunity_lists = [
        [opportunity, rank, participant(student, class_request), round(score, 6)]
        for opportunity, rank, student, class_request, score in OpportunityMatch.objects.order_by(
            "opportunity__external_id", "rank"
        ).values_list("opportunity__external_id", "rank", "student__external_id", "class_request__external_id", "score")
    ]
    bookings = {
        pk: (participant(student, class_request), session)
        for pk, student, class_request, session in Booking.objects.values_list(
            "pk", "student__external_id", "class_request__external_id", "session__external_id"
        )
    }
    waitlists = sorted(
        [session, rank, participant(student, class_request)]
        for session, rank, student, class_request in Booking.objects.filter(
            status=Booking.Status.WAITLISTED
        ).values_list("session__external_id", "waitlist_rank", "student__external_id", "class_request__external_id")
    )
    students = dict(
        OutboxMessage.objects.filter(student__isnull=False).values_list("student_id", "student__external_id")
    )
    outbox = sorted(
        [portable_key(key, students, bookings), category, status]
        for key, category, status in OutboxMessage.objects.values_list("dedupe_key", "category", "status")
    )
    seats: Counter[int] = Counter()
    for session_id, taken in Booking.objects.filter(status__in=Booking.SEAT_HOLDING).values_list("session_id", "seats"):
        seats[session_id] += taken
    capacity = dict(Session.objects.filter(pk__in=list(seats)).values_list("pk", "capacity"))
    over = sorted(pk for pk, taken in seats.items() if taken > capacity[pk])
    return {"opportunity_lists": opportunity_lists, "waitlists": waitlists, "outbox": outbox, "over_capacity": over}


def portable_key(key: str, students: dict[int, str], bookings: dict[int, tuple[str, str]]) -> str:
    """The dedupe key with its primary key replaced by what it stands for in every database."""
    kind, _, rest = key.partition(":")
    first, _, tail = rest.partition(":")
    if not first.isdigit():
        return key
    if kind == "digest" and int(first) in students:
        return f"digest:{students[int(first)]}:{tail}"
    if int(first) in bookings:
        who, session = bookings[int(first)]
        return f"{kind}:{who}@{session}:{tail}"
    return key


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("outbox", "round", "snapshot") or (argv[0] == "snapshot" and len(argv) != 2):
        print("usage: round_probe.py outbox | round | snapshot FILE", file=sys.stderr)
        return 2
    setup()
    if argv[0] == "outbox":
        print(json.dumps(outbox_counts()))
    elif argv[0] == "round":
        print(json.dumps(last_round()))
    else:
        Path(argv[1]).write_text(json.dumps(snapshot(), ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
