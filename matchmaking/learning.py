"""Feedback in, a better ranker out: recording feedback, training, versioning, promoting.

``ranker_train`` fits new weights from every labelled Feedback row (``engine.learn``) and promotes
them only if they lose nothing: their nDCG@10 on the held-out participants' feedback and on every
labelled set (LABELLED_SETS, judged by people, not by our own clicks) is at least the current
model's. Feedback only ever sees what was shown, so it is biased toward what the model already
likes; the labelled sets are the check that a learned model has not drifted away from relevance.
The next ``matchmake`` round scores with the current model.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import inputs, offline
from .engine.evaluate import evaluate
from .engine.learn import Example, fit_weights, held_out, ndcg_of, should_promote
from .engine.model import Weights
from .engine.recommend import recommend
from .models import Feedback, Match, RankerModel

# The labelled sets a candidate must not lose on (folder, scoring time); see docs/relevance.md.
DATA_DIR = Path(__file__).resolve().parent.parent / "tests" / "data"
LABELLED_SETS = {
    "bilingual_eval": "2026-09-20T08:00:00+07:00",
    "esco_ict": "2026-09-20T08:00:00+07:00",
    "esco_skills": "2026-09-20T08:00:00+07:00",
}

POSITIVE = (Feedback.Kind.ACCEPTED, Feedback.Kind.CLICKED)
NEGATIVE = (Feedback.Kind.DECLINED, Feedback.Kind.NOT_INTERESTED)


@dataclass(frozen=True)
class TrainResult:
    promoted: bool
    version: str | None
    candidate_ndcg: float | None
    current_ndcg: float | None
    training_rows: int
    held_out_rows: int
    message: str


def feedback_record(*, match: Match, kind: str) -> Feedback:
    """Feedback on a shown recommendation, with the features it was scored with (for training)."""
    return Feedback.objects.create(
        student_id=match.student_id,
        class_request_id=match.class_request_id,
        opportunity_id=match.opportunity_id,
        kind=kind,
        features=match.features,
        model_version=match.model_version,
    )


def feedback_withdraw(*, match: Match, kind: str) -> int:
    """The participant takes back what they said of a recommendation ("not interested" undone): their
    rows of ``kind`` on its opportunity go, so the next training (``_examples``) no longer learns from a
    decision they withdrew. Returns how many rows went (none after a second click)."""
    owner = {"student_id": match.student_id} if match.student_id else {"class_request_id": match.class_request_id}
    rows = Feedback.objects.filter(**owner, opportunity_id=match.opportunity_id, kind=kind)
    deleted, _by_model = rows.delete()
    return deleted


def feedback_simulate(*, seed: int = 7, top: int = 5) -> int:
    """The demo's stand-in for a week of real use: students look at their top ``top`` and accept or
    decline. The simulated students follow their interests: what they accept is driven by the text
    and topics they share with the opportunity; their preferred kind helps only when the topic fits
    (a visit to a factory is no draw for a student who wrote "chips, NLP"). Pairs that already have
    feedback are skipped, so a second run adds nothing."""
    rng = random.Random(seed)
    seen = set(Feedback.objects.values_list("student_id", "opportunity_id"))
    rows = []
    matches = Match.objects.filter(student__isnull=False, rank__lte=top).order_by("student_id", "rank")
    for match in matches.iterator(chunk_size=2000):
        if (match.student_id, match.opportunity_id) in seen:
            continue
        f = match.features
        interest = min(1.0, 2.0 * f.get("topic", 0) + 3.0 * f.get("text", 0))
        appeal = interest * (1.0 + 0.3 * f.get("kind", 0)) - 0.1 * match.rank / top
        accepted = appeal + rng.gauss(0, 0.15) > 0.5
        rows.append(
            Feedback(
                student_id=match.student_id,
                opportunity_id=match.opportunity_id,
                kind=Feedback.Kind.ACCEPTED if accepted else Feedback.Kind.DECLINED,
                features=f,
                model_version=match.model_version,
            )
        )
    Feedback.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _examples() -> list[Example]:
    rows = Feedback.objects.filter(kind__in=POSITIVE + NEGATIVE).values_list(
        "student__external_id", "class_request__external_id", "opportunity__external_id", "features", "kind"
    )
    return [
        Example(participant=s or c, item=o, features=features, label=int(kind in POSITIVE))
        for s, c, o, features, kind in rows.iterator(chunk_size=5000)
    ]


def ranker_train(*, min_rows: int = 50) -> TrainResult:
    examples = _examples()
    train = [e for e in examples if not held_out(e.participant)]
    test = [e for e in examples if held_out(e.participant)]
    if len(train) < min_rows or not test:
        message = _("not enough feedback yet (%(train)d training rows, %(test)d held out)") % {
            "train": len(train),
            "test": len(test),
        }
        return TrainResult(False, None, None, None, len(train), len(test), message)
    version = timezone.now().strftime("r%Y%m%d-%H%M%S-%f")
    candidate = fit_weights(train, version=version)
    if candidate is None:
        return TrainResult(False, None, None, None, len(train), len(test), _("the feedback has only one label"))
    current_row = RankerModel.objects.filter(is_current=True).first()
    current = Weights.from_dict(current_row.weights) if current_row else Weights()
    candidate_ndcg, current_ndcg = ndcg_of(candidate, test), ndcg_of(current, test)
    theirs = labelled_ndcg(current)
    labelled = {name: (mine, theirs[name]) for name, mine in labelled_ndcg(candidate).items()}
    promoted = should_promote(candidate, current, test, labelled)
    with transaction.atomic():
        if promoted:
            RankerModel.objects.filter(is_current=True).update(is_current=False)
        RankerModel.objects.create(
            version=version,
            weights=candidate.to_dict(),
            ndcg_at_10=candidate_ndcg,
            training_rows=len(train),
            is_current=promoted,
        )
    verdict = _("promoted") if promoted else _("kept the current model")
    on_sets = "; ".join(
        _("%(name)s %(mine).3f vs %(theirs).3f") % {"name": name, "mine": mine, "theirs": theirs}
        for name, (mine, theirs) in labelled.items()
    )
    weights = ", ".join(f"{k} {v:.2f}" for k, v in candidate.to_dict().items() if k != "version")
    return TrainResult(
        promoted,
        version,
        candidate_ndcg,
        current_ndcg,
        len(train),
        len(test),
        _(
            "model %(version)s (%(weights)s): nDCG@10 on held-out feedback %(candidate).3f vs current "
            "%(current).3f; nDCG@10 on the labelled sets: %(on_sets)s → %(verdict)s"
        )
        % {
            "version": version,
            "weights": weights,
            "candidate": candidate_ndcg,
            "current": current_ndcg,
            "on_sets": on_sets,
            "verdict": verdict,
        },
    )


def labelled_ndcg(weights: Weights, k: int = 10) -> dict[str, float]:
    """nDCG@k of these weights on each labelled set (the engine on its CSV files, no database)."""
    out = {}
    for name, when in LABELLED_SETS.items():
        folder = DATA_DIR / name
        if not (folder / "truth.csv").exists():
            continue
        now = offline.parse_now(when)
        participants, opportunities = inputs.world_from_csv(folder, today=now.date())
        truth: dict[str, set[str]] = {}
        with (folder / "truth.csv").open(encoding="utf-8") as handle:
            for line in handle.read().splitlines()[1:]:
                participant, _comma, opportunity = line.partition(",")
                truth.setdefault(participant.strip(), set()).add(opportunity.strip())
        # The truth names participants by external id; the engine by namespaced id ("student:…").
        relevant = {p.id: truth.get(inputs.split_engine_id(p.id)[1], set()) for p in participants}
        recs = recommend(participants, opportunities, now=now, geography=inputs.geography(), k=k, weights=weights)
        ranked = {p: [r.opportunity_id for r in rs] for p, rs in recs.for_participants.items()}
        out[name] = evaluate(ranked, relevant, k=k, participants=[p.id for p in participants]).ndcg
    return out
