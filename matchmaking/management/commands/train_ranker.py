from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from matchmaking.learning import ranker_train


class Command(BaseCommand):
    help = (
        "Fit the weights from feedback (logistic regression on the engine's features, the context only "
        "through relevance). The new version is promoted only if it loses nothing: its nDCG@10 on held-out "
        "feedback and on every labelled set (tests/data) is at least the current one's."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--min-rows", type=int, default=50, help="training rows needed (default 50)")

    def handle(self, *args: Any, min_rows: int, **options: Any) -> None:
        self.stdout.write(ranker_train(min_rows=min_rows).message)
