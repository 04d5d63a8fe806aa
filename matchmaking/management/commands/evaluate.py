from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from matchmaking.engine.baseline import plain_tfidf
from matchmaking.engine.encoder import ENCODERS, Reranker, reranker
from matchmaking.engine.evaluate import Metrics, evaluate
from matchmaking.engine.learn import Example, fit_weights
from matchmaking.engine.model import RELEVANCE_FLOOR
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
        parser.add_argument("--floor", type=float, default=None, help="relevance floor (default: the engine's)")
        parser.add_argument(
            "--encoder",
            choices=[*ENCODERS, "none"],
            default=None,
            help="the second stage: an English encoder re-orders English candidates (engine/encoder.py); "
            "default: the one rounds use (settings.MATCHMAKING_ENCODER), 'none' for the engine alone",
        )
        parser.add_argument(
            "--floors", type=_floats, default=None, help="calibration: figures at each of these floors (0.02,0.05,…)"
        )

    def handle(self, *args: Any, data: Path, truth: Path, k: int, now: dt.datetime | None, weights: Path | None,
               ablation: bool, floor: float | None, floors: list[float] | None, encoder: str | None = None,
               **options: Any) -> None:  # fmt: skip
        now = now or timezone.now()
        rerank = None
        encoder = settings.MATCHMAKING_ENCODER if encoder is None else encoder
        if encoder not in ("", "none"):
            _, available, install = ENCODERS[encoder]
            if not available():
                raise CommandError(f"--encoder {encoder}: {install} (docs/relevance.md)")
            rerank = reranker(encoder, limit=None)  # in memory (evaluate touches no database), every text
        participants, opportunities = load_world(data, now=now, stderr=self.stderr)
        # The truth names participants by external id; the engine by namespaced id ("student:…").
        by_external_id = read_truth(truth)
        self._unknown_in_truth(truth, data, by_external_id, participants, opportunities)
        relevant = {p.id: by_external_id.get(split_engine_id(p.id)[1], set()) for p in participants}
        floor = RELEVANCE_FLOOR if floor is None else floor
        run = _Runner(participants, opportunities, now=now, k=k, floor=floor, rerank=rerank)
        if floors:
            self._calibration(run, participants, relevant, floors, load_weights(weights))
            return
        if not ablation:
            recs = run.recommend(weights=load_weights(weights))
            self.stdout.write(_header() + "\n" + _row("plain TF-IDF", run.baseline(participants, relevant)))
            self.stdout.write(_row("model", run.metrics(recs, participants, relevant)))
            self.stdout.write(_at_floor(floor, recs, participants, relevant))
            listed = {pid: [r.opportunity_id for r in rs] for pid, rs in recs.for_participants.items()}
            hits, n = cross_language_hits(listed, relevant, participants, {o.id: o for o in opportunities})
            if n:
                self.stdout.write(
                    f"cross-language hit@3: {hits / n:.3f} ({hits} of the {n} participants with a relevant "
                    "opportunity in the other language find one in their first 3)"
                )
            stage = f"the English second stage: {encoder}" if rerank else "the engine alone, no second stage"
            self.stdout.write(f"(model: {stage}; --encoder none or use to compare)")
            return
        # Every row on all participants; the learned weights by 5-fold cross-validation over
        # participants: each fold is ranked with weights fitted on the other four folds' truth.
        self.stdout.write(f"all {len(participants)} participants; k = {k}; learned weights: 5-fold cross-validation\n")
        self.stdout.write(_header())
        self.stdout.write(_row("plain TF-IDF", run.baseline(participants, relevant)))
        for label, switches in ABLATION:
            recs = run.recommend(**switches, rerank=None)
            self.stdout.write(_row(label, run.metrics(recs, participants, relevant)))
        if run.rerank is not None:
            self.stdout.write(_row("+ English stage", run.metrics(run.recommend(), participants, relevant)))
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

    def _unknown_in_truth(self, truth: Path, data: Path, by_external_id: dict[str, set[str]],
                          participants: list[Participant], opportunities: list[Opportunity]) -> None:  # fmt: skip
        """Warn of the truth's ids the data does not have (a typo, or a row the import refused): an unknown
        participant is not ranked, and an unknown opportunity is a relevant pair no list can hold."""
        participant_ids = {split_engine_id(p.id)[1] for p in participants}
        opportunity_ids = {o.id for o in opportunities}
        unknown = {
            "participants": sorted(set(by_external_id) - participant_ids),
            "opportunities": sorted({o for ids in by_external_id.values() for o in ids} - opportunity_ids),
        }
        for kind, ids in unknown.items():
            if ids:
                named = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
                self.stderr.write(f"{truth.name}: {len(ids)} {kind} not in {data}: {named}")

    def _calibration(self, run: _Runner, who: list[Participant], truth: dict[str, set[str]], floors: list[float],
                     weights: Any) -> None:  # fmt: skip
        """The lists at each floor, one run each: above a floor a pair also needs a reason of relevance
        (``model.TEXT_EVIDENCE``), so a floor removes pairs from the middle of a list, not only its tail."""
        self.stdout.write(f"{'floor':>6} {'nDCG@k':>7} {'precision':>9} {'with recs':>9} {'judged w/ recs':>14}")
        for value in floors:
            cut = run.recommend(weights=weights, floor=value)
            m = run.metrics(cut, who, truth)
            precision, judged_with = _precision(cut, truth)
            self.stdout.write(
                f"{value:6.3f} {m.ndcg:7.3f} {precision:9.3f} {m.with_recommendations:9.1%} {judged_with:14.1%}"
            )


