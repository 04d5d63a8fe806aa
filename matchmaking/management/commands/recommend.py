from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from exchange.jsonl import write_jsonl
from matchmaking.inputs import split_engine_id
from matchmaking.offline import load_world, parse_now, run_engine
from matchmaking.phrasing import reasons_text


class Command(BaseCommand):
    help = (
        "The matchmaking engine straight on CSV contract files, no database: writes each participant's "
        "top K as JSON Lines (the recommendations format of docs/architecture.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", type=Path, required=True, help="a folder of contract CSV files")
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--now", type=parse_now, default=None, help="score as of this ISO datetime")
        parser.add_argument("--weights", type=Path, default=None, help="learned weights (JSON), else defaults")

    def handle(self, *args: Any, data: Path, k: int, out: Path, now: dt.datetime | None, weights: Path | None,
               **options: Any) -> None:  # fmt: skip
        if k < 1:
            raise CommandError("--k must be at least 1")
        now = now or timezone.now()
        participants, opportunities = load_world(data, now=now, stderr=self.stderr)
        recs = run_engine(participants, opportunities, now=now, k=k, weights_path=weights)
        records = (
            {
                "participant": split_engine_id(r.participant_id)[1],
                "participant_type": kind,
                "opportunity": r.opportunity_id,
                "rank": r.rank,
                "score": round(r.score, 6),
                "reasons": reasons_text(r.reasons, language=lang),  # as the participant reads them
            }
            for p_id, kind, lang in ((p.id, p.type, p.language) for p in participants)
            for r in recs.for_participants.get(p_id, [])
        )
        count = write_jsonl(out, records)
        self.stdout.write(
            f"{count} recommendations for {len(participants)} participants and {len(opportunities)} "
            f"opportunities written to {out}"
        )
