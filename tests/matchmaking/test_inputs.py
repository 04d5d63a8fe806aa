"""Constants the engines keep as plain values agree with the one definition on the Django side."""

from __future__ import annotations

from companies.models import Kind, Level
from exchange import fields
from matchmaking import inputs
from matchmaking.engine import types
from scheduler import engine as allocation
from scheduler.models import AllocationMode
from scheduler.selectors import SEAT_HOLDING


def test_the_engines_and_the_contract_know_the_same_kinds_levels_and_modes():
    assert tuple(types.KINDS) == tuple(Kind.values) == tuple(fields.KINDS)
    assert tuple(fields.LEVELS) == tuple(Level.values)
    assert tuple(allocation.MODES) == tuple(AllocationMode.values)


def test_matchmaking_counts_the_same_seats_as_the_scheduler():
    assert set(inputs.SEAT_HOLDING) == {str(status) for status in SEAT_HOLDING}


def test_engine_ids_are_namespaced_and_reversible():
    assert inputs.engine_id("student", "11A") != inputs.engine_id("class_request", "11A")
    assert inputs.split_engine_id(inputs.engine_id("class_request", "a:b")) == ("class_request", "a:b")
