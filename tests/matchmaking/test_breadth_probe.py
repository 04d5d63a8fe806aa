"""The breadth probe (tests/data/breadth_probe, see its PROVENANCE.md) is a valid contract folder whose
truth pairs are all eligible under the hard filters, so its figures measure relevance alone."""

import csv
from pathlib import Path

from exchange.contract import validate
from exchange.fields import datetime as parse_datetime
from matchmaking.engine.filters import qualifying_sessions
from matchmaking.inputs import geography, split_engine_id, world_from_csv

DATA = Path(__file__).resolve().parents[1] / "data" / "breadth_probe"
NOW = parse_datetime("2026-09-20T08:00:00+07:00")


def test_the_probe_is_a_valid_folder_and_every_truth_pair_is_eligible():
    validation = validate(DATA, lambda _file, _ids: {}, today=NOW.date())
    assert validation.ok, [str(p) for p in validation.problems]
    participants, opportunities = world_from_csv(DATA, today=NOW.date())
    by_id = {split_engine_id(p.id)[1]: p for p in participants}
    opportunity = {o.id: o for o in opportunities}
    with (DATA / "truth.csv").open(encoding="utf-8", newline="") as handle:
        truth = [(row["participant"], row["opportunity"]) for row in csv.DictReader(handle)]

    assert len(truth) == len(set(truth)) and set(by_id) == {p for p, _ in truth}
    ineligible = [(p, o) for p, o in truth if not qualifying_sessions(by_id[p], opportunity[o], NOW, geography())]
    assert ineligible == []
