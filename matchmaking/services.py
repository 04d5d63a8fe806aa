"""Matchmaking rounds: run the engine over every participant, in shards, and publish the result at once.

1. ``round_start`` records a MatchRound and splits participants into shards (by position in the sorted
   participant list). With a broker, one Celery task per shard, enqueued after commit; without one, the
   shards run in this process one after another — the same code either way.
2. ``round_shard_run`` scores its participants against every opportunity (the text model is fitted on
   the whole world in every shard, so a shard's scores equal the single-process run's) and stages its
   rows: each participant's top k, and its shard's top k participants of every opportunity. Safe to run
   twice: a shard's staged rows are replaced, and it is counted once.
3. The shard that completes the round publishes it (``round_publish``): in one transaction every
   participant's list is replaced, and each opportunity's top k is the top k of its shards' top k's
   (exact: the global top k is among the union of the per-shard top k's). Readers never see a mix.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.models import Opportunity as OpportunityRow
from notifications.services import tables_analyze
from students.models import ClassRequest, Student

from . import inputs
from .broker import BROKER_ERRORS
from .engine.encoder import Reranker, reranker
from .engine.model import Weights
from .engine.recommend import recommend
from .engine.types import Rec
from .models import Match, MatchRound, OpportunityMatch, RankerModel, StagedMatch

logger = logging.getLogger(__name__)

DEFAULT_VERSION = "default"
# A round still running after this long lost its workers; it no longer blocks the next one.
ROUND_TIMEOUT = dt.timedelta(hours=2)


class RoundRunning(Exception):
    """Another matchmaking round is running; its lists would be published over this one's."""


@dataclass(frozen=True)
class RoundSummary:
    round_id: int
    status: str
    participants: int
    with_recommendations: int
    matches: int
    opportunity_matches: int
    seconds: float


def current_ranker() -> tuple[Weights | None, str]:
    model = RankerModel.objects.filter(is_current=True).first()
    if model is None:
        return None, DEFAULT_VERSION
    return Weights.from_dict(model.weights), model.version


def round_start(*, k: int = 10, shards: int | None = None, now: dt.datetime | None = None) -> MatchRound:
    """Start a round; its shards run on Celery workers when a broker is configured, else right here."""
    if shards is None:
        shards = settings_shards()
    version = current_ranker()[1]
    stale = timezone.now() - ROUND_TIMEOUT
    MatchRound.objects.filter(status=MatchRound.Status.RUNNING, started_at__lt=stale).update(
        status=MatchRound.Status.FAILED, error="no progress for too long: its workers were lost"
    )
    try:
        with transaction.atomic():
            match_round = MatchRound.objects.create(
                k=k, shards_total=shards, model_version=version, now=now or timezone.now()
            )
            if settings.CELERY_BROKER_URL:
                transaction.on_commit(lambda: _shards_enqueue(round_id=match_round.pk, shards=shards))
    except IntegrityError:
        raise RoundRunning(_("A matchmaking round is already running.")) from None
    if not settings.CELERY_BROKER_URL:
        try:
            for shard in range(shards):
                round_shard_run(round_id=match_round.pk, shard=shard)
        except DATABASE_GONE as error:  # no task to run it again here: the caller sees the failure
            with suppress(*DATABASE_GONE):
                round_fail(round_id=match_round.pk, error=repr(error))
            raise
    return match_round


def _shards_enqueue(*, round_id: int, shards: int) -> None:
    """After commit: one task per shard. A broker that cannot be reached fails the round at once; left
    running without its tasks, it would refuse every new round until ROUND_TIMEOUT. (A shard queued
    before the broker went away finds the round failed and does nothing.)"""
    from .tasks import round_shard

    try:
        for shard in range(shards):
            round_shard.delay(round_id=round_id, shard=shard)
    except BROKER_ERRORS as error:
        logger.error("round %s: its shards could not be queued: %r", round_id, error)
        round_fail(round_id=round_id, error=f"its tasks could not be queued (the broker is unreachable): {error!r}")


def settings_shards() -> int:
    """One shard without a broker; with workers, enough shards to keep several busy."""
    return 4 if settings.CELERY_BROKER_URL else 1


# The database went away (a restart, a failover, a dropped connection): the transaction in flight rolled
# back with it, so the work may simply run again once the database is back.
DATABASE_GONE = (OperationalError, InterfaceError)


def round_shard_run(*, round_id: int, shard: int) -> None:
    """Compute and stage one shard; the shard that completes the round publishes it.

    A database that goes away propagates (``DATABASE_GONE``) without failing the round: nothing of the
    shard was committed, and its task runs it again. Any other error fails the round.
    """
    match_round = MatchRound.objects.get(pk=round_id)
    if match_round.status != MatchRound.Status.RUNNING:
        return
    try:
        _shard_compute(match_round, shard)
    except DATABASE_GONE:
        raise
    except Exception as exc:
        round_fail(round_id=round_id, error=repr(exc))
        raise


