from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from matchmaking.engine.evaluate import Metrics, evaluate
from matchmaking.engine.learn import Example, fit_weights
from matchmaking.engine.recommend import recommend
from matchmaking.engine.types import Opportunity, Participant, Recommendations
from matchmaking.inputs import geography, province_names, split_engine_id
from matchmaking.offline import load_weights, load_world, parse_now

ABLATION = [
    ("text only", {"folding": False, "use_topics": False, "use_filters": False}),
    ("+ accent folding", {"folding": True, "use_topics": False, "use_filters": False}),
    ("+ topics", {"folding": True, "use_topics": True, "use_filters": False}),
    ("+ filters", {"folding": True, "use_topics": True, "use_filters": True}),
]


def read_truth(path: Path) -> dict[str, set[str]]:
    truth: dict[str, set[str]] = defaultdict(set)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in ("participant", "opportunity") if c not in (reader.fieldnames or [])]
            if missing:
                raise CommandError(f"{path.name}:1: {', '.join(missing)}: required column is missing")
            for line, row in enumerate(reader, start=2):
                if not row.get("participant") or not row.get("opportunity"):
                    raise CommandError(f"{path.name}:{line}: participant and opportunity are required")
                truth[row["participant"].strip()].add(row["opportunity"].strip())
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CommandError(f"{path}: {exc}") from None
    return truth


class Command(BaseCommand):
    help = "Ranking quality against known relevant pairs: nDCG@k, recall@k, MRR, coverage (no database)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", type=Path, required=True)
        parser.add_argument("--truth", type=Path, required=True, help="CSV: participant,opportunity")
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--now", type=parse_now, default=None, help="score as of this ISO datetime")
        parser.add_argument("--weights", type=Path, default=None, help="learned weights (JSON)")
        parser.add_argument("--ablation", action="store_true", help="the ablation table")

    def handle(self, *args: Any, data: Path, truth: Path, k: int, now: dt.datetime | None, weights: Path | None,
               ablation: bool, **options: Any) -> None:  # fmt: skip
        now = now or timezone.now()
        participants, opportunities = load_world(data, now=now, stderr=self.stderr)
        # The truth names participants by external id; the engine by namespaced id ("student:…").
        by_external_id = read_truth(truth)
        relevant = {p.id: by_external_id.get(split_engine_id(p.id)[1], set()) for p in participants}
        run = _Runner(participants, opportunities, now=now, k=k)
        if not ablation:
            metrics = run.metrics(run.recommend(weights=load_weights(weights)), participants, relevant)
            self.stdout.write(_header() + "\n" + _row("model", metrics))
            return
        # Every row on all participants; the learned weights by 5-fold cross-validation over
        # participants: each fold is ranked with weights fitted on the other four folds' truth.
        self.stdout.write(f"all {len(participants)} participants; k = {k}; learned weights: 5-fold cross-validation\n")
        self.stdout.write(_header())
        for label, switches in ABLATION:
            self.stdout.write(_row(label, run.metrics(run.recommend(**switches), participants, relevant)))
        ranked: dict[str, list[Any]] = {}
        learned_all = []
        for fold in range(FOLDS):
            train = [p for p in participants if _fold(p.id) != fold]
            learned = run.learn(train, relevant)
            learned_all.append(learned)
            recs = run.recommend(weights=learned)
            ranked.update({p.id: recs.for_participants[p.id] for p in participants if _fold(p.id) == fold})
        merged = Recommendations(ranked, {}, "cross-validated")
        self.stdout.write(_row("+ learned weights", run.metrics(merged, participants, relevant)))
        for learned in learned_all[:1]:
            if learned is not None:
                self.stdout.write(
                    "learned (fold 0): "
                    + ", ".join(f"{n} {v:.2f}" for n, v in learned.to_dict().items() if n != "version")
                )


FOLDS = 5


def _fold(participant_id: str) -> int:
    """The participant's cross-validation fold, from its external id (the same folds as before ids were
    namespaced, so the figures stay comparable)."""
    external = split_engine_id(participant_id)[1]
    return int.from_bytes(hashlib.sha256(external.encode()).digest()[:4], "big") % FOLDS


class _Runner:
    def __init__(self, participants: list[Participant], opportunities: list[Opportunity], *, now: dt.datetime,
                 k: int) -> None:  # fmt: skip
        self.participants, self.opportunities, self.now, self.k = participants, opportunities, now, k

    def recommend(self, k: int | None = None, **options: Any) -> Recommendations:
        return recommend(self.participants, self.opportunities, now=self.now, geography=geography(),
                         k=k or self.k, province_names=province_names(), **options)  # fmt: skip

    def metrics(self, recs: Recommendations, who: list[Participant], truth: Any = None) -> Metrics:
        ranked = {p: [r.opportunity_id for r in rs] for p, rs in recs.for_participants.items()}
        return evaluate(ranked, truth or {}, k=self.k, participants=[p.id for p in who],
                        opportunities=[o.id for o in self.opportunities])  # fmt: skip

    def learn(self, train: list[Participant], truth: dict[str, set[str]]) -> Any:
        """Fit weights on the training participants' candidates (a deeper list), labelled by the truth."""
        recs = self.recommend(k=max(30, 3 * self.k))
        ids = {p.id for p in train}
        examples = [
            Example(p, r.opportunity_id, r.features, int(r.opportunity_id in truth.get(p, ())))
            for p, rs in recs.for_participants.items()
            if p in ids
            for r in rs
        ]
        return fit_weights(examples, version="eval")


def _header() -> str:
    return f"{'':20} {'nDCG@k':>7} {'recall@k':>8} {'MRR':>6} {'coverage':>8} {'with recs':>9}"


def _row(label: str, m: Metrics) -> str:
    return f"{label:20} {m.ndcg:7.3f} {m.recall:8.3f} {m.mrr:6.3f} {m.coverage:8.1%} {m.with_recommendations:9.1%}"
