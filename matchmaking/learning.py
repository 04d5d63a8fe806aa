"""Feedback in, a better ranker out: recording feedback, training, versioning, promoting.

``ranker_train`` fits new blend weights from every labelled Feedback row (``engine.learn``) and
promotes them only if, on the held-out participants' feedback, their nDCG@10 is no worse than the
current model's. The next ``matchmake`` round scores with the current model.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .engine.learn import Example, fit_weights, held_out, ndcg_of, should_promote
from .engine.model import Weights
from .models import Feedback, Match, RankerModel

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


def feedback_simulate(*, seed: int = 7, top: int = 5) -> int:
    """The demo's stand-in for a week of real use: students look at their top ``top`` and accept or
    decline. The simulated students care about shared topics and their preferred kind more than the
    default weights assume, so a trained model has something to learn. Pairs that already have
    feedback are skipped, so a second run adds nothing."""
    rng = random.Random(seed)
    seen = set(Feedback.objects.values_list("student_id", "opportunity_id"))
    rows = []
    matches = Match.objects.filter(student__isnull=False, rank__lte=top).order_by("student_id", "rank")
    for match in matches.iterator(chunk_size=2000):
        if (match.student_id, match.opportunity_id) in seen:
            continue
        f = match.features
        appeal = 2.5 * f.get("topic", 0) + 1.5 * f.get("kind", 0) + 1.0 * f.get("text", 0) - 0.2 * match.rank / top
        accepted = appeal + rng.gauss(0, 0.35) > 0.9
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
        return TrainResult(False, None, None, None, len(train), len(test),
                           f"not enough feedback yet ({len(train)} training rows, {len(test)} held out)")  # fmt: skip
    version = timezone.now().strftime("r%Y%m%d-%H%M%S-%f")
    candidate = fit_weights(train, version=version)
    if candidate is None:
        return TrainResult(False, None, None, None, len(train), len(test), "the feedback has only one label")
    current_row = RankerModel.objects.filter(is_current=True).first()
    current = Weights.from_dict(current_row.weights) if current_row else Weights()
    candidate_ndcg, current_ndcg = ndcg_of(candidate, test), ndcg_of(current, test)
    promoted = should_promote(candidate, current, test)
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
    verdict = "promoted" if promoted else "kept the current model"
    weights = ", ".join(f"{k} {v:.2f}" for k, v in candidate.to_dict().items() if k != "version")
    return TrainResult(
        promoted,
        version,
        candidate_ndcg,
        current_ndcg,
        len(train),
        len(test),
        f"model {version} ({weights}): nDCG@10 on held-out feedback {candidate_ndcg:.3f} vs current "
        f"{current_ndcg:.3f} → {verdict}",
    )