def round_fail(*, round_id: int, error: str) -> None:
    """Mark a running round failed, so that it no longer blocks the next one."""
    MatchRound.objects.filter(pk=round_id, status=MatchRound.Status.RUNNING).update(
        status=MatchRound.Status.FAILED, error=error[:2000]
    )


_RERANKER: Reranker | None = None


def configured_reranker() -> Reranker | None:
    """The second stage of settings.MATCHMAKING_ENCODER (None: off), one per process (the encoder's
    weights load once); its embeddings are kept in the database by text hash (``embeddings``)."""
    global _RERANKER
    from .embeddings import DatabaseStore

    name = settings.MATCHMAKING_ENCODER
    if not name:
        return None
    if _RERANKER is None or _RERANKER.name != name:  # settings checked that the packages are installed
        _RERANKER = reranker(name, DatabaseStore(name))
    _RERANKER.limit = settings.MATCHMAKING_ROUND_ENCODE_CHARS or None
    return _RERANKER


def _shard_compute(match_round: MatchRound, shard: int) -> None:
    participants = inputs.participants_from_db()
    opportunities = inputs.opportunities_from_db()
    mine = {p.id for i, p in enumerate(participants) if i % match_round.shards_total == shard}
    weights = current_ranker()[0]
    stage = configured_reranker()
    recs = recommend(
        participants,
        opportunities,
        now=match_round.now,
        geography=inputs.geography(),
        province_names=inputs.province_names(),
        k=match_round.k,
        weights=weights,
        only_participants=mine,
        # With a broker the round's shards already run side by side in Celery's worker processes.
        workers=1 if match_round.shards_total > 1 else None,
        rerank=stage,
    )
    failure = stage.failure if stage is not None else ""
    if failure:
        logger.error("round %s shard %s: the English second stage failed, lists in the engine's order: %s",
                     match_round.pk, shard, failure)  # fmt: skip
    waiting = stage.waiting if stage is not None else 0
    if waiting:
        logger.info("round %s shard %s: %s English texts left to the embedding pass (their pairs in the "
                    "engine's order this round)", match_round.pk, shard, waiting)  # fmt: skip
    students = dict(Student.objects.values_list("external_id", "pk"))
    classes = dict(ClassRequest.objects.values_list("external_id", "pk"))
    opportunity_pks = dict(OpportunityRow.objects.values_list("external_id", "pk"))

    def staged(direction: str, rec: Rec) -> tuple[Any, ...]:
        participant_type, participant_external_id = inputs.split_engine_id(rec.participant_id)
        is_student = participant_type == "student"
        return (
            match_round.pk,
            shard,
            direction,
            rec.participant_id,
            students[participant_external_id] if is_student else None,
            None if is_student else classes[participant_external_id],
            opportunity_pks[rec.opportunity_id],
            rec.score,
            rec.rank,
            list(rec.reasons),
            dict(rec.features),
        )

    rows = [staged("p", r) for recs_ in recs.for_participants.values() for r in recs_]
    rows += [staged("o", r) for recs_ in recs.for_opportunities.values() for r in recs_]
    del recs
    with transaction.atomic():
        # The round row is the lock that serialises shards finishing; it is taken before any write.
        locked = MatchRound.objects.select_for_update().get(pk=match_round.pk)
        if locked.status != MatchRound.Status.RUNNING:
            return
        StagedMatch.objects.filter(round=locked, shard=shard).delete()
        # A round of one shard publishes in this very transaction: its participants' lists need no merge
        # and go straight into their table (on PostgreSQL; elsewhere through the stage as before). Only
        # the opportunities' side is staged, to be ranked by the same query as the shards' merge.
        direct = locked.shards_total == 1 and connection.vendor == "postgresql"
        _stage([row for row in rows if row[2] == "o"] if direct else rows)
        done = set(locked.stats.get("done_shards", [])) | {shard}
        locked.stats = {**locked.stats, "done_shards": sorted(done)}
        if failure:
            locked.stats["second_stage_failed"] = failure[:500]
        if waiting:
            locked.stats["second_stage_waiting"] = max(waiting, locked.stats.get("second_stage_waiting", 0))
        locked.shards_done = len(done)
        locked.save(update_fields=["stats", "shards_done"])
        if locked.shards_done == locked.shards_total:
            round_publish(match_round=locked, lists=[row for row in rows if row[2] == "p"] if direct else None)


_STAGED_COLUMNS = (
    "round_id", "shard", "direction", "participant_key", "student_id", "class_request_id", "opportunity_id",
    "score", "rank", "reasons", "features",
)  # fmt: skip


