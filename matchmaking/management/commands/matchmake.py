from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from matchmaking.broker import workers_reachable
from matchmaking.services import matchmake


class Command(BaseCommand):
    help = (
        "Recommendations for every student and class request, and the best participants for every "
        "opportunity, stored with scores and reasons. A round replaces the previous lists. With a broker "
        "configured, participants are split into shards, one Celery task each."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--k", type=int, default=10, help="list length, both ways (default 10)")
        parser.add_argument("--shards", type=int, default=None, help="default: 1 without a broker, else 4")

    def handle(self, *args: Any, k: int, shards: int | None, **options: Any) -> None:
        if k < 1:
            self.stderr.write(_("--k must be at least 1"))
            sys.exit(1)
        # With a broker the shards wait for a worker: say so within seconds rather than wait an hour.
        reach = workers_reachable(timeout=3)
        if not reach.ok:
            raise CommandError(reach.message)
        bar = _ProgressBar(self.stdout) if self.stdout.isatty() else None
        summary = matchmake(k=k, shards=shards, progress=bar.update if bar else None)
        if bar:
            bar.close()
        self.stdout.write(
            _(
                "round %(round)d: %(matches)d recommendations for %(with_recommendations)d of %(participants)d "
                "participants; %(opportunity_matches)d participant suggestions (%(seconds).1f s)"
            )
            % {
                "round": summary.round_id,
                "matches": summary.matches,
                "with_recommendations": summary.with_recommendations,
                "participants": summary.participants,
                "opportunity_matches": summary.opportunity_matches,
                "seconds": summary.seconds,
            }
        )


class _ProgressBar:
    """tqdm on a terminal; nothing in CI or when piped (the command checks isatty)."""

    def __init__(self, stream: Any) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=None, unit="shard", file=stream._out, leave=False)

    def update(self, done: int, total: int) -> None:
        self.bar.total = total
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()