FOLDS = 5


def _floats(value: str) -> list[float]:
    try:
        return [float(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"not a comma-separated list of numbers: {value!r}") from None


def _precision(recs: Recommendations, truth: dict[str, set[str]]) -> tuple[float, float]:
    """(share of the listed pairs that are relevant, share of the judged participants with a list)."""
    listed = [(p, r.opportunity_id) for p, rs in recs.for_participants.items() for r in rs]
    hits = sum(1 for p, o in listed if o in truth.get(p, ()))
    judged = [p for p in recs.for_participants if truth.get(p)]
    with_list = sum(1 for p in judged if recs.for_participants[p])
    return (hits / len(listed) if listed else 1.0, with_list / len(judged) if judged else 0.0)


def cross_language_hits(
    ranked: dict[str, list[str]],
    truth: dict[str, set[str]],
    participants: list[Participant],
    opportunities: dict[str, Opportunity],
    k: int = 3,
) -> tuple[int, int]:
    """(hits, participants): of the participants with a relevant opportunity written in the other
    language than theirs (both languages known), how many find one such in their first k."""
    hits = n = 0
    for p in participants:
        other = {o for o in truth.get(p.id, ()) if o in opportunities and opportunities[o].language
                 and opportunities[o].language != p.language}  # fmt: skip
        if other:
            n += 1
            hits += bool(other & set(ranked.get(p.id, [])[:k]))
    return hits, n


def _at_floor(floor: float, recs: Recommendations, who: list[Participant], truth: dict[str, set[str]]) -> str:
    precision, judged_with = _precision(recs, truth)
    with_list = sum(1 for p in who if recs.for_participants.get(p.id))
    listed = sum(len(rs) for rs in recs.for_participants.values())
    return (
        f"at the relevance floor {floor:g}: precision {precision:.3f} ({listed} pairs listed); "
        f"coverage: {with_list} of {len(who)} participants have a list ({judged_with:.1%} of those with a "
        f'relevant opportunity), {len(who) - with_list} get "no good match yet"'
    )


def _fold(participant_id: str) -> int:
    """The participant's cross-validation fold, from its external id (the same folds as before ids were
    namespaced, so the figures stay comparable)."""
    external = split_engine_id(participant_id)[1]
    return int.from_bytes(hashlib.sha256(external.encode()).digest()[:4], "big") % FOLDS


class _Runner:
    def __init__(self, participants: list[Participant], opportunities: list[Opportunity], *, now: dt.datetime,
                 k: int, floor: float, rerank: Reranker | None = None) -> None:  # fmt: skip
        self.participants, self.opportunities, self.now, self.k = participants, opportunities, now, k
        self.floor, self.rerank = floor, rerank

    def recommend(self, k: int | None = None, **options: Any) -> Recommendations:
        options.setdefault("floor", self.floor)
        options.setdefault("rerank", self.rerank)
        return recommend(self.participants, self.opportunities, now=self.now, geography=geography(),
                         k=k or self.k, province_names=province_names(), **options)  # fmt: skip

    def metrics(self, recs: Recommendations, who: list[Participant], truth: Any = None) -> Metrics:
        ranked = {p: [r.opportunity_id for r in rs] for p, rs in recs.for_participants.items()}
        return evaluate(ranked, truth or {}, k=self.k, participants=[p.id for p in who],
                        opportunities=[o.id for o in self.opportunities])  # fmt: skip

    def baseline(self, who: list[Participant], truth: Any) -> Metrics:
        """The plain TF-IDF baseline (``engine/baseline.py``) on the same texts."""
        ranked = plain_tfidf(self.participants, self.opportunities, self.k)
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