def _stage(rows: list[tuple[Any, ...]]) -> None:
    """Write a shard's rows (in ``_STAGED_COLUMNS`` order). On PostgreSQL through COPY: a province's shard
    stages about a million rows, which INSERTs of model instances took minutes to write."""
    if connection.vendor != "postgresql":
        StagedMatch.objects.bulk_create(
            [StagedMatch(**dict(zip(_STAGED_COLUMNS, row, strict=True))) for row in rows], batch_size=2000
        )
        return
    table = StagedMatch._meta.db_table
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(_STAGED_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                # JSON as Django's JSONField writes it (json.dumps, no encoder): the column reads the text.
                copy.write_row((*row[:9], json.dumps(row[9]), json.dumps(row[10])))


def round_publish(*, match_round: MatchRound, lists: list[tuple[Any, ...]] | None = None) -> None:
    """Replace every list with the round's staged rows. Runs inside the caller's transaction.

    ``lists``: the participants' rows themselves (``_STAGED_COLUMNS``, direction "p"), written straight
    into the table through COPY (PostgreSQL) rather than read back from the stage: a round of one shard
    has them at hand, and staging a province's million rows only to copy them took a third of its round.
    """
    staged = StagedMatch._meta.db_table
    now = timezone.now()
    Match.objects.all().delete()
    OpportunityMatch.objects.all().delete()
    columns = "student_id, class_request_id, opportunity_id, score, rank, reasons, features, model_version, created_at"
    with connection.cursor() as cursor:
        if lists is None:
            cursor.execute(
                f"INSERT INTO {Match._meta.db_table} ({columns}) "
                f"SELECT student_id, class_request_id, opportunity_id, score, rank, reasons, features, %s, %s "
                f"FROM {staged} WHERE round_id = %s AND direction = 'p'",
                [match_round.model_version, now, match_round.pk],
            )
        else:
            with cursor.cursor.copy(f"COPY {Match._meta.db_table} ({columns}) FROM STDIN") as copy:
                for row in lists:
                    # The values the stage would have held (JSON as ``_stage`` writes it), in its order.
                    copy.write_row(
                        (*row[4:9], json.dumps(row[9]), json.dumps(row[10]), match_round.model_version, now)
                    )
        cursor.execute(
            f"INSERT INTO {OpportunityMatch._meta.db_table} "
            "(student_id, class_request_id, opportunity_id, score, rank, reasons, model_version) "
            "SELECT student_id, class_request_id, opportunity_id, score, position, reasons, %s FROM ("
            "  SELECT *, ROW_NUMBER() OVER (PARTITION BY opportunity_id ORDER BY score DESC, participant_key)"
            f"  AS position FROM {staged} WHERE round_id = %s AND direction = 'o'"
            ") ranked WHERE position <= %s",
            [match_round.model_version, match_round.pk, match_round.k],
        )
    StagedMatch.objects.filter(round=match_round).delete()
    # Every list was just replaced: the next readers (the digests, the scheduling round) need the planner
    # to know it.
    tables_analyze(Match, OpportunityMatch)
    participants = Student.objects.active().count() + ClassRequest.objects.count()
    with_recs = Match.objects.values("student_id", "class_request_id").distinct().count()
    match_round.status = MatchRound.Status.DONE
    match_round.finished_at = now
    match_round.stats = {
        **match_round.stats,
        "participants": participants,
        "with_recommendations": with_recs,
        "matches": Match.objects.count(),
        "opportunity_matches": OpportunityMatch.objects.count(),
    }
    match_round.save(update_fields=["status", "finished_at", "stats"])


def matchmake(
    *,
    k: int = 10,
    shards: int | None = None,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    timeout: float = 3600,
) -> RoundSummary:
    """Run a whole round and wait for it; ``progress(done, total)`` is called as shards finish."""
    started = time.perf_counter()
    match_round = round_start(k=k, shards=shards, now=now)
    deadline = time.monotonic() + timeout
    seen = -1
    while True:
        match_round.refresh_from_db()
        if match_round.shards_done != seen and progress:
            seen = match_round.shards_done
            progress(seen, match_round.shards_total)
        if match_round.status != MatchRound.Status.RUNNING:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"round {match_round.pk} still running after {timeout:.0f} s")
        time.sleep(0.2)
    if match_round.status == MatchRound.Status.FAILED:
        raise RuntimeError(f"round {match_round.pk} failed: {match_round.error}")
    stats = match_round.stats
    return RoundSummary(
        round_id=match_round.pk,
        status=match_round.status,
        participants=stats["participants"],
        with_recommendations=stats["with_recommendations"],
        matches=stats["matches"],
        opportunity_matches=stats["opportunity_matches"],
        seconds=time.perf_counter() - started,
    )
