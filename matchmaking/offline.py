"""Running the engine on CSV files without a database: shared by ``recommend`` and ``evaluate``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from exchange.contract import validate
from exchange.fields import FieldError
from exchange.fields import datetime as parse_datetime

from . import inputs
from .engine.model import Weights
from .engine.recommend import recommend
from .engine.types import Opportunity, Participant, Recommendations


def parse_now(value: str) -> dt.datetime:
    try:
        return parse_datetime(value)
    except FieldError as exc:
        raise ValueError(str(exc)) from None


def load_world(directory: Path, *, now: dt.datetime, stderr: Any) -> tuple[list[Participant], list[Opportunity]]:
    """Validate the folder (parents must be in it: there is no database to find them in), then read it."""
    validation = validate(directory, lambda _file, _ids: {}, today=now.date())
    if not validation.ok:
        for problem in validation.problems:
            stderr.write(str(problem))
        raise CommandError(f"{len(validation.problems)} problem(s) in {directory}")
    return inputs.world_from_csv(directory, today=now.date())


def load_weights(path: Path | None) -> Weights | None:
    if path is None:
        return None
    try:
        return Weights.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise CommandError(f"{path}: not a weights file ({exc})") from None


def run_engine(
    participants: list[Participant],
    opportunities: list[Opportunity],
    *,
    now: dt.datetime,
    k: int,
    weights_path: Path | None = None,
) -> Recommendations:
    return recommend(
        participants,
        opportunities,
        now=now,
        geography=inputs.geography(),
        province_names=inputs.province_names(),
        k=k,
        weights=load_weights(weights_path),
    )
